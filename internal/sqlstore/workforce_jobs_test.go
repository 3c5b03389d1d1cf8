package sqlstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"shequ"
)

// ceFx is a workforce with certified members: 孙 (助理社会工作师, period
// ending 2027-03-01, no hours, linked to a social worker's account), 钱
// (社会工作师, registered 2025-06-01), 周 (助理, same period as 孙 but her
// 72 hours done) and 冯 (left), in 苕秀社区 whose community worker is told.
type ceFx struct {
	db                    *DB
	clock                 *testClock
	worker, sw            *shequ.User
	sun, qian, zhou, feng *shequ.WorkforceMember
}

func newCEFx(t *testing.T, db *DB) *ceFx {
	t.Helper()
	mustImport(t, db, divisionsOf(fixture...))
	fx := &ceFx{db: db, clock: newTestClock(time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))}
	db.Now = fx.clock.Now
	fx.worker = mustCreateUser(t, db, "ceworker1", shequ.RoleCommunityWorker, tiaoxiu)
	mustCreateUser(t, db, "ceworker2", shequ.RoleCommunityWorker, kangshan)
	fx.sw = mustCreateUser(t, db, "cesw1", shequ.RoleSocialWorker, tiaoxiu)
	s := fx.service()
	day := func(v string) *time.Time { d := parseDay(v); return &d }
	member := func(name string, q shequ.Qualification, reg string) *shequ.WorkforceMember {
		return &shequ.WorkforceMember{Name: name, Community: tiaoxiu, Post: shequ.PostSocialWkr, Education: shequ.EduBachelor,
			AgeBand: shequ.Age30s, Qualification: q, RegisteredOn: day(reg), HiredOn: parseDay("2020-01-01")}
	}
	fx.sun = member("孙社工", shequ.QualAssistant, "2024-03-01")
	fx.sun.UserID = fx.sw.ID
	fx.qian = member("钱社工", shequ.QualSocial, "2025-06-01")
	fx.zhou = member("周社工", shequ.QualAssistant, "2024-03-01")
	fx.feng = member("冯社工", shequ.QualAssistant, "2024-03-01")
	fx.feng.LeftOn, fx.feng.LeaveReason = day("2026-05-01"), shequ.LeavePay
	cli := cliContext()
	mustDo(t, s.ImportMembers(cli, []*shequ.WorkforceMember{fx.sun, fx.qian, fx.zhou, fx.feng}))
	c := &shequ.Course{Title: "社会工作继续教育", Organizer: "安吉县民政局", Community: tiaoxiu, Topic: shequ.TopicSocialWork,
		Day: parseDay("2026-05-20"), Minutes: 72 * 60}
	mustDo(t, s.CreateCourse(cli, c))
	mustDo(t, s.RecordAttendance(cli, &shequ.Attendance{CourseID: c.ID, MemberID: fx.zhou.ID}))
	return fx
}

// service is a workforce service on the fixture's clock (each server has
// its own).
func (fx *ceFx) service() *WorkforceService {
	s := NewWorkforceService(fx.db)
	s.Now = fx.clock.Now
	return s
}

// notified lists the accounts told about member, one entry a notification.
func (fx *ceFx) notified(t *testing.T, m *shequ.WorkforceMember) []string {
	t.Helper()
	rows, err := fx.db.db.Query(fx.db.rebind(`SELECT user_id FROM notifications WHERE kind = ? AND object_id = ? ORDER BY user_id`),
		"workforce_ce_due", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		mustDo(t, rows.Scan(&u))
		out = append(out, u)
	}
	mustDo(t, rows.Err())
	return out
}

// TestCESweepJob: the continuing-education sweep, scheduled on the job
// queue by two servers on one database, tells the community's worker and
// the member's own account once when a member's period ends within 180
// days short of hours — not before (injectable clock), not twice, not for
// a member with the hours, not for one who left — and a signed-in account
// may not run it; on both engines.
func TestCESweepJob(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newCEFx(t, db)
		// 2026-06-01: 孙's period ends in 273 days, nobody is due.
		n, err := fx.service().CESweep(context.Background())
		mustDo(t, err)
		if n != 0 || len(fx.notified(t, fx.sun)) != 0 {
			t.Fatalf("273 days before the end: %d notified", n)
		}
		// 2026-12-01: 90 days left. Two servers schedule the sweep.
		fx.clock.Add(183 * 24 * time.Hour)
		const interval = 100 * time.Millisecond
		for range 2 {
			s := fx.service()
			startTestJobs(t, db, &jobLog{}, func(j *Jobs) {
				AddWorker(j, CESweepWorker(s))
				j.Every(interval, CESweepArgs{})
			})
		}
		done := func() int {
			var k int
			mustDo(t, db.db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'workforce_ce_sweep' AND state = 'completed'`).Scan(&k))
			return k
		}
		waitFor(t, "three completed sweeps", func() bool { return done() >= 3 })
		// And two sweeps at once besides.
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := fx.service().CESweep(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got := fx.notified(t, fx.sun)
		want := []string{fx.worker.ID, fx.sw.ID}
		if fx.sw.ID < fx.worker.ID {
			want = []string{fx.sw.ID, fx.worker.ID}
		}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("孙 notified to %v, want once to the worker and her own account %v", got, want)
		}
		for _, m := range []*shequ.WorkforceMember{fx.qian, fx.zhou, fx.feng} {
			if got := fx.notified(t, m); len(got) != 0 {
				t.Errorf("%s notified to %v", m.Name, got)
			}
		}
		// The due-soon list says the same.
		due := must(fx.service().ContinuingEducation(actorOf(fx.worker), tiaoxiu, true))(t)
		if len(due) != 1 || due[0].Member.ID != fx.sun.ID || due[0].DaysLeft != 90 || due[0].Short() != 72*60 {
			t.Errorf("due soon %+v", due)
		}
		// A signed-in account may not sweep.
		if _, err := fx.service().CESweep(actorOf(fx.worker)); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("a worker sweeps: %v", err)
		}
	})
}
