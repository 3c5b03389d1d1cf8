// Package register is the one register mechanism of shequ: a register (台账)
// of records — social organizations, social workers, facilities, estates,
// people under care, volunteers — is declared once as a Schema, and the
// mechanism reads it into records from a form, a JSON body and the rows of a
// CSV or XLSX file, checks it with the domain's validation, and describes it
// to the web pages (list, show, form, import), the JSON API, its OpenAPI
// entries and the console import.
//
// A Schema lists typed fields built with the constructors of fields.go
// (Text, LongText, Int, Decimal, Money, Date, Choice, Choices, Community,
// Codes, Phone, IDNumber, Person, Location), each bound to the record with a
// pointer accessor:
//
//	register.Text("name", 100, func(e *shequ.Estate) *string { return &e.Name }).Require()
//
// The same field then serves the form input "name", the JSON key "name" and
// the import column "name" (with the aliases given, e.g. "小区名称"), and is
// labelled <Schema.Name>.name in the message catalogue. The domain rule
// stays in package shequ: Schema.Validate calls the record's Validate, and
// the mechanism adds what only it can know (a cell that is not a number, a
// choice label nobody knows), reporting every error of a record at once.
//
// Storage is the resource's own: Store binds the service's Find, List,
// Create, Update and Import, which authorize, audit and write in one
// transaction as every store does. internal/web mounts a Schema with its
// Store (see internal/web/register_routes.go and "Adding a register" in
// README.md).
package register

import (
	"fmt"
	"strings"
	"time"

	"shequ"
)

// Schema declares one register of records T.
type Schema[T any] struct {
	// Name keys the register: its catalogue texts are <Name>.list.title,
	// <Name>.new.title, <Name>.edit.title, <Name>.list.count,
	// <Name>.list.none, <Name>.created, <Name>.saved, <Name>.back,
	// <Name>.import.title, <Name>.import.intro and one label per field
	// (<Name>.<field>); its DOM ids start with Name.
	Name string
	// Type names its JSON form in the OpenAPI document (SocialOrg; the
	// input is <Type>Input, a page of the list <Type>List).
	Type string
	// Plural names it on the console (`shequ import <Plural>`, the message
	// cli.import.<Plural>_done) and in the API (/api/v1/<Path>).
	Plural string
	// Read guards the list, show pages and GET endpoints; Write the forms,
	// POST and PATCH; Bulk the upload page and the import endpoint. The
	// store checks them again with scope and ownership.
	Read, Write, Bulk shequ.Action
	// Reveal, if set, is the action that may see sealed fields in clear
	// (a POST on the show page, ?reveal=1 in the API); reads are audited by
	// the store.
	Reveal shequ.Action

	// Fields in form order.
	Fields []*Field[T]
	// Columns name the fields shown in the list, in order; the first links
	// to the record.
	Columns []string
	// Filters of the list and the API, in the form's order.
	Filters []Filter
	// Sorts are the orders a list may ask for (sort=<name>); the first is
	// the default. Empty: the store's one order.
	Sorts []string
	// PageSize is the rows of a list page (20 if 0).
	PageSize int

	// New returns a record with its defaults, for a new form and for every
	// imported row.
	New func() *T
	// ID, Community and Title read a record's id, the division it belongs
	// to (scope checks) and the text naming it (the show page's heading).
	ID, Community, Title func(*T) string
	// Visible, if set, reports whether a record lies in the area of an
	// actor scoped at scope, for one that belongs to more than its
	// Community (an estate spanning communities, a company serving the
	// divisions above and below its own); nil: its Community is at or
	// below scope. Writes still check Community.
	Visible func(x *T, scope string) bool
	// Times reads when the record was created and last updated (the API's
	// created_at and updated_at); nil omits them.
	Times func(*T) (created, updated time.Time)
	// Validate is the domain's check of a whole record (usually its
	// Validate method), returning shequ field errors. It may normalize.
	Validate func(x *T, now time.Time) error
	// Extra adds computed read-only values to the JSON form of a record
	// (the number of photos, a derived flag), after the fields; ExtraSchema
	// documents them (JSON schema by key).
	Extra       func(x *T, put func(key string, v any))
	ExtraSchema map[string]map[string]any

	// Import describes the file import; nil: the register has none.
	Import *Import[T]

	fields map[string]*Field[T]
}

