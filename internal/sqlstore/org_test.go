package sqlstore

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

// creditCode builds a valid unified social credit code of a social
// organization registered by civil affairs (51) in 安吉县 from an 8-digit
// organization code body.
func creditCode(body string) shequ.CreditCode {
	s := "51330523" + body + string(shequ.OrgCodeCheckChar(body))
	return shequ.CreditCode(s + string(shequ.CreditCheckChar(s)))
}

// testDay is the date of testNow in Asia/Shanghai, as dates read back.
func testDay() *time.Time { return dayOf(&testNow) }

// date is a date at midnight in Asia/Shanghai.
func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, shequ.Shanghai)
	return &t
}

// newOrgs imports the division fixture and returns an OrgService.
func newOrgs(tb testing.TB, db *DB) *OrgService {
	tb.Helper()
	mustImport(tb, db, divisionsOf(fixture...))
	return NewOrgService(db, testSealer(tb))
}

// anOrg returns a valid, unsaved active organization of a community: filed
// with its township.
func anOrg(name, community string) *shequ.SocialOrg {
	return &shequ.SocialOrg{Name: name, Kind: shequ.OrgCultureSports, Community: community,
		LegalStatus: shequ.LegalFiled, FiledWith: community[:9], Status: shequ.OrgActive, Members: 12}
}

// mustCreateOrg creates an organization as console work, or fails.
func mustCreateOrg(tb testing.TB, s *OrgService, o *shequ.SocialOrg) *shequ.SocialOrg {
	tb.Helper()
	if err := s.CreateOrg(cliContext(), o); err != nil {
		tb.Fatalf("create organization %s: %v", o.Name, err)
	}
	return o
}

// userContext is the context of a stored account.
func userContext(u *shequ.User) context.Context {
	ctx := shequ.WithRequestMeta(context.Background(), shequ.RequestMeta{ClientAddr: "192.0.2.2", RequestID: "req-u"})
	return shequ.WithActor(ctx, u.Actor())
}

// changes records the calls of an OnChange hook.
type changes struct {
	mu    sync.Mutex
	calls [][]string
}

func (c *changes) hook(communities ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, communities)
}

// take returns the calls so far and forgets them.
func (c *changes) take() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = nil
	return out
}

// fieldOf returns the field and key of the first field error of err.
func fieldOf(err error) (string, string) {
	e := shequ.AsError(err)
	if len(e.Fields) == 0 {
		return "", e.Key
	}
	return e.Fields[0].Field, e.Fields[0].Key
}

func TestCreateFindOrg(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newOrgs(t, db)
		owner := mustCreateUser(t, db, "org1", shequ.RoleOrgMember, dipu)
		code := creditCode("00000001")
		o := &shequ.SocialOrg{Name: " 苕秀志愿者协会 ", Kind: shequ.OrgResidentService, Community: tiaoxiu,
			Serves: []string{kangshan, tiaoxiu, kangshan}, LegalStatus: shequ.LegalRegistered,
			CreditCode: shequ.CreditCode(strings.ToLower(string(code))) + " ", Incubator: "dropped",
			FoundedOn: date(2018, 5, 4), Leader: "王五", LeaderPhone: "138 0013 8000", Members: 40,
			Grade: 4, GradedOn: date(2023, 1, 2), Status: shequ.OrgActive, OwnerUserIDs: []string{owner.ID}}
		if err := s.CreateOrg(worker(tiaoxiu), o); err != nil {
			t.Fatal(err)
		}
		if o.ID == "" || o.Name != "苕秀志愿者协会" || o.CreditCode != code || o.LeaderPhone != "13800138000" ||
			!cmp.Equal(o.Serves, []string{kangshan}) || o.Incubator != "" || !sameDay(o.StatusSince, testDay()) ||
			!o.CreatedAt.Equal(testNow.Truncate(time.Microsecond)) {
			t.Fatalf("created = %+v", o)
		}
		if n := auditCount(t, db, "org.create", shequ.AuditAllowed, o.ID); n != 1 {
			t.Errorf("create audit records = %d", n)
		}
		got, err := s.FindOrgByID(asActor(shequ.RoleOfficial, "330523"), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(o, got); diff != "" {
			t.Errorf("FindOrgByID mismatch (-created +found):\n%s", diff)
		}
		// Every role that may read the register, in scope.
		for _, role := range []shequ.Role{shequ.RoleCommunityWorker, shequ.RoleOrgMember, shequ.RoleSocialWorker} {
			if _, err := s.FindOrgByID(asActor(role, dipu), o.ID); err != nil {
				t.Errorf("%s read: %v", role, err)
			}
		}
		// Out of scope: not found, as a missing one, and recorded.
		_, err = s.FindOrgByID(worker(kangshan), o.ID)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		_, err = s.FindOrgByID(worker(kangshan), newUUID7())
		wantError(t, err, shequ.ENotFound, "error.not_found")
		if n := auditCount(t, db, "org.read", shequ.AuditDenied, o.ID); n != 1 {
			t.Errorf("denied reads of the organization = %d, want 1", n)
		}
		// A resident may not read the register at all, whatever the id.
		_, err = s.FindOrgByID(asActor(shequ.RoleResident, tiaoxiu), o.ID)
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		_, err = s.FindOrgByID(asActor(shequ.RoleResident, tiaoxiu), "nope")
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		// Creating out of scope: not found, nothing stored.
		err = s.CreateOrg(worker(kangshan), anOrg("外村协会", tiaoxiu))
		wantError(t, err, shequ.ENotFound, "error.not_found")
		if n := auditCount(t, db, "org.create", shequ.AuditDenied, ""); n != 1 {
			t.Errorf("denied creations = %d, want 1", n)
		}
		// The owners keep the profile; they do not add organizations.
		err = s.CreateOrg(userContext(owner), anOrg("自建协会", tiaoxiu))
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		if _, total, _ := s.FindOrgs(cliContext(), shequ.OrgFilter{}); total != 1 {
			t.Errorf("%d organizations stored, want 1", total)
		}
	})
}

