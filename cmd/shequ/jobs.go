package main

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"shequ"
	"shequ/internal/sqlstore"
)

// registerJobs registers the workers of every background job kind and the
// periodic jobs, before the job queue starts (sqlstore/jobs.go explains the
// queue). Each module adds its own here, in one line or one call:
//
//	sqlstore.AddWorker(s.jobs, river.WorkFunc(s.requests.WorkEscalation))
//	s.jobs.Every(5*time.Minute, sqlstore.EscalationArgs{})
//
// Workers are registered by every process that serves; the periodic jobs are
// scheduled by the one elected leader among them.
func (m *Main) registerJobs() {
	s := m.svc
	// Sessions whose cookies never come back, deleted hourly.
	sqlstore.AddWorker(s.jobs, sqlstore.SessionPruneWorker(s.sessions))
	s.jobs.Every(time.Hour, sqlstore.SessionPruneArgs{})
	// Idempotency keys past their day, deleted hourly.
	sqlstore.AddWorker(s.jobs, sqlstore.IdempotencyPruneWorker(s.idem))
	s.jobs.Every(time.Hour, sqlstore.IdempotencyPruneArgs{})
	m.registerIndicatorJobs()
	// Signed checkpoints of the audit trail (audit_seal.go).
	m.registerAuditJobs()
	m.registerNotifyJobs()
	// Changes published for the other servers, kept a day (changefeed.go).
	sqlstore.AddWorker(s.jobs, sqlstore.ChangePruneWorker(s.db))
	s.jobs.Every(time.Hour, sqlstore.ChangePruneArgs{})
	// The engines' state, for a fast start (serve_snapshot.go).
	m.registerSnapshotJobs()
	registerPropertyJobs(s)
	registerCareJobs(s)
	s.volunteers.ReminderLead = m.Config.Volunteer.RemindBefore
	registerVolunteerJobs(s)
	registerWorkforceJobs(s)
}

// registerVolunteerJobs reminds the volunteers signed up for an opportunity
// -volunteer-remind-before (a day) before it starts
// (sqlstore.VolunteerRemindArgs), checked every ten minutes: a reminder is
// at most ten minutes late, and sent once.
func registerVolunteerJobs(s *services) {
	sqlstore.AddWorker(s.jobs, sqlstore.VolunteerRemindWorker(s.volunteers))
	s.jobs.Every(10*time.Minute, sqlstore.VolunteerRemindArgs{})
}

// registerPropertyJobs schedules the property module's time rules every ten
// minutes: complaint limits are in working days, alerts 90 days ahead, so
// ten minutes late is never late.
func registerPropertyJobs(s *services) {
	sqlstore.AddWorker(s.jobs, sqlstore.PropertyDeadlinesWorker(s.property))
	s.jobs.Every(10*time.Minute, sqlstore.PropertyDeadlinesArgs{})
}

// registerCareJobs runs the care rules every five minutes: an alert is
// escalated at most five minutes after its 24 hours, visits and ages are
// days.
func registerCareJobs(s *services) {
	sqlstore.AddWorker(s.jobs, sqlstore.CareSweepWorker(s.care))
	s.jobs.Every(5*time.Minute, sqlstore.CareSweepArgs{})
}

// indicatorSnapshotArgs is the periodic job that records this month's
// indicator figures for the trend lines (the last record of a month stands
// for that month): once across servers, when a server becomes the leader
// and every six hours.
type indicatorSnapshotArgs struct{}

func (indicatorSnapshotArgs) Kind() string { return "indicator_snapshot" }

func (m *Main) registerIndicatorJobs() {
	s := m.svc
	sqlstore.AddWorker(s.jobs, river.WorkFunc(func(ctx context.Context, _ *river.Job[indicatorSnapshotArgs]) error {
		return s.indicators.Snapshot(ctx, s.db.Now().In(shequ.Shanghai).Format("2006-01"))
	}))
	s.jobs.EveryFromStart(6*time.Hour, indicatorSnapshotArgs{})
}

// startJobs registers the jobs and starts working them.
func (m *Main) startJobs(ctx context.Context) error {
	m.svc.jobs = sqlstore.NewJobs(m.svc.db, sqlstore.JobsConfig{Logger: m.Logger, PollInterval: m.JobPollInterval})
	m.registerJobs()
	if err := m.svc.jobs.Start(ctx); err != nil {
		return fmt.Errorf("start background jobs: %w", err)
	}
	return nil
}
