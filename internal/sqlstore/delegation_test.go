package sqlstore

import (
	"testing"
	"time"

	"shequ"
)

// TestDelegationNotYetValid: a delegation consented today for a period that
// starts next week does not let the agent file anything before that day,
// and does from its first day on.
func TestDelegationNotYetValid(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		wctx := actorOf(fx.worker)
		resident := mustLinkResident(t, fx, &shequ.User{Username: "later"})
		rctx := actorOf(resident)
		starts := testNow.AddDate(0, 0, 7)
		d := &shequ.Delegation{ResidentID: fx.resident.ID, AgentID: fx.worker.ID, Items: []string{"MZ-001"},
			ValidFrom: starts, ValidUntil: starts.AddDate(0, 1, 0)}
		if err := fx.dels.CreateDelegation(rctx, d); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.dels.Consent(rctx, d.ID, shequ.ConsentPortal, ""); err != nil {
			t.Fatal(err)
		}
		agency := &shequ.RequestInput{ItemCode: "MZ-001", Channel: shequ.ChannelAgency, DelegationID: d.ID,
			Values: map[string][]string{"bank": {"农商银行"}}}
		if _, err := fx.reqs.Submit(wctx, agency); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Fatalf("agent before the delegation starts: %v, want forbidden", err)
		}
		db.Now = func() time.Time { return starts.Add(time.Hour) }
		if _, err := fx.reqs.Submit(wctx, agency); err != nil {
			t.Fatalf("agent on the first day: %v", err)
		}
	})
}

// TestFindDelegationsScope: the delegation lists show a delegation to the
// workers of its community (agentOnly: to its agent alone), to the resident
// it belongs to, and to nobody outside (another community's worker, another
// resident); a resident filter narrows, and a malformed one finds nothing.
func TestFindDelegationsScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		resident := mustLinkResident(t, fx, &shequ.User{Username: "owner"})
		d := &shequ.Delegation{ResidentID: fx.resident.ID, AgentID: fx.worker.ID, Items: []string{"MZ-001"},
			ValidFrom: testNow, ValidUntil: testNow.AddDate(0, 1, 0)}
		if err := fx.dels.CreateDelegation(actorOf(resident), d); err != nil {
			t.Fatal(err)
		}
		peer := mustCreateUser(t, db, "worker-peer", shequ.RoleCommunityWorker, tiaoxiu)
		outside := mustCreateUser(t, db, "worker-out", shequ.RoleCommunityWorker, "330523001001")
		stranger := mustCreateUser(t, db, "resident-other", shequ.RoleResident, tiaoxiu)
		sees := func(u *shequ.User, residentID string, agentOnly bool) bool {
			t.Helper()
			ds, err := fx.dels.FindDelegations(actorOf(u), residentID, agentOnly)
			if err != nil {
				t.Fatalf("%s: %v", u.Username, err)
			}
			for _, x := range ds {
				if x.ID == d.ID {
					return true
				}
			}
			return false
		}
		for _, c := range []struct {
			who       *shequ.User
			resident  string
			agentOnly bool
			want      bool
		}{
			{fx.worker, "", false, true},
			{fx.worker, "", true, true},
			{peer, "", false, true},
			{peer, "", true, false},
			{outside, "", false, false},
			{resident, "", false, true},
			{stranger, "", false, false},
			{fx.worker, fx.resident.ID, false, true},
			{fx.worker, newUUID7(), false, false},
			{fx.worker, "not-a-uuid", false, false},
		} {
			if got := sees(c.who, c.resident, c.agentOnly); got != c.want {
				t.Errorf("%s (resident %q, agent only %v) sees the delegation: %v, want %v", c.who.Username, c.resident,
					c.agentOnly, got, c.want)
			}
		}
	})
}
