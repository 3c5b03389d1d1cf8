package register

import (
	"encoding/json"
	"strconv"
)

// Flag is a yes-or-no field (an old estate, 老旧小区): a select of 是/否 in
// forms (its labels are flag.true and flag.false), true or false in JSON,
// and in files true/false, 1/0, 是/否 or the labels in any language. It is
// a choice of the two values "true" and "false".
func Flag[T any](name string, p func(*T) *bool) *Field[T] {
	f := &Field[T]{Name: name, Kind: KindChoice, Values: []string{"true", "false"}, Labels: "flag",
		Synonyms: map[string]string{"是": "true", "否": "false", "1": "true", "0": "false", "yes": "true", "no": "false"}}
	return single(f, func(x *T) string { return strconv.FormatBool(*p(x)) },
		func(x *T, s string, c *Context) bool {
			v, ok := f.label(s, c)
			if !ok {
				return false
			}
			*p(x) = v == "true"
			return true
		},
		func(x *T, raw json.RawMessage, _ *Context) bool {
			if isNull(raw) {
				*p(x) = false
				return true
			}
			var b bool
			if err := json.Unmarshal(raw, &b); err != nil {
				return false
			}
			*p(x) = b
			return true
		},
		func(x *T, _ bool) any { return *p(x) },
		func(x *T, _ bool) Shown { return Shown{Values: []string{strconv.FormatBool(*p(x))}, Labels: "flag"} },
		map[string]any{"type": "boolean"})
}
