package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

// newWorkers imports the division fixture and returns the two register
// services on db.
func newWorkers(tb testing.TB, db *DB) (*SocialWorkerService, *OrgService) {
	tb.Helper()
	mustImport(tb, db, divisionsOf(fixture...))
	sealer := testSealer(tb)
	return NewSocialWorkerService(db, sealer), NewOrgService(db, sealer)
}

// aWorker returns a valid, unsaved uncertified worker employed by the
// community, with an ID number from a sequence number.
func aWorker(name, community string, n int) *shequ.SocialWorker {
	birth := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format("20060102")
	return &shequ.SocialWorker{Name: name, Community: community, Qualification: shequ.QualNone,
		EmployerKind: shequ.EmployerCommunity, IDNumber: shequ.IDNumber(idNumber("330523", birth, fmt.Sprintf("%03d", n%1000)))}
}

// mustCreateWorker creates a worker as console work, or fails.
func mustCreateWorker(tb testing.TB, s *SocialWorkerService, w *shequ.SocialWorker) *shequ.SocialWorker {
	tb.Helper()
	if err := s.CreateWorker(cliContext(), w); err != nil {
		tb.Fatalf("create social worker %s: %v", w.Name, err)
	}
	return w
}

func TestCreateFindWorker(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s, orgs := newWorkers(t, db)
		employer := mustCreateOrg(t, orgs, anOrg("苕秀社工站", tiaoxiu))
		account := mustCreateUser(t, db, "sw1", shequ.RoleSocialWorker, tiaoxiu)
		id := idNumber("330523", "19850304", "002")
		w := &shequ.SocialWorker{Name: " 李社工 ", IDNumber: shequ.IDNumber(strings.ToLower(id)), Phone: "139 0000 1111",
			Qualification: shequ.QualSocial, CertNumber: " S2019001 ", CertYear: 2019, Education: shequ.EduBachelor,
			EmployerKind: shequ.EmployerOrg, EmployerOrgID: employer.ID, EmployerName: "dropped", Community: tiaoxiu,
			Serves:    []string{kangshan, tiaoxiu},
			Functions: []shequ.ServiceFunction{shequ.FuncResources, shequ.FuncComfort, shequ.FuncComfort},
			Areas:     []shequ.ServiceArea{shequ.AreaRehab, shequ.AreaCare}, UserID: account.ID}
		if err := s.CreateWorker(worker(tiaoxiu), w); err != nil {
			t.Fatal(err)
		}
		if w.ID == "" || w.Name != "李社工" || string(w.IDNumber) != id || w.Phone != "13900001111" ||
			w.CertNumber != "S2019001" || w.EmployerName != "" || !cmp.Equal(w.Serves, []string{kangshan}) ||
			!cmp.Equal(w.Functions, []shequ.ServiceFunction{"comfort", "resources"}) ||
			!cmp.Equal(w.Areas, []shequ.ServiceArea{"care", "rehab"}) || !w.CreatedAt.Equal(testNow.Truncate(time.Microsecond)) {
			t.Fatalf("created = %+v", w)
		}
		if n := auditCount(t, db, "worker.create", shequ.AuditAllowed, w.ID); n != 1 {
			t.Errorf("create audit records = %d", n)
		}
		got, err := s.FindWorkerByID(asActor(shequ.RoleOrgMember, dipu), w.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("FindWorkerByID mismatch (-created +found):\n%s", diff)
		}
		var birth, sex string
		if err := db.db.QueryRow(db.rebind(`SELECT birth_date, sex FROM social_workers WHERE id = ?`), w.ID).Scan(&birth, &sex); err != nil {
			t.Fatal(err)
		}
		if birth != "1985-03-04" || sex != "female" {
			t.Errorf("derived birth %s sex %s", birth, sex)
		}
		if n := auditCount(t, db, "worker.reveal", shequ.AuditAllowed, w.ID); n != 0 {
			t.Errorf("reveal audited without reveal: %d", n)
		}
		// Reveal: the keepers of the register and the worker themself,
		// audited; an org member may not.
		for _, ctx := range []context.Context{worker(tiaoxiu), asActor(shequ.RoleOfficial, "330523"), userContext(account)} {
			if _, err := s.FindWorkerByID(ctx, w.ID, true); err != nil {
				t.Errorf("reveal by %s: %v", shequ.ActorFrom(ctx).Role, err)
			}
		}
		if n := auditCount(t, db, "worker.reveal", shequ.AuditAllowed, w.ID); n != 3 {
			t.Errorf("reveal records = %d, want 3", n)
		}
		_, err = s.FindWorkerByID(asActor(shequ.RoleOrgMember, dipu), w.ID, true)
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		// Another social worker reads the record but does not reveal it.
		if _, err := s.FindWorkerByID(asActor(shequ.RoleSocialWorker, dipu), w.ID, false); err != nil {
			t.Errorf("another social worker reads: %v", err)
		}
		_, err = s.FindWorkerByID(asActor(shequ.RoleSocialWorker, dipu), w.ID, true)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		if n := auditCount(t, db, "worker.reveal", shequ.AuditDenied, w.ID); n != 2 {
			t.Errorf("denied reveals = %d, want 2", n)
		}
		// Out of scope: not found like a missing one.
		_, err = s.FindWorkerByID(worker(kangshan), w.ID, false)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		_, err = s.FindWorkerByID(worker(kangshan), "nope", false)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		_, err = s.FindWorkerByID(asActor(shequ.RoleResident, tiaoxiu), w.ID, false)
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		// Creating: out of scope not found; the worker themself may not.
		wantError(t, s.CreateWorker(worker(kangshan), aWorker("外村", tiaoxiu, 50)), shequ.ENotFound, "error.not_found")
		wantError(t, s.CreateWorker(userContext(account), aWorker("自建", tiaoxiu, 51)), shequ.EForbidden, "error.forbidden")
		// One account, one worker.
		again := aWorker("又一个", tiaoxiu, 52)
		again.UserID = account.ID
		if f, k := fieldOf(s.CreateWorker(cliContext(), again)); f != "user_id" || k != "worker.user.taken" {
			t.Errorf("account linked twice: %s/%s", f, k)
		}
	})
}

