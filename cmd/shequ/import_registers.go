package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"shequ"
	"shequ/internal/registerimport"
)

// runImportRegister imports an organization or social worker register (CSV
// or XLSX). By default every good row is written and every bad one listed
// with its line; with -all-or-nothing a file with any bad row writes nothing
// and the good ones go in one transaction.
func runImportRegister(ctx context.Context, e *env, kind string, args []string) error {
	var atomic, quiet bool
	return withServices(ctx, e, "import", args, 1, func(fs *flag.FlagSet) {
		fs.BoolVar(&atomic, "all-or-nothing", false, "write nothing if any row is bad (default: write the good rows, list the bad)")
		fs.BoolVar(&quiet, "quiet", false, "no progress bar")
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		name := fs.Arg(0)
		fh, err := os.Open(name)
		if err != nil {
			return shequ.Errorf(shequ.EInvalid, "import.file.open", "Cannot open %s: %v.", name, err).
				With(map[string]any{"File": name, "Reason": err.Error()})
		}
		defer fh.Close()
		// One shape for both registers: the rows, their lines, the writers.
		var (
			rowErrs []registerimport.RowError
			lines   []int
			n       int
			create  func(i int) error
			all     func() error
		)
		switch kind {
		case "orgs":
			f, err := registerimport.ParseOrgs(fh, name)
			if err != nil {
				return err
			}
			rowErrs, lines, n = f.Errors, f.Lines, len(f.Orgs)
			create = func(i int) error { return s.orgs.CreateOrg(ctx, f.Orgs[i]) }
			all = func() error { return s.orgs.ImportOrgs(ctx, f.Orgs) }
		default:
			f, err := registerimport.ParseWorkers(fh, name, s.db.Now())
			if err != nil {
				return err
			}
			rowErrs, lines, n = f.Errors, f.Lines, len(f.Workers)
			create = func(i int) error { return s.workers.CreateWorker(ctx, f.Workers[i]) }
			all = func() error { return s.workers.ImportWorkers(ctx, f.Workers) }
		}
		for _, re := range rowErrs {
			fmt.Fprintln(e.stderr, e.rowError(re.Line, re.Fields, nil))
		}
		written := 0
		switch {
		case atomic && len(rowErrs) > 0:
		case atomic:
			if err := all(); err != nil {
				// The store names the 1-based row; the operator wants the line.
				if ae := shequ.AsError(err); ae.Data != nil {
					if row, ok := ae.Data["Row"].(int); ok && row >= 1 && row <= len(lines) {
						fmt.Fprintln(e.stderr, e.rowError(lines[row-1], ae.Fields, ae))
					}
				}
				return err
			}
			written = n
		default:
			bar := newProgress(e.stderr, e.loc.T("cli.import.writing"), e.loc.T("cli.import.rows"), int64(n), quiet)
			for i := 0; i < n; i++ {
				if err := create(i); err != nil {
					ae := shequ.AsError(err)
					if ae.Code == shequ.EInternal || ae.Code == shequ.EUnavailable {
						return err
					}
					fmt.Fprintln(e.stderr, e.rowError(lines[i], ae.Fields, ae))
					rowErrs = append(rowErrs, registerimport.RowError{Line: lines[i]})
					continue
				}
				written++
				bar.Set(int64(i + 1))
			}
			bar.Done()
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.import."+kind+"_done", map[string]any{"Count": written}))
		if len(rowErrs) > 0 {
			key, msg := "import.rows_rejected", "%d rows were rejected."
			if atomic {
				key, msg = "resident.import.rejected", "%d rows are bad; nothing was written."
			}
			return shequ.Errorf(shequ.EInvalid, key, msg, len(rowErrs)).With(map[string]any{"Count": len(rowErrs)})
		}
		return nil
	})
}
