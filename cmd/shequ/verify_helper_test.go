package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"shequ"
	"shequ/internal/sqlstore"
)

// registerLinked registers an account claiming r as a person does (a
// pending account) and verifies it at the window as the console, so that
// the account is linked to r as the journeys of other modules need.
func registerLinked(t *testing.T, res *sqlstore.ResidentService, r *shequ.Resident, u *shequ.User, hash string) {
	t.Helper()
	anon := shequ.WithRequestMeta(context.Background(), shequ.RequestMeta{ClientAddr: "192.0.2.1", RequestID: "register"})
	if err := res.RegisterAccount(anon, string(r.IDNumber), string(r.Phone), u, hash); err != nil {
		t.Fatalf("register %s: %v", u.Username, err)
	}
	if _, err := res.VerifyAtWindow(cliContext(context.Background()), r.ID, u.ID); err != nil {
		t.Fatalf("verify %s at the window: %v", u.Username, err)
	}
}

// smsCode returns the verification code of the last message the server of
// t sent to phone through its SMS outbox (sms-outbox.jsonl in its data
// folder), failing when there is none.
func smsCode(t *testing.T, phone string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir(t), smsOutboxName))
	if err != nil {
		t.Fatalf("sms outbox: %v", err)
	}
	code := ""
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m struct{ Phone, Text string }
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("sms outbox line %q: %v", line, err)
		}
		if m.Phone == phone {
			code = smsCodeRE.FindString(m.Text)
		}
	}
	if code == "" {
		t.Fatalf("no code sent to %s in:\n%s", phone, b)
	}
	return code
}

var smsCodeRE = regexp.MustCompile(`\b\d{6}\b`)

// verifyBySMS verifies the pending account signed in on c with the code
// sent to phone, as a person does on /account/verify.
func verifyBySMS(t *testing.T, c *http.Client, base, phone string) {
	t.Helper()
	res, err := c.PostForm(base+"/account/verify/send", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("ask for a code: %d", res.StatusCode)
	}
	res, err = c.PostForm(base+"/account/verify", url.Values{"code": {smsCode(t, phone)}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="verify-next"`) {
		t.Fatalf("give the code: %d\n%s", res.StatusCode, body)
	}
}

// verifyInBrowser verifies the pending account signed in on ctx with the
// code sent to phone, through the page.
func verifyInBrowser(t *testing.T, ctx context.Context, base, phone string) error {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/account/verify"), chromedp.Click(chromedp.ID("verify-send")),
		chromedp.WaitVisible(chromedp.ID("verify-code"))); err != nil {
		return err
	}
	return chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("verify-code"), smsCode(t, phone)),
		chromedp.Click(chromedp.ID("verify-submit")), chromedp.WaitVisible(chromedp.ID("verify-next")))
}
