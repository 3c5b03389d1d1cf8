package shequ

import (
	"strings"
	"time"
)

// Sex as derived from an ID number.
type Sex string

// Sexes.
const (
	SexMale   Sex = "male"   // 男: odd sequence digit
	SexFemale Sex = "female" // 女: even sequence digit
)

// IDNumber is a validated 18-character resident identity number (公民身份号码,
// GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit sequence
// (odd for men) and an ISO 7064 MOD 11-2 check character (0–9 or X).
type IDNumber string

// idWeights are the ISO 7064 MOD 11-2 weights 2^(17-i) mod 11.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum mod 11 to the check character.
const idCheckChars = "10X98765432"

// ErrIDNumber is the field error of a malformed ID number.
var ErrIDNumber = Errorf(EInvalid, "id_number.invalid",
	"The ID number is not valid: 18 characters, a real birth date and a correct check character.")

// IDCheckChar returns the check character of the first 17 digits.
func IDCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// ParseIDNumber validates an ID number and normalizes it: spaces trimmed, a
// lower-case x upper-cased, and a 15-digit number of the first generation
// (yyMMdd birth date, no check character) converted to 18 characters by
// inserting the century 19 and computing the check character. The birth date
// must exist and not lie after today (in Asia/Shanghai).
func ParseIDNumber(s string, now time.Time) (IDNumber, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) == 15 && allDigits(s) {
		s = s[:6] + "19" + s[6:]
		s += string(IDCheckChar(s))
	}
	if len(s) != 18 || !allDigits(s[:17]) {
		return "", ErrIDNumber
	}
	if s[:2] == "00" {
		return "", ErrIDNumber
	}
	birth, err := time.ParseInLocation("20060102", s[6:14], Shanghai)
	if err != nil || birth.Year() < 1880 || birth.After(now.In(Shanghai)) {
		return "", ErrIDNumber
	}
	if IDCheckChar(s) != s[17] {
		return "", ErrIDNumber
	}
	return IDNumber(s), nil
}

// BirthDate returns the birth date encoded in the number.
func (n IDNumber) BirthDate() time.Time {
	t, _ := time.ParseInLocation("20060102", string(n[6:14]), Shanghai)
	return t
}

// Sex returns the sex encoded in the sequence digit.
func (n IDNumber) Sex() Sex {
	if (n[16]-'0')%2 == 1 {
		return SexMale
	}
	return SexFemale
}

// Masked shows the number by the one rule of Mask: 1****************X.
func (n IDNumber) Masked() string { return Mask(PersonalIDNumber, string(n)) }

// AgeAt returns the age in whole years on the given day.
func AgeAt(birth, day time.Time) int {
	day = day.In(Shanghai)
	age := day.Year() - birth.Year()
	if day.Month() < birth.Month() || (day.Month() == birth.Month() && day.Day() < birth.Day()) {
		age--
	}
	return age
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}
