package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"shequ"
	"shequ/internal/mock"
)

// fakeVerifier is an in-memory shequ.AccountVerifier: the claim matches
// when the account's name starts with "match".
type fakeVerifier struct {
	mu     sync.Mutex
	id     *identity
	code   string
	window []string // "resident user"
}

func (f *fakeVerifier) SendVerifyCode(ctx context.Context) (*shequ.VerifyCode, error) {
	a := shequ.ActorFrom(ctx)
	if a == nil || !a.Pending {
		return nil, shequ.Errorf(shequ.EConflict, "verify.not_pending", "verified")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.code = "123456"
	vc := &shequ.VerifyCode{Code: f.code, ExpiresAt: testNow.Add(shequ.VerifyCodeLife)}
	if strings.HasPrefix(a.Username, "match") {
		vc.Phone = "13800138000"
	}
	return vc, nil
}

func (f *fakeVerifier) CheckVerifyCode(ctx context.Context, code string) (*shequ.Resident, error) {
	a := shequ.ActorFrom(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	if code != f.code || !strings.HasPrefix(a.Username, "match") {
		return nil, shequ.Errorf(shequ.EInvalid, "verify.code_wrong", "wrong")
	}
	f.id.mu.Lock()
	defer f.id.mu.Unlock()
	u := f.id.users[a.Username]
	u.VerifyState, u.Scope = shequ.VerifySMS, "330523001002"
	return testResident(), nil
}

func (f *fakeVerifier) PendingAccounts(ctx context.Context, residentID string) ([]*shequ.PendingAccount, error) {
	return []*shequ.PendingAccount{{UserID: "u-matchwang", Username: "matchwang", PhoneMatch: true, CreatedAt: testNow}}, nil
}

func (f *fakeVerifier) VerifyAtWindow(ctx context.Context, residentID, userID string) (*shequ.Resident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.window = append(f.window, residentID+" "+userID)
	return testResident(), nil
}

// fakeSMS records the messages sent.
type fakeSMS struct {
	mu   sync.Mutex
	sent []string // "phone text"
}

func (f *fakeSMS) SendCode(_ context.Context, phone shequ.Phone, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, string(phone)+" "+text)
	return nil
}

// newVerifyServer is the identity server with two pending accounts,
// "matchwang" (its claim matches) and "nomatch" (it does not).
func newVerifyServer(t *testing.T, res *mock.ResidentService) (*testServer, *identity, *fakeVerifier, *fakeSMS) {
	t.Helper()
	v, sms := &fakeVerifier{}, &fakeSMS{}
	s, id := newIdentityServer(t, res, func(c *Config) { c.Verifier, c.SMS = v, sms })
	v.id = id
	for _, name := range []string{"matchwang", "nomatch"} {
		id.users[name] = &shequ.User{ID: "u-" + name, Username: name, Role: shequ.RoleResident, VerifyState: shequ.VerifyPending}
	}
	return s, id, v, sms
}

// TestRegister: the form answers alike whether or not the pair matches a
// resident, and signs the new, pending account in.
func TestRegister(t *testing.T) {
	var got []string
	res := &mock.ResidentService{RegisterAccountFn: func(_ context.Context, idn, phone string, u *shequ.User, hash string) error {
		got = append(got, idn+" "+phone)
		if u.Role != shequ.RoleResident || hash != "h:a long resident passphrase" {
			t.Errorf("user %+v, hash %q", u, hash)
		}
		u.ID, u.VerifyState = "u-new", shequ.VerifyPending
		return nil
	}}
	s, _ := newIdentityServer(t, res)
	var bodies []string
	for _, phone := range []string{"13900000000", "13812345678"} {
		v := url.Values{"username": {"wangxy"}, "password": {"a long resident passphrase"},
			"confirm": {"a long resident passphrase"}, "id_number": {idElderly}, "phone": {phone}}
		w := s.form(t, "/register", v)
		if w.Code != http.StatusCreated || cookieNamed(w, cookieSession) == nil ||
			!strings.Contains(w.Body.String(), `href="/account/verify" id="register-verify"`) {
			t.Errorf("register with %s: %d\n%s", phone, w.Code, w.Body)
		}
		bodies = append(bodies, w.Body.String())
	}
	if strings.Count(bodies[0], "<") != strings.Count(bodies[1], "<") || !strings.Contains(bodies[0], "注册成功。请先完成实名验证") {
		t.Errorf("the two answers differ:\n%s\n---\n%s", bodies[0], bodies[1])
	}
	if len(got) != 2 || got[1] != idElderly+" 13812345678" {
		t.Errorf("passed %q", got)
	}
	// Malformed numbers are field errors, and nothing is registered.
	v := url.Values{"username": {"wangxy"}, "password": {"a long resident passphrase"},
		"confirm": {"a long resident passphrase"}, "id_number": {"123"}, "phone": {"456"}}
	if w := s.form(t, "/register", v); w.Code != http.StatusBadRequest || len(got) != 2 ||
		!strings.Contains(w.Body.String(), `id="register-id-number-error"`) || !strings.Contains(w.Body.String(), `id="register-phone-error"`) {
		t.Errorf("malformed: %d %q", w.Code, got)
	}
}

// TestPendingAccountGate: a pending account reaches the service guides,
// its account and the verification page; every other page sends it to the
// verification page, every other API call answers 403 account.pending.
func TestPendingAccountGate(t *testing.T) {
	s, id, _, _ := newVerifyServer(t, &mock.ResidentService{})
	c := id.session("nomatch")
	for _, p := range []string{"/account", "/account/verify"} {
		if w := s.get(t, p, "Cookie", c); w.Code != http.StatusOK {
			t.Errorf("GET %s = %d", p, w.Code)
		}
	}
	for _, p := range []string{"/", "/residents", "/requests", "/needs", "/account/notifications", "/account/two-factor",
		"/notifications", "/delegations", "/volunteer", "/care/report", "/public/projects"} {
		if w := s.get(t, p, "Cookie", c); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/verify" {
			t.Errorf("GET %s = %d → %q", p, w.Code, w.Header().Get("Location"))
		}
	}
	for _, p := range []string{"/api/v1/residents", "/api/v1/requests", "/api/v1/notifications", "/api/v1/needs"} {
		w := s.get(t, p, "Cookie", c)
		var body struct{ Error struct{ Code string } }
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != http.StatusForbidden || body.Error.Code != shequ.EPending {
			t.Errorf("GET %s = %d %s", p, w.Code, w.Body)
		}
	}
	for _, p := range []string{"/services/dibao/apply", "/services/dibao/preview", "/residents", "/account/tokens"} {
		if w := s.form(t, p, url.Values{}, "Cookie", c); w.Code != http.StatusForbidden {
			t.Errorf("POST %s = %d", p, w.Code)
		}
	}
	// The account page says what is pending, and links nothing it cannot open.
	w := s.get(t, "/account", "Cookie", c)
	body := w.Body.String()
	if !strings.Contains(body, `id="account-pending"`) || strings.Contains(body, `href="/account/notifications"`) ||
		strings.Contains(body, `id="nav-notifications"`) || strings.Contains(body, `href="/needs"`) {
		t.Errorf("pending account page:\n%s", body)
	}
}

