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
