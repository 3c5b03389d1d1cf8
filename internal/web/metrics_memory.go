package web

import (
	"bufio"
	"fmt"
	"os"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"strconv"
	"strings"
)

// memorySamples are the runtime's memory figures /metrics reports (issue 18:
// an operator watches the resident size and the heap against the budget).
var memorySamples = []struct {
	runtime, name, help string
}{
	{"/memory/classes/heap/objects:bytes", "go_memstats_heap_alloc_bytes", "Bytes of allocated heap objects (live and not yet collected)."},
	{"/memory/classes/total:bytes", "go_memstats_sys_bytes", "Bytes of memory obtained from the operating system by the Go runtime."},
	{"/gc/heap/goal:bytes", "go_gc_heap_goal_bytes", "Heap size the garbage collector aims to stay under at its next cycle."},
}

// writeMemoryMetrics writes the resident set size (Linux), the runtime's
// heap figures and the memory limit (GOMEMLIMIT; 0 when unset).
func writeMemoryMetrics(bw *bufio.Writer) {
	if rss, ok := residentBytes(); ok {
		header(bw, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
		fmt.Fprintf(bw, "process_resident_memory_bytes %d\n", rss)
	}
	samples := make([]rtmetrics.Sample, len(memorySamples))
	for i, m := range memorySamples {
		samples[i].Name = m.runtime
	}
	rtmetrics.Read(samples)
	for i, m := range memorySamples {
		if samples[i].Value.Kind() != rtmetrics.KindUint64 {
			continue
		}
		header(bw, m.name, "gauge", m.help)
		fmt.Fprintf(bw, "%s %d\n", m.name, samples[i].Value.Uint64())
	}
	limit := debug.SetMemoryLimit(-1) // reads it
	if limit == 1<<63-1 {
		limit = 0 // no limit
	}
	header(bw, "go_memory_limit_bytes", "gauge", "The runtime's soft memory limit (GOMEMLIMIT); 0 when unset.")
	fmt.Fprintf(bw, "go_memory_limit_bytes %d\n", limit)
}

// residentBytes reads the resident set size from /proc/self/statm (pages).
func residentBytes() (int64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}
