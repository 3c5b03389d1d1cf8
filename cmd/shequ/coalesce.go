package main

import (
	"sync"
	"time"
)

// coalescer gathers the communities of many changes and hands them to
// flush at most once per interval: requests are filed thousands of times a
// second, and refreshing the indicators once per submission would cost
// more than the submission itself. The figures lag by at most interval.
type coalescer struct {
	interval time.Duration
	flush    func(communities ...string)

	mu      sync.Mutex
	pending map[string]bool
	timer   *time.Timer
	stopped bool
}

func newCoalescer(interval time.Duration, flush func(communities ...string)) *coalescer {
	return &coalescer{interval: interval, flush: flush, pending: map[string]bool{}}
}

// Add marks communities changed; the first mark after a flush schedules
// the next one.
func (c *coalescer) Add(communities ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	for _, code := range communities {
		c.pending[code] = true
	}
	if c.timer == nil {
		c.timer = time.AfterFunc(c.interval, c.run)
	}
}

func (c *coalescer) run() {
	c.mu.Lock()
	codes := make([]string, 0, len(c.pending))
	for code := range c.pending {
		codes = append(codes, code)
	}
	clear(c.pending)
	c.timer = nil
	stopped := c.stopped
	c.mu.Unlock()
	if !stopped && len(codes) > 0 {
		c.flush(codes...)
	}
}

// Stop drops what is pending and flushes nothing more (before the
// database closes).
func (c *coalescer) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.timer != nil {
		c.timer.Stop()
	}
}
