package web

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestEveryTemplateRegistered fails when a file is added under templates/
// without being listed in layoutFiles or pageFiles, and when a listed page
// is not parsed for every language.
func TestEveryTemplateRegistered(t *testing.T) {
	s := newTestServer(t, nil)
	files, err := templateFileNames()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no templates embedded")
	}
	listed := slices.Clone(layoutFiles)
	for _, f := range pageFiles {
		listed = append(listed, f)
	}
	for _, f := range files {
		if !slices.Contains(listed, f) {
			t.Errorf("%s is not registered in layoutFiles or pageFiles", f)
		}
	}
	for _, f := range listed {
		if !slices.Contains(files, f) {
			t.Errorf("%s is registered but does not exist", f)
		}
	}
	for _, lang := range catalog(t).Languages() {
		for page := range pageFiles {
			tm, err := s.tmpl.page(lang, page)
			if err != nil || tm.Lookup("layout") == nil || tm.Lookup("content") == nil {
				t.Errorf("%s/%s: not parsed with layout and content", lang, page)
			}
		}
	}
}

// tKeyRE finds literal keys passed to the t function in templates.
var tKeyRE = regexp.MustCompile(`\bt "([^"]+)"`)

// TestTemplateKeysExist checks every literal key used in templates, and the
// keys of the navigation and home tiles, against the catalogue; the
// catalogue's own test covers keys in Go calls.
func TestTemplateKeysExist(t *testing.T) {
	files, err := templateFileNames()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range files {
		b, err := templateFS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tKeyRE.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d keys in templates; the pattern is broken", len(keys))
	}
	for _, n := range navEntries {
		keys = append(keys, n.Key)
		if n.OwnKey != "" {
			keys = append(keys, n.OwnKey)
		}
	}
	for _, g := range navGroups {
		keys = append(keys, g.Key)
	}
	for code := range statusByCode {
		keys = append(keys, "error.code."+code)
	}
	c := catalog(t)
	for _, lang := range c.Languages() {
		l := c.Localizer(lang)
		for _, k := range keys {
			if l.T(k) == k {
				t.Errorf("%s: key %q is not in the catalogue", lang, k)
			}
		}
	}
}

// TestNoChineseInTemplates keeps all UI text in the catalogue.
func TestNoChineseInTemplates(t *testing.T) {
	han := regexp.MustCompile(`\p{Han}`)
	files, _ := templateFileNames()
	for _, f := range files {
		b, _ := templateFS.ReadFile(f)
		if loc := han.FindIndex(b); loc != nil {
			t.Errorf("%s has Chinese text at byte %d; put it in the catalogue", f, loc[0])
		}
	}
}

func TestFormatDate(t *testing.T) {
	c := catalog(t)
	// 2026-11-28 17:30 UTC is already 29 November in Shanghai.
	ts := time.Date(2026, 11, 28, 17, 30, 0, 0, time.UTC)
	tests := []struct {
		lang string
		want string
	}{
		{"zh-CN", "2026年11月29日"},
		{"en", "29 Nov 2026"},
	}
	for _, tt := range tests {
		if got := formatDate(c.Localizer(tt.lang), ts); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.lang, got, tt.want)
		}
	}
	if got := formatDate(c.Localizer(), time.Time{}); got != "未知" {
		t.Errorf("zero time = %q", got)
	}
}

func TestFormatNumber(t *testing.T) {
	v := int64(-1234567)
	tests := []struct {
		in   any
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {123456, "123,456"}, {int64(1234567), "1,234,567"},
		{&v, "-1,234,567"}, {(*int64)(nil), ""}, {-100, "-100"}, {"x", "x"},
	}
	for _, tt := range tests {
		if got := formatNumber(tt.in); got != tt.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTemplateFuncT(t *testing.T) {
	s := newTestServer(t, nil)
	tf := s.funcs(catalog(t).Localizer("en"))["t"].(func(string, ...any) (string, error))
	if got, err := tf("paging.status", "Page", 2, "Pages", 5); err != nil || got != "Page 2 of 5" {
		t.Errorf("t = %q, %v", got, err)
	}
	if _, err := tf("paging.status", "Page"); err == nil {
		t.Error("odd arguments must be an error")
	}
	if _, err := tf("paging.status", 1, 2); err == nil {
		t.Error("a non-string name must be an error")
	}
}

func TestNavMarksCurrent(t *testing.T) {
	s := newTestServer(t, nil)
	body := s.get(t, "/divisions/33").Body.String()
	if !strings.Contains(body, `<a id="nav-divisions" href="/divisions" aria-current="page">`) ||
		strings.Contains(body, `<a id="nav-home" href="/" aria-current="page">`) {
		t.Error("the divisions entry is the current one")
	}
}

// TestTemplateNamesUnique: html/template lets a later {{define}} replace an
// earlier one of the same name without a word, so two shared partials of
// one name (or a page redefining a shared one) would silently render the
// wrong markup. Every name defined in the shared files is defined once, and
// no page defines it again.
func TestTemplateNamesUnique(t *testing.T) {
	define := regexp.MustCompile(`{{-?\s*define\s+"([^"]+)"`)
	names := func(file string) []string {
		b, err := templateFS.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range define.FindAllStringSubmatch(string(b), -1) {
			out = append(out, m[1])
		}
		return out
	}
	shared := map[string]string{}
	for _, f := range layoutFiles {
		for _, n := range names(f) {
			if prev, ok := shared[n]; ok {
				t.Errorf("template %q is defined in %s and in %s", n, prev, f)
			}
			shared[n] = f
		}
	}
	for _, f := range pageFiles {
		for _, n := range names(f) {
			if prev, ok := shared[n]; ok && n != "content" {
				t.Errorf("page %s redefines %q of %s", f, n, prev)
			}
		}
	}
}
