package sqlstore

import (
	"context"
	"math"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"shequ"
	"shequ/internal/indicator"
)

func TestPropertyEstates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		w := as(fx.worker)
		// The register and its current companies.
		got := must(fx.s.FindEstateByID(w, fx.estateA.ID))(t)
		if got.CompanyID != fx.companyA.ID || got.CompanyName != fx.companyA.Name || got.Mode != shequ.ModeCompany {
			t.Errorf("estate A: %+v", got)
		}
		if fx.estateSelf.CompanyID != "" || fx.estateSelf.Mode != shequ.ModeRCSelf {
			t.Errorf("self-managed estate: %+v", fx.estateSelf)
		}
		// A second estate of the same name in the community is refused.
		dup := &shequ.Estate{Name: "苕溪花园", Community: tiaoxiu, Households: 10, Mode: shequ.ModeNone}
		wantError(t, fx.s.CreateEstate(w, dup), shequ.EInvalid, "error.invalid_fields")
		// Out of the worker's community.
		out := &shequ.Estate{Name: "新小区", Community: propCommunity2, Households: 10, Mode: shequ.ModeNone}
		wantError(t, fx.s.CreateEstate(w, out), shequ.ENotFound, "error.not_found")

		// Lists: the worker of 苕秀 sees 康山新村, which spans 苕秀; the worker
		// of 康山 sees it alone.
		names := func(ctx context.Context, f shequ.EstateFilter) []string {
			es, total := mustList(fx.s.FindEstates(ctx, f))(t)
			if total != len(es) {
				t.Errorf("total %d of %d", total, len(es))
			}
			var out []string
			for _, e := range es {
				out = append(out, e.Name)
			}
			slices.Sort(out)
			return out
		}
		if got := names(w, shequ.EstateFilter{}); !slices.Equal(got, []string{"安居小区", "康山新村", "苕溪花园"}) {
			t.Errorf("worker of 苕秀 lists %v", got)
		}
		if got := names(as(fx.workerKS), shequ.EstateFilter{}); !slices.Equal(got, []string{"康山新村"}) {
			t.Errorf("worker of 康山 lists %v", got)
		}
		must(fx.s.FindEstateByID(w, fx.estateSelf.ID))(t)
		// Property staff see their company's estates alone.
		if got := names(as(fx.staffA), shequ.EstateFilter{}); !slices.Equal(got, []string{"苕溪花园"}) {
			t.Errorf("staff A lists %v", got)
		}
		_, err := fx.s.FindEstateByID(as(fx.staffA), fx.estateB.ID)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		// Filters.
		if got := names(fx.officialCtx(), shequ.EstateFilter{Mode: shequ.ModeRCSelf}); !slices.Equal(got, []string{"康山新村"}) {
			t.Errorf("self-managed: %v", got)
		}
		if got := names(fx.officialCtx(), shequ.EstateFilter{CompanyID: fx.companyB.ID}); !slices.Equal(got, []string{"安居小区"}) {
			t.Errorf("by company: %v", got)
		}
		if got := names(fx.officialCtx(), shequ.EstateFilter{Query: "花园"}); !slices.Equal(got, []string{"苕溪花园"}) {
			t.Errorf("by name: %v", got)
		}

		// Update: bad input leaves the row alone.
		hh := 0
		_, err = fx.s.UpdateEstate(w, fx.estateA.ID, shequ.EstateUpdate{Households: &hh})
		wantError(t, err, shequ.EInvalid, "error.invalid_fields")
		if e := must(fx.s.FindEstateByID(w, fx.estateA.ID))(t); e.Households != 100 {
			t.Errorf("failed update wrote households %d", e.Households)
		}
		hh = 240
		e := must(fx.s.UpdateEstate(w, fx.estateA.ID, shequ.EstateUpdate{Households: &hh}))(t)
		if e.Households != 240 {
			t.Errorf("update: %+v", e)
		}

		// Import: all or nothing, with the row named.
		rows := []*shequ.Estate{
			{Name: "导入一", Community: tiaoxiu, Households: 50, Mode: shequ.ModeOwnerSelf},
			{Name: "导入二", Community: tiaoxiu, Households: 0, Mode: shequ.ModeNone},
		}
		err = fx.s.ImportEstates(w, rows)
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || e.Data["Row"] != 2 {
			t.Fatalf("import with a bad row: %v (%v)", err, e.Data)
		}
		if n := fx.count(t, `SELECT COUNT(*) FROM estates WHERE name = ?`, "导入一"); n != 0 {
			t.Error("a failed import wrote a row")
		}
		if n := auditCount(t, db, auditEstateImport, shequ.AuditAllowed, ""); n != 0 {
			t.Errorf("a failed import wrote %d records", n)
		}
		var ch changes
		fx.s.OnChange = ch.hook
		rows[1].Households = 30
		mustDo(t, fx.s.ImportEstates(w, rows))
		if n := fx.count(t, `SELECT COUNT(*) FROM estates WHERE community = ?`, tiaoxiu); n != 4 {
			t.Errorf("after import %d estates in 苕秀", n)
		}
		for _, e := range rows {
			if n := auditCount(t, db, auditEstateImport, shequ.AuditAllowed, e.ID); n != 1 {
				t.Errorf("%s: %d import records", e.Name, n)
			}
		}
		if c := ch.take(); len(c) != 1 || len(c[0]) != 1 || c[0][0] != tiaoxiu {
			t.Errorf("the import told %v", c)
		}
		fx.s.OnChange = nil
	})
}

// officialCtx acts as the street's official.
func (fx *propFx) officialCtx() context.Context { return as(fx.official) }

