package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/riverqueue/river"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"shequ"
	"shequ/internal/auth"
	"shequ/internal/config"
	"shequ/internal/demo"
	"shequ/internal/i18n"
	"shequ/internal/residentimport"
	"shequ/internal/web"
)

// Main is the running platform: database, services and HTTP server. Run opens
// them in that order and returns; Close shuts them down in reverse.
type Main struct {
	Config config.Config
	Logger *slog.Logger
	// Getenv supplies SHEQU_DATA_KEY and SHEQU_DATA_KEY_FILE; nil means none.
	Getenv func(string) string
	// Stdout receives the one-time password of a first system administrator;
	// nil means io.Discard.
	Stdout io.Writer
	// Catalog is the message catalogue; nil means load the built-in one.
	Catalog *i18n.Catalog
	// DemoProgress, if set, reports the demo load.
	DemoProgress demo.Progress
	// DemoPrefix, if set, loads the demo's divisions at, above and below
	// this code only: a hook for tests (the county alone loads in a
	// second, the country in a quarter of a minute).
	DemoPrefix string
	// KeyPoll and KeyHeartbeat, if set, are how often the key file is
	// checked for a change and the key registry told which keys this
	// server holds (keywatch.go; 2 s and 5 s by default): hooks for tests.
	KeyPoll, KeyHeartbeat time.Duration
	// LinkageNow, if set, is the workflow clock of the 三社联动 service (bid
	// deadlines, objection periods): a hook for tests that move time on,
	// set before Run; nil is the database's clock.
	LinkageNow func() time.Time
	// PropertyNow, if set, is the clock of the property module (time
	// limits, due dates, rating periods, alerts): a hook for tests that
	// move time on, set before Run; nil is the database's clock.
	PropertyNow func() time.Time
	// JobPollInterval is how often this process looks for background jobs
	// (0: the queue's default, a second); tests shorten it.
	JobPollInterval time.Duration
	// CareNow, if set, is the rule clock of the care service
	// (acknowledgement deadlines, due visits, ages): browser tests move it
	// forward to see an alert escalate.
	CareNow func() time.Time
	// MeasureHeap measures the live heap after each phase of Run (a full
	// collection each): `shequ bench memory`.
	MeasureHeap bool

	svc  *services
	stop context.CancelFunc // ends background work (the change feed, the reconcile)
	bg   sync.WaitGroup     // background work running
	ln   net.Listener
	http *http.Server
	done chan error
	// ops is the running state of issue 14's operations (serve_ops.go).
	ops opsState
	// enginesRestored: the engines started from their snapshot
	// (serve_snapshot.go), not a full load.
	enginesRestored bool
	// reconciled is the result of the reconcile that follows a start
	// from the snapshot (serve_reconcile.go), nil until it ends;
	// reconcileDone is closed then.
	reconciled    atomic.Pointer[reconcileResult]
	reconcileDone chan struct{}
	// startup times the phases of Run (serve_startup.go).
	startup *startupPhases
}

