package main

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"shequ"
	"shequ/data"
	"shequ/internal/config"
	"shequ/internal/divimport"
	"shequ/internal/sqlstore"
)

// importFlags are the flags of `shequ import divisions`.
type importFlags struct {
	allOrNothing bool
	prefix       string
	batch        int
	quiet        bool
	errorsFile   string
	maxErrors    int
	gcj02        bool
}

// runImport dispatches `shequ import KIND`.
func runImport(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprintln(e.stderr, e.loc.T("cli.import.usage"))
			return flag.ErrHelp
		}
		fmt.Fprintln(e.stderr, e.loc.T("cli.import.usage"))
		return errUsage
	}
	switch args[0] {
	case "divisions":
		return runImportDivisions(ctx, e, args[1:])
	case "residents":
		return runImportResidents(ctx, e, args[1:])
	case "holidays":
		return runImportHolidays(ctx, e, args[1:])
	case "services":
		return runImportServices(ctx, e, args[1:])
	}
	if err, ok := runRegisterImport(ctx, e, args[0], args[1:]); ok {
		return err
	}
	fmt.Fprintln(e.stderr, e.loc.T("cli.import.unknown_kind", map[string]any{"Kind": args[0]}))
	fmt.Fprintln(e.stderr, e.loc.T("cli.import.usage"))
	return errUsage
}

// runImportDivisions imports the shipped division codes, or the user's CSV
// file (optionally .gz, or - for standard input).
func runImportDivisions(ctx context.Context, e *env, args []string) error {
	var f importFlags
	cfg, fs, err := loadConfig(e, "import", args, func(c *config.Config, fs *flag.FlagSet) {
		c.BindDB(fs)
		fs.BoolVar(&f.allOrNothing, "all-or-nothing", false, "write nothing if any row is bad (default: write the good rows, report the bad)")
		fs.StringVar(&f.prefix, "prefix", "", "import only this division, its ancestors and descendants, e.g. 330523")
		fs.IntVar(&f.batch, "batch", 0, "rows per transaction (default: chosen by the engine)")
		fs.BoolVar(&f.quiet, "quiet", false, "no progress bar")
		fs.StringVar(&f.errorsFile, "errors", "", "write every rejected row to this CSV file (line,code,reason)")
		fs.IntVar(&f.maxErrors, "max-errors", 100, "print at most this many rejected rows")
		fs.BoolVar(&f.gcj02, "gcj02", false, "the lat/lng columns are GCJ-02 (from a Chinese web map): convert them to WGS-84")
	})
	if err != nil {
		return err
	}
	files := fs.Args()
	if len(files) > 1 || f.batch < 0 || f.maxErrors < 0 {
		fmt.Fprintln(e.stderr, e.loc.T("cli.import.usage"))
		return errUsage
	}
	source, file := data.DivisionsSource, ""
	if len(files) == 1 {
		source, file = files[0], files[0]
	}

	log := newLogger(e.stderr, cfg)
	db, err := openStoreWith(ctx, cfg.DB, storeOptions(cfg), migrateIfEmpty, log)
	if err != nil {
		return err
	}
	defer db.Close()

	started := db.Now()
	in, size, closeIn, err := openDivisionSource(e, file)
	if err != nil {
		return err
	}
	defer closeIn()
	bar := newProgress(e.stderr, e.loc.T("cli.import.reading"), "B", size, f.quiet)
	r, err := maybeGunzip(&countingReader{r: in, p: bar}, source)
	if err != nil {
		return err
	}
	parsed, err := divimport.Parse(r, divimport.ParseOptions{Prefix: f.prefix, GCJ02: f.gcj02})
	bar.Done()
	if err != nil {
		return err
	}

	wbar := newProgress(e.stderr, e.loc.T("cli.import.writing"), e.loc.T("cli.import.rows"), int64(len(parsed.Rows)), f.quiet)
	res, ierr := divimport.Import(ctx, sqlstore.NewDivisionService(db), parsed, divimport.Options{
		AllOrNothing: f.allOrNothing,
		BatchSize:    f.batch,
		Progress:     func(n, _ int) { wbar.Set(int64(n)) },
	})
	if ierr == nil {
		wbar.Done()
	}
	run := res.Run(source, f.allOrNothing, started, db.Now())
	if err := sqlstore.NewImportRunService(db).CreateImportRun(ctx, run); err != nil && ierr == nil {
		ierr = err
	}
	if err := e.printImportResult(res, run, f); err != nil && ierr == nil {
		ierr = err
	}
	if ierr != nil {
		return ierr
	}
	if len(res.Errors) > 0 {
		return shequ.Errorf(shequ.EInvalid, "import.rows_rejected", "%d rows were rejected.", len(res.Errors)).
			With(map[string]any{"Count": len(res.Errors)})
	}
	return nil
}

