package main

import (
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestCoalescer runs in a synctest bubble: the coalescer's timer is on the
// bubble's fake clock, and synctest.Wait returns once the flush has run, so
// the test waits for events rather than sleeping and hoping.
func TestCoalescer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var calls [][]string
		flushes := func() [][]string {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(calls)
		}
		c := newCoalescer(50*time.Millisecond, func(codes ...string) {
			mu.Lock()
			defer mu.Unlock()
			slices.Sort(codes)
			calls = append(calls, codes)
		})
		for range 100 {
			c.Add("330523001002")
			c.Add("330523001205", "330523001002")
		}
		time.Sleep(49 * time.Millisecond)
		synctest.Wait()
		if got := flushes(); len(got) != 0 {
			t.Fatalf("flushed before the interval: %v", got)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if got := flushes(); len(got) != 1 || !slices.Equal(got[0], []string{"330523001002", "330523001205"}) {
			t.Fatalf("flushes %v, want one with both communities at the interval", got)
		}
		// A later change schedules the next flush.
		c.Add("330523001248")
		time.Sleep(50 * time.Millisecond)
		synctest.Wait()
		if got := flushes(); len(got) != 2 || !slices.Equal(got[1], []string{"330523001248"}) {
			t.Fatalf("second flush: %v", got)
		}
		// Flush hands what is pending over at once, not at the interval.
		c.Add("330523001249", "330523001251")
		c.Flush()
		if got := flushes(); len(got) != 3 || !slices.Equal(got[2], []string{"330523001249", "330523001251"}) {
			t.Fatalf("Flush: %v", got)
		}
		// ...and the timer it replaced flushes nothing more.
		time.Sleep(time.Hour)
		synctest.Wait()
		if got := flushes(); len(got) != 3 {
			t.Fatalf("flushed again after Flush: %v", got)
		}
		c.Flush() // nothing pending: no call
		if got := flushes(); len(got) != 3 {
			t.Fatalf("Flush of nothing called flush: %v", got)
		}
		// Stop flushes what is pending (a server stopping within the
		// interval loses no change), then nothing more.
		c.Add("330523001252")
		c.Stop()
		if got := flushes(); len(got) != 4 || !slices.Equal(got[3], []string{"330523001252"}) {
			t.Fatalf("Stop did not flush what was pending: %v", got)
		}
		c.Add("330523001250")
		time.Sleep(time.Hour)
		synctest.Wait()
		c.Flush()
		c.Stop()
		if got := flushes(); len(got) != 4 {
			t.Errorf("Add after Stop flushed: %v", got)
		}
	})
}
