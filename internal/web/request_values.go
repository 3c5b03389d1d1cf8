package web

import (
	"html"
	"html/template"
	"strings"

	"shequ"
)

// formValue is one answer of a request's form as pages show it: the
// field's label and the answer in words (a choice by its label, never its
// key: 助餐、助洁 rather than meal、clean). A personal value (an ID number,
// a phone, an address) is in the code font, "masked" until revealed, with
// its kind in Personal.
type formValue struct {
	Label, Text     string
	Class, Personal string
}

// answerRows returns the answers of values to form, in the form's order;
// unanswered fields are left out. revealed says the personal values are
// shown whole.
func answerRows(form []shequ.FormField, values map[string][]string, revealed bool) []formValue {
	var out []formValue
	for _, f := range form {
		v := values[f.Code]
		if len(v) == 0 {
			continue
		}
		texts := make([]string, len(v))
		for i, x := range v {
			texts[i] = choiceLabel(f, x)
		}
		row := formValue{Label: f.Label, Text: strings.Join(texts, "、")}
		if k := f.PersonalKind(); k != "" {
			row.Class, row.Personal = "code masked", string(k)
			if revealed {
				row.Class = "code"
			}
		}
		out = append(out, row)
	}
	return out
}

// choiceLabel is the label of the choice key of f, the value itself for a
// field without choices or a key no longer offered.
func choiceLabel(f shequ.FormField, key string) string {
	for _, c := range f.Choices {
		if c.Key == key {
			return c.Label
		}
	}
	return key
}

// Values are the request's answers with their labels.
func (p *requestPage) Values() []formValue { return answerRows(p.Form, p.R.Values, p.Revealed) }

// DueHTML is the due date with its flag (paused, overdue, due soon).
func (row requestRow) DueHTML() template.HTML {
	out := `<span class="due">` + html.EscapeString(row.Due) + `</span>`
	if row.Flag != "" {
		out += ` <span class="flag flag-` + html.EscapeString(row.Flag) + `">` + html.EscapeString(row.FlagText) + `</span>`
	}
	return template.HTML(out)
}

// ItemList names the items a delegation covers (the code of one no longer
// in the catalogue).
func (p *delegationPage) ItemList() []string {
	out := make([]string, len(p.D.Items))
	for i, c := range p.D.Items {
		if n := p.ItemNames[c]; n != "" {
			out[i] = n
		} else {
			out[i] = c
		}
	}
	return out
}

// TagsHTML shows a resident's tags with their labels (data-tag keeps the
// tag for tests and styles).
func (v residentView) TagsHTML() template.HTML {
	var b strings.Builder
	for i, t := range v.Tags {
		if i > 0 {
			b.WriteString("、")
		}
		b.WriteString(`<span class="tag" data-tag="` + html.EscapeString(t.ID) + `">` + html.EscapeString(t.Label) + `</span>`)
	}
	return template.HTML(b.String())
}
