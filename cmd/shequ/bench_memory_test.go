package main

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shequ/internal/demo"
)

// TestStartupPhasesLogged: the start logs each phase's time in one line,
// with the two engines' loads, and the phases add up to the total.
func TestStartupPhasesLogged(t *testing.T) {
	p := newStartupPhases()
	time.Sleep(20 * time.Millisecond)
	p.done("open_migrate")
	p.note("coverage", 5*time.Millisecond)
	time.Sleep(10 * time.Millisecond)
	p.done("engines")
	var b bytes.Buffer
	p.log(slog.New(slog.NewTextHandler(&b, nil)))
	line := b.String()
	for _, key := range []string{"msg=started", "open_migrate_s=", "engines_s=", "coverage_s=0.005", "total_s="} {
		if !strings.Contains(line, key) {
			t.Errorf("log line lacks %s: %s", key, line)
		}
	}
	sum := 0.0
	for _, ph := range p.phases {
		sum += ph.Seconds
	}
	if total := roundMillis(p.total()); sum < 0.03 || sum > total+0.002 {
		t.Errorf("phases add up to %.3f s, total %.3f s", sum, total)
	}
}

// TestBenchMemory runs `shequ bench memory` on a county's tree: it prints
// every phase of the start with the live heap, serves the pages it reads
// without a failure, and ends with the resident memory.
func TestBenchMemory(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "bench.db")
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", demo.County, "-db", dsn); code != exitOK {
		t.Fatalf("import divisions: %d %s%s", code, out, errs)
	}
	code, out, errs := cli(t, nil, "bench", "memory", "-db", dsn, "-duration", "1s", "-clients", "2", "-memory-limit", "off")
	if code != exitOK {
		t.Fatalf("bench memory: %d %s%s", code, out, errs)
	}
	for _, phase := range []string{"open_migrate", "seed", "demo_admin", "engines", "jobs", "web", "listen", "ops", "serve"} {
		if !regexp.MustCompile(`(?m)^phase=` + phase + ` seconds=[0-9.]+ heap_live_mb=[0-9]+$`).MatchString(out) {
			t.Errorf("no line for phase %s:\n%s", phase, out)
		}
	}
	if !regexp.MustCompile(`(?m)^within=engines load=coverage seconds=`).MatchString(out) {
		t.Errorf("no coverage load time:\n%s", out)
	}
	kv := map[string]string{}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, f := range strings.Fields(lines[len(lines)-1]) {
		if k, v, ok := strings.Cut(f, "="); ok {
			kv[k] = v
		}
	}
	if n, _ := strconv.Atoi(kv["communities"]); n < 100 {
		t.Errorf("communities = %q, want the county's", kv["communities"])
	}
	if n, _ := strconv.Atoi(kv["requests"]); n == 0 || kv["failed"] != "0" {
		t.Errorf("requests=%s failed=%s", kv["requests"], kv["failed"])
	}
	if n, _ := strconv.Atoi(kv["server_rss_max_serving_mb"]); n <= 0 {
		t.Errorf("no resident memory: %q", lines[len(lines)-1])
	}
	if kv["memory_limit"] != "off" {
		t.Errorf("memory_limit = %q, want off", kv["memory_limit"])
	}
}
