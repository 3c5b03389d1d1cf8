// Package config holds the one configuration struct of shequ. Values come
// from defaults, then SHEQU_* environment variables, then command-line flags,
// each overriding the one before; Validate checks the result at start.
package config

import (
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"shequ"
)

// Defaults.
const (
	DefaultAddr = "127.0.0.1:8080"
	DefaultDB   = "shequ-data/shequ.db"
)

// Config is the configuration of every subcommand; each binds the flags it uses.
type Config struct {
	Addr          string // listen address of serve
	DB            string // SQLite file path or postgres:// URL
	Demo          bool   // load the demo on an empty database
	NoMigrate     bool   // do not apply pending migrations at start
	LogFormat     string // text or json
	LogLevel      string // debug, info, warn, error
	SecureCookies bool   // set the Secure flag: the platform is behind TLS
	Lang          string // language of command-line output: zh-CN or en
	// Security is the sign-in and session policy (the security
	// administrator's settings).
	Security shequ.SecurityPolicy
	// DataDir holds files beside the database, such as the personal-data key
	// file; "" means the SQLite file's folder, or shequ-data for PostgreSQL.
	DataDir string
	// MapTiles is the tile URL template of the map pages
	// (https://host/{z}/{x}/{y}.png); "" draws no base map, which suits the
	// offline deployments of community offices.
	MapTiles string
	// Notify configures the delivery channels of notifications
	// (notify.go).
	Notify NotifyConfig
	// Ops: durability, metrics, proxies, audit checkpoints (ops.go).
	Ops Ops
	// HA: the read replica and the memory limit (ha.go).
	HA HA
	// Volunteer: reminders before opportunities (volunteer.go).
	Volunteer Volunteer
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{Addr: DefaultAddr, DB: DefaultDB, LogFormat: "text", LogLevel: "info", Lang: "zh-CN",
		Security: shequ.DefaultSecurityPolicy, Ops: Ops{SQLiteSync: "normal", AuditCheckpointEvery: DefaultAuditCheckpointEvery},
		HA: HA{DBReadMaxLag: DefaultDBReadMaxLag, MemoryLimit: DefaultMemoryLimit}}
}

// FromEnv returns the defaults overridden by the environment. A variable with
// the suffix _FILE names a file holding the value (for secrets such as a
// PostgreSQL URL with a password); the plain variable wins over it.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Default()
	str := func(name string, dst *string) error {
		if v := getenv(name); v != "" {
			*dst = v
			return nil
		}
		if p := getenv(name + "_FILE"); p != "" {
			b, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("%s_FILE: %w", name, err)
			}
			*dst = strings.TrimSpace(string(b))
		}
		return nil
	}
	boolean := func(name string, dst *bool) error {
		switch strings.ToLower(getenv(name)) {
		case "":
		case "1", "true", "yes", "on":
			*dst = true
		case "0", "false", "no", "off":
			*dst = false
		default:
			return fmt.Errorf("%s=%q: want 1 or 0 (环境变量取值应为 1 或 0)", name, getenv(name))
		}
		return nil
	}
	if err := str("SHEQU_DB", &c.DB); err != nil {
		return c, err
	}
	if err := c.Notify.fromEnv(getenv); err != nil {
		return c, err
	}
	if err := opsFromEnv(getenv, &c); err != nil {
		return c, err
	}
	if err := haFromEnv(getenv, &c); err != nil {
		return c, err
	}
	if err := volunteerFromEnv(getenv, &c); err != nil {
		return c, err
	}
	for _, s := range []struct {
		name string
		dst  *string
	}{{"SHEQU_ADDR", &c.Addr}, {"SHEQU_LOG_FORMAT", &c.LogFormat}, {"SHEQU_LOG_LEVEL", &c.LogLevel}, {"SHEQU_LANG", &c.Lang}, {"SHEQU_DATA_DIR", &c.DataDir}, {"SHEQU_MAP_TILES", &c.MapTiles}} {
		if v := getenv(s.name); v != "" {
			*s.dst = v
		}
	}
	for _, n := range []struct {
		name string
		dst  *int
	}{{"SHEQU_LOGIN_MAX_FAILURES", &c.Security.MaxFailedLogins}, {"SHEQU_LOGIN_RATE", &c.Security.LoginsPerMinute}} {
		if v := getenv(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil {
				return c, fmt.Errorf("%s=%q: want a whole number (环境变量取值应为整数)", n.name, v)
			}
			*n.dst = i
		}
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"SHEQU_LOCKOUT", &c.Security.Lockout}, {"SHEQU_SESSION_IDLE", &c.Security.Session.Idle}, {"SHEQU_SESSION_MAX", &c.Security.Session.Absolute}} {
		if v := getenv(d.name); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil {
				return c, fmt.Errorf("%s=%q: want a duration such as 15m or 12h (环境变量取值应为时长，如 15m、12h)", d.name, v)
			}
			*d.dst = t
		}
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"SHEQU_DEMO", &c.Demo}, {"SHEQU_NO_MIGRATE", &c.NoMigrate}, {"SHEQU_SECURE_COOKIES", &c.SecureCookies}} {
		if err := boolean(b.name, b.dst); err != nil {
			return c, err
		}
	}
	return c, nil
}

