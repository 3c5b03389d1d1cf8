package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shequ"
	"shequ/internal/sqlstore"
)

// requestsLine is the key=value line `shequ bench requests` ends with.
var requestsLine = regexp.MustCompile(`^sqlite_submit_per_s=[0-9]+ postgres_submit_per_s=([0-9]+|skipped) pgbench_tpcb_tps=([0-9]+|skipped) queue_p99_ms=[0-9]+\.[0-9]{2} pgbench_submission_tps=([0-9]+|skipped) queue_settled_p99_ms=[0-9]+\.[0-9]{2}$`)

// benchRequestsShort runs the workload small: a few thousand stored
// requests, a few hundred submissions, a short pgbench.
func benchRequestsShort(t *testing.T, sqlite string, extra ...string) (string, string) {
	t.Helper()
	args := append([]string{"requests", "-db", sqlite, "-requests", "3000", "-submit", "400", "-duration", "10s",
		"-clients", "4", "-accounts", "4", "-queue-workers", "2", "-queue", "60", "-pgbench-time", "1s", "-pgbench-scale", "1", "-quiet"}, extra...)
	out, errs, err := bench(t, args...)
	if err != nil {
		t.Fatalf("bench requests: %v\n%s%s", err, out, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !requestsLine.MatchString(last) {
		t.Fatalf("last line %q\n%s", last, out)
	}
	t.Logf("%s", out)
	return out, errs
}

// submittedOf reads the submissions the run reports for engine (the
// table's second column), failing unless there were some.
func submittedOf(t *testing.T, out, engine string) int {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[0] == engine {
			n, err := strconv.Atoi(f[1])
			if err != nil || n <= 0 {
				t.Fatalf("%s submitted %q", engine, f[1])
			}
			return n
		}
	}
	t.Fatalf("no %s row in\n%s", engine, out)
	return 0
}

// storedRequests counts the requests of a database.
func storedRequests(t *testing.T, dsn string) int {
	t.Helper()
	n, err := sqlstore.NewIndicatorSource(openTestDB(t, dsn)).CountRows(context.Background(), "service_requests")
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// tallied checks the indicator counts of the stored requests: one per
// request, by channel over all four channels, and the completed ones with
// their working days.
func tallied(t *testing.T, dsn string) {
	t.Helper()
	db := openTestDB(t, dsn)
	total, done, channels := 0, 0, map[shequ.Channel]bool{}
	err := sqlstore.NewRequestService(db, sqlstore.NewServiceItemService(db), nil).ServiceCounts(context.Background(), nil,
		func(r shequ.ServiceCountRow) {
			total += r.N
			channels[r.Channel] = true
			if r.Done {
				done += r.N
				if r.Days < 0 || r.Days > 20 {
					t.Errorf("a completed group has %d working days", r.Days)
				}
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	if n := storedRequests(t, dsn); total != n {
		t.Errorf("indicator counts hold %d requests, the table %d", total, n)
	}
	if done == 0 || done == total || len(channels) != len(shequ.Channels) {
		t.Errorf("indicator counts: %d done of %d, channels %v", done, total, channels)
	}
}

// TestBenchRequestsSQLite runs the workload on SQLite alone: it says that
// PostgreSQL is skipped, stores the generated and the submitted requests,
// and reuses the generated ones on a second run.
func TestBenchRequestsSQLite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bench.db")
	out, errs := benchRequestsShort(t, db)
	if !strings.Contains(out, "postgres_submit_per_s=skipped pgbench_tpcb_tps=skipped") ||
		!strings.Contains(errs, "No -postgres given") {
		t.Errorf("PostgreSQL not reported as skipped:\n%s\n%s", out, errs)
	}
	// 3000 generated, the warm-up (50) and the timed submissions on top:
	// as many as the run reports, which on a loaded machine may be fewer
	// than -submit within -duration.
	if n, want := storedRequests(t, db), 3000+50+submittedOf(t, out, "sqlite"); n < want {
		t.Errorf("%d stored requests, want at least %d", n, want)
	}
	tallied(t, db)
	_, errs = benchRequestsShort(t, db, "-submit", "100")
	if !strings.Contains(errs, "Reusing the synthetic requests") {
		t.Errorf("second run did not reuse the requests:\n%s", errs)
	}
}

// TestBenchRequestsEngines: -engines sqlite leaves PostgreSQL alone even
// when -postgres names one (this one does not exist), and says nothing of
// a missing -postgres.
func TestBenchRequestsEngines(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bench.db")
	out, errs := benchRequestsShort(t, db, "-engines", "sqlite", "-postgres", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if !strings.Contains(out, "postgres_submit_per_s=skipped pgbench_tpcb_tps=skipped") || strings.Contains(errs, "No -postgres given") {
		t.Errorf("-engines sqlite:\n%s\n%s", out, errs)
	}
	if !strings.Contains(out, "\nsqlite ") {
		t.Errorf("SQLite not measured:\n%s", out)
	}
}

// TestBenchRequestsPostgres runs the workload on both engines with pgbench
// beside (skipped, or failed under SHEQU_TEST_STRICT=1, without
// PostgreSQL).
func TestBenchRequestsPostgres(t *testing.T) {
	pg := postgresSchemaDSN(t)
	out, _ := benchRequestsShort(t, filepath.Join(t.TempDir(), "bench.db"), "-postgres", pg)
	if strings.Contains(out, "skipped") {
		t.Errorf("a figure was skipped with -postgres:\n%s", out)
	}
	if n, want := storedRequests(t, pg), 3000+50+submittedOf(t, out, "postgres"); n < want {
		t.Errorf("%d stored requests on PostgreSQL, want at least %d", n, want)
	}
	tallied(t, pg)
}

func TestBenchRequestsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"requests", "extra"},
		{"requests", "-submit", "0"},
		{"requests", "-clients", "0"},
		{"requests", "-county", "3305"},
		{"requests", "-pgbench-time", "10ms"},
		{"requests", "-db", "postgres://x/y"},
		{"requests", "-engines", "mysql"},
		{"requests", "-engines", ""},
		{"requests", "-engines", "sqlite,"},
		{"requests", "-engines", "postgres"}, // without -postgres
	} {
		if _, _, err := bench(t, args...); err != errUsage {
			t.Errorf("%q: %v, want usage", args, err)
		}
	}
}

func TestBenchRequestsParts(t *testing.T) {
	report := []byte("pgbench (15.10)\nnumber of transactions actually processed: 19342\n" +
		"latency average = 8.271 ms\ninitial connection time = 14.019 ms\ntps = 1934.571203 (without initial connection time)\n")
	if tps, err := parsePgbenchTPS(report); err != nil || tps != 1934.571203 {
		t.Errorf("tps = %v, %v", tps, err)
	}
	if _, err := parsePgbenchTPS([]byte("pgbench: error: connection refused")); err == nil {
		t.Error("no tps accepted")
	}
	u, err := libpqURL("postgres://u:p@127.0.0.1:55432/shequ?sslmode=disable&search_path=t_x", "shequ_pgbench_1")
	if err != nil || u != "postgres://u:p@127.0.0.1:55432/shequ_pgbench_1?sslmode=disable" {
		t.Errorf("libpqURL = %q, %v", u, err)
	}
	// A high-availability URL keeps its hosts and its session target, so
	// that pg_dump of `shequ backup` reaches the primary.
	u, err = libpqURL("postgres://u@10.0.0.1:5432,10.0.0.2:5432/shequ?target_session_attrs=read-write&plan_cache_mode=force_generic_plan", "")
	if err != nil || u != "postgres://u@10.0.0.1:5432,10.0.0.2:5432/shequ?target_session_attrs=read-write" {
		t.Errorf("libpqURL of a multi-host URL = %q, %v", u, err)
	}
	if _, err := libpqURL("/tmp/x.db", "y"); err == nil {
		t.Error("a file path accepted as PostgreSQL")
	}
	sum := 0
	for _, w := range benchStateWeights {
		if w.state.Open() {
			sum += w.weight
		}
	}
	total := 0
	for _, w := range benchStateWeights {
		total += w.weight
	}
	if sum != benchOpenWeight || total != 1000 {
		t.Errorf("open weights %d (benchOpenWeight %d), all %d (want 1000)", sum, benchOpenWeight, total)
	}
	for i, w := range benchStateWeights {
		if w.state.Open() != (i < 5) {
			t.Errorf("state %s out of order: the open states come first", w.state)
		}
	}
	lat := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for i := range lat {
		lat[i] *= time.Millisecond
	}
	if p := percentile(lat, 0.99); p != 10*time.Millisecond {
		t.Errorf("p99 = %v", p)
	}
	if p := percentile(lat, 0.5); p != 5*time.Millisecond {
		t.Errorf("p50 = %v", p)
	}
	got := benchRequestsReport([]benchEngineResult{
		{engine: "sqlite", submitted: 100, submitPerS: 5012.4, queueP50: time.Millisecond, queueP99: 2500 * time.Microsecond,
			settledP99: 900 * time.Microsecond},
		{engine: "postgres", submitted: 90, submitPerS: 1600.6, queueP50: time.Millisecond, queueP99: 3100 * time.Microsecond,
			settledP99: 1200 * time.Microsecond},
	}, "1934", "812")
	if !strings.HasSuffix(got, "sqlite_submit_per_s=5012 postgres_submit_per_s=1601 pgbench_tpcb_tps=1934 queue_p99_ms=3.10"+
		" pgbench_submission_tps=812 queue_settled_p99_ms=1.20\n") {
		t.Errorf("report:\n%s", got)
	}
}
