package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"shequ"
	"shequ/internal/mock"
)

// testNow is the fixed clock of the identity tests: 14:00 in Shanghai.
var testNow = time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)

// Test ID numbers: an elderly woman (the GB 11643 example) and a girl.
const (
	idElderly = "11010519491231002X"
	idChild   = "330523201503070027"
)

// identity is an in-memory stand-in for the user, session, token and audit
// stores, wired into the mocks, so that tests read what the handlers did.
type identity struct {
	mu        sync.Mutex
	now       time.Time
	users     map[string]*shequ.User // by username
	hashes    map[string]string      // user id → hash
	sessions  map[string]string      // token → user id
	tokens    map[string]string      // secret → user id
	revoked   map[string]bool        // secret → revoked
	audits    []*shequ.AuditRecord
	failures  []string // "id max lockUntil"
	successes []string
	deleted   []string // session tokens deleted
	nextToken int
}

func newIdentity() *identity {
	id := &identity{now: testNow, users: map[string]*shequ.User{}, hashes: map[string]string{},
		sessions: map[string]string{}, tokens: map[string]string{}, revoked: map[string]bool{}}
	add := func(name string, role shequ.Role, scope string) {
		u := &shequ.User{ID: "u-" + name, Username: name, Role: role, Scope: scope}
		id.users[name] = u
		id.hashes[u.ID] = "h:" + name + "-secret-password"
	}
	add("worker", shequ.RoleCommunityWorker, "330523001002")
	add("official", shequ.RoleOfficial, "330523")
	add("auditor", shequ.RoleAuditor, "")
	add("sysadmin", shequ.RoleSysadmin, "")
	add("secadmin", shequ.RoleSecadmin, "")
	return id
}

func (id *identity) byID(uid string) *shequ.User {
	for _, u := range id.users {
		if u.ID == uid {
			c := *u
			return &c
		}
	}
	return nil
}

func (id *identity) clock() time.Time {
	id.mu.Lock()
	defer id.mu.Unlock()
	return id.now
}

// session signs a user in directly and returns the cookie header.
func (id *identity) session(name string) string {
	id.mu.Lock()
	defer id.mu.Unlock()
	id.nextToken++
	tok := fmt.Sprintf("tok%d", id.nextToken)
	id.sessions[tok] = id.users[name].ID
	return cookieSession + "=" + tok
}

func (id *identity) config(c *Config) {
	c.Now = id.clock
	// Refusals are held for the login floor; these tests do not time them
	// (TestLoginRefusalsAlike does).
	c.LoginFloor = time.Millisecond
	c.Hasher = &mock.PasswordHasher{
		HashFn:   func(p string) (string, error) { return "h:" + p, nil },
		VerifyFn: func(p, h string) (bool, error) { return h == "h:"+p, nil },
	}
	c.Users = &mock.UserService{
		FindUserByUsernameFn: func(_ context.Context, name string) (*shequ.User, error) {
			id.mu.Lock()
			defer id.mu.Unlock()
			u, ok := id.users[name]
			if !ok {
				return nil, shequ.Errorf(shequ.ENotFound, "user.not_found", "No such user.")
			}
			c := *u
			return &c, nil
		},
		PasswordHashFn: func(_ context.Context, uid string) (string, error) {
			id.mu.Lock()
			defer id.mu.Unlock()
			return id.hashes[uid], nil
		},
		RecordLoginFailureFn: func(_ context.Context, uid string, max int, until time.Time) (*shequ.User, error) {
			id.mu.Lock()
			defer id.mu.Unlock()
			id.failures = append(id.failures, fmt.Sprintf("%s %d %s", uid, max, until.Format(time.RFC3339)))
			u := id.byID(uid)
			u.FailedLogins = len(id.failures)
			if u.FailedLogins >= max {
				u.LockedUntil = &until
			}
			return u, nil
		},
		RecordLoginSuccessFn: func(_ context.Context, uid string) error {
			id.mu.Lock()
			defer id.mu.Unlock()
			id.successes = append(id.successes, uid)
			return nil
		},
		SetPasswordFn: func(_ context.Context, uid, hash string, must bool) error {
			id.mu.Lock()
			defer id.mu.Unlock()
			id.hashes[uid] = hash
			for _, u := range id.users {
				if u.ID == uid {
					u.MustChangePassword = must
				}
			}
			return nil
		},
	}
	c.Sessions = &mock.SessionService{
		CreateSessionFn: func(_ context.Context, uid, addr string, p shequ.SessionPolicy) (string, *shequ.Session, error) {
			id.mu.Lock()
			defer id.mu.Unlock()
			id.nextToken++
			tok := fmt.Sprintf("new%d", id.nextToken)
			id.sessions[tok] = uid
			return tok, &shequ.Session{UserID: uid, ClientAddr: addr}, nil
		},
		FindSessionFn: func(_ context.Context, tok string, p shequ.SessionPolicy) (*shequ.Session, *shequ.User, error) {
			id.mu.Lock()
			defer id.mu.Unlock()
			uid, ok := id.sessions[tok]
			if !ok {
				return nil, nil, shequ.Errorf(shequ.EUnauthorized, "session.expired", "expired")
			}
			return &shequ.Session{UserID: uid}, id.byID(uid), nil
		},
		DeleteSessionFn: func(_ context.Context, tok string) error {
			id.mu.Lock()
			defer id.mu.Unlock()
			id.deleted = append(id.deleted, tok)
			delete(id.sessions, tok)
			return nil
		},
		DeleteUserSessionsFn: func(_ context.Context, uid string) (int, error) {
			id.mu.Lock()
			defer id.mu.Unlock()
			n := 0
			for tok, u := range id.sessions {
				if u == uid {
					delete(id.sessions, tok)
					n++
				}
			}
			return n, nil
		},
	}
	c.Tokens = &mock.TokenService{
		FindTokenUserFn: func(_ context.Context, secret string) (*shequ.User, *shequ.APIToken, error) {
			id.mu.Lock()
			defer id.mu.Unlock()
			uid, ok := id.tokens[secret]
			if !ok || id.revoked[secret] {
				return nil, nil, shequ.Errorf(shequ.EUnauthorized, "auth.token.invalid", "bad token")
			}
			return id.byID(uid), &shequ.APIToken{UserID: uid}, nil
		},
	}
	c.Audit = &mock.AuditService{
		RecordAuditFn: func(_ context.Context, r *shequ.AuditRecord) error {
			id.mu.Lock()
			defer id.mu.Unlock()
			id.audits = append(id.audits, r)
			return nil
		},
	}
}

