package config

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"
)

// Ops holds the operational settings of issue 14: how durable SQLite
// commits are, where metrics are served and to whom, which proxies are
// trusted to name the client, and where the audit trail's keys and signed
// checkpoints live.
type Ops struct {
	// SQLiteSync is "normal" (the default) or "full": see
	// sqlstore.SQLiteSyncNormal and the README.
	SQLiteSync string
	// MetricsAddr, if set, serves /metrics on a listener of its own (an
	// address the monitoring network reaches and the public does not);
	// the main address then answers 404 there.
	MetricsAddr string
	// MetricsToken, if set, is required as "Authorization: Bearer …" by
	// /metrics wherever it is served. Without it and without MetricsAddr,
	// /metrics is not served at all.
	MetricsToken string
	// TrustedProxies lists the networks (CIDR, comma-separated; a bare
	// address is a /32 or /128) of the reverse proxies whose
	// X-Forwarded-For names the client.
	TrustedProxies string
	// AuditKeyFile holds the audit trail's HMAC and signing keys; "" is
	// audit-keys.json in the data directory.
	AuditKeyFile string
	// AuditCheckpoints is the file signed checkpoints are appended to; ""
	// is audit-checkpoints.jsonl in the data directory.
	AuditCheckpoints string
	// AuditCheckpointEvery is how often a signed checkpoint of the audit
	// trail's head is written (when the head has moved).
	AuditCheckpointEvery time.Duration
}

// Defaults of Ops.
const (
	DefaultAuditCheckpointEvery = time.Minute
)

// opsFromEnv reads the SHEQU_* variables of Ops into c.
func opsFromEnv(getenv func(string) string, c *Config) error {
	for _, s := range []struct {
		name string
		dst  *string
	}{{"SHEQU_SQLITE_SYNC", &c.Ops.SQLiteSync}, {"SHEQU_METRICS_ADDR", &c.Ops.MetricsAddr},
		{"SHEQU_TRUSTED_PROXIES", &c.Ops.TrustedProxies}, {"SHEQU_AUDIT_KEY_FILE", &c.Ops.AuditKeyFile},
		{"SHEQU_AUDIT_CHECKPOINTS", &c.Ops.AuditCheckpoints}} {
		if v := getenv(s.name); v != "" {
			*s.dst = v
		}
	}
	// The token is a secret: it may come from a file (SHEQU_METRICS_TOKEN_FILE).
	if v := getenv("SHEQU_METRICS_TOKEN"); v != "" {
		c.Ops.MetricsToken = v
	} else if p := getenv("SHEQU_METRICS_TOKEN_FILE"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("SHEQU_METRICS_TOKEN_FILE: %w", err)
		}
		c.Ops.MetricsToken = strings.TrimSpace(string(b))
	}
	if v := getenv("SHEQU_LOGIN_RATE_ACCOUNT"); v != "" {
		var n int
		if _, err := fmt.Sscan(v, &n); err != nil {
			return fmt.Errorf("SHEQU_LOGIN_RATE_ACCOUNT=%q: want a whole number (环境变量取值应为整数)", v)
		}
		c.Security.AccountLoginsPerMinute = n
	}
	if v := getenv("SHEQU_AUDIT_CHECKPOINT_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("SHEQU_AUDIT_CHECKPOINT_EVERY=%q: want a duration such as 1m (环境变量取值应为时长，如 1m)", v)
		}
		c.Ops.AuditCheckpointEvery = d
	}
	return nil
}