// openDivisionSource opens the file to import: the shipped codes when file is
// empty, standard input for "-". It returns the byte size for progress (0
// when unknown).
func openDivisionSource(e *env, file string) (io.Reader, int64, func(), error) {
	switch file {
	case "":
		r, n := data.DivisionsGzip()
		return r, n, func() {}, nil
	case "-":
		return e.stdin, 0, func() {}, nil
	}
	fh, err := os.Open(file)
	if err != nil {
		return nil, 0, nil, shequ.Errorf(shequ.EInvalid, "import.file.open", "Cannot open %s: %v.", file, err).
			With(map[string]any{"File": file, "Reason": err.Error()})
	}
	var size int64
	if st, err := fh.Stat(); err == nil {
		size = st.Size()
	}
	return fh, size, func() { fh.Close() }, nil
}

// maybeGunzip decompresses sources whose name ends in .gz.
func maybeGunzip(r io.Reader, source string) (io.Reader, error) {
	if !strings.HasSuffix(source, ".gz") {
		return r, nil
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, shequ.Errorf(shequ.EInvalid, "import.file.gzip", "%s is not a gzip file: %v.", source, err).
			With(map[string]any{"File": source, "Reason": err.Error()})
	}
	return zr, nil
}

// printImportResult lists rejected rows (up to -max-errors, all of them in
// the -errors file) and the summary.
func (e *env) printImportResult(res *divimport.Result, run *shequ.ImportRun, f importFlags) error {
	for i, re := range res.Errors {
		if i == f.maxErrors {
			fmt.Fprintln(e.stderr, e.loc.T("cli.import.more_errors", map[string]any{"Count": len(res.Errors) - f.maxErrors}))
			break
		}
		fmt.Fprintln(e.stderr, e.loc.T("cli.import.row_error", map[string]any{"Line": re.Line, "Code": re.Code, "Reason": e.loc.Error(re.Error())}))
	}
	if f.errorsFile != "" && len(res.Errors) > 0 {
		if err := e.writeErrorsFile(f.errorsFile, res.Errors); err != nil {
			return err
		}
	}
	fmt.Fprintln(e.stdout, e.loc.T("cli.import.status."+string(res.Status)))
	fmt.Fprintln(e.stdout, e.loc.T("cli.import.result", map[string]any{
		"Total": res.Total, "Written": res.Written, "Rejected": len(res.Errors), "Filtered": res.Filtered,
		"Seconds": strconv.FormatFloat(run.FinishedAt.Sub(run.StartedAt).Seconds(), 'f', 1, 64), "ID": run.ID,
	}))
	return nil
}

// writeErrorsFile writes every rejected row as CSV: line, code, reason.
func (e *env) writeErrorsFile(path string, rows []divimport.RowError) error {
	fh, err := os.Create(path)
	if err != nil {
		return shequ.Errorf(shequ.EInvalid, "import.file.create", "Cannot create %s: %v.", path, err).
			With(map[string]any{"File": path, "Reason": err.Error()})
	}
	w := csv.NewWriter(fh)
	w.Write([]string{"line", "code", "reason"})
	for _, re := range rows {
		w.Write([]string{strconv.Itoa(re.Line), re.Code, e.loc.Error(re.Error())})
	}
	w.Flush()
	return errors.Join(w.Error(), fh.Close())
}
