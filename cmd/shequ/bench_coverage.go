package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"time"

	"shequ"
	"shequ/data"
	"shequ/internal/config"
	"shequ/internal/geo"
)

// coverageFlags are the flags of `shequ bench coverage`.
type coverageFlags struct {
	communities, facilities int
	seed                    uint64
	postgres                string
	runs, pgRuns, updates   int
	k                       int
	sitingRadius            float64
	quiet                   bool
}

// runBenchCoverage parses the flags of `shequ bench coverage`, runs it and
// prints its key=value line last on stdout.
func runBenchCoverage(ctx context.Context, e *env, args []string) error {
	var f coverageFlags
	_, fs, err := loadConfig(e, "bench", args, func(_ *config.Config, fs *flag.FlagSet) {
		fs.IntVar(&f.communities, "communities", 620_000, "communities to generate, placed by the real county list")
		fs.IntVar(&f.facilities, "facilities", 100_000, "facilities to generate at or near communities, radii 1–5 km")
		fs.Uint64Var(&f.seed, "seed", 1, "random seed of the synthetic data")
		fs.StringVar(&f.postgres, "postgres", "", "PostgreSQL with PostGIS to compare with (postgres://…); without it postgis_ms=NaN")
		fs.IntVar(&f.runs, "runs", 5, "warm coverage runs of each side after its cold first run (the medians are reported)")
		fs.IntVar(&f.pgRuns, "postgis-runs", 0, "warm PostGIS query runs (0: as many as -runs, so both sides get the same)")
		fs.IntVar(&f.updates, "updates", 100, "facilities added and moved one by one (medians reported)")
		fs.IntVar(&f.k, "k", 50, "sites suggested for the county with the most uncovered communities")
		fs.Float64Var(&f.sitingRadius, "siting-radius", 2000, "service radius in metres of the suggested sites")
		fs.BoolVar(&f.quiet, "quiet", false, "no progress on stderr")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 0 || f.communities < 1 || f.facilities < 1 || f.runs < 1 || f.pgRuns < 0 || f.updates < 1 ||
		f.k < 1 || !(f.sitingRadius > 0) {
		fmt.Fprintln(e.stderr, e.loc.T("cli.bench.usage"))
		return errUsage
	}
	if f.pgRuns == 0 {
		f.pgRuns = f.runs
	}
	res, err := benchCoverage(ctx, e, f)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, res.line())
	return nil
}

// coverageResult is what one `shequ bench coverage` run measured.
type coverageResult struct {
	data *coverageData
	// covered is the engine's count of communities within the radius of a
	// facility; pgCovered PostGIS's for the same data, -1 when not run.
	covered, pgCovered int
	// shequ is index build plus full coverage and nearest distances from
	// the raw points, compute the full computation over the built index
	// and grid; both medians. The PostGIS query runs over its built GiST
	// indexes (their build is not timed), so compute is the like-for-like
	// figure of the last line; both are logged.
	shequ, compute time.Duration
	postgis        time.Duration // median of the warm PostGIS queries; 0 when not run
	// computeCold and postgisCold are each side's first run, before any
	// warm one: the engine's first computation over its fresh index, and
	// PostGIS's first query after its indexes were built and analysed.
	computeCold, postgisCold time.Duration
	add, move                time.Duration // medians of one incremental update
	siting                   time.Duration // median of Suggest for the densest county
}

// line is the last line of the run.
func (r *coverageResult) line() string {
	pg, speedup := math.NaN(), math.NaN()
	if r.pgCovered >= 0 {
		pg = msf(r.postgis)
		speedup = pg / msf(r.compute)
	}
	pgCold, coldSpeedup := math.NaN(), math.NaN()
	if r.pgCovered >= 0 {
		pgCold = msf(r.postgisCold)
		coldSpeedup = pgCold / msf(r.computeCold)
	}
	// The first keys as before (warm medians of both sides, the same
	// number of runs each); the cold first runs are added after them.
	return fmt.Sprintf("shequ_ms=%.2f postgis_ms=%.2f speedup=%.2f update_ms=%.2f siting_ms=%.2f shequ_cold_ms=%.2f postgis_cold_ms=%.2f cold_speedup=%.2f",
		msf(r.compute), pg, speedup, msf(max(r.add, r.move)), msf(r.siting), msf(r.computeCold), pgCold, coldSpeedup)
}

func msf(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// msList renders durations as "12.3, 14.5 ms".
func msList(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%.1f", msf(d))
	}
	return strings.Join(parts, ", ") + " ms"
}

// phaseLog writes the progress of the run on stderr, each line stamped
// with the time since the start.
type phaseLog struct {
	w  io.Writer
	t0 time.Time
}

func (p *phaseLog) printf(format string, args ...any) {
	fmt.Fprintf(p.w, "[%7.1fs] %s\n", time.Since(p.t0).Seconds(), fmt.Sprintf(format, args...))
}

// benchCoverage generates the data, times the engine's full coverage, one
// update and county siting, and compares with PostGIS when f.postgres is set.
// It fails if PostGIS and the engine disagree on the covered count, or if
// incremental updates end elsewhere than a full recomputation.
func benchCoverage(ctx context.Context, e *env, f coverageFlags) (*coverageResult, error) {
	lw := e.stderr
	if f.quiet {
		lw = io.Discard
	}
	log := &phaseLog{w: lw, t0: time.Now()}
	d, err := genCoverage(f.communities, f.facilities, f.seed)
	if err != nil {
		return nil, err
	}
	log.printf("generated %s communities in %d counties and %s facilities (seed %d)",
		groupDigits(int64(len(d.comms))), len(d.counties), groupDigits(int64(len(d.facs))), f.seed)
	res := &coverageResult{data: d, pgCovered: -1}

	// Full coverage from the raw points: index build, community grid,
	// coverage counts and nearest distances, as a server start would do.
	var cov *geo.Coverage
	runs := make([]time.Duration, f.runs)
	for r := range runs {
		// The previous run's index and coverage are collected before the
		// clock starts, so that no run pays for another's garbage.
		cov = nil
		runtime.GC()
		t0 := time.Now()
		x := geo.NewIndex()
		x.AddAll(d.facs)
		cov = geo.NewCoverage(x, d.comms)
		runs[r] = time.Since(t0)
	}
	slices.Sort(runs)
	res.shequ = runs[len(runs)/2]
	// The cold first computation over the last run's fresh index, then the
	// warm ones.
	runtime.GC()
	t0 := time.Now()
	cov.Compute()
	res.computeCold = time.Since(t0)
	res.compute = medianOf(f.runs, cov.Compute)
	st := cov.Stats("")
	res.covered = st.Covered
	log.printf("shequ: full coverage from raw points %.2f ms (median of %d: %s; recompute alone %.2f ms): %s of %s covered (%.1f%%), nearest facility median %.0f m, p90 %.0f m",
		msf(res.shequ), f.runs, msList(runs), msf(res.compute), groupDigits(int64(st.Covered)), groupDigits(int64(st.Communities)),
		100*float64(st.Covered)/float64(st.Communities), st.MedianNearest, st.P90Nearest)

	if f.postgres == "" {
		fmt.Fprintln(e.stderr, "bench coverage: no -postgres DSN given, so no PostGIS comparison: postgis_ms=NaN speedup=NaN")
	} else {
		n, cold, dur, err := postgisCoverage(ctx, f.postgres, d, f.pgRuns, f.quiet, log)
		if err != nil {
			return nil, err
		}
		res.pgCovered, res.postgis, res.postgisCold = n, dur, cold
		if n != res.covered {
			return nil, fmt.Errorf("bench coverage: PostGIS counts %d covered communities, shequ %d", n, res.covered)
		}
		log.printf("PostGIS agrees: %s covered; PostGIS query %.2f ms over its GiST indexes vs shequ %.2f ms over its index "+
			"(%.1f× faster), or %.2f ms from raw points with the index build (%.1f×)",
			groupDigits(int64(n)), msf(res.postgis), msf(res.compute), msf(res.postgis)/msf(res.compute),
			msf(res.shequ), msf(res.postgis)/msf(res.shequ))
		log.printf("cold first runs: PostGIS %.2f ms, shequ %.2f ms (%.1f×)", msf(res.postgisCold), msf(res.computeCold),
			msf(res.postgisCold)/msf(res.computeCold))
	}

	res.add, res.move, err = benchUpdates(cov, d, f.updates, f.seed)
	if err != nil {
		return nil, err
	}
	log.printf("shequ: one facility added %.3f ms, moved %.3f ms (medians of %d each); incremental result equals a full recomputation",
		msf(res.add), msf(res.move), f.updates)

	county, uncovered := d.mostUncoveredCounty(cov)
	cands, inCounty := d.countyCandidates(county)
	weight := func(c geo.Community) float64 {
		if strings.HasPrefix(c.Code, county) {
			return float64(c.Population)
		}
		return 0
	}
	var steps []geo.Step
	res.siting = medianOf(f.runs, func() { steps = cov.Suggest(cands, f.sitingRadius, f.k, weight) })
	var newPop int64
	if len(steps) > 0 {
		newPop = steps[len(steps)-1].CoveredPopulation
	}
	log.printf("shequ: siting K=%d (radius %.0f m) in county %s (%d communities, %d uncovered, all candidates): %.2f ms (median of %d), %d steps newly covering %s people",
		f.k, f.sitingRadius, county, inCounty, uncovered, msf(res.siting), f.runs, len(steps), groupDigits(newPop))
	return res, nil
}

// medianOf runs fn n times and returns the median duration.
func medianOf(n int, fn func()) time.Duration {
	d, _ := median(n, func() error { fn(); return nil })
	return d
}

// benchUpdates times n facility additions at random communities and n moves
// of random facilities by about 2 km, then checks that the incremental
// state equals a full recomputation, and removes the added facilities.
func benchUpdates(cov *geo.Coverage, d *coverageData, n int, seed uint64) (add, move time.Duration, err error) {
	rng := rand.New(rand.NewPCG(seed, 0xadd))
	adds := make([]time.Duration, n)
	moves := make([]time.Duration, n)
	for i := range n {
		p := d.comms[rng.IntN(len(d.comms))].Point
		f := geo.Facility{ID: fmt.Sprintf("bench-add-%d", i), Point: p, Radius: 1000 + 4000*rng.Float64(), Active: true}
		t0 := time.Now()
		cov.AddFacility(f)
		adds[i] = time.Since(t0)

		id := d.facs[rng.IntN(len(d.facs))].ID
		g, _ := cov.Index().Get(id)
		to := geo.Point{Lat: g.Point.Lat + (rng.Float64()-0.5)*0.04, Lng: g.Point.Lng + (rng.Float64()-0.5)*0.04}
		t0 = time.Now()
		cov.MoveFacility(id, to)
		moves[i] = time.Since(t0)
	}
	inc := snapshot(cov)
	cov.Compute()
	if full := snapshot(cov); full != inc {
		return 0, 0, fmt.Errorf("bench coverage: after %d updates the incremental coverage (%s) differs from a full recomputation (%s)", 2*n, inc, full)
	}
	slices.Sort(adds)
	slices.Sort(moves)
	return adds[n/2], moves[n/2], nil
}

// snapshot summarises coverage in a comparable string: covered count, the
// covering multiplicities and a checksum of the nearest distances.
func snapshot(cov *geo.Coverage) string {
	covered, mult := 0, 0
	var sum float64
	for i := range cov.Len() {
		if cov.Covered(i) {
			covered++
		}
		mult += cov.CoveringCount(i)
		if _, dist, ok := cov.Nearest(i); ok {
			sum += dist
		}
	}
	return fmt.Sprintf("covered=%d covering=%d nearest_sum=%.6f", covered, mult, sum)
}

// errNoCounties is returned when the division data holds no community.
var errNoCounties = errors.New("bench coverage: the division data has no communities")

// coverageData is the synthetic national data set: communities placed by
// the real county list, facilities at or near them.
type coverageData struct {
	comms []geo.Community
	facs  []geo.Facility
	// counties lists the county codes with generated communities, sorted;
	// byCounty the index range of each county's communities in comms.
	counties []string
	byCounty map[string][2]int
}

// mostUncoveredCounty is the county with the most communities outside
// every facility's radius (the lowest code among equals): the county whose
// official most needs siting suggestions, and the one with the most steps.
func (d *coverageData) mostUncoveredCounty(cov *geo.Coverage) (county string, uncovered int) {
	uncovered = -1
	for _, c := range d.counties {
		r, n := d.byCounty[c], 0
		for i := r[0]; i < r[1]; i++ {
			if !cov.Covered(i) {
				n++
			}
		}
		if n > uncovered {
			county, uncovered = c, n
		}
	}
	return county, uncovered
}

// countyCandidates returns every community of county as a candidate site,
// covered or not: a site in a covered village can still reach uncovered
// neighbours.
func (d *coverageData) countyCandidates(county string) ([]geo.Candidate, int) {
	r := d.byCounty[county]
	cands := make([]geo.Candidate, 0, r[1]-r[0])
	for _, c := range d.comms[r[0]:r[1]] {
		cands = append(cands, geo.Candidate{ID: c.Code, Point: c.Point})
	}
	return cands, len(cands)
}

// readCounties reads the shipped division codes and returns the real
// community codes of each county (6-digit code), in code order.
func readCounties() (map[string][]string, error) {
	rc, err := data.Divisions()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	r := csv.NewReader(rc)
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	counties := make(map[string][]string)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read shipped divisions: %w", err)
		}
		if code := rec[0]; len(code) == 12 {
			counties[code[:6]] = append(counties[code[:6]], code)
		}
	}
	return counties, nil
}

