package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/testenv"
)

// memStore is an outbox of one delivery, recording the attempts.
type memStore struct {
	mu       sync.Mutex
	d        *shequ.Delivery
	attempts []string // "sent" or "error:<final>"
}

func (m *memStore) LoadDelivery(_ context.Context, id string) (*shequ.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.d == nil || m.d.ID != id {
		return nil, shequ.ErrNotFound
	}
	c := *m.d
	return &c, nil
}

func (m *memStore) DeliveryDone(_ context.Context, id string, err error, final bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.d == nil || m.d.ID != id {
		return nil // as an UPDATE of no row
	}
	switch {
	case err == nil:
		m.d.Status = shequ.DeliverySent
		m.attempts = append(m.attempts, "sent")
	case final:
		m.d.Status = shequ.DeliveryFailed
		m.attempts = append(m.attempts, "failed")
	default:
		m.attempts = append(m.attempts, "retry")
	}
	return nil
}

func (m *memStore) FailedDeliveries(context.Context, int) ([]*shequ.Delivery, error) { return nil, nil }
func (m *memStore) RetryDelivery(context.Context, string) error                      { return nil }

func aDelivery(channel, address, lang string) *shequ.Delivery {
	return &shequ.Delivery{ID: "0193a4f0-0000-7000-8000-000000000001", Channel: channel, Status: shequ.DeliveryPending,
		Address: address, Lang: lang, Notification: &shequ.Notification{ID: "0193a4f0-0000-7000-8000-0000000000aa",
			UserID: "0193a4f0-0000-7000-8000-0000000000bb", Kind: "request_awaiting_materials", ObjectType: "service_request",
			ObjectID: "0193a4f0-0000-7000-8000-0000000000cc", Subject: "高龄津贴申领 330523-20261129-000001",
			Detail: "户口簿复印件；银行卡复印件", CreatedAt: time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)}}
}

func newDeliverer(t *testing.T, store shequ.DeliveryService, senders map[string]Sender) *Deliverer {
	t.Helper()
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	return &Deliverer{Store: store, Senders: senders, Catalog: cat, PublicURL: "https://shequ.example.gov.cn/"}
}

// TestMailToRealServer sends through a real SMTP server with
// authentication: the recipient's language, the link, the delivery's id;
// a temporary refusal is retried, the last attempt's failure is final.
func TestMailToRealServer(t *testing.T) {
	srv := testenv.StartSMTP(t)
	srv.Username, srv.Password = "shequ", "relay-secret"
	mailer := &Mailer{Addr: srv.Addr, From: "社区服务平台 <noreply@example.gov.cn>", TLS: "none",
		Username: "shequ", Password: "relay-secret", Timeout: 5 * time.Second}
	store := &memStore{d: aDelivery(shequ.ChannelEmail, "wangxy@example.com", "zh-CN")}
	d := newDeliverer(t, store, map[string]Sender{shequ.ChannelEmail: mailer})
	ctx := context.Background()

	srv.RefuseNext(1)
	if err := d.Deliver(ctx, store.d.ID, 1, 3); err == nil {
		t.Fatal("a refused message reported sent")
	}
	if err := d.Deliver(ctx, store.d.ID, 2, 3); err != nil {
		t.Fatal(err)
	}
	// Sent: a late repeat of the job sends nothing more.
	if err := d.Deliver(ctx, store.d.ID, 3, 3); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || strings.Join(store.attempts, ",") != "retry,sent" {
		t.Fatalf("%d messages, attempts %v", len(msgs), store.attempts)
	}
	m := msgs[0]
	if m.From != "noreply@example.gov.cn" || len(m.To) != 1 || m.To[0] != "wangxy@example.com" ||
		!strings.Contains(m.Subject, "补正") || m.Msg.Header.Get("X-Shequ-Delivery") != store.d.ID {
		t.Errorf("message from %s to %v subject %q headers %v", m.From, m.To, m.Subject, m.Msg.Header)
	}
	for _, want := range []string{"高龄津贴申领 330523-20261129-000001", "户口簿复印件；银行卡复印件",
		"https://shequ.example.gov.cn/notifications/" + store.d.Notification.ID} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Body)
		}
	}

	// In English for an English reader.
	store.d = aDelivery(shequ.ChannelEmail, "li@example.com", "en")
	if err := d.Deliver(ctx, store.d.ID, 1, 3); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages()[1]; !strings.Contains(m.Body, "missing") || strings.Contains(m.Body, "补正") {
		t.Errorf("English body:\n%s", m.Body)
	}

	// Wrong credentials on the last attempt: failed for good.
	mailer.Password = "wrong"
	store.d = aDelivery(shequ.ChannelEmail, "wangxy@example.com", "zh-CN")
	store.attempts = nil
	if err := d.Deliver(ctx, store.d.ID, 3, 3); err == nil || store.d.Status != shequ.DeliveryFailed {
		t.Fatalf("bad credentials: %v, status %s", err, store.d.Status)
	}
}