func TestCreateOrgInvalid(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newOrgs(t, db)
		worker1 := mustCreateUser(t, db, "worker1", shequ.RoleCommunityWorker, dipu)
		badCode := creditCode("00000002")
		badCode = badCode[:17] + map[bool]shequ.CreditCode{true: "1", false: "2"}[badCode[17] != '1']
		for name, tc := range map[string]struct {
			edit       func(o *shequ.SocialOrg)
			field, key string
		}{
			"bad credit code": {func(o *shequ.SocialOrg) { o.LegalStatus, o.CreditCode = shequ.LegalRegistered, badCode },
				"credit_code", "credit_code.invalid"},
			"code of a filed org": {func(o *shequ.SocialOrg) { o.CreditCode = creditCode("00000003") },
				"credit_code", "org.credit_code.unexpected"},
			"unknown kind":       {func(o *shequ.SocialOrg) { o.Kind = "sports" }, "kind", "org.kind.invalid"},
			"township code":      {func(o *shequ.SocialOrg) { o.Community = dipu }, "community_code", "resident.community.invalid"},
			"unknown community":  {func(o *shequ.SocialOrg) { o.Community, o.FiledWith = "330523001999", dipu }, "community_code", "resident.community.unknown"},
			"other township":     {func(o *shequ.SocialOrg) { o.FiledWith = "330523002" }, "filed_with", "org.filed_with.invalid"},
			"unknown served":     {func(o *shequ.SocialOrg) { o.Serves = []string{"330523001998"} }, "serves", "org.serves.unknown"},
			"owner not member":   {func(o *shequ.SocialOrg) { o.OwnerUserIDs = []string{worker1.ID} }, "owners", "org.owners.invalid"},
			"owner unknown":      {func(o *shequ.SocialOrg) { o.OwnerUserIDs = []string{newUUID7()} }, "owners", "org.owners.invalid"},
			"owner malformed":    {func(o *shequ.SocialOrg) { o.OwnerUserIDs = []string{"me"} }, "owners", "org.owners.invalid"},
			"bad leader phone":   {func(o *shequ.SocialOrg) { o.LeaderPhone = "12345" }, "leader_phone", "phone.invalid"},
			"founded tomorrow":   {func(o *shequ.SocialOrg) { o.FoundedOn = date(2026, 11, 30) }, "founded_on", "register.date.future"},
			"grade without date": {func(o *shequ.SocialOrg) { o.Grade = 3 }, "grade", "org.grade.invalid"},
			"unknown status":     {func(o *shequ.SocialOrg) { o.Status = "closed" }, "status", "org.status.invalid"},
			"malformed id":       {func(o *shequ.SocialOrg) { o.ID = "x" }, "", "org.id.malformed"},
		} {
			o := anOrg("协会", tiaoxiu)
			tc.edit(o)
			err := s.CreateOrg(worker(dipu), o)
			if field, key := fieldOf(err); shequ.ErrorCode(err) != shequ.EInvalid || field != tc.field || key != tc.key {
				t.Errorf("%s: err = %v, field %s/%s; want %s/%s", name, err, field, key, tc.field, tc.key)
			}
		}
		if _, total, _ := s.FindOrgs(cliContext(), shequ.OrgFilter{}); total != 0 {
			t.Errorf("%d organizations stored after invalid input", total)
		}
	})
}

