package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The webhook: each message is an HTTP POST of a JSON body (WebhookPayload)
// to the configured URL, signed so that the receiver can check it came from
// this platform and is fresh:
//
//	X-Shequ-Delivery:  the delivery's id (repeats of a retried message carry the same one)
//	X-Shequ-Timestamp: seconds since 1970-01-01 UTC when it was sent
//	X-Shequ-Signature: v1=<hex of HMAC-SHA256(secret, timestamp + "." + body)>
//
// The receiver recomputes the HMAC over the raw body with the shared
// secret, compares it in constant time, and refuses a timestamp more than
// five minutes away from its clock (Verify does all three). Any 2xx answer
// is success; anything else, a redirect included, is retried with backoff.

// Header names of the webhook.
const (
	HeaderDelivery  = "X-Shequ-Delivery"
	HeaderTimestamp = "X-Shequ-Timestamp"
	HeaderSignature = "X-Shequ-Signature"
)

// WebhookPayload is the JSON body of a webhook call.
type WebhookPayload struct {
	DeliveryID     string    `json:"delivery_id"`
	NotificationID string    `json:"notification_id"`
	Kind           string    `json:"kind"`        // e.g. request_awaiting_materials
	ObjectType     string    `json:"object_type"` // service_request, delegation, project, need
	ObjectID       string    `json:"object_id"`
	Recipient      Recipient `json:"recipient"`
	Lang           string    `json:"lang"` // zh-CN or en
	Title          string    `json:"title"`
	Text           string    `json:"text"` // the message, ready to send as an SMS
	Link           string    `json:"link"`
	CreatedAt      time.Time `json:"created_at"`
}

// Recipient is whom a webhook message is for: the account and the address
// the person gave for this channel (a mobile number, an OpenID).
type Recipient struct {
	UserID  string `json:"user_id"`
	Address string `json:"address"`
}

// Webhook sends messages as signed POSTs.
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client // nil: a client with a 10-second timeout, no redirects
	Now    func() time.Time
}

// Send implements Sender.
func (w *Webhook) Send(ctx context.Context, m *Message) error {
	d, n := m.Delivery, m.Delivery.Notification
	body, err := json.Marshal(WebhookPayload{DeliveryID: d.ID, NotificationID: n.ID, Kind: n.Kind, ObjectType: n.ObjectType,
		ObjectID: n.ObjectID, Recipient: Recipient{UserID: n.UserID, Address: d.Address}, Lang: d.Lang, Title: m.Title,
		Text: m.Text, Link: m.Link, CreatedAt: n.CreatedAt.UTC()})
	if err != nil {
		return fmt.Errorf("encode webhook: %w", err)
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(w.Secret, ts, body))
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("webhook answered %s", res.Status)
	}
	return nil
}

// Sign returns the signature header of body sent at ts (Unix seconds).
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Errors of Verify.
var (
	ErrSignature = errors.New("webhook signature does not match")
	ErrStale     = errors.New("webhook timestamp too far from now")
)

// MaxSkew is how far a webhook's timestamp may be from the receiver's clock.
const MaxSkew = 5 * time.Minute

// Verify checks a received webhook call's signature and freshness: what a
// receiver does (written here for receivers in Go, and for the tests).
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrStale
	}
	if d := now.Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
		return ErrStale
	}
	want := Sign(secret, ts, body)
	if !strings.HasPrefix(signature, "v1=") || !hmac.Equal([]byte(signature), []byte(want)) {
		return ErrSignature
	}
	return nil
}
