package web

import (
	"net/http"
	"strings"
	"time"

	"shequ"
)

// The JSON API of volunteer opportunities and sign-ups (issue 17). The
// page forms fill the same request types, so pages and API share one path
// to the store, which makes every check (who organizes, slots, windows,
// the sign-up workflow, 谁组织谁记录). Times are RFC 3339 UTC; the day is
// a date and start/end "HH:MM" in Asia/Shanghai.

// opportunityRequest is the body of POST /api/v1/opportunities and of
// PUT /api/v1/opportunities/{id} (which also takes status).
type opportunityRequest struct {
	Title         string   `json:"title"`
	CommunityCode string   `json:"community_code"`
	OrgID         string   `json:"org_id"`  // an organization the actor keeps; "" is the community
	TeamID        string   `json:"team_id"` // optional: the team that serves it
	Category      string   `json:"category"`
	Link          string   `json:"link"`
	ProjectID     string   `json:"project_id"`
	NeedID        string   `json:"need_id"`
	Day           string   `json:"day"`
	Start         string   `json:"start"`
	End           string   `json:"end"`
	Place         string   `json:"place"`
	Slots         int      `json:"slots"`
	Skills        []string `json:"skills"`
	Description   string   `json:"description"`
	Status        string   `json:"status"`
}

// opportunity is the request as the store's opportunity; a malformed day
// is left zero (the store's field error).
func (req *opportunityRequest) opportunity() *shequ.Opportunity {
	o := &shequ.Opportunity{Title: req.Title, Community: strings.TrimSpace(req.CommunityCode),
		OrganizerKind: shequ.OrganizerCommunity, TeamID: strings.TrimSpace(req.TeamID),
		Category: shequ.ServiceCategory(strings.TrimSpace(req.Category)), Start: strings.TrimSpace(req.Start),
		End: strings.TrimSpace(req.End), Place: req.Place, Slots: req.Slots, Description: req.Description,
		Link: shequ.OpportunityLink(strings.TrimSpace(req.Link)), Status: shequ.OpportunityStatus(strings.TrimSpace(req.Status))}
	switch o.Link {
	case shequ.LinkProject:
		o.ProjectID = strings.TrimSpace(req.ProjectID)
	case shequ.LinkNeed:
		o.NeedID = strings.TrimSpace(req.NeedID)
	}
	if org := strings.TrimSpace(req.OrgID); org != "" {
		o.OrganizerKind, o.OrgID = shequ.OrganizerOrg, org
	}
	if d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(req.Day), shequ.Shanghai); err == nil {
		o.Day = d
	}
	for _, sk := range req.Skills {
		o.Skills = append(o.Skills, shequ.VolunteerSkill(strings.TrimSpace(sk)))
	}
	return o
}

// opportunityJSON is the API form of an opportunity.
type opportunityJSON struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	CommunityCode string   `json:"community_code"`
	OrganizerKind string   `json:"organizer_kind"`
	OrgID         string   `json:"org_id"`
	OrgName       string   `json:"org_name"`
	TeamID        string   `json:"team_id"`
	Category      string   `json:"category"`
	Link          string   `json:"link"`
	ProjectID     string   `json:"project_id"`
	ProjectTitle  string   `json:"project_title"`
	NeedID        string   `json:"need_id"`
	NeedTitle     string   `json:"need_title"`
	Day           string   `json:"day"`
	Start         string   `json:"start"`
	End           string   `json:"end"`
	StartsAt      string   `json:"starts_at"`
	EndsAt        string   `json:"ends_at"`
	Place         string   `json:"place"`
	Slots         int      `json:"slots"`
	SignedUp      int      `json:"signed_up"`
	Skills        []string `json:"skills"`
	Description   string   `json:"description"`
	Status        string   `json:"status"`
	CreatedAt     string   `json:"created_at"`
	UpdatedAt     string   `json:"updated_at"`
}

func newOpportunityJSON(o *shequ.Opportunity) opportunityJSON {
	j := opportunityJSON{ID: o.ID, Title: o.Title, CommunityCode: o.Community, OrganizerKind: string(o.OrganizerKind),
		OrgID: o.OrgID, OrgName: o.OrgName, TeamID: o.TeamID, Category: string(o.Category), Link: string(o.Link),
		ProjectID: o.ProjectID, ProjectTitle: o.ProjectTitle, NeedID: o.NeedID, NeedTitle: o.NeedTitle,
		Day: o.Day.In(shequ.Shanghai).Format(time.DateOnly), Start: o.Start, End: o.End, StartsAt: apiTime(o.StartsAt()),
		EndsAt: apiTime(o.EndsAt()), Place: o.Place, Slots: o.Slots, SignedUp: o.SignedUp, Skills: []string{},
		Description: o.Description, Status: string(o.Status), CreatedAt: apiTime(o.CreatedAt), UpdatedAt: apiTime(o.UpdatedAt)}
	for _, sk := range o.Skills {
		j.Skills = append(j.Skills, string(sk))
	}
	return j
}