// TestCreateOrgEveryFieldAtOnce: the rules' field errors and the store's
// own (a malformed phone, a date in the future) come back together, so a
// form shows every mistake at once (registers.go 156:43 lived: the store's
// errors were dropped whenever the rules also refused a field).
func TestCreateOrgEveryFieldAtOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newOrgs(t, db)
		o := anOrg("协会", tiaoxiu)
		o.Kind, o.LeaderPhone, o.FoundedOn = "sports", "12345", date(2026, 11, 30)
		err := s.CreateOrg(worker(dipu), o)
		var fields []string
		for _, f := range shequ.AsError(err).Fields {
			fields = append(fields, f.Field+" "+f.Key)
		}
		slices.Sort(fields)
		want := []string{"founded_on register.date.future", "kind org.kind.invalid", "leader_phone phone.invalid"}
		if shequ.ErrorCode(err) != shequ.EInvalid || !slices.Equal(fields, want) {
			t.Fatalf("err = %v, fields %q; want %q", err, fields, want)
		}
	})
}

func TestOrgCreditCodeTaken(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newOrgs(t, db)
		code := creditCode("00000004")
		a := anOrg("甲协会", tiaoxiu)
		a.LegalStatus, a.FiledWith, a.CreditCode = shequ.LegalRegistered, "", code
		mustCreateOrg(t, s, a)
		b := anOrg("乙协会", kangshan)
		b.LegalStatus, b.FiledWith, b.CreditCode = shequ.LegalRegistered, "", code
		err := s.CreateOrg(worker(dipu), b)
		wantError(t, err, shequ.EConflict, "org.credit_code.taken")
		if f, k := fieldOf(err); f != "credit_code" || k != "org.credit_code.taken" {
			t.Errorf("conflict field %s/%s", f, k)
		}
		// Taking another's code by an update.
		b.ID, b.CreditCode = "", creditCode("00000005")
		mustCreateOrg(t, s, b)
		b.CreditCode = code
		wantError(t, s.UpdateOrg(worker(dipu), b), shequ.EConflict, "org.credit_code.taken")
		// Keeping one's own code is no conflict.
		a.Members++
		if err := s.UpdateOrg(worker(dipu), a); err != nil {
			t.Errorf("update keeping the code: %v", err)
		}
	})
}

