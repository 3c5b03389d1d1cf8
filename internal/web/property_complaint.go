package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"shequ"
)

// The pages of complaints about property service (物业服务投诉): the list
// (a resident's own, a company's forwarded ones, the queue of a community
// or a street by due date), the form to file one (a resident online for an
// estate of their community; a community worker at the window or on the
// phone), and one complaint with its history and the moves the reader may
// make. The JSON API is in property_complaint_api.go.

// wiredProperty reports whether the property module is configured.
func (s *Server) wiredProperty() bool { return s.cfg.Property != nil }

// complaintsPage is the data of templates/complaints.html.
type complaintsPage struct {
	Items   []*shequ.Complaint
	Total   int
	Pager   pager
	State   string
	Overdue bool
	States  []shequ.ComplaintState
	CanFile bool
	Now     time.Time
}

// handleComplaintList serves GET /complaints?state=&overdue=1.
func (s *Server) handleComplaintList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionComplaintRead, s.wiredProperty())
	if !ok {
		return
	}
	q := r.URL.Query()
	page, err := parsePage(q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &complaintsPage{State: q.Get("state"), Overdue: q.Get("overdue") == "1", States: shequ.ComplaintStates,
		CanFile: a.Can(shequ.ActionComplaintSubmit)}
	f := shequ.ComplaintFilter{Overdue: p.Overdue, Offset: (page - 1) * registerPageSize, Limit: registerPageSize}
	if p.State != "" {
		if !oneOfStr(p.State, shequ.ComplaintStates) {
			s.error(w, r, fieldErr("state", "complaint.to.invalid", "Unknown complaint state."))
			return
		}
		f.States = []shequ.ComplaintState{shequ.ComplaintState(p.State)}
	}
	if p.Items, p.Total, err = s.cfg.Property.FindComplaints(r.Context(), f); err != nil {
		s.error(w, r, err)
		return
	}
	v := url.Values{}
	if p.State != "" {
		v.Set("state", p.State)
	}
	if p.Overdue {
		v.Set("overdue", "1")
	}
	p.Pager = queryPager(r.URL.Path, v, page, p.Total, registerPageSize)
	p.Now = s.now()
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "complaints", s.localizer(r).T("complaint.list.title"), p)
}

// fieldErr is an EInvalid error on one field.
func fieldErr(field, key, msg string) error {
	var fe shequ.FieldErrors
	fe.Add(field, key, msg, nil)
	return fe.Err()
}

// complaintFormPage is the data of templates/complaint_form.html.
type complaintFormPage struct {
	Estates    []*shequ.Estate
	Residents  []*shequ.Resident
	Staff      bool // a worker taking it at the window or on the phone
	Form       map[string]string
	Categories []shequ.ComplaintCategory
	Errors     map[string]string
	Error      string
}

// newComplaintForm fills the choices of the complaint form: the estates
// the actor may complain about (a resident: those of their community) and,
// for a worker, the residents of their scope to pick the complainant from.
func (s *Server) newComplaintForm(r *http.Request, a *shequ.Actor, form map[string]string) (*complaintFormPage, error) {
	p := &complaintFormPage{Staff: a.Role != shequ.RoleResident, Form: form, Categories: shequ.ComplaintCategories}
	var err error
	if p.Estates, _, err = s.cfg.Property.FindEstates(r.Context(), shequ.EstateFilter{Limit: 500}); err != nil {
		return nil, err
	}
	if p.Staff && s.cfg.Residents != nil && a.Can(shequ.ActionResidentRead) {
		if p.Residents, _, err = s.cfg.Residents.FindResidents(r.Context(), shequ.ResidentFilter{Limit: 500}); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// handleComplaintNew serves GET /complaints/new[?estate=].
func (s *Server) handleComplaintNew(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionComplaintSubmit, s.wiredProperty())
	if !ok {
		return
	}
	form := map[string]string{"estate_id": r.URL.Query().Get("estate"), "channel": string(shequ.ChannelWindow)}
	if a.Role == shequ.RoleResident {
		if e, _, err := s.cfg.Property.MyEstate(r.Context()); err == nil && form["estate_id"] == "" {
			form["estate_id"] = e.ID
		}
	}
	p, err := s.newComplaintForm(r, a, form)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "complaint_form", s.localizer(r).T("complaint.new.title"), p)
}

