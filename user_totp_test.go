package shequ

import "testing"

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		in, want       string
		totp, recovery bool
	}{
		{"123456", "123456", true, false},
		{" 123 456 ", "123456", true, false},
		{"１２３４５６", "123456", true, false},
		{"12345", "12345", false, false},
		{"1234567", "1234567", false, false},
		{"abcde-23456", "ABCDE23456", false, true},
		{"ABCDE 23456", "ABCDE23456", false, true},
		{"ABCD0-23456", "ABCD023456", false, false}, // 0 is not in the alphabet
		{"ABCDE-2345I", "ABCDE2345I", false, false}, // nor I
		{"", "", false, false},
	}
	for _, c := range tests {
		got := NormalizeCode(c.in)
		if got != c.want || IsTOTPCode(got) != c.totp || IsRecoveryCode(got) != c.recovery {
			t.Errorf("%q: %q totp=%v recovery=%v", c.in, got, IsTOTPCode(got), IsRecoveryCode(got))
		}
	}
	if FormatRecoveryCode("ABCDE23456") != "ABCDE-23456" {
		t.Error(FormatRecoveryCode("ABCDE23456"))
	}
}

// FuzzNormalizeCode: normalizing is idempotent, and what passes as a code
// has its form whatever came in.
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"123456", "abcde-23456", "１２３", "\u3000", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeCode(s)
		if NormalizeCode(n) != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, n, NormalizeCode(n))
		}
		if IsTOTPCode(n) && len(n) != 6 || IsRecoveryCode(n) && len(n) != RecoveryCodeLength {
			t.Fatalf("%q passes with length %d", n, len(n))
		}
	})
}
