package auth

import (
	"strings"
	"testing"
	"time"

	"shequ"
)

// rfcSecret is the SHA-1 key of RFC 6238 appendix B, "12345678901234567890",
// in base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

// The RFC 6238 appendix B vectors (SHA-1), last six digits.
func TestTOTPCodeRFC6238(t *testing.T) {
	for _, c := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		got, err := TOTP{}.Code(rfcSecret, time.Unix(c.unix, 0))
		if err != nil || got != c.want {
			t.Errorf("Code at %d = %q, %v; want %s", c.unix, got, err, c.want)
		}
	}
}

func TestTOTPMatch(t *testing.T) {
	o := TOTP{}
	now := time.Unix(1234567890, 0)
	step := Step(now)
	code := func(s int64) string {
		c, _ := o.Code(rfcSecret, time.Unix(s*30, 0))
		return c
	}
	tests := []struct {
		name  string
		code  string
		after int64
		want  int64
		ok    bool
	}{
		{"now", code(step), 0, step, true},
		{"one step ago (drift)", code(step - 1), 0, step - 1, true},
		{"one step ahead (drift)", code(step + 1), 0, step + 1, true},
		{"two steps ago", code(step - 2), 0, 0, false},
		{"two steps ahead", code(step + 2), 0, 0, false},
		{"already used", code(step), step, 0, false},
		{"a later one after an earlier", code(step + 1), step, step + 1, true},
		{"malformed", "12345", 0, 0, false},
		{"letters", "12a456", 0, 0, false},
		{"empty", "", 0, 0, false},
	}
	for _, c := range tests {
		got, ok := o.Match(rfcSecret, c.code, now, c.after)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: Match = %d, %v; want %d, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestTOTPSecretAndURI(t *testing.T) {
	o := TOTP{}
	a, err := o.NewSecret()
	if err != nil || len(a) != 32 {
		t.Fatalf("NewSecret = %q, %v", a, err)
	}
	if b, _ := o.NewSecret(); a == b {
		t.Error("two secrets alike")
	}
	uri, err := o.URI("社区公共服务平台", "demo-official", a)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"otpauth://totp/", "secret=" + a, "digits=6", "period=30", "algorithm=SHA1", "demo-official"} {
		if !contains(uri, want) {
			t.Errorf("URI %q lacks %q", uri, want)
		}
	}
	if _, err := o.URI("x", "y", "not base32!"); err == nil {
		t.Error("a malformed secret gave a URI")
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes := TOTP{}.RecoveryCodes(200)
	seen := map[string]bool{}
	for _, c := range codes {
		if !shequ.IsRecoveryCode(c) || seen[c] {
			t.Fatalf("bad or repeated recovery code %q", c)
		}
		seen[c] = true
		if n := shequ.NormalizeCode(shequ.FormatRecoveryCode(c)); n != c {
			t.Errorf("format and normalize: %q → %q", c, n)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
