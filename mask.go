package shequ

import (
	"strings"
	"unicode/utf8"
)

// Personal is a kind of personal value that pages, the API and exports
// show masked to whoever has not revealed it: ID numbers, phone numbers,
// addresses, birth dates and the values of form fields marked personal.
type Personal string

// Kinds of personal values.
const (
	PersonalIDNumber  Personal = "id_number"  // 公民身份号码
	PersonalPhone     Personal = "phone"      // mobile or fixed line
	PersonalAddress   Personal = "address"    // 住址
	PersonalBirthDate Personal = "birth_date" // shown as an age instead
	PersonalText      Personal = "text"       // any other personal text of a form
	PersonalContact   Personal = "contact"    // a notification address: e-mail, phone or an account of a messaging platform
)

// PersonalKinds lists the kinds.
var PersonalKinds = []Personal{PersonalIDNumber, PersonalPhone, PersonalAddress, PersonalBirthDate, PersonalText, PersonalContact}

// Mask is the one rule for showing a personal value to a reader who has
// not revealed it, chosen so that the mask together with everything else
// a page or an answer shows (age, sex, community, tags) cannot be combined
// back into the value. GB/T 35273-2020 §6.4 asks for personal information
// shown on screens and paper to be de-identified, without fixing a pattern;
// this rule is stricter than the common "first 6 + last 4" of ID numbers,
// whose 8 hidden digits are the birth date, which pages used to show:
//
//   - an ID number keeps its first and last character (the region of the
//     province and the check character): 3****************X. The address
//     code, birth date and sequence number stay hidden, so even with the
//     county, the age and the sex known about 16,000 numbers remain;
//   - a mobile number keeps its first 3 and last 4 digits (138****5678, the
//     form people know); a fixed line its area code and the last 2 digits
//     of the local number, and no extension (0572-*****56);
//   - an address keeps the administrative part, up to the last 省/市/区/
//     县/旗/镇/乡/街道/村/社区/居委会 within its first 20 characters, and
//     hides the street, number, building and room: 安吉县递铺街道**** (or its
//     first 3 characters when it names no such part);
//   - a birth date is not shown at all: pages show the age;
//   - a notification address: a phone number as a phone; an e-mail address
//     its domain and the first and last 2 characters of its local part
//     (wa*******ng@example.com; a short one its first character, one of a
//     single character a star); any other
//     address (an account of a messaging platform) the same as the local part;
//   - other personal text keeps its first character.
//
// Masks keep no more than the rule says whatever the input: a value too
// short for its pattern is all stars.
func Mask(kind Personal, value string) string {
	switch kind {
	case PersonalIDNumber:
		return maskEnds(value, 1, 1)
	case PersonalPhone:
		return maskPhone(value)
	case PersonalAddress:
		return maskAddress(value)
	case PersonalBirthDate:
		return ""
	case PersonalContact:
		return maskContact(value)
	}
	if value == "" {
		return ""
	}
	_, n := utf8.DecodeRuneInString(value)
	return value[:n] + "****"
}

// Disclose returns value in full when revealed, else masked by Mask. The
// caller says revealed only after the reader's permission to reveal was
// checked and the reveal audited (the services do both).
func Disclose(kind Personal, value string, revealed bool) string {
	if revealed {
		return value
	}
	return Mask(kind, value)
}

// maskEnds keeps head and tail characters and stars the rest, keeping the
// length; a value with no more than head+tail characters is all stars.
func maskEnds(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// maskPhone masks a canonical phone number (Phone's forms).
func maskPhone(s string) string {
	if area, rest, ok := strings.Cut(s, "-"); ok {
		local, _, _ := strings.Cut(rest, "-") // the extension is dropped
		if utf8.RuneCountInString(local) > 2 {
			return area + "-" + maskEnds(local, 0, 2)
		}
	}
	if len(s) == 11 {
		return maskEnds(s, 3, 4)
	}
	return strings.Repeat("*", utf8.RuneCountInString(s))
}

// addressParts end the administrative part of an address.
var addressParts = []string{"居委会", "社区", "街道", "省", "市", "区", "县", "旗", "镇", "乡", "村"}

// maskAddress keeps the administrative part of an address.
func maskAddress(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	head := r
	if len(head) > 20 {
		head = head[:20]
	}
	keep := 0
	hs := string(head)
	for _, p := range addressParts {
		if i := strings.LastIndex(hs, p); i >= 0 {
			if end := utf8.RuneCountInString(hs[:i]) + utf8.RuneCountInString(p); end > keep {
				keep = end
			}
		}
	}
	if keep == 0 || keep >= len(r) {
		keep = min(3, len(r)/2)
	}
	return string(r[:keep]) + "****"
}

// maskContact masks a notification address (PersonalContact).
func maskContact(addr string) string {
	if p, err := ParsePhone(addr); err == nil {
		m := maskPhone(string(p))
		if !strings.Contains(addr, "-") {
			// A landline typed without its separator is shown without
			// it: the mask is never longer than what was typed.
			m = strings.ReplaceAll(m, "-", "")
		}
		return m
	}
	local, domain, isMail := strings.Cut(addr, "@")
	switch n := utf8.RuneCountInString(local); {
	case !isMail || n == 0:
		// Not an e-mail address, or one without a local part to hide:
		// the whole address is masked as an account.
		return maskAccount(addr)
	case n == 1:
		return "*@" + domain
	}
	return maskAccount(local) + "@" + domain
}

// maskAccount masks an account name or an e-mail address's local part: its
// first and last 2 characters when it is longer than 4, else its first.
func maskAccount(s string) string {
	r := []rune(s)
	switch {
	case len(r) > 4:
		return maskEnds(s, 2, 2)
	case len(r) > 1:
		return string(r[:1]) + strings.Repeat("*", len(r)-1)
	}
	return s
}
