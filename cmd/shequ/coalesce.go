package main

import (
	"sync"
	"time"
)

// coalescer gathers the communities of many changes and hands them to
// flush at most once per interval: requests are filed thousands of times a
// second, and refreshing the indicators once per submission would cost
// more than the submission itself. The figures lag by at most interval.
//
// What it holds is committed but not yet published on the change feed:
// Flush hands it over at once (before the server's shutdown snapshot) and
// Stop does so a last time (before the database closes), so that a server
// or a command stopping within the interval loses no change for the other
// servers (issue 18).
type coalescer struct {
	interval time.Duration
	flush    func(communities ...string)

	mu      sync.Mutex
	pending map[string]bool
	timer   *time.Timer
	stopped bool
	// flushing is held while flush runs: Flush returns only once a flush
	// the timer started meanwhile has ended too.
	flushing sync.Mutex
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

// run is the timer's flush.
func (c *coalescer) run() { c.take(false) }

// take hands what is pending to flush, and stops the coalescer when stop.
// It returns once that flush, and any other one running, has ended.
func (c *coalescer) take(stop bool) {
	c.flushing.Lock()
	defer c.flushing.Unlock()
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	codes := make([]string, 0, len(c.pending))
	for code := range c.pending {
		codes = append(codes, code)
	}
	clear(c.pending)
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.stopped = stop
	c.mu.Unlock()
	if len(codes) > 0 {
		c.flush(codes...)
	}
}

// Flush hands what is pending to flush now, without waiting for the
// interval, and returns once it (and a flush the timer began) has ended.
func (c *coalescer) Flush() { c.take(false) }

// Stop flushes what is pending, then nothing more: changes added after it
// are dropped (the database is about to close).
func (c *coalescer) Stop() { c.take(true) }
