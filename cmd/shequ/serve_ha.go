package main

import (
	"log/slog"
	"math"
	"runtime/debug"

	"shequ/internal/config"
	"shequ/internal/sqlstore"
)

// openReplica opens the read replica of -db-read, if any, on db.
func openReplica(db *sqlstore.DB, cfg config.Config, log *slog.Logger) error {
	if cfg.HA.DBRead == "" {
		return nil
	}
	if err := db.OpenReplica(cfg.HA.DBRead, cfg.HA.DBReadMaxLag); err != nil {
		return err
	}
	log.Info("read replica", "url", cfg.Redacted().HA.DBRead, "max_lag", cfg.HA.DBReadMaxLag.String())
	return nil
}

// applyMemoryLimit sets the Go runtime's soft memory limit from
// -memory-limit, unless GOMEMLIMIT set one already (the runtime read it at
// start), and returns the limit in force.
func applyMemoryLimit(cfg config.Config, getenv func(string) string, log *slog.Logger) int64 {
	if v := getenv("GOMEMLIMIT"); v != "" {
		limit := debug.SetMemoryLimit(-1)
		log.Info("memory limit from GOMEMLIMIT", "limit", v, "bytes", limit)
		return limit
	}
	limit, err := config.ParseMemoryLimit(cfg.HA.MemoryLimit)
	if err != nil { // Validate refused it already
		return debug.SetMemoryLimit(-1)
	}
	debug.SetMemoryLimit(limit)
	if limit != math.MaxInt64 {
		log.Info("memory limit", "limit", cfg.HA.MemoryLimit, "bytes", limit)
	}
	return limit
}
