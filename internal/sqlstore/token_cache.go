package sqlstore

import (
	"time"

	"shequ"
)

// A cache of API token lookups. Every API call signs in with its token, and
// reading the token and its account was a sixth of the CPU time of a
// request submission (`shequ bench requests`). A lookup is kept for
// tokenCacheTTL. Within this process nothing stale is ever served: revoking
// a token and changing an account (disable, enable, rename) advance
// DB.authGen after they commit, which drops everything read before. Another
// process on the same database (several servers behind one address) drops
// them when it reads the change from the change feed (changefeed.go), at
// most tokenCacheTTL late in any case.

// tokenCacheTTL is how long a lookup is used without reading the database.
const tokenCacheTTL = time.Second

// maxCachedTokens bounds the cache; when full it starts afresh.
const maxCachedTokens = 10_000

// tokenCache maps a token's hash to what FindTokenUser read: values, so
// that every hit hands out its own copies.
type tokenCache = ttlCache[cachedToken]

// cachedToken is one lookup: the account and the token.
type cachedToken struct {
	user  shequ.User
	token shequ.APIToken
}

// newTokenCache returns the token cache of db.
func newTokenCache(db *DB) *tokenCache {
	return &tokenCache{ttl: tokenCacheTTL, max: maxCachedTokens, gen: &db.authGen}
}

// authChanged marks every cached sign-in stale, here and, through the
// change feed, in the other servers on the database. Call it after an
// account or a token changed (deferred around the transaction).
func (db *DB) authChanged() {
	db.authGen.Add(1)
	db.feed.Publish(ChangeAuth)
}
