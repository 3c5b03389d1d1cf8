package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"shequ"
	"shequ/internal/register"
)

// runRegisterImport runs `shequ import <register>` for the register whose
// console name (Plural) is kind; ok is false when there is none.
func runRegisterImport(ctx context.Context, e *env, kind string, args []string) (err error, ok bool) {
	switch kind {
	case register.Orgs.Plural:
		return importRegister(ctx, e, register.Orgs, func(s *services) register.Store[shequ.SocialOrg] {
			return register.OrgStore(s.orgs)
		}, args), true
	case register.Workers.Plural:
		return importRegister(ctx, e, register.Workers, func(s *services) register.Store[shequ.SocialWorker] {
			return register.WorkerStore(s.workers)
		}, args), true
	case register.Volunteers.Plural:
		return importRegister(ctx, e, register.Volunteers, func(s *services) register.Store[shequ.Volunteer] {
			return register.VolunteerStore(s.volunteers)
		}, args), true
	case register.Teams.Plural:
		return importRegister(ctx, e, register.Teams, func(s *services) register.Store[shequ.VolunteerTeam] {
			return register.TeamStore(s.volunteers)
		}, args), true
	case register.Workforce.Plural:
		return importRegister(ctx, e, register.Workforce, func(s *services) register.Store[shequ.WorkforceMember] {
			return register.WorkforceStore(s.workforce)
		}, args), true
	case register.Courses.Plural:
		return importRegister(ctx, e, register.Courses, func(s *services) register.Store[shequ.Course] {
			return register.CourseStore(s.workforce)
		}, args), true
	case register.Facilities.Plural:
		return importRegister(ctx, e, register.Facilities, func(s *services) register.Store[shequ.Facility] {
			return register.FacilityStore(s.facilities)
		}, args), true
	case register.Estates.Plural:
		return importRegister(ctx, e, register.Estates, func(s *services) register.Store[shequ.Estate] {
			return register.EstateStore(s.property)
		}, args), true
	case register.Companies.Plural:
		return importRegister(ctx, e, register.Companies, func(s *services) register.Store[shequ.PropertyCompany] {
			return register.CompanyStore(s.property)
		}, args), true
	}
	return nil, false
}

