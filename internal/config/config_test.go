package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shequ"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedence(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"SHEQU_ADDR": "127.0.0.1:9000", "SHEQU_DB": "env.db", "SHEQU_DEMO": "1"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.DB != "env.db" || !c.Demo || c.LogFormat != "text" {
		t.Fatalf("env not applied over defaults: %+v", c)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.BindServe(fs)
	if err := fs.Parse([]string{"-db", "flag.db"}); err != nil {
		t.Fatal(err)
	}
	if c.DB != "flag.db" || c.Addr != "127.0.0.1:9000" {
		t.Fatalf("flags must override env, and env stay where no flag: %+v", c)
	}
}

func TestSecurityFromEnv(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"SHEQU_LOGIN_MAX_FAILURES": "3", "SHEQU_LOCKOUT": "30m", "SHEQU_SESSION_IDLE": "10m", "SHEQU_LOGIN_RATE": "5"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Security.MaxFailedLogins != 3 || c.Security.Lockout != 30*time.Minute || c.Security.Session.Idle != 10*time.Minute ||
		c.Security.LoginsPerMinute != 5 || c.Security.Session.Absolute != 12*time.Hour {
		t.Errorf("security = %+v", c.Security)
	}
	for _, bad := range []map[string]string{{"SHEQU_LOCKOUT": "soon"}, {"SHEQU_LOGIN_RATE": "many"}} {
		if _, err := FromEnv(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestFileVariant(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dsn")
	if err := os.WriteFile(p, []byte("postgres://u:secret@127.0.0.1/db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := FromEnv(env(map[string]string{"SHEQU_DB_FILE": p}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "postgres://u:secret@127.0.0.1/db" {
		t.Fatalf("DB = %q", c.DB)
	}
	if r := c.Redacted(); strings.Contains(r.DB, "secret") || !strings.Contains(r.DB, "xxxxx") {
		t.Errorf("Redacted DB = %q", r.DB)
	}
	if _, err := FromEnv(env(map[string]string{"SHEQU_DB_FILE": filepath.Join(t.TempDir(), "missing")})); err == nil {
		t.Error("missing _FILE accepted")
	}
	if _, err := FromEnv(env(map[string]string{"SHEQU_DEMO": "maybe"})); err == nil {
		t.Error("bad boolean accepted")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		field  string // "" means valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"postgres url", func(c *Config) { c.DB = "postgres://u@127.0.0.1:5432/shequ?sslmode=disable" }, ""},
		{"any port", func(c *Config) { c.Addr = ":0" }, ""},
		{"addr without port", func(c *Config) { c.Addr = "localhost" }, "addr"},
		{"empty db", func(c *Config) { c.DB = " " }, "db"},
		{"mysql", func(c *Config) { c.DB = "mysql://x" }, "db"},
		{"postgres without host", func(c *Config) { c.DB = "postgres://" }, "db"},
		{"log format", func(c *Config) { c.LogFormat = "xml" }, "log_format"},
		{"log level", func(c *Config) { c.LogLevel = "loud" }, "log_level"},
		{"lang", func(c *Config) { c.Lang = "fr" }, "lang"},
		{"no lockout threshold", func(c *Config) { c.Security.MaxFailedLogins = 0 }, "login_max_failures"},
		{"no login rate", func(c *Config) { c.Security.LoginsPerMinute = 0 }, "login_rate"},
		{"lockout too short", func(c *Config) { c.Security.Lockout = time.Second }, "lockout"},
		{"idle beyond max", func(c *Config) { c.Security.Session.Idle = 13 * time.Hour }, "session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			e := shequ.AsError(err)
			if err == nil || e.Code != shequ.EInvalid || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
				t.Fatalf("Validate = %+v, want one error on %s", err, tt.field)
			}
		})
	}
}

func TestDataDirectory(t *testing.T) {
	c := Default()
	if got := c.DataDirectory(); got != "shequ-data" {
		t.Errorf("sqlite default: %q", got)
	}
	c.DB = "/var/lib/shequ/main.db"
	if got := c.DataDirectory(); got != "/var/lib/shequ" {
		t.Errorf("sqlite file: %q", got)
	}
	c.DB = "postgres://h/db"
	if got := c.DataDirectory(); got != "shequ-data" {
		t.Errorf("postgres: %q", got)
	}
	c.DataDir = "/etc/shequ"
	if got := c.DataDirectory(); got != "/etc/shequ" {
		t.Errorf("explicit: %q", got)
	}
}