// genCoverage generates n communities and m facilities deterministically
// from seed. Each real county gets a share of n proportional to its real
// number of communities (so the east and centre hold most, Xinjiang, Tibet
// and Qinghai few), a centre drawn around its province's centre, and its
// communities drawn around that centre with a spread that grows with the
// province's area per county: dense clusters in the east, sparse in the west.
func genCoverage(n, m int, seed uint64) (*coverageData, error) {
	real, err := readCounties()
	if err != nil {
		return nil, err
	}
	counties := make([]string, 0, len(real))
	total := 0
	perProvince := make(map[string]int)
	for c, comms := range real {
		if _, ok := provinceGeos[c[:2]]; !ok {
			continue // no community outside the 31 provinces, but be safe
		}
		counties = append(counties, c)
		total += len(comms)
		perProvince[c[:2]]++
	}
	if total == 0 {
		return nil, errNoCounties
	}
	slices.Sort(counties)

	// Largest-remainder apportionment, so the shares sum to n exactly.
	share := make([]int, len(counties))
	rem := make([]int, len(counties))
	given := 0
	for i, c := range counties {
		exact := float64(len(real[c])) * float64(n) / float64(total)
		share[i] = int(exact)
		given += share[i]
		rem[i] = i
	}
	slices.SortStableFunc(rem, func(a, b int) int {
		fa := float64(len(real[counties[a]]))*float64(n)/float64(total) - float64(share[a])
		fb := float64(len(real[counties[b]]))*float64(n)/float64(total) - float64(share[b])
		switch {
		case fa > fb:
			return -1
		case fa < fb:
			return 1
		}
		return 0
	})
	for j := 0; given < n; j++ {
		share[rem[j%len(rem)]]++
		given++
	}

	rng := rand.New(rand.NewPCG(seed, 0xc07e))
	d := &coverageData{comms: make([]geo.Community, 0, n), byCounty: make(map[string][2]int)}
	for i, c := range counties {
		if share[i] == 0 {
			continue
		}
		pg := provinceGeos[c[:2]]
		centre := geo.Point{Lat: pg.lat + truncNorm(rng, 2)*pg.sLat, Lng: pg.lng + truncNorm(rng, 2)*pg.sLng}
		// A county's spread: about half the radius of the province's
		// area shared among its counties.
		s := math.Sqrt(pg.sLat * pg.sLng / float64(perProvince[c[:2]]))
		sLat, sLng := s, s/math.Cos(centre.Lat*math.Pi/180)
		start := len(d.comms)
		for j := range share[i] {
			code := fmt.Sprintf("%s%06d", c, 900000+j) // beyond the real count: a synthetic code
			if j < len(real[c]) {
				code = real[c][j]
			}
			kind := geo.KindUnknown
			switch shequ.DivisionKind(code) {
			case shequ.KindUrban:
				kind = geo.KindUrban
			case shequ.KindRural:
				kind = geo.KindRural
			}
			d.comms = append(d.comms, geo.Community{
				Code:       code,
				Point:      geo.Point{Lat: centre.Lat + truncNorm(rng, 2.5)*sLat, Lng: centre.Lng + truncNorm(rng, 2.5)*sLng},
				Population: 500 + rng.Int64N(4501),
				Kind:       kind,
			})
		}
		d.counties = append(d.counties, c)
		d.byCounty[c] = [2]int{start, len(d.comms)}
	}
	d.facs = make([]geo.Facility, m)
	for i := range d.facs {
		// At a community, moved by up to about 1 km.
		p := d.comms[rng.IntN(len(d.comms))].Point
		p.Lat += (rng.Float64() - 0.5) * 0.018
		p.Lng += (rng.Float64() - 0.5) * 0.018
		d.facs[i] = geo.Facility{ID: fmt.Sprintf("f%06d", i), Point: p, Radius: 1000 + 4000*rng.Float64(), Active: true}
	}
	return d, nil
}

