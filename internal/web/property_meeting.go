package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"shequ"
)

// Joint meetings (社区物业服务管理联席会议): the list, the form a community
// records one with (the parties present, agenda, minutes, resolutions with
// their owner and due date, and notes on the earlier resolutions still
// open), and a meeting's page where the community marks a resolution done.

// resolutionSlots is how many new resolutions the form offers.
const resolutionSlots = 6

// meetingsPage is the data of templates/meetings.html.
type meetingsPage struct {
	Items    []*shequ.JointMeeting
	Total    int
	Pager    pager
	CanWrite bool
	Open     []*shequ.Resolution // resolutions open or overdue in the actor's area
	Today    time.Time
}

// handleMeetingList serves GET /meetings.
func (s *Server) handleMeetingList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty())
	if !ok {
		return
	}
	page, err := parsePage(r.URL.Query())
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &meetingsPage{CanWrite: a.Can(shequ.ActionMeetingRecord), Today: s.now()}
	ctx := r.Context()
	if p.Items, p.Total, err = s.cfg.Property.FindMeetings(ctx, "", (page-1)*registerPageSize, registerPageSize); err != nil {
		s.error(w, r, err)
		return
	}
	if p.Open, _, err = s.cfg.Property.FindResolutions(ctx, shequ.ResolutionFilter{Statuses: []shequ.ResolutionStatus{
		shequ.ResolutionOpen, shequ.ResolutionOverdue}, Limit: 100}); err != nil {
		s.error(w, r, err)
		return
	}
	p.Pager = queryPager(r.URL.Path, url.Values{}, page, p.Total, registerPageSize)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "meetings", s.localizer(r).T("meeting.list.title"), p)
}

// meetingFormPage is the data of templates/meeting_form.html.
type meetingFormPage struct {
	Community string // fixed: the worker's community; "" to be given
	Estates   []*shequ.Estate
	Companies []*shequ.PropertyCompany
	Kinds     []shequ.PartyKind // the parties other than companies, one row each
	Owners    []shequ.PartyKind
	Slots     []int
	Open      []*shequ.Resolution // earlier resolutions to follow up
	Form      map[string]string
	Errors    map[string]string
	Error     string
}

func (s *Server) meetingForm(r *http.Request, a *shequ.Actor, form map[string]string) (*meetingFormPage, error) {
	ctx := r.Context()
	p := &meetingFormPage{Form: form, Owners: shequ.PartyKinds}
	if len(a.Scope) == 12 {
		p.Community = a.Scope
	}
	for _, k := range shequ.PartyKinds {
		if k != shequ.PartyCompany {
			p.Kinds = append(p.Kinds, k)
		}
	}
	for i := 1; i <= resolutionSlots; i++ {
		p.Slots = append(p.Slots, i)
	}
	var err error
	if p.Estates, _, err = s.cfg.Property.FindEstates(ctx, shequ.EstateFilter{Limit: 500}); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, e := range p.Estates {
		if e.CompanyID != "" && !seen[e.CompanyID] {
			seen[e.CompanyID] = true
			c, err := s.cfg.Property.FindCompanyByID(ctx, e.CompanyID)
			if err != nil {
				return nil, err
			}
			p.Companies = append(p.Companies, c)
		}
	}
	if p.Open, _, err = s.cfg.Property.FindResolutions(ctx, shequ.ResolutionFilter{Statuses: []shequ.ResolutionStatus{
		shequ.ResolutionOpen, shequ.ResolutionOverdue}, Limit: 100}); err != nil {
		return nil, err
	}
	return p, nil
}

// handleMeetingNew serves GET /meetings/new.
func (s *Server) handleMeetingNew(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionMeetingRecord, s.wiredProperty())
	if !ok {
		return
	}
	l := s.localizer(r)
	form := map[string]string{"day": s.now().In(shequ.Shanghai).Format(time.DateOnly)}
	for _, k := range shequ.PartyKinds {
		form["party_name_"+string(k)] = l.T("party.default." + string(k))
	}
	p, err := s.meetingForm(r, a, form)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "meeting_form", l.T("meeting.new.title"), p)
}

