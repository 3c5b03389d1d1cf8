package web

import (
	"html/template"
	"net/http"
	"slices"

	"shequ"
)

// needChoice is an accepted need a new project may come from: the
// designer ticks it instead of typing its id.
type needChoice struct {
	ID, Title string
	Place     template.HTML // its community by name
	Supports  int
	Checked   bool
}

// maxNeedChoices bounds the needs a design form lists.
const maxNeedChoices = 200

// fillNeedChoices lists the accepted needs of the designer's scope, most
// supported first, those of f.Needs ticked.
func (s *Server) fillNeedChoices(r *http.Request, f *projectForm) error {
	list, _, err := s.cfg.Linkage.FindNeeds(r.Context(), shequ.NeedFilter{Status: shequ.NeedAccepted, Limit: maxNeedChoices})
	if err != nil {
		return err
	}
	if a := shequ.ActorFrom(r.Context()); a != nil {
		f.Scope = a.Scope
	}
	picked := splitList(f.Needs)
	f.NeedChoices = f.NeedChoices[:0]
	for _, n := range list {
		f.NeedChoices = append(f.NeedChoices, needChoice{ID: n.ID, Title: n.Title, Place: s.places.placeHTML(n.Community),
			Supports: n.Supports, Checked: slices.Contains(picked, n.ID)})
	}
	return nil
}

// maxMergeTargets bounds the needs a merge offers.
const maxMergeTargets = 200

// mergeTargets lists the needs of n's community it may be merged into:
// open ones (submitted or accepted) other than itself, most supported
// first.
func (s *Server) mergeTargets(r *http.Request, n *shequ.Need) ([]*shequ.Need, error) {
	var out []*shequ.Need
	for _, st := range []shequ.NeedStatus{shequ.NeedAccepted, shequ.NeedSubmitted} {
		list, _, err := s.cfg.Linkage.FindNeeds(r.Context(), shequ.NeedFilter{Community: n.Community, Status: st, Limit: maxMergeTargets})
		if err != nil {
			return nil, err
		}
		for _, x := range list {
			if x.ID != n.ID {
				out = append(out, x)
			}
		}
	}
	return out, nil
}
