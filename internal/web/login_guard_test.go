package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"shequ"
	"shequ/internal/mock"
)

// countVerify wraps the identity fixture's hasher to count verifications.
func countVerify(n *atomic.Int32) func(*Config) {
	return func(c *Config) {
		inner := c.Hasher.(*mock.PasswordHasher)
		c.Hasher = &mock.PasswordHasher{
			HashFn: inner.HashFn,
			VerifyFn: func(p, h string) (bool, error) {
				n.Add(1)
				return inner.VerifyFn(p, h)
			},
		}
	}
}

// An unknown name, a locked account (with the right password or not), a
// wrong password, the failure that locks, and a disabled account get the
// same answer, byte for byte, and by construction the same time: the
// password is verified exactly once in each case and every refusal is held
// until the login floor has passed.
func TestLoginRefusalsAlike(t *testing.T) {
	const floor = 80 * time.Millisecond
	cases := []struct {
		name, user, password string
		setup                func(id *identity)
	}{
		{"unknown name", "nobody", "worker-secret-password", nil},
		{"wrong password", "worker", "wrong-password-123", nil},
		{"the failure that locks", "worker", "wrong-password-123", func(id *identity) {
			id.failures = []string{"1", "2", "3", "4"}
		}},
		{"locked, right password", "worker", "worker-secret-password", func(id *identity) {
			until := testNow.Add(10 * time.Minute)
			id.users["worker"].LockedUntil = &until
		}},
		{"locked, wrong password", "worker", "wrong-password-123", func(id *identity) {
			until := testNow.Add(10 * time.Minute)
			id.users["worker"].LockedUntil = &until
		}},
		{"disabled", "worker", "worker-secret-password", func(id *identity) { id.users["worker"].Disabled = true }},
	}
	var pages, apis []string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var verified atomic.Int32
			s, id := newIdentityServer(t, nil, countVerify(&verified), func(cfg *Config) { cfg.LoginFloor = floor })
			if c.setup != nil {
				c.setup(id)
			}
			start := time.Now()
			w := s.form(t, "/login", url.Values{"username": {c.user}, "password": {c.password}})
			if took := time.Since(start); took < floor {
				t.Errorf("the refusal took %v, less than the floor %v", took, floor)
			}
			if w.Code != http.StatusUnauthorized || cookieNamed(w, cookieSession) != nil {
				t.Fatalf("%d\n%s", w.Code, w.Body)
			}
			// The form keeps the name typed; the rest must be identical.
			pages = append(pages, strings.ReplaceAll(w.Body.String(), `value="`+c.user+`"`, `value="NAME"`))
			w = s.do(t, http.MethodPost, "/api/v1/session", strings.NewReader(`{"username":"`+c.user+`","password":"`+c.password+`"}`),
				"Content-Type", "application/json")
			apis = append(apis, w.Body.String())
			if n := verified.Load(); n != 2 {
				t.Errorf("the password was verified %d times in two attempts, want once each", n)
			}
			if len(id.successes) != 0 {
				t.Errorf("successes %v", id.successes)
			}
		})
	}
	for i := range pages {
		if pages[i] != pages[0] {
			t.Errorf("the page of %q differs from that of %q", cases[i].name, cases[0].name)
		}
		if apis[i] != apis[0] {
			t.Errorf("API answer of %q = %s, of %q = %s", cases[i].name, apis[i], cases[0].name, apis[0])
		}
	}
}