// meetingFromForm reads a meeting form: the community, day, place, estate,
// agenda, minutes; a party per ticked kind (party_<kind>, its name in
// party_name_<kind>) and per ticked company (company_<id>); resolutions in
// rows (res_text_N, res_owner_N, res_company_N, res_due_N); follow-ups
// (follow_<resolution id>).
func meetingFromForm(a *shequ.Actor, values url.Values, companies []*shequ.PropertyCompany) (*shequ.JointMeeting, error) {
	var fe shequ.FieldErrors
	m := &shequ.JointMeeting{Community: strings.TrimSpace(values.Get("community_code")), EstateID: values.Get("estate_id"),
		Place: values.Get("place"), Agenda: values.Get("agenda"), Minutes: values.Get("minutes")}
	if len(a.Scope) == 12 {
		m.Community = a.Scope
	}
	if d := parseDateField(&fe, "day", values.Get("day")); d != nil {
		m.Day = *d
	}
	for _, k := range shequ.PartyKinds {
		if k != shequ.PartyCompany && values.Get("party_"+string(k)) == "1" {
			m.Parties = append(m.Parties, shequ.MeetingParty{Kind: k, Name: values.Get("party_name_" + string(k))})
		}
	}
	for _, c := range companies {
		if values.Get("company_"+c.ID) == "1" {
			m.Parties = append(m.Parties, shequ.MeetingParty{Kind: shequ.PartyCompany, Name: c.Name, CompanyID: c.ID})
		}
	}
	for i := 1; i <= resolutionSlots; i++ {
		n := strconv.Itoa(i)
		text := strings.TrimSpace(values.Get("res_text_" + n))
		if text == "" {
			continue
		}
		r := &shequ.Resolution{Text: text, Owner: shequ.PartyKind(values.Get("res_owner_" + n)),
			CompanyID: values.Get("res_company_" + n)}
		if d := parseDateField(&fe, "resolutions", values.Get("res_due_"+n)); d != nil {
			r.DueOn = *d
		}
		m.Resolutions = append(m.Resolutions, r)
	}
	for k := range values {
		if id, ok := strings.CutPrefix(k, "follow_"); ok && strings.TrimSpace(values.Get(k)) != "" {
			m.FollowUps = append(m.FollowUps, shequ.MeetingFollowUp{ResolutionID: id, Note: values.Get(k)})
		}
	}
	return m, fe.Err()
}

// handleMeetingCreate serves POST /meetings.
func (s *Server) handleMeetingCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionMeetingRecord, s.wiredProperty())
	if !ok {
		return
	}
	p, err := s.meetingForm(r, a, formOf(r.PostForm))
	if err != nil {
		s.error(w, r, err)
		return
	}
	m, err := meetingFromForm(a, r.PostForm, p.Companies)
	if err == nil {
		err = outOfScope(a, "community_code", m.Community)
	}
	if err == nil {
		err = s.cfg.Property.RecordMeeting(r.Context(), m)
	}
	if err != nil {
		s.formFailed(w, r, "meeting_form", "meeting.new.title", p, &p.Errors, &p.Error, err)
		return
	}
	http.Redirect(w, r, "/meetings/"+url.PathEscape(m.ID)+"?notice=created", http.StatusSeeOther)
}

// meetingPage is the data of templates/meeting.html.
type meetingPage struct {
	M           *shequ.JointMeeting
	CanComplete bool
	Followed    map[string]string // resolution id → text, of the follow-ups taken here
	Timeline    []*shequ.TimelineEvent
	Today       time.Time
	Notice      string
	Error       string
	Errors      map[string]string
}

// handleMeetingShow serves GET /meetings/{id}.
func (s *Server) handleMeetingShow(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty())
	if !ok {
		return
	}
	p := &meetingPage{}
	if n := r.URL.Query().Get("notice"); n == "created" || n == "saved" {
		p.Notice = s.localizer(r).T("meeting." + n)
	}
	s.renderMeeting(w, r, a, pathID(r, "id"), p, http.StatusOK)
}

func (s *Server) renderMeeting(w http.ResponseWriter, r *http.Request, a *shequ.Actor, id string, p *meetingPage, status int) {
	ctx := r.Context()
	m, err := s.cfg.Property.FindMeetingByID(ctx, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if p.Timeline, err = s.cfg.Property.PropertyTimeline(ctx, shequ.ObjMeeting, m.ID); err != nil {
		s.error(w, r, err)
		return
	}
	p.Followed = map[string]string{}
	if len(m.FollowUps) > 0 {
		rs, _, err := s.cfg.Property.FindResolutions(ctx, shequ.ResolutionFilter{Division: m.Community, Limit: 500})
		if err != nil {
			s.error(w, r, err)
			return
		}
		for _, r := range rs {
			p.Followed[r.ID] = r.Text
		}
	}
	p.M, p.Today = m, s.now()
	p.CanComplete = a.Can(shequ.ActionMeetingRecord) && shequ.IsAncestorOrSelf(a.Scope, m.Community)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "meeting", s.localizer(r).T("meeting.title", map[string]any{"Day": formatDate(s.localizer(r), m.Day)}), p)
}

// handleResolutionDone serves POST /resolutions/{id}/done: note.
func (s *Server) handleResolutionDone(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionMeetingRecord, s.wiredProperty())
	if !ok {
		return
	}
	res, err := s.cfg.Property.CompleteResolution(r.Context(), pathID(r, "id"), r.PostForm.Get("note"))
	if err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid && e.Code != shequ.EConflict {
			s.error(w, r, err)
			return
		}
		meeting := r.PostForm.Get("meeting")
		if meeting == "" {
			s.error(w, r, err)
			return
		}
		l := s.localizer(r)
		s.renderMeeting(w, r, a, meeting, &meetingPage{Errors: fieldMessages(l, err), Error: l.Error(e)}, statusByCode[e.Code])
		return
	}
	http.Redirect(w, r, "/meetings/"+url.PathEscape(res.MeetingID)+"?notice=saved#res-"+res.ID, http.StatusSeeOther)
}
