package sqlstore

import (
	"context"
	"testing"
	"time"

	"shequ"
)

// TestCarePolicyReplans: a new visit policy recomputes the next due dates
// of the county's plans in its transaction — from the last visit, else
// from registration (high risk within a week) — and tells each duty
// holder once how many of their people's plans moved; setting the same
// policy again moves nothing and tells nobody; a policy of another county
// is refused and moves nothing.
func TestCarePolicyReplans(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newCareFx(t, db)
		dir := actorOf(fx.director)
		child := fx.childPerson(fx.child, shequ.RiskHigh)
		mustDo(t, fx.s.RegisterCarePerson(dir, child))
		elder := &shequ.CarePerson{ResidentID: fx.grandma.ID, Kind: shequ.CareElderly, Reason: shequ.ReasonChildrenAway,
			Risk: shequ.RiskLow}
		mustDo(t, fx.s.RegisterCarePerson(dir, elder))
		other := mustCreateResident(t, fx.res, &shequ.Resident{Name: "安城老人", Community: ancheng,
			IDNumber: shequ.IDNumber(idNumber("330523", "19450101", "901"))})
		far := &shequ.CarePerson{ResidentID: other.ID, Kind: shequ.CareElderly, Reason: shequ.ReasonChildrenAway,
			Risk: shequ.RiskMedium, RiskReason: "独居，子女在外省"}
		mustDo(t, fx.s.RegisterCarePerson(actorOf(fx.otherDirector), far))
		registered := fx.clock.Now()
		fx.clock.Add(48 * time.Hour)
		visited := fx.clock.Now()
		mustDo(t, fx.s.RecordVisit(dir, &shequ.Visit{PersonID: child.ID, Date: visited, Mode: shequ.VisitHome, GuardianPresent: true}))
		// The elder's overdue visit was escalated; a later due date clears it.
		if _, err := db.db.Exec(db.rebind(`UPDATE care_persons SET overdue_escalated_at = ? WHERE id = ?`),
			db.dialect.timeArg(visited), elder.ID); err != nil {
			t.Fatal(err)
		}

		official := actorOf(fx.official)
		pol := &shequ.VisitPolicy{County: "330523", Low: 120, Medium: 14, High: 3, GraceDays: 3}
		mustDo(t, fx.s.SetVisitPolicy(official, pol))
		if pol.Replanned != 3 {
			t.Errorf("replanned %d plans, want 3", pol.Replanned)
		}
		want := map[string]struct {
			every int
			due   time.Time
		}{
			child.ID: {3, shequ.NextVisitDue(visited, 3)},
			elder.ID: {120, shequ.NextVisitDue(registered, 120)},
			far.ID:   {14, shequ.NextVisitDue(registered, 14)},
		}
		for id, w := range want {
			p := must(fx.s.loadPerson(cliContext(), db.db, id))(t)
			if p.VisitEveryDays != w.every || !p.NextVisitDue.Equal(shequ.Day(w.due)) {
				t.Errorf("plan of %s: every %d due %s, want %d %s", p.Name, p.VisitEveryDays, dayArg(p.NextVisitDue), w.every, dayArg(w.due))
			}
		}
		var escalated *string
		mustDo(t, db.db.QueryRow(db.rebind(`SELECT overdue_escalated_at FROM care_persons WHERE id = ?`), elder.ID).Scan(&escalated))
		if escalated != nil {
			t.Errorf("the escalation of a plan due later is kept: %v", *escalated)
		}
		// One notice per holder, with their count: the 儿童主任 of 康山村
		// 2, of 安城村 1, the 儿童督导员 of 递铺街道 3.
		notices := func(u *shequ.User) []string {
			t.Helper()
			rows, err := db.db.Query(db.rebind(`SELECT detail FROM notifications WHERE user_id = ? AND kind = ?`),
				u.ID, "care_visits_replanned")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var d string
				mustDo(t, rows.Scan(&d))
				out = append(out, d)
			}
			return out
		}
		for _, c := range []struct {
			u    *shequ.User
			want string
		}{{fx.director, "2"}, {fx.otherDirector, "1"}, {fx.supervisor, "3"}} {
			if got := notices(c.u); len(got) != 1 || got[0] != c.want {
				t.Errorf("%s told %v, want [%s]", c.u.Username, got, c.want)
			}
		}
		if got := notices(fx.official); len(got) != 0 {
			t.Errorf("the official who set it is told %v", got)
		}
		if n := auditCount(t, db, auditPolicySet, shequ.AuditAllowed, "330523"); n != 1 {
			t.Errorf("policy audited %d times", n)
		}
		var events int
		mustDo(t, db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM timeline_events WHERE action = ? AND object_type = ?`),
			auditPolicySet, objCarePerson).Scan(&events))
		if events != 3 {
			t.Errorf("%d plan events, want 3", events)
		}
		// The visits due within two weeks: the child (3 days after the
		// visit), not the elder (120 days after registration).
		due, n, err := fx.s.FindCarePersons(dir, shequ.CareFilter{DueWithin: 14})
		if err != nil || n != 1 || len(due) != 1 || due[0].ID != child.ID {
			t.Errorf("visits due: %d %v", n, err)
		}
		// The same policy again moves nothing and tells nobody.
		same := *pol
		mustDo(t, fx.s.SetVisitPolicy(official, &same))
		if same.Replanned != 0 || len(notices(fx.director)) != 1 {
			t.Errorf("same policy replanned %d", same.Replanned)
		}
		// Another county's official cannot set this county's policy.
		stranger := actorOf(mustCreateUser(t, db, "county-other", shequ.RoleOfficial, "330522"))
		bad := &shequ.VisitPolicy{County: "330523", Low: 30, Medium: 20, High: 10, GraceDays: 1}
		if err := fx.s.SetVisitPolicy(stranger, bad); err == nil {
			t.Error("another county's official set the policy")
		}
		if p := must(fx.s.loadPerson(cliContext(), db.db, far.ID))(t); p.VisitEveryDays != 14 {
			t.Errorf("a refused policy moved a plan: %d", p.VisitEveryDays)
		}
	})
}

// TestCareImportByOfficial: an official over the county, who may not
// reveal ID numbers, imports the care register: the resident of each row's
// ID number is matched through the blind index with the number masked and
// every lookup audited, and the rows are written with their audit records.
// An official of another county and a worker of another community find
// nobody (the lookup refused and audited), and their import writes nothing.
func TestCareImportByOfficial(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newCareFx(t, db)
		official := actorOf(fx.official)
		if shequ.ActorFrom(official).Can(shequ.ActionResidentReveal) {
			t.Fatal("the fixture's official may reveal ID numbers")
		}
		// The match: masked, audited.
		got := must(fx.res.MatchResidentForImport(official, string(fx.grandma.IDNumber), shequ.ActionCareWrite))(t)
		if got.ID != fx.grandma.ID || got.IDNumber == fx.grandma.IDNumber || got.IDNumber != shequ.IDNumber(fx.grandma.IDNumber.Masked()) {
			t.Errorf("match %+v", got)
		}
		if n := auditCount(t, db, auditResidentMatch, shequ.AuditAllowed, fx.grandma.ID); n != 1 {
			t.Errorf("match audited %d times", n)
		}
		// Attackers: another county's official, another village's worker,
		// a social worker (no care.write): nothing found, refusals audited.
		strangerOfficial := actorOf(mustCreateUser(t, db, "county-x", shequ.RoleOfficial, "330522"))
		for name, c := range map[string]struct {
			ctx  context.Context
			code string
		}{
			"official of another county":   {strangerOfficial, shequ.ENotFound},
			"worker of another community":  {actorOf(fx.otherDirector), shequ.ENotFound},
			"social worker without import": {actorOf(fx.socialWk), shequ.EForbidden},
		} {
			before := auditCount(t, db, auditResidentMatch, shequ.AuditDenied, "")
			if _, err := fx.res.MatchResidentForImport(c.ctx, string(fx.grandma.IDNumber), shequ.ActionCareWrite); shequ.ErrorCode(err) != c.code {
				t.Errorf("%s matches: %v", name, err)
			}
			if auditCount(t, db, auditResidentMatch, shequ.AuditDenied, "") != before+1 {
				t.Errorf("%s: the refused lookup is not audited", name)
			}
		}
		if _, err := fx.res.MatchResidentForImport(official, idNumber("330523", "19500101", "999"), shequ.ActionCareWrite); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("a number nobody has: %v", err)
		}

		// The import itself, by the official without a care duty.
		elder := &shequ.CarePerson{ResidentID: got.ID, Kind: shequ.CareElderly, Reason: shequ.ReasonChildrenAway, Risk: shequ.RiskLow}
		child := fx.childPerson(fx.child, shequ.RiskMedium)
		// Another county's official: refused, nothing written.
		if err := fx.s.ImportCarePersons(strangerOfficial, []*shequ.CarePerson{elder}); err == nil || shequ.AsError(err).Data["Row"] != 1 {
			t.Errorf("another county's official imports: %v", err)
		}
		// Another village's worker: the row of 康山村 refused.
		if err := fx.s.ImportCarePersons(actorOf(fx.otherDirector), []*shequ.CarePerson{elder}); err == nil {
			t.Error("another village's worker imports")
		}
		var n int
		mustDo(t, db.db.QueryRow(`SELECT COUNT(*) FROM care_persons`).Scan(&n))
		if n != 0 {
			t.Fatalf("refused imports wrote %d people", n)
		}
		mustDo(t, fx.s.ImportCarePersons(official, []*shequ.CarePerson{elder, child}))
		for _, p := range []*shequ.CarePerson{elder, child} {
			if p.ID == "" || auditCount(t, db, auditCareImport, shequ.AuditAllowed, p.ID) != 1 {
				t.Errorf("imported %+v", p)
			}
		}
		// The official imported the register but does not read it.
		if _, err := fx.s.FindCarePersonByID(official, child.ID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("the official reads the imported child: %v", err)
		}
		// The 儿童主任 does.
		if p := must(fx.s.FindCarePersonByID(actorOf(fx.director), child.ID))(t); p.Risk != shequ.RiskMedium {
			t.Errorf("director reads %+v", p)
		}
	})
}
