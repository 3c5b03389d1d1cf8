package web

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sampleRE matches one sample line of the text exposition format:
// name{labels} value, with quoted, escaped label values.
var sampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*)?\})? (\S+)$`)

// checkExposition validates the parts of the format Prometheus relies on:
// HELP/TYPE before a family's samples, one TYPE per family, well-formed
// samples with numeric values, and cumulative histogram buckets ending in
// +Inf equal to _count. It returns the samples by line.
func checkExposition(t *testing.T, text string) map[string]float64 {
	t.Helper()
	if !strings.HasSuffix(text, "\n") {
		t.Error("the exposition must end with a newline")
	}
	types := map[string]string{}
	samples := map[string]float64{}
	var lastBucket float64
	var lastBucketSeries string
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "# TYPE ") {
			f := strings.Fields(line)
			if len(f) != 4 {
				t.Fatalf("line %d: bad TYPE: %q", i+1, line)
			}
			if _, dup := types[f[2]]; dup {
				t.Errorf("line %d: second TYPE for %s", i+1, f[2])
			}
			types[f[2]] = f[3]
			continue
		}
		if strings.HasPrefix(line, "# HELP ") || line == "" {
			continue
		}
		m := sampleRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("line %d: malformed sample %q", i+1, line)
		}
		name, value := m[1], m[len(m)-1]
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Errorf("line %d: value %q: %v", i+1, value, err)
		}
		family := name
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if b := strings.TrimSuffix(name, suf); b != name && types[b] == "histogram" {
				family = b
			}
		}
		if _, ok := types[family]; !ok {
			t.Errorf("line %d: sample of %s before its TYPE", i+1, family)
		}
		samples[strings.TrimSuffix(line, " "+value)] = v
		if strings.HasSuffix(name, "_bucket") {
			series := regexp.MustCompile(`,?le="[^"]*"`).ReplaceAllString(line[:strings.LastIndex(line, " ")], "")
			if series == lastBucketSeries && v < lastBucket {
				t.Errorf("line %d: buckets must be cumulative", i+1)
			}
			lastBucket, lastBucketSeries = v, series
		}
	}
	for k, v := range samples {
		if !strings.Contains(k, `le="+Inf"`) {
			continue
		}
		count := strings.Replace(strings.Replace(k, "_bucket", "_count", 1), `,le="+Inf"`, "", 1)
		if samples[count] != v {
			t.Errorf("%s = %v but %s = %v", k, v, count, samples[count])
		}
	}
	return samples
}

// testMetricsToken is the bearer token of the metrics tests.
const testMetricsToken = "metrics-token-for-tests"

func TestMetrics(t *testing.T) {
	s := newTestServer(t, nil, func(c *Config) {
		c.Version = `v1 "quoted"`
		c.DBStats = func() sql.DBStats { return sql.DBStats{OpenConnections: 3, InUse: 1, Idle: 2} }
		c.MetricsToken = testMetricsToken
	})
	for _, target := range []string{"/divisions/33", "/divisions/3305", "/divisions/99", "/api/v1/divisions/33", "/nope/1", "/nope/2"} {
		s.get(t, target)
	}
	w := s.get(t, "/metrics", "Authorization", "Bearer "+testMetricsToken)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q", ct)
	}
	text := w.Body.String()
	samples := checkExposition(t, text)
	want := map[string]float64{
		`shequ_build_info{version="v1 \"quoted\""}`:                                           1,
		`shequ_http_requests_total{method="GET",route="/divisions/{code}",code="200"}`:        2,
		`shequ_http_requests_total{method="GET",route="/divisions/{code}",code="404"}`:        1,
		`shequ_http_requests_total{method="GET",route="/api/v1/divisions/{code}",code="200"}`: 1,
		`shequ_http_requests_total{method="GET",route="unmatched",code="404"}`:                2,
		`shequ_http_request_duration_seconds_count{route="/divisions/{code}"}`:                3,
		`shequ_http_request_duration_seconds_bucket{route="/divisions/{code}",le="+Inf"}`:     3,
		`shequ_db_open_connections`:   3,
		`shequ_db_in_use_connections`: 1,
		`shequ_db_idle_connections`:   2,
	}
	for k, v := range want {
		if got, ok := samples[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	for _, name := range []string{"go_goroutines", "process_start_time_seconds", "process_resident_memory_bytes",
		"go_memstats_heap_alloc_bytes", "go_memstats_sys_bytes", "go_gc_heap_goal_bytes"} {
		if samples[name] <= 0 {
			t.Errorf("%s missing or zero", name)
		}
	}
	if _, ok := samples["go_memory_limit_bytes"]; !ok {
		t.Error("go_memory_limit_bytes missing")
	}
	if strings.Contains(text, `route="/divisions/33"`) || strings.Contains(text, "/nope/") {
		t.Error("raw paths must never become labels")
	}
	if !strings.Contains(text, "# TYPE shequ_http_request_duration_seconds histogram") {
		t.Error("histogram TYPE missing")
	}
}

func TestMetricsWithoutDB(t *testing.T) {
	s := newTestServer(t, nil, func(c *Config) { c.MetricsToken = testMetricsToken })
	text := s.get(t, "/metrics", "Authorization", "Bearer "+testMetricsToken).Body.String()
	checkExposition(t, text)
	if strings.Contains(text, "shequ_db_") {
		t.Error("no DBStats: no database gauges")
	}
}

// /metrics is not for the public: without a token and a listener of its
// own it does not exist; with a token it needs it; on its own listener the
// main address answers 404.
func TestMetricsAccess(t *testing.T) {
	tests := []struct {
		name             string
		token            string
		elsewhere        bool
		auth             string
		main, own, owner int
	}{
		{"default: nowhere", "", false, "", 404, 200, 0},
		{"token, none sent", testMetricsToken, false, "", 401, 401, 0},
		{"token, wrong", testMetricsToken, false, "Bearer " + testMetricsToken + "x", 401, 401, 0},
		{"token, basic", testMetricsToken, false, "Basic " + testMetricsToken, 401, 401, 0},
		{"token", testMetricsToken, false, "Bearer " + testMetricsToken, 200, 200, 0},
		{"own listener", "", true, "", 404, 200, 0},
		{"own listener and token", testMetricsToken, true, "Bearer " + testMetricsToken, 404, 200, 0},
		{"own listener, token missing", testMetricsToken, true, "", 404, 401, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, nil, func(c *Config) { c.MetricsToken, c.MetricsElsewhere = tt.token, tt.elsewhere })
			headers := []string{}
			if tt.auth != "" {
				headers = []string{"Authorization", tt.auth}
			}
			if w := s.get(t, "/metrics", headers...); w.Code != tt.main || (w.Code == 200) != strings.Contains(w.Body.String(), "shequ_build_info") {
				t.Errorf("main address: %d, want %d", w.Code, tt.main)
			}
			r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			w := httptest.NewRecorder()
			s.MetricsHandler().ServeHTTP(w, r)
			if w.Code != tt.own {
				t.Errorf("own listener: %d, want %d", w.Code, tt.own)
			}
			w = httptest.NewRecorder()
			s.MetricsHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/residents", nil))
			if w.Code != 404 {
				t.Errorf("own listener, another path: %d", w.Code)
			}
		})
	}
}

func TestQuoteLabel(t *testing.T) {
	if got := quoteLabel("a\\b\"c\nd"); got != `"a\\b\"c\nd"` {
		t.Errorf("quoteLabel = %s", got)
	}
}