// signupJSON is the API form of a sign-up; opportunity is set on the
// volunteer's own list.
type signupJSON struct {
	ID            string           `json:"id"`
	OpportunityID string           `json:"opportunity_id"`
	VolunteerID   string           `json:"volunteer_id"`
	CommunityCode string           `json:"community_code"`
	Name          string           `json:"name"`
	State         string           `json:"state"`
	CheckedInAt   *string          `json:"checked_in_at"`
	CheckedOutAt  *string          `json:"checked_out_at"`
	ByOrganizer   bool             `json:"by_organizer"`
	Minutes       int              `json:"minutes"`
	RecordID      string           `json:"record_id"`
	CreatedAt     string           `json:"created_at"`
	UpdatedAt     string           `json:"updated_at"`
	Opportunity   *opportunityJSON `json:"opportunity,omitempty"`
}

func newSignupJSON(x *shequ.Signup) signupJSON {
	return signupJSON{ID: x.ID, OpportunityID: x.OpportunityID, VolunteerID: x.VolunteerID, CommunityCode: x.Community,
		Name: x.Name, State: string(x.State), CheckedInAt: optAPITime(x.CheckedInAt),
		CheckedOutAt: optAPITime(x.CheckedOutAt), ByOrganizer: x.ByOrganizer, Minutes: x.Minutes, RecordID: x.RecordID,
		CreatedAt: apiTime(x.CreatedAt), UpdatedAt: apiTime(x.UpdatedAt)}
}

func newMySignupJSON(x *shequ.MySignup) signupJSON {
	j := newSignupJSON(&x.Signup)
	if x.Opportunity != nil {
		o := newOpportunityJSON(x.Opportunity)
		j.Opportunity = &o
	}
	return j
}

// handleAPIOpportunities serves GET /api/v1/opportunities: the organizers'
// area, or a resident's county's; filters community, status, category,
// project_id, upcoming (1 or 0), q; limit and offset.
func (s *Server) handleAPIOpportunities(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionVolunteerRead, s.cfg.Volunteers != nil); !ok {
		return
	}
	q := readListQuery(r)
	limit, offset := q.Page(50, 200)
	if q.refused(s, w, r) {
		return
	}
	f := shequ.OpportunityFilter{Community: q.Community(q.Get("community")), Status: shequ.OpportunityStatus(q.Get("status")),
		Category: shequ.ServiceCategory(q.Get("category")), Query: q.Text(q.Get("q")), ProjectID: q.ID("project_id"),
		Upcoming: q.Bool("upcoming"), Offset: offset, Limit: limit}
	if q.refused(s, w, r) {
		return
	}
	list, total, err := s.cfg.Volunteers.FindOpportunities(r.Context(), f)
	answerList(s, w, r, list, total, err, newOpportunityJSON)
}

// handleAPIOpportunityCreate serves POST /api/v1/opportunities.
func (s *Server) handleAPIOpportunityCreate(w http.ResponseWriter, r *http.Request) {
	var req opportunityRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil, &req); !ok {
		return
	}
	req.Status = "" // a new opportunity is open
	o := req.opportunity()
	if err := s.cfg.Volunteers.CreateOpportunity(r.Context(), o); err != nil {
		s.error(w, r, err)
		return
	}
	s.writeOpportunity(w, r, o.ID, http.StatusCreated)
}

// writeOpportunity answers the opportunity as stored.
func (s *Server) writeOpportunity(w http.ResponseWriter, r *http.Request, id string, status int) {
	o, err := s.cfg.Volunteers.FindOpportunityByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, newOpportunityJSON(o))
}

// handleAPIOpportunity serves GET /api/v1/opportunities/{id}.
func (s *Server) handleAPIOpportunity(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionVolunteerRead, s.cfg.Volunteers != nil); !ok {
		return
	}
	s.writeOpportunity(w, r, pathID(r, "id"), http.StatusOK)
}

// handleAPIOpportunityUpdate serves PUT /api/v1/opportunities/{id}: the
// whole opportunity again; status "cancelled" cancels it (as /cancel),
// "closed" ends the recruitment.
func (s *Server) handleAPIOpportunityUpdate(w http.ResponseWriter, r *http.Request) {
	var req opportunityRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil, &req); !ok {
		return
	}
	o := req.opportunity()
	o.ID = pathID(r, "id")
	if err := s.cfg.Volunteers.UpdateOpportunity(r.Context(), o); err != nil {
		s.error(w, r, err)
		return
	}
	s.writeOpportunity(w, r, o.ID, http.StatusOK)
}

// handleAPIOpportunityCancel serves POST /api/v1/opportunities/{id}/cancel:
// the open sign-ups are cancelled and their volunteers told.
func (s *Server) handleAPIOpportunityCancel(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil); !ok {
		return
	}
	id := pathID(r, "id")
	if err := s.cancelOpportunity(r, id); err != nil {
		s.error(w, r, err)
		return
	}
	s.writeOpportunity(w, r, id, http.StatusOK)
}

