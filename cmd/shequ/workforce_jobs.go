package main

import (
	"context"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"shequ"
	"shequ/internal/sqlstore"
)

// registerWorkforceJobs schedules the workforce module's periodic work
// (issue 17): the continuing-education sweep every six hours and when a
// server becomes the leader (its rule is in days: 180 days ahead),
// and the indicator day job, which brings the "volunteer" and "workforce"
// figures to the new day. Their counters depend on today (who worked a year
// ago, completed years, the last 12 months' leavers, training and service),
// so a day without writes would leave them as of yesterday. The job runs on
// the leader only; the refresh is published on the change feed, so every
// server's engine follows.
func registerWorkforceJobs(s *services) {
	sqlstore.AddWorker(s.jobs, sqlstore.CESweepWorker(s.workforce))
	s.jobs.EveryFromStart(6*time.Hour, sqlstore.CESweepArgs{})
	d := &indicatorDay{s: s}
	sqlstore.AddWorker(s.jobs, river.WorkFunc(d.work))
	s.jobs.EveryFromStart(time.Hour, indicatorDayArgs{})
}

// dayRefreshChunk is how many communities one refresh of the day job names.
const dayRefreshChunk = 1000

// indicatorDayArgs is the indicator day job.
type indicatorDayArgs struct{}

func (indicatorDayArgs) Kind() string { return "indicator_day" }

// indicatorDay remembers the day its figures were brought to.
type indicatorDay struct {
	s   *services
	mu  sync.Mutex
	day string
}

// work refreshes the day-dependent modules of every community with their
// data when the day (Asia/Shanghai) differs from the last run's; the first
// run of a process (a new leader) refreshes too.
func (d *indicatorDay) work(ctx context.Context, _ *river.Job[indicatorDayArgs]) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	today := d.s.db.Now().In(shequ.Shanghai).Format(time.DateOnly)
	if today == d.day {
		return nil
	}
	src := sqlstore.NewIndicatorSource(d.s.db)
	for _, mod := range []struct {
		key    string
		notify func(...string)
	}{{"volunteer", d.s.volunteers.OnChange}, {"workforce", d.s.workforce.OnChange}} {
		communities, err := src.ModuleCommunities(ctx, mod.key)
		if err != nil {
			return err
		}
		// In chunks: each is one change published for the other servers.
		for len(communities) > 0 && mod.notify != nil {
			n := min(len(communities), dayRefreshChunk)
			mod.notify(communities[:n]...)
			communities = communities[n:]
		}
	}
	d.day = today
	return nil
}
