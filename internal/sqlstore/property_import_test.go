package sqlstore

import (
	"testing"

	"shequ"
)

// TestImportCompanies: a file of property companies is written all or
// nothing — a row found bad inside the transaction (its credit code
// already registered) is named and writes nothing, neither companies nor
// records; a good file writes every company with an audit record each.
func TestImportCompanies(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		official := as(fx.county) // the county supervises its companies
		rows := func() []*shequ.PropertyCompany {
			c := func(name, body string) *shequ.PropertyCompany {
				return &shequ.PropertyCompany{Name: name + "物业服务有限公司", CreditCode: companyCode("330523", body),
					Division: "330523", Contact: "李经理", ContactPhone: "13900002222"}
			}
			return []*shequ.PropertyCompany{c("甲", "20000001"), c("乙", "20000002"), c("丙", "20000003")}
		}
		stored := func() int {
			return fx.count(t, `SELECT COUNT(*) FROM property_companies WHERE name LIKE ?`, "%物业服务有限公司")
		}
		before := stored()

		bad := rows()
		bad[1].CreditCode = fx.companyA.CreditCode
		if e := shequ.AsError(fx.s.ImportCompanies(official, bad)); e.Code == shequ.EInternal || e.Data["Row"] != 2 {
			t.Errorf("a row already registered: %v (data %v)", e, e.Data)
		}
		bad = rows()
		bad[2].Name = ""
		if e := shequ.AsError(fx.s.ImportCompanies(official, bad)); e.Code != shequ.EInvalid || e.Data["Row"] != 3 {
			t.Errorf("a row without a name: %v (data %v)", e, e.Data)
		}
		if n := stored(); n != before {
			t.Fatalf("refused imports wrote %d companies", n-before)
		}
		if n := auditCount(t, db, auditCompanyImport, shequ.AuditAllowed, ""); n != 0 {
			t.Errorf("%d import records after refused imports", n)
		}

		good := rows()
		mustDo(t, fx.s.ImportCompanies(official, good))
		if n := stored(); n != before+3 {
			t.Errorf("%d companies written by a good file of three", n-before)
		}
		for _, co := range good {
			if co.ID == "" {
				t.Fatalf("%s has no ID", co.Name)
			}
			if n := auditCount(t, db, auditCompanyImport, shequ.AuditAllowed, co.ID); n != 1 {
				t.Errorf("%s: %d import records", co.Name, n)
			}
		}
	})
}