// bindDBOps registers the Ops flags of every command that opens the database.
func (c *Config) bindDBOps(fs *flag.FlagSet) {
	fs.StringVar(&c.Ops.SQLiteSync, "sqlite-sync", c.Ops.SQLiteSync, "SQLite durability: normal (fsync at checkpoints; a power cut can lose the last commits) or full (fsync at every commit) (env SHEQU_SQLITE_SYNC)")
	fs.StringVar(&c.Ops.AuditKeyFile, "audit-key-file", c.Ops.AuditKeyFile, "file of the audit trail's HMAC and signing keys (env SHEQU_AUDIT_KEY_FILE; default audit-keys.json in the data directory)")
	fs.StringVar(&c.Ops.AuditCheckpoints, "audit-checkpoints", c.Ops.AuditCheckpoints, "file the signed audit checkpoints are appended to (env SHEQU_AUDIT_CHECKPOINTS; default audit-checkpoints.jsonl in the data directory)")
}

// bindServeOps registers the Ops flags of serve.
func (c *Config) bindServeOps(fs *flag.FlagSet) {
	fs.StringVar(&c.Ops.MetricsAddr, "metrics-addr", c.Ops.MetricsAddr, "serve /metrics on this address of its own, host:port (env SHEQU_METRICS_ADDR)")
	fs.StringVar(&c.Ops.MetricsToken, "metrics-token", c.Ops.MetricsToken, "bearer token /metrics requires (env SHEQU_METRICS_TOKEN or SHEQU_METRICS_TOKEN_FILE); without it and -metrics-addr, /metrics is not served")
	fs.IntVar(&c.Security.AccountLoginsPerMinute, "login-rate-account", c.Security.AccountLoginsPerMinute, "sign-in attempts a minute allowed at one user name, from all addresses (env SHEQU_LOGIN_RATE_ACCOUNT)")
	fs.StringVar(&c.Ops.TrustedProxies, "trusted-proxies", c.Ops.TrustedProxies, "comma-separated CIDRs of reverse proxies whose X-Forwarded-For names the client (env SHEQU_TRUSTED_PROXIES)")
	fs.DurationVar(&c.Ops.AuditCheckpointEvery, "audit-checkpoint-every", c.Ops.AuditCheckpointEvery, "how often a signed checkpoint of the audit trail is written (env SHEQU_AUDIT_CHECKPOINT_EVERY)")
}

// validateOps checks Ops.
func (c Config) validateOps(add func(field, key, msg string, data map[string]any)) {
	switch c.Ops.SQLiteSync {
	case "", "normal", "full":
	default:
		add("sqlite_sync", "config.sqlite_sync", fmt.Sprintf("-sqlite-sync %q: want full or normal", c.Ops.SQLiteSync), map[string]any{"Value": c.Ops.SQLiteSync})
	}
	if c.Ops.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.Ops.MetricsAddr); err != nil || port == "" || c.Ops.MetricsAddr == c.Addr {
			add("metrics_addr", "config.metrics_addr", fmt.Sprintf("-metrics-addr %q is not host:port, or is -addr itself", c.Ops.MetricsAddr), map[string]any{"Value": c.Ops.MetricsAddr})
		}
	}
	if t := c.Ops.MetricsToken; t != "" && (len(t) < 16 || len(t) > 256 || strings.ContainsAny(t, " \t\r\n")) {
		add("metrics_token", "config.metrics_token", "-metrics-token: want 16 to 256 characters without spaces", nil)
	}
	if n := c.Security.AccountLoginsPerMinute; n < 1 || n > 10000 {
		add("login_rate_account", "config.login_rate_account", "-login-rate-account: want 1 to 10000 a minute", nil)
	}
	if _, err := ParseProxies(c.Ops.TrustedProxies); err != nil {
		add("trusted_proxies", "config.trusted_proxies", fmt.Sprintf("-trusted-proxies: %v", err), map[string]any{"Value": c.Ops.TrustedProxies})
	}
	if c.Ops.AuditCheckpointEvery < time.Second || c.Ops.AuditCheckpointEvery > 24*time.Hour {
		add("audit_checkpoint_every", "config.audit_checkpoint_every", "-audit-checkpoint-every: want 1s to 24h", nil)
	}
}

// ParseProxies parses a comma-separated list of CIDR prefixes or single
// addresses.
func ParseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or an address", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
