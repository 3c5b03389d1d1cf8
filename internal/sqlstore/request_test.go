package sqlstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

// testItem returns a catalogue item with a small form and checklist.
func testItem(code string, days int) *shequ.ServiceItem {
	return &shequ.ServiceItem{Code: code, Name: "高龄津贴申领", Department: "县民政局", Category: "民政",
		Audience: "80周岁以上老人", Conditions: "户籍在本县", TimeLimitDays: days, Active: true,
		Channels: []shequ.Channel{shequ.ChannelOnline, shequ.ChannelWindow, shequ.ChannelAgency, shequ.ChannelPhone},
		Materials: []shequ.Material{{Name: "身份证", Form: shequ.MaterialBoth, Copies: 1, Required: true},
			{Name: "户口簿", Form: shequ.MaterialCopy, Copies: 1, Required: true}},
		Form: []shequ.FormField{{Code: "bank", Label: "开户银行", Type: shequ.FieldString, Required: true, Order: 1},
			{Code: "age", Label: "年龄", Type: shequ.FieldNumber, Order: 2, Min: ptrFloat(0), Max: ptrFloat(150)}}}
}

func ptrFloat(v float64) *float64 { return &v }

// requestFixture is a database with divisions, a resident, the catalogue
// and a holiday table.
type requestFixture struct {
	db       *DB
	res      *ResidentService
	items    *ServiceItemService
	reqs     *RequestService
	dels     *DelegationService
	resident *shequ.Resident
	worker   *shequ.User
}

func newRequestFixture(t *testing.T, db *DB) *requestFixture {
	t.Helper()
	fx := &requestFixture{db: db, res: newResidents(t, db), items: NewServiceItemService(db)}
	fx.reqs, fx.dels = NewRequestService(db, fx.items, testSealer(t)), NewDelegationService(db)
	if err := fx.items.SaveItems(cliContext(), []*shequ.ServiceItem{testItem("MZ-001", 5), testItem("MZ-002", 10)}); err != nil {
		t.Fatal(err)
	}
	fx.resident = mustCreateResident(t, fx.res, &shequ.Resident{Name: "王秀英",
		IDNumber: shequ.IDNumber(idNumber("330523", "19400101", "002")), Community: tiaoxiu})
	fx.worker = mustCreateUser(t, db, "worker-t", shequ.RoleCommunityWorker, tiaoxiu)
	return fx
}

func windowInput(fx *requestFixture, item string) *shequ.RequestInput {
	return &shequ.RequestInput{ItemCode: item, ResidentID: fx.resident.ID, Channel: shequ.ChannelWindow,
		IdentityNote: "身份证原件核验", Values: map[string][]string{"bank": {"农业银行"}}, Materials: []string{"身份证"}}
}

func TestSubmitRequest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ctx := actorOf(fx.worker)
		r, err := fx.reqs.Submit(ctx, windowInput(fx, "MZ-001"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Community != tiaoxiu || r.State != shequ.RequestSubmitted || len(r.Token) != 40 || r.Number == "" {
			t.Fatalf("submitted %+v", r)
		}
		// 2026-11-29 is a Sunday: five working days after it end on Friday 12-04.
		if want := time.Date(2026, 12, 4, 23, 59, 59, 999999000, shequ.Shanghai); !r.DueAt.Equal(want) {
			t.Errorf("due %v, want %v", r.DueAt, want)
		}
		r2, err := fx.reqs.Submit(ctx, windowInput(fx, "MZ-001"))
		if err != nil {
			t.Fatal(err)
		}
		if r2.Number == r.Number || r.Number[:6] != "330523" {
			t.Errorf("numbers %s %s", r.Number, r2.Number)
		}
		got, err := fx.reqs.Get(ctx, r.ID)
		if err != nil || got.Number != r.Number || got.Values["bank"][0] != "农业银行" || got.ItemName == "" {
			t.Fatalf("get %+v %v", got, err)
		}
		byToken, err := fx.reqs.GetByToken(context.Background(), r.Token)
		if err != nil || byToken.ID != r.ID {
			t.Fatalf("by token %v %v", byToken, err)
		}
		if _, err := fx.reqs.GetByToken(context.Background(), "00000000000000000000000000000000"); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("wrong token: %v", err)
		}
		ev, err := fx.reqs.Timeline(ctx, r.ID)
		if err != nil || len(ev) != 1 || ev[0].To != shequ.RequestSubmitted || ev[0].Note != "身份证原件核验" {
			t.Fatalf("timeline %+v %v", ev, err)
		}
		if n := auditCount(t, db, auditRequestSubmit, shequ.AuditAllowed, r.ID); n != 1 {
			t.Errorf("audit records %d", n)
		}
	})
}