// TestWebhookToRealReceiver posts to a real HTTP receiver that verifies
// the signature as the README tells receivers to.
func TestWebhookToRealReceiver(t *testing.T) {
	secret := []byte("0123456789abcdef-test")
	var mu sync.Mutex
	var got []WebhookPayload
	status := http.StatusOK
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(secret, r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), body, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var p WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil || r.Header.Get(HeaderDelivery) != p.DeliveryID {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if status != http.StatusOK {
			http.Error(w, "busy", status)
			return
		}
		got = append(got, p)
	}))
	defer recv.Close()
	hook := &Webhook{URL: recv.URL, Secret: secret}
	store := &memStore{d: aDelivery(shequ.ChannelWebhook, "13800138000", "zh-CN")}
	d := newDeliverer(t, store, map[string]Sender{shequ.ChannelWebhook: hook})
	ctx := context.Background()

	mu.Lock()
	status = http.StatusServiceUnavailable
	mu.Unlock()
	if err := d.Deliver(ctx, store.d.ID, 1, 5); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("a 503 answer: %v", err)
	}
	mu.Lock()
	status = http.StatusOK
	mu.Unlock()
	if err := d.Deliver(ctx, store.d.ID, 2, 5); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d calls received", len(got))
	}
	p := got[0]
	if p.Kind != "request_awaiting_materials" || p.Recipient.Address != "13800138000" || p.Lang != "zh-CN" ||
		!strings.Contains(p.Text, "户口簿复印件") || p.Link != "https://shequ.example.gov.cn/notifications/"+store.d.Notification.ID ||
		p.DeliveryID != store.d.ID || p.ObjectType != "service_request" {
		t.Errorf("payload %+v", p)
	}

	// A wrong secret is refused by the receiver: an error to retry on.
	bad := &Webhook{URL: recv.URL, Secret: []byte("another-secret-of-16")}
	store.d = aDelivery(shequ.ChannelWebhook, "13800138000", "zh-CN")
	d.Senders[shequ.ChannelWebhook] = bad
	if err := d.Deliver(ctx, store.d.ID, 1, 5); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a wrong signature: %v", err)
	}
	// A redirect is not followed.
	redir := httptest.NewServer(http.RedirectHandler(recv.URL, http.StatusFound))
	defer redir.Close()
	d.Senders[shequ.ChannelWebhook] = &Webhook{URL: redir.URL, Secret: secret}
	if err := d.Deliver(ctx, store.d.ID, 2, 5); err == nil || !strings.Contains(err.Error(), "302") {
		t.Errorf("a redirect: %v", err)
	}
}

func TestVerify(t *testing.T) {
	secret, body := []byte("0123456789abcdef"), []byte(`{"kind":"x"}`)
	now := time.Unix(1_790_000_000, 0)
	sig := Sign(secret, now.Unix(), body)
	ts := "1790000000"
	for _, c := range []struct {
		name      string
		ts, sig   string
		body      []byte
		now       time.Time
		wantError error
	}{
		{"valid", ts, sig, body, now, nil},
		{"four minutes late", ts, sig, body, now.Add(4 * time.Minute), nil},
		{"six minutes late", ts, sig, body, now.Add(6 * time.Minute), ErrStale},
		{"from the future", ts, sig, body, now.Add(-6 * time.Minute), ErrStale},
		{"not a number", "soon", sig, body, now, ErrStale},
		{"body changed", ts, sig, []byte(`{"kind":"y"}`), now, ErrSignature},
		{"timestamp changed", "1790000001", sig, body, now, ErrSignature},
		{"no scheme", ts, strings.TrimPrefix(sig, "v1="), body, now, ErrSignature},
		{"empty", ts, "", body, now, ErrSignature},
	} {
		if err := Verify(secret, c.ts, c.sig, c.body, c.now); !errors.Is(err, c.wantError) {
			t.Errorf("%s: %v, want %v", c.name, err, c.wantError)
		}
	}
}

// TestDeliverWithoutChannel: a delivery whose recipient removed the channel
// is failed at once, not retried.
func TestDeliverWithoutChannel(t *testing.T) {
	store := &memStore{d: aDelivery(shequ.ChannelEmail, "a@example.com", "zh-CN")}
	d := newDeliverer(t, store, map[string]Sender{})
	if err := d.Deliver(context.Background(), "0193a4f0-0000-7000-8000-00000000ffff", 1, 3); err != nil {
		t.Errorf("unknown row: %v", err)
	}
	if err := d.Deliver(context.Background(), store.d.ID, 1, 3); err == nil || store.d.Status != shequ.DeliveryFailed {
		t.Errorf("no sender: %v, status %s", err, store.d.Status)
	}
}