// handleComplaintCreate serves POST /complaints.
func (s *Server) handleComplaintCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionComplaintSubmit, s.wiredProperty())
	if !ok {
		return
	}
	form := map[string]string{}
	for _, k := range []string{"estate_id", "channel", "resident_id", "category", "description"} {
		form[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	in := &shequ.ComplaintInput{EstateID: form["estate_id"], Channel: shequ.Channel(form["channel"]),
		ResidentID: form["resident_id"], Category: shequ.ComplaintCategory(form["category"]), Description: form["description"]}
	c, err := s.cfg.Property.FileComplaint(r.Context(), in)
	if err != nil {
		p, perr := s.newComplaintForm(r, a, form)
		if perr != nil {
			s.error(w, r, perr)
			return
		}
		s.formFailed(w, r, "complaint_form", "complaint.new.title", p, &p.Errors, &p.Error, err)
		return
	}
	http.Redirect(w, r, "/complaints/"+url.PathEscape(c.ID)+"?notice=created", http.StatusSeeOther)
}

// complaintPage is the data of templates/complaint.html.
type complaintPage struct {
	C        *shequ.Complaint
	Timeline []*shequ.TimelineEvent
	Overdue  bool
	// Moves are the moves the reader may make now, in the order shown.
	Moves  []string
	Notice string
	Errors map[string]string
	Error  string
	// Mine: the reader filed it or is its complainant.
	Mine bool
}

// complaintMoves lists the moves actor a may make on c: those of the
// workflow whose action a holds (the complainant's only for their own), and
// the company's answer to an escalated complaint it has not answered.
func complaintMoves(a *shequ.Actor, c *shequ.Complaint) []string {
	var out []string
	for _, to := range shequ.NextComplaintStates(c.State) {
		act, complainant := shequ.ComplaintActor(c.State, to)
		if !a.Can(act) || complainant && a.Role == shequ.RoleResident && c.OwnerUserID != a.UserID {
			continue
		}
		if to == shequ.ComplaintForwarded && c.CompanyID == "" {
			continue
		}
		out = append(out, string(to))
	}
	if c.State == shequ.ComplaintEscalatedStreet && c.AnsweredAt == nil && a.Can(shequ.ActionComplaintAnswer) {
		out = append(out, string(shequ.ComplaintAnswered))
	}
	return out
}

// handleComplaintShow serves GET /complaints/{id}.
func (s *Server) handleComplaintShow(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionComplaintRead, s.wiredProperty())
	if !ok {
		return
	}
	p := &complaintPage{}
	if k := r.URL.Query().Get("notice"); k == "created" || k == "saved" {
		p.Notice = s.localizer(r).T("complaint." + k)
	}
	s.renderComplaint(w, r, a, p, http.StatusOK)
}

func (s *Server) renderComplaint(w http.ResponseWriter, r *http.Request, a *shequ.Actor, p *complaintPage, status int) {
	c, err := s.cfg.Property.FindComplaintByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	if p.Timeline, err = s.cfg.Property.ComplaintTimeline(r.Context(), c.ID); err != nil {
		s.error(w, r, err)
		return
	}
	p.C, p.Overdue, p.Moves = c, c.Overdue(s.now()), complaintMoves(a, c)
	p.Mine = c.OwnerUserID == a.UserID || c.FiledBy == a.UserID
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "complaint", c.Number, p)
}

// handleComplaintMove serves POST /complaints/{id}/moves: to, text, verdict.
func (s *Server) handleComplaintMove(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionComplaintRead, s.wiredProperty())
	if !ok {
		return
	}
	m := shequ.ComplaintMove{To: shequ.ComplaintState(r.PostForm.Get("to")), Text: r.PostForm.Get("text"),
		Verdict: shequ.Verdict(r.PostForm.Get("verdict"))}
	c, err := s.cfg.Property.MoveComplaint(r.Context(), pathID(r, "id"), m)
	if err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid && e.Code != shequ.EConflict {
			s.error(w, r, err)
			return
		}
		l := s.localizer(r)
		p := &complaintPage{Errors: fieldMessages(l, err), Error: l.Error(e)}
		if len(p.Errors) > 0 {
			p.Error = l.T("form.has_errors")
		}
		s.renderComplaint(w, r, a, p, statusByCode[e.Code])
		return
	}
	http.Redirect(w, r, "/complaints/"+url.PathEscape(c.ID)+"?notice=saved", http.StatusSeeOther)
}
