package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"shequ"
	"shequ/internal/demo"
)

// twoFactorServer starts a server on dsn with the 安吉县 divisions and the
// accounts given as name → role (scope 330523, the demo password).
func twoFactorServer(t *testing.T, dsn string, accounts map[string]string) string {
	t.Helper()
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	for name, role := range accounts {
		scope := "330523"
		if role == "community_worker" {
			scope = "330523001002"
		}
		if code, out, errs := cli(t, nil, "user", "add", "-username", name, "-password", totpTestPassword, "-role", role,
			"-scope", scope, "-db", dsn); code != exitOK {
			t.Fatalf("user add %s: %d %s%s", name, code, out, errs)
		}
	}
	return startServer(t, dsn, "")
}

const totpTestPassword = "correct horse battery staple"

// newJarClient is a browser-like client: cookies, no automatic redirects.
func newJarClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// post posts a form and returns the status, Location and body.
func post(t *testing.T, c *http.Client, u string, v url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

var reRecovery = regexp.MustCompile(`<li class="code">([A-Z0-9-]+)</li>`)

// enrolWithCodes sets user's two-factor sign-in up and returns the
// recovery codes shown.
func enrolWithCodes(t *testing.T, base, user string) []string {
	t.Helper()
	c := newJarClient()
	if code, loc, _ := post(t, c, base+"/login", url.Values{"username": {user}, "password": {totpTestPassword}}); code != http.StatusSeeOther || loc != "/account/two-factor" {
		t.Fatalf("first sign-in of %s: %d %q", user, code, loc)
	}
	resp, err := c.Get(base + "/account/two-factor")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := reSecret.FindSubmatch(page)
	if m == nil {
		t.Fatalf("set-up page: %d\n%s", resp.StatusCode, page)
	}
	testTOTP.remember(base, user, strings.ReplaceAll(string(m[1]), " ", ""))
	code, _, body := post(t, c, base+"/account/two-factor", url.Values{"code": {testTOTP.code(t, base, user)}})
	var codes []string
	for _, m := range reRecovery.FindAllStringSubmatch(body, -1) {
		codes = append(codes, m[1])
	}
	if code != http.StatusOK || len(codes) != 10 {
		t.Fatalf("set-up: %d, %d recovery codes\n%s", code, len(codes), body)
	}
	return codes
}

// signInWithCode signs user in with the password and then code; it returns
// the status and Location of the code step.
func signInWithCode(t *testing.T, base, user, code string) (int, string) {
	t.Helper()
	c := newJarClient()
	if st, loc, _ := post(t, c, base+"/login", url.Values{"username": {user}, "password": {totpTestPassword}}); st != http.StatusSeeOther || loc != "/login/code" {
		t.Fatalf("password of %s: %d %q", user, st, loc)
	}
	st, loc, _ := post(t, c, base+"/login/code", url.Values{"code": {code}})
	return st, loc
}

// Recovery codes sign in once each, in any spelling; a code of the app is
// accepted once (a replay from another browser is refused); every attempt
// is audited.
func TestTwoFactorRecoveryAndReplay(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		base := twoFactorServer(t, dsn, map[string]string{"guanyuan": "official"})
		auditor := apiClient{t: t, base: base, token: token(t, dsn, "shenji", "auditor", "")}
		codes := enrolWithCodes(t, base, "guanyuan")

		if st, loc := signInWithCode(t, base, "guanyuan", strings.ToLower(codes[0])); st != http.StatusSeeOther || loc != "/" {
			t.Errorf("recovery code: %d %q", st, loc)
		}
		if st, _ := signInWithCode(t, base, "guanyuan", codes[0]); st != http.StatusUnauthorized {
			t.Errorf("a recovery code used twice: %d", st)
		}
		code := testTOTP.code(t, base, "guanyuan")
		if st, _ := signInWithCode(t, base, "guanyuan", code); st != http.StatusSeeOther {
			t.Errorf("app code: %d", st)
		}
		if st, _ := signInWithCode(t, base, "guanyuan", code); st != http.StatusUnauthorized {
			t.Errorf("the same app code again: %d", st)
		}
		st, m := auditor.do("GET", "/api/v1/audit?action=login.totp", nil)
		if st != 200 {
			t.Fatalf("audit: %d", st)
		}
		var trail []string
		for _, r := range m["items"].([]any) {
			r := r.(map[string]any)
			trail = append(trail, r["result"].(string)+" "+r["detail"].(string))
		}
		joined := strings.Join(trail, "\n")
		for _, want := range []string{"allowed recovery code", "failed wrong recovery code", "allowed code", "failed code already used"} {
			if !strings.Contains(joined, want) {
				t.Errorf("audit lacks %q:\n%s", want, joined)
			}
		}
	})
}

