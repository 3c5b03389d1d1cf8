package main

import (
	"bytes"
	"context"
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"shequ"
	"shequ/internal/geo"
	"shequ/internal/i18n"
	"shequ/internal/testenv"
)

// coverageLine is the key=value line `shequ bench coverage` ends with;
// postgis_ms and speedup are NaN without -postgres.
var coverageLine = regexp.MustCompile(`^shequ_ms=[0-9]+\.[0-9]{2} postgis_ms=([0-9]+\.[0-9]{2}|NaN) speedup=([0-9]+\.[0-9]{2}|NaN) update_ms=[0-9]+\.[0-9]{2} siting_ms=[0-9]+\.[0-9]{2}` +
	` shequ_cold_ms=[0-9]+\.[0-9]{2} postgis_cold_ms=([0-9]+\.[0-9]{2}|NaN) cold_speedup=([0-9]+\.[0-9]{2}|NaN)$`)

// smallCoverage is the small-scale run of the tests.
var smallCoverage = []string{"coverage", "-communities", "20000", "-facilities", "3000", "-seed", "7", "-runs", "1", "-updates", "20", "-quiet"}

// TestBenchCoverageCommand runs the command without PostgreSQL: it must say
// so on stderr and end with the key=value line, PostGIS figures NaN.
func TestBenchCoverageCommand(t *testing.T) {
	out, errs, err := bench(t, smallCoverage...)
	if err != nil {
		t.Fatalf("%v\n%s%s", err, out, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !coverageLine.MatchString(last) || !strings.Contains(last, "postgis_ms=NaN speedup=NaN") {
		t.Errorf("last line %q", last)
	}
	if !strings.Contains(errs, "no -postgres") {
		t.Errorf("stderr does not say that PostGIS was skipped:\n%s", errs)
	}
	for _, args := range [][]string{{"coverage", "-communities", "0"}, {"coverage", "extra"}, {"coverage", "-k", "0"}} {
		if _, _, err := bench(t, args...); err != errUsage {
			t.Errorf("%q: %v, want usage", args, err)
		}
	}
}

// TestBenchCoverageCounts checks the engine's covered count against the
// definition over the generated data, and PostGIS's against the engine's
// when a PostgreSQL server is configured (SHEQU_TEST_POSTGRES; a missing
// one fails under SHEQU_TEST_STRICT=1).
func TestBenchCoverageCounts(t *testing.T) {
	f := coverageFlags{communities: 20_000, facilities: 3_000, seed: 7, runs: 1, pgRuns: 1, updates: 20, k: 50,
		sitingRadius: 2000, quiet: true}
	res := runCoverage(t, f)
	if want := bruteCovered(res.data); res.covered != want {
		t.Errorf("shequ counts %d covered, brute force %d", res.covered, want)
	}
	if res.covered == 0 || res.covered == len(res.data.comms) {
		t.Errorf("covered %d of %d: the data set tests nothing", res.covered, len(res.data.comms))
	}
	if line := res.line(); !coverageLine.MatchString(line) {
		t.Errorf("line %q", line)
	}

	t.Run("postgis", func(t *testing.T) {
		f.postgres = testenv.PostgresDSN(t)
		res := runCoverage(t, f)
		if res.pgCovered != res.covered {
			t.Errorf("PostGIS counts %d covered, shequ %d", res.pgCovered, res.covered)
		}
		if res.postgisCold <= 0 || res.computeCold <= 0 {
			t.Errorf("cold runs: PostGIS %v, shequ %v", res.postgisCold, res.computeCold)
		}
		line := res.line()
		if !coverageLine.MatchString(line) || strings.Contains(line, "NaN") {
			t.Errorf("line %q", line)
		}
		t.Log(line)
	})
}

// runCoverage runs benchCoverage with an English environment.
func runCoverage(t *testing.T, f coverageFlags) *coverageResult {
	t.Helper()
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	e := &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		cat: cat, loc: cat.Localizer("en")}
	res, err := benchCoverage(context.Background(), e, f)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	return res
}

// bruteCovered counts the communities within some facility's radius by
// checking every pair with the haversine distance. A pair further apart in
// latitude alone than the radius is skipped: the great-circle distance is
// never less than the meridian arc between the two latitudes.
func bruteCovered(d *coverageData) int {
	const mPerDeg = geo.EarthRadius * math.Pi / 180
	n := 0
	for _, c := range d.comms {
		for _, f := range d.facs {
			if math.Abs(c.Point.Lat-f.Point.Lat)*mPerDeg > f.Radius+1 {
				continue
			}
			if geo.Distance(c.Point, f.Point) <= f.Radius {
				n++
				break
			}
		}
	}
	return n
}

// TestCoverageGenerator checks the generator's promises: exact counts,
// determinism by seed, codes of real counties, populations and radii in
// range, and the east denser than the west.
func TestCoverageGenerator(t *testing.T) {
	d, err := genCoverage(50_000, 8_000, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.comms) != 50_000 || len(d.facs) != 8_000 {
		t.Fatalf("%d communities, %d facilities", len(d.comms), len(d.facs))
	}
	again, err := genCoverage(50_000, 8_000, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d, again) {
		t.Error("the same seed gave different data")
	}
	other, err := genCoverage(50_000, 8_000, 4)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(d.comms[:100], other.comms[:100]) {
		t.Error("another seed gave the same communities")
	}

	real, err := readCounties()
	if err != nil {
		t.Fatal(err)
	}
	if len(real) < 2800 || len(real) > 2999 {
		t.Errorf("%d counties in the shipped division data, want 2,8xx–2,9xx", len(real))
	}
	provinces := make(map[string]int)
	seen := make(map[string]bool)
	for _, c := range d.comms {
		if len(c.Code) != 12 || real[c.Code[:6]] == nil {
			t.Fatalf("community code %q is not under a real county", c.Code)
		}
		if seen[c.Code] {
			t.Fatalf("community code %q twice", c.Code)
		}
		seen[c.Code] = true
		provinces[c.Code[:2]]++
		if c.Population < 500 || c.Population > 5000 {
			t.Fatalf("population %d", c.Population)
		}
		if c.Point.Lat < 15 || c.Point.Lat > 56 || c.Point.Lng < 70 || c.Point.Lng > 138 {
			t.Fatalf("community %s at %v, outside China's box", c.Code, c.Point)
		}
	}
	if len(provinces) != 31 {
		t.Errorf("communities in %d provinces, want 31", len(provinces))
	}
	// Few in Tibet, Qinghai and Xinjiang, many in Shandong and Henan.
	if few, many := provinces["54"]+provinces["63"], provinces["37"]; few*5 > many {
		t.Errorf("Tibet and Qinghai %d, Shandong %d", few, many)
	}
	for _, f := range d.facs {
		if f.Radius < 1000 || f.Radius > 5000 || !f.Active {
			t.Fatalf("facility %+v", f)
		}
	}

	// Density: communities per occupied 0.5° square, by region.
	type sq struct{ r, c int }
	cells := map[shequ.Region]map[sq]int{}
	for _, c := range d.comms {
		reg := shequ.ProvinceRegion(c.Code)
		if cells[reg] == nil {
			cells[reg] = map[sq]int{}
		}
		cells[reg][sq{int(math.Floor(c.Point.Lat * 2)), int(math.Floor(c.Point.Lng * 2))}]++
	}
	density := func(reg shequ.Region) float64 {
		n := 0
		for _, v := range cells[reg] {
			n += v
		}
		return float64(n) / float64(len(cells[reg]))
	}
	east, west := density(shequ.RegionEast), density(shequ.RegionWest)
	t.Logf("communities per occupied 0.5° square: east %.1f, central %.1f, west %.1f, northeast %.1f",
		east, density(shequ.RegionCentral), west, density(shequ.RegionNortheast))
	if east < 2*west {
		t.Errorf("east %.1f per square, west %.1f: the east is not denser", east, west)
	}
}
