package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// apiClient calls the JSON API with a bearer token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
	lang  string // Accept-Language, when set
}

func (c apiClient) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if c.token != "" { // no token: an anonymous caller
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// token creates an account and an API token for it through the command line.
func token(t testing.TB, dsn, username, role, scope string) string {
	t.Helper()
	if code, out, errs := cli(t, nil, "user", "add", "-username", username, "-password", "correct horse battery staple",
		"-role", role, "-scope", scope, "-db", dsn); code != exitOK {
		t.Fatalf("user add %s: %d %s%s", username, code, out, errs)
	}
	code, out, errs := cli(t, nil, "token", "create", "-username", username, "-db", dsn)
	if code != exitOK {
		t.Fatalf("token create: %d %s%s", code, out, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// TestIDOR tries every way of reaching a resident of another county, through
// the API and the pages: each answers 404, never 403, so nothing tells that
// the record exists.
func TestIDOR(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "3305", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		anji := apiClient{t: t, token: token(t, dsn, "anji-worker", "community_worker", "330523001002")}
		changxing := apiClient{t: t, token: token(t, dsn, "cx-worker", "community_worker", "330522001001")}
		official := apiClient{t: t, token: token(t, dsn, "cx-official", "official", "330522")}
		base := startServer(t, dsn, "")
		anji.base, changxing.base, official.base = base, base, base

		code, res := anji.do("POST", "/api/v1/residents", map[string]any{
			"name": "王大伯", "id_number": validID("33052319500312001"), "phone": "13857200001",
			"community_code": "330523001002", "tags": []string{"veteran"},
		})
		if code != http.StatusCreated {
			t.Fatalf("create: %d %v", code, res)
		}
		id, _ := res["id"].(string)
		if full := validID("33052319500312001"); res["id_number"] != full[:1]+strings.Repeat("*", 16)+full[17:] || res["phone"] != "138****0001" {
			t.Errorf("created record not masked: %v", res)
		}

		// The other county's worker may do all of it in general: every attempt
		// on this record is a 404. The official may only read: reading is a
		// 404, the rest a 403 that comes before any lookup — the same for a
		// record that does not exist, so it tells nothing either.
		const missing = "01a20000-0000-7000-8000-000000000000"
		for _, c := range []struct {
			client apiClient
			write  int
		}{{changxing, http.StatusNotFound}, {official, http.StatusForbidden}} {
			for _, r := range []struct {
				method, path string
				want         int
			}{
				{"GET", "/api/v1/residents/%s", http.StatusNotFound},
				{"GET", "/api/v1/residents/%s?reveal=1", c.write},
				{"PATCH", "/api/v1/residents/%s", c.write},
				{"POST", "/api/v1/residents/%s/verify", c.write},
			} {
				var body any
				if r.method == "PATCH" {
					body = map[string]any{"name": "改名"}
				}
				for _, target := range []string{id, missing} {
					path := strings.Replace(r.path, "%s", target, 1)
					if code, m := c.client.do(r.method, path, body); code != r.want {
						t.Errorf("%s %s by another county: %d %v, want %d", r.method, path, code, m, r.want)
					}
				}
			}
			if code, m := c.client.do("GET", "/api/v1/residents?community=330523001002", nil); code == 200 {
				if items, _ := m["items"].([]any); len(items) != 0 {
					t.Errorf("list leaks another county's residents: %v", m)
				}
			}
		}
		// The owner's county still sees it, masked.
		if code, m := anji.do("GET", "/api/v1/residents/"+id, nil); code != 200 || m["name"] != "王大伯" {
			t.Errorf("own county: %d %v", code, m)
		}

		// The page, with the other county's token, is a 404 page too.
		req, _ := http.NewRequest("GET", base+"/residents/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+changxing.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(page), "王大伯") {
			t.Errorf("page by another county: %d", resp.StatusCode)
		}
	})
}

// TestFirstAdministrator checks that the first start creates "admin" with a
// one-time password, printed once, that must be changed before anything else.
func TestFirstAdministrator(t *testing.T) {
	dsn := t.TempDir() + "/shequ.db"
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	var out bytes.Buffer
	base := startServerOut(t, dsn, &out)
	m := regexPassword.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no one-time password printed: %q", out.String())
	}
	body, _ := json.Marshal(map[string]string{"username": "admin", "password": m[1]})
	resp, err := http.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]any
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != 200 || got["user"]["must_change_password"] != true || got["user"]["role"] != "sysadmin" {
		t.Fatalf("login with the one-time password: %d %v", resp.StatusCode, got)
	}
	// A second start prints nothing: the administrator exists.
	var again bytes.Buffer
	startServerOut(t, dsn, &again)
	if strings.Contains(again.String(), "admin") {
		t.Errorf("second start printed %q", again.String())
	}
}