func TestPropertyContracts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		w := as(fx.worker)
		today := shequ.DateOf(fx.clock.Now())
		// The estate has a contract from a year ago for three years:
		// another one overlapping it is refused, one after it is fine.
		k := &shequ.PropertyContract{EstateID: fx.estateA.ID, CompanyID: fx.companyB.ID, Start: today, End: today.AddDate(1, 0, 0),
			FeeFen: 100, Scope: "全部物业服务", Selection: shequ.SelectedByOwners}
		wantError(t, fx.s.CreateContract(w, k), shequ.EInvalid, "error.invalid_fields")
		k.Start, k.End = today.AddDate(2, 0, 0), today.AddDate(5, 0, 0)
		mustDo(t, fx.s.CreateContract(w, k))
		// A self-managed estate becomes managed by a company with its
		// first contract.
		ks := &shequ.PropertyContract{EstateID: fx.estateSelf.ID, CompanyID: fx.companyB.ID, Start: today, End: today.AddDate(1, 0, 0),
			FeeFen: 80, Scope: "保洁", Selection: shequ.SelectedEarly}
		wantError(t, fx.s.CreateContract(w, ks), shequ.ENotFound, "error.not_found") // 康山 is not the worker's
		mustDo(t, fx.s.CreateContract(as(fx.workerKS), ks))
		if e := must(fx.s.FindEstateByID(w, fx.estateSelf.ID))(t); e.Mode != shequ.ModeCompany || e.CompanyID != fx.companyB.ID {
			t.Errorf("estate after its first contract: %+v", e)
		}
		// Ending early: the estate has no company from the next day.
		cs := must(fx.s.FindContracts(w, fx.estateSelf.ID, ""))(t)
		if len(cs) != 1 {
			t.Fatalf("contracts %v", cs)
		}
		_, err := fx.s.EndContract(w, cs[0].ID, today, "")
		wantError(t, err, shequ.EInvalid, "error.invalid_fields")
		ended := must(fx.s.EndContract(as(fx.workerKS), cs[0].ID, today, "业主大会决定解聘"))(t)
		if ended.EndedOn == nil || !ended.EndedOn.Equal(today) {
			t.Errorf("ended %+v", ended)
		}
		fx.clock.Add(24 * time.Hour)
		if e := must(fx.s.FindEstateByID(w, fx.estateSelf.ID))(t); e.CompanyID != "" {
			t.Errorf("company after the contract ended: %q", e.CompanyID)
		}
		// A company on the black list signs no contract.
		must(fx.s.Blacklist(fx.officialCtx(), fx.companyB.ID, true, "严重违反物业服务合同"))(t)
		ks2 := *ks
		ks2.Start, ks2.End = today.AddDate(0, 0, 2), today.AddDate(1, 0, 0)
		wantError(t, fx.s.CreateContract(as(fx.workerKS), &ks2), shequ.EInvalid, "error.invalid_fields")
		// Staff: an account of one company only, scoped over it.
		wantError(t, fx.s.SetCompanyStaff(fx.officialCtx(), fx.companyB.ID, []string{fx.staffA.ID}), shequ.EInvalid, "error.invalid_fields")
		wantError(t, fx.s.SetCompanyStaff(fx.officialCtx(), fx.companyB.ID, []string{fx.worker.ID}), shequ.EInvalid, "error.invalid_fields")
		if c := must(fx.s.MyCompany(as(fx.staffA)))(t); c.ID != fx.companyA.ID || len(c.StaffIDs) != 1 || c.Estates != 1 {
			t.Errorf("staff A's company %+v", c)
		}
		// The contact phone is sealed at rest.
		var enc string
		if err := db.db.QueryRow(db.rebind(`SELECT contact_phone_enc FROM property_companies WHERE id = ?`), fx.companyA.ID).Scan(&enc); err != nil {
			t.Fatal(err)
		}
		if enc == "" || enc == "13900001111" {
			t.Errorf("contact phone stored as %q", enc)
		}
		if c := must(fx.s.FindCompanyByID(w, fx.companyA.ID))(t); c.ContactPhone != "13900001111" {
			t.Errorf("contact phone read back as %q", c.ContactPhone)
		}
	})
}

// members are five residents of community, the first the director, the
// last one 兼任.
func (fx *propFx) members(t *testing.T, community string) []shequ.CommitteeMember {
	t.Helper()
	var out []shequ.CommitteeMember
	for i := range 5 {
		_, r := fx.residentAccount(t, community, "")
		post := shequ.OCMember
		if i == 0 {
			post = shequ.OCDirector
		}
		out = append(out, shequ.CommitteeMember{ResidentID: r.ID, Post: post, Concurrent: i == 4})
	}
	return out
}

func TestPropertyCommittee(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		w := as(fx.worker)
		elected := shequ.DateOf(fx.clock.Now()).AddDate(-1, 0, 0)
		// Members must live in the estate's communities.
		strangers := fx.members(t, authzOtherCommunity)
		wantError(t, fx.s.SubmitCommittee(w, &shequ.OwnersCommittee{EstateID: fx.estateA.ID, ElectedOn: elected, Members: strangers}),
			shequ.EInvalid, "error.invalid_fields")
		oc := &shequ.OwnersCommittee{EstateID: fx.estateA.ID, ElectedOn: elected, Members: fx.members(t, tiaoxiu)}
		mustDo(t, fx.s.SubmitCommittee(w, oc))
		if oc.Term != 1 || oc.Status != shequ.FilingSubmitted || !oc.TermEnd.Equal(elected.AddDate(5, 0, -1)) {
			t.Errorf("submitted %+v", oc)
		}
		// One waiting for filing at a time.
		wantError(t, fx.s.SubmitCommittee(w, &shequ.OwnersCommittee{EstateID: fx.estateA.ID, ElectedOn: elected,
			Members: oc.Members}), shequ.EConflict, "committee.pending")
		// The street is told; it returns it with a reason, the worker
		// corrects and submits again, the street files it.
		if got := fx.notes(t, fx.official); !slices.Contains(got, "committee_submitted") {
			t.Errorf("official's notifications %v", got)
		}
		_, err := fx.s.FileCommittee(w, oc.ID, shequ.FilingFiled, "")
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		_, err = fx.s.FileCommittee(fx.officialCtx(), oc.ID, shequ.FilingReturned, "")
		wantError(t, err, shequ.EInvalid, "error.invalid_fields")
		ret := must(fx.s.FileCommittee(fx.officialCtx(), oc.ID, shequ.FilingReturned, "缺少选举结果公告"))(t)
		if ret.Status != shequ.FilingReturned || ret.ReturnReason != "缺少选举结果公告" {
			t.Errorf("returned %+v", ret)
		}
		if got := fx.notes(t, fx.worker); !slices.Contains(got, "committee_returned") {
			t.Errorf("worker's notifications %v", got)
		}
		_, err = fx.s.FileCommittee(fx.officialCtx(), oc.ID, shequ.FilingFiled, "")
		wantError(t, err, shequ.EConflict, "transition.illegal")
		must(fx.s.ResubmitCommittee(w, oc.ID, elected, oc.Members))(t)
		filed := must(fx.s.FileCommittee(fx.officialCtx(), oc.ID, shequ.FilingFiled, ""))(t)
		if filed.Status != shequ.FilingFiled || filed.FiledOn == nil || !filed.HasConcurrent() || len(filed.Members) != 5 ||
			filed.Members[0].Name == "" || !filed.Current(fx.clock.Now()) {
			t.Errorf("filed %+v", filed)
		}
		// History of terms; the next term is the second.
		next := &shequ.OwnersCommittee{EstateID: fx.estateA.ID, ElectedOn: shequ.DateOf(fx.clock.Now()), Members: oc.Members}
		mustDo(t, fx.s.SubmitCommittee(w, next))
		terms := must(fx.s.FindCommittees(w, fx.estateA.ID, "", ""))(t)
		if len(terms) != 2 || terms[0].Term != 2 || terms[1].Term != 1 {
			t.Errorf("terms %+v", terms)
		}
		// The timeline holds each step, and the audit trail each write.
		events := must(fx.s.PropertyTimeline(w, shequ.ObjCommittee, oc.ID))(t)
		var steps []string
		for _, e := range events {
			steps = append(steps, e.From+">"+e.To)
		}
		if !slices.Equal(steps, []string{">submitted", "submitted>returned", "returned>submitted", "submitted>filed"}) {
			t.Errorf("timeline %v", steps)
		}
		if n := fx.count(t, `SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND result = 'allowed'`, oc.ID); n != 4 {
			t.Errorf("%d audit records of the committee", n)
		}
		// The community's environment and property management committee.
		mustDo(t, fx.s.SetEPMC(w, tiaoxiu, []*shequ.EPMCMember{{Name: "李主任", Unit: "居委会", Post: "主任"},
			{Name: "陈委员", Unit: "业委会", Post: "委员"}}))
		wantError(t, fx.s.SetEPMC(w, tiaoxiu, []*shequ.EPMCMember{{Name: "李", Unit: "", Post: "主任"}}), shequ.EInvalid, "error.invalid_fields")
		if ms := must(fx.s.FindEPMC(w, tiaoxiu))(t); len(ms) != 2 || ms[0].Name != "李主任" {
			t.Errorf("committee %+v", ms)
		}
	})
}

