package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shequ"
	"shequ/internal/config"
	"shequ/internal/demo"
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

// benchMemFlags are the flags of `shequ bench memory`.
type benchMemFlags struct {
	duration    time.Duration
	clients     int
	heapProfile string
}

// benchMemoryPages are the pages the load of `shequ bench memory` reads,
// anonymously, in turn; {county} etc. are the demo's divisions.
var benchMemoryPages = []string{"/", "/divisions/{county}", "/divisions/{province}", "/public/projects", "/services",
	"/api/v1/divisions/{city}", "/needs", "/track"}

// runBenchMemory starts the platform on an existing database (the
// national tree and the demo: `shequ serve -demo -db FILE` once, or `shequ
// bench gen`'s registers), prints how long each phase of the start took
// and the live heap after it, then reads pages with concurrent clients for
// a while and prints the resident memory (issue 18's budget: under 400 MB,
// ready in under 5 s). The last line is key=value results.
func runBenchMemory(ctx context.Context, e *env, args []string) error {
	var f benchMemFlags
	cfg, fs, err := loadConfig(e, "bench", args, func(c *config.Config, fs *flag.FlagSet) {
		c.BindDB(fs)
		fs.StringVar(&c.HA.MemoryLimit, "memory-limit", c.HA.MemoryLimit, "soft memory limit of the Go runtime, or off (as serve's)")
		fs.DurationVar(&f.duration, "duration", 20*time.Second, "how long the clients read pages")
		fs.IntVar(&f.clients, "clients", 8, "concurrent clients reading pages")
		fs.StringVar(&f.heapProfile, "heap-profile", "", "write a heap profile (after a collection) to this file once the platform is ready")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 0 || f.clients < 1 || f.duration <= 0 || f.duration > time.Hour {
		fmt.Fprintln(e.stderr, e.loc.T("cli.bench.usage"))
		return errUsage
	}
	quiet := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	applyMemoryLimit(*cfg, e.getenv, quiet)
	cfg.Addr, cfg.Demo = "127.0.0.1:0", false
	m := &Main{Config: *cfg, Logger: quiet, Getenv: e.getenv, Stdout: io.Discard, Catalog: e.cat, MeasureHeap: true}
	if err := m.Run(ctx); err != nil {
		return err
	}
	defer m.Close()
	ready := m.startup.total()
	mem := startBenchMemory(ready)
	var communities int
	if counts, err := m.svc.divisions.CountDivisions(ctx); err == nil {
		communities = counts[shequ.LevelCommunity]
	}
	for _, ph := range m.startup.phases {
		fmt.Fprintf(e.stdout, "phase=%s seconds=%.3f heap_live_mb=%d\n", ph.Name, ph.Seconds, ph.Heap>>20)
	}
	for _, ph := range m.startup.notes {
		fmt.Fprintf(e.stdout, "within=engines load=%s seconds=%.3f\n", ph.Name, ph.Seconds)
	}
	if f.heapProfile != "" {
		if err := writeHeapProfile(f.heapProfile); err != nil {
			return err
		}
	}
	var requests, failed atomic.Int64
	client := &http.Client{Timeout: 30 * time.Second}
	base := "http://" + m.Addr()
	repl := strings.NewReplacer("{county}", demo.County, "{province}", demo.County[:2], "{city}", demo.County[:4])
	end := time.Now().Add(f.duration)
	var wg sync.WaitGroup
	for c := range f.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := c; time.Now().Before(end) && ctx.Err() == nil; k++ {
				resp, err := client.Get(base + repl.Replace(benchMemoryPages[k%len(benchMemoryPages)]))
				requests.Add(1)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], ",")
	}
	// Memory per community: what the engines hold after loading, over
	// the communities they hold it for.
	var engines uint64
	for i, ph := range m.startup.phases {
		if ph.Name == "engines" && i > 0 && ph.Heap > m.startup.phases[i-1].Heap {
			engines += ph.Heap - m.startup.phases[i-1].Heap
		}
	}
	perCommunity := 0.0
	if communities > 0 {
		perCommunity = float64(engines) / float64(communities)
	}
	fp := m.svc.indicators.Footprint()
	fmt.Fprintf(e.stdout, "indicator_communities=%d indicator_wide=%d indicator_core_counters=%d indicator_width=%d indicator_townships=%d indicator_cells=%d indicator_wide_cells=%d\n",
		fp.Communities, fp.Wide, fp.Core, fp.Width, fp.Townships, fp.Cells, fp.WideCells)
	fmt.Fprintf(e.stdout, "communities=%d engines_heap_mb=%d engines_bytes_per_community=%.0f requests=%d failed=%d clients=%d load=%s %s",
		communities, engines>>20, perCommunity, requests.Load(), failed.Load(), f.clients, load, mem.line("server"))
	return nil
}
