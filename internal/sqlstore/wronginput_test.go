package sqlstore

import (
	"testing"
	"time"

	"shequ"
)

// Inputs that were accepted although wrong (issue 14 item 9), refused by
// the store on both engines with a field error, and nothing written.

func TestCreateUserUnknownScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ensureDivisions(t, db, "330523001002")
		s := NewUserService(db)
		for _, scope := range []string{"330523999999", "330599", "12"} {
			u := &shequ.User{Username: "nobody", Role: shequ.RoleCommunityWorker, Scope: scope}
			err := s.CreateUser(cliContext(), u, testHash)
			if f := fieldKeyOf(err, "scope"); f != "user.scope.unknown" {
				t.Errorf("scope %s: %v", scope, err)
			}
		}
		var n int
		if err := db.db.QueryRow(`SELECT COUNT(*) FROM users`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d users written (%v)", n, err)
		}
		// A stored division and the whole country are fine.
		for i, scope := range []string{"330523001002", "3305", ""} {
			u := &shequ.User{Username: "someone" + string(rune('a'+i)), Role: shequ.RoleOfficial, Scope: scope}
			if err := s.CreateUser(cliContext(), u, testHash); err != nil {
				t.Errorf("scope %q: %v", scope, err)
			}
		}
	})
}

func TestDelegationAlreadyEnded(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		wctx := actorOf(fx.worker)
		for _, c := range []struct {
			name        string
			from, until time.Time
			field, key  string
		}{
			{"expired in 1900", time.Date(1900, 1, 1, 0, 0, 0, 0, shequ.Shanghai), time.Date(1900, 6, 1, 0, 0, 0, 0, shequ.Shanghai), "valid_until", "delegation.validity.past"},
			{"ended yesterday", testNow.AddDate(0, 0, -30), testNow.AddDate(0, 0, -1), "valid_until", "delegation.validity.past"},
			{"year one", time.Time{}.AddDate(0, 0, 1), testNow.AddDate(0, 1, 0), "valid_from", "date.span"},
		} {
			d := &shequ.Delegation{ResidentID: fx.resident.ID, AgentID: fx.worker.ID, Items: []string{"MZ-001"},
				ValidFrom: c.from, ValidUntil: c.until}
			err := fx.dels.CreateDelegation(wctx, d)
			if f := fieldKeyOf(err, c.field); f != c.key {
				t.Errorf("%s: %s=%q (%v)", c.name, c.field, f, err)
			}
		}
		var n int
		if err := db.db.QueryRow(`SELECT COUNT(*) FROM delegations`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d delegations written (%v)", n, err)
		}
	})
}

// fieldKeyOf returns the key of err's error on field, "" when none.
func fieldKeyOf(err error, field string) string {
	if err == nil {
		return ""
	}
	for _, f := range shequ.AsError(err).Fields {
		if f.Field == field {
			return f.Key
		}
	}
	return ""
}
