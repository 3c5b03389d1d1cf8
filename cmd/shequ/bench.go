package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"shequ"
	"shequ/data"
	"shequ/internal/config"
	"shequ/internal/divimport"
	"shequ/internal/indicator"
	"shequ/internal/sqlstore"
)

// benchFlags are the flags of `shequ bench gen|indicators`.
type benchFlags struct {
	orgs, workers int
	seed          uint64
	prefix        string
	county        string
	postgres      string
	quiet         bool
}

// runBench dispatches `shequ bench gen|indicators|coverage|requests|memory`.
//
// The synthetic registers contain no personal data: names are numbered
// labels, leaders are empty, and the sealed columns (ID numbers) hold a fixed
// dummy string that is not a ciphertext of anything.
func runBench(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "coverage" {
		return runBenchCoverage(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "requests" {
		return runBenchRequests(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "memory" {
		return runBenchMemory(ctx, e, args[1:])
	}
	if len(args) == 0 || (args[0] != "gen" && args[0] != "indicators") {
		fmt.Fprintln(e.stderr, e.loc.T("cli.bench.usage"))
		if len(args) > 0 && isHelpFlag(args[0]) {
			return flag.ErrHelp
		}
		return errUsage
	}
	var f benchFlags
	cfg, fs, err := loadConfig(e, "bench", args[1:], func(c *config.Config, fs *flag.FlagSet) {
		c.BindDB(fs)
		fs.IntVar(&f.orgs, "orgs", 3_000_000, "social organizations to generate (about)")
		fs.IntVar(&f.workers, "workers", 700_000, "social workers to generate (about)")
		fs.Uint64Var(&f.seed, "seed", 1, "random seed of the synthetic data")
		fs.StringVar(&f.prefix, "prefix", "", "only the divisions under this code (e.g. 33 or 330523); default the whole country")
		fs.StringVar(&f.county, "county", "330523", "county whose report is timed (the first county of the data if absent)")
		fs.StringVar(&f.postgres, "postgres", "", "indicators: run on this PostgreSQL database too (postgres://…)")
		fs.BoolVar(&f.quiet, "quiet", false, "no progress bars")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 0 || f.orgs < 0 || f.workers < 0 {
		fmt.Fprintln(e.stderr, e.loc.T("cli.bench.usage"))
		return errUsage
	}
	log := newLogger(e.stderr, cfg)
	if args[0] == "gen" {
		db, err := openStore(ctx, cfg.DB, migrateAlways, log)
		if err != nil {
			return err
		}
		defer db.Close()
		return benchGen(ctx, e, db, f)
	}
	dsns := []string{cfg.DB}
	if f.postgres != "" {
		dsns = append(dsns, f.postgres)
	}
	var lines []string
	for _, dsn := range dsns {
		line, err := benchIndicators(ctx, e, dsn, f, log)
		if err != nil {
			return err
		}
		lines = append(lines, line)
	}
	// The key=value lines last, one per engine, PostgreSQL's after.
	for _, l := range lines {
		fmt.Fprintln(e.stdout, l)
	}
	return nil
}

// benchGen imports the shipped division tree if the database has none and
// generates the synthetic registers unless they are there already.
func benchGen(ctx context.Context, e *env, db *sqlstore.DB, f benchFlags) error {
	if err := ensureDivisions(ctx, e, db, f.prefix, f.quiet); err != nil {
		return err
	}
	// A completed generation leaves an import run of kind benchRunKind: the
	// marker that the data is whole and can be reused.
	src, runs := sqlstore.NewIndicatorSource(db), sqlstore.NewImportRunService(db)
	done, err := runs.FindImportRuns(ctx, benchRunKind, 1)
	if err != nil {
		return err
	}
	if len(done) > 0 {
		fmt.Fprintln(e.stderr, e.loc.T("cli.bench.reused", map[string]any{"Orgs": done[0].Written}))
		return nil
	}
	if have, err := src.CountRows(ctx, "social_orgs"); err != nil {
		return err
	} else if have > 0 {
		return shequ.Errorf(shequ.EConflict, "cli.bench.partial",
			"The database holds organizations but no completed synthetic generation; use a fresh database.")
	}
	started := time.Now()
	var comms []string
	if err := src.LoadDivisions(ctx, func(d indicator.DivisionRow) error {
		if len(d.Code) == 12 && strings.HasPrefix(d.Code, f.prefix) {
			comms = append(comms, d.Code)
		}
		return nil
	}); err != nil {
		return err
	}
	if len(comms) == 0 {
		return shequ.Errorf(shequ.EInvalid, "cli.bench.no_communities", "No community under %q in the database.", f.prefix).
			With(map[string]any{"Prefix": f.prefix})
	}
	g := &generator{r: rand.New(rand.NewPCG(f.seed, 0x5e9)), comms: comms, src: src, quiet: f.quiet, e: e,
		now: time.Now().UTC().Truncate(time.Second)}
	orgs, err := g.orgs(ctx, f.orgs)
	if err != nil {
		return err
	}
	workers, err := g.workers(ctx, f.workers)
	if err != nil {
		return err
	}
	return runs.CreateImportRun(ctx, &shequ.ImportRun{Kind: benchRunKind, Source: fmt.Sprintf("seed=%d prefix=%s", f.seed, f.prefix),
		Atomic: false, Status: shequ.ImportCompleted, Total: orgs + workers, Written: orgs,
		StartedAt: started, FinishedAt: time.Now()})
}

// ensureDivisions imports the shipped division tree under prefix ("" the
// whole country) when the database has no community yet.
func ensureDivisions(ctx context.Context, e *env, db *sqlstore.DB, prefix string, quiet bool) error {
	divs := sqlstore.NewDivisionService(db)
	n, err := divs.CountDivisions(ctx)
	if err != nil || n[shequ.LevelCommunity] > 0 {
		return err
	}
	r, err := data.Divisions()
	if err != nil {
		return err
	}
	parsed, err := divimport.Parse(r, divimport.ParseOptions{Prefix: prefix})
	r.Close()
	if err != nil {
		return err
	}
	bar := newProgress(e.stderr, e.loc.T("cli.import.writing"), e.loc.T("cli.import.rows"), int64(len(parsed.Rows)), quiet)
	if _, err := divimport.Import(ctx, divs, parsed, divimport.Options{AllOrNothing: true,
		Progress: func(n, _ int) { bar.Set(int64(n)) }}); err != nil {
		return err
	}
	bar.Done()
	return nil
}

// benchRunKind is the import run kind that marks completed synthetic data.
const benchRunKind = "bench.registers"

// generator writes synthetic registers with the plan's imbalances: the east
// denser than the centre, the west and the northeast; urban communities with
// about twice the organizations of rural ones; a share of organizations
// dormant or dissolved, more so in the west; a workforce less qualified and
// less educated in the west.
type generator struct {
	r     *rand.Rand
	comms []string
	src   *sqlstore.IndicatorSource
	quiet bool
	e     *env
	now   time.Time
	seq   int
}

// regionFactor scales the density of organizations and workers by region.
var regionFactor = map[shequ.Region]float64{shequ.RegionEast: 1.5, shequ.RegionCentral: 1.0,
	shequ.RegionWest: 0.65, shequ.RegionNortheast: 0.8}

// weight is a community's relative density.
func weight(code string, urban, rural float64) float64 {
	w := regionFactor[shequ.ProvinceRegion(code)]
	switch shequ.DivisionKind(code) {
	case shequ.KindUrban:
		return w * urban
	case shequ.KindRural:
		return w * rural
	}
	return w * 0.3
}

// counts draws a Poisson count per community whose expected total is total.
func (g *generator) counts(total int, urban, rural float64) []int {
	sum := 0.0
	for _, c := range g.comms {
		sum += weight(c, urban, rural)
	}
	out := make([]int, len(g.comms))
	for i, c := range g.comms {
		out[i] = poisson(g.r, weight(c, urban, rural)*float64(total)/sum)
	}
	return out
}

// poisson draws from a Poisson distribution (Knuth's method for small
// means, a rounded normal approximation above 30).
func poisson(r *rand.Rand, mean float64) int {
	if mean > 30 {
		return max(0, int(math.Round(mean+math.Sqrt(mean)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// pick returns an index drawn with the given weights (percent).
func pick(r *rand.Rand, weights ...int) int {
	n := r.IntN(100)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// neighbour returns another community of the same township, if any.
func (g *generator) neighbour(i int) (string, bool) {
	j := i + 1 - 2*g.r.IntN(2)
	if j < 0 || j >= len(g.comms) || g.comms[j][:9] != g.comms[i][:9] {
		return "", false
	}
	return g.comms[j], true
}

// batchRows is the number of rows per BulkInsert.
const batchRows = 20_000

// writer buffers the rows of one table and writes them in batches.
type writer struct {
	src   *sqlstore.IndicatorSource
	table string
	cols  []string
	rows  [][]any
	bar   *progress
	n     int64
	// follow is flushed right after this writer: rows that refer to this
	// writer's rows, which must be written after them.
	follow *writer
}

func (w *writer) add(ctx context.Context, row ...any) error {
	w.rows = append(w.rows, row)
	if len(w.rows) >= batchRows && w.bar != nil {
		return w.flush(ctx)
	}
	return nil
}

func (w *writer) flush(ctx context.Context) error {
	if err := w.src.BulkInsert(ctx, w.table, w.cols, w.rows); err != nil {
		return err
	}
	w.n += int64(len(w.rows))
	if w.bar != nil {
		w.bar.Set(w.n)
	}
	w.rows = w.rows[:0]
	if w.follow != nil {
		return w.follow.flush(ctx)
	}
	return nil
}

// orgColumns are the columns of social_orgs (migration 0004) the generator fills.
var orgColumns = []string{"id", "name", "kind", "community", "legal_status", "credit_code", "filed_with",
	"incubator", "founded_on", "leader", "members", "grade", "graded_on", "status", "status_since",
	"created_at", "updated_at"}

func (g *generator) orgs(ctx context.Context, total int) (int, error) {
	per := g.counts(total, 2.0, 1.0)
	sum := 0
	for _, n := range per {
		sum += n
	}
	bar := newProgress(g.e.stderr, g.e.loc.T("cli.bench.orgs"), g.e.loc.T("cli.import.rows"), int64(sum), g.quiet)
	sv := &writer{src: g.src, table: "social_org_serves", cols: []string{"org_id", "community"}}
	w := &writer{src: g.src, table: "social_orgs", cols: orgColumns, bar: bar, follow: sv}
	for i, c := range g.comms {
		region := shequ.ProvinceRegion(c)
		rural := shequ.DivisionKind(c) == shequ.KindRural
		for range per[i] {
			g.seq++
			id := uuid.Must(uuid.NewV7()).String()
			kinds := []int{25, 20, 15, 15, 25, 0}
			if rural {
				kinds = []int{20, 15, 10, 15, 20, 20}
			}
			kind := shequ.OrgKinds[pick(g.r, kinds...)]
			dormant := map[shequ.Region]int{shequ.RegionEast: 8, shequ.RegionWest: 18}[region]
			status := shequ.OrgStatuses[pick(g.r, 88-dormant, 5+dormant, 7)]
			var credit, filed, incubator any
			legal := shequ.LegalStatuses[pick(g.r, 20, 60, 20)]
			switch legal {
			case shequ.LegalRegistered:
				body := fmt.Sprintf("%08d", g.seq%100_000_000)
				first := "52" + c[:6] + body + string(shequ.OrgCodeCheckChar(body))
				credit = first + string(shequ.CreditCheckChar(first))
			case shequ.LegalFiled:
				filed = c[:9]
			default:
				incubator = "社区社会组织孵化基地"
			}
			founded := time.Date(2005+g.r.IntN(20), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			var grade int
			var graded any
			if g.r.IntN(10) == 0 {
				grade, graded = 1+g.r.IntN(5), "2024-06-30"
			}
			err := w.add(ctx, id, fmt.Sprintf("合成组织%08d", g.seq), string(kind), c, string(legal), credit, filed,
				incubator, founded, "", 5+g.r.IntN(60), grade, graded, string(status), founded, g.now, g.now)
			if err != nil {
				return 0, err
			}
			if g.r.IntN(10) == 0 {
				if nb, ok := g.neighbour(i); ok {
					if err := sv.add(ctx, id, nb); err != nil {
						return 0, err
					}
				}
			}
		}
	}
	if err := w.flush(ctx); err != nil {
		return 0, err
	}
	bar.Done()
	return sum, nil
}

// workerColumns are the columns of social_workers (migration 0004) the generator fills.
var workerColumns = []string{"id", "name", "id_number_enc", "id_number_idx", "birth_date", "sex",
	"qualification", "cert_number", "cert_year", "education", "employer_kind", "community",
	"created_at", "updated_at"}

// benchSealed stands in every sealed column of synthetic rows: a fixed
// string in the sealed format's shape that is no ciphertext, so no key opens
// it and no personal data is in the benchmark database.
const benchSealed = "v1:bench:synthetic-no-personal-data"

func (g *generator) workers(ctx context.Context, total int) (int, error) {
	per := g.counts(total, 1.4, 1.0)
	sum := 0
	for _, n := range per {
		sum += n
	}
	bar := newProgress(g.e.stderr, g.e.loc.T("cli.bench.workers"), g.e.loc.T("cli.import.rows"), int64(sum), g.quiet)
	sv := &writer{src: g.src, table: "social_worker_serves", cols: []string{"worker_id", "community"}}
	w := &writer{src: g.src, table: "social_workers", cols: workerColumns, bar: bar, follow: sv}
	for i, c := range g.comms {
		east := shequ.ProvinceRegion(c) == shequ.RegionEast
		west := shequ.ProvinceRegion(c) == shequ.RegionWest
		for range per[i] {
			g.seq++
			id := uuid.Must(uuid.NewV7()).String()
			quals := []int{50, 32, 15, 3}
			edus := []int{8, 22, 35, 30, 5}
			switch {
			case east:
				quals, edus = []int{38, 37, 20, 5}, []int{4, 16, 34, 38, 8}
			case west:
				quals, edus = []int{65, 25, 9, 1}, []int{15, 30, 35, 18, 2}
			}
			q := shequ.Qualifications[pick(g.r, quals...)]
			var certNo, certYear any
			if q != shequ.QualNone {
				certNo, certYear = fmt.Sprintf("BENCH%010d", g.seq), 2008+g.r.IntN(17)
			}
			var edu any
			if g.r.IntN(20) > 0 {
				edu = string(shequ.Educations[pick(g.r, edus...)])
			}
			birth := time.Date(1965+g.r.IntN(35), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			err := w.add(ctx, id, fmt.Sprintf("合成社工%08d", g.seq), benchSealed, "bench:"+id, birth,
				[]string{"male", "female"}[g.r.IntN(2)], string(q), certNo, certYear, edu, "community", c, g.now, g.now)
			if err != nil {
				return 0, err
			}
			if g.r.IntN(10) < 3 {
				if nb, ok := g.neighbour(i); ok {
					if err := sv.add(ctx, id, nb); err != nil {
						return 0, err
					}
				}
			}
		}
	}
	if err := w.flush(ctx); err != nil {
		return 0, err
	}
	bar.Done()
	return sum, nil
}

// median runs fn n times and returns the median duration.
func median(n int, fn func() error) (time.Duration, error) {
	ds := make([]time.Duration, n)
	for i := range ds {
		t0 := time.Now()
		if err := fn(); err != nil {
			return 0, err
		}
		ds[i] = time.Since(t0)
	}
	slices.Sort(ds)
	return ds[n/2], nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

// benchIndicators builds or reuses the synthetic data in dsn, loads the
// engine and times it against plain GROUP BY queries over the same tables.
// It fails if the two disagree on the root figures. It prints a table and
// returns the key=value line.
func benchIndicators(ctx context.Context, e *env, dsn string, f benchFlags, log *slog.Logger) (string, error) {
	db, err := openStore(ctx, dsn, migrateAlways, log)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if err := benchGen(ctx, e, db, f); err != nil {
		return "", err
	}
	ctx = cliContext(ctx)
	src := sqlstore.NewIndicatorSource(db)
	eng := indicator.New(src, sqlstore.NewTargetService(db))
	t0 := time.Now()
	if err := eng.Load(ctx); err != nil {
		return "", err
	}
	load := time.Since(t0)

	root, err := eng.IndicatorReport(ctx, "")
	if err != nil {
		return "", err
	}
	rootD, err := median(7, func() error { _, err := eng.IndicatorReport(ctx, ""); return err })
	if err != nil {
		return "", err
	}
	county := f.county
	if _, err := eng.IndicatorReport(ctx, county); err != nil {
		// The data may not hold the default county (-prefix): take the
		// first county of the root's first province.
		county = ""
		for _, p := range root.Breakdowns[shequ.ByChild] {
			rep, err := eng.IndicatorReport(ctx, p.Key)
			if err != nil || len(rep.Breakdowns[shequ.ByChild]) == 0 {
				continue
			}
			city := rep.Breakdowns[shequ.ByChild][0].Key
			if c, err := eng.IndicatorReport(ctx, city); err == nil && len(c.Breakdowns[shequ.ByChild]) > 0 {
				county = c.Breakdowns[shequ.ByChild][0].Key
				break
			}
		}
	}
	countyD, err := median(21, func() error { _, err := eng.IndicatorReport(ctx, county); return err })
	if err != nil {
		return "", err
	}

	// One organization added end to end: a plain INSERT, then a Refresh of
	// its community, until the report shows it.
	countyRep, err := eng.IndicatorReport(ctx, county)
	if err != nil {
		return "", err
	}
	gap, _, err := eng.GapList(ctx, county, shequ.TargetOrgsPerRural, 0, 1)
	if err != nil {
		return "", err
	}
	target := ""
	if len(gap) > 0 {
		target = gap[0].Community.Code
	} else if len(countyRep.Breakdowns[shequ.ByChild]) > 0 {
		tw, err := eng.IndicatorReport(ctx, countyRep.Breakdowns[shequ.ByChild][0].Key)
		if err != nil {
			return "", err
		}
		target = tw.Breakdowns[shequ.ByChild][0].Key
	}
	before := countyRep.Stats.OrgsActive
	now := time.Now().UTC()
	updateD, err := median(5, func() error {
		id := uuid.Must(uuid.NewV7()).String()
		err := src.BulkInsert(ctx, "social_orgs", orgColumns, [][]any{{id, "合成组织-更新", string(shequ.OrgResidentService),
			target, string(shequ.LegalFiled), nil, target[:9], nil, nil, "", 8, 0, nil, string(shequ.OrgActive), nil, now, now}})
		if err != nil {
			return err
		}
		return eng.Refresh(ctx, target)
	})
	if err != nil {
		return "", err
	}
	after, err := eng.IndicatorReport(ctx, county)
	if err != nil {
		return "", err
	}
	if after.Stats.OrgsActive != before+5 {
		return "", fmt.Errorf("bench: the county shows %d active organizations after adding 5 to %d", after.Stats.OrgsActive, before)
	}

	var sqlStats *shequ.IndicatorStats
	groupD, err := median(3, func() error {
		var err error
		sqlStats, err = src.GroupByStats(ctx, "", shequ.PlanTargets)
		return err
	})
	if err != nil {
		return "", err
	}
	root, err = eng.IndicatorReport(ctx, "")
	if err != nil {
		return "", err
	}
	if err := sameRoot(&root.Stats, sqlStats); err != nil {
		return "", err
	}

	// PostgreSQL's strong alternative: counts per division at every level
	// kept by triggers on the registers, read by primary key.
	summary := "summary_root_ms=NaN summary_write_ms=NaN plain_write_ms=NaN"
	if db.Engine() == "postgres" {
		sr, err := benchSummary(ctx, dsn, target)
		if err != nil {
			return "", err
		}
		if sr.orgs != int64(root.Stats.Orgs) || sr.active != int64(root.Stats.OrgsActive) || sr.workers != int64(root.Stats.Workers) {
			return "", fmt.Errorf("bench: the trigger summary counts %d organizations (%d active) and %d workers, the engine %d (%d) and %d",
				sr.orgs, sr.active, sr.workers, root.Stats.Orgs, root.Stats.OrgsActive, root.Stats.Workers)
		}
		fmt.Fprintf(e.stderr, "PostgreSQL trigger summary: root counts read %s ms; one organization written %s ms with the triggers, %s ms without\n",
			ms(sr.read), ms(sr.write), ms(sr.plainWrite))
		summary = fmt.Sprintf("summary_root_ms=%s summary_write_ms=%s plain_write_ms=%s", ms(sr.read), ms(sr.write), ms(sr.plainWrite))
	}

	speedup := float64(groupD) / float64(max(rootD, time.Microsecond))
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "engine\tcommunities\torgs\tworkers\tload_ms\troot_ms\tcounty\tcounty_ms\tupdate_ms\tgroupby_root_ms\tspeedup\t")
	fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t\n", db.Engine(), root.Stats.Communities,
		root.Stats.Orgs, root.Stats.Workers, ms(load), ms(rootD), county, ms(countyD), ms(updateD), ms(groupD), speedup)
	if err := tw.Flush(); err != nil {
		return "", err
	}
	// The keys of earlier runs first; the engine's load time and the
	// trigger summary's figures after them.
	return fmt.Sprintf("root_ms=%s county_ms=%s update_ms=%s groupby_root_ms=%s speedup=%.1f load_ms=%s %s",
		ms(rootD), ms(countyD), ms(updateD), ms(groupD), speedup, ms(load), summary), nil
}

// sameRoot fails unless the engine's root figures equal those of GROUP BY.
func sameRoot(eng, sql *shequ.IndicatorStats) error {
	a, b := fmt.Sprintf("%+v", *eng), fmt.Sprintf("%+v", *sql)
	if a != b {
		return fmt.Errorf("bench: the engine and GROUP BY disagree on the root:\nengine   %s\ngroup by %s", a, b)
	}
	return nil
}