func TestSubmitRequestInvalid(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ctx := actorOf(fx.worker)
		in := windowInput(fx, "MZ-001")
		in.IdentityNote = ""
		in.Values = map[string][]string{"age": {"abc"}, "nope": {"1"}}
		in.Materials = []string{"结婚证"}
		_, err := fx.reqs.Submit(ctx, in)
		e := shequ.AsError(err)
		fields := map[string]bool{}
		for _, f := range e.Fields {
			fields[f.Field] = true
		}
		if e.Code != shequ.EInvalid || !fields["identity_note"] {
			t.Fatalf("err %v fields %v", err, fields)
		}
		in.IdentityNote = "身份证原件核验"
		_, err = fx.reqs.Submit(ctx, in)
		fields = map[string]bool{}
		for _, f := range shequ.AsError(err).Fields {
			fields[f.Field] = true
		}
		for _, f := range []string{"attribute[bank]", "attribute[age]", "attribute[nope]", "materials"} {
			if !fields[f] {
				t.Errorf("no error on %s: %v", f, fields)
			}
		}
		// Nothing was written.
		var n int
		if err := db.db.QueryRow(`SELECT COUNT(*) FROM service_requests`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d requests written (%v)", n, err)
		}
	})
}

// TestSubmitRefusesWrongInput: what was accepted but wrong (issue 14): a
// worker filing an online application for a resident, and a number out of
// its field's range (家庭人口数 -1). Nothing is written.
func TestSubmitRefusesWrongInput(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ctx := actorOf(fx.worker)
		for _, c := range []struct {
			name, field string
			edit        func(in *shequ.RequestInput)
		}{
			{"online by a worker", "channel", func(in *shequ.RequestInput) { in.Channel = shequ.ChannelOnline }},
			{"age -1", "attribute[age]", func(in *shequ.RequestInput) { in.Values["age"] = []string{"-1"} }},
			{"age 151", "attribute[age]", func(in *shequ.RequestInput) { in.Values["age"] = []string{"151"} }},
		} {
			in := windowInput(fx, "MZ-001")
			c.edit(in)
			_, err := fx.reqs.Submit(ctx, in)
			fields := map[string]bool{}
			for _, f := range shequ.AsError(err).Fields {
				fields[f.Field] = true
			}
			if shequ.ErrorCode(err) != shequ.EInvalid || !fields[c.field] {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		var n int
		if err := db.db.QueryRow(`SELECT COUNT(*) FROM service_requests`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d requests written (%v)", n, err)
		}
		// The same at the window is fine.
		if _, err := fx.reqs.Submit(ctx, windowInput(fx, "MZ-001")); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRequestWorkflow walks the front-desk story: accepted, materials
// missing (the clock stops), received, transferred, completed, rated by the
// resident, closed.
func TestRequestWorkflow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ctx := actorOf(fx.worker)
		r, err := fx.reqs.Submit(ctx, windowInput(fx, "MZ-001"))
		if err != nil {
			t.Fatal(err)
		}
		due := r.DueAt
		step := func(to shequ.RequestState, in shequ.TransitionInput) *shequ.ServiceRequest {
			t.Helper()
			got, err := fx.reqs.Transition(ctx, r.ID, to, in)
			if err != nil {
				t.Fatalf("to %s: %v", to, err)
			}
			return got
		}
		step(shequ.RequestAccepted, shequ.TransitionInput{})
		if _, err := fx.reqs.Transition(ctx, r.ID, shequ.RequestAwaitingMaterials, shequ.TransitionInput{}); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Errorf("awaiting without missing: %v", err)
		}
		got := step(shequ.RequestAwaitingMaterials, shequ.TransitionInput{Missing: []string{"户口簿复印件"}})
		if got.PausedAt == nil || len(got.Missing) != 1 {
			t.Fatalf("paused %+v", got)
		}
		// Three working days pass (Mon–Wed) before the resident brings it.
		start := testNow
		db.Now = func() time.Time { return start.Add(3 * 24 * time.Hour) }
		got = step(shequ.RequestInProcess, shequ.TransitionInput{Note: "材料已补齐"})
		if want := time.Date(2026, 12, 9, 23, 59, 59, 999999000, shequ.Shanghai); !got.DueAt.Equal(want) || got.PausedAt != nil {
			t.Errorf("due after pause %v (was %v), want %v", got.DueAt, due, want)
		}
		step(shequ.RequestTransferred, shequ.TransitionInput{Department: "县民政局社会救助科"})
		step(shequ.RequestInProcess, shequ.TransitionInput{})
		// Completed a day later, on Thursday 12-03: four working days
		// after the Sunday it was filed (Mon–Thu), the handling time the
		// indicators' median reads — counted at completion, not before.
		db.Now = func() time.Time { return start.Add(4 * 24 * time.Hour) }
		got = step(shequ.RequestCompleted, shequ.TransitionInput{Result: "已核发高龄津贴"})
		if got.CompletedAt == nil || got.Overdue(db.Now()) {
			t.Errorf("completed %+v", got)
		}
		var stored int
		if err := db.db.QueryRow(db.rebind(`SELECT handling_days FROM service_requests WHERE id = ?`), r.ID).Scan(&stored); err != nil || got.HandlingDays != 4 || stored != 4 {
			t.Errorf("handling days %d, stored %d (%v), want 4", got.HandlingDays, stored, err)
		}
		// A worker cannot rate; the resident can, once linked to an account.
		if _, err := fx.reqs.Transition(ctx, r.ID, shequ.RequestRated, shequ.TransitionInput{Rating: 5}); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("worker rates: %v", err)
		}
		resident := mustLinkResident(t, fx, &shequ.User{Username: "wangxy"})
		rctx := actorOf(resident)
		if _, err := fx.reqs.Get(rctx, r.ID); err != nil {
			t.Fatalf("resident reads own request: %v", err)
		}
		if _, err := fx.reqs.Transition(rctx, r.ID, shequ.RequestRated, shequ.TransitionInput{Rating: 6}); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Errorf("rating 6: %v", err)
		}
		got, err = fx.reqs.Transition(rctx, r.ID, shequ.RequestRated, shequ.TransitionInput{Rating: 5, Note: "很满意"})
		if err != nil || got.Rating != 5 {
			t.Fatalf("rate: %+v %v", got, err)
		}
		step(shequ.RequestClosed, shequ.TransitionInput{})
		if _, err := fx.reqs.Transition(ctx, r.ID, shequ.RequestInProcess, shequ.TransitionInput{}); shequ.ErrorCode(err) != shequ.EConflict {
			t.Errorf("closed → in_process: %v", err)
		}
		ev, err := fx.reqs.Timeline(ctx, r.ID)
		if err != nil || len(ev) != 9 {
			t.Fatalf("timeline has %d events (%v)", len(ev), err)
		}
		if n := auditCount(t, db, auditRequestTransition, shequ.AuditAllowed, r.ID); n != 8 {
			t.Errorf("%d transition audit records, want 8", n)
		}
	})
}

