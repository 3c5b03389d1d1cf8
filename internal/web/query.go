package web

import (
	"net/url"
	"unicode/utf8"

	"shequ"
)

// Helpers of the list pages' and endpoints' query strings.

// registerPageSize is the number of rows per page of the lists.
const registerPageSize = 20

// checkCommunityFilter checks the form of a division code filter given as
// "community".
func checkCommunityFilter(fe *shequ.FieldErrors, code string) {
	checkDivisionParam(fe, "community", code)
}

// checkDivisionParam checks the form of a division code filter given as
// parameter name.
func checkDivisionParam(fe *shequ.FieldErrors, name, code string) {
	if code != "" && shequ.ValidateDivisionCode(code) != nil {
		fe.Add(name, "division.code.malformed", "A division code has 2, 4, 6, 9 or 12 digits.", nil)
	}
}

// checkTextParam bounds a free-text filter given as parameter name.
func checkTextParam(fe *shequ.FieldErrors, name, q string) {
	if utf8.RuneCountInString(q) > maxQueryRunes {
		fe.Add(name, "search.too_long", "The search text is too long.", map[string]any{"Max": maxQueryRunes})
	}
}

// oneOfStr reports whether s is one of the enum values.
func oneOfStr[T ~string](s string, set []T) bool {
	for _, v := range set {
		if string(v) == s {
			return true
		}
	}
	return false
}

// nonEmptyValues returns the set values of m as URL values, for paging
// links.
func nonEmptyValues(m map[string]string) url.Values {
	v := url.Values{}
	for k, s := range m {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}
