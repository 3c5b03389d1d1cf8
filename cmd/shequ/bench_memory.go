package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory figures of `shequ bench requests` (issue 18's budget: one server
// with the national division tree and the demo under 400 MB resident,
// ready in under 5 s, also under the benchmark's load). The benchmark's
// platform runs in the benchmark's own process, so the process's resident
// memory is the server's plus the load generator's (a few MB).

// benchMemory samples the process's resident memory while the platform
// serves.
type benchMemory struct {
	ready          time.Duration // Main.Run: migrations checked, engines loaded, listening
	rssReady       int64         // bytes, when ready
	mu             sync.Mutex
	rssMax         int64 // bytes, the largest sample while serving
	stop, finished chan struct{}
}

// startBenchMemory starts sampling every 100 ms; ready is how long the
// platform took to start.
func startBenchMemory(ready time.Duration) *benchMemory {
	m := &benchMemory{ready: ready, stop: make(chan struct{}), finished: make(chan struct{})}
	m.rssReady, _ = procMemory()
	m.rssMax = m.rssReady
	go func() {
		defer close(m.finished)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				if rss, _ := procMemory(); rss > 0 {
					m.mu.Lock()
					m.rssMax = max(m.rssMax, rss)
					m.mu.Unlock()
				}
			}
		}
	}()
	return m
}

// line stops the sampling and returns the key=value figures: start-up
// time, resident memory when ready, at most while serving and at the end,
// the process's lifetime peak (VmHWM: the data generation before the
// start included), the live heap after a collection, and the memory limit.
func (m *benchMemory) line(engine string) string {
	close(m.stop)
	<-m.finished
	rss, hwm := procMemory()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	limit := "off"
	if l := debug.SetMemoryLimit(-1); l != 1<<63-1 {
		limit = fmt.Sprintf("%dMiB", l>>20)
	}
	mb := func(b int64) string { return strconv.FormatInt(b>>20, 10) }
	return fmt.Sprintf("%s_ready_s=%.1f %s_rss_ready_mb=%s %s_rss_max_serving_mb=%s %s_rss_end_mb=%s %s_rss_lifetime_peak_mb=%s %s_heap_live_mb=%s memory_limit=%s gogc=%s\n",
		engine, m.ready.Seconds(), engine, mb(m.rssReady), engine, mb(m.rssMax), engine, mb(rss), engine, mb(hwm),
		engine, mb(int64(ms.HeapAlloc)), limit, gogc())
}

// gogc is the collector's target percentage in force.
func gogc() string {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return strconv.Itoa(p)
}

// procMemory returns the process's resident memory and its peak (VmRSS,
// VmHWM of /proc/self/status; 0 where there is no /proc).
func procMemory() (rss, peak int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	return rss, peak
}
