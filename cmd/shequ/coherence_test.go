package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"shequ/internal/config"
)

// coherenceBound is the bound: a change committed through one
// server is seen through another within a second.
const coherenceBound = time.Second

// startServerOn runs `shequ serve` on dsn with the test's data folder (the
// key file every server of a database shares) and returns it.
func startServerOn(t *testing.T, dsn string, edit ...func(*config.Config)) *Main {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, dataDir(t)
	for _, e := range edit {
		e(&cfg)
	}
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m
}

// within polls cond until it holds or bound has passed, and returns how long
// it took; the test fails past the bound.
func within(t *testing.T, what string, bound time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > bound {
			t.Fatalf("%s: not seen within %v", what, bound)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// TestTwoServersCoherent runs two servers on one PostgreSQL database: an
// organization added through A moves the indicators read through B, and a
// token revoked on A is refused on B, each within a second (through the
// change feed: LISTEN/NOTIFY and the change_feed table); the job queue has
// one leader for both, which alone schedules the periodic jobs: the
// indicator snapshot, scheduled by both, runs once
// (TestJobsPeriodicOnceAcrossServers counts the runs of a fast one).
func TestTwoServersCoherent(t *testing.T) {
	dsn, _ := migratedDB.Postgres(t)
	const community = "330523001002"
	var b strings.Builder
	b.WriteString("名称,类型,社区代码,法律状态,备案街道\n")
	for i := range 9 {
		fmt.Fprintf(&b, "第%d个组织,文体娱乐,%s,备案,330523001\n", i+1, community)
	}
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import divisions: %d %s%s", code, out, errs)
	}
	if code, out, errs := cli(t, nil, "import", "orgs", writeFile(t, "orgs.csv", b.String()), "-db", dsn); code != exitOK {
		t.Fatalf("import orgs: %d %s%s", code, out, errs)
	}
	secret := token(t, dsn, "official", "official", "330523")
	a, bsrv := startServerOn(t, dsn), startServerOn(t, dsn)
	viaA := apiClient{t: t, base: "http://" + a.Addr(), token: secret}
	viaB := apiClient{t: t, base: "http://" + bsrv.Addr(), token: secret}

	meeting := func(c apiClient) float64 {
		t.Helper()
		code, m := c.do("GET", "/api/v1/indicators/"+community, nil)
		if code != 200 {
			t.Fatalf("indicators: %d %v", code, m)
		}
		return m["social_orgs"].(map[string]any)["communities_meeting_target"].(map[string]any)["urban"].(float64)
	}
	if meeting(viaA) != 0 || meeting(viaB) != 0 {
		t.Fatal("with 9 organizations the community meets the target")
	}
	code, m := viaA.do("POST", "/api/v1/orgs", map[string]any{
		"name": "第10个组织", "kind": "charity", "community_code": community, "legal_status": "incubating",
		"incubator": "安吉县社会组织孵化中心", "status": "active",
	})
	if code != http.StatusCreated {
		t.Fatalf("create the tenth through A: %d %v", code, m)
	}
	if meeting(viaA) != 1 {
		t.Fatal("A does not count its own change")
	}
	took := within(t, "the tenth organization through B", coherenceBound, func() bool { return meeting(viaB) == 1 })
	t.Logf("indicators through B moved %v after the write through A", took)

	// B has the token in its cache (the reads above); A revokes it.
	ctx := cliContext(context.Background())
	u, err := a.svc.users.FindUserByUsername(ctx, "official")
	if err != nil {
		t.Fatal(err)
	}
	toks, err := a.svc.tokens.FindTokens(ctx, u.ID)
	if err != nil || len(toks) != 1 {
		t.Fatalf("tokens: %v %v", toks, err)
	}
	if err := a.svc.tokens.RevokeToken(ctx, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	took = within(t, "the revocation through B", coherenceBound, func() bool {
		code, _ := viaB.do("GET", "/api/v1/indicators/"+community, nil)
		return code == http.StatusUnauthorized
	})
	t.Logf("B refused the revoked token %v after A revoked it", took)

	// One job-queue leader for the two servers.
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var leaders int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM river_leader`).Scan(&leaders); err != nil {
		t.Fatal(err)
	}
	if leaders != 1 {
		t.Errorf("%d job-queue leaders for two servers, want 1", leaders)
	}
	// Both servers schedule the indicator snapshot (from the leader's
	// start, then every six hours): it ran once.
	snapshots := func() (n int) {
		if err := raw.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'indicator_snapshot'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var done int
	if !waitUntil(10*time.Second, func() bool {
		_ = raw.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'indicator_snapshot' AND state = 'completed'`).Scan(&done)
		return done > 0
	}) {
		t.Fatal("the indicator snapshot job did not run")
	}
	time.Sleep(2 * time.Second) // a second scheduler would have inserted its own by now
	if n := snapshots(); n != 1 {
		t.Errorf("%d indicator snapshot jobs for two servers, want 1", n)
	}
	var months int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM indicator_snapshots`).Scan(&months); err != nil || months == 0 {
		t.Errorf("no indicator snapshot recorded: %d %v", months, err)
	}
}
