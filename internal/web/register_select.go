package web

import (
	"net/http"

	"shequ"
	"shequ/internal/i18n"
)

// Record selects of the register forms: a text field that holds the id of
// a record of another register (a social worker's employing organization)
// is asked as a choice among the records the actor may pick, by name,
// instead of a typed id. When there are more than maxSelectOptions, or
// they cannot be listed, the field stays a text input.

// maxSelectOptions bounds a record select; beyond it a list is no help.
const maxSelectOptions = 300

// registerSelect lists the records a field may name for the actor, false
// when there are too many to list.
type registerSelect func(r *http.Request, a *shequ.Actor) ([]registerOption, bool)

// selectInput makes in a select of the options sel gives, the current
// value selected (kept as an option of its own when it is not listed, so
// that saving the form never drops it).
func (m *registerMount[T]) selectInput(r *http.Request, l *i18n.Localizer, a *shequ.Actor, in *registerInput, sel registerSelect) {
	opts, ok := sel(r, a)
	if !ok {
		return
	}
	found := false
	for i := range opts {
		if opts[i].Value == in.Value && in.Value != "" {
			opts[i].Selected, found = true, true
		}
	}
	if !found && in.Value != "" {
		opts = append([]registerOption{{Value: in.Value, Label: in.Value, Selected: true}}, opts...)
	}
	in.Kind, in.Options, in.Blank, in.Mode = "select", opts, l.T("form.choose"), ""
}

// orgSelect lists the organizations of the actor's scope, by name.
func (s *Server) orgSelect(r *http.Request, a *shequ.Actor) ([]registerOption, bool) {
	if s.cfg.Orgs == nil || a == nil {
		return nil, false
	}
	list, total, err := s.cfg.Orgs.FindOrgs(r.Context(), shequ.OrgFilter{Community: a.Scope, Limit: maxSelectOptions})
	if err != nil || total > len(list) {
		return nil, false
	}
	out := make([]registerOption, 0, len(list))
	for _, o := range list {
		label := o.Name
		if n := s.places.name(o.Community); n != "" {
			label += "（" + n + "）"
		}
		out = append(out, registerOption{Value: o.ID, Label: label})
	}
	return out, true
}
