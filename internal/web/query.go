package web

import (
	"net/url"
	"unicode/utf8"

	"shequ"
)

// Helpers of the list pages' and endpoints' query strings.

// registerPageSize is the number of rows per page of the lists.
const registerPageSize = 20

// checkCommunityFilter checks the form of a division code filter.
func checkCommunityFilter(fe *shequ.FieldErrors, code string) {
	if code != "" && shequ.ValidateDivisionCode(code) != nil {
		fe.Add("community", "division.code.malformed", "A division code has 2, 4, 6, 9 or 12 digits.", nil)
	}
}

// checkQueryText bounds a free-text filter.
func checkQueryText(fe *shequ.FieldErrors, q string) {
	if utf8.RuneCountInString(q) > maxQueryRunes {
		fe.Add("q", "search.too_long", "The search text is too long.", map[string]any{"Max": maxQueryRunes})
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
