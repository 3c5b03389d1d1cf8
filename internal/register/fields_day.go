package register

import (
	"encoding/json"
	"strings"
	"time"
)

// Day is a day in Asia/Shanghai kept as a time.Time (the zero time when
// unknown), for domain types whose day is never absent once valid: it
// reads and writes like Date.
func Day[T any](name string, p func(*T) *time.Time) *Field[T] {
	get := func(x *T) *time.Time {
		if p(x).IsZero() {
			return nil
		}
		return p(x)
	}
	set := func(x *T, d *time.Time) {
		if d == nil {
			*p(x) = time.Time{}
			return
		}
		*p(x) = *d
	}
	f := &Field[T]{Name: name, Kind: KindDate}
	return single(f, func(x *T) string { return dateText(get(x)) },
		func(x *T, s string, c *Context) bool {
			d, ok := parseDate(s, c.Import)
			set(x, d)
			return ok
		},
		func(x *T, raw json.RawMessage, _ *Context) bool {
			s, ok := jsonString(raw)
			if !ok {
				return false
			}
			d, ok := parseDate(strings.TrimSpace(s), false)
			set(x, d)
			return ok
		},
		func(x *T, _ bool) any {
			if get(x) == nil {
				return nil
			}
			return dateText(get(x))
		},
		func(x *T, _ bool) Shown { return Shown{Date: get(x)} },
		map[string]any{"type": []string{"string", "null"}, "format": "date"})
}
