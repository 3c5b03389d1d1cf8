// Package notify delivers notifications beyond the notification centre:
// e-mail over SMTP (mail.go) and a signed HTTP webhook (webhook.go), for a
// province's SMS platform or a WeChat 订阅消息 bridge. Each outbox row is one
// background job (sqlstore.DeliverArgs) whose worker calls Deliver: it reads
// the row, renders the message in the recipient's language from the
// catalogue, sends it, and records the attempt; an error makes the job
// queue retry it with backoff, and the last attempt's error puts the row in
// the dead-letter list.
package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"shequ"
	"shequ/internal/i18n"
)

// Message is a notification rendered for one delivery.
type Message struct {
	Delivery *shequ.Delivery
	Title    string // short: the e-mail's subject
	Text     string // the message itself
	Link     string // absolute URL that opens the notification's object
	Footer   string // why the recipient gets it, and how to stop it
}

// Sender sends messages on one channel.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// Deliverer runs the delivery jobs.
type Deliverer struct {
	Store     shequ.DeliveryService
	Senders   map[string]Sender // by channel
	Catalog   *i18n.Catalog
	PublicURL string // the platform's address, without a trailing slash
}

// Deliver sends the outbox row id; attempt counts from 1 and the job gives
// up after maxAttempts. It returns the error to retry on, nil when the row
// is sent, no longer pending (sent, or retried by an administrator under
// another job), or cannot be sent at all (the recipient removed the
// channel: recorded as failed at once).
func (d *Deliverer) Deliver(ctx context.Context, id string, attempt, maxAttempts int) error {
	dl, err := d.Store.LoadDelivery(ctx, id)
	switch {
	case shequ.ErrorCode(err) == shequ.ENotFound:
		// The row is gone (never, outbox rows are kept) or the recipient
		// removed the channel: nothing to retry.
		_ = d.Store.DeliveryDone(ctx, id, err, true)
		return nil
	case err != nil:
		return err
	case dl.Status != shequ.DeliveryPending:
		return nil
	}
	s := d.Senders[dl.Channel]
	if s == nil {
		err := fmt.Errorf("no sender for channel %q", dl.Channel)
		return errors.Join(err, d.Store.DeliveryDone(ctx, id, err, true))
	}
	sendErr := s.Send(ctx, d.Render(dl))
	if err := d.Store.DeliveryDone(ctx, id, sendErr, sendErr != nil && attempt >= maxAttempts); err != nil {
		return errors.Join(sendErr, err)
	}
	return sendErr
}

// Render writes the message of a delivery in its recipient's language.
func (d *Deliverer) Render(dl *shequ.Delivery) *Message {
	l := d.Catalog.Localizer(dl.Lang)
	n := dl.Notification
	text := l.T("notify."+n.Kind, map[string]any{"Subject": n.Subject, "Detail": n.Detail})
	return &Message{Delivery: dl, Text: text,
		Title:  l.T("notify.mail.subject", map[string]any{"Text": clip(text, 60)}),
		Link:   strings.TrimSuffix(d.PublicURL, "/") + "/notifications/" + n.ID,
		Footer: l.T("notify.mail.footer")}
}

// clip shortens s to at most n characters, with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