func TestCreateWorkerInvalid(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s, _ := newWorkers(t, db)
		official := mustCreateUser(t, db, "official1", shequ.RoleOfficial, dipu)
		for name, tc := range map[string]struct {
			edit       func(w *shequ.SocialWorker)
			field, key string
		}{
			"bad ID number":     {func(w *shequ.SocialWorker) { w.IDNumber = w.IDNumber[:17] + "0" }, "id_number", "id_number.invalid"},
			"bad phone":         {func(w *shequ.SocialWorker) { w.Phone = "12345" }, "phone", "phone.invalid"},
			"no name":           {func(w *shequ.SocialWorker) { w.Name = " " }, "name", "resident.name.invalid"},
			"qualification":     {func(w *shequ.SocialWorker) { w.Qualification = "master" }, "qualification", "worker.qualification.invalid"},
			"no certificate":    {func(w *shequ.SocialWorker) { w.Qualification = shequ.QualAssistant }, "cert_number", "worker.cert.invalid"},
			"education":         {func(w *shequ.SocialWorker) { w.Education = "phd" }, "education", "worker.education.invalid"},
			"employer kind":     {func(w *shequ.SocialWorker) { w.EmployerKind = "" }, "employer_kind", "worker.employer.kind"},
			"employer unnamed":  {func(w *shequ.SocialWorker) { w.EmployerKind = shequ.EmployerOther }, "employer_name", "worker.employer.name"},
			"employer unknown":  {func(w *shequ.SocialWorker) { w.EmployerKind, w.EmployerOrgID = shequ.EmployerOrg, newUUID7() }, "employer_org_id", "worker.employer.org_unknown"},
			"employer bad id":   {func(w *shequ.SocialWorker) { w.EmployerKind, w.EmployerOrgID = shequ.EmployerOrg, "x" }, "employer_org_id", "worker.employer.org_unknown"},
			"township code":     {func(w *shequ.SocialWorker) { w.Community = dipu }, "community_code", "resident.community.invalid"},
			"unknown community": {func(w *shequ.SocialWorker) { w.Community = "330523001999" }, "community_code", "resident.community.unknown"},
			"unknown served":    {func(w *shequ.SocialWorker) { w.Serves = []string{"330523001998"} }, "serves", "org.serves.unknown"},
			"function":          {func(w *shequ.SocialWorker) { w.Functions = []shequ.ServiceFunction{"fun"} }, "functions", "worker.function.invalid"},
			"area":              {func(w *shequ.SocialWorker) { w.Areas = []shequ.ServiceArea{"space"} }, "areas", "worker.area.invalid"},
			"account role":      {func(w *shequ.SocialWorker) { w.UserID = official.ID }, "user_id", "worker.user.invalid"},
			"account unknown":   {func(w *shequ.SocialWorker) { w.UserID = newUUID7() }, "user_id", "worker.user.invalid"},
			"account bad id":    {func(w *shequ.SocialWorker) { w.UserID = "me" }, "user_id", "worker.user.invalid"},
			"malformed id":      {func(w *shequ.SocialWorker) { w.ID = "x" }, "", "worker.id.malformed"},
		} {
			w := aWorker("社工", tiaoxiu, 1)
			tc.edit(w)
			err := s.CreateWorker(worker(dipu), w)
			if field, key := fieldOf(err); shequ.ErrorCode(err) != shequ.EInvalid || field != tc.field || key != tc.key {
				t.Errorf("%s: err = %v, field %s/%s; want %s/%s", name, err, field, key, tc.field, tc.key)
			}
		}
		if _, total, _ := s.FindWorkers(cliContext(), shequ.WorkerFilter{}); total != 0 {
			t.Errorf("%d workers stored after invalid input", total)
		}
	})
}

