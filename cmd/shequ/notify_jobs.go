package main

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"shequ"
	"shequ/internal/notify"
	"shequ/internal/sqlstore"
)

// registerNotifyJobs registers the jobs of notifications (issue 13): each
// outbox row of e-mail or the webhook is a delivery job; overdue requests
// and expiring delegations are looked for periodically.
func (m *Main) registerNotifyJobs() {
	s := m.svc
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
