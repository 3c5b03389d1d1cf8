package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"shequ"
)

// The owners' committees (业主委员会): the form a community worker fills to
// submit a new term for filing (members picked from the residents of the
// estate's communities, their posts and who also sits on the residents'
// committee, 兼任), the list of terms waiting for the street, and a term's
// page where the street files it or returns it with a reason and the
// community corrects a returned one.

// committeeSlots is how many member rows the form offers (the most a
// committee may have).
const committeeSlots = shequ.MaxCommitteeMembers

// committeeFormPage is the data of templates/committee_form.html.
type committeeFormPage struct {
	E         *shequ.Estate
	Action    string
	Residents []*shequ.Resident
	Posts     []shequ.CommitteePost
	Slots     []int
	Form      map[string]string
	Errors    map[string]string
	Error     string
}

// committeeForm prepares the form for estate e; members prefill it.
func (s *Server) committeeForm(r *http.Request, e *shequ.Estate, action string, form map[string]string) (*committeeFormPage, error) {
	p := &committeeFormPage{E: e, Action: action, Posts: shequ.CommitteePosts, Form: form}
	for i := 1; i <= committeeSlots; i++ {
		p.Slots = append(p.Slots, i)
	}
	if s.cfg.Residents != nil {
		for _, c := range append([]string{e.Community}, e.Communities...) {
			rs, _, err := s.cfg.Residents.FindResidents(r.Context(), shequ.ResidentFilter{Community: c, Limit: 500})
			if err != nil && shequ.ErrorCode(err) != shequ.ENotFound {
				return nil, err
			}
			p.Residents = append(p.Residents, rs...)
		}
	}
	return p, nil
}

// committeeFromForm reads the election date and the member rows.
func committeeFromForm(values url.Values) (time.Time, []shequ.CommitteeMember, error) {
	var fe shequ.FieldErrors
	var elected time.Time
	if d := parseDateField(&fe, "elected_on", values.Get("elected_on")); d != nil {
		elected = *d
	}
	var members []shequ.CommitteeMember
	for i := 1; i <= committeeSlots; i++ {
		n := strconv.Itoa(i)
		id := strings.TrimSpace(values.Get("member_" + n))
		if id == "" {
			continue
		}
		members = append(members, shequ.CommitteeMember{ResidentID: id, Post: shequ.CommitteePost(values.Get("post_" + n)),
			Concurrent: values.Get("concurrent_"+n) == "1"})
	}
	return elected, members, fe.Err()
}

// formOf copies the posted values of a form for showing it again.
func formOf(values url.Values) map[string]string {
	out := map[string]string{}
	for k := range values {
		out[k] = values.Get(k)
	}
	return out
}

// handleCommitteeNew serves GET /estates/{id}/committees/new.
func (s *Server) handleCommitteeNew(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyWrite, s.wiredProperty()); !ok {
		return
	}
	e, err := s.cfg.Property.FindEstateByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	p, err := s.committeeForm(r, e, "/estates/"+e.ID+"/committees", map[string]string{"post_1": string(shequ.OCDirector)})
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "committee_form", s.localizer(r).T("committee.new.title"), p)
}

// handleCommitteeCreate serves POST /estates/{id}/committees.
func (s *Server) handleCommitteeCreate(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionPropertyWrite, s.wiredProperty()); !ok {
		return
	}
	e, err := s.cfg.Property.FindEstateByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	elected, members, err := committeeFromForm(r.PostForm)
	oc := &shequ.OwnersCommittee{EstateID: e.ID, ElectedOn: elected, Members: members}
	if err == nil {
		err = s.cfg.Property.SubmitCommittee(r.Context(), oc)
	}
	if err != nil {
		p, perr := s.committeeForm(r, e, "/estates/"+e.ID+"/committees", formOf(r.PostForm))
		if perr != nil {
			s.error(w, r, perr)
			return
		}
		s.formFailed(w, r, "committee_form", "committee.new.title", p, &p.Errors, &p.Error, err)
		return
	}
	http.Redirect(w, r, "/committees/"+url.PathEscape(oc.ID)+"?notice=created", http.StatusSeeOther)
}

// committeesPage is the data of templates/committees.html.
type committeesPage struct {
	Items    []*shequ.OwnersCommittee
	Status   string
	Statuses []shequ.FilingStatus
}

// handleCommitteeList serves GET /committees?status=: the terms of the
// actor's area (officials: by default those waiting for filing).
func (s *Server) handleCommitteeList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty())
	if !ok {
		return
	}
	q := r.URL.Query()
	p := &committeesPage{Status: q.Get("status"), Statuses: shequ.FilingStatuses}
	if !q.Has("status") && a.Can(shequ.ActionPropertySupervise) {
		p.Status = string(shequ.FilingSubmitted)
	}
	if p.Status != "" && !oneOfStr(p.Status, shequ.FilingStatuses) {
		s.error(w, r, fieldErr("status", "committee.to.invalid", "Unknown state."))
		return
	}
	var err error
	if p.Items, err = s.cfg.Property.FindCommittees(r.Context(), "", "", shequ.FilingStatus(p.Status)); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "committees", s.localizer(r).T("committee.list.title"), p)
}

