package web

import (
	"html"
	"net/http"
	"regexp"
	"strings"

	"shequ"
)

// Search pickers: where a form asks for a resident,
// people search by name (or ID number) and tick one of the matches,
// instead of typing its id. The "pick_field" partial asks; the endpoint
// here answer each search with the matches as radio buttons.

// pickFieldRE is what a picker's field name may be.
var pickFieldRE = regexp.MustCompile(`^[a-z_]{1,40}$`)

// maxPickMatches bounds the matches a search shows.
const maxPickMatches = 10

// pickChoice is one match.
type pickChoice struct {
	Value, Label, Detail string
}

// writePickChoices answers a search with its matches as radio buttons of
// the field, or a line saying there are none.
func (s *Server) writePickChoices(w http.ResponseWriter, r *http.Request, field string, choices []pickChoice) {
	l := s.localizer(r)
	e := html.EscapeString
	var b strings.Builder
	for i, c := range choices {
		id := e(field) + "-pick-" + string(rune('0'+i))
		b.WriteString(`<label class="check pick-choice" for="` + id + `"><input type="radio" id="` + id + `" name="` + e(field) + `" value="` +
			e(c.Value) + `"> <span>` + e(c.Label))
		if c.Detail != "" {
			b.WriteString(` <span class="hint">` + e(c.Detail) + `</span>`)
		}
		b.WriteString("</span></label>")
	}
	if len(choices) == 0 {
		b.WriteString(`<p class="empty">` + e(l.T("pick.none_found")) + `</p>`)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(b.String()))
}

// pickQuery reads a search: the text and the field the choices are for.
func pickQuery(r *http.Request) (q, field string, ok bool) {
	q = strings.TrimSpace(r.URL.Query().Get("q"))
	field = r.URL.Query().Get("field")
	return q, field, pickFieldRE.MatchString(field) && len([]rune(q)) <= 40
}

// handleResidentPick serves GET /residents/pick?q=&field=: the residents of
// the worker's scope whose name holds q, or whose ID number is q; their
// numbers masked (a picker reveals nothing the register does not).
func (s *Server) handleResidentPick(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionResidentRead, s.cfg.Residents != nil)
	if !ok {
		return
	}
	q, field, ok := pickQuery(r)
	if !ok || a.OwnOnly(shequ.ActionResidentRead) {
		s.error(w, r, shequ.ErrNotFound)
		return
	}
	var choices []pickChoice
	if q != "" {
		f := shequ.ResidentFilter{Community: a.Scope, Limit: maxPickMatches}
		if id, err := shequ.ParseIDNumber(q, s.now()); err == nil {
			f.IDNumber = string(id)
		} else {
			f.Query = q
		}
		list, _, err := s.cfg.Residents.FindResidents(r.Context(), f)
		if err != nil {
			s.error(w, r, err)
			return
		}
		for _, x := range list {
			choices = append(choices, pickChoice{Value: x.ID, Label: x.Name,
				Detail: x.IDNumber.Masked() + " · " + s.places.name(x.Community)})
		}
	}
	s.writePickChoices(w, r, field, choices)
}
