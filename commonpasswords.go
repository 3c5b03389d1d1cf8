package shequ

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed commonpasswords.txt
var commonPasswordsText string

var (
	commonOnce      sync.Once
	commonPasswords map[string]bool
)

// IsCommonPassword reports whether a lower-cased password is in the built-in
// list of common passwords (those of 12 characters or more, since shorter
// ones fail the length rule anyway), or is one character repeated.
func IsCommonPassword(lower string) bool {
	commonOnce.Do(func() {
		commonPasswords = make(map[string]bool)
		for _, line := range strings.Split(commonPasswordsText, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				commonPasswords[strings.ToLower(line)] = true
			}
		}
	})
	if commonPasswords[lower] {
		return true
	}
	if lower != "" && strings.Count(lower, lower[:1]) == len(lower) {
		return true
	}
	return false
}
