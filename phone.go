package shequ

import (
	"strings"
)

// Phone is a validated mainland phone number, stored in a canonical form:
// 11 digits for a mobile (1[3-9]x…), or area code, hyphen and local number for
// a fixed line (0571-88886666), with an optional extension after "-".
type Phone string

// ErrPhone is the field error of a malformed phone number.
var ErrPhone = Errorf(EInvalid, "phone.invalid",
	"The phone number is not valid: an 11-digit mobile number, or area code and number such as 0572-5123456.")

// ParsePhone validates and normalizes a mainland phone number. It accepts
// spaces and hyphens as separators, a +86 or 0086 prefix on mobiles, and
// fixed lines written with the area code (3–4 digits starting with 0) and a
// 7–8 digit local number, optionally with an extension of up to 6 digits.
func ParsePhone(s string) (Phone, error) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("（", "(", "）", ")", "－", "-", "—", "-").Replace(s)
	// Split off an extension written as "转123" or "ext 123".
	ext := ""
	// The canonical form of a fixed line with extension: 0572-5123456-12.
	if parts := strings.Split(s, "-"); len(parts) == 3 && strings.HasPrefix(parts[0], "0") && allDigits(parts[2]) {
		s, ext = parts[0]+"-"+parts[1], parts[2]
	}
	lower := asciiLower(s) // same byte offsets as s, even for invalid UTF-8
	for _, sep := range []string{"转", "ext.", "ext", "x"} {
		if ext != "" {
			break
		}
		if i := strings.Index(lower, sep); i > 0 {
			ext = strings.TrimSpace(s[i+len(sep):])
			s = strings.TrimSpace(s[:i])
			break
		}
	}
	digits := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '+':
			return -1
		}
		return 'X' // any other character makes the number invalid
	}, s)
	if strings.ContainsRune(digits, 'X') || (ext != "" && !allDigits(ext)) || len(ext) > 6 {
		return "", ErrPhone
	}
	if strings.HasPrefix(s, "+") && !strings.HasPrefix(s, "+86") {
		return "", ErrPhone // a foreign number
	}
	if strings.HasPrefix(s, "+86") || strings.HasPrefix(digits, "0086") {
		digits = strings.TrimPrefix(strings.TrimPrefix(digits, "0086"), "86")
		if !isMobile(digits) || ext != "" {
			return "", ErrPhone
		}
	}
	if isMobile(digits) && ext == "" {
		return Phone(digits), nil
	}
	// Fixed line: 0 + 2–3 more digits of area code. Area codes 010 and 02x are
	// three digits long; every other one is four.
	if len(digits) < 10 || digits[0] != '0' || digits[1] == '0' {
		return "", ErrPhone
	}
	areaLen := 4
	if digits[1] == '1' || digits[1] == '2' {
		areaLen = 3
	}
	local := digits[areaLen:]
	if len(local) < 7 || len(local) > 8 || local[0] == '0' || local[0] == '1' {
		return "", ErrPhone
	}
	p := digits[:areaLen] + "-" + local
	if ext != "" {
		p += "-" + ext
	}
	return Phone(p), nil
}

// asciiLower lower-cases ASCII letters only, keeping every byte offset.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// isMobile reports an 11-digit mainland mobile number (1[3-9]…).
func isMobile(d string) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

// Masked shows the number by the one rule of Mask: 138****5678,
// 0572-*****56.
func (p Phone) Masked() string { return Mask(PersonalPhone, string(p)) }
