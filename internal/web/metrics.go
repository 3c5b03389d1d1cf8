package web

import (
	"bufio"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// durationBuckets are the upper bounds, in seconds, of the request duration
// histogram: from 1 ms (a cached page) to 10 s (a stuck query).
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics collects request counts and durations in memory. The label sets
// are bounded: routes come from the route table, methods and codes from
// HTTP, so the maps stay small however many URLs are requested.
type metrics struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
	hist     map[string]*histogram // by route
}

type requestKey struct {
	method, route string
	code          int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; cumulated on output
	sum    float64
	count  uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[requestKey]uint64{}, hist: map[string]*histogram{}}
}

// knownMethods bounds the method label: anything else is counted as OTHER.
var knownMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

func (m *metrics) observe(method, route string, code int, d time.Duration) {
	if !slices.Contains(knownMethods, method) {
		method = "OTHER"
	}
	sec := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{method, route, code}]++
	h := m.hist[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets))}
		m.hist[route] = h
	}
	for i, b := range durationBuckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.count++
}

// writeMetrics writes the Prometheus text exposition format (version
// 0.0.4) by hand; the format is small and a client library would be the
// module's largest dependency for it. Who may read it is metrics_access.go's.
func (s *Server) writeMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	bw := bufio.NewWriter(w)
	defer bw.Flush()

	header(bw, "shequ_build_info", "gauge", "Build information; the value is always 1.")
	fmt.Fprintf(bw, "shequ_build_info{version=%s} 1\n", quoteLabel(s.cfg.Version))

	s.metrics.write(bw)

	if s.cfg.DBStats != nil {
		st := s.cfg.DBStats()
		header(bw, "shequ_db_open_connections", "gauge", "Open database connections, in use and idle.")
		fmt.Fprintf(bw, "shequ_db_open_connections %d\n", st.OpenConnections)
		header(bw, "shequ_db_in_use_connections", "gauge", "Database connections in use.")
		fmt.Fprintf(bw, "shequ_db_in_use_connections %d\n", st.InUse)
		header(bw, "shequ_db_idle_connections", "gauge", "Idle database connections.")
		fmt.Fprintf(bw, "shequ_db_idle_connections %d\n", st.Idle)
		header(bw, "shequ_db_wait_count_total", "counter", "Connections waited for.")
		fmt.Fprintf(bw, "shequ_db_wait_count_total %d\n", st.WaitCount)
		header(bw, "shequ_db_wait_duration_seconds_total", "counter", "Time spent waiting for connections.")
		fmt.Fprintf(bw, "shequ_db_wait_duration_seconds_total %s\n", formatFloat(st.WaitDuration.Seconds()))
	}

	header(bw, "go_goroutines", "gauge", "Number of goroutines that currently exist.")
	fmt.Fprintf(bw, "go_goroutines %d\n", runtime.NumGoroutine())
	header(bw, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.")
	fmt.Fprintf(bw, "process_start_time_seconds %s\n", formatFloat(float64(processStart.UnixNano())/1e9))
	writeMemoryMetrics(bw)
}

// write prints the request counter and duration histogram, sorted so that
// the output is stable.
func (m *metrics) write(bw *bufio.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()

	header(bw, "shequ_http_requests_total", "counter", "HTTP requests by method, route pattern and status code.")
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b requestKey) int {
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		if c := strings.Compare(a.method, b.method); c != 0 {
			return c
		}
		return a.code - b.code
	})
	for _, k := range keys {
		fmt.Fprintf(bw, "shequ_http_requests_total{method=%s,route=%s,code=\"%d\"} %d\n",
			quoteLabel(k.method), quoteLabel(k.route), k.code, m.requests[k])
	}

	header(bw, "shequ_http_request_duration_seconds", "histogram", "HTTP request duration by route pattern.")
	routes := make([]string, 0, len(m.hist))
	for r := range m.hist {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	for _, r := range routes {
		h := m.hist[r]
		lr := quoteLabel(r)
		var cum uint64
		for i, b := range durationBuckets {
			cum += h.counts[i]
			fmt.Fprintf(bw, "shequ_http_request_duration_seconds_bucket{route=%s,le=\"%s\"} %d\n", lr, formatFloat(b), cum)
		}
		fmt.Fprintf(bw, "shequ_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", lr, h.count)
		fmt.Fprintf(bw, "shequ_http_request_duration_seconds_sum{route=%s} %s\n", lr, formatFloat(h.sum))
		fmt.Fprintf(bw, "shequ_http_request_duration_seconds_count{route=%s} %d\n", lr, h.count)
	}
}

func header(bw *bufio.Writer, name, typ, help string) {
	fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// quoteLabel quotes a label value as the exposition format requires:
// backslash, double quote and newline escaped.
func quoteLabel(v string) string {
	v = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
	return `"` + v + `"`
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
