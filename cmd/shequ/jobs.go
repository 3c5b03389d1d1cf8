package main

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"shequ"
	"shequ/internal/notify"
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

	// Notifications (issue 13): each outbox row of e-mail or the webhook
	// is a delivery job; overdue requests and expiring delegations are
	// looked for periodically.
	s.db.SetDeliveryChannels(m.Config.Notify.Channels()...)
	d := m.deliverer()
	sqlstore.AddWorker(s.jobs, river.WorkFunc(func(ctx context.Context, job *river.Job[sqlstore.DeliverArgs]) error {
		return d.Deliver(ctx, job.Args.OutboxID, job.Attempt, job.MaxAttempts)
	}))
	sqlstore.AddWorker(s.jobs, sqlstore.RequestOverdueWorker(s.requests))
	s.jobs.Every(5*time.Minute, sqlstore.RequestOverdueArgs{})
	sqlstore.AddWorker(s.jobs, sqlstore.DelegationExpiryWorker(s.delegations))
	s.jobs.Every(time.Hour, sqlstore.DelegationExpiryArgs{})
}

// deliverer sends the outbox's e-mail and webhook rows with the configured
// senders.
func (m *Main) deliverer() *notify.Deliverer {
	n := m.Config.Notify
	senders := map[string]notify.Sender{}
	if n.SMTPAddr != "" {
		senders[shequ.ChannelEmail] = &notify.Mailer{Addr: n.SMTPAddr, Username: n.SMTPUsername, Password: n.SMTPPassword,
			From: n.SMTPFrom, TLS: n.SMTPTLS}
	}
	if n.WebhookURL != "" {
		senders[shequ.ChannelWebhook] = &notify.Webhook{URL: n.WebhookURL, Secret: []byte(n.WebhookSecret)}
	}
	return &notify.Deliverer{Store: m.svc.notifications, Senders: senders, Catalog: m.Catalog, PublicURL: n.PublicURL}
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
