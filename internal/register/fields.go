package register

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"shequ"
)

// Constructors of the field kinds. Each binds the field to the record with
// a pointer accessor, so that one closure both reads and writes it:
//
//	register.Int("members", 0, 1_000_000, func(o *shequ.SocialOrg) *int { return &o.Members })

// Text is one line of text of at most max characters (0: unbounded).
func Text[T any](name string, max int, p func(*T) *string) *Field[T] {
	return text(name, KindText, max, p)
}

// LongText is text of several lines of at most max characters.
func LongText[T any](name string, max int, p func(*T) *string) *Field[T] {
	return text(name, KindLongText, max, p)
}

func text[T any](name string, kind Kind, max int, p func(*T) *string) *Field[T] {
	f := &Field[T]{Name: name, Kind: kind, Max: max}
	return single(f, func(x *T) string { return *p(x) },
		func(x *T, s string, c *Context) bool {
			if f.Normalize != nil {
				s = f.Normalize(s)
			}
			*p(x) = s
			if max > 0 && len([]rune(s)) > max {
				c.Fail(f.Name, "register.text.long", "The text is too long.", map[string]any{"Max": max})
			}
			return true
		},
		func(x *T, raw json.RawMessage, c *Context) bool {
			s, ok := jsonString(raw)
			if !ok {
				return false
			}
			return f.parseText(x, strings.TrimSpace(s), c)
		},
		func(x *T, _ bool) any { return *p(x) },
		func(x *T, _ bool) Shown { return Shown{Text: *p(x)} },
		map[string]any{"type": "string", "maxLength": max})
}

// Int is a whole number from min to max; a blank input is 0.
func Int[T any](name string, min, max int, p func(*T) *int) *Field[T] {
	f := &Field[T]{Name: name, Kind: KindInt, Min: float64(min), MaxValue: float64(max)}
	return single(f, func(x *T) string {
		if f.ZeroBlank && *p(x) == 0 {
			return ""
		}
		return strconv.Itoa(*p(x))
	},
		func(x *T, s string, c *Context) bool {
			v, ok := number(f, s, c)
			if !ok || v != math.Trunc(v) {
				return false
			}
			*p(x) = int(v)
			return true
		},
		func(x *T, raw json.RawMessage, _ *Context) bool {
			v, ok := jsonNumber(raw)
			if !ok || v != math.Trunc(v) || v < f.Min || v > f.MaxValue {
				return false
			}
			*p(x) = int(v)
			return true
		},
		func(x *T, _ bool) any { return *p(x) },
		func(x *T, _ bool) Shown {
			if f.Labels != "" {
				return Shown{Values: []string{strconv.Itoa(*p(x))}, Labels: f.Labels}
			}
			if f.ZeroBlank && *p(x) == 0 {
				return Shown{}
			}
			return Shown{Text: strconv.Itoa(*p(x)), Number: true}
		},
		map[string]any{"type": "integer", "minimum": min, "maximum": max})
}

// Decimal is a number from min to max; a blank input is 0.
func Decimal[T any](name string, min, max float64, p func(*T) *float64) *Field[T] {
	f := &Field[T]{Name: name, Kind: KindDecimal, Min: min, MaxValue: max}
	return single(f, func(x *T) string {
		if f.ZeroBlank && *p(x) == 0 {
			return ""
		}
		return strconv.FormatFloat(*p(x), 'f', -1, 64)
	},
		func(x *T, s string, c *Context) bool {
			v, ok := number(f, s, c)
			if ok {
				*p(x) = v
			}
			return ok
		},
		func(x *T, raw json.RawMessage, _ *Context) bool {
			v, ok := jsonNumber(raw)
			if !ok || v < f.Min || v > f.MaxValue {
				return false
			}
			*p(x) = v
			return true
		},
		func(x *T, _ bool) any { return *p(x) },
		func(x *T, _ bool) Shown {
			if f.ZeroBlank && *p(x) == 0 {
				return Shown{}
			}
			return Shown{Text: strconv.FormatFloat(*p(x), 'f', -1, 64), Number: true}
		},
		map[string]any{"type": "number", "minimum": min, "maximum": max})
}