func TestPropertyInspectionAndRectification(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		w := as(fx.worker)
		before, grade := fx.score(t, fx.companyA.ID)
		if before != 70 || grade != shequ.GradeA {
			t.Fatalf("company A starts at %d %s", before, grade)
		}
		scores := map[string]int{"cleaning": 9, "greening": 8, "order": 7, "equipment": 8, "fire_lanes": 3, "waste_sorting": 6}
		in := &shequ.InspectionInput{EstateID: fx.estateA.ID, Day: fx.clock.Now(), Inspectors: "环境和物业管理委员会",
			Scores: scores, Notes: map[string]string{"fire_lanes": "3号楼消防通道堆放杂物"}}
		_, err := fx.s.RecordInspection(as(fx.official), in)
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		got := must(fx.s.RecordInspection(w, in))(t)
		if got.Passed() || len(got.Rectifications) != 1 || got.CompanyID != fx.companyA.ID {
			t.Fatalf("inspection %+v", got)
		}
		r := got.Rectifications[0]
		if r.ItemKey != "fire_lanes" || r.Status != shequ.RectifyOpen || !r.DueOn.Equal(shequ.DateOf(fx.clock.Now()).AddDate(0, 0, 15)) {
			t.Errorf("rectification %+v", r)
		}
		// A failed inspection costs exactly its configured points.
		if s, _ := fx.score(t, fx.companyA.ID); s != before-3 {
			t.Errorf("after a failed inspection %d, want %d", s, before-3)
		}
		if got := fx.notes(t, fx.staffA); !slices.Contains(got, "rectification_issued") {
			t.Errorf("staff A's notifications %v", got)
		}
		// The other company's staff neither see nor report it.
		_, err = fx.s.FindRectificationByID(as(fx.staffB), r.ID)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		_, err = fx.s.MoveRectification(as(fx.staffB), r.ID, shequ.RectificationMove{To: shequ.RectifyReported, Text: "已清理"})
		wantError(t, err, shequ.ENotFound, "error.not_found")
		// The due date passes: overdue, with its bad record, once.
		fx.clock.Add(16 * 24 * time.Hour)
		run := fx.runDeadlines(t)
		if run.RectificationsLate != 1 {
			t.Errorf("run %+v", run)
		}
		if again := fx.runDeadlines(t); again.RectificationsLate != 0 || again.RecordsWritten != 0 {
			t.Errorf("second run %+v", again)
		}
		if s, g := fx.score(t, fx.companyA.ID); s != before-3-5 || g != shequ.GradeB {
			t.Errorf("after the overdue rectification %d %s, want %d B", s, g, before-8)
		}
		for _, u := range []*shequ.User{fx.staffA, fx.worker, fx.official} {
			if got := fx.notes(t, u); !slices.Contains(got, "rectification_overdue") {
				t.Errorf("%s's notifications %v", u.Username, got)
			}
		}
		// The company reports late; the follow-up finds it not done and
		// reopens it with a new date; then it is verified.
		rep := must(fx.s.MoveRectification(as(fx.staffA), r.ID, shequ.RectificationMove{To: shequ.RectifyReported, Text: "已清理杂物"}))(t)
		if rep.Status != shequ.RectifyReported || rep.ReportedAt == nil {
			t.Errorf("reported %+v", rep)
		}
		due := shequ.DateOf(fx.clock.Now()).AddDate(0, 0, 7)
		_, err = fx.s.MoveRectification(as(fx.staffA), r.ID, shequ.RectificationMove{To: shequ.RectifyVerified, Text: "自查合格"})
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		re := must(fx.s.MoveRectification(w, r.ID, shequ.RectificationMove{To: shequ.RectifyOpen, Text: "复查仍有杂物", DueOn: &due}))(t)
		if re.Status != shequ.RectifyOpen || !re.DueOn.Equal(due) {
			t.Errorf("reopened %+v", re)
		}
		must(fx.s.MoveRectification(as(fx.staffA), r.ID, shequ.RectificationMove{To: shequ.RectifyReported, Text: "已全部清理"}))(t)
		v := must(fx.s.MoveRectification(w, r.ID, shequ.RectificationMove{To: shequ.RectifyVerified, Text: "复查合格"}))(t)
		if v.Status != shequ.RectifyVerified || v.VerifiedAt == nil {
			t.Errorf("verified %+v", v)
		}
		_, err = fx.s.MoveRectification(w, r.ID, shequ.RectificationMove{To: shequ.RectifyOpen, Text: "再次打开", DueOn: &due})
		wantError(t, err, shequ.EConflict, "transition.illegal")
		// The record of the overdue order is not taken back by the late
		// report: it stands for a year.
		if s, _ := fx.score(t, fx.companyA.ID); s != before-8 {
			t.Errorf("after verification %d", s)
		}
		fx.clock.Add(366 * 24 * time.Hour)
		fx.runDeadlines(t) // the base record is renewed
		if s, _ := fx.score(t, fx.companyA.ID); s != before {
			t.Errorf("a year later %d, want %d", s, before)
		}
		// Photos.
		png := []byte("\x89PNG\r\n\x1a\n" + "0000000000000000")
		mustDo(t, fx.s.AddInspectionPhoto(w, got.ID, png))
		wantError(t, fx.s.AddInspectionPhoto(w, got.ID, []byte("not an image")), shequ.EInvalid, "error.invalid_fields")
		if ps := must(fx.s.InspectionPhotos(as(fx.staffA), got.ID))(t); len(ps) != 1 {
			t.Errorf("%d photos", len(ps))
		}
	})
}

