//go:build !race

// On the demo county, as the route crawl: run without the race detector
// (scripts/test runs these in a step of their own).

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shequ"
	"shequ/internal/demo"
)

// sessionClient is a browser-like client: a cookie jar, no redirects
// followed, answers in Chinese.
type sessionClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newSessionClient(t *testing.T, base string) *sessionClient {
	jar, _ := cookiejar.New(nil)
	return &sessionClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request (form values or a JSON body) and returns the status,
// the Location and Retry-After headers and the body.
func (c *sessionClient) do(method, path string, form url.Values, jsonBody string) (int, http.Header, string) {
	c.t.Helper()
	var body io.Reader
	req, _ := http.NewRequest(method, c.base+path, nil)
	switch {
	case form != nil:
		body = strings.NewReader(form.Encode())
		req, _ = http.NewRequest(method, c.base+path, body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case jsonBody != "":
		req, _ = http.NewRequest(method, c.base+path, strings.NewReader(jsonBody))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept-Language", "zh-CN")
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// TestSelfRegistrationAttacks tries issue 14's attack on the demo: someone
// who knows 刘芳's ID number and phone (a left-behind woman, no account)
// registers with them. The answer is the same as for a wrong pair; the
// pending account can neither read her record nor file 最低生活保障 in her
// name; the code goes only to the phone on record, and guessing it is
// throttled.
func TestSelfRegistrationAttacks(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, _, m := startDemoServer(t, dsn)
		liuFang := validID("33052319850620042")
		rs, _, err := m.svc.residents.FindResidents(cliContext(context.Background()), shequ.ResidentFilter{IDNumber: liuFang, Limit: 1})
		if err != nil || len(rs) != 1 || rs[0].UserID != "" {
			t.Fatalf("刘芳 in the demo: %v %v", rs, err)
		}
		record := rs[0].ID
		const pass = "a long enough attacker passphrase"
		register := func(user, id, phone string) (*sessionClient, string) {
			c := newSessionClient(t, base)
			code, _, body := c.do(http.MethodPost, "/register", url.Values{"username": {user}, "password": {pass},
				"confirm": {pass}, "id_number": {id}, "phone": {phone}}, "")
			if code != http.StatusCreated {
				t.Fatalf("register %s: %d\n%s", user, code, body)
			}
			return c, strings.ReplaceAll(body, user, "USER")
		}
		attacker, right := register("attacker1", liuFang, "13857200004")
		wrongPhone, wrong := register("attacker2", liuFang, "13857200099")
		_, unknown := register("attacker3", validID("33052319850620999"), "13857200004")
		if right != wrong || right != unknown {
			t.Errorf("registration answers differ between a right pair, a wrong phone and an unknown number")
		}

		// The pending account reads nothing and files nothing.
		if code, h, _ := attacker.do(http.MethodGet, "/residents/"+record, nil, ""); code != http.StatusSeeOther ||
			h.Get("Location") != "/account/verify" {
			t.Errorf("her record page: %d → %q", code, h.Get("Location"))
		}
		for _, p := range []string{"/api/v1/residents/" + record, "/api/v1/residents?community=" + demo.Community, "/api/v1/requests"} {
			code, _, body := attacker.do(http.MethodGet, p, nil, "")
			if code != http.StatusForbidden || !strings.Contains(body, `"account_pending"`) || strings.Contains(body, "left_behind_woman") {
				t.Errorf("GET %s: %d %s", p, code, body)
			}
		}
		code, _, body := attacker.do(http.MethodPost, "/api/v1/requests", nil, `{"item":"MZ-001","attrs":{}}`)
		if code != http.StatusForbidden || !strings.Contains(body, `"account_pending"`) {
			t.Errorf("file 最低生活保障 by the API: %d %s", code, body)
		}
		if code, _, _ := attacker.do(http.MethodPost, "/services/MZ-001/apply", url.Values{"contact_phone": {"13857200004"}}, ""); code != http.StatusForbidden {
			t.Errorf("file 最低生活保障 by the form: %d", code)
		}
		if code, _, body := attacker.do(http.MethodGet, "/services/MZ-001", nil, ""); code != http.StatusOK || strings.Contains(body, "/services/MZ-001/apply") {
			t.Errorf("the guide of 最低生活保障: %d, offers to apply: %v", code, strings.Contains(body, "/apply"))
		}

		// Codes: the right pair's goes to her phone on record, the wrong
		// pair's nowhere; the answers are alike.
		outbox := filepath.Join(dataDir(t), smsOutboxName)
		_, _, sentA := attacker.do(http.MethodPost, "/account/verify/send", url.Values{}, "")
		_, _, sentB := wrongPhone.do(http.MethodPost, "/account/verify/send", url.Values{}, "")
		if strings.ReplaceAll(sentA, "attacker1", "U") != strings.ReplaceAll(sentB, "attacker2", "U") {
			t.Errorf("the answers to a send differ")
		}
		b, err := os.ReadFile(outbox)
		if err != nil || strings.Count(string(b), "\n") != 1 || !strings.Contains(string(b), `"phone":"13857200004"`) {
			t.Errorf("outbox after two sends (%v):\n%s", err, b)
		}
		if fi, err := os.Stat(outbox); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("outbox mode: %v %v", fi, err)
		}
		// Guessing: five wrong codes spend the code, the right one is
		// refused after; a new code only after a minute (429, Retry-After).
		real := smsCode(t, "13857200004")
		for i := 0; i < shequ.VerifyCodeTries; i++ {
			guess := "00000" + string(rune('0'+i))
			if guess == real {
				guess = "999999"
			}
			if code, _, body := attacker.do(http.MethodPost, "/api/v1/account/verify", nil, `{"code":"`+guess+`"}`); code != http.StatusBadRequest {
				t.Fatalf("guess %d: %d %s", i, code, body)
			}
		}
		if code, _, body := attacker.do(http.MethodPost, "/api/v1/account/verify", nil, `{"code":"`+real+`"}`); code != http.StatusBadRequest {
			t.Errorf("the right code after five wrong ones: %d %s", code, body)
		}
		code, h, _ := attacker.do(http.MethodPost, "/api/v1/account/verify/send", nil, "")
		if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
			t.Errorf("a second code at once: %d, Retry-After %q", code, h.Get("Retry-After"))
		}
		rs, _, err = m.svc.residents.FindResidents(cliContext(context.Background()), shequ.ResidentFilter{IDNumber: liuFang, Limit: 1})
		if err != nil || rs[0].UserID != "" {
			t.Errorf("刘芳's record linked to %q after the attack (%v)", rs[0].UserID, err)
		}
		var body2 struct {
			Error struct{ Code string } `json:"error"`
		}
		_, _, raw := attacker.do(http.MethodGet, "/api/v1/needs", nil, "")
		if err := json.Unmarshal([]byte(raw), &body2); err != nil || body2.Error.Code != shequ.EPending {
			t.Errorf("API answer to a pending account: %s", raw)
		}
	})
}
