package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"shequ/internal/config"
)

// startServer imports the shipped codes under prefix into dsn and runs the
// platform on a free port, as `shequ serve` would; it stops at cleanup.
func startServer(t testing.TB, dsn, prefix string) string {
	t.Helper()
	return startServerOut(t, dsn, io.Discard, prefix)
}

// regexPassword finds the one-time password that a first start prints.
var regexPassword = regexp.MustCompile(`([a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{5})`)

// startServerOut is startServer with the server's standard output (the
// one-time administrator password) written to stdout.
func startServerOut(t testing.TB, dsn string, stdout io.Writer, prefix ...string) string {
	t.Helper()
	if len(prefix) == 0 {
		prefix = []string{""}
	}
	return runServer(t, dsn, prefix[0], stdout)
}

func runServer(t testing.TB, dsn, prefix string, stdout io.Writer) string {
	t.Helper()
	if prefix != "" {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-db", dsn, "-prefix", prefix); code != exitOK {
			t.Fatalf("import: exit %d\n%s%s", code, out, errs)
		}
	}
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, dataDir(t)
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: stdout}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return "http://" + m.Addr()
}

// get fetches a URL and decodes JSON bodies.
func get(t *testing.T, url string) (int, map[string]any, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: bad JSON: %v\n%s", url, err, b)
		}
	}
	return resp.StatusCode, m, string(b)
}

func TestServeAPI(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		base := startServer(t, dsn, "330523")

		code, d, body := get(t, base+"/api/v1/divisions/330523001")
		if code != 200 {
			t.Fatalf("division: %d %s", code, body)
		}
		if d["name"] != "递铺街道" || d["level"] != "township" || d["township_kind"] != "subdistrict" ||
			d["region"] != "east" || d["parent_code"] != "330523" || d["urban_rural"] != nil {
			t.Errorf("division = %v", d)
		}
		if path, _ := d["path"].([]any); len(path) != 3 || path[0].(map[string]any)["name"] != "浙江省" {
			t.Errorf("path = %v", d["path"])
		}
		if n, _ := d["children_count"].(float64); n < 10 {
			t.Errorf("children_count = %v", d["children_count"])
		}

		code, list, _ := get(t, base+"/api/v1/divisions/330523/children?limit=5&offset=0")
		if items, _ := list["items"].([]any); code != 200 || len(items) != 5 || list["total"].(float64) != 15 {
			t.Errorf("children: %d %v", code, list)
		}
		code, list, _ = get(t, base+"/api/v1/divisions")
		if items, _ := list["items"].([]any); code != 200 || len(items) != 1 || items[0].(map[string]any)["name"] != "浙江省" {
			t.Errorf("provinces: %d %v", code, list)
		}
		code, list, _ = get(t, base+"/api/v1/divisions/search?q="+"递铺")
		if items, _ := list["items"].([]any); code != 200 || len(items) == 0 || items[0].(map[string]any)["name"] != "递铺街道" {
			t.Errorf("search: %d %v", code, list)
		}

		for _, c := range []struct {
			path string
			code int
			err  string
		}{
			{"/api/v1/divisions/33x", 400, "invalid"},
			{"/api/v1/divisions/3306", 404, "not_found"},
			{"/api/v1/divisions/330523/children?limit=-1", 400, "invalid"},
			{"/api/v1/divisions/search?q=", 400, "invalid"},
		} {
			code, m, body := get(t, base+c.path)
			e, _ := m["error"].(map[string]any)
			if code != c.code || e == nil || e["code"] != c.err || e["message"] == "" {
				t.Errorf("%s: %d %s", c.path, code, body)
			}
		}

		if code, _, body := get(t, base+"/api/v1/openapi.json"); code != 200 || !strings.Contains(body, `"3.1`) {
			t.Errorf("openapi: %d", code)
		}
		for _, p := range []string{"/healthz", "/readyz"} {
			if code, _, body := get(t, base+p); code != 200 {
				t.Errorf("%s: %d %s", p, code, body)
			}
		}
		// Metrics are not for the public: not served without -metrics-addr
		// or -metrics-token (TestMetricsListener).
		if code, _, _ := get(t, base+"/metrics"); code != 404 {
			t.Errorf("metrics: %d, want 404", code)
		}
		if code, _, body := get(t, base+"/divisions/330523"); code != 200 || !strings.Contains(body, "递铺街道") {
			t.Errorf("division page: %d", code)
		}
	})
}

func TestServeNoMigrateRefusesEmptySchema(t *testing.T) {
	code, _, errs := cli(t, nil, "serve", "-no-migrate", "-addr", "127.0.0.1:0", "-db", t.TempDir()+"/x.db")
	if code != exitError || !strings.Contains(errs, "shequ migrate") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}
