package main

import (
	"slices"
	"sync"
	"testing"
	"time"
)

func TestCoalescer(t *testing.T) {
	var mu sync.Mutex
	var calls [][]string
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
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	if len(calls) != 1 || !slices.Equal(calls[0], []string{"330523001002", "330523001205"}) {
		t.Errorf("flushes %v, want one with both communities", calls)
	}
	mu.Unlock()
	c.Add("330523001248")
	c.Stop()
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 1 {
		t.Errorf("flushed after Stop: %v", calls)
	}
}
