package web

import (
	"net/http"
	"strings"

	"shequ"
)

// The rest of the property module's JSON API: joint meetings and their
// resolutions, the public credit file and the officials' decisions on it,
// appeals, alerts, the county's settings and the communities' environment
// and property management committees.

// --- Meetings and resolutions ----------------------------------------

type partyJSON struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	CompanyID string `json:"company_id,omitempty"`
}

type followUpJSON struct {
	MeetingID string `json:"meeting_id,omitempty"`
	Day       string `json:"day,omitempty"`
	Note      string `json:"note"`
}

type resolutionJSON struct {
	ID          string         `json:"id"`
	MeetingID   string         `json:"meeting_id"`
	Community   string         `json:"community_code"`
	EstateID    string         `json:"estate_id"`
	Text        string         `json:"text"`
	Owner       string         `json:"owner"`
	CompanyID   string         `json:"company_id"`
	DueOn       string         `json:"due_on"`
	Status      string         `json:"status"`
	DoneOn      *string        `json:"done_on"`
	DoneNote    string         `json:"done_note"`
	EscalatedAt *string        `json:"escalated_at"`
	FollowUps   []followUpJSON `json:"follow_ups"`
}

func newResolutionJSON(x *shequ.Resolution) resolutionJSON {
	j := resolutionJSON{ID: x.ID, MeetingID: x.MeetingID, Community: x.Community, EstateID: x.EstateID, Text: x.Text,
		Owner: string(x.Owner), CompanyID: x.CompanyID, DueOn: apiDay(x.DueOn), Status: string(x.Status),
		DoneOn: optAPIDay(x.DoneOn), DoneNote: x.DoneNote, EscalatedAt: optAPITime(x.EscalatedAt), FollowUps: []followUpJSON{}}
	for _, f := range x.FollowUps {
		j.FollowUps = append(j.FollowUps, followUpJSON{MeetingID: f.MeetingID, Day: apiDay(f.Day), Note: f.Note})
	}
	return j
}

type meetingJSON struct {
	ID          string           `json:"id"`
	Community   string           `json:"community_code"`
	EstateID    string           `json:"estate_id"`
	Day         string           `json:"day"`
	Place       string           `json:"place"`
	Parties     []partyJSON      `json:"parties"`
	Agenda      string           `json:"agenda"`
	Minutes     string           `json:"minutes"`
	Resolutions []resolutionJSON `json:"resolutions"`
	FollowUps   []map[string]any `json:"follow_ups"`
}

func newMeetingJSON(m *shequ.JointMeeting) meetingJSON {
	j := meetingJSON{ID: m.ID, Community: m.Community, EstateID: m.EstateID, Day: apiDay(m.Day), Place: m.Place,
		Agenda: m.Agenda, Minutes: m.Minutes, Parties: []partyJSON{}, Resolutions: []resolutionJSON{}, FollowUps: []map[string]any{}}
	for _, p := range m.Parties {
		j.Parties = append(j.Parties, partyJSON{Kind: string(p.Kind), Name: p.Name, CompanyID: p.CompanyID})
	}
	for _, r := range m.Resolutions {
		j.Resolutions = append(j.Resolutions, newResolutionJSON(r))
	}
	for _, f := range m.FollowUps {
		j.FollowUps = append(j.FollowUps, map[string]any{"resolution_id": f.ResolutionID, "note": f.Note})
	}
	return j
}

// handleAPIMeetingList serves GET /api/v1/meetings?community=&limit=&offset=.
func (s *Server) handleAPIMeetingList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	q := readListQuery(r)
	limit, offset := q.Page(50, 500)
	if q.refused(s, w, r) {
		return
	}
	ms, total, err := s.cfg.Property.FindMeetings(r.Context(), q.Trim("community"), offset, limit)
	answerList(s, w, r, ms, total, err, newMeetingJSON)
}

type resolutionRequest struct {
	Text      string `json:"text"`
	Owner     string `json:"owner"`
	CompanyID string `json:"company_id"`
	EstateID  string `json:"estate_id"`
	DueOn     string `json:"due_on"`
}

