package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"shequ/internal/i18n"
)

// bench runs `shequ bench …` through runBench, as the command table does.
func bench(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cat, cerr := i18n.New()
	if cerr != nil {
		t.Fatal(cerr)
	}
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		switch k {
		case "SHEQU_DATA_DIR":
			return dataDir(t)
		case "SHEQU_LANG":
			return "en"
		}
		return ""
	}
	e := &env{getenv: getenv, stdin: strings.NewReader(""), stdout: &out, stderr: &errb, cat: cat, loc: cat.Localizer("en")}
	err = runBench(context.Background(), e, args)
	return out.String(), errb.String(), err
}

// lastLine is the key=value line `shequ bench indicators` ends with.
var lastLine = regexp.MustCompile(`^root_ms=[0-9]+\.[0-9]{2} county_ms=[0-9]+\.[0-9]{2} update_ms=[0-9]+\.[0-9]{2} groupby_root_ms=[0-9]+\.[0-9]{2} speedup=[0-9]+\.[0-9]` +
	` load_ms=[0-9]+\.[0-9]{2} summary_root_ms=([0-9]+\.[0-9]{2}|NaN) summary_write_ms=([0-9]+\.[0-9]{2}|NaN) plain_write_ms=([0-9]+\.[0-9]{2}|NaN)$`)

// TestBenchIndicators runs the benchmark small (安吉县, 2000 organizations,
// 500 workers) on both engines: it generates the data once and reuses it,
// fails by itself if the engine's root figures differ from GROUP BY's, and
// ends with the key=value line.
func TestBenchIndicators(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		args := []string{"indicators", "-db", dsn, "-prefix", "330523", "-orgs", "2000", "-workers", "500", "-quiet"}
		for run := range 2 {
			out, errs, err := bench(t, args...)
			if err != nil {
				t.Fatalf("run %d: %v\n%s%s", run, err, out, errs)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			last := lines[len(lines)-1]
			if !lastLine.MatchString(last) {
				t.Errorf("run %d: last line %q", run, last)
			}
			// The trigger-maintained summary is PostgreSQL's, timed there
			// only (it checks its counts against the engine's itself).
			if pg := strings.HasPrefix(dsn, "postgres"); pg == strings.Contains(last, "NaN") {
				t.Errorf("run %d on postgres=%v: %q", run, pg, last)
			}
			t.Logf("run %d:\n%s", run, out)
			if !strings.Contains(out, "330523") || !strings.Contains(lines[0], "groupby_root_ms") {
				t.Errorf("run %d: table\n%s", run, out)
			}
			if reused := strings.Contains(strings.ToLower(errs), "reus"); reused != (run == 1) {
				t.Errorf("run %d: reused = %v\n%s", run, reused, errs)
			}
		}
	})
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"bogus"}, {"gen", "extra"}, {"gen", "-orgs", "-1"}} {
		if _, _, err := bench(t, args...); err != errUsage {
			t.Errorf("%q: %v, want usage", args, err)
		}
	}
}