// mustLinkResident links a new resident account to the fixture's resident.
func mustLinkResident(t *testing.T, fx *requestFixture, u *shequ.User) *shequ.User {
	t.Helper()
	u = mustCreateUser(t, fx.db, u.Username, shequ.RoleResident, tiaoxiu)
	if _, err := fx.db.db.Exec(fx.db.rebind(`UPDATE residents SET user_id = ? WHERE id = ?`), u.ID, fx.resident.ID); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestQueueConstantQueries checks that a queue page costs the same number
// of queries for 1 row and for 50, and that keyset paging walks the queue
// in due order without repeats.
func TestQueueConstantQueries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ctx := actorOf(fx.worker)
		for i := range 60 {
			item := "MZ-001"
			if i%2 == 1 {
				item = "MZ-002"
			}
			r, err := fx.reqs.Submit(ctx, windowInput(fx, item))
			if err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				if _, err := fx.reqs.Transition(ctx, r.ID, shequ.RequestAccepted, shequ.TransitionInput{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		counted := func(limit int) int {
			var n atomic.Int64
			fx.reqs.countQueries = &n
			defer func() { fx.reqs.countQueries = nil }()
			rows, counts, err := fx.reqs.Queue(ctx, shequ.RequestFilter{Limit: limit})
			if err != nil || len(rows) != limit || counts[shequ.RequestSubmitted] != 40 || counts[shequ.RequestAccepted] != 20 {
				t.Fatalf("queue(%d): %d rows, counts %v, %v", limit, len(rows), counts, err)
			}
			return int(n.Load())
		}
		if one, fifty := counted(1), counted(50); one != fifty || one > 2 {
			t.Errorf("queries per page: %d for 1 row, %d for 50", one, fifty)
		}
		seen := map[string]bool{}
		var f shequ.RequestFilter
		f.Limit = 7
		var last time.Time
		for {
			rows, _, err := fx.reqs.Queue(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if seen[r.ID] || r.DueAt.Before(last) {
					t.Fatalf("page repeats or goes back: %s %v", r.ID, r.DueAt)
				}
				seen[r.ID], last = true, r.DueAt
			}
			if len(rows) < f.Limit {
				break
			}
			lastRow := rows[len(rows)-1]
			f.AfterDue, f.AfterID = &lastRow.DueAt, lastRow.ID
		}
		if len(seen) != 60 {
			t.Errorf("walked %d requests, want 60", len(seen))
		}
		// Another community's worker sees none of them.
		other := mustCreateUser(t, db, "worker-o", shequ.RoleCommunityWorker, kangshan)
		rows, counts, err := fx.reqs.Queue(actorOf(other), shequ.RequestFilter{})
		if err != nil || len(rows) != 0 || len(counts) != 0 {
			t.Errorf("other community sees %d rows, counts %v (%v)", len(rows), counts, err)
		}
		lot := []string{rowsID(t, fx, ctx, 0), rowsID(t, fx, ctx, 1)}
		audited := map[string]int{}
		for _, id := range lot {
			audited[id] = auditCount(t, db, auditRequestTransition, shequ.AuditAllowed, id)
		}
		n, err := fx.reqs.BulkTransfer(ctx, lot, "县人社局", "批量转办")
		if err != nil || n != 2 {
			t.Fatalf("bulk transfer: %d %v", n, err)
		}
		_, counts, _ = fx.reqs.Queue(ctx, shequ.RequestFilter{})
		if counts[shequ.RequestTransferred] != 2 {
			t.Errorf("counts after transfer %v", counts)
		}
		// Every request of the lot has one audit record more.
		for _, id := range lot {
			if n := auditCount(t, db, auditRequestTransition, shequ.AuditAllowed, id); n != audited[id]+1 {
				t.Errorf("request %s: %d transition audit records after the transfer, want %d", id, n, audited[id]+1)
			}
		}
		// At most maxRequestLimit ids: that many pass the count (and are
		// then not found), one more is refused as too many.
		many := make([]string, maxRequestLimit+1)
		for i := range many {
			many[i] = fmt.Sprintf("not-an-id-%d", i)
		}
		if _, err := fx.reqs.BulkTransfer(ctx, many[:maxRequestLimit], "县人社局", ""); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("%d ids: %v, want not found", maxRequestLimit, err)
		}
		if _, err := fx.reqs.BulkTransfer(ctx, many, "县人社局", ""); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Errorf("%d ids: %v, want invalid", len(many), err)
		}
	})
}

