package config

import (
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strings"

	"shequ"
)

// NotifyConfig configures the delivery of notifications beyond the
// notification centre: e-mail over SMTP and a signed webhook (a province's
// SMS platform, a WeChat 订阅消息 bridge). A channel without its address is
// off: nobody can choose it and nothing is queued for it.
type NotifyConfig struct {
	// PublicURL is the platform's address as people reach it
	// (https://shequ.example.gov.cn): messages link to it. Required when a
	// channel is on.
	PublicURL string

	SMTPAddr     string // host:port of the mail relay; "" turns e-mail off
	SMTPUsername string // "" sends without authentication
	SMTPPassword string // secret
	SMTPFrom     string // the sender, e.g. 社区服务平台 <noreply@example.gov.cn>
	// SMTPTLS is "starttls" (required; the default), "tls" (implicit TLS,
	// port 465) or "none" (a relay on the same host or network only).
	SMTPTLS string

	WebhookURL    string // the receiver's URL; "" turns the webhook off
	WebhookSecret string // secret: the key of the HMAC-SHA256 signature

	// SMSOutbox is the file that verification codes of self-registered
	// accounts are appended to, one JSON line each, for the operator's SMS
	// gateway; "" means sms-outbox.jsonl in the data folder.
	SMSOutbox string
}

// notifyFromEnv reads the SHEQU_SMTP_*, SHEQU_WEBHOOK_* and SHEQU_PUBLIC_URL
// variables; secrets may come from files (*_FILE).
func (n *NotifyConfig) fromEnv(getenv func(string) string) error {
	for _, s := range []struct {
		name   string
		dst    *string
		secret bool
	}{{"SHEQU_PUBLIC_URL", &n.PublicURL, false}, {"SHEQU_SMTP_ADDR", &n.SMTPAddr, false},
		{"SHEQU_SMTP_USERNAME", &n.SMTPUsername, false}, {"SHEQU_SMTP_PASSWORD", &n.SMTPPassword, true},
		{"SHEQU_SMTP_FROM", &n.SMTPFrom, false}, {"SHEQU_SMTP_TLS", &n.SMTPTLS, false},
		{"SHEQU_WEBHOOK_URL", &n.WebhookURL, false}, {"SHEQU_WEBHOOK_SECRET", &n.WebhookSecret, true},
		{"SHEQU_SMS_OUTBOX", &n.SMSOutbox, false}} {
		if v := getenv(s.name); v != "" {
			*s.dst = v
			continue
		}
		if p := getenv(s.name + "_FILE"); p != "" && s.secret {
			if err := readSecret(s.name, p, s.dst); err != nil {
				return err
			}
		}
	}
	return nil
}

// readSecret reads a secret from the file p for the setting name.
func readSecret(name, p string, dst *string) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("%s_FILE: %w", name, err)
	}
	*dst = strings.TrimSpace(string(b))
	return nil
}

// secretFileFlag is a flag naming a file that holds a secret: secrets are
// not given on the command line, where other users of the machine see them.
type secretFileFlag struct {
	name string
	dst  *string
	path string
}

func (f *secretFileFlag) String() string { return f.path }

func (f *secretFileFlag) Set(p string) error {
	f.path = p
	return readSecret(f.name, p, f.dst)
}