type meetingRequest struct {
	Community   string              `json:"community_code"`
	EstateID    string              `json:"estate_id"`
	Day         string              `json:"day"`
	Place       string              `json:"place"`
	Parties     []partyJSON         `json:"parties"`
	Agenda      string              `json:"agenda"`
	Minutes     string              `json:"minutes"`
	Resolutions []resolutionRequest `json:"resolutions"`
	FollowUps   []struct {
		ResolutionID string `json:"resolution_id"`
		Note         string `json:"note"`
	} `json:"follow_ups"`
}

// handleAPIMeetingRecord serves POST /api/v1/meetings.
func (s *Server) handleAPIMeetingRecord(w http.ResponseWriter, r *http.Request) {
	var req meetingRequest
	a, ok := s.guardJSON(w, r, shequ.ActionMeetingRecord, s.wiredProperty(), &req)
	if !ok {
		return
	}
	var fe shequ.FieldErrors
	m := &shequ.JointMeeting{Community: strings.TrimSpace(req.Community), EstateID: req.EstateID, Place: req.Place,
		Agenda: req.Agenda, Minutes: req.Minutes}
	if d := parseAPIDay(&fe, "day", req.Day); d != nil {
		m.Day = *d
	}
	for _, p := range req.Parties {
		m.Parties = append(m.Parties, shequ.MeetingParty{Kind: shequ.PartyKind(p.Kind), Name: p.Name, CompanyID: p.CompanyID})
	}
	for _, x := range req.Resolutions {
		res := &shequ.Resolution{Text: x.Text, Owner: shequ.PartyKind(x.Owner), CompanyID: x.CompanyID, EstateID: x.EstateID}
		if d := parseAPIDay(&fe, "resolutions", x.DueOn); d != nil {
			res.DueOn = *d
		}
		m.Resolutions = append(m.Resolutions, res)
	}
	for _, f := range req.FollowUps {
		m.FollowUps = append(m.FollowUps, shequ.MeetingFollowUp{ResolutionID: f.ResolutionID, Note: f.Note})
	}
	err := fe.Err()
	if err == nil {
		err = outOfScope(a, "community_code", m.Community)
	}
	if err == nil {
		err = s.cfg.Property.RecordMeeting(r.Context(), m)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	got, err := s.cfg.Property.FindMeetingByID(r.Context(), m.ID)
	answerJSON(s, w, r, http.StatusCreated, got, err, newMeetingJSON)
}

// handleAPIMeetingGet serves GET /api/v1/meetings/{id}.
func (s *Server) handleAPIMeetingGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	m, err := s.cfg.Property.FindMeetingByID(r.Context(), pathID(r, "id"))
	answerJSON(s, w, r, http.StatusOK, m, err, newMeetingJSON)
}

// handleAPIResolutionList serves GET
// /api/v1/resolutions?status=&company_id=&community=&limit=&offset=.
func (s *Server) handleAPIResolutionList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	q := readListQuery(r)
	limit, offset := q.Page(50, 500)
	if q.refused(s, w, r) {
		return
	}
	f := shequ.ResolutionFilter{Division: q.Community(q.Trim("community")), CompanyID: q.Get("company_id"),
		Offset: offset, Limit: limit,
		Statuses: listAllOf(q, "status", shequ.ResolutionStatuses, "resolution.status.invalid", "Unknown resolution state.")}
	if q.refused(s, w, r) {
		return
	}
	xs, total, err := s.cfg.Property.FindResolutions(r.Context(), f)
	answerList(s, w, r, xs, total, err, newResolutionJSON)
}

