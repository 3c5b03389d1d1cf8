package register

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a field: how it is typed in a form, written in JSON
// and in a file, and shown.
type Kind int

// Field kinds.
const (
	KindText      Kind = iota // one line of text
	KindLongText              // several lines
	KindInt                   // a whole number with bounds
	KindDecimal               // a decimal number with bounds
	KindMoney                 // an amount: 元 in forms and files, integer 分 in JSON
	KindDate                  // a day (Asia/Shanghai), YYYY-MM-DD
	KindChoice                // one value of an enumeration
	KindChoices               // a set of values of an enumeration
	KindCommunity             // a community (12-digit division code)
	KindCodes                 // a set of community codes
	KindPhone                 // a phone number: personal data, sealed and masked
	KindIDNumber              // an ID number (身份证号): personal data, sealed and masked
	KindPerson                // a resident of the register, by id
	KindLocation              // a WGS-84 position (lat, lng), GCJ-02 accepted
	KindPick                  // one record of another register, by id, picked by name (field_pick.go)
	KindPicks                 // a set of records of another register, by id, picked from a searchable list
)

// Field is one field of a register's record T. Build it with a constructor
// of fields.go and adjust it with its chained setters.
type Field[T any] struct {
	Name string
	Kind Kind
	// Label is the catalogue key of its label (default <schema>.<name>),
	// Hint of an optional hint under its input.
	Label, Hint string
	// Required marks the input as required; the domain's Validate decides.
	Required bool
	// Max bounds a text's characters (the form's maxlength; longer input
	// is an error).
	Max int
	// Min and MaxValue bound a number (Int, Decimal, Money in 分).
	Min, MaxValue float64
	// Values are a choice's identifiers, in display order; Labels the
	// catalogue prefix of their labels (<Labels>.<value>, default the
	// field's label key).
	Values []string
	Labels string
	// Blank is the catalogue key of a choice's empty option on a form
	// ("" none: a value must be chosen).
	Blank string
	// Aliases are more header names of its import column (名称, 社区代码).
	Aliases []string
	// Synonyms map words people write in files to a choice's values
	// (卫生室 → health), beyond the identifiers and catalogue labels.
	Synonyms map[string]string
	// Units are suffixes people write after numbers in files (米, ㎡).
	Units []string
	// Sealed marks personal data: masked on screen and in the API unless
	// revealed; a blank input on edit keeps the stored value.
	Sealed bool
	// DefaultFrom names the field whose value gives this one a default
	// when it is blank (a facility's radius from its kind): a blank value
	// is not blamed when that field is wrong.
	DefaultFrom string
	// Shows lists more error names shown beside this field's input (a
	// location's pair error on "location").
	Shows []string
	// ZeroBlank shows a zero number as an empty input (0 means unknown).
	ZeroBlank bool
	// Link is the page a community links to, its code appended (default
	// /divisions/).
	Link string
	// Normalize, if set, transforms a text as it is read (upper case).
	Normalize func(string) string
	// WhenField and WhenValues make an input count only while another
	// field has one of the values (a credit code only for a registered
	// organization): a form shows it always and clears it otherwise.
	WhenField  string
	WhenValues []string
	// Invalid is the error of an input that cannot be read (a word where a
	// number belongs): catalogue key and English message.
	InvalidKey, InvalidMessage string

	// inputs are the form inputs and JSON keys it reads (default Name);
	// cols its import columns.
	inputs []string
	cols   []column
	// formText gives the form's value of each input.
	formText func(x *T) []string
	// parseOne reads the text of one input (single-input kinds).
	parseOne func(x *T, s string, c *Context) bool
	// parse reads the text of a form or file; get returns an input's text
	// and whether it is there at all.
	parse func(x *T, get func(key string) (string, bool), c *Context)
	// decode reads a JSON body; get returns a key's raw value.
	decode func(x *T, get func(key string) (json.RawMessage, bool), c *Context)
	// put writes its JSON value(s); sealed values are masked unless reveal.
	put func(x *T, reveal bool, put func(key string, v any))
	// show is the value as the show page and the list print it, before
	// localization: text, or a choice's values for their labels.
	show func(x *T, reveal bool) Shown
	// schema is its JSON schema for the OpenAPI document, per key.
	schema map[string]map[string]any
}

// column is one import column with its header aliases.
type column struct {
	name    string
	aliases []string
}

// Shown is a field's value for display: Text as it is, or Values of an
// enumeration whose labels are <Labels>.<value>. Empty means unknown.
type Shown struct {
	Text     string
	Values   []string
	Labels   string
	Date     *time.Time // a day to print in the reader's form
	Unit     string     // catalogue key of a unit after Text (元)
	Number   bool       // a number, aligned right in lists
	Code     bool       // codes to print in a monospace face
	Masked   bool       // a masked personal number
	Division string     // a division code to link to
	Link     string     // the page Division links to, its code appended
}

// Require marks the field required on forms.
func (f *Field[T]) Require() *Field[T] { f.Required = true; return f }

// Alias adds header names of its import column.
func (f *Field[T]) Alias(names ...string) *Field[T] {
	f.Aliases = append(f.Aliases, names...)
	return f
}

// WithHint sets the catalogue key of the hint under its input.
func (f *Field[T]) WithHint(key string) *Field[T] { f.Hint = key; return f }