// BindDB registers the flags of every subcommand that opens the database.
func (c *Config) BindDB(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", c.DB, "database: a SQLite file path, or a postgres:// URL (env SHEQU_DB)")
	fs.StringVar(&c.Lang, "lang", c.Lang, "language of messages: zh-CN or en (env SHEQU_LANG)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error (env SHEQU_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (env SHEQU_LOG_FORMAT)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "folder for the key file and other data beside the database (env SHEQU_DATA_DIR; default: the SQLite file's folder, or shequ-data)")
	c.bindDBOps(fs)
}

// DataDirectory returns DataDir, or its default for the database in use.
func (c Config) DataDirectory() string {
	switch {
	case c.DataDir != "":
		return c.DataDir
	case c.IsPostgres():
		return "shequ-data"
	}
	return filepath.Dir(c.DB)
}

// BindServe registers the flags of serve.
func (c *Config) BindServe(fs *flag.FlagSet) {
	c.BindDB(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address host:port (env SHEQU_ADDR)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "on an empty database, load the division tree and the 安吉县 demo (env SHEQU_DEMO=1)")
	fs.BoolVar(&c.NoMigrate, "no-migrate", c.NoMigrate, "do not apply pending migrations; refuse to start if any (env SHEQU_NO_MIGRATE=1)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "mark cookies Secure: set when served behind TLS (env SHEQU_SECURE_COOKIES=1)")
	fs.IntVar(&c.Security.MaxFailedLogins, "login-max-failures", c.Security.MaxFailedLogins, "failed sign-ins in a row that lock an account (env SHEQU_LOGIN_MAX_FAILURES)")
	fs.DurationVar(&c.Security.Lockout, "lockout", c.Security.Lockout, "how long a locked account stays locked (env SHEQU_LOCKOUT)")
	fs.IntVar(&c.Security.LoginsPerMinute, "login-rate", c.Security.LoginsPerMinute, "sign-in attempts a minute allowed from one client address (env SHEQU_LOGIN_RATE)")
	fs.DurationVar(&c.Security.Session.Idle, "session-idle", c.Security.Session.Idle, "a session ends after this long without a request (env SHEQU_SESSION_IDLE)")
	fs.DurationVar(&c.Security.Session.Absolute, "session-max", c.Security.Session.Absolute, "a session ends this long after sign-in (env SHEQU_SESSION_MAX)")
	fs.StringVar(&c.MapTiles, "map-tiles", c.MapTiles, "tile URL template of the maps, https://host/{z}/{x}/{y}.png; empty: no base map (env SHEQU_MAP_TILES)")
	c.Notify.bind(fs)
	c.bindServeOps(fs)
	c.bindServeHA(fs)
	c.bindServeVolunteer(fs)
}

// IsPostgres reports whether DB is a PostgreSQL URL.
func (c Config) IsPostgres() bool { return IsPostgresDSN(c.DB) }

// IsPostgresDSN reports whether a DSN names PostgreSQL rather than a SQLite file.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Validate checks every value and names the ones that are wrong.
func (c Config) Validate() error {
	var fe shequ.FieldErrors
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		fe.Add("addr", "config.addr", fmt.Sprintf("-addr %q is not host:port, e.g. 127.0.0.1:8080", c.Addr), map[string]any{"Value": c.Addr})
	}
	switch {
	case strings.TrimSpace(c.DB) == "":
		fe.Add("db", "config.db_empty", "-db is empty: give a SQLite file path or a postgres:// URL", nil)
	case c.IsPostgres():
		if u, err := url.Parse(c.DB); err != nil || u.Host == "" {
			fe.Add("db", "config.db_url", "-db is not a valid postgres:// URL", nil)
		}
	case strings.Contains(c.DB, "://"):
		fe.Add("db", "config.db_scheme", "-db: only SQLite file paths and postgres:// URLs are supported", nil)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		fe.Add("log_format", "config.log_format", fmt.Sprintf("-log-format %q: want text or json", c.LogFormat), map[string]any{"Value": c.LogFormat})
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		fe.Add("log_level", "config.log_level", fmt.Sprintf("-log-level %q: want debug, info, warn or error", c.LogLevel), map[string]any{"Value": c.LogLevel})
	}
	sp := c.Security
	if sp.MaxFailedLogins < 1 || sp.MaxFailedLogins > 100 {
		fe.Add("login_max_failures", "config.login_max_failures", "-login-max-failures: want 1 to 100", nil)
	}
	if sp.LoginsPerMinute < 1 || sp.LoginsPerMinute > 10000 {
		fe.Add("login_rate", "config.login_rate", "-login-rate: want 1 to 10000 a minute", nil)
	}
	if sp.Lockout < time.Minute || sp.Lockout > 24*time.Hour {
		fe.Add("lockout", "config.lockout", "-lockout: want 1m to 24h", nil)
	}
	if sp.Session.Idle < time.Minute || sp.Session.Absolute < sp.Session.Idle || sp.Session.Absolute > 7*24*time.Hour {
		fe.Add("session", "config.session", "-session-idle and -session-max: want at least 1m, idle no longer than max, max at most 168h", nil)
	}
	if c.MapTiles != "" && !validTileURL(c.MapTiles) {
		fe.Add("map_tiles", "config.map_tiles", "-map-tiles: want an http(s) URL with {z}, {x} and {y}", nil)
	}
	c.Notify.validate(&fe)
	c.validateOps(func(field, key, msg string, data map[string]any) { fe.Add(field, key, msg, data) })
	c.validateHA(func(field, key, msg string, data map[string]any) { fe.Add(field, key, msg, data) })
	c.validateVolunteer(func(field, key, msg string, data map[string]any) { fe.Add(field, key, msg, data) })
	if c.Lang != "zh-CN" && c.Lang != "en" {
		fe.Add("lang", "config.lang", fmt.Sprintf("-lang %q: want zh-CN or en", c.Lang), map[string]any{"Value": c.Lang})
	}
	return fe.Err()
}

// Redacted returns a copy safe to print: the password of a PostgreSQL URL is
// masked.
func (c Config) Redacted() Config {
	if c.IsPostgres() {
		if u, err := url.Parse(c.DB); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
			c.DB = u.String()
		}
	}
	c.Notify = c.Notify.redacted()
	c.HA.DBRead = redactedDSN(c.HA.DBRead)
	if c.Ops.MetricsToken != "" {
		c.Ops.MetricsToken = "xxxxx"
	}
	return c
}

// validTileURL checks a tile URL template: http or https, a host, and the
// {z}, {x} and {y} placeholders.
func validTileURL(s string) bool {
	u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0", "{s}", "a").Replace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		strings.Contains(s, "{z}") && strings.Contains(s, "{x}") && strings.Contains(s, "{y}")
}

// MapTilesOrigin is the scheme and host of the tile URL, for the content
// security policy; "" without tiles.
func (c Config) MapTilesOrigin() string {
	if c.MapTiles == "" {
		return ""
	}
	u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0", "{s}", "sub").Replace(c.MapTiles))
	if err != nil {
		return ""
	}
	if rest, ok := strings.CutPrefix(u.Host, "sub."); ok && strings.Contains(c.MapTiles, "{s}.") {
		return u.Scheme + "://*." + rest
	}
	return u.Scheme + "://" + u.Host
}