// TestPropertyComplaintFlow is the story on the store: a resident
// complains, the community forwards it, the company lets the time limit
// pass, the complaint escalates to the street, the company answers late,
// an official upholds it, and the company's score drops by exactly the
// configured points; the company appeals the record and an official
// answers.
func TestPropertyComplaintFlow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		resident, _ := fx.residentAccount(t, tiaoxiu, "")
		rc, w, off, staff := as(resident), as(fx.worker), fx.officialCtx(), as(fx.staffA)
		before, _ := fx.score(t, fx.companyA.ID)

		c := must(fx.s.FileComplaint(rc, &shequ.ComplaintInput{EstateID: fx.estateA.ID, Category: shequ.ComplainCleaning,
			Description: "楼道垃圾三天没有清运"}))(t)
		if c.State != shequ.ComplaintAccepted || c.Channel != shequ.ChannelOnline || c.CompanyID != fx.companyA.ID ||
			c.Number == "" || c.OwnerUserID != resident.ID {
			t.Fatalf("filed %+v", c)
		}
		// Not the company's before the community forwards it.
		_, err := fx.s.FindComplaintByID(staff, c.ID)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		// 补正: the time limit stands still while the resident completes it.
		c = must(fx.s.MoveComplaint(w, c.ID, shequ.ComplaintMove{To: shequ.ComplaintAwaitingInfo, Text: "请补充楼栋号"}))(t)
		due := c.DueAt
		fx.clock.Add(3 * 24 * time.Hour)
		c = must(fx.s.MoveComplaint(rc, c.ID, shequ.ComplaintMove{To: shequ.ComplaintAccepted, Text: "3幢2单元"}))(t)
		if !c.DueAt.After(due) || c.PausedAt != nil {
			t.Errorf("due %v → %v after 补正", due, c.DueAt)
		}
		// The resident may not forward.
		_, err = fx.s.MoveComplaint(rc, c.ID, shequ.ComplaintMove{To: shequ.ComplaintForwarded})
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		c = must(fx.s.MoveComplaint(w, c.ID, shequ.ComplaintMove{To: shequ.ComplaintForwarded}))(t)
		if got := fx.notes(t, fx.staffA); !slices.Contains(got, "complaint_forwarded") {
			t.Errorf("staff notifications %v", got)
		}
		// The company sees it without the complainant.
		seen := must(fx.s.FindComplaintByID(staff, c.ID))(t)
		if seen.ResidentID != "" || seen.OwnerUserID != "" || seen.FiledBy != "" {
			t.Errorf("staff sees the complainant: %+v", seen)
		}
		_, err = fx.s.FindComplaintByID(as(fx.staffB), c.ID)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		// The company's limit (5 working days) passes: escalated to the
		// street, which is told.
		fx.clock.Add(10 * 24 * time.Hour)
		if run := fx.runDeadlines(t); run.ComplaintsEscalated != 1 {
			t.Errorf("run %+v", run)
		}
		c = must(fx.s.FindComplaintByID(w, c.ID))(t)
		if c.State != shequ.ComplaintEscalatedStreet {
			t.Fatalf("state %s after the deadline", c.State)
		}
		if got := fx.notes(t, fx.official); !slices.Contains(got, "complaint_escalated_street") {
			t.Errorf("official notifications %v", got)
		}
		// The company answers late: recorded, the state stays.
		c = must(fx.s.MoveComplaint(staff, c.ID, shequ.ComplaintMove{To: shequ.ComplaintAnswered, Text: "已安排清运"}))(t)
		if c.State != shequ.ComplaintEscalatedStreet || !c.AnswerLate || c.Answer != "已安排清运" {
			t.Errorf("late answer %+v", c)
		}
		_, err = fx.s.MoveComplaint(staff, c.ID, shequ.ComplaintMove{To: shequ.ComplaintAnswered, Text: "再答一次"})
		wantError(t, err, shequ.EConflict, "transition.illegal")
		// The community cannot decide; the street upholds it.
		_, err = fx.s.MoveComplaint(w, c.ID, shequ.ComplaintMove{To: shequ.ComplaintClosed, Text: "成立", Verdict: shequ.VerdictUpheld})
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		c = must(fx.s.MoveComplaint(off, c.ID, shequ.ComplaintMove{To: shequ.ComplaintClosed, Text: "经核实投诉成立",
			Verdict: shequ.VerdictUpheld}))(t)
		if c.State != shequ.ComplaintClosed || c.Verdict != shequ.VerdictUpheld || c.ClosedAt == nil {
			t.Errorf("decided %+v", c)
		}
		after, _ := fx.score(t, fx.companyA.ID)
		if after != before-3 {
			t.Errorf("score %d → %d, want −3", before, after)
		}
		if got := fx.notes(t, resident); !slices.Contains(got, "complaint_closed") {
			t.Errorf("resident notifications %v", got)
		}
		// The timeline hides the staff's names from the resident.
		events := must(fx.s.ComplaintTimeline(rc, c.ID))(t)
		if len(events) != 7 {
			t.Errorf("%d events", len(events))
		}
		for _, e := range events {
			if e.ActorName != "" && e.ActorID != resident.ID {
				t.Errorf("resident sees %q", e.ActorName)
			}
		}
		// The company appeals the record; the street answers.
		cc := must(fx.s.CompanyCredit(context.Background(), fx.companyA.ID))(t)
		var rec *shequ.CreditRecord
		for _, r := range cc.Records {
			if r.Kind == shequ.CreditComplaintUpheld {
				rec = r
			}
		}
		if rec == nil || rec.Note != c.Number || rec.EstateName != fx.estateA.Name {
			t.Fatalf("records %+v", cc.Records)
		}
		_, err = fx.s.AppealRecord(as(fx.staffB), rec.ID, "该投诉与本公司无关")
		wantError(t, err, shequ.ENotFound, "error.not_found")
		ap := must(fx.s.AppealRecord(staff, rec.ID, "垃圾清运由环卫部门负责"))(t)
		_, err = fx.s.AppealRecord(staff, rec.ID, "再次申诉理由")
		wantError(t, err, shequ.EConflict, "appeal.open")
		// The company is the county's: its officials are told.
		if got := fx.notes(t, fx.county); !slices.Contains(got, "appeal_lodged") {
			t.Errorf("county official's notifications %v", got)
		}
		if list := must(fx.s.FindAppeals(off, shequ.AppealSubmitted))(t); len(list) != 1 || list[0].ID != ap.ID {
			t.Errorf("open appeals %+v", list)
		}
		_, err = fx.s.AnswerAppeal(staff, ap.ID, shequ.AppealUpheld, "自己批准")
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		ans := must(fx.s.AnswerAppeal(off, ap.ID, shequ.AppealUpheld, "经核实清运属环卫部门职责"))(t)
		if ans.State != shequ.AppealUpheld || ans.AnsweredAt == nil {
			t.Errorf("answer %+v", ans)
		}
		if s, _ := fx.score(t, fx.companyA.ID); s != before {
			t.Errorf("after the appeal was upheld %d, want %d", s, before)
		}
		cc = must(fx.s.CompanyCredit(context.Background(), fx.companyA.ID))(t)
		if cc.Company.Contact != "" || cc.Company.ContactPhone != "" {
			t.Errorf("the public file shows the contact: %+v", cc.Company)
		}
		for _, r := range cc.Records {
			if r.ID == rec.ID && (!r.Withdrawn || r.Appeal == nil || r.Appeal.State != shequ.AppealUpheld) {
				t.Errorf("withdrawn record %+v", r)
			}
		}
		if got := fx.notes(t, fx.staffA); !slices.Contains(got, "appeal_upheld") {
			t.Errorf("staff notifications %v", got)
		}
	})
}

