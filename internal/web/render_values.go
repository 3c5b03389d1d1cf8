package web

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"shequ"
	"shequ/internal/i18n"
)

// How values are shown on pages: every label/value grid (<dl class="attrs">)
// is made of rows of the one "kv" partial (partials.html), whose values
// are text or markup built by the functions here, each escaping what it is
// given; a stored code is shown by its label (a community by its name with
// the code in small print).

// kvRow is one label/value pair of a grid, the argument of the "kv"
// partial.
type kvRow struct {
	ID     string
	Label  string
	Value  any    // text (escaped) or template.HTML from h, code, link, place
	Class  string // of the value, e.g. "code"
	State  string // data-state of the value, for styles and tests
	Status string // data-status, likewise
	// Personal is the kind of personal value shown (data-personal): the
	// masking rule it went through (shequ.Personal).
	Personal string
}

// kv builds a row: kv "request-state" (t "request.state") value
// ["class=code" "state=accepted" "status=draft" "personal=phone"]; an
// option with an empty value sets nothing.
func kv(id, label string, value any, opts ...string) (kvRow, error) {
	row := kvRow{ID: id, Label: label, Value: value}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "class":
			row.Class = v
		case "state":
			row.State = v
		case "status":
			row.Status = v
		case "personal":
			row.Personal = v
		default:
			return row, fmt.Errorf("kv %q: unknown option %q", id, o)
		}
	}
	return row, nil
}

// emptyValue reports whether a row's value shows nothing, so that the
// partial shows — instead.
func emptyValue(v any) bool {
	if v == nil {
		return true
	}
	switch x := reflect.ValueOf(v); x.Kind() {
	case reflect.String:
		return strings.TrimSpace(x.String()) == ""
	case reflect.Bool:
		return !x.Bool() // what a false {{and …}} gives
	case reflect.Pointer, reflect.Interface:
		return x.IsNil()
	}
	return false
}

// h joins parts into markup: text parts escaped, template.HTML parts (from
// the functions here) as they are.
func h(parts ...any) template.HTML {
	var b strings.Builder
	for _, p := range parts {
		switch x := p.(type) {
		case template.HTML:
			b.WriteString(string(x))
		case string:
			b.WriteString(html.EscapeString(x))
		case nil, bool: // what {{and …}} gives when it is false
		default:
			b.WriteString(html.EscapeString(fmt.Sprint(x)))
		}
	}
	return template.HTML(b.String())
}

// codeHTML shows an identifier in the code font.
func codeHTML(s string) template.HTML {
	if s == "" {
		return ""
	}
	return template.HTML(`<span class="code">` + html.EscapeString(s) + `</span>`)
}

// linkHTML links text to a local path; anything but a local path shows the
// text alone.
func linkHTML(href string, text any) template.HTML {
	body := h(text)
	if !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") || strings.ContainsAny(href, "\\\"<>") {
		return body
	}
	return template.HTML(`<a href="`+html.EscapeString(href)+`">`) + body + "</a>"
}

// hintHTML is a remark in the muted hint style, with an id when given.
func hintHTML(id, text string) template.HTML {
	attr := ""
	if id != "" {
		attr = ` id="` + html.EscapeString(id) + `"`
	}
	return template.HTML(`<span class="hint"` + attr + `>` + html.EscapeString(text) + `</span>`)
}

// joinText joins a list of texts with sep (、 in Chinese lists).
func joinText(list []string, sep string) string { return strings.Join(list, sep) }

// placeNames caches division names for the place function: reference
// data, read on many pages, changed only by an import.
type placeNames struct {
	mu      sync.Mutex
	names   map[string]placeEntry
	lookup  func(ctx context.Context, code string) (*shequ.Division, error)
	timeout time.Duration
}

type placeEntry struct {
	name    string
	expires time.Time
}

// placeTTL is how long a name is kept; placeCacheMax bounds the cache.
const (
	placeTTL      = 10 * time.Minute
	placeCacheMax = 50_000
)

// name returns the name of code, "" when unknown.
func (p *placeNames) name(code string) string {
	if code == "" || p.lookup == nil {
		return ""
	}
	now := time.Now()
	p.mu.Lock()
	if e, ok := p.names[code]; ok && now.Before(e.expires) {
		p.mu.Unlock()
		return e.name
	}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	d, err := p.lookup(ctx, code)
	name := ""
	if err == nil && d != nil {
		name = d.Name
	}
	p.mu.Lock()
	if len(p.names) >= placeCacheMax {
		clear(p.names)
	}
	if err == nil || shequ.ErrorCode(err) == shequ.ENotFound {
		p.names[code] = placeEntry{name: name, expires: now.Add(placeTTL)}
	}
	p.mu.Unlock()
	return name
}

// placeHTML shows a division by its name with its code in small print
// (苕溪社区 330523001002); an unknown code shows as a code.
func (p *placeNames) placeHTML(code string) template.HTML {
	if code == "" {
		return ""
	}
	name := p.name(code)
	if name == "" {
		return codeHTML(code)
	}
	return template.HTML(html.EscapeString(name) + ` <small class="code">` + html.EscapeString(code) + `</small>`)
}

// materialsTable is an item's checklist (申请材料) as a table: the name,
// original or copy, copies, required or not; nothing when it has none.
// The names wrap (a name with its note is long); the table scrolls in its
// box on a screen too narrow for it.
func materialsTable(l *i18n.Localizer, ms []shequ.Material) template.HTML {
	if len(ms) == 0 {
		return ""
	}
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<div class="table-wrap"><table class="materials" id="service-materials"><thead><tr><th scope="col" class="text">` + e(l.T("service.material.name")) +
		`</th><th scope="col">` + e(l.T("service.material.form")) + `</th><th scope="col" class="num">` + e(l.T("service.material.copies")) +
		`</th><th scope="col">` + e(l.T("service.material.required")) + `</th></tr></thead><tbody>`)
	for _, m := range ms {
		name := m.Name
		if m.Note != "" {
			name += "（" + m.Note + "）"
		}
		need := l.T("service.material.optional")
		if m.Required {
			need = l.T("service.material.must")
		}
		b.WriteString(`<tr><td class="text">` + e(name) + "</td><td>" + e(l.T("service.material.form."+string(m.Form))) + `</td><td class="num">` +
			strconv.Itoa(m.Copies) + "</td><td>" + e(need) + "</td></tr>")
	}
	b.WriteString("</tbody></table></div>")
	return template.HTML(b.String())
}
