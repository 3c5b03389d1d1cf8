package i18n

import (
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// loadRaw reads every embedded catalogue as a flat map, bypassing go-i18n, so
// that the tests see exactly what translators wrote.
func loadRaw(tb testing.TB) map[string]map[string]string {
	tb.Helper()
	out := map[string]map[string]string{}
	for _, lang := range supported {
		buf, err := fs.ReadFile(localeFS, path.Join("locales", lang+".json"))
		if err != nil {
			tb.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(buf, &m); err != nil {
			tb.Fatalf("%s.json must be a flat object of strings: %v", lang, err)
		}
		out[lang] = m
	}
	return out
}

// placeholderRE matches {{.Name}} placeholders, the only template syntax the
// catalogue uses.
var placeholderRE = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestCatalogueFilesAgree(t *testing.T) {
	raw := loadRaw(t)
	zh := raw[Default]
	if len(zh) == 0 {
		t.Fatal("zh-CN catalogue is empty")
	}
	for lang, m := range raw {
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %q has an empty value", lang, k)
			}
			if strings.Contains(v, "{{") && len(placeholders(v)) == 0 {
				t.Errorf("%s: %q uses template syntax other than {{.Name}}: %q", lang, k, v)
			}
		}
		if lang == Default {
			continue
		}
		for k := range zh {
			if _, ok := m[k]; !ok {
				t.Errorf("%s lacks key %q", lang, k)
			}
		}
		for k := range m {
			if _, ok := zh[k]; !ok {
				t.Errorf("%s has key %q that zh-CN lacks", lang, k)
			}
		}
		for k, zv := range zh {
			v, ok := m[k]
			if !ok {
				continue
			}
			if diff := cmp.Diff(placeholders(zv), placeholders(v)); diff != "" {
				t.Errorf("%s: placeholders of %q differ from zh-CN (-zh +%s):\n%s", lang, k, lang, diff)
			}
		}
	}
}

// TestCatalogueParsesAsTemplates runs every message once, so that a broken
// template shows up here rather than as a raw key on a page.
func TestCatalogueParsesAsTemplates(t *testing.T) {
	c := mustNew(t)
	for lang, m := range loadRaw(t) {
		l := c.Localizer(lang)
		for k := range m {
			data := map[string]any{}
			for _, p := range placeholders(m[k]) {
				data[p] = "X"
			}
			got := l.T(k, data)
			if got == k || strings.Contains(got, "<no value>") {
				t.Errorf("%s: %q renders as %q", lang, k, got)
			}
		}
	}
}
