package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"shequ/internal/config"
)

// apiSignIn posts to /api/v1/session as the client at addr (through the
// trusted proxy of the test server) and returns the status, the body and
// how long the answer took.
func apiSignIn(t *testing.T, base, addr, user, password string) (int, string, time.Duration) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"username": user, "password": password})
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/session", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), time.Since(start)
}

func middle(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestLoginAnswersAlikeOnServer signs in on a real server (argon2id, SQLite)
// with unknown names and at a locked account: the answers are identical and
// their times alike (medians within a factor of 1.5; before issue 14 a
// locked account answered in about 1 ms and an unknown name in 50). Then
// the locked system administrator is unlocked at the console.
func TestLoginAnswersAlikeOnServer(t *testing.T) {
	dsn := migratedSQLite(t)
	const pass = "correct horse battery staple"
	for _, u := range [][2]string{{"timing-worker", "community_worker"}, {"timing-admin", "sysadmin"}} {
		if code, out, errs := cli(t, nil, "user", "add", "-username", u[0], "-password", pass, "-role", u[1], "-scope", "", "-db", dsn); code != exitOK {
			t.Fatalf("user add: %d %s%s", code, out, errs)
		}
	}
	m := startMain(t, dsn, func(c *config.Config) {
		c.Ops.TrustedProxies = "127.0.0.1/32" // every attempt its own client address
		c.Security.AccountLoginsPerMinute = 1000
		c.Security.LoginsPerMinute = 1000
	})
	base := "http://" + m.Addr()
	for _, name := range []string{"timing-worker", "timing-admin"} {
		for i := range 5 {
			if code, _, _ := apiSignIn(t, base, fmt.Sprintf("203.0.113.%d", i+1), name, "not the password at all"); code != http.StatusUnauthorized {
				t.Fatalf("wrong password: %d", code)
			}
		}
	}
	var unknown, locked []time.Duration
	var bodies []string
	for i := range 8 {
		code, body, d := apiSignIn(t, base, fmt.Sprintf("198.51.100.%d", i+1), fmt.Sprintf("timing-nobody-%d", i), pass)
		if code != http.StatusUnauthorized {
			t.Fatalf("unknown name: %d %s", code, body)
		}
		unknown, bodies = append(unknown, d), append(bodies, body)
		code, body, d = apiSignIn(t, base, fmt.Sprintf("198.51.100.%d", i+101), "timing-worker", pass)
		if code != http.StatusUnauthorized {
			t.Fatalf("locked account: %d %s", code, body)
		}
		locked, bodies = append(locked, d), append(bodies, body)
	}
	for _, b := range bodies {
		if b != bodies[0] {
			t.Fatalf("answers differ:\n%s\n%s", bodies[0], b)
		}
	}
	mu, ml := middle(unknown), middle(locked)
	t.Logf("median answer: unknown name %v, locked account %v", mu, ml)
	if ratio := float64(max(mu, ml)) / float64(min(mu, ml)); ratio > 1.5 {
		t.Errorf("unknown name %v, locked account %v: ratio %.2f, want at most 1.5", mu, ml, ratio)
	}

	// The administrator is unlocked at the console, and signs in.
	code, out, errs := cli(t, nil, "user", "unlock", "timing-admin", "-db", dsn)
	if code != exitOK || !strings.Contains(out, "已解锁 timing-admin") {
		t.Fatalf("user unlock: %d %s%s", code, out, errs)
	}
	// Unlocked, the password is accepted: the administrator is asked to
	// set two-factor sign-in up (in a browser) before anything else.
	if code, body, _ := apiSignIn(t, base, "192.0.2.77", "timing-admin", pass); code != http.StatusForbidden ||
		!strings.Contains(body, "须先设置两步验证") {
		t.Errorf("after unlock: %d %s", code, body)
	}
	if code, _, _ := cli(t, nil, "user", "unlock", "nobody-at-all", "-db", dsn); code != exitError {
		t.Errorf("unlock an unknown account: exit %d", code)
	}
}