// briefOf is what a brief row (QueuePage) keeps of a request.
func briefOf(f *shequ.ServiceRequest) *shequ.ServiceRequest {
	return &shequ.ServiceRequest{ID: f.ID, Number: f.Number, ItemCode: f.ItemCode, ItemName: f.ItemName,
		Community: f.Community, Channel: f.Channel, State: f.State, DueAt: f.DueAt, PausedAt: f.PausedAt,
		CompletedAt: f.CompletedAt, CreatedAt: f.CreatedAt}
}

// TestQueuePageBriefRows: the queue page's brief rows are the full rows'
// list columns, in the same order, and nothing else, paused and completed
// requests included.
func TestQueuePageBriefRows(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ctx := actorOf(fx.worker)
		for i := range 6 {
			r, err := fx.reqs.Submit(ctx, windowInput(fx, []string{"MZ-001", "MZ-002"}[i%2]))
			if err != nil {
				t.Fatal(err)
			}
			steps := [][]shequ.RequestState{nil, {shequ.RequestAccepted},
				{shequ.RequestAccepted, shequ.RequestAwaitingMaterials},
				{shequ.RequestAccepted, shequ.RequestInProcess, shequ.RequestCompleted}}[i%4]
			for _, to := range steps {
				in := shequ.TransitionInput{Missing: []string{"户口簿复印件"}, Result: "已办结"}
				if _, err := fx.reqs.Transition(ctx, r.ID, to, in); err != nil {
					t.Fatalf("to %s: %v", to, err)
				}
			}
		}
		states := []shequ.RequestState{shequ.RequestSubmitted, shequ.RequestAccepted, shequ.RequestAwaitingMaterials,
			shequ.RequestCompleted}
		full, fullCounts, err := fx.reqs.Queue(ctx, shequ.RequestFilter{States: states})
		if err != nil || len(full) != 6 {
			t.Fatalf("full queue: %d rows, %v", len(full), err)
		}
		page, err := fx.reqs.QueuePage(ctx, shequ.RequestFilter{States: states})
		if err != nil || len(page.Rows) != len(full) {
			t.Fatalf("queue page: %+v, %v", page, err)
		}
		if diff := cmp.Diff(fullCounts, page.Counts); diff != "" {
			t.Errorf("counts differ (-Queue +QueuePage):\n%s", diff)
		}
		paused, completed := 0, 0
		for i, b := range page.Rows {
			f := full[i]
			if diff := cmp.Diff(briefOf(f), b); diff != "" {
				t.Errorf("row %d (-want +brief):\n%s", i, diff)
			}
			if f.Values == nil || f.Token == "" || f.ItemName == "" {
				t.Errorf("full row %d lacks what the brief one leaves out: %+v", i, f)
			}
			if b.PausedAt != nil {
				paused++
			}
			if b.CompletedAt != nil {
				completed++
			}
		}
		if paused != 1 || completed != 1 {
			t.Errorf("%d paused and %d completed rows, want 1 and 1", paused, completed)
		}
	})
}