// TestVerifyPages: asking for a code answers alike whether or not the
// claim matches (an SMS only for the match); the right code verifies.
func TestVerifyPages(t *testing.T) {
	s, id, v, sms := newVerifyServer(t, &mock.ResidentService{})
	var pages []string
	for _, name := range []string{"nomatch", "matchwang"} {
		w := s.form(t, "/account/verify/send", url.Values{}, "Cookie", id.session(name))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="verify-code"`) {
			t.Fatalf("send for %s: %d\n%s", name, w.Code, w.Body)
		}
		pages = append(pages, w.Body.String())
	}
	if strings.ReplaceAll(pages[0], "nomatch", "matchwang") != pages[1] {
		t.Errorf("the answers to a send differ:\n%s\n---\n%s", pages[0], pages[1])
	}
	if len(sms.sent) != 1 || !strings.HasPrefix(sms.sent[0], "13800138000 ") || !strings.Contains(sms.sent[0], v.code) {
		t.Errorf("sent %q", sms.sent)
	}
	c := id.session("matchwang")
	w := s.form(t, "/account/verify", url.Values{"code": {"654321"}}, "Cookie", c)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `id="verify-code-error"`) {
		t.Errorf("wrong code: %d\n%s", w.Code, w.Body)
	}
	w = s.form(t, "/account/verify", url.Values{"code": {v.code}}, "Cookie", c)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/verify?notice=verified" {
		t.Errorf("right code: %d %q\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	if w := s.get(t, "/account/verify?notice=verified", "Cookie", c); !strings.Contains(w.Body.String(), "实名验证成功") ||
		!strings.Contains(w.Body.String(), `id="nav-notifications"`) {
		t.Errorf("after the right code:\n%s", w.Body)
	}
	// Verified: the gate lets the account through.
	if w := s.get(t, "/account/notifications", "Cookie", c); w.Code == http.StatusSeeOther {
		t.Errorf("verified account still sent to verification: %d", w.Code)
	}
	// The JSON API answers alike too.
	for _, name := range []string{"nomatch", "matchwang2"} {
		if name == "matchwang2" {
			id.users[name] = &shequ.User{ID: "u-" + name, Username: name, Role: shequ.RoleResident, VerifyState: shequ.VerifyPending}
		}
		w := s.do(t, http.MethodPost, "/api/v1/account/verify/send", nil, "Cookie", id.session(name))
		if w.Code != http.StatusAccepted || !strings.Contains(w.Body.String(), `"expires_at"`) {
			t.Errorf("API send for %s: %d %s", name, w.Code, w.Body)
		}
	}
	w = s.do(t, http.MethodPost, "/api/v1/account/verify", strings.NewReader(`{"code":"000000"}`),
		"Cookie", id.session("nomatch"), "Content-Type", "application/json")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "验证码不正确") {
		t.Errorf("API wrong code: %d %s", w.Code, w.Body)
	}
}

// TestResidentPageWindowVerification: the worker sees the accounts
// claiming the resident and verifies one with a button.
func TestResidentPageWindowVerification(t *testing.T) {
	r := testResident()
	res := &mock.ResidentService{FindResidentByIDFn: func(_ context.Context, id string, reveal bool) (*shequ.Resident, error) {
		c := *r
		return &c, nil
	}}
	s, id, v, _ := newVerifyServer(t, res)
	c := id.session("worker")
	w := s.get(t, "/residents/"+r.ID, "Cookie", c)
	action := "/residents/" + r.ID + "/accounts/u-matchwang/verify"
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `action="`+action+`"`) {
		t.Fatalf("resident page: %d\n%s", w.Code, w.Body)
	}
	w = s.form(t, action, url.Values{}, "Cookie", c)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/residents/"+r.ID+"?notice=account_verified" ||
		len(v.window) != 1 || v.window[0] != r.ID+" u-matchwang" {
		t.Errorf("verify at window: %d %q %q", w.Code, w.Header().Get("Location"), v.window)
	}
	// Not for the official (no right to verify): no list, and 403.
	c = id.session("official")
	if w := s.get(t, "/residents/"+r.ID, "Cookie", c); strings.Contains(w.Body.String(), "pending-accounts") {
		t.Errorf("official sees the window list")
	}
	if w := s.form(t, action, url.Values{}, "Cookie", c); w.Code != http.StatusForbidden {
		t.Errorf("official verifies: %d", w.Code)
	}
}
