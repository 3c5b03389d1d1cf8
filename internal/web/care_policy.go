package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"shequ"
)

// carePolicyPage is the data of templates/care_policy.html: a county's
// visit frequency by risk level and its grace period before an overdue
// visit goes to the township's 儿童督导员, with the form to change them
// for those who name duties (care.duty over the county).
type carePolicyPage struct {
	Counties []registerOption // the counties of the actor's area, picked from a list
	County   string
	Name     string // of County
	Policy   shequ.VisitPolicy
	Own      bool // the county has its own policy (else the default applies)
	Default  shequ.VisitPolicy
	CanSet   bool
	Form     carePolicyForm
	Notice   string
	Errors   map[string]string
	Error    string
}

// carePolicyForm is the policy form as sent.
type carePolicyForm struct {
	High, Medium, Low, Grace string
}

// maxPolicyCounties bounds the counties a policy picker lists.
const maxPolicyCounties = 300

// countiesUnder lists the counties at or below scope (the one county of a
// county, township or community account), at most maxPolicyCounties.
func (s *Server) countiesUnder(ctx context.Context, scope string) []registerOption {
	if s.cfg.Divisions == nil {
		return nil
	}
	if len(scope) >= 6 {
		d, err := s.cfg.Divisions.FindDivisionByCode(ctx, scope[:6])
		if err != nil {
			return nil
		}
		return []registerOption{{Value: d.Code, Label: d.Name}}
	}
	var out []registerOption
	var walk func(code, prefix string)
	walk = func(code, prefix string) {
		list, _, err := s.cfg.Divisions.FindDivisionChildren(ctx, code, 0, maxPolicyCounties)
		if err != nil {
			return
		}
		for _, d := range list {
			if len(out) >= maxPolicyCounties {
				return
			}
			switch {
			case len(d.Code) == 6:
				out = append(out, registerOption{Value: d.Code, Label: prefix + d.Name})
			case len(d.Code) < 6:
				walk(d.Code, prefix+d.Name+" · ")
			}
		}
	}
	walk(scope, "")
	return out
}

// handleCarePolicy serves GET /care/policy[?county=]: the policy of the
// county picked (the first of the area when none is).
func (s *Server) handleCarePolicy(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareRead, s.cfg.Care != nil); !ok {
		return
	}
	p := &carePolicyPage{County: r.URL.Query().Get("county")}
	if r.URL.Query().Get("notice") == "saved" {
		n, _ := strconv.Atoi(r.URL.Query().Get("replanned"))
		p.Notice = s.localizer(r).T("care.policy.notice.saved", map[string]any{"N": max(n, 0)})
	}
	if err := s.carePolicyData(r, p, true); err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "care_policy", s.localizer(r).T("care.policy.title"), p)
}

// carePolicyData fills the counties, the policy of p.County and, when
// fill, the form with it.
func (s *Server) carePolicyData(r *http.Request, p *carePolicyPage, fill bool) error {
	ctx := r.Context()
	a := shequ.ActorFrom(ctx)
	p.Counties, p.Default = s.countiesUnder(ctx, a.Scope), shequ.DefaultVisitPolicy
	found := false
	for i := range p.Counties {
		if p.Counties[i].Value == p.County {
			found = true
		}
	}
	if !found {
		p.County = ""
		if len(p.Counties) > 0 {
			p.County = p.Counties[0].Value
		}
	}
	for i := range p.Counties {
		if p.Counties[i].Selected = p.Counties[i].Value == p.County; p.Counties[i].Selected {
			p.Name = p.Counties[i].Label
		}
	}
	if p.County == "" {
		return nil
	}
	pol, err := s.cfg.Care.VisitPolicyFor(ctx, p.County)
	if err != nil {
		return err
	}
	p.Policy, p.Own = pol, pol.County != ""
	p.CanSet = a.Can(shequ.ActionCareDuty) && shequ.Authorize(a, shequ.ActionCareDuty, &shequ.Object{Division: p.County}) == nil
	if fill {
		p.Form = carePolicyForm{High: strconv.Itoa(pol.High), Medium: strconv.Itoa(pol.Medium), Low: strconv.Itoa(pol.Low),
			Grace: strconv.Itoa(pol.GraceDays)}
	}
	return nil
}

// handleCarePolicySet serves POST /care/policy: the county's frequencies
// and grace period; the plans of the county's people are recomputed at
// once, their duty holders told, and the notice says how many moved.
func (s *Server) handleCarePolicySet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareDuty, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := r.PostForm
	in := carePolicyForm{High: f.Get("high"), Medium: f.Get("medium"), Low: f.Get("low"), Grace: f.Get("grace_days")}
	pol := &shequ.VisitPolicy{County: f.Get("county"), High: formInt(in.High), Medium: formInt(in.Medium),
		Low: formInt(in.Low), GraceDays: formInt(in.Grace)}
	err := s.cfg.Care.SetVisitPolicy(r.Context(), pol)
	if err == nil {
		http.Redirect(w, r, "/care/policy?notice=saved&county="+url.QueryEscape(pol.County)+
			"&replanned="+strconv.Itoa(pol.Replanned), http.StatusSeeOther)
		return
	}
	p := &carePolicyPage{County: pol.County, Form: in}
	if derr := s.carePolicyData(r, p, false); derr != nil {
		s.error(w, r, derr)
		return
	}
	s.formFailed(w, r, "care_policy", "care.policy.title", p, &p.Errors, &p.Error, err)
}

// carePolicyJSON is the API form of a county's visit policy.
func carePolicyJSON(county string, p shequ.VisitPolicy) map[string]any {
	return map[string]any{"county": county, "high_days": p.High, "medium_days": p.Medium, "low_days": p.Low,
		"grace_days": p.GraceDays, "own": p.County != "", "replanned": p.Replanned}
}

// handleAPICarePolicy serves GET /api/v1/care/policy[?county=]: the
// policy of a county (without one, the first of the actor's area), the
// default when it has none of its own.
func (s *Server) handleAPICarePolicy(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionCareRead, s.cfg.Care != nil)
	if !ok {
		return
	}
	county := r.URL.Query().Get("county")
	if county == "" {
		if cs := s.countiesUnder(r.Context(), a.Scope); len(cs) > 0 {
			county = cs[0].Value
		}
	}
	if len(county) != 6 || shequ.ValidateDivisionCode(county) != nil {
		var fe shequ.FieldErrors
		fe.Add("county", "care.policy.county.invalid", "Pick a county.", nil)
		s.error(w, r, fe.Err())
		return
	}
	p, err := s.cfg.Care.VisitPolicyFor(r.Context(), county)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, carePolicyJSON(county, p))
}

// handleAPICarePolicySet serves PUT /api/v1/care/policy.
func (s *Server) handleAPICarePolicySet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		County string `json:"county"`
		High   int    `json:"high_days"`
		Medium int    `json:"medium_days"`
		Low    int    `json:"low_days"`
		Grace  int    `json:"grace_days"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCareDuty, s.cfg.Care != nil, &in); !ok {
		return
	}
	p := &shequ.VisitPolicy{County: in.County, High: in.High, Medium: in.Medium, Low: in.Low, GraceDays: in.Grace}
	if err := s.cfg.Care.SetVisitPolicy(r.Context(), p); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, carePolicyJSON(p.County, *p))
}