// number parses a form or file number: thousands separators and (in files)
// the field's units are allowed; "" is 0. It must lie within the bounds.
func number[T any](f *Field[T], s string, c *Context) (float64, bool) {
	if c.Import {
		for _, u := range f.Units {
			s = strings.TrimSpace(strings.TrimSuffix(s, u))
		}
	}
	s = strings.ReplaceAll(s, ",", "")
	if s == "" {
		return 0, 0 >= f.Min && 0 <= f.MaxValue
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < f.Min || v > f.MaxValue {
		return 0, false
	}
	return v, true
}

// Money is an amount of integer 分 from min to max 分: written in 元 with at
// most two decimals in forms and files (¥ and 元 allowed), as 分 in JSON.
func Money[T any](name string, min, max int64, p func(*T) *int64) *Field[T] {
	f := &Field[T]{Name: name, Kind: KindMoney, Min: float64(min), MaxValue: float64(max)}
	return single(f, func(x *T) string { return strings.ReplaceAll(shequ.FormatYuan(*p(x)), ",", "") },
		func(x *T, s string, _ *Context) bool {
			s = strings.TrimSpace(strings.TrimSuffix(s, "元"))
			if s == "" {
				*p(x) = 0
				return min <= 0
			}
			v, err := shequ.ParseYuan(s)
			if err != nil || v < min || v > max {
				return false
			}
			*p(x) = v
			return true
		},
		func(x *T, raw json.RawMessage, _ *Context) bool {
			v, ok := jsonNumber(raw)
			if !ok || v != math.Trunc(v) || v < f.Min || v > f.MaxValue {
				return false
			}
			*p(x) = int64(v)
			return true
		},
		func(x *T, _ bool) any { return *p(x) },
		func(x *T, _ bool) Shown { return Shown{Text: shequ.FormatYuan(*p(x)), Unit: "unit.yuan", Number: true} },
		map[string]any{"type": "integer", "minimum": min, "maximum": max, "description": "分 (1/100 元)"})
}

// Date is a day in Asia/Shanghai, nil when unknown: YYYY-MM-DD in forms and
// JSON; files may also write 2024/3/1 or 2024-3-1.
func Date[T any](name string, p func(*T) **time.Time) *Field[T] {
	f := &Field[T]{Name: name, Kind: KindDate}
	f = single(f, func(x *T) string { return dateText(*p(x)) },
		func(x *T, s string, c *Context) bool {
			d, ok := parseDate(s, c.Import)
			*p(x) = d
			return ok
		},
		func(x *T, raw json.RawMessage, _ *Context) bool {
			s, ok := jsonString(raw)
			if !ok {
				return false
			}
			d, ok := parseDate(strings.TrimSpace(s), false)
			*p(x) = d
			return ok
		},
		func(x *T, _ bool) any {
			if *p(x) == nil {
				return nil
			}
			return dateText(*p(x))
		},
		func(x *T, _ bool) Shown { return Shown{Date: *p(x)} },
		map[string]any{"type": []string{"string", "null"}, "format": "date"})
	return f
}

func dateText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(shequ.Shanghai).Format(time.DateOnly)
}

// parseDate reads YYYY-MM-DD (loose: also without leading zeros, with / or
// .) as a day in Asia/Shanghai; "" is nil.
func parseDate(s string, loose bool) (*time.Time, bool) {
	if s == "" {
		return nil, true
	}
	layout := time.DateOnly
	if loose {
		s = strings.NewReplacer("/", "-", ".", "-").Replace(s)
		layout = "2006-1-2"
	}
	d, err := time.ParseInLocation(layout, s, shequ.Shanghai)
	if err != nil {
		return nil, false
	}
	return &d, true
}

