package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"shequ"
	"shequ/internal/residentimport"
)

// runImportResidents imports a resident list (CSV or XLSX) all or nothing:
// a file with any bad row writes nothing, and every bad row is listed.
func runImportResidents(ctx context.Context, e *env, args []string) error {
	var community string
	return withServices(ctx, e, "import", args, 1, func(fs *flag.FlagSet) {
		fs.StringVar(&community, "community", "", "the 12-digit community code of every row (unless the file has a community_code column)")
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		name := fs.Arg(0)
		fh, err := os.Open(name)
		if err != nil {
			return shequ.Errorf(shequ.EInvalid, "import.file.open", "Cannot open %s: %v.", name, err).
				With(map[string]any{"File": name, "Reason": err.Error()})
		}
		defer fh.Close()
		f, err := residentimport.Parse(fh, name, community, s.db.Now())
		if err != nil {
			return err
		}
		for _, re := range f.Errors {
			fmt.Fprintln(e.stderr, e.residentRowError(re))
		}
		if len(f.Errors) > 0 {
			return shequ.Errorf(shequ.EInvalid, "resident.import.rejected", "%d rows are bad; nothing was written.", len(f.Errors)).
				With(map[string]any{"Count": len(f.Errors)})
		}
		if err := s.residents.ImportResidents(ctx, f.Residents); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.import.residents_done", map[string]any{"Count": len(f.Residents)}))
		return nil
	})
}

// residentRowError renders a rejected resident row in the operator's language.
func (e *env) residentRowError(re residentimport.RowError) string {
	return e.rowError(re.Line, re.Fields, re.Err)
}

// rowError renders a rejected row of any import: its field errors, or the
// row-level error when it has none.
func (e *env) rowError(line int, fields []shequ.FieldError, err *shequ.Error) string {
	reason := ""
	if len(fields) > 0 {
		parts := make([]string, len(fields))
		for i, f := range fields {
			parts[i] = e.loc.T("cli.import.field_error", map[string]any{"Field": e.loc.T("field." + f.Field), "Message": e.loc.FieldError(f)})
		}
		reason = strings.Join(parts, "; ")
	} else if err != nil {
		reason = e.loc.Error(err)
	}
	return e.loc.T("cli.import.line_error", map[string]any{"Line": line, "Reason": reason})
}