// Attempts at one user name are limited from all addresses together,
// whether or not the name exists, with Retry-After the seconds left of the
// minute; other names are not affected.
func TestLoginThrottledPerAccount(t *testing.T) {
	s, id := newIdentityServer(t, nil, func(c *Config) {
		c.Security = shequ.DefaultSecurityPolicy
		c.Security.AccountLoginsPerMinute = 3
		c.Security.MaxFailedLogins = 100
		c.LoginFloor = time.Millisecond
	})
	for _, name := range []string{"worker", "nobody"} {
		for i := range 4 {
			r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"username": {name}, "password": {"wrong-password-123"}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.RemoteAddr = "198.51.100." + string(rune('1'+i)) + ":1234" // a new address each time
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			want := http.StatusUnauthorized
			if i == 3 {
				want = http.StatusTooManyRequests
			}
			if w.Code != want {
				t.Fatalf("%s, attempt %d: %d, want %d\n%s", name, i+1, w.Code, want, w.Body)
			}
			if i == 3 && (w.Header().Get("Retry-After") != "60" || !strings.Contains(w.Body.String(), "登录尝试过于频繁")) {
				t.Errorf("%s: Retry-After %q\n%s", name, w.Header().Get("Retry-After"), w.Body)
			}
		}
	}
	if len(id.failures) != 3 {
		t.Errorf("a throttled attempt must not reach the account: %d failures", len(id.failures))
	}
	if w := s.form(t, "/login", url.Values{"username": {"official"}, "password": {"official-secret-password"}}); w.Code != http.StatusSeeOther {
		t.Errorf("another name: %d", w.Code)
	}
	// The clock moves on 45 s: the answer says 15 s are left.
	id.mu.Lock()
	id.now = testNow.Add(45 * time.Second)
	id.mu.Unlock()
	w := s.form(t, "/login", url.Values{"username": {"worker"}, "password": {"x-wrong-password"}})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "15" {
		t.Errorf("later: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
}

// Behind trusted proxies the client is the rightmost address of
// X-Forwarded-For that is not a proxy; anything a client writes to the
// left is ignored, and without trusted proxies the header is.
func TestClientAddrBehindProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		xff     []string
		want    string
	}{
		{"no proxies: the header is ignored", nil, "10.1.1.1:5000", []string{"203.0.113.7"}, "10.1.1.1"},
		{"an untrusted peer's header is ignored", proxies, "198.51.100.9:5000", []string{"203.0.113.7"}, "198.51.100.9"},
		{"one proxy", proxies, "10.1.1.1:5000", []string{"203.0.113.7"}, "203.0.113.7"},
		{"a forged hop to the left", proxies, "10.1.1.1:5000", []string{"1.2.3.4, 203.0.113.7"}, "203.0.113.7"},
		{"two proxies", proxies, "10.1.1.1:5000", []string{"203.0.113.7, 10.2.2.2"}, "203.0.113.7"},
		{"several header lines", proxies, "10.1.1.1:5000", []string{"1.2.3.4", "203.0.113.7, 10.2.2.2"}, "203.0.113.7"},
		{"only proxies", proxies, "10.1.1.1:5000", []string{"10.3.3.3, 10.2.2.2"}, "10.3.3.3"},
		{"no header", proxies, "10.1.1.1:5000", nil, "10.1.1.1"},
		{"garbage hop", proxies, "10.1.1.1:5000", []string{"203.0.113.7, evil, 10.2.2.2"}, "10.2.2.2"},
		{"IPv6 client through IPv6 proxy", proxies, "[fd00::1]:443", []string{"2001:db8::7"}, "2001:db8::7"},
		{"mapped IPv4 client", proxies, "10.1.1.1:5000", []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, nil, func(c *Config) { c.TrustedProxies = tt.trusted })
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := s.clientAddr(r); got != tt.want {
				t.Errorf("clientAddr = %q, want %q", got, tt.want)
			}
		})
	}
}