// Choice is one value of an enumeration, "" when none. Files may write a
// value as its catalogue label or a synonym.
func Choice[T any, E ~string](name string, values []E, p func(*T) *E) *Field[T] {
	f := &Field[T]{Name: name, Kind: KindChoice, Values: strs(values)}
	return single(f, func(x *T) string { return string(*p(x)) },
		func(x *T, s string, c *Context) bool {
			if s == "" {
				*p(x) = ""
				return true
			}
			v, ok := f.label(s, c)
			if !ok {
				*p(x) = E(s)
				return false
			}
			*p(x) = E(v)
			return true
		},
		func(x *T, raw json.RawMessage, c *Context) bool {
			s, ok := jsonString(raw)
			if !ok {
				return false
			}
			return f.parseText(x, strings.TrimSpace(s), c)
		},
		func(x *T, _ bool) any { return string(*p(x)) },
		func(x *T, _ bool) Shown {
			if *p(x) == "" {
				return Shown{}
			}
			return Shown{Values: []string{string(*p(x))}, Labels: f.Labels}
		},
		map[string]any{"type": "string", "enum": f.Values})
}

// Choices is a set of values of an enumeration: ticked boxes in a form, an
// array in JSON, a list in a file cell (签 、 or , between values).
func Choices[T any, E ~string](name string, values []E, p func(*T) *[]E) *Field[T] {
	f := &Field[T]{Name: name, Kind: KindChoices, Values: strs(values)}
	set := func(x *T, in []string, c *Context) bool {
		out, ok := []E{}, true
		seen := map[string]bool{}
		for _, s := range in {
			v, known := f.label(strings.TrimSpace(s), c)
			if !known {
				ok = false
				v = strings.TrimSpace(s)
			}
			if v != "" && !seen[v] {
				seen[v] = true
				out = append(out, E(v))
			}
		}
		*p(x) = out
		return ok
	}
	f = single(f, func(x *T) string { return strings.Join(strs(*p(x)), ",") },
		func(x *T, s string, c *Context) bool { return set(x, splitList(s), c) },
		func(x *T, raw json.RawMessage, c *Context) bool {
			in, ok := jsonStrings(raw)
			return ok && set(x, in, c)
		},
		func(x *T, _ bool) any { return append([]string{}, strs(*p(x))...) },
		func(x *T, _ bool) Shown { return Shown{Values: strs(*p(x)), Labels: f.Labels} },
		map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": f.Values}})
	return f
}

// Community is the 12-digit code of a community. The domain checks its form
// and the store that it exists; the web checks it lies in the actor's scope.
func Community[T any](name string, p func(*T) *string) *Field[T] {
	f := Text(name, 12, p)
	f.Kind = KindCommunity
	f.show = func(x *T, _ bool) Shown {
		link := f.Link
		if link == "" {
			link = "/divisions/"
		}
		return Shown{Text: *p(x), Code: true, Division: *p(x), Link: link}
	}
	f.schema[name] = map[string]any{"type": "string", "pattern": "^[0-9]{12}$"}
	return f
}

// Codes is a set of community codes: a comma-separated input, an array in
// JSON, a list in a file cell. They are trimmed and repeats dropped.
func Codes[T any](name string, p func(*T) *[]string) *Field[T] {
	f := &Field[T]{Name: name, Kind: KindCodes}
	set := func(x *T, in []string) {
		out := []string{}
		seen := map[string]bool{}
		for _, s := range in {
			if s = strings.TrimSpace(s); s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		*p(x) = out
	}
	return single(f, func(x *T) string { return strings.Join(*p(x), ", ") },
		func(x *T, s string, _ *Context) bool { set(x, splitList(s)); return true },
		func(x *T, raw json.RawMessage, _ *Context) bool {
			in, ok := jsonStrings(raw)
			if ok {
				set(x, in)
			}
			return ok
		},
		func(x *T, _ bool) any { return append([]string{}, *p(x)...) },
		func(x *T, _ bool) Shown { return Shown{Values: *p(x), Code: true} },
		map[string]any{"type": "array", "items": map[string]any{"type": "string", "pattern": "^[0-9]{12}$"}})
}

// single completes a field of one input from its typed functions: parse
// and decode report whether the value could be read (false records the
// field's Invalid error).
func single[T any](f *Field[T], formText func(*T) string, parse func(x *T, s string, c *Context) bool,
	decode func(x *T, raw json.RawMessage, c *Context) bool, value func(x *T, reveal bool) any,
	show func(x *T, reveal bool) Shown, schema map[string]any) *Field[T] {
	f.formText = func(x *T) []string { return []string{formText(x)} }
	f.parseOne = parse
	f.parse = func(x *T, get func(string) (string, bool), c *Context) {
		s, ok := get(f.Name)
		if !ok {
			return
		}
		s = strings.TrimSpace(s)
		if s == "" && (c.Import || (f.Sealed && c.Edit)) {
			// A blank cell keeps the register's default (New); a blank
			// sealed input keeps the stored value.
			c.mark(f.Name, true)
			return
		}
		c.mark(f.Name, s == "")
		if !parse(x, s, c) {
			f.fail(c, map[string]any{"Value": s, "Min": f.Min, "Max": f.MaxValue})
		}
	}
	nullable := schemaNullable(schema)
	f.decode = func(x *T, get func(string) (json.RawMessage, bool), c *Context) {
		raw, ok := get(f.Name)
		if !ok {
			return
		}
		if isNull(raw) && !nullable {
			// null would read as "" or 0 and silently clear the field:
			// only the fields whose schema says so take it (issue 14).
			c.Fail(f.Name, "field.null", "This field needs a value; leave it out to keep it unchanged, null is not accepted here.", nil)
			return
		}
		c.mark(f.Name, isNull(raw))
		if !decode(x, raw, c) {
			f.fail(c, map[string]any{"Value": string(raw), "Min": f.Min, "Max": f.MaxValue})
		}
	}
	f.put = func(x *T, reveal bool, put func(string, any)) { put(f.Name, value(x, reveal)) }
	f.show = show
	f.schema = map[string]map[string]any{f.Name: schema}
	return f
}

// parseText reads s with the field's text parser, without recording its
// Invalid error (JSON decoding reports it once).
func (f *Field[T]) parseText(x *T, s string, c *Context) bool { return f.parseOne(x, s, c) }

func strs[E ~string](in []E) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

// schemaNullable reports whether a field's JSON schema lists null among its
// types.
func schemaNullable(schema map[string]any) bool {
	types, _ := schema["type"].([]string)
	for _, t := range types {
		if t == "null" {
			return true
		}
	}
	return false
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// jsonString reads a JSON string; null is "".
func jsonString(raw json.RawMessage) (string, bool) {
	if isNull(raw) {
		return "", true
	}
	var s string
	return s, json.Unmarshal(raw, &s) == nil
}

// jsonNumber reads a JSON number; null is 0.
func jsonNumber(raw json.RawMessage) (float64, bool) {
	if isNull(raw) {
		return 0, true
	}
	var v float64
	if json.Unmarshal(raw, &v) != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// jsonFloat reads an optional JSON number: nil when null or not set.
func jsonFloat(raw json.RawMessage, set bool) (*float64, bool) {
	if !set || isNull(raw) {
		return nil, true
	}
	v, ok := jsonNumber(raw)
	if !ok {
		return nil, false
	}
	return &v, true
}

// jsonStrings reads an array of strings; null is none.
func jsonStrings(raw json.RawMessage) ([]string, bool) {
	if isNull(raw) {
		return nil, true
	}
	var in []string
	return in, json.Unmarshal(raw, &in) == nil
}
