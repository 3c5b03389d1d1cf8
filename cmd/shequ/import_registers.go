package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"shequ"
	"shequ/internal/registerimport"
)

// runImportRegister imports an organization or social worker register (CSV
// or XLSX) all or nothing: a file with any bad row writes nothing.
func runImportRegister(ctx context.Context, e *env, kind string, args []string) error {
	return withServices(ctx, e, "import", args, 1, nil, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		name := fs.Arg(0)
		fh, err := os.Open(name)
		if err != nil {
			return shequ.Errorf(shequ.EInvalid, "import.file.open", "Cannot open %s: %v.", name, err).
				With(map[string]any{"File": name, "Reason": err.Error()})
		}
		defer fh.Close()
		var rowErrs []registerimport.RowError
		var n int
		switch kind {
		case "orgs":
			f, err := registerimport.ParseOrgs(fh, name)
			if err != nil {
				return err
			}
			rowErrs, n = f.Errors, len(f.Orgs)
			if len(rowErrs) == 0 {
				err = s.orgs.ImportOrgs(ctx, f.Orgs)
			}
			if err != nil {
				return err
			}
		default:
			f, err := registerimport.ParseWorkers(fh, name, s.db.Now())
			if err != nil {
				return err
			}
			rowErrs, n = f.Errors, len(f.Workers)
			if len(rowErrs) == 0 {
				err = s.workers.ImportWorkers(ctx, f.Workers)
			}
			if err != nil {
				return err
			}
		}
		for _, re := range rowErrs {
			parts := make([]string, len(re.Fields))
			for i, f := range re.Fields {
				parts[i] = e.loc.T("cli.import.field_error", map[string]any{"Field": e.loc.T("field." + f.Field), "Message": e.loc.FieldError(f)})
			}
			fmt.Fprintln(e.stderr, e.loc.T("cli.import.row_error", map[string]any{"Line": re.Line, "Code": "", "Reason": strings.Join(parts, "; ")}))
		}
		if len(rowErrs) > 0 {
			return shequ.Errorf(shequ.EInvalid, "resident.import.rejected", "%d rows are bad; nothing was written.", len(rowErrs)).
				With(map[string]any{"Count": len(rowErrs)})
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.import."+kind+"_done", map[string]any{"Count": n}))
		return nil
	})
}