// Behind a trusted proxy every client has a throttle budget of its own and
// is audited by its address, instead of all sharing the proxy's.
func TestThrottlePerClientBehindProxy(t *testing.T) {
	s, id := newIdentityServer(t, nil, func(c *Config) {
		c.Security = shequ.DefaultSecurityPolicy
		c.Security.LoginsPerMinute = 2
		c.Security.MaxFailedLogins = 100
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")} // httptest's 192.0.2.1
		c.LoginFloor = time.Millisecond
	})
	attempt := func(client string) int {
		return s.form(t, "/login", url.Values{"username": {"nobody" + client}, "password": {"wrong-password-123"}}, "X-Forwarded-For", client).Code
	}
	for _, client := range []string{"203.0.113.1", "203.0.113.2"} {
		for i := range 3 {
			want := http.StatusUnauthorized
			if i == 2 {
				want = http.StatusTooManyRequests
			}
			if got := attempt(client); got != want {
				t.Errorf("%s attempt %d: %d, want %d", client, i+1, got, want)
			}
		}
	}
	if a := id.audits[0]; a.ClientAddr != "203.0.113.1" {
		t.Errorf("audited address %q", a.ClientAddr)
	}
}

// HSTS is sent when the platform says it is behind TLS (secure cookies),
// and not otherwise (it would lock browsers out of a plain-HTTP install).
func TestHSTS(t *testing.T) {
	for _, secure := range []bool{false, true} {
		s := newTestServer(t, nil, func(c *Config) { c.SecureCookies = secure })
		got := s.get(t, "/").Header().Get("Strict-Transport-Security")
		if want := map[bool]string{false: "", true: "max-age=31536000"}[secure]; got != want {
			t.Errorf("secure=%v: Strict-Transport-Security %q, want %q", secure, got, want)
		}
	}
}

// The security administrator unlocks other accounts from the web but not
// an administrator's, which is the console's (shequ user unlock); the list
// does not offer it.
func TestUnlockAdministratorsAtConsoleOnly(t *testing.T) {
	var id *identity
	s, id := newIdentityServer(t, nil, func(c *Config) {
		u := c.Users.(*mock.UserService)
		u.FindUsersFn = func(context.Context, shequ.UserFilter) ([]*shequ.User, int, error) {
			var out []*shequ.User
			for _, name := range []string{"worker", "sysadmin", "auditor"} {
				out = append(out, id.users[name])
			}
			return out, len(out), nil
		}
		u.FindUserByIDFn = func(_ context.Context, uid string) (*shequ.User, error) {
			if u := id.byID(uid); u != nil {
				return u, nil
			}
			return nil, shequ.ErrNotFound
		}
	})
	until := testNow.Add(10 * time.Minute)
	for _, name := range []string{"worker", "sysadmin", "auditor"} {
		id.users[name].LockedUntil = &until
	}
	sec := id.session("secadmin")
	page := s.get(t, "/users", "Cookie", sec).Body.String()
	if !strings.Contains(page, `id="user-unlock-worker"`) || strings.Contains(page, `id="user-unlock-sysadmin"`) ||
		!strings.Contains(page, "须在服务器控制台解锁") {
		t.Errorf("the list offers:\n%s", excerptAround(page, "unlock"))
	}
	for _, name := range []string{"sysadmin", "auditor"} {
		w := s.form(t, "/users/u-"+name+"/unlock", url.Values{}, "Cookie", sec)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "管理员账户只能在服务器控制台解锁") {
			t.Errorf("unlock %s: %d\n%s", name, w.Code, w.Body)
		}
	}
	if len(id.successes) != 0 {
		t.Errorf("an administrator was unlocked: %v", id.successes)
	}
	if w := s.form(t, "/users/u-worker/unlock", url.Values{}, "Cookie", sec); w.Code != http.StatusSeeOther || len(id.successes) != 1 {
		t.Errorf("unlock worker: %d, %v", w.Code, id.successes)
	}
	denied := 0
	for _, a := range id.audits {
		if a.Action == "user.unlock" && a.Result == shequ.AuditDenied {
			denied++
		}
	}
	if denied != 2 {
		t.Errorf("%d refused unlocks audited, want 2", denied)
	}
}

// excerptAround returns the part of a page around the first occurrence of s.
func excerptAround(page, s string) string {
	i := strings.Index(page, s)
	if i < 0 {
		return page[:min(len(page), 300)]
	}
	return page[max(0, i-300):min(len(page), i+300)]
}
