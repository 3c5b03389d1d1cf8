package sqlstore

import (
	"context"
	"strings"
	"testing"

	"shequ"
)

// TestRequestLookup: the public lookup finds a request only by its number
// together with its applicant's ID number; a wrong ID number, an unknown
// number, a malformed one and an anonymous report all answer the same
// ENotFound; every lookup is audited with the number, never the ID number.
func TestRequestLookup(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ctx := actorOf(fx.worker)
		r, err := fx.reqs.Submit(ctx, windowInput(fx, "MZ-001"))
		mustDo(t, err)
		anon, err := fx.reqs.Submit(ctx, &shequ.RequestInput{ItemCode: "MZ-001", Community: tiaoxiu, Channel: shequ.ChannelPhone,
			Values: map[string][]string{"bank": {"农业银行"}}, Description: "路灯坏了"})
		mustDo(t, err)
		own := string(fx.resident.IDNumber)
		other := idNumber("330523", "19400101", "013")
		bad := own[:17] + "0" // a wrong check character
		if own[17] == '0' {
			bad = own[:17] + "1"
		}
		public := context.Background()
		got, err := fx.reqs.Lookup(public, r.Number, own)
		if err != nil || got.ID != r.ID || got.Token != r.Token {
			t.Fatalf("lookup: %+v %v", got, err)
		}
		if got, err := fx.reqs.Lookup(public, r.Number, strings.ToLower(own)); err != nil || got.ID != r.ID {
			t.Errorf("lower-case x: %v", err)
		}
		for name, in := range map[string][2]string{
			"wrong ID number":     {r.Number, other},
			"unknown number":      {"330523-20990101-999999", own},
			"malformed ID number": {r.Number, bad},
			"anonymous report":    {anon.Number, own},
			"empty number":        {"", own},
		} {
			if got, err := fx.reqs.Lookup(public, in[0], in[1]); shequ.ErrorCode(err) != shequ.ENotFound || got != nil {
				t.Errorf("%s: %v %v", name, got, err)
			}
		}
		if n := auditCount(t, db, auditRequestLookup, shequ.AuditAllowed, r.ID); n != 2 {
			t.Errorf("allowed lookups audited: %d", n)
		}
		if n := auditCount(t, db, auditRequestLookup, shequ.AuditDenied, r.Number); n != 2 {
			t.Errorf("denied lookups of the number audited: %d", n)
		}
		var leaked int
		if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM audit_log WHERE detail LIKE ? OR object_id LIKE ?`),
			"%"+own[:14]+"%", "%"+own[:14]+"%").Scan(&leaked); err != nil || leaked != 0 {
			t.Errorf("ID number in the audit trail: %d %v", leaked, err)
		}
	})
}
