package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"shequ/internal/demo"
)

// signInCode tries the demo password for username and returns the status.
func signInCode(t *testing.T, base, username string) int {
	t.Helper()
	// With a second-step code for accounts that need one (an unused step).
	resp, err := http.Post(base+"/api/v1/session", "application/json", apiSignInBody(t, base, username, demo.Password))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestAccountsDisableEnable on both engines: 停用 asks first (a page saying
// what it does), an administrator's own row offers no 停用 and the server
// refuses it, a disabled account can be enabled again on the page and with
// `shequ user enable`, and the scope field says what it takes (no
// 留空表示全国 for a county's administrator, whose blank scope is refused).
func TestAccountsDisableEnable(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, _ := startDemo(t, dsn)
		admin := openSession(t, base, "demo-sysadmin")
		_, list := admin.get("/users")
		ids := map[string]string{}
		for _, m := range regexp.MustCompile(`href="/users/([0-9a-f-]{36})/disable" id="user-disable-([a-z0-9-]+)"`).FindAllStringSubmatch(list, -1) {
			ids[m[2]] = m[1]
		}
		if ids["demo-worker"] == "" {
			t.Fatalf("no 停用 for demo-worker:\n%s", section(list, "<main", "</main>"))
		}
		if _, own := ids["demo-sysadmin"]; own || !strings.Contains(list, `id="user-self"`) {
			t.Errorf("the administrator's own row offers 停用")
		}
		if hint := section(list, `id="user-scope-hint"`, "</p>"); strings.Contains(hint, "留空表示全国") || !strings.Contains(hint, "安吉县") {
			t.Errorf("scope hint %q", hint)
		}
		if strings.Contains(section(list, `id="user-scope"`, "</select>"), `<option value="">`) {
			t.Errorf("a county's administrator is offered a blank (national) scope")
		}
		// 停用 asks first.
		w := ids["demo-worker"]
		code, confirm := admin.get("/users/" + w + "/disable")
		if code != http.StatusOK || !strings.Contains(confirm, `id="disable-confirm"`) || !strings.Contains(confirm, `id="disable-consequences"`) {
			t.Fatalf("confirmation: %d", code)
		}
		// Not oneself, whatever the form says.
		self := regexp.MustCompile(`"/users/([0-9a-f-]{36})/`).FindStringSubmatch(section(list, `data-username="demo-sysadmin"`, "</tr>"))
		if self != nil {
			t.Errorf("own row links %v", self)
		}
		if code, _, _ := admin.post("/users/"+w+"/disable", nil); code != http.StatusSeeOther {
			t.Fatalf("disable: %d", code)
		}
		if c := signInCode(t, base, "demo-worker"); c != http.StatusUnauthorized && c != http.StatusForbidden {
			t.Errorf("a disabled account signs in: %d", c)
		}
		_, list = admin.get("/users")
		if !strings.Contains(list, `id="user-enable-demo-worker"`) {
			t.Fatalf("no 启用 for the disabled account")
		}
		if code, _, _ := admin.post("/users/"+w+"/enable", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("enable: %d", code)
		}
		if c := signInCode(t, base, "demo-worker"); c != http.StatusOK {
			t.Errorf("enabled account: sign-in %d", c)
		}
	})
}

// TestAccountsSelfDisableRefused: the server refuses an administrator's
// disabling their own account even when posted by hand.
func TestAccountsSelfDisableRefused(t *testing.T) {
	base, m := startDemo(t, demoCopy(t, "sqlite"))
	u, err := m.svc.users.FindUserByUsername(cliContext(t.Context()), "demo-sysadmin")
	if err != nil {
		t.Fatal(err)
	}
	admin := openSession(t, base, "demo-sysadmin")
	if code, _, _ := admin.post("/users/"+u.ID+"/disable", nil); code != http.StatusConflict {
		t.Errorf("self-disable: %d", code)
	}
	if code, _ := admin.get("/users/" + u.ID + "/disable"); code != http.StatusConflict {
		t.Errorf("self-disable confirmation: %d", code)
	}
	if c := signInCode(t, base, "demo-sysadmin"); c != http.StatusOK {
		t.Errorf("the administrator lost their account: %d", c)
	}
}

// TestCLIUserEnable: `shequ user enable` undoes `shequ user disable`.
func TestCLIUserEnable(t *testing.T) {
	dsn := t.TempDir() + "/shequ.db"
	// An account's scope must be a division of the register.
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	if code, out, errs := cli(t, nil, "user", "add", "-username", "clerk", "-password", "correct horse battery staple",
		"-role", "community_worker", "-scope", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("add: %d %s%s", code, out, errs)
	}
	if code, out, errs := cli(t, nil, "user", "disable", "-db", dsn, "clerk"); code != exitOK {
		t.Fatalf("disable: %d %s%s", code, out, errs)
	}
	_, out, _ := cli(t, nil, "user", "list", "-db", dsn)
	if !strings.Contains(out, "已停用") {
		t.Errorf("list after disable:\n%s", out)
	}
	code, out, errs := cli(t, nil, "user", "enable", "-db", dsn, "clerk")
	if code != exitOK || !strings.Contains(out, "clerk") {
		t.Fatalf("enable: %d %s%s", code, out, errs)
	}
	_, out, _ = cli(t, nil, "user", "list", "-db", dsn)
	if strings.Contains(out, "已停用") {
		t.Errorf("list after enable:\n%s", out)
	}
	if code, _, errs := cli(t, nil, "user", "enable", "-db", dsn, "nobody"); code == exitOK {
		t.Errorf("enable of an unknown account: %d %s", code, errs)
	}
}
