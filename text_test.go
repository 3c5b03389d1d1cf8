package shequ_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"shequ"
)

func TestCheckText(t *testing.T) {
	for _, tt := range []struct {
		name       string
		in         string
		line, long error // nil: accepted
	}{
		{"chinese name", "王建国", nil, nil},
		{"empty", "", nil, nil},
		{"spaces only (the field trims them)", "  \u3000 ", nil, nil},
		{"latin with accents", "Zoë Ångström", nil, nil},
		{"emoji with joiner", "家庭👨\u200d👩\u200d👧", nil, nil},
		{"variation selector after a base", "⚠\ufe0f 注意", nil, nil},
		{"combining accent on a base", "e\u0301", nil, nil},
		{"private use (rare characters in some registers)", "王\ue000", nil, nil},
		{"invalid utf-8", "王\xff建国", shequ.ErrTextEncoding, shequ.ErrTextEncoding},
		{"truncated utf-8", "王\xe5\xbb", shequ.ErrTextEncoding, shequ.ErrTextEncoding},
		{"encoded surrogate", "\xed\xa0\x80", shequ.ErrTextEncoding, shequ.ErrTextEncoding},
		{"replacement character", "王\ufffd国", shequ.ErrTextReplacement, shequ.ErrTextReplacement},
		{"NUL", "王\x00国", shequ.ErrTextControl, shequ.ErrTextControl},
		{"bell", "a\x07", shequ.ErrTextControl, shequ.ErrTextControl},
		{"escape", "\x1b[31mred", shequ.ErrTextControl, shequ.ErrTextControl},
		{"DEL", "a\x7f", shequ.ErrTextControl, shequ.ErrTextControl},
		{"C1 control", "a\u0085b", shequ.ErrTextControl, shequ.ErrTextControl},
		{"noncharacter", "a\uffff", shequ.ErrTextControl, shequ.ErrTextControl},
		{"plane noncharacter", "a\U0001FFFE", shequ.ErrTextControl, shequ.ErrTextControl},
		{"newline", "第一行\n第二行", shequ.ErrTextLineBreak, nil},
		{"tab", "a\tb", shequ.ErrTextLineBreak, nil},
		{"crlf", "第一行\r\n第二行", shequ.ErrTextLineBreak, nil},
		{"lone cr", "a\rb", shequ.ErrTextLineBreak, shequ.ErrTextControl},
		{"cr at the end", "a\r", shequ.ErrTextLineBreak, shequ.ErrTextControl},
		{"line separator", "a\u2028b", shequ.ErrTextLineBreak, nil},
		{"right-to-left override", "invoice\u202egpj.exe", shequ.ErrTextBidi, shequ.ErrTextBidi},
		{"left-to-right isolate", "a\u2066b", shequ.ErrTextBidi, shequ.ErrTextBidi},
		{"pop directional isolate", "a\u2069", shequ.ErrTextBidi, shequ.ErrTextBidi},
		{"right-to-left mark", "a\u200fb", shequ.ErrTextBidi, shequ.ErrTextBidi},
		{"arabic letter mark", "\u061c", shequ.ErrTextBidi, shequ.ErrTextBidi},
		{"zero-width spaces only", "\u200b\u200b", shequ.ErrTextInvisible, shequ.ErrTextInvisible},
		{"BOM only", "\ufeff", shequ.ErrTextInvisible, shequ.ErrTextInvisible},
		{"hangul filler", "\u3164", shequ.ErrTextInvisible, shequ.ErrTextInvisible},
		{"braille blank between spaces", " \u2800 ", shequ.ErrTextInvisible, shequ.ErrTextInvisible},
		{"lone combining marks", "\u0301\u0302", shequ.ErrTextInvisible, shequ.ErrTextInvisible},
		{"tag characters", "\U000E0041\U000E0042", shequ.ErrTextInvisible, shequ.ErrTextInvisible},
		{"zero-width space inside a name", "王\u200b建国", nil, nil},
		{"invisible lines", "\u200b\n\u200b", shequ.ErrTextLineBreak, shequ.ErrTextInvisible},
	} {
		if err := shequ.CheckText(tt.in, shequ.TextLine); err != tt.line {
			t.Errorf("%s: CheckText(%q, line) = %v, want %v", tt.name, tt.in, err, tt.line)
		}
		if err := shequ.CheckText(tt.in, shequ.TextLong); err != tt.long {
			t.Errorf("%s: CheckText(%q, long) = %v, want %v", tt.name, tt.in, err, tt.long)
		}
	}
}

// FuzzCheckText checks the promises of CheckText on any input: what it
// accepts is UTF-8 without control, bidi or replacement characters, a line
// has no line break, whatever a line accepts long text accepts too, and
// accepted text with more than white space shows something.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"王建国", "", "a\nb", "a\r\nb", "\x00", "\u202e", "\u200b", "\xff", " \u3164 ", "e\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lineErr := shequ.CheckText(s, shequ.TextLine)
		longErr := shequ.CheckText(s, shequ.TextLong)
		if lineErr == nil && longErr != nil {
			t.Fatalf("%q: a line accepts it but long text refuses it: %v", s, longErr)
		}
		if longErr != nil {
			if shequ.ErrorCode(longErr) != shequ.EInvalid {
				t.Fatalf("%q: error %v is not EInvalid", s, longErr)
			}
			return
		}
		if !utf8.ValidString(s) {
			t.Fatalf("accepted invalid UTF-8 %q", s)
		}
		visible := false
		for i, r := range s {
			switch {
			case r == utf8.RuneError:
				t.Fatalf("accepted U+FFFD in %q", s)
			case r == '\r' && (i+1 == len(s) || s[i+1] != '\n'):
				t.Fatalf("accepted a lone CR in %q", s)
			case r < 0x20 && r != '\n' && r != '\t' && r != '\r', r >= 0x7f && r <= 0x9f:
				t.Fatalf("accepted control %U in %q", r, s)
			case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f:
				t.Fatalf("accepted bidi control %U in %q", r, s)
			case lineErr == nil && (r == '\n' || r == '\t' || r == '\r'):
				t.Fatalf("a line accepted %U in %q", r, s)
			}
			if unicode.IsGraphic(r) && !unicode.IsSpace(r) && !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Me, r) {
				visible = true
			}
		}
		// Only fillers may be graphic yet invisible, so this direction is
		// the one to check: text with something beyond white space and
		// nothing graphic must have been refused.
		if strings.TrimSpace(s) != "" && !visible && !hasPrivateOrFiller(s) {
			t.Fatalf("accepted %q, which shows nothing", s)
		}
	})
}

// hasPrivateOrFiller reports characters that unicode.IsGraphic does not
// count as graphic although they may draw something: private use (rare
// characters in some registers) and code points this Go's Unicode tables do
// not know yet (newer CJK extensions), which CheckText lets through.
func hasPrivateOrFiller(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Co, r) || !assigned(r) {
			return true
		}
	}
	return false
}

// assigned reports whether r is in a general category of Go's tables other
// than Cn (unassigned).
func assigned(r rune) bool {
	for name, t := range unicode.Categories {
		if name != "Cn" && name != "C" && unicode.Is(t, r) {
			return true
		}
	}
	return unicode.Is(unicode.C, r) && !unicode.Is(unicode.Categories["Cn"], r)
}
