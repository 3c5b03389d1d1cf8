package config

import (
	"flag"
	"fmt"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// HA holds the settings of issue 18 beyond one process: a read replica
// for the pages that tolerate slightly stale data, and the memory limit of
// the Go runtime.
type HA struct {
	// DBRead, if set, is a postgres:// URL of a standby (or a multi-host
	// URL with target_session_attrs=prefer-standby) serving the reads of
	// the public pages; DBReadMaxLag bounds how far behind it may be.
	DBRead       string
	DBReadMaxLag time.Duration
	// MemoryLimit is the Go runtime's soft memory limit, in GOMEMLIMIT's
	// syntax (360MiB, 1GiB) or "off"; a GOMEMLIMIT in the environment wins.
	MemoryLimit string
}

// Defaults of HA.
const (
	DefaultDBReadMaxLag = 2 * time.Second
	// DefaultMemoryLimit aims a server with the national division tree and
	// the demo at the 400 MB budget of resident memory (issue 18; see
	// docs/BENCHMARKS.md): its live heap is about 150 MB, so the collector
	// has twice that to work in; the heap goal is held below the limit,
	// the rest of the resident memory is stacks, the runtime and the
	// binary (about 60 MB).
	DefaultMemoryLimit = "300MiB"
)

// haFromEnv reads the SHEQU_* variables of HA into c.
func haFromEnv(getenv func(string) string, c *Config) error {
	if v := getenv("SHEQU_DB_READ"); v != "" {
		c.HA.DBRead = v
	} else if p := getenv("SHEQU_DB_READ_FILE"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("SHEQU_DB_READ_FILE: %w", err)
		}
		c.HA.DBRead = strings.TrimSpace(string(b))
	}
	if v := getenv("SHEQU_DB_READ_MAX_LAG"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("SHEQU_DB_READ_MAX_LAG=%q: want a duration such as 2s (环境变量取值应为时长，如 2s)", v)
		}
		c.HA.DBReadMaxLag = d
	}
	if v := getenv("SHEQU_MEMORY_LIMIT"); v != "" {
		c.HA.MemoryLimit = v
	}
	return nil
}

// bindServeHA registers the HA flags of serve.
func (c *Config) bindServeHA(fs *flag.FlagSet) {
	fs.StringVar(&c.HA.DBRead, "db-read", c.HA.DBRead, "postgres:// URL of a standby for the reads of the public pages, which may be a little stale (env SHEQU_DB_READ or SHEQU_DB_READ_FILE)")
	fs.DurationVar(&c.HA.DBReadMaxLag, "db-read-max-lag", c.HA.DBReadMaxLag, "read from -db-read only while its replay lag is at most this; otherwise from -db (env SHEQU_DB_READ_MAX_LAG)")
	fs.StringVar(&c.HA.MemoryLimit, "memory-limit", c.HA.MemoryLimit, "soft memory limit of the Go runtime, e.g. 360MiB or 1GiB, or off; GOMEMLIMIT in the environment wins (env SHEQU_MEMORY_LIMIT)")
}

// validateHA checks HA.
func (c Config) validateHA(add func(field, key, msg string, data map[string]any)) {
	if c.HA.DBRead != "" {
		u, err := url.Parse(c.HA.DBRead)
		if !IsPostgresDSN(c.HA.DBRead) || err != nil || u.Host == "" || !c.IsPostgres() {
			add("db_read", "config.db_read", "-db-read: want a postgres:// URL, with a postgres:// -db", nil)
		}
	}
	if d := c.HA.DBReadMaxLag; d < 100*time.Millisecond || d > time.Hour {
		add("db_read_max_lag", "config.db_read_max_lag", "-db-read-max-lag: want 100ms to 1h", nil)
	}
	if _, err := ParseMemoryLimit(c.HA.MemoryLimit); err != nil {
		add("memory_limit", "config.memory_limit", fmt.Sprintf("-memory-limit %q: want a size such as 360MiB or 1GiB (at least 64MiB), or off", c.HA.MemoryLimit),
			map[string]any{"Value": c.HA.MemoryLimit})
	}
}

// ParseMemoryLimit parses a size in GOMEMLIMIT's syntax — a whole number of
// bytes with an optional unit B, KiB, MiB, GiB or TiB — or "off"
// (math.MaxInt64, no limit). A limit under 64 MiB is refused: the server
// would spend its time collecting.
func ParseMemoryLimit(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return math.MaxInt64, nil
	}
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("not a size")
	}
	if n*mult < 64<<20 {
		return 0, fmt.Errorf("under 64MiB")
	}
	return n * mult, nil
}

// redactedDSN masks the password of a PostgreSQL URL.
func redactedDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	return dsn
}
