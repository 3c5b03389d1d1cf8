package sqlstore

import (
	"testing"
	"time"

	"shequ"
)

// TestTokenCache: a lookup is served from the cache for a second; revoking
// the token or disabling the account through this process ends it at
// once; a revocation written by another process (straight into the table)
// is seen when the second is over.
func TestTokenCache(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		c := useClock(db)
		s := NewTokenService(db)
		users := NewUserService(db)
		admin := mustCreateUser(t, db, "admin523", shequ.RoleSysadmin, "330523")
		u := mustCreateUser(t, db, "apiuser", shequ.RoleCommunityWorker, "330523001001")
		valid := func(secret string) bool {
			t.Helper()
			got, _, err := s.FindTokenUser(t.Context(), secret)
			if err != nil && shequ.ErrorCode(err) != shequ.EUnauthorized {
				t.Fatalf("FindTokenUser: %v", err)
			}
			if err == nil && got.ID != u.ID {
				t.Fatalf("FindTokenUser gave %s, want %s", got.ID, u.ID)
			}
			return err == nil
		}
		one, t1, err := s.CreateToken(cliContext(), u.ID, "one", 0)
		if err != nil {
			t.Fatal(err)
		}
		two, _, err := s.CreateToken(cliContext(), u.ID, "two", 0)
		if err != nil {
			t.Fatal(err)
		}
		if !valid(one) || !valid(two) {
			t.Fatal("new tokens refused")
		}

		// Revoked by this process: refused at once.
		if err := s.RevokeToken(actorOf(admin), t1.ID); err != nil {
			t.Fatal(err)
		}
		if valid(one) {
			t.Error("revoked token still accepted from the cache")
		}

		// Another process revokes: accepted until the second is over.
		if !valid(two) {
			t.Fatal("token refused")
		}
		if _, err := db.db.Exec(db.rebind(`UPDATE api_tokens SET revoked_at = ? WHERE name = 'two'`), db.dialect.timeArg(c.now())); err != nil {
			t.Fatal(err)
		}
		c.advance(tokenCacheTTL / 2)
		if !valid(two) {
			t.Error("cached lookup not used within its second")
		}
		c.advance(tokenCacheTTL / 2)
		if valid(two) {
			t.Error("revoked token accepted after the cache's second")
		}

		// Disabled account: refused at once.
		three, _, err := s.CreateToken(cliContext(), u.ID, "three", 0)
		if err != nil {
			t.Fatal(err)
		}
		if !valid(three) {
			t.Fatal("token refused")
		}
		yes := true
		if _, err := users.UpdateUser(actorOf(admin), u.ID, shequ.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if valid(three) {
			t.Error("token of a disabled account accepted from the cache")
		}

		// Expiry is checked on every use, cached or not.
		no := false
		if _, err := users.UpdateUser(actorOf(admin), u.ID, shequ.UserUpdate{Disabled: &no}); err != nil {
			t.Fatal(err)
		}
		short, _, err := s.CreateToken(actorOf(admin), u.ID, "short", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !valid(short) {
			t.Fatal("token refused")
		}
		c.advance(time.Hour)
		if valid(short) {
			t.Error("expired token accepted")
		}
	})
}