func TestPropertyComplaintConfirmAndDispute(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		resident, _ := fx.residentAccount(t, tiaoxiu, "")
		rc, w, staff := as(resident), as(fx.worker), as(fx.staffB)
		file := func() *shequ.Complaint {
			c := must(fx.s.FileComplaint(rc, &shequ.ComplaintInput{EstateID: fx.estateB.ID, Category: shequ.ComplainRepairs,
				Description: "单元门禁坏了一周"}))(t)
			must(fx.s.MoveComplaint(w, c.ID, shequ.ComplaintMove{To: shequ.ComplaintForwarded}))(t)
			return must(fx.s.MoveComplaint(staff, c.ID, shequ.ComplaintMove{To: shequ.ComplaintAnswered, Text: "已更换门禁"}))(t)
		}
		c := file()
		if c.AnswerLate {
			t.Error("an answer in time is marked late")
		}
		// Confirmed by the resident.
		c = must(fx.s.MoveComplaint(rc, c.ID, shequ.ComplaintMove{To: shequ.ComplaintConfirmed}))(t)
		if c.State != shequ.ComplaintConfirmed {
			t.Errorf("state %s", c.State)
		}
		// Disputed: to the street, which dismisses it; no record.
		before, _ := fx.score(t, fx.companyB.ID)
		d := file()
		d = must(fx.s.MoveComplaint(rc, d.ID, shequ.ComplaintMove{To: shequ.ComplaintEscalatedStreet, Text: "门禁仍然不能用"}))(t)
		if d.Dispute != "门禁仍然不能用" {
			t.Errorf("dispute %+v", d)
		}
		must(fx.s.MoveComplaint(fx.officialCtx(), d.ID, shequ.ComplaintMove{To: shequ.ComplaintClosed, Text: "现场核实门禁已修复",
			Verdict: shequ.VerdictDismissed}))(t)
		if s, _ := fx.score(t, fx.companyB.ID); s != before {
			t.Errorf("a dismissed complaint changed the score %d → %d", before, s)
		}
		// Left unconfirmed past the limit: confirmed by default.
		e := file()
		fx.clock.Add(10 * 24 * time.Hour)
		if run := fx.runDeadlines(t); run.ComplaintsConfirmed != 1 {
			t.Errorf("run %+v", run)
		}
		if e = must(fx.s.FindComplaintByID(rc, e.ID))(t); e.State != shequ.ComplaintConfirmed {
			t.Errorf("state %s", e.State)
		}
		// Lists: the resident's own; the staff's company's.
		list, total, err := fx.s.FindComplaints(rc, shequ.ComplaintFilter{})
		if err != nil || total != 3 || len(list) != 3 {
			t.Errorf("resident lists %d (%v)", total, err)
		}
		if _, total, _ := fx.s.FindComplaints(as(fx.staffA), shequ.ComplaintFilter{}); total != 0 {
			t.Errorf("staff A lists %d", total)
		}
		// An estate without a company: the community handles it itself.
		self := must(fx.s.FileComplaint(w, &shequ.ComplaintInput{EstateID: fx.estateSelf.ID, Channel: shequ.ChannelPhone,
			Category: shequ.ComplainOther, Description: "小区路灯不亮了"}))(t)
		// It is handled by the estate's own community (康山).
		_, err = fx.s.MoveComplaint(w, self.ID, shequ.ComplaintMove{To: shequ.ComplaintClosed, Text: "居委会已维修"})
		wantError(t, err, shequ.ENotFound, "error.not_found")
		ks := as(fx.workerKS)
		_, err = fx.s.MoveComplaint(ks, self.ID, shequ.ComplaintMove{To: shequ.ComplaintForwarded})
		wantError(t, err, shequ.EConflict, "complaint.no_company")
		must(fx.s.MoveComplaint(ks, self.ID, shequ.ComplaintMove{To: shequ.ComplaintClosed, Text: "居委会已维修"}))(t)
	})
}

