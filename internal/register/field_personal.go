package register

import (
	"encoding/json"
	"strings"

	"shequ"
)

// Person is a resident of the register, by id (a form picks them by name).
func Person[T any](name string, p func(*T) *string) *Field[T] {
	f := Text(name, 64, p)
	f.Kind = KindPerson
	f.schema[name] = map[string]any{"type": "string", "description": "id of a resident"}
	return f
}

// Phone is a phone number, personal data: sealed at rest by the store,
// masked on screen and in the API unless revealed; on edit a blank input
// keeps the stored number (JSON "" clears it).
func Phone[T any](name string, p func(*T) *shequ.Phone) *Field[T] {
	f := &Field[T]{Name: name, Kind: KindPhone, Sealed: true, Max: 20}
	return sealed(f, func(x *T) string { return string(*p(x)) },
		func(x *T, s string, _ *Context) bool {
			*p(x) = shequ.Phone(s)
			if s == "" {
				return true
			}
			ph, err := shequ.ParsePhone(s)
			if err == nil {
				*p(x) = ph
			}
			return err == nil
		},
		func(x *T) string {
			if *p(x) == "" {
				return ""
			}
			return p(x).Masked()
		})
}

// IDNumber is a GB 11643 ID number, personal data like Phone. The reading's
// clock dates the check (a birth date in the future is refused).
func IDNumber[T any](name string, p func(*T) *shequ.IDNumber) *Field[T] {
	f := &Field[T]{Name: name, Kind: KindIDNumber, Sealed: true, Max: 18}
	return sealed(f, func(x *T) string { return string(*p(x)) },
		func(x *T, s string, c *Context) bool {
			*p(x) = shequ.IDNumber(strings.ToUpper(s))
			n, err := shequ.ParseIDNumber(s, c.now())
			if err == nil {
				*p(x) = n
			}
			return err == nil
		},
		func(x *T) string {
			if *p(x) == "" {
				return ""
			}
			return p(x).Masked()
		})
}

func sealed[T any](f *Field[T], clear func(*T) string, set func(x *T, s string, c *Context) bool, masked func(*T) string) *Field[T] {
	return single(f, func(*T) string { return "" }, // never sent back into a form
		set,
		func(x *T, raw json.RawMessage, c *Context) bool {
			s, ok := jsonString(raw)
			return ok && set(x, strings.TrimSpace(s), c)
		},
		func(x *T, reveal bool) any {
			if reveal {
				return clear(x)
			}
			return masked(x)
		},
		func(x *T, reveal bool) Shown {
			if reveal {
				return Shown{Text: clear(x), Code: true}
			}
			return Shown{Text: masked(x), Code: true, Masked: true}
		},
		map[string]any{"type": "string", "description": "masked unless revealed"})
}
