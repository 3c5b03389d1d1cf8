package sqlstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"shequ"
)

// notesOf returns the kinds and details of u's notifications, oldest
// first, as "kind:detail".
func notesOf(t *testing.T, db *DB, u *shequ.User) []string {
	t.Helper()
	list, _, err := NewNotificationService(db, nil).FindNotifications(actorOf(u), false, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i].Kind+":"+list[i].Detail)
	}
	return out
}

// TestRequestNotifications follows a request through its states: the
// resident is told of each change they wait for (with what is missing, the
// department, the result), the worker who asked for materials is told when
// they are handed in, and nobody is told of their own move.
func TestRequestNotifications(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		resident := mustLinkResident(t, fx, &shequ.User{Username: "wangxy"})
		wctx, rctx := actorOf(fx.worker), actorOf(resident)
		r, err := fx.reqs.Submit(rctx, &shequ.RequestInput{ItemCode: "MZ-001", Channel: shequ.ChannelOnline,
			Values: map[string][]string{"bank": {"农业银行"}}})
		if err != nil {
			t.Fatal(err)
		}
		step := func(ctx context.Context, to shequ.RequestState, in shequ.TransitionInput) {
			t.Helper()
			if _, err := fx.reqs.Transition(ctx, r.ID, to, in); err != nil {
				t.Fatalf("to %s: %v", to, err)
			}
		}
		step(wctx, shequ.RequestAccepted, shequ.TransitionInput{})
		step(wctx, shequ.RequestAwaitingMaterials, shequ.TransitionInput{Missing: []string{"户口簿复印件", "银行卡复印件"}})
		// The resident may not resume it by a worker's move, nor hand in
		// nothing.
		if _, err := fx.reqs.Transition(rctx, r.ID, shequ.RequestInProcess, shequ.TransitionInput{}); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Fatalf("resident resumes by a transition: %v", err)
		}
		wantError(t, second(fx.reqs.Supplement(rctx, r.ID, "")), shequ.EInvalid, "error.invalid_fields")
		if _, err := fx.reqs.AddAttachment(rctx, "request", r.ID, "户口簿.pdf", "application/pdf", []byte("%PDF-1.4 test")); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.reqs.Supplement(rctx, r.ID, "已补齐"); err != nil {
			t.Fatal(err)
		}
		step(wctx, shequ.RequestTransferred, shequ.TransitionInput{Department: "县民政局社会救助科"})
		step(wctx, shequ.RequestInProcess, shequ.TransitionInput{})
		step(wctx, shequ.RequestCompleted, shequ.TransitionInput{Result: "已核发高龄津贴"})

		want := []string{"request_accepted:", "request_awaiting_materials:户口簿复印件；银行卡复印件",
			"request_transferred:县民政局社会救助科", "request_completed:已核发高龄津贴"}
		if got := notesOf(t, db, resident); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("resident's notifications = %q, want %q", got, want)
		}
		if got := notesOf(t, db, fx.worker); strings.Join(got, "|") != "request_supplemented:" {
			t.Errorf("worker's notifications = %q, want the hand-in only", got)
		}
		list, unread, err := NewNotificationService(db, nil).FindNotifications(rctx, true, 0, 10)
		if err != nil || unread != 4 || len(list) != 4 || list[0].ObjectType != objRequest || list[0].ObjectID != r.ID ||
			!strings.Contains(list[0].Subject, r.Number) {
			t.Fatalf("unread = %d, %+v, %v", unread, *list[0], err)
		}
		// A refused request tells the reason.
		r2, err := fx.reqs.Submit(rctx, &shequ.RequestInput{ItemCode: "MZ-002", Channel: shequ.ChannelOnline,
			Values: map[string][]string{"bank": {"农业银行"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fx.reqs.Transition(wctx, r2.ID, shequ.RequestRefused, shequ.TransitionInput{Reason: "不符合年龄条件"}); err != nil {
			t.Fatal(err)
		}
		if got := notesOf(t, db, resident); got[len(got)-1] != "request_refused:不符合年龄条件" {
			t.Errorf("after refusal: %q", got)
		}
	})
}

func second[T any](_ T, err error) error { return err }

// TestSupplement: 提交补正 resumes the SLA clock where it paused (working
// days on the holiday table), records the hand-in on the timeline and in
// the audit trail, and is refused for another resident's request and for a
// request not awaiting materials.
func TestSupplement(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		resident := mustLinkResident(t, fx, &shequ.User{Username: "wangxy"})
		other := mustCreateUser(t, db, "lisi", shequ.RoleResident, tiaoxiu)
		wctx, rctx := actorOf(fx.worker), actorOf(resident)
		c := useClock(db)
		r, err := fx.reqs.Submit(wctx, windowInput(fx, "MZ-001"))
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, second(fx.reqs.Supplement(rctx, r.ID, "")), shequ.EConflict, "request.supplement.state")
		if _, err := fx.reqs.Transition(wctx, r.ID, shequ.RequestAccepted, shequ.TransitionInput{}); err != nil {
			t.Fatal(err)
		}
		// Paused on Monday 11-30 (a working day); handed in on Thursday
		// 12-03: three working days waited, so the due date (Friday 12-04)
		// moves three working days on, to Wednesday 12-09.
		c.advance(24 * time.Hour)
		paused, err := fx.reqs.Transition(wctx, r.ID, shequ.RequestAwaitingMaterials, shequ.TransitionInput{Missing: []string{"户口簿复印件"}})
		if err != nil {
			t.Fatal(err)
		}
		c.advance(3 * 24 * time.Hour)
		if _, err := fx.reqs.Supplement(actorOf(other), r.ID, ""); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("another resident hands in: %v", err)
		}
		if _, err := fx.reqs.AddAttachment(rctx, "request", r.ID, "户口簿复印件.png", "image/png", []byte("\x89PNG\r\n\x1a\n")); err != nil {
			t.Fatal(err)
		}
		got, err := fx.reqs.Supplement(rctx, r.ID, "原件已带")
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2026, 12, 9, 23, 59, 59, 999999000, shequ.Shanghai)
		if got.State != shequ.RequestInProcess || got.PausedAt != nil || !got.DueAt.Equal(want) || !paused.DueAt.Before(want) {
			t.Fatalf("after 补正: state %s, paused %v, due %v (want %v)", got.State, got.PausedAt, got.DueAt, want)
		}
		stored, err := fx.reqs.Get(wctx, r.ID)
		if err != nil || !stored.DueAt.Equal(want) || stored.State != shequ.RequestInProcess {
			t.Fatalf("stored %+v, %v", stored, err)
		}
		ev, err := fx.reqs.Timeline(wctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range ev {
			kinds = append(kinds, e.Kind+":"+string(e.To))
		}
		if n := len(ev); n < 2 || ev[n-2].Kind != "supplement" || ev[n-2].Note != "户口簿复印件.png — 原件已带" ||
			ev[n-1].To != shequ.RequestInProcess || ev[n-1].ActorID != resident.ID {
			t.Errorf("timeline %v", kinds)
		}
		if n := auditCount(t, db, auditRequestSupplement, shequ.AuditAllowed, r.ID); n != 1 {
			t.Errorf("%d supplement audit records", n)
		}
		// The window hands in for the resident without a file (originals
		// seen at the desk).
		if _, err := fx.reqs.Transition(wctx, r.ID, shequ.RequestAwaitingMaterials, shequ.TransitionInput{Missing: []string{"银行卡"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.reqs.Supplement(wctx, r.ID, "窗口收到银行卡复印件"); err != nil {
			t.Errorf("window hands in: %v", err)
		}
	})
}

// TestNotifyOverdue: an overdue request is noticed once per due date, to
// its handler and the supervising officials, with a timeline event; a
// paused one is not.
func TestNotifyOverdue(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		c := useClock(db)
		wctx := actorOf(fx.worker)
		street := mustCreateUser(t, db, "street-official", shequ.RoleOfficial, tiaoxiu[:9])
		county := mustCreateUser(t, db, "county-official", shequ.RoleOfficial, tiaoxiu[:6])
		r, err := fx.reqs.Submit(wctx, windowInput(fx, "MZ-001"))
		if err != nil {
			t.Fatal(err)
		}
		paused, err := fx.reqs.Submit(wctx, windowInput(fx, "MZ-001"))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{r.ID, paused.ID} {
			if _, err := fx.reqs.Transition(wctx, id, shequ.RequestAccepted, shequ.TransitionInput{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := fx.reqs.Transition(wctx, paused.ID, shequ.RequestAwaitingMaterials, shequ.TransitionInput{Missing: []string{"x"}}); err != nil {
			t.Fatal(err)
		}
		bg := context.Background()
		if n, err := fx.reqs.NotifyOverdue(bg); err != nil || n != 0 {
			t.Fatalf("before the due date: %d, %v", n, err)
		}
		if _, err := fx.reqs.NotifyOverdue(wctx); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("a signed-in account runs the job: %v", err)
		}
		c.advance(10 * 24 * time.Hour)
		if n, err := fx.reqs.NotifyOverdue(bg); err != nil || n != 1 {
			t.Fatalf("overdue: %d, %v; want 1", n, err)
		}
		if n, err := fx.reqs.NotifyOverdue(bg); err != nil || n != 0 {
			t.Fatalf("second run: %d, %v; want 0", n, err)
		}
		for _, u := range []*shequ.User{fx.worker, street} {
			got := notesOf(t, db, u)
			if len(got) != 1 || got[0] != "request_overdue:2026-12-04" {
				t.Errorf("%s: %q", u.Username, got)
			}
		}
		if got := notesOf(t, db, county); len(got) != 0 {
			t.Errorf("the county official (not the nearest supervisor) got %q", got)
		}
		ev, err := fx.reqs.Timeline(wctx, r.ID)
		if err != nil || ev[len(ev)-1].Kind != "overdue" {
			t.Errorf("timeline ends with %+v, %v", ev[len(ev)-1], err)
		}
	})
}