// bind registers the flags of the channels.
func (n *NotifyConfig) bind(fs *flag.FlagSet) {
	fs.StringVar(&n.PublicURL, "public-url", n.PublicURL, "the platform's public address, linked from messages (env SHEQU_PUBLIC_URL)")
	fs.StringVar(&n.SMTPAddr, "smtp-addr", n.SMTPAddr, "mail relay host:port; empty: no e-mail (env SHEQU_SMTP_ADDR)")
	fs.StringVar(&n.SMTPUsername, "smtp-username", n.SMTPUsername, "mail relay user name; empty: no authentication (env SHEQU_SMTP_USERNAME)")
	fs.Var(&secretFileFlag{name: "SHEQU_SMTP_PASSWORD", dst: &n.SMTPPassword}, "smtp-password-file", "a file holding the mail relay password (env SHEQU_SMTP_PASSWORD or SHEQU_SMTP_PASSWORD_FILE)")
	fs.StringVar(&n.SMTPFrom, "smtp-from", n.SMTPFrom, "sender of the e-mails, e.g. 社区服务平台 <noreply@example.gov.cn> (env SHEQU_SMTP_FROM)")
	fs.StringVar(&n.SMTPTLS, "smtp-tls", n.SMTPTLS, "starttls (default), tls (port 465) or none (env SHEQU_SMTP_TLS)")
	fs.StringVar(&n.WebhookURL, "webhook-url", n.WebhookURL, "URL receiving signed notification POSTs; empty: no webhook (env SHEQU_WEBHOOK_URL)")
	fs.StringVar(&n.SMSOutbox, "sms-outbox", n.SMSOutbox, "file the verification codes of self-registered accounts are appended to, for the SMS gateway (env SHEQU_SMS_OUTBOX; default: sms-outbox.jsonl in the data folder)")
	fs.Var(&secretFileFlag{name: "SHEQU_WEBHOOK_SECRET", dst: &n.WebhookSecret}, "webhook-secret-file", "a file holding the webhook signing key (env SHEQU_WEBHOOK_SECRET or SHEQU_WEBHOOK_SECRET_FILE)")
}

// Channels lists the external channels that are configured.
func (n NotifyConfig) Channels() []string {
	var out []string
	if n.SMTPAddr != "" {
		out = append(out, shequ.ChannelEmail)
	}
	if n.WebhookURL != "" {
		out = append(out, shequ.ChannelWebhook)
	}
	return out
}

// validate adds the errors of the channels' settings.
func (n NotifyConfig) validate(fe *shequ.FieldErrors) {
	if n.PublicURL != "" || len(n.Channels()) > 0 {
		if u, err := url.Parse(n.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			fe.Add("public_url", "config.public_url", "-public-url: want the platform's http(s) address, e.g. https://shequ.example.gov.cn (required with e-mail or the webhook)", nil)
		}
	}
	if n.SMTPAddr != "" {
		if host, port, err := net.SplitHostPort(n.SMTPAddr); err != nil || host == "" || port == "" {
			fe.Add("smtp_addr", "config.smtp_addr", "-smtp-addr: want host:port of the mail relay", nil)
		}
		if a, err := mail.ParseAddress(n.SMTPFrom); err != nil || a.Address == "" {
			fe.Add("smtp_from", "config.smtp_from", "-smtp-from: want the sender's address, e.g. noreply@example.gov.cn", nil)
		}
		switch n.SMTPTLS {
		case "", "starttls", "tls", "none":
		default:
			fe.Add("smtp_tls", "config.smtp_tls", "-smtp-tls: want starttls, tls or none", nil)
		}
		if (n.SMTPUsername == "") != (n.SMTPPassword == "") {
			fe.Add("smtp_username", "config.smtp_auth", "-smtp-username and the SMTP password come together", nil)
		}
	}
	if n.WebhookURL != "" {
		if u, err := url.Parse(n.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fe.Add("webhook_url", "config.webhook_url", "-webhook-url: want an http(s) URL", nil)
		}
		if len(n.WebhookSecret) < 16 {
			fe.Add("webhook_secret", "config.webhook_secret", "the webhook secret (SHEQU_WEBHOOK_SECRET) needs at least 16 characters", nil)
		}
	}
}

// redacted masks the secrets.
func (n NotifyConfig) redacted() NotifyConfig {
	if n.SMTPPassword != "" {
		n.SMTPPassword = "xxxxx"
	}
	if n.WebhookSecret != "" {
		n.WebhookSecret = "xxxxx"
	}
	return n
}
