package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"shequ"
	"shequ/internal/config"
)

// smsOutboxName is the default file of verification codes in the data
// folder (-sms-outbox).
const smsOutboxName = "sms-outbox.jsonl"

// smsOutbox sends the verification codes of self-registered accounts
// (web.CodeSender) by appending one JSON line per message to a file that
// the operator's SMS gateway reads:
//
//	{"time":"2026-12-06T06:00:00Z","phone":"13800138000","text":"【社区公共服务平台】您的账户验证码为…"}
//
// The file is created 0600 and each line is synced before the answer: a
// code the page says was sent is on disk. It holds codes in clear for ten
// minutes' use: the gateway should remove lines it has sent.
type smsOutbox struct {
	mu   sync.Mutex
	path string
	now  func() time.Time
}

// newSMSOutbox returns the outbox of cfg (-sms-outbox, or the data folder's).
func newSMSOutbox(cfg config.Config, now func() time.Time) *smsOutbox {
	p := cfg.Notify.SMSOutbox
	if p == "" {
		p = filepath.Join(cfg.DataDirectory(), smsOutboxName)
	}
	return &smsOutbox{path: p, now: now}
}

// SendCode implements web.CodeSender.
func (o *smsOutbox) SendCode(_ context.Context, phone shequ.Phone, text string) error {
	line, err := json.Marshal(struct {
		Time  string `json:"time"`
		Phone string `json:"phone"`
		Text  string `json:"text"`
	}{o.now().UTC().Format(time.RFC3339), string(phone), text})
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sms outbox: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("sms outbox: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sms outbox: %w", err)
	}
	return f.Close()
}