// WithLabel sets the catalogue key of its label.
func (f *Field[T]) WithLabel(key string) *Field[T] { f.Label = key; return f }

// Invalid sets the error of an input that cannot be read.
func (f *Field[T]) Invalid(key, message string) *Field[T] {
	f.InvalidKey, f.InvalidMessage = key, message
	return f
}

// Synonym adds words of files that mean a choice's values.
func (f *Field[T]) Synonym(m map[string]string) *Field[T] {
	if f.Synonyms == nil {
		f.Synonyms = map[string]string{}
	}
	for k, v := range m {
		f.Synonyms[k] = v
	}
	return f
}

// Labelled sets the catalogue prefix of a choice's value labels.
func (f *Field[T]) Labelled(prefix string) *Field[T] { f.Labels = prefix; return f }

// WithBlank sets the catalogue key of a choice's empty first option.
func (f *Field[T]) WithBlank(key string) *Field[T] { f.Blank = key; return f }

// WithUnits sets the suffixes people write after numbers in files.
func (f *Field[T]) WithUnits(units ...string) *Field[T] { f.Units = units; return f }

// Defaults marks the field as defaulted from another when blank.
func (f *Field[T]) Defaults(from string) *Field[T] { f.DefaultFrom = from; return f }

// Linked makes a community link to page + its code (/coverage/).
func (f *Field[T]) Linked(page string) *Field[T] { f.Link = page; return f }

// Upper reads a text in upper case (codes).
func (f *Field[T]) Upper() *Field[T] { f.Normalize = strings.ToUpper; return f }

// When makes the field count on forms only while field has one of values.
func (f *Field[T]) When(field string, values ...string) *Field[T] {
	f.WhenField, f.WhenValues = field, values
	return f
}

// Pick makes a whole number chosen from Min..Max in a form, each labelled
// <labels>.<n> in the catalogue (a grade: 未评估, 1A … 5A).
func (f *Field[T]) Pick(labels string) *Field[T] {
	f.Labels = labels
	f.Values = nil
	for n := int(f.Min); n <= int(f.MaxValue); n++ {
		f.Values = append(f.Values, strconv.Itoa(n))
	}
	return f
}

// Blanked shows a zero number as an empty input.
func (f *Field[T]) Blanked() *Field[T] { f.ZeroBlank = true; return f }

// Inputs returns the form inputs and JSON keys the field reads.
func (f *Field[T]) Inputs() []string {
	if len(f.inputs) == 0 {
		return []string{f.Name}
	}
	return f.inputs
}

// FormText returns the form's value of each of its inputs for x.
func (f *Field[T]) FormText(x *T) []string { return f.formText(x) }

// Show returns its value for display; sealed values are masked unless
// reveal.
func (f *Field[T]) Show(x *T, reveal bool) Shown { return f.show(x, reveal) }

// JSONSchema returns its JSON schema per key, for the OpenAPI document.
func (f *Field[T]) JSONSchema() map[string]map[string]any { return f.schema }

func (f *Field[T]) columns() []column {
	if len(f.cols) > 0 {
		return f.cols
	}
	return []column{{name: f.Name, aliases: f.Aliases}}
}

// fail records that the field's input cannot be read.
func (f *Field[T]) fail(c *Context, data map[string]any) {
	key, msg := f.InvalidKey, f.InvalidMessage
	if key == "" {
		key, msg = defaultInvalid(f)
	}
	c.Fail(f.Name, key, msg, data)
}

// defaultInvalid is the error of an unreadable input of a kind.
func defaultInvalid[T any](f *Field[T]) (string, string) {
	switch f.Kind {
	case KindInt:
		return "register.number.whole", "Give a whole number in the allowed range."
	case KindDecimal:
		return "register.number.decimal", "Give a number in the allowed range."
	case KindMoney:
		return "money.invalid", "Give an amount in yuan with at most two decimals, e.g. 50000.00."
	case KindDate:
		return "date.invalid", "Give a date as YYYY-MM-DD."
	case KindChoice, KindChoices:
		return f.Labels + ".invalid", "Unknown value."
	case KindPhone:
		return "phone.invalid", "Give a mobile (11 digits) or landline number."
	case KindIDNumber:
		return "id_number.invalid", "Give a valid 18-character resident ID number."
	}
	return "register.value.invalid", "This value cannot be read."
}

// label maps a cell or input to one of the choice's values: its identifier
// (any case), a synonym, or (in files) a catalogue label in any language.
func (f *Field[T]) label(v string, c *Context) (string, bool) {
	for _, x := range f.Values {
		if strings.EqualFold(v, x) {
			return x, true
		}
	}
	if !c.Import {
		return "", false
	}
	if x, ok := f.Synonyms[v]; ok {
		return x, true
	}
	if c.Labels != nil {
		for _, x := range f.Values {
			for _, l := range c.Labels(f.Labels + "." + x) {
				if strings.EqualFold(v, l) {
					return x, true
				}
			}
		}
	}
	return "", false
}

// splitList splits a form value or cell of several values on the
// separators people type: commas (ASCII or Chinese), 顿号, semicolons,
// vertical bars, spaces and new lines.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ',', '，', '、', ';', '；', '|', ' ', '\n', '\r', '\t':
			return true
		}
		return false
	})
}
