package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"shequ/internal/config"
	"shequ/internal/demo"
	"shequ/internal/i18n"
	"shequ/internal/sqlstore"
	"shequ/internal/web"
)

// Main is the running platform: database, services and HTTP server. Run opens
// them in that order and returns; Close shuts them down in reverse.
type Main struct {
	Config config.Config
	Logger *slog.Logger
	// Catalog is the message catalogue; nil means load the built-in one.
	Catalog *i18n.Catalog
	// DemoProgress, if set, reports the demo load.
	DemoProgress demo.Progress

	db   *sqlstore.DB
	ln   net.Listener
	http *http.Server
	done chan error
}

// Run opens the database (migrating it unless NoMigrate), loads the demo when
// asked on an empty database, and starts serving. It returns once the server
// listens.
func (m *Main) Run(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	policy := migrateAlways
	if m.Config.NoMigrate {
		policy = migrateNever
	}
	if m.db, err = openStore(ctx, m.Config.DB, policy, m.Logger); err != nil {
		return err
	}
	if m.Config.Demo {
		loaded, err := demo.Load(ctx, demo.Services{
			Divisions:  sqlstore.NewDivisionService(m.db),
			ImportRuns: sqlstore.NewImportRunService(m.db),
			Now:        m.db.Now,
		}, m.DemoProgress)
		if err != nil {
			return fmt.Errorf("load demo: %w", err)
		}
		m.Logger.Info("demo", "loaded", loaded, "county", demo.County)
	}
	if m.Catalog == nil {
		if m.Catalog, err = i18n.New(); err != nil {
			return err
		}
	}
	h, err := web.NewServer(web.Config{
		Version:       version,
		Logger:        m.Logger,
		Catalog:       m.Catalog,
		Divisions:     sqlstore.NewDivisionService(m.db),
		Readiness:     m.db,
		DBStats:       m.db.Stats,
		SecureCookies: m.Config.SecureCookies,
	})
	if err != nil {
		return err
	}
	if m.ln, err = net.Listen("tcp", m.Config.Addr); err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
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
	go func() { m.done <- m.http.Serve(m.ln) }()
	m.Logger.Info("serving", "url", "http://"+m.ln.Addr().String(), "engine", m.db.Engine(), "version", version)
	return nil
}

// Addr returns the address the server listens on (useful with port 0).
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Done is closed with the server's error when it stops serving on its own.
func (m *Main) Done() <-chan error { return m.done }

// Close stops the server, waiting up to 10 seconds for requests in flight,
// then closes the database.
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
	if m.db != nil {
		if err := m.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
		m.db = nil
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
	m := &Main{Config: *cfg, Logger: newLogger(e.stderr, cfg), Catalog: e.cat}
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
