package main

import (
	"context"
	"fmt"
	"time"

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
	m.registerNotifyJobs()
	registerPropertyJobs(s)
	registerCareJobs(s)
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

// startJobs registers the jobs and starts working them.
func (m *Main) startJobs(ctx context.Context) error {
	m.svc.jobs = sqlstore.NewJobs(m.svc.db, sqlstore.JobsConfig{Logger: m.Logger, PollInterval: m.JobPollInterval})
	m.registerJobs()
	if err := m.svc.jobs.Start(ctx); err != nil {
		return fmt.Errorf("start background jobs: %w", err)
	}
	return nil
}
