package main

import (
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
	"shequ/internal/registerimport"
	"shequ/internal/web"
)

// runImportFacilities imports a facility register (CSV or XLSX) all or
// nothing: a file with any bad line writes nothing, and every bad line is
// listed with its reason (and written to -errors). With -gcj02 the
// coordinates are GCJ-02 and are converted to WGS-84.
func runImportFacilities(ctx context.Context, e *env, args []string) error {
	var community, errorsFile string
	var gcj02 bool
	return withServices(ctx, e, "import", args, 1, func(fs *flag.FlagSet) {
		fs.StringVar(&community, "community", "", "the 12-digit community code of rows without a community_code (社区代码) cell")
		fs.BoolVar(&gcj02, "gcj02", false, "the coordinates are GCJ-02 (from a Chinese web map): convert them to WGS-84")
		fs.StringVar(&errorsFile, "errors", "", "write every rejected line to this CSV file (line,reason)")
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		if community != "" && (shequ.ValidateDivisionCode(community) != nil || len(community) != 12) {
			return shequ.Errorf(shequ.EInvalid, "resident.community.invalid", "Give the 12-digit code of a community.")
		}
		name := fs.Arg(0)
		fh, err := os.Open(name)
		if err != nil {
			return shequ.Errorf(shequ.EInvalid, "import.file.open", "Cannot open %s: %v.", name, err).
				With(map[string]any{"File": name, "Reason": err.Error()})
		}
		defer fh.Close()
		rep, reasons, err := e.importFacilities(ctx, s.facilities, fh, name,
			registerimport.FacilityOptions{Community: community, GCJ02: gcj02})
		if err != nil {
			return err
		}
		for _, re := range rep.Errors {
			fmt.Fprintln(e.stderr, re.Message)
		}
		if errorsFile != "" && len(rep.Errors) > 0 {
			if err := writeLineErrors(errorsFile, rep.Errors, reasons); err != nil {
				return err
			}
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.import.facilities_done", map[string]any{"Count": rep.Written}))
		if len(rep.Errors) > 0 {
			return shequ.Errorf(shequ.EInvalid, "resident.import.rejected", "%d rows are bad; nothing was written.", len(rep.Errors)).
				With(map[string]any{"Count": len(rep.Errors)})
		}
		return nil
	})
}

// importFacilities parses a facility file and, when every line is good,
// writes it in one transaction. Rejected lines come back in the report
// (rendered in e's language) with their bare reasons, not as an error; the
// store's refusal of one row (a community that does not exist, one outside
// the caller's scope) is reported on that row's line. Both the command and
// the upload page use it.
func (e *env) importFacilities(ctx context.Context, svc shequ.FacilityService, r io.Reader, filename string,
	opt registerimport.FacilityOptions) (*web.ResidentImportReport, []string, error) {
	f, err := registerimport.ParseFacilities(r, filename, opt)
	if err != nil {
		return nil, nil, err
	}
	rep := &web.ResidentImportReport{Total: f.Total}
	var reasons []string
	for _, re := range f.Errors {
		rep.Errors = append(rep.Errors, web.RowError{Line: re.Line, Message: e.rowError(re.Line, re.Fields, nil)})
		reasons = append(reasons, e.rowReason(re.Fields, nil))
	}
	if len(rep.Errors) > 0 {
		return rep, reasons, nil
	}
	if err := svc.ImportFacilities(ctx, f.Facilities); err != nil {
		ae := shequ.AsError(err)
		row, ok := ae.Data["Row"].(int)
		if !ok || row < 1 || row > len(f.Lines) || ae.Code == shequ.EInternal || ae.Code == shequ.EUnavailable {
			return nil, nil, err
		}
		line := f.Lines[row-1]
		rep.Errors = append(rep.Errors, web.RowError{Line: line, Message: e.rowError(line, ae.Fields, ae)})
		return rep, append(reasons, e.rowReason(ae.Fields, ae)), nil
	}
	rep.Written = len(f.Facilities)
	return rep, reasons, nil
}

// rowReason is the reason part of rowError: the field errors, or the
// row-level error when there are none.
func (e *env) rowReason(fields []shequ.FieldError, err *shequ.Error) string {
	if len(fields) == 0 {
		if err == nil {
			return ""
		}
		return e.loc.Error(err)
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = e.loc.T("cli.import.field_error", map[string]any{"Field": e.loc.T("field." + f.Field), "Message": e.loc.FieldError(f)})
	}
	return strings.Join(parts, "; ")
}

// writeLineErrors writes rejected lines as CSV: line, reason.
func writeLineErrors(path string, rows []web.RowError, reasons []string) error {
	fh, err := os.Create(path)
	if err != nil {
		return shequ.Errorf(shequ.EInvalid, "import.file.create", "Cannot create %s: %v.", path, err).
			With(map[string]any{"File": path, "Reason": err.Error()})
	}
	w := csv.NewWriter(fh)
	w.Write([]string{"line", "reason"})
	for i, re := range rows {
		w.Write([]string{strconv.Itoa(re.Line), reasons[i]})
	}
	w.Flush()
	return errors.Join(w.Error(), fh.Close())
}