func TestFindOrgs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newOrgs(t, db)
		mk := func(name, community string, kind shequ.OrgKind, status shequ.OrgStatus) *shequ.SocialOrg {
			o := anOrg(name, community)
			o.Kind, o.Status = kind, status
			return mustCreateOrg(t, s, o)
		}
		a := mk("苕秀合唱团", tiaoxiu, shequ.OrgCultureSports, shequ.OrgActive)
		b := mk("苕秀养老互助会", tiaoxiu, shequ.OrgElderlyCare, shequ.OrgDormant)
		c := mk("康山茶叶合作社", kangshan, shequ.OrgRuralProduction, shequ.OrgActive)
		d := mk("昌硕舞蹈队", "330523001248", shequ.OrgCultureSports, shequ.OrgDissolved)
		names := func(os []*shequ.SocialOrg) []string {
			var out []string
			for _, o := range os {
				out = append(out, o.Name)
			}
			return out
		}
		for name, tc := range map[string]struct {
			ctx   context.Context
			f     shequ.OrgFilter
			want  []*shequ.SocialOrg
			total int
		}{
			"all":             {cliContext(), shequ.OrgFilter{}, []*shequ.SocialOrg{b, a, c, d}, 4},
			"township":        {cliContext(), shequ.OrgFilter{Community: dipu}, []*shequ.SocialOrg{b, a, c, d}, 4},
			"community":       {cliContext(), shequ.OrgFilter{Community: tiaoxiu}, []*shequ.SocialOrg{b, a}, 2},
			"kind":            {cliContext(), shequ.OrgFilter{Kind: shequ.OrgCultureSports}, []*shequ.SocialOrg{a, d}, 2},
			"status":          {cliContext(), shequ.OrgFilter{Status: shequ.OrgActive}, []*shequ.SocialOrg{a, c}, 2},
			"query":           {cliContext(), shequ.OrgFilter{Query: "苕秀"}, []*shequ.SocialOrg{b, a}, 2},
			"kind and status": {cliContext(), shequ.OrgFilter{Kind: shequ.OrgCultureSports, Status: shequ.OrgActive}, []*shequ.SocialOrg{a}, 1},
			"page":            {cliContext(), shequ.OrgFilter{Offset: 1, Limit: 2}, []*shequ.SocialOrg{a, c}, 4},
			"scope":           {worker(kangshan), shequ.OrgFilter{}, []*shequ.SocialOrg{c}, 1},
			"scope narrowed":  {worker(dipu), shequ.OrgFilter{Community: kangshan}, []*shequ.SocialOrg{c}, 1},
			"scope wider":     {worker(kangshan), shequ.OrgFilter{Community: "330523"}, []*shequ.SocialOrg{c}, 1},
			"disjoint":        {worker(kangshan), shequ.OrgFilter{Community: tiaoxiu}, nil, 0},
			"org member":      {asActor(shequ.RoleOrgMember, tiaoxiu), shequ.OrgFilter{}, []*shequ.SocialOrg{b, a}, 2},
		} {
			got, total, err := s.FindOrgs(tc.ctx, tc.f)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if !cmp.Equal(names(got), names(tc.want)) || total != tc.total {
				t.Errorf("%s: got %v (%d), want %v (%d)", name, names(got), total, names(tc.want), tc.total)
			}
		}
		_, _, err := s.FindOrgs(cliContext(), shequ.OrgFilter{Kind: "sports"})
		if f, k := fieldOf(err); f != "kind" || k != "org.kind.invalid" {
			t.Errorf("unknown kind: %v", err)
		}
		_, _, err = s.FindOrgs(cliContext(), shequ.OrgFilter{Status: "closed"})
		if f, k := fieldOf(err); f != "status" || k != "org.status.invalid" {
			t.Errorf("unknown status: %v", err)
		}
		_, _, err = s.FindOrgs(cliContext(), shequ.OrgFilter{Community: "33x"})
		if f, k := fieldOf(err); f != "community" || k != "division.code.malformed" {
			t.Errorf("malformed community: %v", err)
		}
		_, _, err = s.FindOrgs(asActor(shequ.RolePropertyStaff, ""), shequ.OrgFilter{})
		wantError(t, err, shequ.EForbidden, "error.forbidden")
	})
}