// TestPropertyRatingOnce: one rating per household and period, also when
// the members of a household rate at the same moment, on both engines; no
// result below the threshold.
func TestPropertyRatingOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		first, r1 := fx.residentAccount(t, tiaoxiu, "")
		members := []*shequ.User{first}
		for range 5 {
			u, _ := fx.residentAccount(t, tiaoxiu, r1.HouseholdID)
			members = append(members, u)
		}
		rating := func() *shequ.PropertyRating {
			r := &shequ.PropertyRating{EstateID: fx.estateA.ID, Scores: map[shequ.RatingDimension]int{}}
			for _, d := range shequ.RatingDimensions {
				r.Scores[d] = 5
			}
			return r
		}
		var wg sync.WaitGroup
		errs := make([]error, len(members))
		start := make(chan struct{})
		for i, u := range members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = fx.s.RateEstate(as(u), rating())
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case shequ.AsError(err).Key != "rating.once":
				t.Errorf("concurrent rating: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of %d concurrent ratings of one household succeeded", ok, len(members))
		}
		if n := fx.count(t, `SELECT COUNT(*) FROM property_ratings WHERE household_id = ?`, r1.HouseholdID); n != 1 {
			t.Fatalf("%d ratings stored", n)
		}
		// The household's estate is now 苕溪花园: it cannot rate another.
		other := rating()
		other.EstateID = fx.estateB.ID
		wantError(t, fx.s.RateEstate(as(first), other), shequ.EConflict, "rating.estate.other")
		// Threshold: 100 households need 10 ratings.
		for i := 2; i <= 9; i++ {
			u, _ := fx.residentAccount(t, tiaoxiu, "")
			r := rating()
			r.Scores[shequ.RateFees] = 1
			mustDo(t, fx.s.RateEstate(as(u), r))
		}
		sum := must(fx.s.RatingSummary(as(fx.worker), fx.estateA.ID, ""))(t)
		if sum.Count != 9 || sum.Shown || sum.Needed != 1 || sum.Overall == sum.Overall {
			t.Errorf("9 of 100: %+v", sum)
		}
		u, _ := fx.residentAccount(t, tiaoxiu, "")
		mustDo(t, fx.s.RateEstate(as(u), rating()))
		sum = must(fx.s.RatingSummary(as(u), fx.estateA.ID, ""))(t)
		if sum.Count != 10 || !sum.Shown || math.Abs(sum.Means[shequ.RateFees]-1.8) > 1e-9 {
			t.Errorf("10 of 100: %+v", sum)
		}
		if rated := must(fx.s.RatedThisPeriod(as(u), fx.estateA.ID))(t); !rated {
			t.Error("RatedThisPeriod false after rating")
		}
		// Next quarter the household rates again.
		fx.clock.Add(95 * 24 * time.Hour)
		mustDo(t, fx.s.RateEstate(as(first), rating()))
		// Only residents rate.
		wantError(t, fx.s.RateEstate(as(fx.worker), rating()), shequ.EForbidden, "error.forbidden")
	})
}

func TestPropertyAlerts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		// estateA's contract ends two years from now less a day; a filed
		// committee's term ends in four years and a half.
		elected := shequ.DateOf(fx.clock.Now()).AddDate(0, -6, 0)
		oc := &shequ.OwnersCommittee{EstateID: fx.estateA.ID, ElectedOn: elected, Members: fx.members(t, tiaoxiu)}
		mustDo(t, fx.s.SubmitCommittee(as(fx.worker), oc))
		must(fx.s.FileCommittee(fx.officialCtx(), oc.ID, shequ.FilingFiled, ""))(t)
		end := must(fx.s.FindContracts(as(fx.worker), fx.estateA.ID, ""))(t)[0].End
		kinds := func(ctx context.Context) []string {
			as := must(fx.s.Alerts(ctx, ""))(t)
			var out []string
			for _, a := range as {
				if a.Kind == shequ.AlertContractEnding || a.Kind == shequ.AlertTermEnding {
					out = append(out, string(a.Kind)+"@"+strconv.Itoa(a.Days))
				}
			}
			return out
		}
		// 91 days before the end of the contract: nothing; 90: the alert.
		at := func(d time.Time, daysBefore int) {
			t.Helper()
			target := d.AddDate(0, 0, -daysBefore).Add(10 * time.Hour)
			fx.clock.ns.Store(target.UnixNano())
		}
		at(end, 91)
		if got := kinds(as(fx.worker)); len(got) != 0 {
			t.Errorf("91 days before: %v", got)
		}
		if run := fx.runDeadlines(t); run.Alerts != 0 {
			t.Errorf("91 days before, run %+v", run)
		}
		at(end, 90)
		// Estates A and B signed on the same day; staff see their own.
		if got := kinds(as(fx.worker)); !slices.Equal(got, []string{"contract_ending@90", "contract_ending@90"}) {
			t.Errorf("90 days before: %v", got)
		}
		for _, u := range []*shequ.User{fx.staffA, fx.staffB} {
			got := must(fx.s.Alerts(as(u), ""))(t)
			if len(got) != 1 || got[0].Kind != shequ.AlertContractEnding || got[0].Days != 90 {
				t.Errorf("%s sees %+v", u.Username, got)
			}
		}
		if got := must(fx.s.Alerts(as(fx.staffA), ""))(t); got[0].EstateID != fx.estateA.ID {
			t.Errorf("staff A sees %+v", got[0])
		}
		// The run covers every county: 长城小区's contract too.
		if run := fx.runDeadlines(t); run.Alerts != 3 {
			t.Errorf("run %+v", run)
		}
		if run := fx.runDeadlines(t); run.Alerts != 0 {
			t.Errorf("second run %+v", run)
		}
		for _, u := range []*shequ.User{fx.worker, fx.staffA} {
			if got := fx.notes(t, u); !slices.Contains(got, "contract_ending") {
				t.Errorf("%s: %v", u.Username, got)
			}
		}
		// The committee's term: the community and the street are told.
		at(oc.TermEnd, 91)
		fx.runDeadlines(t)
		if slices.Contains(fx.notes(t, fx.official), "term_ending") {
			t.Error("term alert 91 days early")
		}
		at(oc.TermEnd, 90)
		if run := fx.runDeadlines(t); run.Alerts != 1 {
			t.Errorf("term run %+v", run)
		}
		if !slices.Contains(fx.notes(t, fx.official), "term_ending") {
			t.Errorf("official: %v", fx.notes(t, fx.official))
		}
		// A county with a 30-day window.
		st := shequ.DefaultPropertySettings("330523")
		st.AlertDays = 30
		mustDo(t, fx.s.SaveSettings(as(fx.county), st))
		if got := kinds(as(fx.worker)); len(got) != 0 {
			t.Errorf("with a 30-day window: %v", got)
		}
		wantError(t, fx.s.SaveSettings(as(fx.outOfficial), st), shequ.ENotFound, "error.not_found")
	})
}