func TestWorkerDuplicate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s, _ := newWorkers(t, db)
		first := mustCreateWorker(t, s, aWorker("张社工", tiaoxiu, 1))
		// In the actor's sight: the message names the community.
		err := s.CreateWorker(worker(dipu), aWorker("张社工", kangshan, 1))
		wantError(t, err, shequ.EConflict, "worker.id_number.taken_in")
		if e := shequ.AsError(err); e.Data["Community"] != tiaoxiu || !strings.Contains(e.Message, "苕秀社区居委会") {
			t.Errorf("in-scope duplicate: data %v, message %q", e.Data, e.Message)
		}
		// Out of sight: neutral.
		err = s.CreateWorker(worker(kangshan), aWorker("张社工", kangshan, 1))
		wantError(t, err, shequ.EConflict, "worker.id_number.taken")
		if e := shequ.AsError(err); len(e.Data) != 0 || strings.Contains(e.Message, "苕秀") {
			t.Errorf("out-of-scope duplicate leaks: %v %q", e.Data, e.Message)
		}
		if n := auditCount(t, db, "worker.create", shequ.AuditFailed, ""); n != 2 {
			t.Errorf("failed creations recorded = %d, want 2", n)
		}
		// By an update of the ID number.
		second := mustCreateWorker(t, s, aWorker("王社工", kangshan, 2))
		second.IDNumber = first.IDNumber
		wantError(t, s.UpdateWorker(worker(dipu), second), shequ.EConflict, "worker.id_number.taken_in")
		// The same person may also be a resident: registers are apart.
		res := NewResidentService(db, testSealer(t))
		mustCreateResident(t, res, &shequ.Resident{Name: "张社工", IDNumber: first.IDNumber, Community: tiaoxiu})
	})
}

func TestFindWorkers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s, _ := newWorkers(t, db)
		mk := func(name, community string, n int, q shequ.Qualification) *shequ.SocialWorker {
			w := aWorker(name, community, n)
			if w.Qualification = q; q.Certified() {
				w.CertNumber, w.CertYear = fmt.Sprintf("C%d", n), 2020
			}
			return mustCreateWorker(t, s, w)
		}
		a := mk("苕秀甲", tiaoxiu, 1, shequ.QualAssistant)
		b := mk("苕秀乙", tiaoxiu, 2, shequ.QualNone)
		c := mk("康山丙", kangshan, 3, shequ.QualAssistant)
		names := func(ws []*shequ.SocialWorker) []string {
			var out []string
			for _, w := range ws {
				out = append(out, w.Name)
			}
			return out
		}
		for name, tc := range map[string]struct {
			ctx   context.Context
			f     shequ.WorkerFilter
			want  []*shequ.SocialWorker
			total int
		}{
			"all":           {cliContext(), shequ.WorkerFilter{}, []*shequ.SocialWorker{b, a, c}, 3},
			"community":     {cliContext(), shequ.WorkerFilter{Community: tiaoxiu}, []*shequ.SocialWorker{b, a}, 2},
			"qualification": {cliContext(), shequ.WorkerFilter{Qualification: shequ.QualAssistant}, []*shequ.SocialWorker{a, c}, 2},
			"query":         {cliContext(), shequ.WorkerFilter{Query: "丙"}, []*shequ.SocialWorker{c}, 1},
			"page":          {cliContext(), shequ.WorkerFilter{Offset: 2, Limit: 1}, []*shequ.SocialWorker{c}, 3},
			"scope":         {worker(kangshan), shequ.WorkerFilter{}, []*shequ.SocialWorker{c}, 1},
			"disjoint":      {worker(kangshan), shequ.WorkerFilter{Community: tiaoxiu}, nil, 0},
			"org member":    {asActor(shequ.RoleOrgMember, tiaoxiu), shequ.WorkerFilter{}, []*shequ.SocialWorker{b, a}, 2},
		} {
			got, total, err := s.FindWorkers(tc.ctx, tc.f)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if !cmp.Equal(names(got), names(tc.want)) || total != tc.total {
				t.Errorf("%s: got %v (%d), want %v (%d)", name, names(got), total, names(tc.want), tc.total)
			}
		}
		_, _, err := s.FindWorkers(cliContext(), shequ.WorkerFilter{Qualification: "master"})
		if f, k := fieldOf(err); f != "qualification" || k != "worker.qualification.invalid" {
			t.Errorf("unknown qualification: %v", err)
		}
		_, _, err = s.FindWorkers(asActor(shequ.RoleResident, tiaoxiu), shequ.WorkerFilter{})
		wantError(t, err, shequ.EForbidden, "error.forbidden")
	})
}

