package register

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"shequ"
	"shequ/internal/tabular"
)

// MaxRows bounds the data rows of one import file.
const MaxRows = 200_000

// RowError is a rejected row of an import file: its line (1 is the header)
// and field errors, or the store's error of the row when it has no fields.
type RowError struct {
	Line   int
	Fields []shequ.FieldError
	Err    *shequ.Error
}

// Parsed is an import file read into records.
type Parsed[T any] struct {
	Records []*T
	Lines   []int // Lines[i] is the line of Records[i]
	Errors  []RowError
	Total   int // rows read, blank rows not counted
}

// ImportOptions are what an import is given besides the file.
type ImportOptions struct {
	// Community is the community of rows without one, when the schema's
	// Import.DefaultCommunity allows it.
	Community string
	// Options are the schema's Import.Options that are set.
	Options map[string]bool
	// Now dates the checks; zero is time.Now.
	Now time.Time
	// Labels gives a catalogue key's label in every language, so that
	// choice cells may be written as labels (为民服务).
	Labels func(key string) []string
	// Person finds the resident a Person cell names (an ID number, or a
	// resident's id) and returns their id; an error refuses the row. Nil:
	// the cell is taken as the id.
	Person func(cell string) (id string, err error)
	// Pick finds the record of another register a cell of a Pick or Picks
	// field names (each item of a Picks cell) and returns its id; an error
	// refuses the row (ENotFound: the field names the cell). Nil: the cell
	// is taken as the id.
	Pick func(field, cell string) (id string, err error)
}

// Parse reads an import file (CSV or XLSX, by its name) into records:
// every row is read and checked like a form (Check), a repeated Unique key
// is an error of the later row, and a bad row is listed with its line and
// all its errors. Header problems (an unknown or repeated column, a
// required one missing) fail the whole file.
func (s *Schema[T]) Parse(r io.Reader, filename string, opt ImportOptions) (*Parsed[T], error) {
	s.Init()
	if s.Import == nil {
		return nil, shequ.Errorf(shequ.EInvalid, "register.import.none", "This register cannot be imported.")
	}
	rows, err := tabular.Read(r, filename, MaxRows)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, shequ.Errorf(shequ.EInvalid, "import.header.empty", "The file is empty; the first line must be a header such as code,name.")
	}
	idx, err := s.header(rows[0], opt)
	if err != nil {
		return nil, err
	}
	community := s.communityField()
	out := &Parsed[T]{}
	seen := make([]map[string]int, len(s.Import.Unique))
	for i := range seen {
		seen[i] = map[string]int{}
	}
	for i, rec := range rows[1:] {
		if tabular.Blank(rec) {
			continue
		}
		out.Total++
		line := i + 2
		get := func(key string) (string, bool) {
			j, ok := idx[key]
			v := ""
			if ok && j < len(rec) {
				v = strings.TrimSpace(rec[j])
			}
			if key == community && v == "" && opt.Community != "" {
				return opt.Community, true
			}
			return v, ok
		}
		x := s.New()
		c := &Context{Now: opt.Now, Import: true, Options: opt.Options, Labels: opt.Labels}
		for _, f := range s.Fields {
			f.parse(x, get, c)
			if f.Kind == KindPerson && opt.Person != nil {
				if cell := f.formText(x)[0]; cell != "" {
					id, err := opt.Person(cell)
					if err != nil {
						if shequ.ErrorCode(err) != shequ.ENotFound {
							return nil, err
						}
						// An ID number is echoed masked: the report is
						// shown and downloaded, and says nothing of it.
						q := cell
						if _, err := shequ.ParseIDNumber(cell, c.now()); err == nil {
							q = shequ.Mask(shequ.PersonalIDNumber, cell)
						}
						c.Fail(f.Name, "register.person.none", "No resident of your area has this name or ID number.", map[string]any{"Q": q})
					}
					f.parseOne(x, id, c)
				}
			}
		}
		if err := s.resolvePicks(x, opt, c); err != nil {
			return nil, err
		}
		err := s.Check(x, c)
		if err == nil {
			err = s.unique(x, line, seen)
		}
		if err != nil {
			e := shequ.AsError(err)
			if e.Code != shequ.EInvalid {
				return nil, err
			}
			out.Errors = append(out.Errors, RowError{Line: line, Fields: e.Fields, Err: e})
			continue
		}
		out.Records = append(out.Records, x)
		out.Lines = append(out.Lines, line)
	}
	return out, nil
}

