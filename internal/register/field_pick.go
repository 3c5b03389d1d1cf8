package register

import (
	"encoding/json"
	"strings"
)

// Picked records of another register. A Pick field holds the id of one
// record of another register (a team's leader among the volunteers), a
// Picks field a set of them (a team's members). People never type ids: the
// web side lists the records the actor may pick by name — a select for
// Pick, a searchable list of boxes for Picks — and an import cell names
// them as the web side resolves them (ImportOptions.Pick: an ID number);
// the API takes the ids. Whether the ids name records the actor may pick
// is the store's check.

// maxPickID bounds one id read from input: longer text names no record
// and is not kept whole (a field error follows from the store).
const maxPickID = 64

// Pick is the id of one record of another register.
func Pick[T any](name string, p func(*T) *string) *Field[T] {
	f := Text(name, maxPickID, p)
	f.Kind = KindPick
	f.schema[name] = map[string]any{"type": "string", "description": "id of the record picked"}
	return f
}

// Picks is a set of ids of records of another register: the boxes ticked
// on a form (or a comma-separated value), an array in JSON, a list in a
// file cell (commas, 顿号, spaces…). They are trimmed and repeats dropped,
// in the order given.
func Picks[T any](name string, p func(*T) *[]string) *Field[T] {
	f := &Field[T]{Name: name, Kind: KindPicks}
	set := func(x *T, in []string, c *Context) bool {
		out := []string{}
		seen := map[string]bool{}
		ok := true
		for _, s := range in {
			s = strings.TrimSpace(s)
			if len(s) > maxPickID {
				ok = false
				continue
			}
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		*p(x) = out
		return ok
	}
	return single(f, func(x *T) string { return strings.Join(*p(x), ",") },
		func(x *T, s string, c *Context) bool { return set(x, splitList(s), c) },
		func(x *T, raw json.RawMessage, c *Context) bool {
			in, ok := jsonStrings(raw)
			return ok && set(x, in, c)
		},
		func(x *T, _ bool) any { return append([]string{}, *p(x)...) },
		func(x *T, _ bool) Shown { return Shown{Values: *p(x), Code: true} },
		map[string]any{"type": "array", "items": map[string]any{"type": "string", "description": "id of a record picked"}})
}