// truncNorm draws a standard normal value within ±limit.
func truncNorm(rng *rand.Rand, limit float64) float64 {
	for {
		if v := rng.NormFloat64(); math.Abs(v) <= limit {
			return v
		}
	}
}

// provinceGeo is an approximate WGS-84 centre of a province's populated
// area and its spread (standard deviations, degrees), chosen by hand for
// the benchmark; not survey data.
type provinceGeo struct {
	lat, lng, sLat, sLng float64
}

// provinceGeos by 2-digit province code.
var provinceGeos = map[string]provinceGeo{
	"11": {39.9, 116.4, 0.30, 0.35},  // 北京
	"12": {39.2, 117.3, 0.30, 0.25},  // 天津
	"13": {38.5, 115.5, 1.50, 1.30},  // 河北
	"14": {37.6, 112.3, 1.40, 0.90},  // 山西
	"15": {42.5, 113.0, 2.50, 8.00},  // 内蒙古
	"21": {41.5, 122.5, 1.00, 1.50},  // 辽宁
	"22": {43.6, 126.0, 1.00, 1.80},  // 吉林
	"23": {46.8, 128.5, 1.80, 2.50},  // 黑龙江
	"31": {31.2, 121.45, 0.20, 0.25}, // 上海
	"32": {32.8, 119.6, 1.10, 1.00},  // 江苏
	"33": {29.2, 120.2, 0.90, 0.90},  // 浙江
	"34": {31.8, 117.2, 1.20, 0.80},  // 安徽
	"35": {26.0, 118.2, 1.00, 0.90},  // 福建
	"36": {27.6, 115.8, 1.20, 0.90},  // 江西
	"37": {36.3, 118.0, 0.90, 1.60},  // 山东
	"41": {33.9, 113.6, 1.20, 1.10},  // 河南
	"42": {30.9, 112.3, 0.90, 1.80},  // 湖北
	"43": {27.6, 111.7, 1.20, 1.00},  // 湖南
	"44": {23.3, 113.5, 0.90, 1.60},  // 广东
	"45": {23.7, 108.6, 1.10, 1.40},  // 广西
	"46": {19.2, 109.8, 0.40, 0.50},  // 海南
	"50": {29.9, 107.4, 0.60, 0.90},  // 重庆
	"51": {30.4, 103.5, 1.60, 2.20},  // 四川
	"52": {26.8, 106.7, 0.90, 1.10},  // 贵州
	"53": {24.9, 101.6, 1.70, 1.80},  // 云南
	"54": {30.5, 88.5, 2.00, 5.50},   // 西藏
	"61": {35.2, 108.9, 1.80, 0.90},  // 陕西
	"62": {36.5, 103.8, 2.00, 3.00},  // 甘肃
	"63": {35.8, 98.5, 1.60, 3.50},   // 青海
	"64": {37.3, 106.2, 0.80, 0.50},  // 宁夏
	"65": {41.8, 85.5, 2.50, 6.00},   // 新疆
}