// newIdentityServer builds a server over the identity fixture and the
// given resident service (nil: one whose every method panics).
func newIdentityServer(t *testing.T, res *mock.ResidentService, edit ...func(*Config)) (*testServer, *identity) {
	t.Helper()
	id := newIdentity()
	if res == nil {
		res = &mock.ResidentService{}
	}
	edits := append([]func(*Config){id.config, func(c *Config) { c.Residents = res }}, edit...)
	return newTestServer(t, nil, edits...), id
}

// form posts a form; headers are name/value pairs.
func (s *testServer) form(t *testing.T, target string, v url.Values, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	h := append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)
	return s.do(t, http.MethodPost, target, strings.NewReader(v.Encode()), h...)
}

func cookieNamed(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestLoginSuccess(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprint("secure=", secure), func(t *testing.T) {
			s, id := newIdentityServer(t, nil, func(c *Config) { c.SecureCookies = secure })
			old := id.session("worker") // a session id planted before login
			w := s.form(t, "/login", url.Values{"username": {"worker"}, "password": {"worker-secret-password"},
				"return": {"/residents"}}, "Cookie", old)
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/residents" {
				t.Fatalf("status %d, Location %q\n%s", w.Code, w.Header().Get("Location"), w.Body)
			}
			c := cookieNamed(w, cookieSession)
			if c == nil || c.Value == "" || cookieSession+"="+c.Value == old {
				t.Fatalf("want a new session cookie, got %v (old %s)", c, old)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != secure {
				t.Errorf("cookie attributes: %+v", c)
			}
			if len(id.deleted) != 1 || cookieSession+"="+id.deleted[0] != old {
				t.Errorf("the old session must be deleted: %v", id.deleted)
			}
			if len(id.successes) != 1 {
				t.Errorf("RecordLoginSuccess calls: %v", id.successes)
			}
			if len(id.audits) != 1 || id.audits[0].Action != "login" || id.audits[0].Result != shequ.AuditAllowed ||
				id.audits[0].ActorName != "worker" || id.audits[0].ClientAddr != "192.0.2.1" || id.audits[0].RequestID == "" {
				t.Errorf("audit = %+v", id.audits)
			}
		})
	}
}

