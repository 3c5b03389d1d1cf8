package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// throttle counts attempts per key (a client address) in fixed windows and
// refuses those beyond the limit. It lives in memory: a restart forgets the
// counts, which is acceptable for a brake on password guessing since the
// per-account lockout is kept in the database.
type throttle struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	entries map[string]*throttleEntry
	sweep   time.Time // when stale entries were last dropped
}

type throttleEntry struct {
	start time.Time
	count int
}

// maxThrottleEntries bounds memory under a flood of distinct addresses;
// past it, stale entries are swept on every call.
const maxThrottleEntries = 100_000

func newThrottle(limit int, window time.Duration) *throttle {
	return &throttle{limit: limit, window: window, entries: map[string]*throttleEntry{}}
}

// allow records one attempt for key at now and reports whether it is
// within the limit, and if not how long until the window ends (the
// Retry-After of the answer). A limit of 0 or less disables throttling.
func (t *throttle) allow(key string, now time.Time) (bool, time.Duration) {
	if t.limit <= 0 {
		return true, 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.sweep) > t.window || len(t.entries) > maxThrottleEntries {
		for k, e := range t.entries {
			if now.Sub(e.start) >= t.window {
				delete(t.entries, k)
			}
		}
		t.sweep = now
	}
	e := t.entries[key]
	if e == nil || now.Sub(e.start) >= t.window {
		e = &throttleEntry{start: now}
		t.entries[key] = e
	}
	e.count++
	if e.count <= t.limit {
		return true, 0
	}
	return false, e.start.Add(t.window).Sub(now)
}

// clientAddr is the client's IP address, the key of the throttle and what
// the audit trail records. It is the connection's address, unless that is
// a trusted proxy (Config.TrustedProxies): then X-Forwarded-For is read
// from the right, each hop having been appended by the proxy before it, and
// the first address that is not a trusted proxy is the client. Hops to the
// left of it were written by the client itself and are never believed, so
// a forged header cannot dodge the throttle; without trusted proxies the
// header is ignored altogether.
func (s *Server) clientAddr(r *http.Request) string {
	remote := parseClientAddr(r.RemoteAddr)
	if len(s.cfg.TrustedProxies) == 0 || !s.trustedProxy(remote) {
		return remote
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := remote
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// Not an address: what is left of it cannot be trusted,
			// and the nearest trusted proxy is all that is known.
			return client
		}
		client = a.Unmap().WithZone("").String()
		if !s.trustedProxy(client) {
			return client
		}
	}
	return client
}

// trustedProxy reports whether addr lies in one of Config.TrustedProxies.
func (s *Server) trustedProxy(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// throttleKey is the throttle's key for a client address: the address
// itself, except that IPv6 addresses are keyed by their /64 network, which
// one host usually owns whole.
func throttleKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil || !ip.Is6() {
		return addr
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// parseClientAddr turns a RemoteAddr ("ip:port", or a bare ip in tests and
// behind some listeners) into the bare IP address.
func parseClientAddr(remote string) string {
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		// Not an IP (a unix socket, say): keep a bounded form of it.
		if len(host) > 64 {
			host = host[:64]
		}
		return host
	}
	return ip.Unmap().WithZone("").String()
}