func TestUpdateOrg(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newOrgs(t, db)
		var ch changes
		s.OnChange = ch.hook
		owner := mustCreateUser(t, db, "org1", shequ.RoleOrgMember, dipu)
		other := mustCreateUser(t, db, "org2", shequ.RoleOrgMember, dipu)
		o := anOrg("苕秀合唱团", tiaoxiu)
		o.OwnerUserIDs, o.StatusSince = []string{owner.ID}, date(2020, 1, 1)
		mustCreateOrg(t, s, o)
		mine := mustCreateOrg(t, s, anOrg("别家协会", tiaoxiu))
		ch.take()
		later := testNow.Add(48 * time.Hour)
		db.Now = func() time.Time { return later }

		// The owner edits their profile; a change of status dates it today.
		upd := *o
		upd.Name, upd.Leader, upd.LeaderPhone, upd.Status = "苕秀合唱团（新）", "赵六", "13900001111", shequ.OrgDormant
		upd.Serves = []string{kangshan}
		if err := s.UpdateOrg(userContext(owner), &upd); err != nil {
			t.Fatal(err)
		}
		if !upd.CreatedAt.Equal(o.CreatedAt) || !upd.UpdatedAt.Equal(later.Truncate(time.Microsecond)) ||
			!sameDay(upd.StatusSince, dayOf(&later)) {
			t.Errorf("updated times: created %v updated %v status since %v", upd.CreatedAt, upd.UpdatedAt, upd.StatusSince)
		}
		got, err := s.FindOrgByID(cliContext(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&upd, got); diff != "" {
			t.Errorf("stored mismatch (-updated +found):\n%s", diff)
		}
		if d := auditDetails(t, db, "org.update", o.ID); !cmp.Equal(d, []string{"fields=name,serves,leader,leader_phone,status,status_since"}) {
			t.Errorf("update audit details = %q", d)
		}
		if c := ch.take(); !cmp.Equal(c, [][]string{{tiaoxiu, kangshan}}) {
			t.Errorf("OnChange calls = %v", c)
		}
		// Nothing changed: nothing written, nobody told.
		same := *got
		if err := s.UpdateOrg(userContext(owner), &same); err != nil {
			t.Fatal(err)
		}
		if n := len(auditDetails(t, db, "org.update", o.ID)); n != 1 {
			t.Errorf("no-op update wrote %d records", n-1)
		}
		if c := ch.take(); len(c) != 0 {
			t.Errorf("no-op update told %v", c)
		}
		// The owner may not give the profile away, nor edit another's.
		give := *got
		give.OwnerUserIDs = []string{other.ID}
		if f, k := fieldOf(s.UpdateOrg(userContext(owner), &give)); f != "owners" || k != "org.owners.fixed" {
			t.Errorf("owner changes owners: %s/%s", f, k)
		}
		wantError(t, s.UpdateOrg(userContext(other), got), shequ.ENotFound, "error.not_found")
		notMine := *mine
		notMine.Members = 99
		wantError(t, s.UpdateOrg(userContext(owner), &notMine), shequ.ENotFound, "error.not_found")
		// The keepers of the register give it to another member.
		if err := s.UpdateOrg(worker(dipu), &give); err != nil {
			t.Fatal(err)
		}
		if d := auditDetails(t, db, "org.update", o.ID); d[len(d)-1] != "fields=owners" {
			t.Errorf("owners change audited %q", d)
		}
		// Moving out of the worker's scope: not found, nothing changed,
		// nobody told.
		ch.take()
		move := give
		move.Community, move.FiledWith, move.Serves = "330523002001", "330523002", nil
		wantError(t, s.UpdateOrg(worker(tiaoxiu), &move), shequ.ENotFound, "error.not_found")
		if c := ch.take(); len(c) != 0 {
			t.Errorf("refused update told %v", c)
		}
		// Invalid input: field errors, nothing told.
		bad := give
		bad.Kind = "sports"
		if f, k := fieldOf(s.UpdateOrg(worker(dipu), &bad)); f != "kind" || k != "org.kind.invalid" {
			t.Errorf("invalid update: %s/%s", f, k)
		}
		if c := ch.take(); len(c) != 0 {
			t.Errorf("invalid update told %v", c)
		}
		// Moving within the scope tells both communities and those served.
		move = give
		move.Community, move.Serves = kangshan, []string{"330523001248"}
		if err := s.UpdateOrg(worker(dipu), &move); err != nil {
			t.Fatal(err)
		}
		if c := ch.take(); !cmp.Equal(c, [][]string{{tiaoxiu, kangshan, "330523001248"}}) {
			t.Errorf("move told %v", c)
		}
		// Unknown ids and roles without the permission.
		missing := anOrg("无", tiaoxiu)
		missing.ID = newUUID7()
		wantError(t, s.UpdateOrg(worker(dipu), missing), shequ.ENotFound, "error.not_found")
		wantError(t, s.UpdateOrg(asActor(shequ.RoleSocialWorker, dipu), &move), shequ.EForbidden, "error.forbidden")
	})
}