// importRegister imports a register's CSV or XLSX file with the register
// mechanism (register.Schema.Parse): every bad row is listed with its line
// and reasons (and written to -errors), and the file is written all or
// nothing in one transaction. A register with Import.KeepGoodRows instead
// writes the good rows one by one unless -all-or-nothing is given. The
// schema's import options are boolean flags (-gcj02), and -community gives
// the community of rows without one when the schema allows it.
func importRegister[T any](ctx context.Context, e *env, sc *register.Schema[T], store func(*services) register.Store[T], args []string) error {
	var atomic, quiet bool
	var community, errorsFile string
	options := map[string]*bool{}
	return withServices(ctx, e, "import", args, 1, func(fs *flag.FlagSet) {
		if sc.Import.KeepGoodRows {
			fs.BoolVar(&atomic, "all-or-nothing", false, "write nothing if any row is bad (default: write the good rows, list the bad)")
		}
		fs.BoolVar(&quiet, "quiet", false, "no progress bar")
		fs.StringVar(&errorsFile, "errors", "", "write every rejected line to this CSV file (line,reason)")
		if sc.Import.DefaultCommunity {
			fs.StringVar(&community, "community", "", "the 12-digit community code of rows without a community_code (社区代码) cell")
		}
		for _, o := range sc.Import.Options {
			options[o.Name] = fs.Bool(o.Name, false, o.Usage)
		}
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
		opt := register.ImportOptions{Community: community, Options: map[string]bool{}, Now: s.db.Now(), Labels: e.labels}
		for k, v := range options {
			opt.Options[k] = *v
		}
		if sc.Has(register.KindPerson) {
			opt.Person = func(cell string) (string, error) { return consolePerson(ctx, s, cell) }
		}
		if pick := consolePicks[sc.Name]; pick != nil {
			opt.Pick = func(_, cell string) (string, error) { return pick(ctx, s, cell) }
		}
		parsed, err := sc.Parse(fh, name, opt)
		if err != nil {
			return err
		}
		st := store(s)
		partial := sc.Import.KeepGoodRows && !atomic
		var rep *register.Report
		if partial {
			if rep, err = importGoodRows(ctx, e, parsed, st.Create, quiet); err != nil {
				return err
			}
		} else if rep, err = register.Write(ctx, parsed, st.Import); err != nil {
			return err
		}
		for _, re := range rep.Errors {
			fmt.Fprintln(e.stderr, e.rowError(re.Line, re.Fields, re.Err))
		}
		if errorsFile != "" && len(rep.Errors) > 0 {
			if err := writeRowErrors(errorsFile, rep, func(re register.RowError) string { return e.rowReason(re.Fields, re.Err) }); err != nil {
				return err
			}
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.import."+sc.Plural+"_done", map[string]any{"Count": rep.Written}))
		if n := len(rep.Errors); n > 0 {
			if partial {
				return shequ.Errorf(shequ.EInvalid, "import.rows_rejected", "%d rows were rejected.", n).With(map[string]any{"Count": n})
			}
			return shequ.Errorf(shequ.EInvalid, "resident.import.rejected", "%d rows are bad; nothing was written.", n).
				With(map[string]any{"Count": n})
		}
		return nil
	})
}

// importGoodRows writes the good rows of a parsed file one by one with
// create, showing progress; a row the store refuses joins the bad ones, an
// internal error stops the import.
func importGoodRows[T any](ctx context.Context, e *env, p *register.Parsed[T], create func(context.Context, *T) error, quiet bool) (*register.Report, error) {
	rep := &register.Report{Total: p.Total, Errors: p.Errors}
	bar := newProgress(e.stderr, e.loc.T("cli.import.writing"), e.loc.T("cli.import.rows"), int64(len(p.Records)), quiet)
	for i, x := range p.Records {
		if err := create(ctx, x); err != nil {
			ae := shequ.AsError(err)
			if ae.Code == shequ.EInternal || ae.Code == shequ.EUnavailable {
				return nil, err
			}
			rep.Errors = append(rep.Errors, register.RowError{Line: p.Lines[i], Fields: ae.Fields, Err: ae})
			continue
		}
		rep.Written++
		bar.Set(int64(i + 1))
	}
	bar.Done()
	slices.SortStableFunc(rep.Errors, func(a, b register.RowError) int { return a.Line - b.Line })
	return rep, nil
}

// writeRowErrors writes the rejected rows as CSV (line, reason).
func writeRowErrors(path string, rep *register.Report, reason func(register.RowError) string) error {
	fh, err := os.Create(path)
	if err != nil {
		return shequ.Errorf(shequ.EInvalid, "import.file.create", "Cannot create %s: %v.", path, err).
			With(map[string]any{"File": path, "Reason": err.Error()})
	}
	return errors.Join(rep.WriteCSV(fh, reason), fh.Close())
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

// consolePerson finds the resident an import cell names: an ID number
// (through the blind index) or a resident's id.
func consolePerson(ctx context.Context, s *services, cell string) (string, error) {
	if n, err := shequ.ParseIDNumber(cell, s.db.Now()); err == nil {
		list, _, err := s.residents.FindResidents(ctx, shequ.ResidentFilter{IDNumber: string(n), Limit: 2})
		if err != nil {
			return "", err
		}
		if len(list) != 1 {
			return "", shequ.ErrNotFound
		}
		return list[0].ID, nil
	}
	r, err := s.residents.FindResidentByID(ctx, cell, false)
	if err != nil {
		return "", err
	}
	return r.ID, nil
}

// labels returns a catalogue key's label in every language, so that import
// cells may be written as labels.
func (e *env) labels(key string) []string {
	var out []string
	for _, lang := range e.cat.Languages() {
		if t := e.cat.Localizer(lang).T(key); t != key {
			out = append(out, t)
		}
	}
	return out
}

// consolePicks resolve the cells of a register's Pick and Picks fields on
// the console, by the register's name: a team's members and leader are
// volunteers named by ID number (or volunteer id).
var consolePicks = map[string]func(ctx context.Context, s *services, cell string) (string, error){
	register.Teams.Name: consoleVolunteer,
}

// consoleVolunteer finds the volunteer an import cell names: the ID number
// of the resident who volunteers, or the volunteer's id.
func consoleVolunteer(ctx context.Context, s *services, cell string) (string, error) {
	if _, err := shequ.ParseIDNumber(cell, s.db.Now()); err == nil {
		rid, err := consolePerson(ctx, s, cell)
		if err != nil {
			return "", err
		}
		list, _, err := s.volunteers.FindVolunteers(ctx, shequ.VolunteerFilter{ResidentID: rid, Limit: 1})
		if err != nil {
			return "", err
		}
		if len(list) == 0 {
			return "", shequ.ErrNotFound
		}
		return list[0].ID, nil
	}
	v, err := s.volunteers.FindVolunteerByID(ctx, cell, false)
	if err != nil {
		return "", err
	}
	return v.ID, nil
}