func TestUpdateWorker(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s, _ := newWorkers(t, db)
		var ch changes
		s.OnChange = ch.hook
		me := mustCreateUser(t, db, "sw1", shequ.RoleSocialWorker, tiaoxiu)
		other := mustCreateUser(t, db, "sw2", shequ.RoleSocialWorker, tiaoxiu)
		w := aWorker("李社工", tiaoxiu, 1)
		w.UserID = me.ID
		mustCreateWorker(t, s, w)
		theirs := mustCreateWorker(t, s, aWorker("王社工", tiaoxiu, 2))
		ch.take()
		later := testNow.Add(time.Hour)
		db.Now = func() time.Time { return later }

		// The worker keeps their own record.
		upd := *w
		upd.Phone, upd.Qualification, upd.CertNumber, upd.CertYear = "13700001111", shequ.QualAssistant, "A1", 2021
		upd.Functions, upd.Serves = []shequ.ServiceFunction{shequ.FuncCapacity}, []string{kangshan}
		if err := s.UpdateWorker(userContext(me), &upd); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindWorkerByID(cliContext(), w.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&upd, got); diff != "" {
			t.Errorf("stored mismatch (-updated +found):\n%s", diff)
		}
		if !got.CreatedAt.Equal(w.CreatedAt) || !got.UpdatedAt.Equal(later.Truncate(time.Microsecond)) {
			t.Errorf("times: created %v updated %v", got.CreatedAt, got.UpdatedAt)
		}
		if d := auditDetails(t, db, "worker.update", w.ID); !cmp.Equal(d, []string{"fields=phone,qualification,cert_number,cert_year,serves,functions"}) {
			t.Errorf("update audit details = %q", d)
		}
		if c := ch.take(); !cmp.Equal(c, [][]string{{tiaoxiu, kangshan}}) {
			t.Errorf("OnChange calls = %v", c)
		}
		// A no-op writes nothing and tells nobody.
		same := *got
		if err := s.UpdateWorker(userContext(me), &same); err != nil {
			t.Fatal(err)
		}
		if n := len(auditDetails(t, db, "worker.update", w.ID)); n != 1 || len(ch.take()) != 0 {
			t.Errorf("no-op update: %d records", n)
		}
		// Not another's record, nor a new link.
		notMine := *theirs
		notMine.Name = "改名"
		wantError(t, s.UpdateWorker(userContext(me), &notMine), shequ.ENotFound, "error.not_found")
		relink := *got
		relink.UserID = other.ID
		if f, k := fieldOf(s.UpdateWorker(userContext(me), &relink)); f != "user_id" || k != "worker.user.fixed" {
			t.Errorf("worker re-links: %s/%s", f, k)
		}
		// The keepers re-link it; the new owner then edits it, the old not.
		relink = *got
		relink.UserID = other.ID
		if err := s.UpdateWorker(worker(dipu), &relink); err != nil {
			t.Fatal(err)
		}
		relink.Name = "李社工（新）"
		wantError(t, s.UpdateWorker(userContext(me), &relink), shequ.ENotFound, "error.not_found")
		if err := s.UpdateWorker(userContext(other), &relink); err != nil {
			t.Errorf("new owner edits: %v", err)
		}
		// A new ID number is sealed again and found by its index.
		ch.take()
		renum := relink
		renum.IDNumber = shequ.IDNumber(idNumber("330523", "19900101", "011"))
		if err := s.UpdateWorker(worker(dipu), &renum); err != nil {
			t.Fatal(err)
		}
		var idx string
		if err := db.db.QueryRow(db.rebind(`SELECT id_number_idx FROM social_workers WHERE id = ?`), w.ID).Scan(&idx); err != nil {
			t.Fatal(err)
		}
		if idx != s.sealer.Index("id_number", string(renum.IDNumber)) {
			t.Error("index not updated with the ID number")
		}
		// Moving out of scope: not found, nothing told; moving within tells
		// old and new.
		move := renum
		move.Community = "330523001248"
		wantError(t, s.UpdateWorker(worker(tiaoxiu), &move), shequ.ENotFound, "error.not_found")
		ch.take()
		move = renum
		move.Community, move.Serves = "330523001248", nil
		if err := s.UpdateWorker(worker(dipu), &move); err != nil {
			t.Fatal(err)
		}
		if c := ch.take(); !cmp.Equal(c, [][]string{{tiaoxiu, kangshan, "330523001248"}}) {
			t.Errorf("move told %v", c)
		}
		wantError(t, s.UpdateWorker(asActor(shequ.RoleOrgMember, dipu), &move), shequ.EForbidden, "error.forbidden")
	})
}

