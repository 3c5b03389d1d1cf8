package shequ

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// TextKind says which layout characters a text field accepts.
type TextKind int

// Text kinds.
const (
	// TextLine is one line: a name, a title, a code, a search. No newline,
	// carriage return or tab.
	TextLine TextKind = iota
	// TextLong is long text (a description, a note, a reason, a textarea):
	// newlines and tabs are allowed, and a carriage return only as part of
	// the CRLF line end browsers send for a textarea.
	TextLong
)

// Errors of CheckText. Each names what is wrong so the person can fix it;
// none echoes the text back.
var (
	ErrTextEncoding = Errorf(EInvalid, "text.encoding",
		"The text is not valid UTF-8; it may have been pasted from a document in another encoding.")
	ErrTextReplacement = Errorf(EInvalid, "text.replacement",
		"The text contains the replacement character U+FFFD, the mark of text broken by a wrong encoding; type it again.")
	ErrTextControl = Errorf(EInvalid, "text.control",
		"The text contains a control character (such as NUL); remove it.")
	ErrTextLineBreak = Errorf(EInvalid, "text.line_break",
		"This field is a single line: remove line breaks and tabs.")
	ErrTextBidi = Errorf(EInvalid, "text.bidi",
		"The text contains a bidirectional control character (which can make text read differently from how it is stored); remove it.")
	ErrTextInvisible = Errorf(EInvalid, "text.invisible",
		"The text is made only of invisible characters; type visible text or leave the field empty.")
)

// CheckText is the one rule for text that people and programs send us, in
// every field of every form, API body and query: it answers nil for good
// text and one of the ErrText errors otherwise. It refuses
//
//   - bytes that are not UTF-8 (and U+FFFD, which is what a decoder leaves
//     of them, and what a JSON "\ud800" escape decodes to);
//   - control characters: C0 (NUL…US), DEL and C1, except newline and tab
//     (and CR before LF) in long text; Unicode noncharacters;
//   - bidirectional embeddings, overrides, isolates and marks (U+061C,
//     U+200E, U+200F, U+202A–U+202E, U+2066–U+2069): with them a file name
//     or a name can display differently from what is stored ("Trojan
//     Source");
//   - text that has something other than ordinary white space but nothing
//     visible (zero-width spaces, fillers, format characters, lone
//     combining marks): a name made of U+200B looks empty but is not. Only
//     white space is left to the field's own rule (trimmed to empty).
//
// Lengths and required-ness stay with each field's own validation.
func CheckText(s string, kind TextKind) error {
	if !utf8.ValidString(s) {
		return ErrTextEncoding
	}
	visible := false
	for i, r := range s {
		switch {
		case r == '\n' || r == '\t':
			if kind != TextLong {
				return ErrTextLineBreak
			}
			continue
		case r == '\r':
			if kind != TextLong {
				return ErrTextLineBreak
			}
			if i+1 >= len(s) || s[i+1] != '\n' {
				return ErrTextControl
			}
			continue
		case r == 0x2028 || r == 0x2029: // line and paragraph separators
			if kind != TextLong {
				return ErrTextLineBreak
			}
			continue
		case r == utf8.RuneError:
			return ErrTextReplacement
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			return ErrTextControl
		case isBidiControl(r):
			return ErrTextBidi
		case isNonCharacter(r):
			return ErrTextControl
		}
		if !visible && !isInvisible(r) {
			visible = true
		}
	}
	if !visible && strings.TrimSpace(s) != "" {
		return ErrTextInvisible
	}
	return nil
}

// isBidiControl reports the characters that change the display order of
// text: the Arabic letter mark, LRM and RLM, the embeddings and overrides
// LRE RLE PDF LRO RLO, and the isolates LRI RLI FSI PDI.
func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// isNonCharacter reports Unicode noncharacters: U+FDD0–U+FDEF and the last
// two code points of every plane. They are never text.
func isNonCharacter(r rune) bool {
	return r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE
}

// invisibleFillers are letters and symbols that draw nothing: the Hangul
// fillers, the braille blank, the combining grapheme joiner, the Khmer
// inherent vowels and the Mongolian vowel separator.
var invisibleFillers = map[rune]bool{
	0x115F: true, 0x1160: true, 0x3164: true, 0xFFA0: true, 0x2800: true, 0x034F: true,
	0x17B4: true, 0x17B5: true, 0x180E: true,
}

// isInvisible reports a character that shows nothing on its own: white
// space, format characters (zero-width space and joiners, BOM, tags…),
// variation selectors, combining marks without a base, and the fillers.
func isInvisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) ||
		unicode.Is(unicode.Me, r) || unicode.Is(unicode.Variation_Selector, r) || invisibleFillers[r]
}
