package shequ

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Channel is how a request reaches the community (受理渠道).
type Channel string

// Channels.
const (
	ChannelOnline Channel = "online" // 网上申请: the resident in the portal or an app
	ChannelWindow Channel = "window" // 窗口受理: a worker at the front desk acting for the resident
	ChannelAgency Channel = "agency" // 委托代办: an agent under a delegation
	ChannelPhone  Channel = "phone"  // 电话受理: a worker taking a phone call
)

// Channels lists the channels.
var Channels = []Channel{ChannelOnline, ChannelWindow, ChannelAgency, ChannelPhone}

// Valid reports whether c is one of Channels.
func (c Channel) Valid() bool { return oneOf(c, Channels) }

// FieldType is the type of a field of an item's form.
type FieldType string

// Field types; Open311 calls them datatypes (string, number, datetime, text,
// singlevaluelist, multivaluelist).
const (
	FieldString         FieldType = "string"
	FieldNumber         FieldType = "number"
	FieldDatetime       FieldType = "datetime"
	FieldText           FieldType = "text"
	FieldSingleChoice   FieldType = "single_choice"
	FieldMultipleChoice FieldType = "multiple_choice"
	// FieldPhone and FieldIDNumber hold personal data: checked and
	// normalized as the register's numbers are, sealed at rest, shown
	// masked and revealed only with the permission, audited.
	FieldPhone    FieldType = "phone"
	FieldIDNumber FieldType = "id_number"
)

// FieldTypes lists the field types.
var FieldTypes = []FieldType{FieldString, FieldNumber, FieldDatetime, FieldText, FieldSingleChoice, FieldMultipleChoice,
	FieldPhone, FieldIDNumber}

// Choice is one answer of a single- or multiple-choice field.
type Choice struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// FormField is one field of an item's application form.
type FormField struct {
	Code        string    `json:"code"` // [a-z0-9_]{1,40}, unique in the form
	Label       string    `json:"label"`
	Description string    `json:"description,omitempty"`
	Type        FieldType `json:"type"`
	Required    bool      `json:"required"`
	Order       int       `json:"order"`
	Choices     []Choice  `json:"choices,omitempty"`
	// Min and Max bound a number field (both required for one: a 家庭人口数
	// of -1 is a typing error, not an answer); Integer asks for whole
	// numbers.
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
	Integer bool     `json:"integer,omitempty"`
	// Personal marks a string or text field as personal data (an
	// address, a name of someone else): PersonalAddress or PersonalText.
	// Phone and ID-number fields are personal by their type.
	Personal Personal `json:"personal,omitempty"`
	// When bounds a date-time field: WhenPast (not after now, at most 150
	// years back: a birth, an event that happened) or WhenFuture (from
	// today, at most two years on: an appointment, a due date); "" any
	// time from 1900 to 2200.
	When string `json:"when,omitempty"`
}

// PersonalKind returns how the field's values are masked, "" when they are
// not personal.
func (f FormField) PersonalKind() Personal {
	switch f.Type {
	case FieldPhone:
		return PersonalPhone
	case FieldIDNumber:
		return PersonalIDNumber
	}
	return f.Personal
}

// Bounds of date-time fields (FormField.When).
const (
	WhenPast   = "past"
	WhenFuture = "future"
)

// MaterialForm says whether a material is handed over as an original, a copy
// or both (原件/复印件).
type MaterialForm string

// Material forms.
const (
	MaterialOriginal MaterialForm = "original"          // 原件
	MaterialCopy     MaterialForm = "copy"              // 复印件
	MaterialBoth     MaterialForm = "original_and_copy" // 原件和复印件
)

// Material is one entry of an item's checklist (申请材料).
type Material struct {
	Name     string       `json:"name"`
	Form     MaterialForm `json:"form"`
	Copies   int          `json:"copies"`
	Required bool         `json:"required"`
	Note     string       `json:"note,omitempty"`
}

