package shequ_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"shequ"
)

func TestMaskContact(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"wangxiuying@example.com", "wa*******ng@example.com"},
		{"wangxy@example.com", "wa**xy@example.com"},
		{"abc@example.com", "a**@example.com"},
		{"a@example.com", "*@example.com"},
		{"@00", "@**"},                 // no local part: masked as a whole
		{"13800138000", "138****8000"}, // a phone number masked as one
		{"王秀英的微信号", "王秀***信号"},
		{"", ""},
	} {
		if got := shequ.Mask(shequ.PersonalContact, c.in); got != c.want {
			t.Errorf("Mask(contact, %q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestChannelPrefValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		p    shequ.ChannelPref
		want []string // fields with errors
	}{
		{"email", shequ.ChannelPref{Channel: "email", Enabled: true, Address: "a@example.com", Lang: "zh-CN"}, nil},
		{"email off without address", shequ.ChannelPref{Channel: "email", Lang: "en"}, nil},
		{"email on without address", shequ.ChannelPref{Channel: "email", Enabled: true, Lang: "en"}, []string{"email_address"}},
		{"email with a display name", shequ.ChannelPref{Channel: "email", Enabled: true, Address: "王 <a@example.com>", Lang: "en"}, []string{"email_address"}},
		{"email not an address", shequ.ChannelPref{Channel: "email", Enabled: true, Address: "not mail", Lang: "en"}, []string{"email_address"}},
		{"email too long", shequ.ChannelPref{Channel: "email", Address: strings.Repeat("a", 250) + "@b.cn", Lang: "en"}, []string{"email_address"}},
		{"webhook", shequ.ChannelPref{Channel: "webhook", Enabled: true, Address: "13800138000", Lang: "en"}, nil},
		{"webhook control char", shequ.ChannelPref{Channel: "webhook", Enabled: true, Address: "138\n00", Lang: "en"}, []string{"webhook_address"}},
		{"webhook too long", shequ.ChannelPref{Channel: "webhook", Enabled: true, Address: strings.Repeat("号", 129), Lang: "en"}, []string{"webhook_address"}},
		{"bad language", shequ.ChannelPref{Channel: "webhook", Address: "x", Lang: "fr"}, []string{"webhook_lang"}},
		{"unknown channel", shequ.ChannelPref{Channel: "sms", Address: "x", Lang: "en"}, []string{"channel"}},
	} {
		var fe shequ.FieldErrors
		c.p.Validate(&fe)
		var got []string
		for _, f := range shequ.AsError(fe.Err()).Fields {
			got = append(got, f.Field)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: errors on %v, want %v", c.name, got, c.want)
		}
	}
}

// FuzzChannelPrefValidate: whatever the input, an accepted address is
// valid UTF-8 without control characters and within its bounds, and its
// mask is no longer than it.
func FuzzChannelPrefValidate(f *testing.F) {
	f.Add("email", "a@example.com")
	f.Add("webhook", "13800138000")
	f.Add("webhook", "\x00\xff")
	f.Fuzz(func(t *testing.T, channel, addr string) {
		p := shequ.ChannelPref{Channel: channel, Enabled: true, Address: addr, Lang: "zh-CN"}
		var fe shequ.FieldErrors
		p.Validate(&fe)
		if fe.Err() != nil {
			return
		}
		if !utf8.ValidString(p.Address) || strings.ContainsAny(p.Address, "\x00\n\r\x7f") || utf8.RuneCountInString(p.Address) > 254 {
			t.Fatalf("accepted %q on %s", p.Address, channel)
		}
		if m := shequ.Mask(shequ.PersonalContact, p.Address); utf8.RuneCountInString(m) > utf8.RuneCountInString(p.Address) {
			t.Fatalf("mask %q longer than %q", m, p.Address)
		}
	})
}
