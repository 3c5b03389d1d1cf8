package sqlstore

import (
	"sync"
	"time"

	"shequ"
)

// A cache of API token lookups. Every API call signs in with its token, and
// reading the token and its account was a sixth of the CPU time of a
// request submission (`shequ bench requests`). A lookup is kept for
// tokenCacheTTL. Within this process nothing stale is ever served: revoking
// a token and changing an account (disable, enable, rename) advance
// DB.authGen after they commit, which drops everything read before. Another
// process on the same database (several servers behind one address) sees a
// revocation or a disabled account at most tokenCacheTTL late.

// tokenCacheTTL is how long a lookup is used without reading the database.
const tokenCacheTTL = time.Second

// maxCachedTokens bounds the cache; when full it starts afresh.
const maxCachedTokens = 10_000

// tokenCache maps a token's hash to what FindTokenUser read.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]*cachedToken
}

// cachedToken is one lookup: the account, the token, when it was read and
// the DB.authGen before the read.
type cachedToken struct {
	user  shequ.User
	token shequ.APIToken
	at    time.Time
	gen   uint64
}

// authChanged marks every cached sign-in stale. Call it after an account or
// a token changed (deferred around the transaction).
func (db *DB) authChanged() { db.authGen.Add(1) }

// get returns copies of the cached account and token of hash when they
// are fresh: read less than tokenCacheTTL ago and since the last change.
func (c *tokenCache) get(db *DB, hash string, now time.Time) (*shequ.User, *shequ.APIToken, bool) {
	c.mu.Lock()
	e, ok := c.entries[hash]
	c.mu.Unlock()
	if !ok || e.gen != db.authGen.Load() || now.Sub(e.at) >= tokenCacheTTL || now.Before(e.at) {
		return nil, nil, false
	}
	u, t := e.user, e.token
	return &u, &t, true
}

// put keeps copies of a valid lookup made at now, after reading gen.
func (c *tokenCache) put(hash string, u *shequ.User, t *shequ.APIToken, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedTokens {
		c.entries = map[string]*cachedToken{}
	}
	c.entries[hash] = &cachedToken{user: *u, token: *t, at: now, gen: gen}
}