// TestQueuePage: the queue page's one query gives the brief rows of Queue
// in the same order, its counts per state and CountByItem's counts, for
// any page size; another community's worker gets nothing.
func TestQueuePage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ctx := actorOf(fx.worker)
		for i := range 9 {
			in := windowInput(fx, []string{"MZ-001", "MZ-002", "MZ-001"}[i%3])
			if i%4 == 3 {
				in.Channel = shequ.ChannelPhone
			}
			r, err := fx.reqs.Submit(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if i%3 == 1 {
				if _, err := fx.reqs.Transition(ctx, r.ID, shequ.RequestAccepted, shequ.TransitionInput{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		byItem, err := fx.reqs.CountByItem(ctx, "")
		if err != nil || len(byItem) != 2 {
			t.Fatalf("by item: %d items, %v", len(byItem), err)
		}
		for _, limit := range []int{1, 4, 50} {
			var n atomic.Int64
			fx.reqs.countQueries = &n
			page, err := fx.reqs.QueuePage(ctx, shequ.RequestFilter{Limit: limit})
			fx.reqs.countQueries = nil
			if err != nil {
				t.Fatal(err)
			}
			if n.Load() != 1 {
				t.Errorf("limit %d: %d queries, want 1", limit, n.Load())
			}
			rows, counts, err := fx.reqs.Queue(ctx, shequ.RequestFilter{Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			var brief []*shequ.ServiceRequest
			for _, r := range rows {
				brief = append(brief, briefOf(r))
			}
			if diff := cmp.Diff(brief, page.Rows); diff != "" {
				t.Errorf("limit %d: rows (-Queue +QueuePage):\n%s", limit, diff)
			}
			if len(page.Rows) != min(limit, 9) {
				t.Errorf("limit %d: %d rows", limit, len(page.Rows))
			}
			if diff := cmp.Diff(counts, page.Counts); diff != "" || counts[shequ.RequestSubmitted] != 6 || counts[shequ.RequestAccepted] != 3 {
				t.Errorf("limit %d: counts %v (-Queue +QueuePage):\n%s", limit, counts, diff)
			}
			if diff := cmp.Diff(byItem, page.ByItem); diff != "" {
				t.Errorf("limit %d: by item (-CountByItem +QueuePage):\n%s", limit, diff)
			}
		}
		// The next page starts after the cursor.
		first, err := fx.reqs.QueuePage(ctx, shequ.RequestFilter{Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		last := first.Rows[4]
		next, err := fx.reqs.QueuePage(ctx, shequ.RequestFilter{Limit: 5, AfterDue: &last.DueAt, AfterID: last.ID})
		if err != nil || len(next.Rows) != 4 || next.Rows[0].ID == last.ID {
			t.Fatalf("next page: %d rows, %v", len(next.Rows), err)
		}
		other := mustCreateUser(t, db, "worker-q", shequ.RoleCommunityWorker, kangshan)
		page, err := fx.reqs.QueuePage(actorOf(other), shequ.RequestFilter{})
		if err != nil || len(page.Rows) != 0 || len(page.Counts) != 0 || len(page.ByItem) != 0 {
			t.Errorf("other community: %+v, %v", page, err)
		}
	})
}

// rowsID returns the id of the i-th request of the accepted queue.
func rowsID(t *testing.T, fx *requestFixture, ctx context.Context, i int) string {
	t.Helper()
	rows, _, err := fx.reqs.Queue(ctx, shequ.RequestFilter{States: []shequ.RequestState{shequ.RequestAccepted}, Limit: 2})
	if err != nil || len(rows) <= i {
		t.Fatalf("queue: %v", err)
	}
	return rows[i].ID
}

// TestDelegation: a delegation stops the agent once revoked.
func TestDelegation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		wctx := actorOf(fx.worker)
		resident := mustLinkResident(t, fx, &shequ.User{Username: "wangxy"})
		rctx := actorOf(resident)
		d := &shequ.Delegation{ResidentID: fx.resident.ID, AgentID: fx.worker.ID, Items: []string{"MZ-001"},
			ValidFrom: testNow, ValidUntil: testNow.AddDate(0, 3, 0)}
		if err := fx.dels.CreateDelegation(rctx, d); err != nil {
			t.Fatal(err)
		}
		agency := &shequ.RequestInput{ItemCode: "MZ-001", Channel: shequ.ChannelAgency, DelegationID: d.ID,
			Values: map[string][]string{"bank": {"农商银行"}}}
		if _, err := fx.reqs.Submit(wctx, agency); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Fatalf("agent before consent: %v", err)
		}
		if _, err := fx.dels.Consent(wctx, d.ID, shequ.ConsentPortal, ""); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("worker consents in the portal: %v", err)
		}
		if _, err := fx.dels.Consent(rctx, d.ID, shequ.ConsentPortal, ""); err != nil {
			t.Fatal(err)
		}
		r, err := fx.reqs.Submit(wctx, agency)
		if err != nil || r.ResidentID != fx.resident.ID || r.DelegationID != d.ID {
			t.Fatalf("agent submits: %+v %v", r, err)
		}
		// Not an item of the delegation.
		other := *agency
		other.ItemCode = "MZ-002"
		if _, err := fx.reqs.Submit(wctx, &other); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("item outside the delegation: %v", err)
		}
		if err := fx.dels.AddCustody(wctx, &shequ.CustodyEntry{DelegationID: d.ID, RequestID: r.ID, Material: "身份证复印件",
			Action: shequ.CustodyForwarded}); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Errorf("forwarded without party: %v", err)
		}
		for _, c := range []shequ.CustodyEntry{{Material: "户口簿", Action: shequ.CustodyReceived},
			{Material: "户口簿", Action: shequ.CustodyForwarded, Party: "县民政局"}} {
			c.DelegationID, c.RequestID = d.ID, r.ID
			if err := fx.dels.AddCustody(wctx, &c); err != nil {
				t.Fatal(err)
			}
		}
		// The resident sees what was done in their name.
		mine, _, err := fx.reqs.Find(rctx, shequ.RequestFilter{})
		if err != nil || len(mine) != 1 || mine[0].Channel != shequ.ChannelAgency {
			t.Fatalf("resident's requests %v %v", mine, err)
		}
		log, err := fx.dels.Custody(rctx, d.ID)
		if err != nil || len(log) != 2 || log[1].Party != "县民政局" {
			t.Fatalf("custody %+v %v", log, err)
		}
		if _, err := fx.dels.EndDelegation(rctx, d.ID, shequ.DelegationRevoked); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.reqs.Submit(wctx, agency); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("agent after revocation: %v", err)
		}
		if err := fx.dels.AddCustody(wctx, &shequ.CustodyEntry{DelegationID: d.ID, Material: "户口簿",
			Action: shequ.CustodyReceived}); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("custody after revocation: %v", err)
		}
		if err := fx.dels.AddCustody(wctx, &shequ.CustodyEntry{DelegationID: d.ID, Material: "户口簿",
			Action: shequ.CustodyReturned, Party: "王秀英"}); err != nil {
			t.Errorf("return after revocation: %v", err)
		}
		// Expiry stops the agent at once too.
		d2 := &shequ.Delegation{ResidentID: fx.resident.ID, AgentID: fx.worker.ID, Items: []string{"MZ-001"},
			ValidFrom: testNow, ValidUntil: testNow.Add(time.Hour)}
		if err := fx.dels.CreateDelegation(wctx, d2); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.dels.Consent(rctx, d2.ID, shequ.ConsentPortal, ""); err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return testNow.Add(2 * time.Hour) }
		agency.DelegationID = d2.ID
		if _, err := fx.reqs.Submit(wctx, agency); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("agent after expiry: %v", err)
		}
		got, err := fx.dels.GetDelegation(rctx, d2.ID)
		if err != nil || got.Effective(db.Now()) != shequ.DelegationExpired {
			t.Errorf("expired delegation reads %v %v", got, err)
		}
	})
}

