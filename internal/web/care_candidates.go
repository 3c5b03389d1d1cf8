package web

import (
	"net/http"
	"net/url"

	"shequ"
)

// careCandidatesPage is the data of templates/care_candidates.html: the
// residents the register suggests for care in a community the actor's care
// duties cover (tagged left behind, or a child whose household has no
// parent in the register). A worker confirms one by opening the care
// register's form with the person already picked and saving it.
type careCandidatesPage struct {
	Picker     []pickerGroup // the communities the actor's duties cover
	Community  string
	Name       string // of Community
	Candidates []careCandidateRow
	Picked     bool // a community was picked and read
}

// handleCareCandidates serves GET /care/candidates[?community=].
func (s *Server) handleCareCandidates(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareWrite, s.cfg.Care != nil); !ok {
		return
	}
	ctx := r.Context()
	a := shequ.ActorFrom(ctx)
	acc, err := s.cfg.Care.MyCareAccess(ctx)
	if err != nil {
		s.error(w, r, err)
		return
	}
	groups, _ := s.communityPicker(ctx, a.Scope)
	p := &careCandidatesPage{Community: r.URL.Query().Get("community")}
	var only []string
	for _, g := range groups {
		var opts []registerOption
		for _, o := range g.Options {
			if acc.Covers(o.Value) {
				opts, only = append(opts, o), append(only, o.Value)
			}
		}
		if len(opts) > 0 {
			g.Options = opts
			p.Picker = append(p.Picker, g)
		}
	}
	if p.Community == "" && len(only) == 1 {
		p.Community = only[0]
	}
	var found bool
	if p.Picker, found = pick(p.Picker, p.Community); !found {
		p.Community = ""
	}
	for _, g := range p.Picker {
		for _, o := range g.Options {
			if o.Selected {
				p.Name = o.Label
			}
		}
	}
	if p.Community != "" {
		list, err := s.cfg.Care.CareCandidates(ctx, p.Community)
		if err != nil {
			s.error(w, r, err)
			return
		}
		for _, c := range list {
			p.Candidates = append(p.Candidates, careCandidateRow{CareCandidate: c, Href: careConfirmHref(c)})
		}
		p.Picked = true
	}
	s.render(w, r, http.StatusOK, "care_candidates", s.localizer(r).T("care.candidates.title"), p)
}

// careCandidateRow is a suggestion with the link that confirms it.
type careCandidateRow struct {
	*shequ.CareCandidate
	Href string
}

// careConfirmHref is the care register's new form with the candidate
// picked, their suggested kind, the first reason that fits it and their
// community.
func careConfirmHref(c *shequ.CareCandidate) string {
	q := url.Values{"resident_id": {c.ResidentID}, "kind": {string(c.Kind)}, "community": {c.Community}}
	if rs := shequ.ReasonsFor(c.Kind); len(rs) > 0 {
		q.Set("reason", string(rs[0]))
	}
	return "/care/people/new?" + q.Encode()
}

// handleAPICareCandidates serves GET /api/v1/care/candidates[?community=]:
// the suggestions of a community, or without one of every community the
// actor is 儿童主任 of.
func (s *Server) handleAPICareCandidates(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareWrite, s.cfg.Care != nil); !ok {
		return
	}
	communities := []string{r.URL.Query().Get("community")}
	if communities[0] == "" {
		acc, err := s.cfg.Care.MyCareAccess(r.Context())
		if err != nil {
			s.error(w, r, err)
			return
		}
		communities = acc.Director
	}
	var list []*shequ.CareCandidate
	for _, c := range communities {
		more, err := s.cfg.Care.CareCandidates(r.Context(), c)
		if err != nil {
			s.error(w, r, err)
			return
		}
		list = append(list, more...)
	}
	writeList(w, list, len(list), func(c *shequ.CareCandidate) map[string]any {
		return map[string]any{"resident_id": c.ResidentID, "name": c.Name, "id_number_masked": c.IDMasked,
			"community_code": c.Community, "age": c.Age, "kind": c.Kind, "why": c.Why}
	})
}
