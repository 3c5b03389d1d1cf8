package sqlstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"shequ"
)

// propFx is the cast of the property module's store tests: 安吉县 with two
// communities of 递铺街道 (苕秀 and 康山) and 长兴县 out of scope; a community
// worker of 苕秀, the street's official, two companies with a staff account
// each, an estate of each company in 苕秀, a self-managed one in 康山 that
// spans 苕秀, and resident accounts made on demand.
type propFx struct {
	db    *DB
	s     *PropertyService
	res   *ResidentService
	clock *testClock

	worker, workerKS, official, county, staffA, staffB, outOfficial *shequ.User
	companyA, companyB, companyOut                                  *shequ.PropertyCompany
	estateA, estateB, estateSelf, estateOut                         *shequ.Estate

	n int
}

// propCommunity2 is 康山村 of the division fixture.
const propCommunity2 = kangshan

// companyCode builds a valid credit code of an enterprise (91) of a county
// from an 8-digit organization code body.
func companyCode(county, body string) shequ.CreditCode {
	s := "91" + county + body + string(shequ.OrgCodeCheckChar(body))
	return shequ.CreditCode(s + string(shequ.CreditCheckChar(s)))
}

// as returns a context acting as u.
func as(u *shequ.User) context.Context {
	meta := shequ.RequestMeta{ClientAddr: "192.0.2.7", RequestID: "req-" + u.Username}
	return shequ.WithActor(shequ.WithRequestMeta(context.Background(), meta), u.Actor())
}

func newPropFx(t *testing.T, db *DB) *propFx {
	t.Helper()
	mustImport(t, db, divisionsOf(append(append([][2]string{}, fixture...), authzDivisions...)...))
	fx := &propFx{db: db, s: NewPropertyService(db, testSealer(t)), res: NewResidentService(db, testSealer(t)),
		clock: newTestClock(testNow)}
	fx.s.Now = fx.clock.Now
	fx.worker = mustCreateUser(t, db, "pworker", shequ.RoleCommunityWorker, tiaoxiu)
	fx.workerKS = mustCreateUser(t, db, "pworker2", shequ.RoleCommunityWorker, propCommunity2)
	fx.official = mustCreateUser(t, db, "pofficial", shequ.RoleOfficial, dipu)
	fx.county = mustCreateUser(t, db, "pcounty", shequ.RoleOfficial, "330523")
	fx.outOfficial = mustCreateUser(t, db, "pout", shequ.RoleOfficial, authzOtherCounty)
	fx.staffA = mustCreateUser(t, db, "pstaffa", shequ.RolePropertyStaff, "330523")
	fx.staffB = mustCreateUser(t, db, "pstaffb", shequ.RolePropertyStaff, "330523")
	cli := cliContext()
	fx.companyA = fx.company(t, "330523", "绿城物业", "10000001")
	fx.companyB = fx.company(t, "330523", "安居物业", "10000002")
	fx.companyOut = fx.company(t, authzOtherCounty, "长兴物业", "10000003")
	mustDo(t, fx.s.SetCompanyStaff(cli, fx.companyA.ID, []string{fx.staffA.ID}))
	mustDo(t, fx.s.SetCompanyStaff(cli, fx.companyB.ID, []string{fx.staffB.ID}))
	fx.estateA = fx.estate(t, tiaoxiu, "苕溪花园", fx.companyA)
	fx.estateB = fx.estate(t, tiaoxiu, "安居小区", fx.companyB)
	fx.estateSelf = fx.estate(t, propCommunity2, "康山新村", nil)
	fx.estateOut = fx.estate(t, authzOtherCommunity, "长城小区", fx.companyOut)
	return fx
}

