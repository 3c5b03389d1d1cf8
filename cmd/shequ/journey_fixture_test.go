package main

// Fixtures shared by the browser journeys (built without the race
// detector: browser_*_test.go) and the API tests built with it.

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"shequ"
	"shequ/internal/auth"
	"shequ/internal/config"
)

// movableClock is the workflow clock of the linkage service in the
// browser test: real time plus an offset the test moves forward (the
// sessions keep the real clock).
type movableClock struct{ offset atomic.Int64 }

func (c *movableClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *movableClock) Add(d time.Duration) { c.offset.Add(int64(d)) }

// startLinkageServer runs the platform on dsn like startServer, with the
// workflow clock of the linkage service on clock, and returns the running
// Main, so that the test can seed the registers through the services.
func startLinkageServer(t *testing.T, dsn string, clock *movableClock) (string, *Main) {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, dataDir(t)
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard, LinkageNow: clock.Now}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return "http://" + m.Addr(), m
}

// idFor appends the check character to 17 digits of an ID number.
func idFor(first17 string) string { return first17 + string(shequ.IDCheckChar(first17)) }

// codeNearNow reports whether code is a code of secret one step either
// side of now.
func codeNearNow(secret, code string) bool {
	_, ok := auth.TOTP{}.Match(secret, code, time.Now(), -1)
	return ok
}
