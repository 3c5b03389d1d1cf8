package notify

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"
)

// Mailer sends e-mail through an SMTP relay (github.com/wneessen/go-mail).
type Mailer struct {
	Addr     string // host:port
	Username string // "" without authentication
	Password string
	From     string
	TLS      string        // "starttls" (default), "tls" or "none"
	Timeout  time.Duration // per connection; default 30 s
}

// Send implements Sender: one plain-text message to the delivery's
// address, with the link and the footer.
func (m *Mailer) Send(ctx context.Context, msg *Message) error {
	e := mail.NewMsg()
	if err := e.From(m.From); err != nil {
		return fmt.Errorf("mail sender: %w", err)
	}
	if err := e.To(msg.Delivery.Address); err != nil {
		return fmt.Errorf("mail recipient: %w", err)
	}
	e.Subject(msg.Title)
	e.SetMessageID()
	e.SetDate()
	// The delivery's id lets a relay or a mailbox rule recognize repeats
	// of the same message (a retry after a lost reply).
	e.SetGenHeader("X-Shequ-Delivery", msg.Delivery.ID)
	e.SetBodyString(mail.TypeTextPlain, msg.Text+"\n\n"+msg.Link+"\n\n-- \n"+msg.Footer+"\n")
	c, err := m.client()
	if err != nil {
		return err
	}
	if err := c.DialAndSendWithContext(ctx, e); err != nil {
		return fmt.Errorf("send mail: %w", err)
	}
	return nil
}

// client configures a connection to the relay.
func (m *Mailer) client() (*mail.Client, error) {
	host, p, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return nil, fmt.Errorf("mail relay address: %w", err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return nil, fmt.Errorf("mail relay port: %w", err)
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithPort(port), mail.WithTimeout(timeout)}
	switch m.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if m.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(m.Username), mail.WithPassword(m.Password))
	}
	c, err := mail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail client: %w", err)
	}
	return c, nil
}