// Import describes how a register is imported from a CSV or XLSX file. An
// import is all or nothing: a file with a bad row writes nothing and every
// bad row is listed with its line and reasons.
type Import[T any] struct {
	// Required lists the fields whose column a file must have.
	Required []string
	// Unique lists keys that may not repeat within one file.
	Unique []Unique[T]
	// Options are choices made for the whole file (the coordinate system
	// of its positions…), asked on the upload page, as a console flag and
	// as an API query parameter.
	Options []Option
	// DefaultCommunity lets the file leave the community column out or
	// blank: the upload page and the console (-community) give it.
	DefaultCommunity bool
	// KeepGoodRows makes the console write the good rows of a file with
	// bad ones unless -all-or-nothing is given (the console import of
	// organizations and social workers did so before this mechanism). The
	// page and the API are always all or nothing.
	KeepGoodRows bool
}

// Unique is a key that may not repeat within one import file; the later
// row gets the error on Field, with the rows in its data (Row, FirstRow).
type Unique[T any] struct {
	Field   string
	Key     func(*T) string // "" is not checked
	ErrKey  string
	Message string
}

// Option is a choice made for a whole import (a checkbox on the page, a
// boolean console flag, ?name=1 in the API).
type Option struct {
	Name  string // the flag, form field and parameter name ("gcj02")
	Label string // catalogue key of the checkbox's label
	Usage string // the console flag's usage text
}

// FilterKind is what a list filter selects on.
type FilterKind int

// Filter kinds.
const (
	// FilterCommunity narrows to a division (default: the actor's scope).
	FilterCommunity FilterKind = iota
	// FilterChoice selects one value of a choice field.
	FilterChoice
	// FilterText matches part of the record's name (parameter q).
	FilterText
	// FilterDateRange bounds a date field: <name>_from and <name>_to.
	FilterDateRange
)

// Filter is one filter of a register's list.
type Filter struct {
	Kind FilterKind
	// Name is the query parameter ("community", "kind", "q") and, for
	// choices and date ranges, the field it filters on.
	Name string
	// APIName, if set, is the API's parameter instead of Name (the
	// facilities API says community_code where its page says community).
	APIName string
	// Label is the catalogue key of its label; default the field's.
	Label string
}

// Param is the query parameter of the filter in the API (api) or a page.
func (f Filter) Param(api bool) string {
	if api && f.APIName != "" {
		return f.APIName
	}
	return f.Name
}

// Init checks the declaration and indexes its fields. It panics on a
// mistake (a repeated field or alias, a column or filter naming no field):
// declarations are constants of the program, checked by its tests.
func (s *Schema[T]) Init() *Schema[T] {
	if s.fields != nil {
		return s
	}
	if s.Name == "" || s.Plural == "" || s.Type == "" || s.New == nil || s.ID == nil || s.Community == nil || s.Title == nil || s.Validate == nil {
		panic("register: schema " + s.Name + " lacks Name, Type, Plural, New, ID, Community, Title or Validate")
	}
	s.fields = map[string]*Field[T]{}
	keys := map[string]string{}
	for _, f := range s.Fields {
		if f.Label == "" {
			f.Label = s.Name + "." + f.Name
		}
		if f.Kind == KindChoice || f.Kind == KindChoices {
			if f.Labels == "" {
				f.Labels = f.Label
			}
		}
		if _, dup := s.fields[f.Name]; dup {
			panic("register: schema " + s.Name + " repeats field " + f.Name)
		}
		s.fields[f.Name] = f
		for _, c := range f.columns() {
			for _, a := range append([]string{c.name}, c.aliases...) {
				a = strings.ToLower(a)
				if other, dup := keys[a]; dup {
					panic(fmt.Sprintf("register: schema %s: column %q of %s is also %s's", s.Name, a, f.Name, other))
				}
				keys[a] = f.Name
			}
		}
	}
	for _, c := range s.Columns {
		if s.fields[c] == nil {
			panic("register: schema " + s.Name + " lists unknown column " + c)
		}
	}
	for _, f := range s.Filters {
		if (f.Kind == FilterChoice || f.Kind == FilterDateRange) && s.fields[f.Name] == nil {
			panic("register: schema " + s.Name + " filters on unknown field " + f.Name)
		}
	}
	if s.Import != nil {
		for _, r := range s.Import.Required {
			if s.fields[r] == nil {
				panic("register: schema " + s.Name + " requires unknown column " + r)
			}
		}
	}
	if s.PageSize == 0 {
		s.PageSize = 20
	}
	return s
}