func TestPropertyMeetings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		w := as(fx.worker)
		today := shequ.DateOf(fx.clock.Now())
		m := &shequ.JointMeeting{Community: tiaoxiu, EstateID: fx.estateA.ID, Day: today, Place: "社区会议室",
			Agenda: "电梯维修与停车秩序", Minutes: "各方通报情况，形成两项决议。",
			Parties: []shequ.MeetingParty{{Kind: shequ.PartyCPC, Name: "苕秀社区党委"}, {Kind: shequ.PartyRC, Name: "苕秀社区居委会"},
				{Kind: shequ.PartyCompany, Name: fx.companyA.Name, CompanyID: fx.companyA.ID}},
			Resolutions: []*shequ.Resolution{
				{Text: "十日内完成3号楼电梯维修", Owner: shequ.PartyCompany, DueOn: today.AddDate(0, 0, 10)},
				{Text: "居委会组织停车位协商", Owner: shequ.PartyRC, DueOn: today.AddDate(0, 0, 30)},
				{Text: "清理楼道堆物", Owner: shequ.PartyCompany, DueOn: today.AddDate(0, 0, 20)},
			}}
		wantError(t, fx.s.RecordMeeting(as(fx.official), m), shequ.EForbidden, "error.forbidden")
		mustDo(t, fx.s.RecordMeeting(w, m))
		if m.Resolutions[0].CompanyID != fx.companyA.ID || m.Resolutions[1].CompanyID != "" {
			t.Errorf("resolutions %+v %+v", m.Resolutions[0], m.Resolutions[1])
		}
		if !slices.Contains(fx.notes(t, fx.staffA), "resolution_assigned") {
			t.Errorf("staff A: %v", fx.notes(t, fx.staffA))
		}
		before, _ := fx.score(t, fx.companyA.ID)
		// Done early: a good record.
		must(fx.s.CompleteResolution(w, m.Resolutions[2].ID, "已清理完毕"))(t)
		if s, _ := fx.score(t, fx.companyA.ID); s != before+2 {
			t.Errorf("after an early resolution %d, want %d", s, before+2)
		}
		// Overdue: escalated to the street with a bad record, once.
		fx.clock.Add(11 * 24 * time.Hour)
		if run := fx.runDeadlines(t); run.ResolutionsOverdue != 1 {
			t.Errorf("run %+v", run)
		}
		if run := fx.runDeadlines(t); run.ResolutionsOverdue != 0 {
			t.Errorf("second run %+v", run)
		}
		if s, _ := fx.score(t, fx.companyA.ID); s != before+2-3 {
			t.Errorf("after an overdue resolution %d, want %d", s, before-1)
		}
		for _, u := range []*shequ.User{fx.staffA, fx.worker, fx.official} {
			if got := fx.notes(t, u); !slices.Contains(got, "resolution_overdue") {
				t.Errorf("%s's notifications %v", u.Username, got)
			}
		}
		rs, _ := mustList(fx.s.FindResolutions(fx.officialCtx(), shequ.ResolutionFilter{Statuses: []shequ.ResolutionStatus{shequ.ResolutionOverdue}}))(t)
		if len(rs) != 1 || rs[0].ID != m.Resolutions[0].ID || rs[0].EscalatedAt == nil {
			t.Fatalf("overdue %+v", rs)
		}
		// Followed up at the next meeting, then done late (no good record).
		next := &shequ.JointMeeting{Community: tiaoxiu, Day: shequ.DateOf(fx.clock.Now()), Agenda: "跟进上次决议",
			Minutes: "电梯维修进度通报。", Parties: m.Parties,
			FollowUps: []shequ.MeetingFollowUp{{ResolutionID: rs[0].ID, Note: "配件已到，本周完成"}}}
		mustDo(t, fx.s.RecordMeeting(w, next))
		done := must(fx.s.CompleteResolution(w, rs[0].ID, "电梯已修复"))(t)
		if done.Status != shequ.ResolutionDone || len(done.FollowUps) != 1 || done.FollowUps[0].MeetingID != next.ID {
			t.Errorf("done %+v", done)
		}
		if s, _ := fx.score(t, fx.companyA.ID); s != before-1 {
			t.Errorf("a late resolution earned points: %d", s)
		}
		got := must(fx.s.FindMeetingByID(as(fx.staffA), m.ID))(t)
		if len(got.Resolutions) != 3 {
			t.Errorf("meeting %+v", got)
		}
		_, err := fx.s.FindMeetingByID(as(fx.staffB), m.ID)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		if _, total := mustList(fx.s.FindMeetings(as(fx.staffA), "", 0, 0))(t); total != 1 {
			t.Errorf("staff A lists %d meetings", total)
		}
	})
}

// TestPropertyRollback: a refused move leaves no trace but the denial.
func TestPropertyRollback(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		resident, _ := fx.residentAccount(t, tiaoxiu, "")
		c := must(fx.s.FileComplaint(as(resident), &shequ.ComplaintInput{EstateID: fx.estateA.ID,
			Category: shequ.ComplainFees, Description: "物业费收费标准不公示"}))(t)
		events := fx.count(t, `SELECT COUNT(*) FROM timeline_events WHERE object_id = ?`, c.ID)
		allowed := fx.count(t, `SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND result = 'allowed'`, c.ID)
		// Illegal: a conflict, nothing written.
		_, err := fx.s.MoveComplaint(as(fx.worker), c.ID, shequ.ComplaintMove{To: shequ.ComplaintConfirmed})
		wantError(t, err, shequ.EConflict, "transition.illegal")
		if got := fx.count(t, `SELECT COUNT(*) FROM timeline_events WHERE object_id = ?`, c.ID); got != events {
			t.Errorf("events %d → %d", events, got)
		}
		if got := fx.count(t, `SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND result = 'allowed'`, c.ID); got != allowed {
			t.Errorf("allowed records %d → %d", allowed, got)
		}
		if got := must(fx.s.FindComplaintByID(as(fx.worker), c.ID))(t); got.State != shequ.ComplaintAccepted {
			t.Errorf("state %s", got.State)
		}
		// Refused: recorded as denied.
		_, err = fx.s.MoveComplaint(as(fx.outOfficial), c.ID, shequ.ComplaintMove{To: shequ.ComplaintForwarded})
		wantError(t, err, shequ.ENotFound, "error.not_found")
		if n := fx.count(t, `SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND result = 'denied'`, c.ID); n != 1 {
			t.Errorf("%d denied records", n)
		}
	})
}

