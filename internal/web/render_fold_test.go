package web

import (
	"html/template"
	"strings"
	"testing"

	"shequ/internal/i18n"
)

// TestFoldTranslations: constant translations in HTML text, quoted
// attributes, <title> and the branches of if, range and with, in the
// layout and what it calls, are folded into text; those in a URL, a script
// or an unquoted attribute, and those of a template the layout does not
// call, keep their calls; and the folded set prints exactly what the
// unfolded one prints, escaping included (a missing key prints itself).
func TestFoldTranslations(t *testing.T) {
	s := newTestServer(t, nil)
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	l := cat.Localizer("zh-CN")
	const hostile = `<b>&"'+x`
	src := `{{define "layout"}}<title>{{t "site.name"}}</title>` +
		`<p title="{{t "` + strings.ReplaceAll(hostile, `"`, `\"`) + `"}}">{{t "` + strings.ReplaceAll(hostile, `"`, `\"`) + `"}}</p>` +
		`<a href="/x?q={{t "site.name"}}">{{if .}}{{t "nav.login"}}{{else}}{{t "nav.logout"}}{{end}}</a>` +
		`{{range .}}<i>{{t "site.skip"}}</i>{{end}}{{with .}}<u>{{t "site.footer"}}</u>{{end}}` +
		`<script>var s = {{t "site.name"}};</script><input value={{t "site.name"}}>{{template "part" .}}{{end}}` +
		`{{define "part"}}<em>{{t "nav.login"}}</em>{{end}}{{define "unused"}}{{t "site.name"}}{{end}}`
	parse := func() *template.Template {
		return template.Must(template.New("").Funcs(s.funcs(l)).Parse(src))
	}
	plain, folded := parse(), parse()
	n, err := foldTranslations(folded, l)
	if err != nil {
		t.Fatal(err)
	}
	if n != 8 {
		t.Errorf("%d actions folded, want 8 (title, attribute, text, if, else, range, with, the called template)", n)
	}
	for _, data := range []any{nil, []int{1, 2}} {
		var want, got strings.Builder
		if err := plain.ExecuteTemplate(&want, "layout", data); err != nil {
			t.Fatal(err)
		}
		if err := folded.ExecuteTemplate(&got, "layout", data); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("data %v:\n got %s\nwant %s", data, got.String(), want.String())
		}
		if !strings.Contains(got.String(), "&lt;b&gt;&amp;&#34;&#39;&#43;x") {
			t.Errorf("the hostile key is not escaped as html/template does: %s", got.String())
		}
	}
	// The template the layout does not call is escaped on its first run,
	// with its call.
	var b strings.Builder
	if err := folded.ExecuteTemplate(&b, "unused", nil); err != nil || b.String() != l.T("site.name") {
		t.Errorf("unused template: %q, %v", b.String(), err)
	}
}