func TestHolidaysAndAttachments(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ctx := cliContext()
		days := []shequ.CalendarDay{
			{Date: time.Date(2026, 12, 1, 0, 0, 0, 0, shequ.Shanghai), Kind: shequ.DayHoliday, Name: "测试假日"},
		}
		if n, err := fx.items.ImportHolidays(ctx, days); err != nil || n != 1 {
			t.Fatalf("import: %d %v", n, err)
		}
		wctx := actorOf(fx.worker)
		r, err := fx.reqs.Submit(wctx, windowInput(fx, "MZ-001"))
		if err != nil {
			t.Fatal(err)
		}
		// The holiday on Tuesday pushes five working days to Monday 12-07.
		if want := time.Date(2026, 12, 7, 23, 59, 59, 999999000, shequ.Shanghai); !r.DueAt.Equal(want) {
			t.Errorf("due %v, want %v", r.DueAt, want)
		}
		pdf := []byte("%PDF-1.4 test")
		at, err := fx.reqs.AddAttachment(wctx, "request", r.ID, "户口簿.pdf", "application/pdf", pdf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fx.reqs.AddAttachment(wctx, "request", r.ID, "x.exe", "application/octet-stream", pdf); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Errorf("exe accepted: %v", err)
		}
		big := make([]byte, shequ.MaxAttachmentSize+1)
		if _, err := fx.reqs.AddAttachment(wctx, "request", r.ID, "big.pdf", "application/pdf", big); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Errorf("big file accepted: %v", err)
		}
		got, data, err := fx.reqs.OpenAttachment(wctx, at.ID)
		if err != nil || string(data) != string(pdf) || got.Name != "户口簿.pdf" {
			t.Fatalf("open: %v %v", got, err)
		}
		other := mustCreateUser(t, db, "worker-o", shequ.RoleCommunityWorker, kangshan)
		if _, _, err := fx.reqs.OpenAttachment(actorOf(other), at.ID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("out of scope: %v", err)
		}
		list, err := fx.reqs.Attachments(wctx, "request", r.ID)
		if err != nil || len(list) != 1 {
			t.Errorf("list %v %v", list, err)
		}
	})
}