func TestImportOrgs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newOrgs(t, db)
		var ch changes
		s.OnChange = ch.hook
		rows := func() []*shequ.SocialOrg {
			a, b, c := anOrg("甲", tiaoxiu), anOrg("乙", kangshan), anOrg("丙", tiaoxiu)
			b.LegalStatus, b.FiledWith, b.CreditCode = shequ.LegalRegistered, "", creditCode("00000006")
			c.Serves = []string{"330523001248"}
			return []*shequ.SocialOrg{a, b, c}
		}
		stored := func() int {
			_, total, err := s.FindOrgs(cliContext(), shequ.OrgFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return total
		}
		// A bad row: its number, nothing stored, nobody told.
		bad := rows()
		bad[1].CreditCode = "513305230000000ZZZ"
		err := s.ImportOrgs(worker(dipu), bad)
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid || e.Data["Row"] != 2 || !strings.HasPrefix(e.Message, "Row 2: ") {
			t.Errorf("bad row: %v (data %v)", err, e.Data)
		}
		// A row that refers to nothing, found inside the transaction.
		bad = rows()
		bad[2].Serves = []string{"330523001998"}
		err = s.ImportOrgs(worker(dipu), bad)
		if e := shequ.AsError(err); e.Data["Row"] != 3 || e.Fields[0].Key != "org.serves.unknown" {
			t.Errorf("unknown served community: %v (data %v)", err, e.Data)
		}
		// Two rows with one code.
		bad = rows()
		bad[0].LegalStatus, bad[0].FiledWith, bad[0].CreditCode = shequ.LegalRegistered, "", bad[1].CreditCode
		err = s.ImportOrgs(worker(dipu), bad)
		wantError(t, err, shequ.EConflict, "org.import.duplicate")
		if d := shequ.AsError(err).Data; d["Row"] != 2 || d["FirstRow"] != 1 {
			t.Errorf("duplicate rows data %v", d)
		}
		// A row out of scope: not found with its row, recorded.
		err = s.ImportOrgs(worker(tiaoxiu), rows())
		if e := shequ.AsError(err); e.Code != shequ.ENotFound || e.Data["Row"] != 2 {
			t.Errorf("out of scope row: %v (data %v)", err, e.Data)
		}
		if n := auditCount(t, db, "org.import", shequ.AuditDenied, ""); n != 1 {
			t.Errorf("denied import records = %d, want 1", n)
		}
		if n := stored(); n != 0 {
			t.Fatalf("%d organizations stored after refused imports", n)
		}
		if c := ch.take(); len(c) != 0 {
			t.Errorf("refused imports told %v", c)
		}
		// Owners do not import.
		wantError(t, s.ImportOrgs(asActor(shequ.RoleOrgMember, dipu), rows()), shequ.EForbidden, "error.forbidden")
		// All good: every row, one record each, one notice.
		good := rows()
		if err := s.ImportOrgs(worker(dipu), good); err != nil {
			t.Fatal(err)
		}
		if n := stored(); n != 3 {
			t.Errorf("%d organizations stored, want 3", n)
		}
		for _, o := range good {
			if n := auditCount(t, db, "org.import", shequ.AuditAllowed, o.ID); n != 1 {
				t.Errorf("%s: %d import records", o.Name, n)
			}
		}
		if c := ch.take(); !cmp.Equal(c, [][]string{{tiaoxiu, kangshan, "330523001248"}}) {
			t.Errorf("import told %v", c)
		}
		// Importing the same code again conflicts with the stored one.
		again := rows()[1:2]
		err = s.ImportOrgs(worker(dipu), again)
		if e := shequ.AsError(err); e.Code != shequ.EConflict || e.Key != "org.credit_code.taken" || e.Data["Row"] != 1 {
			t.Errorf("code already stored: %v", err)
		}
	})
}

func TestOrgOnChangeAfterCommit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newOrgs(t, db)
		// The hook runs after commit: it sees the new row from another
		// connection.
		var seen []int
		s.OnChange = func(communities ...string) {
			var n int
			if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM social_orgs WHERE community = ?`), communities[0]).Scan(&n); err != nil {
				t.Error(err)
			}
			seen = append(seen, n)
		}
		mustCreateOrg(t, s, anOrg("甲", tiaoxiu))
		mustCreateOrg(t, s, anOrg("乙", tiaoxiu))
		if !slices.Equal(seen, []int{1, 2}) {
			t.Errorf("hook saw counts %v, want [1 2]", seen)
		}
		// A failed write tells nobody.
		if err := s.CreateOrg(cliContext(), anOrg("", tiaoxiu)); err == nil {
			t.Fatal("created an organization without a name")
		}
		if len(seen) != 2 {
			t.Errorf("failed write told the hook: %v", seen)
		}
	})
}