// TestPropertyIndicators reads the module's aggregates through the
// indicator module on both engines.
func TestPropertyIndicators(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		w := as(fx.worker)
		today := shequ.DateOf(fx.clock.Now())
		oc := &shequ.OwnersCommittee{EstateID: fx.estateA.ID, ElectedOn: today.AddDate(-1, 0, 0), Members: fx.members(t, tiaoxiu)}
		mustDo(t, fx.s.SubmitCommittee(w, oc))
		must(fx.s.FileCommittee(fx.officialCtx(), oc.ID, shequ.FilingFiled, ""))(t)
		// A complaint confirmed in time, another escalated late and decided.
		resident, _ := fx.residentAccount(t, tiaoxiu, "")
		rc := as(resident)
		c1 := must(fx.s.FileComplaint(rc, &shequ.ComplaintInput{EstateID: fx.estateA.ID, Category: shequ.ComplainCleaning,
			Description: "楼道垃圾没有清运"}))(t)
		must(fx.s.MoveComplaint(w, c1.ID, shequ.ComplaintMove{To: shequ.ComplaintForwarded}))(t)
		must(fx.s.MoveComplaint(as(fx.staffA), c1.ID, shequ.ComplaintMove{To: shequ.ComplaintAnswered, Text: "已清运"}))(t)
		must(fx.s.MoveComplaint(rc, c1.ID, shequ.ComplaintMove{To: shequ.ComplaintConfirmed}))(t)
		c2 := must(fx.s.FileComplaint(rc, &shequ.ComplaintInput{EstateID: fx.estateA.ID, Category: shequ.ComplainRepairs,
			Description: "电梯经常停运"}))(t)
		must(fx.s.MoveComplaint(w, c2.ID, shequ.ComplaintMove{To: shequ.ComplaintForwarded}))(t)
		fx.clock.Add(10 * 24 * time.Hour)
		fx.runDeadlines(t)
		must(fx.s.MoveComplaint(fx.officialCtx(), c2.ID, shequ.ComplaintMove{To: shequ.ComplaintClosed, Text: "投诉成立",
			Verdict: shequ.VerdictUpheld}))(t)
		// A meeting this quarter with a resolution that goes overdue.
		now := shequ.DateOf(fx.clock.Now())
		mustDo(t, fx.s.RecordMeeting(w, &shequ.JointMeeting{Community: tiaoxiu, Day: now, Agenda: "电梯", Minutes: "形成决议",
			Parties:     []shequ.MeetingParty{{Kind: shequ.PartyRC, Name: "居委会"}, {Kind: shequ.PartyCompany, Name: "绿城", CompanyID: fx.companyA.ID}},
			Resolutions: []*shequ.Resolution{{Text: "三日内修复电梯", Owner: shequ.PartyCompany, DueOn: now.AddDate(0, 0, 3)}}}))
		fx.clock.Add(4 * 24 * time.Hour)
		fx.runDeadlines(t)

		m := indicator.PropertyModule(fx.s)
		per := map[string][]int32{}
		if err := m.Load(context.Background(), nil, func(c string, v []int32) {
			if per[c] == nil {
				per[c] = make([]int32, m.Width())
			}
			for i := range v {
				per[c][i] += v[i]
			}
		}); err != nil {
			t.Fatal(err)
		}
		var s shequ.IndicatorStats
		m.Stats(per[tiaoxiu], &s)
		f := s.Property
		if f.Estates != 2 || f.ByMode[shequ.ModeCompany] != 2 || f.Old != 2 || f.WithCommittee != 1 || f.WithConcurrent != 1 {
			t.Errorf("苕秀 estates %+v", f)
		}
		// Company A: 70 − 3 (complaint) − 3 (resolution) = 64, B; B: 70, A.
		if f.EstatesByGrade[shequ.GradeB] != 1 || f.EstatesByGrade[shequ.GradeA] != 1 {
			t.Errorf("苕秀 grades %v", f.EstatesByGrade)
		}
		if f.Complaints != 2 || f.ComplaintsDone != 2 || f.ComplaintsOnTime != 1 {
			t.Errorf("苕秀 complaints %d %d %d", f.Complaints, f.ComplaintsDone, f.ComplaintsOnTime)
		}
		if f.MeetingsQuarter != 1 || f.CommunitiesWithMeeting != 1 || f.ResolutionsOverdue != 1 {
			t.Errorf("苕秀 meetings %+v", f)
		}
		var k shequ.IndicatorStats
		m.Stats(per[propCommunity2], &k)
		if k.Property.Estates != 1 || k.Property.OldSelfManaged != 1 || k.Property.EstatesByGrade[shequ.GradeB] != 0 {
			t.Errorf("康山 %+v", k.Property)
		}
		// Filtered to one community, the same rows.
		var only []string
		if err := m.Load(context.Background(), []string{propCommunity2}, func(c string, _ []int32) { only = append(only, c) }); err != nil {
			t.Fatal(err)
		}
		for _, c := range only {
			if c != propCommunity2 {
				t.Errorf("filtered load gave %s", c)
			}
		}
		if len(only) == 0 {
			t.Error("filtered load gave nothing")
		}
	})
}

// TestPropertyDeadlinesJob: the periodic job applies the rules as the
// console does.
func TestPropertyDeadlinesJob(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newPropFx(t, db)
		now := shequ.DateOf(fx.clock.Now())
		m := &shequ.JointMeeting{Community: tiaoxiu, Day: now, Agenda: "路灯", Minutes: "形成决议",
			Parties:     []shequ.MeetingParty{{Kind: shequ.PartyRC, Name: "居委会"}, {Kind: shequ.PartyCompany, Name: "绿城", CompanyID: fx.companyA.ID}},
			Resolutions: []*shequ.Resolution{{Text: "修复路灯", Owner: shequ.PartyCompany, DueOn: now.AddDate(0, 0, 1)}}}
		mustDo(t, fx.s.RecordMeeting(as(fx.worker), m))
		fx.clock.Add(3 * 24 * time.Hour)
		w := PropertyDeadlinesWorker(fx.s)
		if err := w.Work(context.Background(), &river.Job[PropertyDeadlinesArgs]{}); err != nil {
			t.Fatal(err)
		}
		rs, _ := mustList(fx.s.FindResolutions(as(fx.worker), shequ.ResolutionFilter{}))(t)
		if len(rs) != 1 || rs[0].Status != shequ.ResolutionOverdue {
			t.Errorf("after the job %+v", rs)
		}
		// Not from a signed-in account.
		_, err := fx.s.RunDeadlines(as(fx.official))
		wantError(t, err, shequ.EForbidden, "error.forbidden")
	})
}