// handleAPIResolutionDone serves POST /api/v1/resolutions/{id}/done.
func (s *Server) handleAPIResolutionDone(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Note string `json:"note"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionMeetingRecord, s.wiredProperty(), &req); !ok {
		return
	}
	x, err := s.cfg.Property.CompleteResolution(r.Context(), pathID(r, "id"), req.Note)
	answerJSON(s, w, r, http.StatusOK, x, err, newResolutionJSON)
}

// --- Credit -----------------------------------------------------------

type appealJSON struct {
	ID         string  `json:"id"`
	RecordID   string  `json:"record_id"`
	CompanyID  string  `json:"company_id"`
	Reason     string  `json:"reason"`
	State      string  `json:"state"`
	Answer     string  `json:"answer"`
	AnsweredAt *string `json:"answered_at"`
	CreatedAt  string  `json:"created_at"`
}

func newAppealJSON(a *shequ.CreditAppeal) appealJSON {
	return appealJSON{ID: a.ID, RecordID: a.RecordID, CompanyID: a.CompanyID, Reason: a.Reason, State: string(a.State),
		Answer: a.Answer, AnsweredAt: optAPITime(a.AnsweredAt), CreatedAt: apiTime(a.CreatedAt)}
}

type recordJSON struct {
	ID         string      `json:"id"`
	Kind       string      `json:"kind"`
	Class      string      `json:"class"`
	Points     int         `json:"points"`
	Signed     int         `json:"signed"`
	Note       string      `json:"note"`
	EstateID   string      `json:"estate_id"`
	EstateName string      `json:"estate_name"`
	RecordedOn string      `json:"recorded_on"`
	ValidUntil string      `json:"valid_until"`
	Withdrawn  bool        `json:"withdrawn"`
	Counts     bool        `json:"counts"`
	Appeal     *appealJSON `json:"appeal"`
}

type creditJSON struct {
	CompanyID   string       `json:"company_id"`
	Name        string       `json:"name"`
	CreditCode  string       `json:"credit_code"`
	Day         string       `json:"day"`
	Score       int          `json:"score"`
	Grade       string       `json:"grade"`
	Base        int          `json:"base"`
	Good        int          `json:"good"`
	Bad         int          `json:"bad"`
	Blacklisted bool         `json:"blacklisted"`
	Reason      string       `json:"blacklist_reason"`
	Estates     int          `json:"estates"`
	Records     []recordJSON `json:"records"`
}

func newCreditJSON(c *shequ.CompanyCredit) creditJSON {
	j := creditJSON{CompanyID: c.Company.ID, Name: c.Company.Name, CreditCode: string(c.Company.CreditCode), Day: apiDay(c.Day),
		Score: c.Score, Grade: string(c.Grade), Base: c.Base, Good: c.Good, Bad: c.Bad, Blacklisted: c.Company.Blacklisted,
		Reason: c.Company.BlacklistReason, Estates: c.Company.Estates, Records: []recordJSON{}}
	for _, r := range c.Records {
		rj := recordJSON{ID: r.ID, Kind: string(r.Kind), Class: string(r.Kind.Class()), Points: r.Points, Signed: r.Signed(),
			Note: r.Note, EstateID: r.EstateID, EstateName: r.EstateName, RecordedOn: apiDay(r.RecordedOn),
			ValidUntil: apiDay(r.ValidUntil), Withdrawn: r.Withdrawn, Counts: r.Counts(c.Day)}
		if r.Appeal != nil {
			a := newAppealJSON(r.Appeal)
			rj.Appeal = &a
		}
		j.Records = append(j.Records, rj)
	}
	return j
}

// handleAPIPublicCompanies serves GET /api/v1/public/property?division=:
// every company with its grade, no sign-in needed.
func (s *Server) handleAPIPublicCompanies(w http.ResponseWriter, r *http.Request) {
	if !s.wiredProperty() {
		s.error(w, r, errNoService)
		return
	}
	cs, err := s.cfg.Property.PublicCompanies(r.Context(), strings.TrimSpace(r.URL.Query().Get("division")))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, cs, len(cs), func(c *shequ.PropertyCompany) map[string]any {
		return map[string]any{"id": c.ID, "name": c.Name, "credit_code": string(c.CreditCode), "grade": string(c.Grade),
			"score": c.Score, "estates": c.Estates, "blacklisted": c.Blacklisted}
	})
}

// handleAPICredit serves GET /api/v1/public/property/{id}: a company's
// credit file, no sign-in needed, no personal data.
func (s *Server) handleAPICredit(w http.ResponseWriter, r *http.Request) {
	if !s.wiredProperty() {
		s.error(w, r, errNoService)
		return
	}
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.error(w, r, shequ.ErrNotFound)
		return
	}
	c, err := s.cfg.Property.CompanyCredit(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, newCreditJSON(c))
}

type manualRecordRequest struct {
	Kind       string `json:"kind"`
	Points     int    `json:"points"`
	Note       string `json:"note"`
	ValidUntil string `json:"valid_until"`
}

// handleAPICreditRecord serves POST /api/v1/property/companies/{id}/records.
func (s *Server) handleAPICreditRecord(w http.ResponseWriter, r *http.Request) {
	var req manualRecordRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertySupervise, s.wiredProperty(), &req); !ok {
		return
	}
	var fe shequ.FieldErrors
	m := &shequ.ManualRecord{CompanyID: pathID(r, "id"), Kind: shequ.CreditKind(req.Kind), Points: req.Points, Note: req.Note,
		ValidUntil: parseAPIDay(&fe, "valid_until", req.ValidUntil)}
	err := fe.Err()
	var rec *shequ.CreditRecord
	if err == nil {
		rec, err = s.cfg.Property.RecordCredit(r.Context(), m)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": rec.ID, "kind": string(rec.Kind), "points": rec.Points,
		"recorded_on": apiDay(rec.RecordedOn), "valid_until": apiDay(rec.ValidUntil)})
}

// handleAPIBlacklist serves PUT /api/v1/property/companies/{id}/blacklist:
// {"on": true|false, "reason": "…"}.
func (s *Server) handleAPIBlacklist(w http.ResponseWriter, r *http.Request) {
	var req struct {
		On     bool   `json:"on"`
		Reason string `json:"reason"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertySupervise, s.wiredProperty(), &req); !ok {
		return
	}
	c, err := s.cfg.Property.Blacklist(r.Context(), pathID(r, "id"), req.On, req.Reason)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "blacklisted": c.Blacklisted, "blacklist_reason": c.BlacklistReason})
}

