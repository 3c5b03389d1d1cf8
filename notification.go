package shequ

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Notifications tell a person of every change they wait for: their request
// accepted, put into 补正 (and what is missing), transferred, completed or
// refused; a delegation waiting for their consent; a project waiting for
// their approval; an open call for their organization. A notification is
// written in the transaction of the change (so it exists if and only if the
// change does), shown in the notification centre, and queued in an outbox
// with one row per channel: in-app at once, e-mail and the webhook (a
// province's SMS platform, a WeChat 订阅消息 bridge) by background jobs with
// retries, ending in a dead-letter list an administrator can retry.
//
// Its text is the catalogue entry "notify.<Kind>" filled with Subject and
// Detail, in the recipient's language. Subject and Detail hold only what the
// recipient may see on the object's page (a title, a request number, the
// missing materials, a department, a result, a reason), never ID or phone
// numbers.

// Notification is a message to one account.
type Notification struct {
	ID         string
	UserID     string
	Kind       string // "need_accepted", "request_awaiting_materials", "delegation_consent", …
	ObjectType string // "need", "project", "request", "delegation"
	ObjectID   string
	Subject    string // the object as its recipient knows it: a title, an item and a number
	Detail     string // what changed: the missing materials, the department, the result, the reason
	CreatedAt  time.Time
	ReadAt     *time.Time
}

// Notification channels of the outbox.
const (
	ChannelInApp   = "in_app"  // the notification centre; delivered by the insert
	ChannelEmail   = "email"   // e-mail over SMTP
	ChannelWebhook = "webhook" // a signed HTTP POST to the configured receiver
)

// ExternalChannels lists the channels a person may choose besides in-app,
// in the order the account page shows them.
var ExternalChannels = []string{ChannelEmail, ChannelWebhook}

// ChannelPref is a person's choice of one external channel: where to send
// (an e-mail address; for the webhook the address the receiving platform
// knows them by: a mobile number for SMS, an OpenID for WeChat) and in
// which language.
type ChannelPref struct {
	Channel string
	Enabled bool
	Address string // clear text on input; masked when read back
	Lang    string // "zh-CN" or "en"
}

// Languages of messages.
var MessageLangs = []string{"zh-CN", "en"}

// Validate checks a channel choice and returns its field errors, keyed
// "<channel>_address" and "<channel>_lang".
func (p *ChannelPref) Validate(fe *FieldErrors) {
	p.Address = strings.TrimSpace(p.Address)
	if !oneOf(p.Lang, MessageLangs) {
		fe.Add(p.Channel+"_lang", "notify.channel.lang", "Pick a language.", nil)
	}
	switch p.Channel {
	case ChannelEmail:
		if p.Address == "" && !p.Enabled {
			return
		}
		a, err := mail.ParseAddress(p.Address)
		if err != nil || a.Address != p.Address || len(p.Address) > 254 || a.Name != "" {
			fe.Add("email_address", "notify.channel.email", "Give an e-mail address such as name@example.com.", nil)
		}
	case ChannelWebhook:
		if p.Address == "" && !p.Enabled {
			return
		}
		if p.Address == "" || utf8.RuneCountInString(p.Address) > 128 || !printable(p.Address) {
			fe.Add("webhook_address", "notify.channel.webhook", "Give the number or ID the messaging platform knows you by (at most 128 characters).", nil)
		}
	default:
		fe.Add("channel", "notify.channel.unknown", "Unknown channel.", nil)
	}
}

// printable reports whether s has no control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// Delivery is one outbox row: a notification on one channel.
type Delivery struct {
	ID           string
	Notification *Notification
	Channel      string
	Status       string // "pending", "sent", "failed" (every attempt failed: the dead-letter list)
	Attempts     int
	LastError    string
	Address      string // where it goes: clear for the sender, masked on the administrator's list
	Lang         string
	CreatedAt    time.Time
	SentAt       *time.Time
}

// Delivery statuses.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// NotificationService is the notification centre of the signed-in account
// and its choice of channels.
type NotificationService interface {
	// FindNotifications returns the account's notifications, newest
	// first (only the unread ones when unreadOnly), from offset, and the
	// number still unread.
	FindNotifications(ctx context.Context, unreadOnly bool, offset, limit int) ([]*Notification, int, error)
	// OpenNotification marks one of the account's notifications read and
	// returns it (its object is where the centre's link leads).
	OpenNotification(ctx context.Context, id string) (*Notification, error)
	// MarkNotificationsRead marks all of the account's notifications read.
	MarkNotificationsRead(ctx context.Context) error
	// Channels returns the account's choice of external channels, one per
	// ExternalChannels, addresses masked.
	Channels(ctx context.Context) ([]*ChannelPref, error)
	// SetChannels saves the account's choice; an empty address keeps the
	// stored one (the page shows it masked).
	SetChannels(ctx context.Context, prefs []*ChannelPref) error
}

// DeliveryService is the outbox's side for the senders and for the system
// administrator's dead-letter list.
type DeliveryService interface {
	// LoadDelivery returns a pending delivery with its notification and
	// the clear address (for the sender; console or job context).
	LoadDelivery(ctx context.Context, id string) (*Delivery, error)
	// DeliveryDone records an attempt: sent when err is nil, else the
	// error, and failed for good when final.
	DeliveryDone(ctx context.Context, id string, err error, final bool) error
	// FailedDeliveries lists the dead-letter list, newest first (masked
	// addresses; ActionDeliveryManage).
	FailedDeliveries(ctx context.Context, limit int) ([]*Delivery, error)
	// RetryDelivery queues a failed delivery again (ActionDeliveryManage).
	RetryDelivery(ctx context.Context, id string) error
}
