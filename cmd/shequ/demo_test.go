//go:build !race

// The demo loads the whole country: ten times slower under the race detector
// than the rest of the suite together, so scripts/test runs it in a pass of
// its own without -race (it has no concurrency of its own to check).

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"shequ/internal/config"
	"shequ/internal/demo"
)

// TestServeDemo runs what the README's first command runs, `serve -demo` on
// an empty SQLite database: the whole country, 安吉县's attributes, a demo
// account per role and the demo residents.
func TestServeDemo(t *testing.T) {
	cfg := config.Default()
	dir := t.TempDir()
	cfg.Addr, cfg.DB, cfg.DataDir, cfg.Demo = "127.0.0.1:0", filepath.Join(dir, "shequ.db"), dir, true
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	base := "http://" + m.Addr()

	if code, list, _ := get(t, base+"/api/v1/divisions"); code != 200 || list["total"].(float64) != 31 {
		t.Errorf("provinces: %d %v", code, list["total"])
	}
	code, d, _ := get(t, base+"/api/v1/divisions/"+demo.Community)
	if code != 200 || d["population"] == nil || d["urban_rural"] == nil || d["lat"] == nil {
		t.Errorf("demo attributes of %s: %d %v", demo.Community, code, d)
	}

	// Every demo account signs in with the published password.
	for _, a := range demo.Accounts {
		body, _ := json.Marshal(map[string]string{"username": a.Username, "password": demo.Password})
		resp, err := http.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("demo account %s: sign-in answered %d", a.Username, resp.StatusCode)
		}
	}
	// 三社联动: a closed project and an open call are public; the needs
	// pool holds needs of several states, the first one fulfilled.
	if code, list, _ := get(t, base+"/api/v1/projects"); code != 200 || list["total"].(float64) != 2 {
		t.Errorf("demo projects: %d %v", code, list)
	} else {
		statuses := map[any]bool{}
		for _, p := range list["items"].([]any) {
			statuses[p.(map[string]any)["status"]] = true
		}
		if !statuses["closed"] || !statuses["open_for_bids"] {
			t.Errorf("demo project states = %v", statuses)
		}
	}
	resident := apiClient{t: t, base: base, token: token(t, cfg.DB, "demo-check-res", "resident", demo.Community)}
	if code, m := resident.do("GET", "/api/v1/needs?status=fulfilled", nil); code != 200 || m["total"].(float64) != 1 {
		t.Errorf("demo fulfilled needs: %d %v", code, m)
	}
	// The demo worker sees the ten synthetic residents of the demo
	// community and the eleven households that rate 苕溪花园 in the
	// property demo.
	worker := apiClient{t: t, base: base, token: token(t, cfg.DB, "demo-check", "community_worker", demo.Community)}
	if code, m := worker.do("GET", "/api/v1/residents?community="+demo.Community, nil); code != 200 || m["total"].(float64) != 21 {
		t.Errorf("demo residents: %d %v", code, m["total"])
	}
}
