package sqlstore

import (
	"sync"
	"sync/atomic"
	"time"
)

// ttlCache keeps values read from the database for a short time, keyed by
// text. An entry is served while it is younger than ttl and its generation
// is still the current one of gen: whoever changes what was read advances
// gen after the change, which makes everything read before it stale at
// once in this process. Other processes on the same database see a change
// at most ttl late. When it holds max entries it starts afresh.
type ttlCache[V any] struct {
	ttl time.Duration
	max int
	gen *atomic.Uint64

	mu      sync.Mutex
	entries map[string]ttlEntry[V]
}

// ttlEntry is a value, when it was read and the generation before the read.
type ttlEntry[V any] struct {
	v   V
	at  time.Time
	gen uint64
}

// get returns the value of key when it is fresh at now.
func (c *ttlCache[V]) get(key string, now time.Time) (V, bool) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || e.gen != c.gen.Load() || now.Sub(e.at) >= c.ttl || now.Before(e.at) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put keeps v for key, read at now after generation gen was loaded (load
// it before reading, so that a change during the read makes v stale).
func (c *ttlCache[V]) put(key string, v V, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= c.max {
		c.entries = map[string]ttlEntry[V]{}
	}
	c.entries[key] = ttlEntry[V]{v: v, at: now, gen: gen}
}