// cancelOpportunity cancels the opportunity id for the page and the API:
// the store cancels its open sign-ups and tells the volunteers.
func (s *Server) cancelOpportunity(r *http.Request, id string) error {
	o, err := s.cfg.Volunteers.FindOpportunityByID(r.Context(), id)
	if err != nil {
		return err
	}
	o.Status = shequ.OpportunityCancelled
	return s.cfg.Volunteers.UpdateOpportunity(r.Context(), o)
}

// handleAPIOpportunitySignups serves GET /api/v1/opportunities/{id}/signups:
// the organizer's list.
func (s *Server) handleAPIOpportunitySignups(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil); !ok {
		return
	}
	list, err := s.cfg.Volunteers.FindSignups(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeList(w, list, len(list), newSignupJSON)
}

// signupRequest is the body of POST /api/v1/opportunities/{id}/signups:
// empty for the signed-in volunteer, volunteer_id for an organizer signing
// a volunteer of the register up.
type signupRequest struct {
	VolunteerID string `json:"volunteer_id"`
}

// handleAPISignUp serves POST /api/v1/opportunities/{id}/signups.
func (s *Server) handleAPISignUp(w http.ResponseWriter, r *http.Request) {
	var req signupRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionVolunteerRead, s.cfg.Volunteers != nil, &req); !ok {
		return
	}
	var x *shequ.Signup
	var err error
	if id := strings.TrimSpace(req.VolunteerID); id != "" {
		if len(id) > maxIDLen {
			s.error(w, r, fieldErr("volunteer_id", "signup.volunteer.invalid", "Pick a volunteer of the register."))
			return
		}
		x, err = s.cfg.Volunteers.SignUpFor(r.Context(), id, pathID(r, "id"))
	} else {
		x, err = s.cfg.Volunteers.SignUp(r.Context(), pathID(r, "id"))
	}
	answerJSON(s, w, r, http.StatusCreated, x, err, newSignupJSON)
}

// handleAPIMySignups serves GET /api/v1/volunteer/signups: the signed-in
// volunteer's sign-ups with their opportunities.
func (s *Server) handleAPIMySignups(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionVolunteerJoin, s.cfg.Volunteers != nil); !ok {
		return
	}
	list, err := s.cfg.Volunteers.MySignups(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeList(w, list, len(list), newMySignupJSON)
}

// handleAPISignupCancel serves POST /api/v1/signups/{id}/cancel: the
// volunteer withdraws before checking in.
func (s *Server) handleAPISignupCancel(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionVolunteerJoin, s.cfg.Volunteers != nil); !ok {
		return
	}
	x, err := s.cfg.Volunteers.CancelSignup(r.Context(), pathID(r, "id"))
	answerJSON(s, w, r, http.StatusOK, x, err, newSignupJSON)
}

// signupMoveRequest is the body of POST /api/v1/signups/{id}/moves: to is
// checked_in, checked_out or no_show (the organizer's record), or
// confirmed with the minutes served (default: between check-in and
// check-out, within the opportunity's hours) and a note when they differ.
type signupMoveRequest struct {
	To      string `json:"to"`
	Minutes *int   `json:"minutes"`
	Note    string `json:"note"`
}

// handleAPISignupMove serves POST /api/v1/signups/{id}/moves.
func (s *Server) handleAPISignupMove(w http.ResponseWriter, r *http.Request) {
	var req signupMoveRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil, &req); !ok {
		return
	}
	id, to := pathID(r, "id"), shequ.SignupState(strings.TrimSpace(req.To))
	var x *shequ.Signup
	var err error
	switch to {
	case shequ.SignupConfirmed:
		x, err = s.cfg.Volunteers.ConfirmSignup(r.Context(), id, shequ.Confirmation{Minutes: req.Minutes, Note: req.Note})
	case shequ.SignupCheckedIn, shequ.SignupCheckedOut, shequ.SignupNoShow:
		x, err = s.cfg.Volunteers.MarkSignup(r.Context(), id, to)
	default:
		err = fieldErr("to", "signup.to.invalid", "Choose checked_in, checked_out, no_show or confirmed.")
	}
	answerJSON(s, w, r, http.StatusOK, x, err, newSignupJSON)
}

// scanRequest is the body of POST /api/v1/volunteer/scan.
type scanRequest struct {
	Token string `json:"token"`
}

// handleAPIScan serves POST /api/v1/volunteer/scan: the signed-in volunteer
// checks in, or out when in, with the code of the organizer's QR.
func (s *Server) handleAPIScan(w http.ResponseWriter, r *http.Request) {
	var req scanRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionVolunteerJoin, s.cfg.Volunteers != nil, &req); !ok {
		return
	}
	x, err := s.cfg.Volunteers.Scan(r.Context(), req.Token)
	answerJSON(s, w, r, http.StatusOK, x, err, newSignupJSON)
}