// Run opens the database (migrating it unless NoMigrate), loads the demo when
// asked on an empty database, creates the first system administrator when
// there is none, and starts serving. It returns once the server listens.
func (m *Main) Run(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	m.startup = newStartupPhases()
	m.startup.heap = m.MeasureHeap
	policy := migrateAlways
	if m.Config.NoMigrate {
		policy = migrateNever
	}
	getenv := m.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if m.Catalog == nil {
		if m.Catalog, err = i18n.New(); err != nil {
			return err
		}
	}
	if m.svc, err = openServices(ctx, getenv, &m.Config, policy, m.Logger); err != nil {
		return err
	}
	s := m.svc
	m.startup.done("open_migrate")
	if err := openReplica(s.db, m.Config, m.Logger); err != nil {
		return err
	}
	s.linkage.Now = m.LinkageNow
	s.property.Now = m.PropertyNow
	s.care.Now = m.CareNow
	// The holiday table first: the demo's objection periods count on it,
	// as every later one does.
	if err := seedServiceDefaults(ctx, s); err != nil {
		return err
	}
	m.startup.done("seed")
	if m.Config.Demo {
		loaded, err := demo.Load(cliContext(ctx), demo.Services{
			Divisions: s.divisions, ImportRuns: s.runs, Users: s.users, Residents: s.residents,
			Hasher: s.hasher, TwoFactor: s.twoFactor, Now: s.db.Now, Orgs: s.orgs, Workers: s.workers,
			Linkage: s.linkage, LinkageClock: func(now func() time.Time) {
				if now == nil {
					now = m.LinkageNow
				}
				s.linkage.Now = now
			},
			Facilities: s.facilities, Locations: s.locations, Prefix: m.DemoPrefix,
			Property: s.property, PropertyClock: func(now func() time.Time) {
				if now == nil {
					now = m.PropertyNow
				}
				s.property.Now = now
			},
			Requests: s.requests, Desk: s.requests, Delegations: s.delegations,
			Care: s.care, CareClock: func(now func() time.Time) {
				if now == nil {
					now = m.CareNow
				}
				s.care.Now = now
			},
			Volunteers: s.volunteers, TimeBank: s.volunteers, Workforce: s.workforce, Teams: s.volunteers,
			VolunteerClock: func(now func() time.Time) { s.volunteers.Now, s.workforce.Now = now, now },
		}, m.DemoProgress)
		if err != nil {
			return fmt.Errorf("load demo: %w", err)
		}
		m.Logger.Info("demo", "loaded", loaded, "county", demo.County)
	}
	if err := m.bootstrapAdmin(ctx); err != nil {
		return err
	}
	m.startup.done("demo_admin")
	// The engines load what is committed now; the changes published by
	// other servers from here on are applied on top (services_feed.go).
	// Or they start from the snapshot and apply the changes published
	// after it (serve_snapshot.go).
	restored, err := m.restoreEngines(ctx)
	if err != nil {
		return err
	}
	m.enginesRestored = restored
	s.unreconciled.Store(restored)
	if !restored {
		if err := s.feed.Mark(ctx); err != nil {
			return err
		}
		if err := m.loadEngines(ctx); err != nil {
			return err
		}
		s.engineBase.Store(s.db.Now().UnixNano())
	}
	m.startup.done("engines")
	if err := m.startJobs(ctx); err != nil {
		return err
	}
	if !restored {
		// A snapshot of the full load, by whichever server takes the job.
		if err := s.jobs.Enqueue(ctx, engineSnapshotArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}); err != nil {
			return err
		}
	}
	m.startup.done("jobs")
	bgctx, stop := context.WithCancel(context.Background())
	m.stop = stop
	m.bg.Add(1)
	go func() { defer m.bg.Done(); s.feed.Run(bgctx) }()
	proxies, err := config.ParseProxies(m.Config.Ops.TrustedProxies)
	if err != nil {
		return err
	}
	h, err := web.NewServer(web.Config{
		Version:         version,
		Logger:          m.Logger,
		Catalog:         m.Catalog,
		Divisions:       s.divisions,
		Readiness:       s.db,
		DBStats:         s.db.Stats,
		SecureCookies:   m.Config.SecureCookies,
		Users:           s.users,
		Sessions:        s.sessions,
		Tokens:          s.tokens,
		Idempotency:     s.idem,
		Audit:           s.audit,
		Residents:       s.residents,
		Hasher:          s.hasher,
		TwoFactor:       s.twoFactor,
		OTP:             s.otp,
		Verifier:        s.residents,
		SMS:             newSMSOutbox(m.Config, s.db.Now),
		Security:        m.Config.Security,
		Now:             s.db.Now,
		ImportResidents: m.importResidents,
		Orgs:            s.orgs,
		Workers:         s.workers,
		Targets:         s.targets,
		Indicators:      s.indicators,
		Linkage:         s.linkage,
		ServiceItems:    s.items,
		Requests:        s.requests,
		RequestDesk:     s.requests,
		Delegations:     s.delegations,
		Holidays:        s.items,
		Facilities:      s.facilities,
		Property:        s.property,
		Locations:       s.locations,
		Coverage:        s.coverage,
		Care:            s.care,
		Volunteers:      s.volunteers,
		Teams:           s.volunteers,
		TimeBank:        s.volunteers,
		Workforce:       s.workforce,
		MapTiles:        m.Config.MapTiles,
		MapTilesOrigin:  m.Config.MapTilesOrigin(),

		// The facility upload page (issue 7).

		// Notifications and the online application (issue 13).
		Notifications:  s.notifications,
		Deliveries:     s.notifications,
		NotifyChannels: m.Config.Notify.Channels(),
		RequestIntake:  s.requests,

		// Issue 14: who may read /metrics (serve_ops.go), which proxies
		// name the client.
		MetricsToken:     m.Config.Ops.MetricsToken,
		MetricsElsewhere: m.Config.Ops.MetricsAddr != "",
		TrustedProxies:   proxies,
	})
	if err != nil {
		return err
	}
	m.startup.done("web")
	if m.ln, err = net.Listen("tcp", m.Config.Addr); err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.startup.done("listen")
	// Issue 14: the metrics listener and the key watcher (serve_ops.go).
	if err := m.startOps(h); err != nil {
		return err
	}
	m.startup.done("ops") // a signed checkpoint of the audit trail among them
	// All four timeouts: slow clients must not hold connections forever.
	m.http = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	m.done = make(chan error, 1)
	// The goroutine gets its own copies: Close may clear m.http before it
	// starts.
	srv, ln, done := m.http, m.ln, m.done
	go func() { done <- srv.Serve(ln) }()
	m.startup.done("serve")
	if restored {
		// Listening: now the engines are checked against the database,
		// in the background (serve_reconcile.go).
		m.reconcileDone = make(chan struct{})
		m.bg.Add(1)
		go func() { defer m.bg.Done(); m.reconcileEngines(bgctx) }()
	}
	m.startup.log(m.Logger)
	m.Logger.Info("serving", "url", "http://"+m.ln.Addr().String(), "engine", s.db.Engine(), "version", version)
	return nil
}

