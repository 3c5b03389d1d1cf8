package web

import (
	"net/http"

	"shequ"
)

// careDutiesPage is the data of templates/care_duties.html: the duties of
// the actor's area by township and community, the communities without a
// 儿童主任, and for an official the form that names a duty (accounts and
// divisions picked from lists).
type careDutiesPage struct {
	Groups    []careDutyGroup
	Other     []*shequ.CareDuty // duties outside the listed townships (an area too large to list)
	Missing   int               // communities listed without a 儿童主任
	CanAssign bool
	Users     []*shequ.User
	Kinds     []shequ.CareDutyKind
	Picker    []pickerGroup
	UserID    string
	Kind      string
	Division  string
	Notice    string
	Errors    map[string]string
	Error     string
}

// careDutyGroup is a township with its 儿童督导员 and its communities.
type careDutyGroup struct {
	Code, Name  string
	Supervisors []*shequ.CareDuty
	Communities []careDutyRow
	Staffed     int // communities with a 儿童主任
}

// careDutyRow is a community with its 儿童主任.
type careDutyRow struct {
	Code, Name string
	Directors  []*shequ.CareDuty
}

// handleCareDuties serves GET /care/duties.
func (s *Server) handleCareDuties(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareRead, s.cfg.Care != nil); !ok {
		return
	}
	p := &careDutiesPage{Kind: string(shequ.DutyChildDirector)}
	switch r.URL.Query().Get("notice") {
	case "assigned", "ended":
		p.Notice = s.localizer(r).T("care.duties.notice." + r.URL.Query().Get("notice"))
	}
	if err := s.careDutiesData(r, p); err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "care_duties", s.localizer(r).T("care.duties.title"), p)
}

// careDutiesData fills the duties, the picker and the accounts of p.
func (s *Server) careDutiesData(r *http.Request, p *careDutiesPage) error {
	ctx := r.Context()
	a := shequ.ActorFrom(ctx)
	duties, err := s.cfg.Care.FindDuties(ctx, "")
	if err != nil {
		return err
	}
	groups, _ := s.communityPicker(ctx, a.Scope)
	placed := map[string]bool{}
	for _, g := range groups {
		dg := careDutyGroup{Code: g.Code, Name: g.Name}
		for _, d := range duties {
			if d.Kind == shequ.DutyChildSupervisor && d.Division == g.Code {
				dg.Supervisors, placed[d.ID] = append(dg.Supervisors, d), true
			}
		}
		for _, o := range g.Options {
			row := careDutyRow{Code: o.Value, Name: o.Label}
			for _, d := range duties {
				if d.Kind == shequ.DutyChildDirector && d.Division == o.Value {
					row.Directors, placed[d.ID] = append(row.Directors, d), true
				}
			}
			if len(row.Directors) == 0 {
				p.Missing++
			} else {
				dg.Staffed++
			}
			dg.Communities = append(dg.Communities, row)
		}
		p.Groups = append(p.Groups, dg)
	}
	for _, d := range duties {
		if !placed[d.ID] {
			p.Other = append(p.Other, d)
		}
	}
	if p.CanAssign = a.Can(shequ.ActionCareDuty); p.CanAssign {
		if p.Users, err = s.cfg.Care.DutyCandidates(ctx); err != nil {
			return err
		}
		p.Kinds, p.Picker = shequ.CareDutyKinds, groups
		p.Picker, _ = pick(p.Picker, p.Division)
	}
	return nil
}

// handleCareDutyAssign serves POST /care/duties: an official names an
// account 儿童主任 of a community or 儿童督导员 of a township; the account
// is notified.
func (s *Server) handleCareDutyAssign(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareDuty, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := r.PostForm
	p := &careDutiesPage{UserID: f.Get("user_id"), Kind: f.Get("kind"), Division: f.Get("division")}
	_, err := s.cfg.Care.AssignDuty(r.Context(), p.UserID, shequ.CareDutyKind(p.Kind), p.Division)
	if err == nil {
		http.Redirect(w, r, "/care/duties?notice=assigned", http.StatusSeeOther)
		return
	}
	if derr := s.careDutiesData(r, p); derr != nil {
		s.error(w, r, derr)
		return
	}
	s.formFailed(w, r, "care_duties", "care.duties.title", p, &p.Errors, &p.Error, err)
}

// handleCareDutyEnd serves POST /care/duties/{id}/end.
func (s *Server) handleCareDutyEnd(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareDuty, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	if err := s.cfg.Care.EndDuty(r.Context(), r.PathValue("id")); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/care/duties?notice=ended", http.StatusSeeOther)
}
