package shequ

import "strings"

// CreditCode is a unified social credit code (统一社会信用代码, GB 32100-2015):
// 18 characters from the 31-character set 0-9 and A-Y without I, O, S, V, Z.
// Position 1 is the registration authority, 2 the kind of organization, 3–8
// the division code, 9–17 the organization code (GB 11714, whose last digit
// is its own check character) and 18 the check character of the whole code.
type CreditCode string

// creditChars is the character set in value order (0..30).
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are 3^i mod 31 for positions 1–17.
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgCodeWeights are the GB 11714 weights of the 8 body characters.
var orgCodeWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// ErrCreditCode is the field error of a malformed credit code.
var ErrCreditCode = Errorf(EInvalid, "credit_code.invalid",
	"The unified social credit code is not valid: 18 characters (digits and capital letters without I, O, S, V, Z) with correct check characters.")

// CreditCheckChar returns the check character of the first 17 characters,
// which must be in the character set.
func CreditCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(creditChars, first17[i]) * creditWeights[i]
	}
	return creditChars[(31-sum%31)%31]
}

// OrgCodeCheckChar returns the GB 11714 check character of the 8-character
// organization code body (digits or capital letters, A = 10 … Z = 35).
func OrgCodeCheckChar(body string) byte {
	sum := 0
	for i := 0; i < 8; i++ {
		c := body[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		sum += v * orgCodeWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// ParseCreditCode validates a unified social credit code: length, character
// set, a division part of six digits, the organization-code check character
// and the final check character. Spaces are trimmed and letters upper-cased.
func ParseCreditCode(s string) (CreditCode, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 18 {
		return "", ErrCreditCode
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditChars, s[i]) < 0 {
			return "", ErrCreditCode
		}
	}
	if !allDigits(s[2:8]) || OrgCodeCheckChar(s[8:16]) != s[16] || CreditCheckChar(s[:17]) != s[17] {
		return "", ErrCreditCode
	}
	return CreditCode(s), nil
}