// company registers a company from the console.
func (fx *propFx) company(t *testing.T, division, name, body string) *shequ.PropertyCompany {
	t.Helper()
	c := &shequ.PropertyCompany{Name: name + "服务有限公司", CreditCode: companyCode(division[:6], body), Division: division,
		Contact: "王经理", ContactPhone: "13900001111"}
	mustDo(t, fx.s.CreateCompany(cliContext(), c))
	return c
}

// estate registers an estate of community from the console, under a
// three-year contract of company from a year ago when company is set (else
// self-managed by the residents' committee; 康山新村 spans 苕秀 too).
func (fx *propFx) estate(t *testing.T, community, name string, company *shequ.PropertyCompany) *shequ.Estate {
	t.Helper()
	e := &shequ.Estate{Name: name, Community: community, Households: 100, Buildings: 8, YearBuilt: 1999, Old: true,
		Mode: shequ.ModeRCSelf}
	if community == propCommunity2 {
		e.Communities = []string{tiaoxiu}
	}
	mustDo(t, fx.s.CreateEstate(cliContext(), e))
	if company != nil {
		fx.contract(t, e, company, shequ.DateOf(fx.clock.Now()).AddDate(-1, 0, 0), 3)
		e = must(fx.s.FindEstateByID(cliContext(), e.ID))(t)
	}
	return e
}

// contract signs a contract of company for e from start for years.
func (fx *propFx) contract(t *testing.T, e *shequ.Estate, company *shequ.PropertyCompany, start time.Time, years int) *shequ.PropertyContract {
	t.Helper()
	k := &shequ.PropertyContract{EstateID: e.ID, CompanyID: company.ID, Start: start, End: start.AddDate(years, 0, -1),
		FeeFen: 120, Scope: "保洁、绿化、秩序维护、设施设备维护", Selection: shequ.SelectedByOwners}
	mustDo(t, fx.s.CreateContract(cliContext(), k))
	return k
}

// residentAccount makes a resident of community in household (a new one
// when "") with an account linked through self-registration.
func (fx *propFx) residentAccount(t *testing.T, community, household string) (*shequ.User, *shequ.Resident) {
	t.Helper()
	fx.n++
	cli := cliContext()
	if household == "" {
		h := &shequ.Household{Community: community, Address: fmt.Sprintf("%d幢", fx.n)}
		mustDo(t, fx.res.CreateHousehold(cli, h))
		household = h.ID
	}
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, fx.n).Format("20060102")
	r := &shequ.Resident{Name: fmt.Sprintf("住户%d", fx.n), Community: community, HouseholdID: household,
		Relation: shequ.RelationHead, Phone: shequ.Phone(fmt.Sprintf("1370000%04d", fx.n)),
		IDNumber: shequ.IDNumber(idNumber(community[:6], birth, fmt.Sprintf("%03d", fx.n%1000)))}
	if fx.n > 1 {
		r.Relation = shequ.RelationOther
	}
	mustCreateResident(t, fx.res, r)
	u := &shequ.User{Username: fmt.Sprintf("resident%d", fx.n)}
	return u, registerVerified(t, fx.res, r, string(r.Phone), u)
}

// score returns a company's score and grade at the clock.
func (fx *propFx) score(t *testing.T, company string) (int, shequ.Grade) {
	t.Helper()
	cc := must(fx.s.CompanyCredit(context.Background(), company))(t)
	return cc.Score, cc.Grade
}

// notes returns the kinds of the unread notifications of u.
func (fx *propFx) notes(t *testing.T, u *shequ.User) []string {
	t.Helper()
	rows, err := fx.db.db.Query(fx.db.rebind(`SELECT kind FROM notifications WHERE user_id = ? ORDER BY created_at, id`), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

// count runs a COUNT(*) query.
func (fx *propFx) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := fx.db.db.QueryRow(fx.db.rebind(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// runDeadlines runs the time rules from the console.
func (fx *propFx) runDeadlines(t *testing.T) *shequ.DeadlineRun {
	t.Helper()
	return must(fx.s.RunDeadlines(cliContext()))(t)
}
