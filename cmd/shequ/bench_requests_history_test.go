package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"shequ"
	"shequ/internal/auditseal"
	"shequ/internal/sqlstore"
)

// TestBenchPath: every synthetic history starts at submitted, ends at the
// request's state, and takes only steps the workflow allows; the detours
// appear only when asked for and only past in_process.
func TestBenchPath(t *testing.T) {
	for _, state := range shequ.RequestStates {
		for _, flags := range [][3]bool{{}, {true, false, false}, {false, true, false}, {false, false, true}, {true, true, true}} {
			p := benchPath(state, flags[0], flags[1], flags[2])
			if p[0] != shequ.RequestSubmitted || p[len(p)-1] != state {
				t.Errorf("%s %v: path %v", state, flags, p)
			}
			for i := 1; i < len(p); i++ {
				if !slices.Contains(shequ.NextStates(p[i-1]), p[i]) {
					t.Errorf("%s %v: step %s → %s not in the workflow (%v)", state, flags, p[i-1], p[i], p)
				}
			}
			rated := slices.Contains(p, shequ.RequestRated)
			if (state == shequ.RequestClosed && rated != flags[0]) || (state == shequ.RequestRated && !rated) {
				t.Errorf("%s rated=%v: path %v", state, flags[0], p)
			}
			long := slices.Contains(p, shequ.RequestInProcess) && state != shequ.RequestInProcess || state == shequ.RequestInProcess
			if !long && len(p) > 2 {
				t.Errorf("%s %v: detours before in_process: %v", state, flags, p)
			}
			if long && slices.Contains(p, shequ.RequestAwaitingMaterials) != (flags[1] || state == shequ.RequestAwaitingMaterials) {
				t.Errorf("%s materials=%v: path %v", state, flags[1], p)
			}
			if long && slices.Contains(p, shequ.RequestTransferred) != (flags[2] || state == shequ.RequestTransferred) {
				t.Errorf("%s transfer=%v: path %v", state, flags[2], p)
			}
		}
	}
}

// historied checks the history the generator wrote for generated synthetic
// requests beside submitted ones: about four and a half events per request
// (at least three on average, each request at least one), an audit record
// per event, the chain intact, and sampled timelines ending in their
// request's state.
func historied(t *testing.T, dsn string, generated, submitted int) {
	t.Helper()
	db := openTestDB(t, dsn)
	// The server keyed the chain with this installation's audit key.
	ak, err := auditseal.Load(filepath.Join(dataDir(t), auditseal.KeyFileName), nil)
	if err != nil {
		t.Fatal(err)
	}
	db.SetAuditKey(ak.HMACKey(), ak.ID())
	ctx := context.Background()
	src := sqlstore.NewIndicatorSource(db)
	events, err := src.CountRows(ctx, "request_events")
	if err != nil {
		t.Fatal(err)
	}
	audits, err := src.CountRows(ctx, "audit_log")
	if err != nil {
		t.Fatal(err)
	}
	if events < 3*generated+submitted || events > 9*generated+submitted {
		t.Errorf("%d events for %d generated and %d submitted requests, want 3–9 per generated one", events, generated, submitted)
	}
	if audits < events {
		t.Errorf("%d audit records for %d events, want one per event at least", audits, events)
	}
	t.Logf("%d requests: %d events, %d audit records", generated+submitted, events, audits)
	auditor := shequ.WithActor(ctx, &shequ.Actor{UserID: "00000000-0000-7000-8000-000000000001", Username: "bench-auditor",
		Role: shequ.RoleAuditor})
	v, err := sqlstore.NewAuditService(db).VerifyAudit(auditor)
	if err != nil {
		t.Fatal(err)
	}
	// pgbench's submission script (PostgreSQL) appends records whose hash
	// is not the store's (bench_requests_pgbench.go): the chain must hold
	// up to the first of them.
	pgb, _, err := sqlstore.NewAuditService(db).FindAuditRecords(auditor, shequ.AuditFilter{ActorName: "pgbench", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	first := int64(0)
	for _, r := range pgb {
		if first == 0 || r.Seq < first {
			first = r.Seq
		}
	}
	if (first == 0 && (v.BadSeq != 0 || v.Checked < int64(audits))) || (first != 0 && v.BadSeq != 0 && v.BadSeq < first) {
		t.Errorf("audit chain: %+v over %d records (pgbench's first: %d)", v, audits, first)
	}
	official := shequ.WithActor(ctx, &shequ.Actor{UserID: "00000000-0000-7000-8000-000000000002", Username: "bench-official",
		Role: shequ.RoleOfficial, Scope: "330523"})
	reqs := sqlstore.NewRequestService(db, sqlstore.NewServiceItemService(db), nil)
	found, _, err := reqs.Find(official, shequ.RequestFilter{Division: "330523", ItemCode: benchItemCode, Limit: 200})
	if err != nil || len(found) == 0 {
		t.Fatalf("find: %d %v", len(found), err)
	}
	states := map[shequ.RequestState]bool{}
	for _, r := range found {
		tl, err := reqs.Timeline(official, r.ID)
		if err != nil || len(tl) == 0 {
			t.Fatalf("timeline of %s: %d events, %v", r.Number, len(tl), err)
		}
		if last := tl[len(tl)-1]; last.To != r.State || tl[0].To != shequ.RequestSubmitted {
			t.Errorf("%s in %s: timeline %s … %s", r.Number, r.State, tl[0].To, last.To)
		}
		states[r.State] = true
	}
	if len(states) < 3 {
		t.Errorf("sampled requests in %d states only: %v", len(states), states)
	}
}

// TestBenchRequestsNoHistory: a database whose synthetic requests were
// generated before they had a history (its completed generation but no
// events) is refused rather than timed as the easy workload.
func TestBenchRequestsNoHistory(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "bench.db")
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	db := openTestDB(t, dsn)
	if err := sqlstore.NewImportRunService(db).CreateImportRun(context.Background(), &shequ.ImportRun{Kind: benchRequestsKind,
		Source: "seed=1 county=330523", Status: shequ.ImportCompleted, Total: 100, Written: 100,
		StartedAt: time.Now(), FinishedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, errs, err := bench(t, "requests", "-db", dsn, "-requests", "100", "-submit", "10", "-duration", "2s", "-clients", "1",
		"-accounts", "1", "-queue-workers", "1", "-queue", "5", "-quiet")
	if err == nil || !strings.Contains(errs+err.Error(), "generated without their events and audit records") {
		t.Errorf("a generation without history was reused: %v\n%s%s", err, out, errs)
	}
}