// bootstrapAdmin creates the first system administrator, "admin", when the
// database has none, with a random one-time password printed once and to be
// changed at first sign-in.
func (m *Main) bootstrapAdmin(ctx context.Context) error {
	n, err := m.svc.users.CountUsers(ctx, shequ.RoleSysadmin)
	if err != nil || n > 0 {
		return err
	}
	pw := auth.RandomPassword()
	hash, err := m.svc.hasher.Hash(pw)
	if err != nil {
		return err
	}
	u := &shequ.User{Username: "admin", Role: shequ.RoleSysadmin, MustChangePassword: true}
	if err := m.svc.users.CreateUser(cliContext(ctx), u, hash); err != nil {
		return fmt.Errorf("create the first system administrator: %w", err)
	}
	out := m.Stdout
	if out == nil {
		out = io.Discard
	}
	fmt.Fprintln(out, m.Catalog.Localizer(m.Config.Lang).T("cli.serve.admin_created", map[string]any{"Username": u.Username, "Password": pw}))
	m.Logger.Warn("created the first system administrator; its one-time password was printed once", "username", u.Username)
	return nil
}

// importResidents serves the upload page: the same parser and all-or-nothing
// write as `shequ import residents`. Row messages are in Chinese, the
// platform's first language.
func (m *Main) importResidents(ctx context.Context, community string, r io.Reader, filename string) (*web.ResidentImportReport, error) {
	f, err := residentimport.Parse(r, filename, community, m.svc.db.Now())
	if err != nil {
		return nil, err
	}
	rep := &web.ResidentImportReport{Total: f.Total}
	loc := m.Catalog.Localizer(i18n.Default)
	e := &env{loc: loc}
	for _, re := range f.Errors {
		rep.Errors = append(rep.Errors, web.RowError{Line: re.Line, Message: e.residentRowError(re)})
	}
	if len(rep.Errors) > 0 {
		return rep, nil
	}
	if err := m.svc.residents.ImportResidents(ctx, f.Residents); err != nil {
		return nil, err
	}
	rep.Written = len(f.Residents)
	return rep, nil
}

