package i18n

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

func mustNew(tb testing.TB) *Catalog {
	tb.Helper()
	c, err := New()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestLocalizerLang(t *testing.T) {
	c := mustNew(t)
	tests := []struct {
		name  string
		langs []string
		want  string
	}{
		{"none", nil, "zh-CN"},
		{"empty", []string{""}, "zh-CN"},
		{"garbage", []string{";;;==="}, "zh-CN"},
		{"unknown", []string{"fr-FR"}, "zh-CN"},
		{"zh tag", []string{"zh-CN"}, "zh-CN"},
		{"zh bare", []string{"zh"}, "zh-CN"},
		{"en tag", []string{"en"}, "en"},
		{"en-US header", []string{"en-US,en;q=0.9,zh-CN;q=0.8"}, "en"},
		{"zh preferred header", []string{"zh-CN,zh;q=0.9,en;q=0.8"}, "zh-CN"},
		{"cookie wins over header", []string{"en", "zh-CN,zh;q=0.9"}, "en"},
		{"bad cookie then header", []string{"xx", "en-GB"}, "en"},
		{"unknown then nothing", []string{"de", ""}, "zh-CN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Localizer(tt.langs...).Lang(); got != tt.want {
				t.Errorf("Localizer(%q).Lang() = %q, want %q", tt.langs, got, tt.want)
			}
		})
	}
}

func TestT(t *testing.T) {
	c := mustNew(t)
	zh, en := c.Localizer("zh-CN"), c.Localizer("en")
	tests := []struct {
		name string
		l    *Localizer
		key  string
		data []map[string]any
		want string
	}{
		{"zh plain", zh, "level.province", nil, "省级"},
		{"en plain", en, "level.province", nil, "Province"},
		{"zh data", zh, "site.version", []map[string]any{{"Version": "1.2.3"}}, "版本 1.2.3"},
		{"en merged data", en, "paging.status", []map[string]any{{"Page": 1}, {"Pages": 3}}, "Page 1 of 3"},
		{"missing key", en, "no.such.key", nil, "no.such.key"},
		{"empty key", zh, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.l.T(tt.key, tt.data...); got != tt.want {
				t.Errorf("T(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestError(t *testing.T) {
	c := mustNew(t)
	zh, en := c.Localizer(), c.Localizer("en")
	unknown := shequ.Errorf(shequ.EInvalid, "no.such.key", "Plain English.")
	if got := zh.Error(shequ.ErrDivisionCode); got != "区划代码应为 2、4、6、9 或 12 位数字。" {
		t.Errorf("zh ErrDivisionCode = %q", got)
	}
	if got := en.Error(shequ.ErrDivisionCode); got != shequ.ErrDivisionCode.Message {
		t.Errorf("en ErrDivisionCode = %q", got)
	}
	if got := zh.Error(unknown); got != "Plain English." {
		t.Errorf("unknown key falls back to the message, got %q", got)
	}
	if got := zh.Error(shequ.Wrap(errors.New("secret"), "x")); got != "服务器内部错误，请稍后再试。" {
		t.Errorf("internal = %q", got)
	}
	if got := zh.Error(nil); got != "" {
		t.Errorf("nil error = %q", got)
	}
	var fe shequ.FieldErrors
	fe.Add("limit", "param.range", "must be between 1 and 500.", map[string]any{"Min": 1, "Max": 500})
	fe.Add("q", "", "Free text.", nil)
	var got []string
	for _, f := range fe {
		got = append(got, zh.FieldError(f), en.FieldError(f))
	}
	want := []string{"必须在 1 到 500 之间。", "must be between 1 and 500.", "Free text.", "Free text."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("field errors (-want +got):\n%s", diff)
	}
}

func TestLanguages(t *testing.T) {
	c := mustNew(t)
	got := c.Languages()
	if diff := cmp.Diff([]string{"zh-CN", "en"}, got); diff != "" {
		t.Error(diff)
	}
	got[0] = "changed"
	if c.Languages()[0] != "zh-CN" {
		t.Error("Languages must return a copy")
	}
}

func TestEnumLabels(t *testing.T) {
	c := mustNew(t)
	var keys []string
	for _, l := range shequ.Levels {
		keys = append(keys, "level."+string(l))
	}
	for _, k := range []shequ.Kind{shequ.KindSubdistrict, shequ.KindTown, shequ.KindTownship, shequ.KindUrban, shequ.KindRural, shequ.KindOther} {
		keys = append(keys, "kind."+string(k))
	}
	for _, r := range shequ.Regions {
		keys = append(keys, "region."+string(r))
	}
	for _, tr := range shequ.Terrains {
		keys = append(keys, "terrain."+string(tr))
	}
	for _, u := range shequ.UrbanRuralCodes {
		keys = append(keys, "urban_rural."+string(u))
	}
	for _, lang := range c.Languages() {
		l := c.Localizer(lang)
		for _, k := range keys {
			if l.T(k) == k {
				t.Errorf("%s: no label for %q", lang, k)
			}
		}
	}
}

// BenchmarkT translates a plain message and one with placeholders, as a
// page does dozens of times.
func BenchmarkT(b *testing.B) {
	c, err := New()
	if err != nil {
		b.Fatal(err)
	}
	zh := c.Localizer("zh-CN")
	data := map[string]any{"Page": 2, "Pages": 9}
	b.ReportAllocs()
	for b.Loop() {
		if zh.T("level.province") == "" || zh.T("paging.status", data) == "" {
			b.Fatal("empty")
		}
	}
}