// ServiceItem is a public service item offered down to communities (服务事项),
// with the facts of its 办事指南 and its application form.
type ServiceItem struct {
	Code          string // e.g. MZ-001; unique
	Name          string // 事项名称
	Department    string // 实施主体/承办部门
	Category      string // 就业, 社会保障, 卫生, 文化, 体育, 社会治安, 民政, 农业…
	Audience      string // 服务对象
	Conditions    string // 受理条件
	Materials     []Material
	Process       string // 办理流程
	LegalDays     int    // 法定时限 in working days, 0 when the law sets none
	TimeLimitDays int    // 承诺时限 in working days, ≥ 1
	FeeFen        int64  // 收费标准 in 分; 0 is free
	LegalBasis    string // 设定依据
	Place         string // 办理地点和时间
	Phone         string // 咨询电话
	Complaint     string // 监督投诉
	Channels      []Channel
	Divisions     []string // division codes that offer it (at and below each); empty: everywhere
	Form          []FormField
	Active        bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Offers reports whether the item is offered in a community (12 digits).
func (it *ServiceItem) Offers(community string) bool {
	if len(it.Divisions) == 0 {
		return true
	}
	for _, d := range it.Divisions {
		if IsAncestorOrSelf(d, community) {
			return true
		}
	}
	return false
}

// Allows reports whether the item accepts requests through channel c.
func (it *ServiceItem) Allows(c Channel) bool { return oneOf(c, it.Channels) }

// SortedForm returns the form fields in their order.
func (it *ServiceItem) SortedForm() []FormField {
	out := append([]FormField(nil), it.Form...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

func validCode(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func validItemCode(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// Validate checks an item and returns every field error at once.
func (it *ServiceItem) Validate() error {
	var fe FieldErrors
	it.Code = strings.TrimSpace(it.Code)
	it.Name = strings.TrimSpace(it.Name)
	if !validItemCode(it.Code) {
		fe.Add("code", "service.code.invalid", "The item code has 1 to 40 letters, digits, '-', '_' or '.'.", nil)
	}
	if n := utf8.RuneCountInString(it.Name); n == 0 || n > 100 {
		fe.Add("name", "service.name.invalid", "The name has 1 to 100 characters.", nil)
	}
	if n := utf8.RuneCountInString(it.Department); n == 0 || n > 100 {
		fe.Add("department", "service.department.invalid", "The handling department has 1 to 100 characters.", nil)
	}
	if n := utf8.RuneCountInString(it.Category); n == 0 || n > 40 {
		fe.Add("category", "service.category.invalid", "The category has 1 to 40 characters.", nil)
	}
	if it.TimeLimitDays < 1 || it.TimeLimitDays > 365 || it.LegalDays < 0 || it.LegalDays > 365 {
		fe.Add("time_limit_days", "service.time_limit.invalid", "The promised time limit is 1 to 365 working days.", nil)
	}
	if it.FeeFen < 0 {
		fe.Add("fee_fen", "service.fee.invalid", "The fee is not negative.", nil)
	}
	if len(it.Channels) == 0 {
		fe.Add("channels", "service.channels.invalid", "Give at least one channel: online, window, agency or phone.", nil)
	}
	for _, c := range it.Channels {
		if !c.Valid() {
			fe.Add("channels", "service.channels.invalid", "Give at least one channel: online, window, agency or phone.", nil)
			break
		}
	}
	for _, d := range it.Divisions {
		if ValidateDivisionCode(d) != nil {
			fe.Add("divisions", "service.divisions.invalid", "Every division offering the item is a division code.", nil)
			break
		}
	}
	for _, m := range it.Materials {
		if strings.TrimSpace(m.Name) == "" || !oneOf(m.Form, []MaterialForm{MaterialOriginal, MaterialCopy, MaterialBoth}) || m.Copies < 0 {
			fe.Add("materials", "service.materials.invalid", "Every material has a name, a form (original, copy or both) and a number of copies.", nil)
			break
		}
	}
	seen := map[string]bool{}
	for _, f := range it.Form {
		ok := validCode(f.Code, 40) && !seen[f.Code] && strings.TrimSpace(f.Label) != "" && oneOf(f.Type, FieldTypes)
		// A number states its range; only numbers have one, only
		// date-times a When.
		number := f.Type == FieldNumber
		if number != (f.Min != nil && f.Max != nil) || !number && (f.Min != nil || f.Max != nil || f.Integer) ||
			number && (*f.Min > *f.Max || math.IsNaN(*f.Min) || math.IsNaN(*f.Max)) {
			ok = false
		}
		if f.When != "" && (f.Type != FieldDatetime || f.When != WhenPast && f.When != WhenFuture) {
			ok = false
		}
		if f.Personal != "" && (f.Type != FieldString && f.Type != FieldText || f.Personal != PersonalAddress && f.Personal != PersonalText) {
			ok = false
		}
		choice := f.Type == FieldSingleChoice || f.Type == FieldMultipleChoice
		if choice != (len(f.Choices) > 0) {
			ok = false
		}
		keys := map[string]bool{}
		for _, c := range f.Choices {
			if c.Key == "" || keys[c.Key] || c.Label == "" {
				ok = false
			}
			keys[c.Key] = true
		}
		if !ok {
			fe.Add("form", "service.form.invalid", "Field %s of the form is invalid: a unique code of [a-z0-9_], a label, a type, choices exactly for choice fields, a range (min and max) exactly for numbers.",
				map[string]any{"Code": f.Code})
			break
		}
		seen[f.Code] = true
	}
	return fe.Err()
}

// FieldKey is the name under which a form value's error is reported:
// "attribute[CODE]", the Open311 name of the value.
func FieldKey(code string) string { return "attribute[" + code + "]" }

// CheckValues validates the values submitted for the item's form (code → one
// value, or several for a multiple-choice field) and returns them normalized:
// numbers in Go's shortest form within their range, date-times as RFC 3339
// in UTC within their bound from now, choices as their keys in the form's
// order; empty optional fields dropped. Unknown codes are errors. Every
// field error is returned at once, named by FieldKey.
func (it *ServiceItem) CheckValues(in map[string][]string, now time.Time) (map[string][]string, error) {
	var fe FieldErrors
	out := map[string][]string{}
	known := map[string]bool{}
	for _, f := range it.SortedForm() {
		known[f.Code] = true
		var vals []string
		for _, v := range in[f.Code] {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			if f.Required {
				fe.Add(FieldKey(f.Code), "service.value.required", "%s is required.", map[string]any{"Label": f.Label})
			}
			continue
		}
		if f.Type != FieldMultipleChoice && len(vals) > 1 {
			fe.Add(FieldKey(f.Code), "service.value.one", "Give one value for this field.", map[string]any{"Label": f.Label})
			continue
		}
		norm, ok := normalizeValue(f, vals, now)
		if !ok {
			fe.Add(FieldKey(f.Code), "service.value.invalid."+string(f.Type), "The value does not fit the field's type.", map[string]any{"Label": f.Label})
			continue
		}
		if key, msg, data := f.outOfBounds(norm[0], now); key != "" {
			data["Label"] = f.Label
			fe.Add(FieldKey(f.Code), key, msg, data)
			continue
		}
		out[f.Code] = norm
	}
	var unknown []string
	for code := range in {
		if !known[code] {
			unknown = append(unknown, code)
		}
	}
	sort.Strings(unknown)
	for _, code := range unknown {
		fe.Add(FieldKey(code), "service.value.unknown", "This item's form has no such field.", map[string]any{"Code": code})
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Range returns a number field's range as text ("1–50"), "" for other
// fields: the hint beside the input.
func (f FormField) Range() string {
	if f.Type != FieldNumber || f.Min == nil || f.Max == nil {
		return ""
	}
	return strconv.FormatFloat(*f.Min, 'f', -1, 64) + "–" + strconv.FormatFloat(*f.Max, 'f', -1, 64)
}

// outOfBounds checks a normalized number against the field's range and a
// normalized date-time against its When, returning the error's key,
// message and data ("" when within).
func (f FormField) outOfBounds(v string, now time.Time) (string, string, map[string]any) {
	switch f.Type {
	case FieldNumber:
		x, _ := strconv.ParseFloat(v, 64)
		if f.Integer && x != math.Trunc(x) {
			return "service.value.integer", "Give a whole number.", map[string]any{}
		}
		if f.Min != nil && f.Max != nil && (x < *f.Min || x > *f.Max) {
			min, max := strconv.FormatFloat(*f.Min, 'f', -1, 64), strconv.FormatFloat(*f.Max, 'f', -1, 64)
			return "service.value.range", fmt.Sprintf("Give a number from %s to %s.", min, max), map[string]any{"Min": min, "Max": max}
		}
	case FieldDatetime:
		t, _ := time.Parse(time.RFC3339, v)
		switch f.When {
		case WhenPast:
			if t.After(now) || t.Before(now.AddDate(-150, 0, 0)) {
				return "service.value.past", "Give a time that has passed (within 150 years).", map[string]any{}
			}
		case WhenFuture:
			y, m, d := now.In(Shanghai).Date()
			if t.Before(time.Date(y, m, d, 0, 0, 0, 0, Shanghai)) || t.After(now.AddDate(2, 0, 0)) {
				return "service.value.future", "Give a time from today on (within two years).", map[string]any{}
			}
		}
	}
	return "", "", nil
}

func normalizeValue(f FormField, vals []string, now time.Time) ([]string, bool) {
	v := vals[0]
	switch f.Type {
	case FieldPhone:
		p, err := ParsePhone(v)
		return []string{string(p)}, err == nil
	case FieldIDNumber:
		id, err := ParseIDNumber(v, now)
		return []string{string(id)}, err == nil
	case FieldString:
		return []string{v}, utf8.ValidString(v) && utf8.RuneCountInString(v) <= 200 && !strings.ContainsAny(v, "\n\r")
	case FieldText:
		return []string{v}, utf8.ValidString(v) && utf8.RuneCountInString(v) <= 4000
	case FieldNumber:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x != x || x > 1e15 || x < -1e15 {
			return nil, false
		}
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}, true
	case FieldDatetime:
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly} {
			var t time.Time
			var err error
			if layout == time.RFC3339 {
				t, err = time.Parse(layout, v)
			} else {
				t, err = time.ParseInLocation(layout, v, Shanghai)
			}
			// Years outside 1900–2200 are typing errors, and years
			// before 1 would not survive RFC 3339.
			if err == nil && t.Year() >= 1900 && t.Year() <= 2200 {
				return []string{t.UTC().Format(time.RFC3339)}, true
			}
		}
		return nil, false
	case FieldSingleChoice, FieldMultipleChoice:
		picked := map[string]bool{}
		for _, v := range vals {
			found := false
			for _, c := range f.Choices {
				if c.Key == v {
					found = true
				}
			}
			if !found {
				return nil, false
			}
			picked[v] = true
		}
		var out []string
		for _, c := range f.Choices {
			if picked[c.Key] {
				out = append(out, c.Key)
			}
		}
		return out, true
	}
	return nil, false
}

// ServiceItemService keeps the catalogue of service items. Reading the
// catalogue needs no sign-in (it is the public 办事指南).
type ServiceItemService interface {
	// ListItems returns the active items offered in a division ("" all
	// items), by category then code.
	ListItems(ctx context.Context, division string) ([]*ServiceItem, error)
	// GetItem returns one item by code, ENotFound when there is none.
	GetItem(ctx context.Context, code string) (*ServiceItem, error)
	// SaveItems creates or replaces items by code in one transaction (all or
	// nothing), audited; needs ActionServiceManage.
	SaveItems(ctx context.Context, items []*ServiceItem) error
}