// Five wrong codes in a row lock the account like five wrong passwords:
// then even the right code is refused, with the same answer.
func TestTwoFactorLockout(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		base := twoFactorServer(t, dsn, map[string]string{"guanyuan": "official"})
		enrolWithCodes(t, base, "guanyuan")
		c := newJarClient()
		if st, loc, _ := post(t, c, base+"/login", url.Values{"username": {"guanyuan"}, "password": {totpTestPassword}}); st != http.StatusSeeOther || loc != "/login/code" {
			t.Fatalf("password: %d %q", st, loc)
		}
		secret := testTOTP.secret(base, "guanyuan")
		var first string
		for i, bad := range []string{"000000", "111111", "222222", "333333", "444444", "555555", "666666"} {
			if codeNearNow(secret, bad) {
				continue
			}
			st, _, body := post(t, c, base+"/login/code", url.Values{"code": {bad}})
			if st != http.StatusUnauthorized || !strings.Contains(body, "验证码错误") {
				t.Fatalf("wrong code %d: %d", i, st)
			}
			if first == "" {
				first = body
			}
			if i == 5 {
				break
			}
		}
		st, _, body := post(t, c, base+"/login/code", url.Values{"code": {testTOTP.code(t, base, "guanyuan")}})
		if st != http.StatusUnauthorized {
			t.Fatalf("the right code on a locked account: %d", st)
		}
		if !strings.Contains(body, "临时锁定") {
			t.Errorf("the locked answer does not mention the lock:\n%s", body)
		}
	})
}

// The security administrator resets an official's two-factor sign-in from
// the accounts page (audited; the official sets it up again at the next
// sign-in); an administrator's is reset only at the console. Through the
// API an account with two-factor sign-in sends the code.
func TestTwoFactorReset(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		base := twoFactorServer(t, dsn, map[string]string{"guanyuan": "official", "anquan": "secadmin", "xitong": "sysadmin"})
		enrolWithCodes(t, base, "guanyuan")
		enrolWithCodes(t, base, "xitong")

		// The API: the password alone answers 401 asking for the code.
		resp, err := http.Post(base+"/api/v1/session", "application/json",
			strings.NewReader(`{"username":"guanyuan","password":"`+totpTestPassword+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), "验证码") {
			t.Errorf("API without a code: %d %s", resp.StatusCode, b)
		}
		resp, err = http.Post(base+"/api/v1/session", "application/json", apiSignInBody(t, base, "guanyuan", totpTestPassword))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("API with the code: %d", resp.StatusCode)
		}

		sec := newJarClient()
		if st, loc := signInForm(t, sec, base, "anquan", totpTestPassword); st != http.StatusSeeOther || strings.HasPrefix(loc, "/login") {
			t.Fatalf("secadmin: %d %q", st, loc)
		}
		resp, err = sec.Get(base + "/users")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ids := regexp.MustCompile(`action="/users/([0-9a-f-]+)/two-factor/reset"><button type="submit" id="user-2fa-reset-guanyuan"`).FindSubmatch(page)
		if ids == nil {
			t.Fatalf("no reset button for guanyuan on the accounts page:\n%s", page)
		}
		if !strings.Contains(string(page), "两步验证须在服务器控制台重置") {
			t.Error("the sysadmin's row does not say it is reset at the console")
		}
		if st, loc, _ := post(t, sec, base+"/users/"+string(ids[1])+"/two-factor/reset", nil); st != http.StatusSeeOther || loc != "/users?notice=two_factor_reset" {
			t.Fatalf("reset: %d %q", st, loc)
		}
		// The official sets it up again at the next sign-in.
		c := newJarClient()
		if st, loc, _ := post(t, c, base+"/login", url.Values{"username": {"guanyuan"}, "password": {totpTestPassword}}); st != http.StatusSeeOther || loc != "/account/two-factor" {
			t.Errorf("after the reset: %d %q", st, loc)
		}
		// The sysadmin's is done at the console (the store refuses the
		// security administrator: TestTwoFactorStore).
		code, out, errs := cli(t, nil, "user", "reset-2fa", "xitong", "-db", dsn)
		if code != exitOK || !strings.Contains(out, "已重置 xitong") {
			t.Fatalf("console reset: %d %s%s", code, out, errs)
		}
		auditor := apiClient{t: t, base: base, token: token(t, dsn, "shenji", "auditor", "")}
		st, m := auditor.do("GET", "/api/v1/audit?action=totp.reset", nil)
		if st != 200 || m["total"].(float64) != 2 {
			t.Errorf("totp.reset records: %d %v", st, m)
		}
	})
}

// The README's demo table lists the secrets the demo sets up.
func TestReadmeListsDemoSecrets(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range append(append(append([]demo.Account{}, demo.Accounts...), demo.LinkageAccounts...), demo.CareAccounts...) {
		if !shequ.TwoFactorRequired(a.Role) {
			continue
		}
		n++
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(a.Username) + "`.*`" + demo.TOTPSecret(a.Username) + "` \\|$")
		if !row.Match(readme) {
			t.Errorf("README demo table lacks %s with its secret %s", a.Username, demo.TOTPSecret(a.Username))
		}
	}
	if n < 5 {
		t.Errorf("only %d demo accounts need two-factor sign-in", n)
	}
}