// Has reports whether the schema has a field of kind k.
func (s *Schema[T]) Has(k Kind) bool {
	for _, f := range s.Init().Fields {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// Field returns the field named name, nil if there is none.
func (s *Schema[T]) Field(name string) *Field[T] { return s.Init().fields[name] }

// Check validates x after it was read with c: the domain's errors joined to
// the reading errors, all of them at once. A field that could not be read
// is not blamed twice; a sealed field the input left as it was is the
// store's business on edit; a blank field defaulted from another that is
// wrong (DefaultFrom) is not blamed for it.
func (s *Schema[T]) Check(x *T, c *Context) error {
	out := append(shequ.FieldErrors(nil), c.errs...)
	faulted := map[string]bool{}
	for _, e := range out {
		faulted[e.Field] = true
	}
	if err := s.Validate(x, c.now()); err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid {
			return err
		}
		if len(e.Fields) == 0 {
			return err
		}
		for _, fe := range e.Fields {
			if faulted[fe.Field] || s.excused(fe.Field, c, faulted) {
				continue
			}
			out = append(out, fe)
		}
	}
	return out.Err()
}

// excused reports whether the validation errors of field are set aside.
func (s *Schema[T]) excused(field string, c *Context, faulted map[string]bool) bool {
	f := s.Field(field)
	if f == nil {
		return false
	}
	if f.Sealed && c.Edit && !c.given[field] {
		return true
	}
	return f.DefaultFrom != "" && c.blank[field] && faulted[f.DefaultFrom]
}

// Context carries one reading of a record: when it happens, from where, and
// the errors found. The zero value reads a form or a JSON body now.
type Context struct {
	// Now dates the checks (ID numbers, years); zero means time.Now.
	Now time.Time
	// Import reads file cells: choice labels in Chinese, numbers with
	// their units, dates as spreadsheets write them (2024/3/1).
	Import bool
	// Edit reads onto a stored record: a blank sealed input keeps it.
	Edit bool
	// Options are the import's options (Option.Name → set).
	Options map[string]bool
	// Labels, if set, gives the catalogue's label of a key in every
	// language, so that a choice cell may be written as its label.
	Labels func(key string) []string

	errs  shequ.FieldErrors
	given map[string]bool
	blank map[string]bool
}

func (c *Context) now() time.Time {
	if c.Now.IsZero() {
		return time.Now()
	}
	return c.Now
}

// Fail records a field error.
func (c *Context) Fail(field, key, message string, data map[string]any) {
	c.errs.Add(field, key, message, data)
}

// Err returns the reading errors so far.
func (c *Context) Err() error { return c.errs.Err() }

// Given reports whether the input set field (a JSON key present, a form
// input not left blank for a sealed field, an import column present).
func (c *Context) Given(field string) bool { return c.given[field] }

func (c *Context) mark(field string, blank bool) {
	if c.given == nil {
		c.given, c.blank = map[string]bool{}, map[string]bool{}
	}
	c.given[field] = true
	if blank {
		c.blank[field] = true
	}
}