func TestLoginWrongPassword(t *testing.T) {
	s, id := newIdentityServer(t, nil)
	for _, name := range []string{"worker", "nobody"} {
		w := s.form(t, "/login", url.Values{"username": {name}, "password": {"wrong-password-123"}})
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "用户名或密码错误") {
			t.Errorf("%s: %d\n%s", name, w.Code, w.Body)
		}
		if !strings.Contains(w.Body.String(), `role="alert"`) || cookieNamed(w, cookieSession) != nil {
			t.Errorf("%s: the error is announced and no cookie is set", name)
		}
		if !strings.Contains(w.Body.String(), `value="`+name+`"`) {
			t.Errorf("%s: the user name is kept in the form", name)
		}
	}
	want := "u-worker 5 " + testNow.Add(15*time.Minute).Format(time.RFC3339)
	if len(id.failures) != 1 || id.failures[0] != want {
		t.Errorf("RecordLoginFailure = %v, want [%s]", id.failures, want)
	}
	if len(id.audits) != 2 {
		t.Fatalf("audits = %v", id.audits)
	}
	for _, a := range id.audits {
		if a.Result != shequ.AuditFailed || strings.Contains(a.Detail+a.ActorName, "wrong-password") {
			t.Errorf("audit %+v", a)
		}
	}
}

func TestLoginLocked(t *testing.T) {
	s, id := newIdentityServer(t, nil)
	until := testNow.Add(10 * time.Minute)
	id.users["worker"].LockedUntil = &until
	// Even the right password is refused while locked, with the answer an
	// unknown name gets: nothing tells that the account exists or is locked.
	w := s.form(t, "/login", url.Values{"username": {"worker"}, "password": {"worker-secret-password"}})
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "用户名或密码错误，或账户因连续登录失败已被临时锁定") {
		t.Fatalf("%d\n%s", w.Code, w.Body)
	}
	if len(id.successes) != 0 || id.audits[0].Result != shequ.AuditDenied || id.audits[0].Detail != "locked" {
		t.Errorf("successes %v, audits %+v", id.successes, id.audits[0])
	}
	if len(id.failures) != 0 {
		t.Errorf("a locked account's lock is not extended: %v", id.failures)
	}

	// The failure that reaches the limit locks; the answer is the same
	// again, the audit record says so.
	s, id = newIdentityServer(t, nil, func(c *Config) {
		c.Security = shequ.DefaultSecurityPolicy
		c.Security.MaxFailedLogins = 1
	})
	w = s.form(t, "/login", url.Values{"username": {"worker"}, "password": {"wrong-password-123"}})
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "用户名或密码错误，或账户因连续登录失败已被临时锁定") {
		t.Errorf("lockout answer:\n%s", w.Body)
	}
	if len(id.audits) != 1 || !strings.Contains(id.audits[0].Detail, "locked") {
		t.Errorf("audits = %+v", id.audits)
	}
}

func TestLoginThrottled(t *testing.T) {
	s, id := newIdentityServer(t, nil, func(c *Config) {
		c.Security = shequ.DefaultSecurityPolicy
		c.Security.LoginsPerMinute = 3
		c.Security.MaxFailedLogins = 100
	})
	bad := url.Values{"username": {"worker"}, "password": {"wrong-password-123"}}
	for i := 0; i < 3; i++ {
		if w := s.form(t, "/login", bad); w.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, w.Code)
		}
	}
	w := s.form(t, "/login", bad)
	if w.Code != http.StatusTooManyRequests || !strings.Contains(w.Body.String(), "登录尝试过于频繁") {
		t.Fatalf("4th attempt: %d\n%s", w.Code, w.Body)
	}
	if len(id.failures) != 3 {
		t.Errorf("a throttled attempt must not reach the account: %d failures", len(id.failures))
	}
	// Another address is not affected; the JSON login shares the limit.
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(bad.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "198.51.100.7:4321"
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("other address: %d", w.Code)
	}
	w = s.do(t, http.MethodPost, "/api/v1/session", strings.NewReader(`{"username":"worker","password":"x"}`),
		"Content-Type", "application/json")
	if w.Code != http.StatusTooManyRequests || decode(t, w)["error"].(map[string]any)["code"] != codeTooManyRequests {
		t.Errorf("API: %d %s", w.Code, w.Body)
	}
	// A minute later the address may try again.
	id.mu.Lock()
	id.now = id.now.Add(time.Minute)
	id.mu.Unlock()
	if w := s.form(t, "/login", bad); w.Code != http.StatusUnauthorized {
		t.Errorf("after a minute: %d", w.Code)
	}
}