// header maps the columns of a file's header to their positions by
// canonical column name.
func (s *Schema[T]) header(head []string, opt ImportOptions) (map[string]int, error) {
	names := map[string]string{}
	for _, f := range s.Fields {
		for _, c := range f.columns() {
			for _, a := range append([]string{c.name}, c.aliases...) {
				names[strings.ToLower(a)] = c.name
			}
		}
	}
	idx := map[string]int{}
	for i, h := range head {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		c, ok := names[strings.ToLower(h)]
		if !ok {
			return nil, shequ.Errorf(shequ.EInvalid, "register.import.column", "Unknown column %q.", h).With(map[string]any{"Column": h})
		}
		if _, dup := idx[c]; dup {
			return nil, shequ.Errorf(shequ.EInvalid, "import.header.duplicate", "Column %q appears twice.", h).With(map[string]any{"Column": h})
		}
		idx[c] = i
	}
	for _, f := range s.Fields {
		if cols := f.columns(); len(cols) > 1 {
			n := 0
			for _, c := range cols {
				if _, ok := idx[c.name]; ok {
					n++
				}
			}
			if n > 0 && n < len(cols) {
				return nil, shequ.Errorf(shequ.EInvalid, "import.header.latlng", "Columns lat and lng come together.")
			}
		}
	}
	for _, r := range s.Import.Required {
		if _, ok := idx[r]; ok || (r == s.communityField() && opt.Community != "") {
			continue
		}
		return nil, shequ.Errorf(shequ.EInvalid, "register.import.required", "The header lacks the column %s.", r).With(map[string]any{"Column": r})
	}
	return idx, nil
}

// communityField names the field of the record's community, "" if none.
func (s *Schema[T]) communityField() string {
	for _, f := range s.Fields {
		if f.Kind == KindCommunity {
			return f.Name
		}
	}
	return ""
}

// unique checks the Unique keys of x against the earlier rows.
func (s *Schema[T]) unique(x *T, line int, seen []map[string]int) error {
	var fe shequ.FieldErrors
	for i, u := range s.Import.Unique {
		k := u.Key(x)
		if k == "" {
			continue
		}
		if first, dup := seen[i][k]; dup {
			fe.Add(u.Field, u.ErrKey, u.Message, map[string]any{"Row": line, "FirstRow": first})
			continue
		}
		seen[i][k] = line
	}
	return fe.Err()
}

// Report is the outcome of an import: rows read, rows written (0 when the
// file was refused: an import is all or nothing) and the rejected rows.
type Report struct {
	Total   int
	Written int
	Errors  []RowError
}

// Write writes a parsed file all or nothing with write (the store's import
// in one transaction). A file with bad rows is not written; the store's
// refusal of one row (a community that does not exist, one outside the
// caller's scope), which names the 1-based row in its Data["Row"], becomes
// that row's error on its line. Other errors are returned.
func Write[T any](ctx context.Context, p *Parsed[T], write func(ctx context.Context, xs []*T) error) (*Report, error) {
	rep := &Report{Total: p.Total, Errors: p.Errors}
	if len(p.Errors) > 0 {
		return rep, nil
	}
	if len(p.Records) == 0 {
		return rep, nil
	}
	if err := write(ctx, p.Records); err != nil {
		ae := shequ.AsError(err)
		row, ok := ae.Data["Row"].(int)
		if !ok || row < 1 || row > len(p.Lines) || ae.Code == shequ.EInternal || ae.Code == shequ.EUnavailable {
			return nil, err
		}
		rep.Errors = append(rep.Errors, RowError{Line: p.Lines[row-1], Fields: ae.Fields, Err: ae})
		return rep, nil
	}
	rep.Written = len(p.Records)
	return rep, nil
}

// WriteCSV writes the rejected rows as CSV (line, reason), the file a
// person downloads to correct theirs; reason words one row's errors.
func (r *Report) WriteCSV(w io.Writer, reason func(RowError) string) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"line", "reason"})
	for _, e := range r.Errors {
		_ = cw.Write([]string{strconv.Itoa(e.Line), reason(e)})
	}
	cw.Flush()
	return cw.Error()
}

// resolvePicks turns the cells of the Pick and Picks fields of an imported
// row into the ids the records have (opt.Pick); a cell naming nothing is a
// field error of the row, its ID number echoed masked.
func (s *Schema[T]) resolvePicks(x *T, opt ImportOptions, c *Context) error {
	if opt.Pick == nil {
		return nil
	}
	for _, f := range s.Fields {
		if f.Kind != KindPick && f.Kind != KindPicks {
			continue
		}
		cells := splitList(f.formText(x)[0])
		if f.Kind == KindPick {
			cells = []string{strings.TrimSpace(f.formText(x)[0])}
		}
		var ids []string
		for _, cell := range cells {
			if cell == "" {
				continue
			}
			id, err := opt.Pick(f.Name, cell)
			if err != nil {
				if shequ.ErrorCode(err) != shequ.ENotFound {
					return err
				}
				q := cell
				if _, err := shequ.ParseIDNumber(cell, c.now()); err == nil {
					q = shequ.Mask(shequ.PersonalIDNumber, cell)
				}
				c.Fail(f.Name, "register.pick.none", "No record of your area matches this cell.", map[string]any{"Q": q})
				continue
			}
			ids = append(ids, id)
		}
		f.parseOne(x, strings.Join(ids, ","), c)
	}
	return nil
}