// committeePage is the data of templates/committee.html.
type committeePage struct {
	C           *shequ.OwnersCommittee
	CanFile     bool
	CanResubmit bool
	Current     bool
	Timeline    []*shequ.TimelineEvent
	Notice      string
	Error       string
	Errors      map[string]string
}

// handleCommitteeShow serves GET /committees/{id}.
func (s *Server) handleCommitteeShow(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty())
	if !ok {
		return
	}
	p := &committeePage{}
	if n := r.URL.Query().Get("notice"); n == "created" || n == "saved" {
		p.Notice = s.localizer(r).T("committee." + n)
	}
	s.renderCommittee(w, r, a, p, http.StatusOK)
}

func (s *Server) renderCommittee(w http.ResponseWriter, r *http.Request, a *shequ.Actor, p *committeePage, status int) {
	c, err := s.cfg.Property.FindCommitteeByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	if p.Timeline, err = s.cfg.Property.PropertyTimeline(r.Context(), shequ.ObjCommittee, c.ID); err != nil {
		s.error(w, r, err)
		return
	}
	inScope := shequ.IsAncestorOrSelf(a.Scope, c.Community)
	p.C, p.Current = c, c.Current(s.now())
	p.CanFile = a.Can(shequ.ActionPropertySupervise) && inScope && c.Status == shequ.FilingSubmitted
	p.CanResubmit = a.Can(shequ.ActionPropertyWrite) && inScope && c.Status == shequ.FilingReturned
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "committee", c.EstateName, p)
}

// handleCommitteeFiling serves POST /committees/{id}/filing: to (filed or
// returned), reason.
func (s *Server) handleCommitteeFiling(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionPropertySupervise, s.wiredProperty())
	if !ok {
		return
	}
	c, err := s.cfg.Property.FileCommittee(r.Context(), pathID(r, "id"), shequ.FilingStatus(r.PostForm.Get("to")), r.PostForm.Get("reason"))
	if err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid && e.Code != shequ.EConflict {
			s.error(w, r, err)
			return
		}
		l := s.localizer(r)
		s.renderCommittee(w, r, a, &committeePage{Errors: fieldMessages(l, err), Error: l.Error(e)}, statusByCode[e.Code])
		return
	}
	http.Redirect(w, r, "/committees/"+url.PathEscape(c.ID)+"?notice=saved", http.StatusSeeOther)
}

// committeeFormValues is the form of a stored term.
func committeeFormValues(c *shequ.OwnersCommittee) map[string]string {
	out := map[string]string{"elected_on": c.ElectedOn.In(shequ.Shanghai).Format(time.DateOnly)}
	for i, m := range c.Members {
		n := strconv.Itoa(i + 1)
		out["member_"+n], out["post_"+n] = m.ResidentID, string(m.Post)
		if m.Concurrent {
			out["concurrent_"+n] = "1"
		}
	}
	return out
}

// handleCommitteeResubmitForm serves GET /committees/{id}/resubmit.
func (s *Server) handleCommitteeResubmitForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyWrite, s.wiredProperty()); !ok {
		return
	}
	c, err := s.cfg.Property.FindCommitteeByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	e, err := s.cfg.Property.FindEstateByID(r.Context(), c.EstateID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p, err := s.committeeForm(r, e, "/committees/"+c.ID+"/resubmit", committeeFormValues(c))
	if err != nil {
		s.error(w, r, err)
		return
	}
	if c.ReturnReason != "" {
		p.Error = s.localizer(r).T("committee.returned.because", map[string]any{"Reason": c.ReturnReason})
	}
	s.render(w, r, http.StatusOK, "committee_form", s.localizer(r).T("committee.resubmit.title"), p)
}

// handleCommitteeResubmit serves POST /committees/{id}/resubmit.
func (s *Server) handleCommitteeResubmit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionPropertyWrite, s.wiredProperty()); !ok {
		return
	}
	id := pathID(r, "id")
	elected, members, err := committeeFromForm(r.PostForm)
	var c *shequ.OwnersCommittee
	if err == nil {
		c, err = s.cfg.Property.ResubmitCommittee(r.Context(), id, elected, members)
	}
	if err != nil {
		old, ferr := s.cfg.Property.FindCommitteeByID(r.Context(), id)
		if ferr != nil {
			s.error(w, r, ferr)
			return
		}
		e, ferr := s.cfg.Property.FindEstateByID(r.Context(), old.EstateID)
		if ferr != nil {
			s.error(w, r, ferr)
			return
		}
		p, perr := s.committeeForm(r, e, "/committees/"+id+"/resubmit", formOf(r.PostForm))
		if perr != nil {
			s.error(w, r, perr)
			return
		}
		s.formFailed(w, r, "committee_form", "committee.resubmit.title", p, &p.Errors, &p.Error, err)
		return
	}
	http.Redirect(w, r, "/committees/"+url.PathEscape(c.ID)+"?notice=saved", http.StatusSeeOther)
}
