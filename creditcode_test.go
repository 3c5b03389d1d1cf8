package shequ_test

import (
	"testing"

	"shequ"
)

// makeCredit builds a valid code from the first 8 characters and an 8-character
// organization code body.
func makeCredit(head, body string) string {
	s := head + body + string(shequ.OrgCodeCheckChar(body))
	return s + string(shequ.CreditCheckChar(s))
}

func TestParseCreditCode(t *testing.T) {
	valid := makeCredit("51330523", "MJ123456") // 5 民政, 1 社会团体, 安吉县
	tests := []struct {
		in string
		ok bool
	}{
		{"91350100M000100Y43", true}, // a published example of GB 32100
		{valid, true},
		{" " + valid + " ", true},
		{valid[:17] + string(nextChar(valid[17])), false}, // wrong final check character
		{valid[:16] + string(nextDigit(valid[16])) + valid[17:], false},
		{valid[:17], false},
		{valid + "0", false},
		{"51330523MJ12345I" + "00", false}, // I is not in the set
		{"5133052XMJ123456" + "00", false}, // the division part must be digits
		{"", false},
	}
	for _, tt := range tests {
		_, err := shequ.ParseCreditCode(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseCreditCode(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func nextChar(c byte) byte {
	if c == '9' {
		return 'A'
	}
	if c == 'Y' {
		return '0'
	}
	return c + 1
}

func nextDigit(c byte) byte {
	if c >= '0' && c < '9' {
		return c + 1
	}
	return '0'
}

func FuzzParseCreditCode(f *testing.F) {
	f.Add("91350100M000100Y43")
	f.Add("x")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := shequ.ParseCreditCode(s)
		if err != nil {
			return
		}
		if again, err := shequ.ParseCreditCode(string(c)); err != nil || again != c || len(c) != 18 {
			t.Fatalf("%q accepted as %q, re-parse %v", s, c, err)
		}
	})
}
