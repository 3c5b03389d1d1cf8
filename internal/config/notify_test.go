package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shequ"
)

func TestNotifyFromEnvAndFlags(t *testing.T) {
	dir := t.TempDir()
	pw, secret := filepath.Join(dir, "pw"), filepath.Join(dir, "secret")
	for p, v := range map[string]string{pw: "relay-password\n", secret: "0123456789abcdef-flag\n"} {
		if err := os.WriteFile(p, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := FromEnv(env(map[string]string{"SHEQU_PUBLIC_URL": "https://shequ.example.gov.cn", "SHEQU_SMTP_ADDR": "127.0.0.1:2525",
		"SHEQU_SMTP_FROM": "noreply@example.gov.cn", "SHEQU_SMTP_USERNAME": "shequ", "SHEQU_SMTP_PASSWORD_FILE": pw,
		"SHEQU_WEBHOOK_URL": "https://sms.example.gov.cn/hook", "SHEQU_WEBHOOK_SECRET": "0123456789abcdef-env"}))
	if err != nil {
		t.Fatal(err)
	}
	n := c.Notify
	if n.SMTPPassword != "relay-password" || n.WebhookSecret != "0123456789abcdef-env" || n.SMTPAddr != "127.0.0.1:2525" {
		t.Fatalf("from env: %+v", n)
	}
	if got := n.Channels(); len(got) != 2 || got[0] != shequ.ChannelEmail || got[1] != shequ.ChannelWebhook {
		t.Errorf("channels = %v", got)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.BindServe(fs)
	if err := fs.Parse([]string{"-webhook-secret-file", secret, "-smtp-tls", "tls"}); err != nil {
		t.Fatal(err)
	}
	if c.Notify.WebhookSecret != "0123456789abcdef-flag" || c.Notify.SMTPTLS != "tls" {
		t.Errorf("flags: %+v", c.Notify)
	}
	if err := fs.Parse([]string{"-smtp-password-file", filepath.Join(dir, "missing")}); err == nil {
		t.Error("a missing password file accepted")
	}
	r := c.Redacted()
	if strings.Contains(r.Notify.SMTPPassword+r.Notify.WebhookSecret, "0123") || r.Notify.SMTPPassword != "xxxxx" {
		t.Errorf("redacted: %+v", r.Notify)
	}
	// A secret in the plain variable only: the _FILE variant is for secrets.
	if c, err := FromEnv(env(map[string]string{"SHEQU_SMTP_ADDR_FILE": pw})); err != nil || c.Notify.SMTPAddr != "" {
		t.Errorf("SHEQU_SMTP_ADDR_FILE read: %q, %v", c.Notify.SMTPAddr, err)
	}
}

func TestNotifyValidate(t *testing.T) {
	ok := NotifyConfig{PublicURL: "https://shequ.example.gov.cn", SMTPAddr: "mail.example.gov.cn:587",
		SMTPFrom: "社区服务平台 <noreply@example.gov.cn>", WebhookURL: "https://hook.example.gov.cn/x", WebhookSecret: "0123456789abcdef"}
	tests := []struct {
		name   string
		change func(*NotifyConfig)
		fields []string
	}{
		{"valid", func(*NotifyConfig) {}, nil},
		{"nothing", func(n *NotifyConfig) { *n = NotifyConfig{} }, nil},
		{"no public url", func(n *NotifyConfig) { n.PublicURL = "" }, []string{"public_url"}},
		{"public url with a path", func(n *NotifyConfig) { n.PublicURL = "https://x.cn/app" }, []string{"public_url"}},
		{"smtp addr", func(n *NotifyConfig) { n.SMTPAddr = "mail.example.gov.cn" }, []string{"smtp_addr"}},
		{"smtp from", func(n *NotifyConfig) { n.SMTPFrom = "" }, []string{"smtp_from"}},
		{"smtp tls", func(n *NotifyConfig) { n.SMTPTLS = "ssl3" }, []string{"smtp_tls"}},
		{"user without password", func(n *NotifyConfig) { n.SMTPUsername = "u" }, []string{"smtp_username"}},
		{"webhook url", func(n *NotifyConfig) { n.WebhookURL = "ftp://x" }, []string{"webhook_url"}},
		{"short secret", func(n *NotifyConfig) { n.WebhookSecret = "short" }, []string{"webhook_secret"}},
	}
	for _, tt := range tests {
		n := ok
		tt.change(&n)
		var fe shequ.FieldErrors
		n.validate(&fe)
		var got []string
		for _, f := range shequ.AsError(fe.Err()).Fields {
			got = append(got, f.Field)
		}
		if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
			t.Errorf("%s: errors on %v, want %v", tt.name, got, tt.fields)
		}
	}
}
