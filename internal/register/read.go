package register

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"shequ"
)

// ReadForm sets x from a posted form. Every input counts as given, blank
// when absent (an unticked box, an empty set), except that on edit a blank
// sealed input keeps the stored value. Check follows.
func (s *Schema[T]) ReadForm(x *T, form url.Values, c *Context) {
	get := func(k string) (string, bool) {
		// Ticked boxes send one value each; a set field reads them as a
		// list, other fields have one.
		return strings.Join(form[k], ","), true
	}
	for _, f := range s.Init().Fields {
		f.parse(x, get, c)
	}
	// A conditional input counts only while its condition holds: the form
	// shows it always, so a value typed for another case is cleared.
	for _, f := range s.Fields {
		if f.WhenField == "" || f.parseOne == nil {
			continue
		}
		if cond := s.fields[f.WhenField]; cond != nil && !slices.Contains(f.WhenValues, cond.formText(x)[0]) {
			f.parseOne(x, "", c)
		}
	}
}

// ReadJSON merges a JSON object onto x: a key present sets its field
// (null clears it), an absent key leaves it, so one function serves POST
// (onto New()) and PATCH (onto the stored record). An unknown key is an
// error. Check follows.
func (s *Schema[T]) ReadJSON(x *T, body map[string]json.RawMessage, c *Context) error {
	known := map[string]bool{}
	for _, f := range s.Init().Fields {
		for _, k := range f.Inputs() {
			known[k] = true
		}
	}
	var unknown []string
	for k := range body {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		var fe shequ.FieldErrors
		for _, k := range unknown {
			fe.Add(k, "register.json.unknown", "This field does not exist.", nil)
		}
		return fe.Err()
	}
	get := func(k string) (json.RawMessage, bool) {
		raw, ok := body[k]
		return raw, ok
	}
	for _, f := range s.Fields {
		f.decode(x, get, c)
	}
	return nil
}

// FormText returns the form's values of x by input name, for a form that
// edits it.
func (s *Schema[T]) FormText(x *T) map[string]string {
	out := map[string]string{}
	for _, f := range s.Init().Fields {
		for i, v := range f.formText(x) {
			out[f.Inputs()[i]] = v
		}
	}
	return out
}

// JSON returns the API form of x: its id, every field in declaration order
// (sealed ones masked unless reveal), the Extra values, created_at and
// updated_at.
func (s *Schema[T]) JSON(x *T, reveal bool) Object {
	o := Object{{"id", s.ID(x)}}
	put := func(k string, v any) { o = append(o, Pair{k, v}) }
	for _, f := range s.Init().Fields {
		f.put(x, reveal, put)
	}
	if s.Extra != nil {
		s.Extra(x, put)
	}
	if s.Times != nil {
		created, updated := s.Times(x)
		put("created_at", created.UTC().Format(time.RFC3339))
		put("updated_at", updated.UTC().Format(time.RFC3339))
	}
	return o
}

// Pair is one member of an Object.
type Pair struct {
	Key   string
	Value any
}

// Object is a JSON object that keeps its members in order (the
// declaration's), unlike a map.
type Object []Pair

// MarshalJSON writes the members in order.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(p.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Get returns the value of key, nil if absent.
func (o Object) Get(key string) any {
	for _, p := range o {
		if p.Key == key {
			return p.Value
		}
	}
	return nil
}