// handleAPICompanyStaff serves PUT /api/v1/property/companies/{id}/staff:
// {"usernames": [...]}, the company's property staff accounts.
func (s *Server) handleAPICompanyStaff(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Usernames []string `json:"usernames"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertySupervise, s.wiredProperty(), &req); !ok {
		return
	}
	ids, err := s.staffIDs(r, strings.Join(req.Usernames, ","))
	if err == nil {
		err = s.cfg.Property.SetCompanyStaff(r.Context(), pathID(r, "id"), ids)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": pathID(r, "id"), "usernames": req.Usernames})
}

// handleAPIAppealList serves GET /api/v1/property/appeals?state=.
func (s *Server) handleAPIAppealList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	st := r.URL.Query().Get("state")
	if st != "" && !oneOfStr(st, shequ.AppealStates) {
		s.error(w, r, fieldErr("state", "appeal.to.invalid", "Uphold or reject the appeal."))
		return
	}
	xs, err := s.cfg.Property.FindAppeals(r.Context(), shequ.AppealState(st))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, xs, len(xs), newAppealJSON)
}

// handleAPIAppealLodge serves POST /api/v1/property/records/{id}/appeal.
func (s *Server) handleAPIAppealLodge(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Reason string `json:"reason"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionCreditAppeal, s.wiredProperty(), &req); !ok {
		return
	}
	ap, err := s.cfg.Property.AppealRecord(r.Context(), pathID(r, "id"), req.Reason)
	answerJSON(s, w, r, http.StatusCreated, ap, err, newAppealJSON)
}

