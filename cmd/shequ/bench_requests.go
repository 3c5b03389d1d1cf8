package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"shequ"
	"shequ/internal/config"
	"shequ/internal/sqlstore"
)

// benchReqFlags are the flags of `shequ bench requests`.
type benchReqFlags struct {
	requests     int           // stored requests to generate before measuring
	submit       int           // submissions to make at most
	duration     time.Duration // and for at most this long
	clients      int           // concurrent HTTP clients submitting
	queue        int           // queue pages fetched for the latency figures
	county       string        // the county whose communities get the requests
	seed         uint64        // random seed of the synthetic requests
	postgres     string        // run on this PostgreSQL database too, with pgbench beside
	pgbench      string        // the pgbench binary
	pgbenchTime  time.Duration // pgbench TPC-B run time
	pgbenchScale int           // pgbench -i scale factor
	quiet        bool
	cpuProfile   string // CPU profile of the submissions and queue pages, per engine
	memProfile   string // heap profile after the measurements, per engine
	engines      string // the engines to measure: sqlite, postgres or both
	accounts     int    // submitting worker accounts, one per community
	queueWorkers int    // workers reading their queue during the submissions
}

// bindBenchRequests registers the flags of `shequ bench requests`.
func bindBenchRequests(fs *flag.FlagSet, f *benchReqFlags) {
	fs.IntVar(&f.requests, "requests", 10_000_000, "stored requests to generate before measuring (reused when already there)")
	fs.IntVar(&f.submit, "submit", 100_000, "submissions through HTTP at most, per engine")
	fs.DurationVar(&f.duration, "duration", 20*time.Second, "submissions for at most this long, per engine")
	fs.IntVar(&f.clients, "clients", 64, "concurrent HTTP clients submitting")
	fs.IntVar(&f.queue, "queue", 5000, "worker queue pages fetched for the p99, per engine")
	fs.StringVar(&f.county, "county", "330523", "county whose communities get the requests")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed of the synthetic requests")
	fs.StringVar(&f.postgres, "postgres", "", "run on this PostgreSQL database too (postgres://…), with pgbench TPC-B on the same server")
	fs.StringVar(&f.pgbench, "pgbench", defaultPgbench(), "the pgbench binary")
	fs.DurationVar(&f.pgbenchTime, "pgbench-time", 20*time.Second, "pgbench TPC-B run time")
	fs.IntVar(&f.pgbenchScale, "pgbench-scale", 10, "pgbench -i scale factor")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bars")
	fs.IntVar(&f.accounts, "accounts", 16, "worker accounts submitting, each with its own token in its own community of the county")
	fs.IntVar(&f.queueWorkers, "queue-workers", 4, "workers reading their community's queue page while the submissions run (the queue's p99 under load)")
	fs.StringVar(&f.engines, "engines", "sqlite,postgres", "the engines to measure, comma-separated: sqlite, postgres (PostgreSQL needs -postgres)")
	fs.StringVar(&f.memProfile, "memprofile", "", "write a heap profile after the measurements to this file (FILE.sqlite, FILE.postgres): what stays live, and with -sample_index=alloc_space what they allocated")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the measurements to this file (the engine's name is added: FILE.sqlite, FILE.postgres)")
}

// valid reports whether the flags make sense.
func (f *benchReqFlags) valid() bool {
	return f.requests >= 0 && f.submit > 0 && f.duration > 0 && f.clients > 0 && f.clients <= 1024 &&
		f.accounts > 0 && f.accounts <= 1024 && f.queueWorkers > 0 && f.queueWorkers <= f.accounts &&
		f.queue > 0 && f.pgbenchTime >= time.Second && f.pgbenchScale > 0 &&
		len(f.county) == 6 && shequ.ValidateDivisionCode(f.county) == nil && f.measures() != nil
}

// measures returns the engines of -engines (sqlite, postgres, in this
// order), nil when it names anything else or nothing.
func (f *benchReqFlags) measures() map[string]bool {
	out := map[string]bool{}
	for _, e := range strings.Split(f.engines, ",") {
		e = strings.TrimSpace(e)
		if e != "sqlite" && e != "postgres" {
			return nil
		}
		out[e] = true
	}
	return out
}

// defaultPgbench is PostgreSQL 15's pgbench from Debian's package, or the
// one on the PATH.
func defaultPgbench() string {
	const debian = "/usr/lib/postgresql/15/bin/pgbench"
	if _, err := exec.LookPath(debian); err == nil {
		return debian
	}
	return "pgbench"
}

// startCPUProfile writes a CPU profile to path until the returned func is
// called.
func startCPUProfile(path string) (func(), error) {
	out, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); out.Close() }, nil
}

