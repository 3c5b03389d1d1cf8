package config

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shequ"
)

// TestHA reads the read replica and the memory limit from the environment
// and the flags, validates them and keeps the replica's password out of
// what is printed.
func TestHA(t *testing.T) {
	c := Default()
	if c.HA.MemoryLimit != DefaultMemoryLimit || c.HA.DBReadMaxLag != DefaultDBReadMaxLag || c.HA.DBRead != "" {
		t.Fatalf("defaults: %+v", c.HA)
	}
	p := filepath.Join(t.TempDir(), "read")
	if err := os.WriteFile(p, []byte("postgres://u:secret@127.0.0.1:5433/shequ\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := FromEnv(env(map[string]string{"SHEQU_DB": "postgres://u@127.0.0.1/shequ", "SHEQU_DB_READ_FILE": p,
		"SHEQU_DB_READ_MAX_LAG": "5s", "SHEQU_MEMORY_LIMIT": "1GiB"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HA.DBRead != "postgres://u:secret@127.0.0.1:5433/shequ" || c.HA.DBReadMaxLag != 5*time.Second || c.HA.MemoryLimit != "1GiB" {
		t.Fatalf("from env: %+v", c.HA)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if r := c.Redacted(); strings.Contains(r.HA.DBRead, "secret") || !strings.Contains(r.HA.DBRead, "xxxxx") {
		t.Errorf("redacted -db-read: %q", r.HA.DBRead)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.BindServe(fs)
	if err := fs.Parse([]string{"-db-read", "postgres://127.0.0.1:5434/shequ", "-db-read-max-lag", "1s", "-memory-limit", "off"}); err != nil {
		t.Fatal(err)
	}
	if c.HA.DBRead != "postgres://127.0.0.1:5434/shequ" || c.HA.DBReadMaxLag != time.Second || c.HA.MemoryLimit != "off" {
		t.Fatalf("flags: %+v", c.HA)
	}
	if _, err := FromEnv(env(map[string]string{"SHEQU_DB_READ_MAX_LAG": "a bit"})); err == nil {
		t.Error("a malformed lag accepted")
	}

	for _, tt := range []struct {
		name   string
		change func(*Config)
		field  string
	}{
		{"replica on PostgreSQL", func(c *Config) { c.DB, c.HA.DBRead = "postgres://127.0.0.1/a", "postgres://127.0.0.1:5433/a" }, ""},
		{"replica of SQLite", func(c *Config) { c.HA.DBRead = "postgres://127.0.0.1:5433/a" }, "db_read"},
		{"replica not a URL", func(c *Config) { c.DB, c.HA.DBRead = "postgres://127.0.0.1/a", "replica.db" }, "db_read"},
		{"lag too small", func(c *Config) { c.HA.DBReadMaxLag = time.Millisecond }, "db_read_max_lag"},
		{"memory limit words", func(c *Config) { c.HA.MemoryLimit = "lots" }, "memory_limit"},
		{"memory limit tiny", func(c *Config) { c.HA.MemoryLimit = "1MiB" }, "memory_limit"},
	} {
		c := Default()
		tt.change(&c)
		err := c.Validate()
		e := shequ.AsError(err)
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field != "" && (err == nil || len(e.Fields) != 1 || e.Fields[0].Field != tt.field):
			t.Errorf("%s: Validate = %v, want one error on %s", tt.name, err, tt.field)
		}
	}
}

// TestParseMemoryLimit reads GOMEMLIMIT's syntax.
func TestParseMemoryLimit(t *testing.T) {
	for in, want := range map[string]int64{"360MiB": 360 << 20, "1GiB": 1 << 30, "67108864": 64 << 20, "65536KiB": 64 << 20,
		"2TiB": 2 << 40, "100000000B": 100000000, "off": math.MaxInt64, " 512MiB ": 512 << 20} {
		if got, err := ParseMemoryLimit(in); err != nil || got != want {
			t.Errorf("%q: %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1GiB", "1.5GiB", "1GB", "63MiB", "99999999999TiB", "MiB", "off ish"} {
		if got, err := ParseMemoryLimit(bad); err == nil {
			t.Errorf("%q accepted as %d", bad, got)
		}
	}
}