func TestImportWorkers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s, _ := newWorkers(t, db)
		var ch changes
		s.OnChange = ch.hook
		rows := func() []*shequ.SocialWorker {
			b := aWorker("乙", kangshan, 2)
			b.Serves = []string{"330523001248"}
			return []*shequ.SocialWorker{aWorker("甲", tiaoxiu, 1), b, aWorker("丙", tiaoxiu, 3)}
		}
		stored := func() int {
			_, total, err := s.FindWorkers(cliContext(), shequ.WorkerFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return total
		}
		bad := rows()
		bad[2].Qualification = "master"
		if e := shequ.AsError(s.ImportWorkers(worker(dipu), bad)); e.Code != shequ.EInvalid || e.Data["Row"] != 3 ||
			e.Fields[0].Key != "worker.qualification.invalid" {
			t.Errorf("bad row: %v (data %v)", e, e.Data)
		}
		bad = rows()
		bad[2].IDNumber = bad[0].IDNumber
		err := s.ImportWorkers(worker(dipu), bad)
		wantError(t, err, shequ.EConflict, "worker.import.duplicate")
		if d := shequ.AsError(err).Data; d["Row"] != 3 || d["FirstRow"] != 1 {
			t.Errorf("duplicate rows data %v", d)
		}
		if e := shequ.AsError(s.ImportWorkers(worker(tiaoxiu), rows())); e.Code != shequ.ENotFound || e.Data["Row"] != 2 {
			t.Errorf("out of scope row: %v (data %v)", e, e.Data)
		}
		if n := stored(); n != 0 {
			t.Fatalf("%d workers stored after refused imports", n)
		}
		if c := ch.take(); len(c) != 0 {
			t.Errorf("refused imports told %v", c)
		}
		wantError(t, s.ImportWorkers(asActor(shequ.RoleSocialWorker, dipu), rows()), shequ.EForbidden, "error.forbidden")
		good := rows()
		if err := s.ImportWorkers(worker(dipu), good); err != nil {
			t.Fatal(err)
		}
		if n := stored(); n != 3 {
			t.Errorf("%d workers stored, want 3", n)
		}
		for _, w := range good {
			if n := auditCount(t, db, "worker.import", shequ.AuditAllowed, w.ID); n != 1 {
				t.Errorf("%s: %d import records", w.Name, n)
			}
		}
		if c := ch.take(); !cmp.Equal(c, [][]string{{tiaoxiu, kangshan, "330523001248"}}) {
			t.Errorf("import told %v", c)
		}
		// A row already in the register: refused with its row, nothing written.
		again := []*shequ.SocialWorker{aWorker("丁", tiaoxiu, 4), rows()[0]}
		err = s.ImportWorkers(worker(dipu), again)
		if e := shequ.AsError(err); e.Code != shequ.EConflict || e.Key != "worker.id_number.taken_in" || e.Data["Row"] != 2 {
			t.Errorf("number already stored: %v (data %v)", err, e.Data)
		}
		if n := stored(); n != 3 {
			t.Errorf("%d workers stored after a refused import, want 3", n)
		}
	})
}