// Addr returns the address the server listens on (useful with port 0).
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Done is closed with the server's error when it stops serving on its own.
func (m *Main) Done() <-chan error { return m.done }

// Close stops the server, waiting up to 10 seconds for requests in flight,
// then the background jobs, then closes the database.
func (m *Main) Close() error {
	var errs []error
	if m.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down http: %w", err))
		}
		m.http = nil
	}
	// No request is served any more: the request changes still gathered
	// are published now, before the snapshot below (serve_reconcile.go).
	if m.svc != nil && m.svc.requestChanges != nil {
		m.svc.requestChanges.Flush()
	}
	if m.stop != nil {
		m.stop()
		m.bg.Wait()
		m.stop = nil
	}
	errs = append(errs, m.stopOps())
	if m.svc != nil && m.svc.jobs != nil {
		// The engines' state as the server stops, unless a newer one is
		// stored (serve_snapshot.go).
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if _, err := m.svc.snapshotEngines(ctx, m.Logger); err != nil {
			errs = append(errs, fmt.Errorf("engine snapshot: %w", err))
		}
		cancel()
	}
	if m.svc != nil {
		// Running jobs get the rest of the 10 seconds, then are cancelled
		// (and retried by the next server).
		if m.svc.jobs != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := m.svc.jobs.Stop(ctx); err != nil {
				errs = append(errs, err)
			}
			cancel()
		}
		if err := m.svc.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
		m.svc = nil
	}
	return errors.Join(errs...)
}

// runServe runs the platform until SIGINT or SIGTERM.
func runServe(ctx context.Context, e *env, args []string) error {
	cfg, fs, err := loadConfig(e, "serve", args, func(c *config.Config, fs *flag.FlagSet) { c.BindServe(fs) })
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, e.loc.T("cli.serve.usage"))
		return errUsage
	}
	m := &Main{Config: *cfg, Logger: newLogger(e.stderr, cfg), Catalog: e.cat, Getenv: e.getenv, Stdout: e.stdout}
	applyMemoryLimit(*cfg, e.getenv, m.Logger)
	if cfg.Demo {
		bars := map[string]*progress{}
		m.DemoProgress = func(phase string, n, total int) {
			if bars[phase] == nil {
				bars[phase] = newProgress(e.stderr, e.loc.T("cli.serve.demo."+phase), e.loc.T("cli.import.rows"), int64(total), false)
			}
			bars[phase].Set(int64(n))
			if n == total {
				bars[phase].Done()
			}
		}
	}
	if err := m.Run(ctx); err != nil {
		return err
	}
	// SIGHUP reads the key file again (after `shequ keys rotate` on
	// another machine, once the file is copied here).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer func() {
		signal.Stop(hup)
		close(hup)
	}()
	go func() {
		for range hup {
			m.ReloadKeys()
		}
	}()
	fmt.Fprintln(e.stdout, e.loc.T("cli.serve.listening", map[string]any{"URL": "http://" + m.Addr()}))
	select {
	case <-ctx.Done():
		m.Logger.Info("shutting down", "reason", "signal")
	case err := <-m.Done():
		if !errors.Is(err, http.ErrServerClosed) {
			m.Close()
			return fmt.Errorf("serve: %w", err)
		}
	}
	return m.Close()
}