// handleAPIAppealAnswer serves POST /api/v1/property/appeals/{id}/answer:
// {"to": "upheld"|"rejected", "answer": "…"}.
func (s *Server) handleAPIAppealAnswer(w http.ResponseWriter, r *http.Request) {
	var req struct {
		To     string `json:"to"`
		Answer string `json:"answer"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertySupervise, s.wiredProperty(), &req); !ok {
		return
	}
	ap, err := s.cfg.Property.AnswerAppeal(r.Context(), pathID(r, "id"), shequ.AppealState(req.To), req.Answer)
	answerJSON(s, w, r, http.StatusOK, ap, err, newAppealJSON)
}

// --- Alerts, settings, committees of the communities -------------------

// handleAPIAlerts serves GET /api/v1/property/alerts?community=.
func (s *Server) handleAPIAlerts(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	xs, err := s.cfg.Property.Alerts(r.Context(), strings.TrimSpace(r.URL.Query().Get("community")))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, xs, len(xs), func(a *shequ.PropertyAlert) map[string]any {
		return map[string]any{"kind": string(a.Kind), "object_type": a.ObjectType, "object_id": a.ObjectID,
			"community_code": a.Community, "estate_id": a.EstateID, "title": a.Title, "due": apiTime(a.Due), "days": a.Days}
	})
}

// settingsJSON is the API form of a county's settings.
type settingsJSON struct {
	County          string                `json:"county"`
	Checklist       []shequ.ChecklistItem `json:"checklist"`
	RatingPeriod    string                `json:"rating_period"`
	Points          map[string]int        `json:"points"`
	RecordValidDays int                   `json:"record_valid_days"`
	Complaint       map[string]int        `json:"complaint_days"`
	RectifyDays     int                   `json:"rectify_days"`
	AlertDays       int                   `json:"alert_days"`
	EarlyDays       int                   `json:"early_days"`
	HighRating      int                   `json:"high_rating"`
}

func newSettingsJSON(st *shequ.PropertySettings) settingsJSON {
	j := settingsJSON{County: st.County, Checklist: st.Checklist, RatingPeriod: string(st.RatingPeriod), Points: map[string]int{},
		RecordValidDays: st.RecordValidDays, RectifyDays: st.RectifyDays, AlertDays: st.AlertDays, EarlyDays: st.EarlyDays,
		HighRating: st.HighRating, Complaint: map[string]int{"forward": st.Complaint.Forward, "answer": st.Complaint.Answer,
			"confirm": st.Complaint.Confirm, "street": st.Complaint.Street, "housing": st.Complaint.Housing}}
	for k, v := range st.Points {
		j.Points[string(k)] = v
	}
	return j
}

// handleAPISettingsGet serves GET /api/v1/property/settings/{code}.
func (s *Server) handleAPISettingsGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	county := r.PathValue("code")
	if len(county) != 6 || shequ.ValidateDivisionCode(county) != nil {
		s.error(w, r, fieldErr("county", "property.settings.county", "Settings belong to a county (6-digit code)."))
		return
	}
	st, err := s.cfg.Property.Settings(r.Context(), county)
	answerJSON(s, w, r, http.StatusOK, st, err, newSettingsJSON)
}

// handleAPISettingsPut serves PUT /api/v1/property/settings/{code}: the
// whole settings (the JSON form of GET).
func (s *Server) handleAPISettingsPut(w http.ResponseWriter, r *http.Request) {
	var req settingsJSON
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertySupervise, s.wiredProperty(), &req); !ok {
		return
	}
	st := &shequ.PropertySettings{County: r.PathValue("code"), Checklist: req.Checklist, RatingPeriod: shequ.RatingPeriod(req.RatingPeriod),
		Points: map[shequ.CreditKind]int{}, RecordValidDays: req.RecordValidDays, RectifyDays: req.RectifyDays,
		AlertDays: req.AlertDays, EarlyDays: req.EarlyDays, HighRating: req.HighRating,
		Complaint: shequ.ComplaintLimits{Forward: req.Complaint["forward"], Answer: req.Complaint["answer"],
			Confirm: req.Complaint["confirm"], Street: req.Complaint["street"], Housing: req.Complaint["housing"]}}
	for k, v := range req.Points {
		st.Points[shequ.CreditKind(k)] = v
	}
	if err := s.cfg.Property.SaveSettings(r.Context(), st); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSettingsJSON(st))
}

type epmcMemberJSON struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
	Post string `json:"post"`
}

// handleAPIEPMCGet serves GET /api/v1/communities/{code}/epmc.
func (s *Server) handleAPIEPMCGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	ms, err := s.cfg.Property.FindEPMC(r.Context(), r.PathValue("code"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, ms, len(ms), func(m *shequ.EPMCMember) epmcMemberJSON {
		return epmcMemberJSON{Name: m.Name, Unit: m.Unit, Post: m.Post}
	})
}

// handleAPIEPMCPut serves PUT /api/v1/communities/{code}/epmc:
// {"members": [{"name","unit","post"}]}, replacing the committee.
func (s *Server) handleAPIEPMCPut(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Members []epmcMemberJSON `json:"members"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertyWrite, s.wiredProperty(), &req); !ok {
		return
	}
	var ms []*shequ.EPMCMember
	for _, m := range req.Members {
		ms = append(ms, &shequ.EPMCMember{Name: m.Name, Unit: m.Unit, Post: m.Post})
	}
	if err := s.cfg.Property.SetEPMC(r.Context(), r.PathValue("code"), ms); err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, ms, len(ms), func(m *shequ.EPMCMember) epmcMemberJSON {
		return epmcMemberJSON{Name: m.Name, Unit: m.Unit, Post: m.Post}
	})
}
