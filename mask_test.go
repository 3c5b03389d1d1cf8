package shequ_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"shequ"
)

func TestMask(t *testing.T) {
	for _, tt := range []struct {
		kind     shequ.Personal
		in, want string
	}{
		{shequ.PersonalIDNumber, "11010519491231002X", "1****************X"},
		{shequ.PersonalIDNumber, "330523195203120114", "3****************4"},
		{shequ.PersonalIDNumber, "12", "**"},
		{shequ.PersonalIDNumber, "", ""},
		{shequ.PersonalPhone, "13857200001", "138****0001"},
		{shequ.PersonalPhone, "0572-5123456", "0572-*****56"},
		{shequ.PersonalPhone, "010-88886666", "010-******66"},
		{shequ.PersonalPhone, "0572-5123456-12", "0572-*****56"},
		{shequ.PersonalPhone, "12345", "*****"},
		{shequ.PersonalPhone, "", ""},
		{shequ.PersonalAddress, "安吉县递铺街道胜利西路33号2幢301室", "安吉县递铺街道****"},
		{shequ.PersonalAddress, "浙江省湖州市安吉县孝丰镇溪南村5组12号", "浙江省湖州市安吉县孝丰镇溪南村****"},
		{shequ.PersonalAddress, "胜利西路33号2幢301室", "胜利西****"},
		{shequ.PersonalAddress, "苕秀社区", "苕秀****"},
		{shequ.PersonalAddress, "", ""},
		{shequ.PersonalBirthDate, "1952-03-12", ""},
		{shequ.PersonalText, "王建国", "王****"},
		{shequ.PersonalText, "", ""},
	} {
		if got := shequ.Mask(tt.kind, tt.in); got != tt.want {
			t.Errorf("Mask(%s, %q) = %q, want %q", tt.kind, tt.in, got, tt.want)
		}
		if got := shequ.Disclose(tt.kind, tt.in, true); got != tt.in {
			t.Errorf("Disclose revealed %q = %q", tt.in, got)
		}
	}
	// The register's numbers mask through the same rule.
	if got := shequ.IDNumber("11010519491231002X").Masked(); got != shequ.Mask(shequ.PersonalIDNumber, "11010519491231002X") {
		t.Errorf("IDNumber.Masked = %q", got)
	}
	if got := shequ.Phone("13857200001").Masked(); got != "138****0001" {
		t.Errorf("Phone.Masked = %q", got)
	}
}

// FuzzMask checks that a mask never keeps more than its rule allows: at
// most 2 characters of an ID number, 7 digits of a mobile and the area
// code plus 2 digits of a fixed line, and never the whole of a value of
// more than 2 characters.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "13857200001", "0572-5123456-12", "安吉县递铺街道胜利西路33号", "x", "", "@00", "a@b.cn"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range shequ.PersonalKinds {
			m := shequ.Mask(k, s)
			if utf8.RuneCountInString(s) > 2 && m == s && !strings.Contains(s, "*") {
				t.Fatalf("%s mask of %q is the value", k, s)
			}
		}
		kept := func(m string) int { return utf8.RuneCountInString(strings.ReplaceAll(m, "*", "")) }
		if m := shequ.Mask(shequ.PersonalIDNumber, s); kept(m) > 2+strings.Count(s, "*") {
			t.Fatalf("ID mask %q of %q keeps too much", m, s)
		}
		if p, err := shequ.ParsePhone(s); err == nil {
			m := p.Masked()
			area, local, fixed := strings.Cut(string(p), "-")
			switch {
			case !fixed && kept(m) != 7:
				t.Fatalf("mobile mask %q of %q", m, p)
			case fixed:
				local, _, _ = strings.Cut(local, "-")
				if hidden := strings.Count(m, "*"); hidden != len(local)-2 || !strings.HasPrefix(m, area+"-") {
					t.Fatalf("fixed-line mask %q of %q", m, p)
				}
			}
		}
	})
}
