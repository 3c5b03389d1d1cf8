package web

import (
	"html/template"
	"net/http"
	"slices"

	"shequ"
)

// reviewerChoice is an account an official may appoint to score bids:
// ticked instead of typing its username.
type reviewerChoice struct {
	Username, Name, Role string
	Place                template.HTML // the account's scope by name
	Checked              bool          // appointed already
}

// reviewerChoices lists the accounts who may score the bids of p (the
// service's ReviewerCandidates), those appointed ticked.
func (s *Server) reviewerChoices(r *http.Request, p *shequ.Project) ([]reviewerChoice, error) {
	users, err := s.cfg.Linkage.ReviewerCandidates(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	l := s.localizer(r)
	var out []reviewerChoice
	for _, u := range users {
		c := reviewerChoice{Username: u.Username, Name: u.Name, Role: l.T("role." + string(u.Role)),
			Checked: slices.Contains(p.Reviewers, u.ID)}
		if u.Scope == "" {
			c.Place = h(l.T("divisions.country"))
		} else {
			c.Place = s.places.placeHTML(u.Scope)
		}
		out = append(out, c)
	}
	return out, nil
}
