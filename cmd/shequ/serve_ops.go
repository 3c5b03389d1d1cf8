package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"shequ/internal/web"
)

// opsState is what a running server keeps for issue 14's operations: the
// metrics listener of -metrics-addr and the key watcher.
type opsState struct {
	metrics   *http.Server
	metricsLn net.Listener
	keys      *keyWatch
	// started is closed once the checkpoint of the start is written.
	started chan struct{}
}

// startOps starts what runs beside the main listener.
func (m *Main) startOps(h *web.Server) error {
	if err := m.startKeyWatch(); err != nil {
		return err
	}
	// A checkpoint of the audit trail as the server starts, signed just
	// after it begins serving: reading the trail's head takes seconds on a
	// large database, which the start need not wait for (issue 18: ready in
	// under 5 s). It still covers everything written before this start
	// (and whatever was written since). A checkpoint file it cannot write
	// stops the start, as before.
	if seal := m.svc.seal; seal != nil {
		if err := seal.writable(); err != nil {
			return err
		}
		done := make(chan struct{})
		m.ops.started = done
		go func() {
			defer close(done)
			if _, err := seal.checkpoint(context.Background(), true); err != nil {
				m.Logger.Error("audit checkpoint at start", "err", err)
			}
		}()
	}
	if addr := m.Config.Ops.MetricsAddr; addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listen on %s (-metrics-addr): %w", addr, err)
		}
		srv := &http.Server{
			Handler:           h.MetricsHandler(),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
		}
		m.ops.metrics, m.ops.metricsLn = srv, ln
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				m.Logger.Error("metrics listener", "err", err)
			}
		}()
		m.Logger.Info("metrics", "url", "http://"+ln.Addr().String()+"/metrics", "token", m.Config.Ops.MetricsToken != "")
	} else if m.Config.Ops.MetricsToken == "" {
		m.Logger.Info("metrics are not served: set -metrics-addr or -metrics-token")
	}
	return nil
}

// MetricsAddr returns the address of the metrics listener, "" without one.
func (m *Main) MetricsAddr() string {
	if m.ops.metricsLn == nil {
		return ""
	}
	return m.ops.metricsLn.Addr().String()
}

// stopOps stops what startOps started.
func (m *Main) stopOps() error {
	var errs []error
	if m.ops.started != nil {
		<-m.ops.started
		m.ops.started = nil
	}
	// A checkpoint as the server stops (the last of its writes included).
	if m.svc != nil && m.svc.seal != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := m.svc.seal.checkpoint(ctx, false); err != nil {
			errs = append(errs, err)
		}
		cancel()
	}
	if m.ops.keys != nil {
		if err := m.ops.keys.close(); err != nil {
			errs = append(errs, err)
		}
		m.ops.keys = nil
	}
	if m.ops.metrics != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.ops.metrics.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down metrics: %w", err))
		}
		m.ops.metrics = nil
	}
	return errors.Join(errs...)
}