func TestLogoutAndRevokeAll(t *testing.T) {
	s, id := newIdentityServer(t, nil)
	c := id.session("worker")
	w := s.form(t, "/logout", nil, "Cookie", c)
	if w.Code != http.StatusSeeOther || len(id.deleted) != 1 || len(id.sessions) != 0 {
		t.Fatalf("logout: %d, deleted %v", w.Code, id.deleted)
	}
	if k := cookieNamed(w, cookieSession); k == nil || k.MaxAge >= 0 {
		t.Errorf("the cookie must be cleared: %v", k)
	}

	c1, c2 := id.session("worker"), id.session("worker")
	id.session("official")
	w = s.form(t, "/account/sessions/revoke-all", nil, "Cookie", c1)
	if w.Code != http.StatusSeeOther || len(id.sessions) != 1 {
		t.Fatalf("revoke-all: %d, sessions left %v", w.Code, id.sessions)
	}
	if w := s.get(t, "/account", "Cookie", c2); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
		t.Errorf("another session of the user must be gone: %d %s", w.Code, w.Header().Get("Location"))
	}
}

func TestMustChangePassword(t *testing.T) {
	s, id := newIdentityServer(t, nil)
	id.users["sysadmin"].MustChangePassword = true
	c := id.session("sysadmin")
	for _, p := range []string{"/", "/users", "/divisions"} {
		if w := s.get(t, p, "Cookie", c); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/password" {
			t.Errorf("%s: %d %q", p, w.Code, w.Header().Get("Location"))
		}
	}
	if w := s.get(t, "/account/password", "Cookie", c); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="password-must"`) {
		t.Errorf("password page: %d", w.Code)
	}
	w := s.get(t, "/api/v1/residents", "Cookie", c)
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "请先修改初始密码") {
		t.Errorf("API: %d %s", w.Code, w.Body)
	}
	// A valid change clears the flag and rotates the session.
	w = s.form(t, "/account/password", url.Values{"current": {"sysadmin-secret-password"},
		"new": {"a long and new passphrase"}, "confirm": {"a long and new passphrase"}}, "Cookie", c)
	if w.Code != http.StatusSeeOther || id.users["sysadmin"].MustChangePassword || cookieNamed(w, cookieSession) == nil {
		t.Fatalf("change: %d\n%s", w.Code, w.Body)
	}
	if logout := s.form(t, "/logout", nil, "Cookie", c); logout.Code != http.StatusSeeOther {
		t.Errorf("logout stays reachable: %d", logout.Code)
	}
}

func TestPasswordFieldErrors(t *testing.T) {
	s, id := newIdentityServer(t, nil)
	c := id.session("worker")
	w := s.form(t, "/account/password", url.Values{"current": {"wrong"}, "new": {"short"}, "confirm": {"other"}}, "Cookie", c)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("%d", w.Code)
	}
	for _, want := range []string{`id="password-current-error"`, `id="password-new-error"`, `id="password-confirm-error"`,
		`aria-describedby="password-new-error password-new-hint"`, "当前密码不正确"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("missing %s", want)
		}
	}
}

func TestPagesNeedSignIn(t *testing.T) {
	s, _ := newIdentityServer(t, nil)
	w := s.get(t, "/residents?q=%E5%BC%A0")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?return="+url.QueryEscape("/residents?q=%E5%BC%A0") {
		t.Errorf("%d %q", w.Code, w.Header().Get("Location"))
	}
	w = s.get(t, "/api/v1/residents")
	if w.Code != http.StatusUnauthorized || decode(t, w)["error"].(map[string]any)["code"] != "unauthorized" {
		t.Errorf("API: %d %s", w.Code, w.Body)
	}
	// Reference data stays public.
	if w := s.get(t, "/divisions/33"); w.Code != http.StatusOK {
		t.Errorf("divisions: %d", w.Code)
	}
}

func TestBearerToken(t *testing.T) {
	res := &mock.ResidentService{FindResidentsFn: func(ctx context.Context, f shequ.ResidentFilter) ([]*shequ.Resident, int, error) {
		if a := shequ.ActorFrom(ctx); a == nil || a.Username != "worker" {
			t.Errorf("actor = %+v", a)
		}
		return nil, 0, nil
	}}
	s, id := newIdentityServer(t, res)
	id.tokens["good"], id.tokens["old"] = "u-worker", "u-worker"
	id.revoked["old"] = true
	if w := s.get(t, "/api/v1/residents", "Authorization", "Bearer good"); w.Code != http.StatusOK {
		t.Errorf("valid token: %d %s", w.Code, w.Body)
	}
	for _, h := range []string{"Bearer old", "Bearer nope", "Basic d29ya2VyOng="} {
		w := s.get(t, "/api/v1/residents", "Authorization", h)
		if w.Code != http.StatusUnauthorized || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: %d %v", h, w.Code, w.Header())
		}
	}
	id.users["worker"].Disabled = true
	if w := s.get(t, "/api/v1/residents", "Authorization", "Bearer good"); w.Code != http.StatusUnauthorized {
		t.Errorf("disabled user's token: %d", w.Code)
	}
}

func TestAPISession(t *testing.T) {
	s, id := newIdentityServer(t, nil)
	w := s.do(t, http.MethodPost, "/api/v1/session", strings.NewReader(`{"username":"worker","password":"worker-secret-password"}`),
		"Content-Type", "application/json")
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	u := decode(t, w)["user"].(map[string]any)
	if u["username"] != "worker" || u["role"] != "community_worker" || cookieNamed(w, cookieSession) == nil {
		t.Errorf("user %v", u)
	}
	c := cookieSession + "=" + cookieNamed(w, cookieSession).Value
	if w := s.do(t, http.MethodDelete, "/api/v1/session", nil, "Cookie", c); w.Code != http.StatusNoContent || len(id.sessions) != 0 {
		t.Errorf("delete: %d, sessions %v", w.Code, id.sessions)
	}
	w = s.do(t, http.MethodPost, "/api/v1/session", strings.NewReader(`{"username":"worker","password":"nope"}`))
	if w.Code != http.StatusUnauthorized || decode(t, w)["error"].(map[string]any)["message"] != "用户名或密码错误，或账户因连续登录失败已被临时锁定（请稍后再试，或请安全管理员解锁）。" {
		t.Errorf("wrong password: %d %s", w.Code, w.Body)
	}
}

func TestCrossOriginLoginRefused(t *testing.T) {
	s, id := newIdentityServer(t, nil)
	w := s.form(t, "/login", url.Values{"username": {"worker"}, "password": {"worker-secret-password"}},
		"Sec-Fetch-Site", "cross-site")
	if w.Code != http.StatusForbidden || cookieNamed(w, cookieSession) != nil || len(id.audits) != 0 {
		t.Errorf("%d, audits %v", w.Code, id.audits)
	}
}

func TestNavigationByRole(t *testing.T) {
	s, id := newIdentityServer(t, nil)
	tests := []struct {
		user      string
		show, not []string
	}{
		{"worker", []string{"nav-residents", "nav-account", "logout"}, []string{"nav-audit", "nav-users", "nav-login"}},
		{"auditor", []string{"nav-audit"}, []string{"nav-residents", "nav-users"}},
		{"sysadmin", []string{"nav-users"}, []string{"nav-audit", "nav-residents"}},
		{"", []string{"nav-login"}, []string{"nav-residents", "nav-audit", "nav-users", "logout"}},
	}
	for _, tt := range tests {
		var h []string
		if tt.user != "" {
			h = []string{"Cookie", id.session(tt.user)}
		}
		body := s.get(t, "/", h...).Body.String()
		for _, want := range tt.show {
			if !strings.Contains(body, `id="`+want+`"`) {
				t.Errorf("%s: %s missing", tt.user, want)
			}
		}
		for _, no := range tt.not {
			if strings.Contains(body, `id="`+no+`"`) {
				t.Errorf("%s: %s shown", tt.user, no)
			}
		}
	}
}

func FuzzParseClientAddr(f *testing.F) {
	for _, s := range []string{"192.0.2.1:1234", "[2001:db8::1]:443", "2001:db8::1", "::ffff:10.0.0.1", "@", "", "[fe80::1%eth0]:80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := parseClientAddr(s)
		if len(a) > 64 && !strings.Contains(a, ":") {
			t.Errorf("parseClientAddr(%q) = %q: too long", s, a)
		}
		k := throttleKey(a)
		if throttleKey(a) != k {
			t.Errorf("throttleKey not stable for %q", a)
		}
	})
}

func TestClientAddr(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:1234":       "192.0.2.1",
		"[::ffff:10.0.0.1]:80": "10.0.0.1",
		"[2001:db8::1]:443":    "2001:db8::1",
	} {
		if got := parseClientAddr(in); got != want {
			t.Errorf("parseClientAddr(%q) = %q, want %q", in, got, want)
		}
	}
	if throttleKey("2001:db8::1") != throttleKey("2001:db8::2") || throttleKey("2001:db8::1") != "2001:db8::/64" {
		t.Errorf("IPv6 is throttled per /64: %q", throttleKey("2001:db8::1"))
	}
}