// TestServiceCounts checks that the indicator counts kept with every
// change agree with a GROUP BY over the requests themselves.
func TestServiceCounts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ctx := actorOf(fx.worker)
		var ids []string
		for range 4 {
			r, err := fx.reqs.Submit(ctx, windowInput(fx, "MZ-001"))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		for _, path := range [][]shequ.RequestState{
			{shequ.RequestAccepted, shequ.RequestInProcess, shequ.RequestCompleted},
			{shequ.RequestAccepted, shequ.RequestInProcess, shequ.RequestCompleted, shequ.RequestClosed},
			{shequ.RequestRefused, shequ.RequestClosed},
		} {
			id := ids[0]
			ids = ids[1:]
			for _, to := range path {
				if _, err := fx.reqs.Transition(ctx, id, to, shequ.TransitionInput{Result: "办结", Reason: "不符合条件"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		got := map[string]int{}
		err := fx.reqs.ServiceCounts(t.Context(), nil, func(r shequ.ServiceCountRow) {
			got[fmt.Sprintf("%s %s done=%v ontime=%v", r.Community, r.Channel, r.Done, r.OnTime)] += r.N
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{
			tiaoxiu + " window done=true ontime=true":   2,
			tiaoxiu + " window done=false ontime=false": 2,
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("counts %v, want %v", got, want)
		}
		var byTable int
		if err := db.db.QueryRow(`SELECT COUNT(*) FROM service_requests WHERE handling_days IS NOT NULL`).Scan(&byTable); err != nil || byTable != 2 {
			t.Errorf("%d requests with handling days (%v)", byTable, err)
		}
		// By item and channel, within the scope.
		byItem, err := fx.reqs.CountByItem(ctx, "")
		if err != nil || len(byItem) != 1 || byItem[0].ItemCode != "MZ-001" || byItem[0].Total != 4 ||
			byItem[0].ByChannel[shequ.ChannelWindow] != 4 || byItem[0].ItemName == "" {
			t.Errorf("by item: %+v %v", byItem, err)
		}
		other := mustCreateUser(t, db, "worker-o", shequ.RoleCommunityWorker, kangshan)
		if byItem, err := fx.reqs.CountByItem(actorOf(other), ""); err != nil || len(byItem) != 0 {
			t.Errorf("another community by item: %+v %v", byItem, err)
		}
		// Only the asked communities.
		n := 0
		if err := fx.reqs.ServiceCounts(t.Context(), []string{kangshan}, func(shequ.ServiceCountRow) { n++ }); err != nil || n != 0 {
			t.Errorf("other community: %d rows (%v)", n, err)
		}
	})
}

// TestDelegationSignedForm: a worker activates a delegation by uploading
// the signed form; without the form, or with a file of another object, it
// stays requested.
func TestDelegationSignedForm(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		wctx := actorOf(fx.worker)
		d := &shequ.Delegation{ResidentID: fx.resident.ID, AgentID: fx.worker.ID, Items: []string{"MZ-001"},
			ValidFrom: testNow, ValidUntil: testNow.AddDate(0, 1, 0)}
		if err := fx.dels.CreateDelegation(wctx, d); err != nil {
			t.Fatal(err)
		}
		r, err := fx.reqs.Submit(wctx, windowInput(fx, "MZ-001"))
		if err != nil {
			t.Fatal(err)
		}
		other, err := fx.reqs.AddAttachment(wctx, "request", r.ID, "a.pdf", "application/pdf", []byte("%PDF-1.4"))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"", other.ID} {
			if _, err := fx.dels.Consent(wctx, d.ID, shequ.ConsentSignedForm, id); shequ.ErrorCode(err) != shequ.EInvalid {
				t.Errorf("consent with file %q: %v", id, err)
			}
		}
		form, err := fx.reqs.AddAttachment(wctx, "delegation", d.ID, "授权委托书.jpg", "image/jpeg", []byte{0xff, 0xd8, 0xff, 0xe0})
		if err != nil {
			t.Fatal(err)
		}
		got, err := fx.dels.Consent(wctx, d.ID, shequ.ConsentSignedForm, form.ID)
		if err != nil || got.State != shequ.DelegationActive || got.ConsentMethod != shequ.ConsentSignedForm || got.ConsentFileID != form.ID {
			t.Fatalf("consent: %+v %v", got, err)
		}
		if _, err := fx.dels.Consent(wctx, d.ID, shequ.ConsentSignedForm, form.ID); shequ.ErrorCode(err) != shequ.EConflict {
			t.Errorf("second consent: %v", err)
		}
		if n := auditCount(t, db, auditDelegationConsent, shequ.AuditAllowed, d.ID); n != 1 {
			t.Errorf("%d consent audit records", n)
		}
	})
}