// writeHeapProfile writes the heap profile to path, after a collection so
// that what is live is up to date.
func writeHeapProfile(path string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// benchEngineResult is what one engine measured.
type benchEngineResult struct {
	engine     string
	submitted  int
	submitPerS float64
	// queueP50 and queueP99: the queue page of several workers while the
	// submissions run; settledP50 and settledP99: one client on the idle
	// server after the tables were settled (the figure of earlier runs).
	queueP50, queueP99     time.Duration
	settledP50, settledP99 time.Duration
	loadedPages            int
	community              string        // of the first submitting account
	settle                 time.Duration // the time settling took
	memory                 string        // the key=value memory figures (bench_memory.go)
}

// runBenchRequests runs `shequ bench requests`: on SQLite (-db), and on
// PostgreSQL too with -postgres, it generates the stored requests, then
// through HTTP on 127.0.0.1 times submissions (request + event + audit in
// one transaction) and the worker queue page; with -postgres, pgbench's
// TPC-B on the same server is the yardstick. Progress goes to stderr; the
// last line of stdout is the key=value results.
func runBenchRequests(ctx context.Context, e *env, args []string) error {
	var f benchReqFlags
	cfg, fs, err := loadConfig(e, "bench requests", args, func(c *config.Config, fs *flag.FlagSet) {
		c.BindDB(fs)
		bindBenchRequests(fs, &f)
		fs.StringVar(&c.HA.MemoryLimit, "memory-limit", c.HA.MemoryLimit, "soft memory limit of the Go runtime, as serve's -memory-limit (env SHEQU_MEMORY_LIMIT)")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 0 || !f.valid() {
		fmt.Fprintln(e.stderr, e.loc.T("cli.bench.usage"))
		return errUsage
	}
	if strings.HasPrefix(cfg.DB, "postgres") {
		// -db is the SQLite side; PostgreSQL is named by -postgres.
		fmt.Fprintln(e.stderr, e.loc.T("cli.bench.requests.sqlite_db"))
		return errUsage
	}
	log := newLogger(e.stderr, cfg)
	applyMemoryLimit(*cfg, e.getenv, log)
	var results []benchEngineResult
	engines := f.measures()
	if !engines["postgres"] {
		f.postgres = "" // not measured: no pgbench either
	} else if f.postgres == "" {
		if !engines["sqlite"] {
			fmt.Fprintln(e.stderr, e.loc.T("cli.bench.requests.engines_postgres"))
			return errUsage
		}
		fmt.Fprintln(e.stderr, e.loc.T("cli.bench.requests.no_postgres"))
	}
	for _, dsn := range []string{cfg.DB, f.postgres} {
		if dsn == "" || (dsn == cfg.DB && !engines["sqlite"]) {
			continue
		}
		c := *cfg
		c.DB = dsn
		r, err := benchRequestsOn(ctx, e, c, f, log)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	tps, subTPS := "skipped", "skipped"
	if f.postgres != "" {
		v, err := pgbenchTPCB(ctx, e, f)
		if err != nil {
			return err
		}
		tps = fmt.Sprintf("%.0f", v)
		// One submission's statements as a pgbench script, on the
		// benchmark's database: the yardstick that does what shequ does.
		v, err = pgbenchSubmissions(ctx, e, f, results[len(results)-1].community)
		if err != nil {
			return err
		}
		subTPS = fmt.Sprintf("%.0f", v)
	}
	for _, r := range results {
		fmt.Fprint(e.stdout, r.memory)
	}
	fmt.Fprint(e.stdout, benchRequestsReport(results, tps, subTPS))
	return nil
}

// benchRequestsReport is a table of the engines' figures and the key=value
// line: submissions per second per engine, pgbench's tps, and the queue
// page p99 of the slower engine under the submissions (the budget holds for
// both), then pgbench's tps with a script of one submission's statements and
// the settled queue p99.
func benchRequestsReport(results []benchEngineResult, tps, subTPS string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s %10s %12s %13s %13s %15s %15s\n", "engine", "submitted", "submit_per_s", "queue_p50_ms", "queue_p99_ms",
		"settled_p50_ms", "settled_p99_ms")
	kv := map[string]string{"sqlite": "skipped", "postgres": "skipped"}
	var p99, settled time.Duration
	for _, r := range results {
		fmt.Fprintf(&b, "%-9s %10d %12.0f %13s %13s %15s %15s\n", r.engine, r.submitted, r.submitPerS, ms(r.queueP50), ms(r.queueP99),
			ms(r.settledP50), ms(r.settledP99))
		kv[r.engine] = fmt.Sprintf("%.0f", r.submitPerS)
		p99 = max(p99, r.queueP99)
		settled = max(settled, r.settledP99)
	}
	// The keys of earlier runs first (queue_p99_ms is now the queue under
	// the submissions); the settled, idle figure after them.
	fmt.Fprintf(&b, "sqlite_submit_per_s=%s postgres_submit_per_s=%s pgbench_tpcb_tps=%s queue_p99_ms=%s pgbench_submission_tps=%s queue_settled_p99_ms=%s\n",
		kv["sqlite"], kv["postgres"], tps, ms(p99), subTPS, ms(settled))
	return b.String()
}

// benchRequestsOn measures one engine: prepare the database, start the
// platform on 127.0.0.1, submit, fetch the queue, stop.
func benchRequestsOn(ctx context.Context, e *env, cfg config.Config, f benchReqFlags, log *slog.Logger) (benchEngineResult, error) {
	var res benchEngineResult
	if err := benchRequestsPrepare(ctx, e, cfg, f, log); err != nil {
		return res, err
	}
	cfg.Addr = "127.0.0.1:0"
	cfg.Demo = false
	// The access log of every submission would cost more than the
	// submission: warnings and errors only.
	quiet := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m := &Main{Config: cfg, Logger: quiet, Getenv: e.getenv, Stdout: io.Discard, Catalog: e.cat}
	started := time.Now()
	if err := m.Run(ctx); err != nil {
		return res, err
	}
	defer m.Close()
	mem := startBenchMemory(time.Since(started))
	res.engine = m.svc.db.Engine()
	fmt.Fprintln(e.stderr, e.loc.T("cli.bench.requests.serving", map[string]any{"Engine": res.engine, "Addr": m.Addr()}))
	clients, err := benchClientsFor(ctx, m, f, f.accounts)
	if err != nil {
		return res, err
	}
	load := &benchLoad{submitters: clients, readers: clients[:f.queueWorkers]}
	res.community = clients[0].community
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile + "." + res.engine)
		if err != nil {
			return res, err
		}
		defer stop()
	}
	if err := load.submitAll(ctx, e, f, &res); err != nil {
		return res, err
	}
	// The figure of earlier runs, kept as an extra line: the queue of one
	// worker on the idle server once the tables the burst wrote are
	// settled (VACUUM ANALYZE and a checkpoint), which no real server gets.
	settled := time.Now()
	if err := sqlstore.NewIndicatorSource(m.svc.db).SettleRequests(ctx); err != nil {
		return res, err
	}
	fmt.Fprintln(e.stderr, e.loc.T("cli.bench.requests.settled", map[string]any{"Engine": res.engine,
		"Seconds": fmt.Sprintf("%.1f", time.Since(settled).Seconds())}))
	if err := clients[0].queuePages(ctx, e, f, &res); err != nil {
		return res, err
	}
	res.memory = mem.line(res.engine)
	if f.memProfile != "" {
		if err := writeHeapProfile(f.memProfile + "." + res.engine); err != nil {
			return res, err
		}
	}
	// The figures depend on what else runs on the machine: say how busy it
	// was (Linux; nothing elsewhere).
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintln(e.stderr, e.loc.T("cli.bench.requests.load", map[string]any{"Engine": res.engine,
			"Load": strings.Join(strings.Fields(string(b))[:3], " ")}))
	}
	return res, nil
}
