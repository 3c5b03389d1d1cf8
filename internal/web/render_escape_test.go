package web

import (
	"errors"
	"html/template"
	"io"
	"testing"
)

// TestEveryPageEscapes executes every page of every language once with no
// page data. html/template checks the contexts of a whole template, branches
// not taken included, on its first execution, so an action in an ambiguous
// context (for example {{.ID}} after an {{if}} inside a URL, which made
// /projects answer 500) fails here as a *template.Error; the missing data
// may only fail as an execution error.
func TestEveryPageEscapes(t *testing.T) {
	s := newTestServer(t, nil)
	for _, lang := range s.cat.Languages() {
		for page := range pageFiles {
			tm, err := s.tmpl.page(lang, page)
			if err != nil {
				t.Errorf("%s/%s: %v", lang, page, err)
				continue
			}
			err = tm.ExecuteTemplate(io.Discard, "layout", &view{Lang: lang, Title: page})
			var escErr *template.Error
			if errors.As(err, &escErr) {
				t.Errorf("%s/%s: %v", lang, page, err)
			}
		}
	}
}
