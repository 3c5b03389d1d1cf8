package web

import (
	"net/http"

	"shequ"
)

// The JSON API of complaints about property service: the same service
// calls as the pages (property_complaint.go), with the same checks.

// complaintJSON is the API form of a complaint. The company's staff get it
// without the complainant (the store blanks them).
type complaintJSON struct {
	ID          string  `json:"id"`
	Number      string  `json:"number"`
	EstateID    string  `json:"estate_id"`
	EstateName  string  `json:"estate_name"`
	Community   string  `json:"community_code"`
	CompanyID   string  `json:"company_id"`
	CompanyName string  `json:"company_name"`
	ResidentID  string  `json:"resident_id"`
	Channel     string  `json:"channel"`
	Category    string  `json:"category"`
	Description string  `json:"description"`
	State       string  `json:"state"`
	Missing     string  `json:"missing"`
	Answer      string  `json:"answer"`
	AnsweredAt  *string `json:"answered_at"`
	AnswerLate  bool    `json:"answer_late"`
	Late        bool    `json:"late"`
	Dispute     string  `json:"dispute"`
	Verdict     string  `json:"verdict"`
	Result      string  `json:"result"`
	DueAt       string  `json:"due_at"`
	Paused      bool    `json:"paused"`
	Overdue     bool    `json:"overdue"`
	ClosedAt    *string `json:"closed_at"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

func (s *Server) newComplaintJSON(c *shequ.Complaint) complaintJSON {
	return complaintJSON{ID: c.ID, Number: c.Number, EstateID: c.EstateID, EstateName: c.EstateName, Community: c.Community,
		CompanyID: c.CompanyID, CompanyName: c.CompanyName, ResidentID: c.ResidentID, Channel: string(c.Channel),
		Category: string(c.Category), Description: c.Description, State: string(c.State), Missing: c.Missing,
		Answer: c.Answer, AnsweredAt: optAPITime(c.AnsweredAt), AnswerLate: c.AnswerLate, Late: c.WasLate, Dispute: c.Dispute,
		Verdict: string(c.Verdict), Result: c.Result, DueAt: apiTime(c.DueAt), Paused: c.PausedAt != nil,
		Overdue: c.Overdue(s.now()), ClosedAt: optAPITime(c.ClosedAt), CreatedAt: apiTime(c.CreatedAt),
		UpdatedAt: apiTime(c.UpdatedAt)}
}

// complaintRequest is the body of POST /api/v1/complaints.
type complaintRequest struct {
	EstateID    string `json:"estate_id"`
	Channel     string `json:"channel"`
	ResidentID  string `json:"resident_id"`
	Category    string `json:"category"`
	Description string `json:"description"`
}

// handleAPIComplaintCreate serves POST /api/v1/complaints.
func (s *Server) handleAPIComplaintCreate(w http.ResponseWriter, r *http.Request) {
	var req complaintRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionComplaintSubmit, s.wiredProperty(), &req); !ok {
		return
	}
	c, err := s.cfg.Property.FileComplaint(r.Context(), &shequ.ComplaintInput{EstateID: req.EstateID,
		Channel: shequ.Channel(req.Channel), ResidentID: req.ResidentID, Category: shequ.ComplaintCategory(req.Category),
		Description: req.Description})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.newComplaintJSON(c))
}

// handleAPIComplaintList serves GET /api/v1/complaints?state=&estate_id=&company_id=&community=&overdue=1&limit=&offset=.
func (s *Server) handleAPIComplaintList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionComplaintRead, s.wiredProperty()); !ok {
		return
	}
	q := readListQuery(r)
	limit, offset := q.Page(50, 500)
	if q.refused(s, w, r) {
		return
	}
	f := shequ.ComplaintFilter{Division: q.Community(q.Trim("community")), EstateID: q.Get("estate_id"),
		CompanyID: q.Get("company_id"), Overdue: q.Flag("overdue"), Offset: offset, Limit: limit,
		States: listAllOf(q, "state", shequ.ComplaintStates, "complaint.to.invalid", "Unknown complaint state.")}
	if q.refused(s, w, r) {
		return
	}
	items, total, err := s.cfg.Property.FindComplaints(r.Context(), f)
	answerList(s, w, r, items, total, err, s.newComplaintJSON)
}

// handleAPIComplaintGet serves GET /api/v1/complaints/{id}.
func (s *Server) handleAPIComplaintGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionComplaintRead, s.wiredProperty()); !ok {
		return
	}
	c, err := s.cfg.Property.FindComplaintByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.newComplaintJSON(c))
}

// handleAPIComplaintTimeline serves GET /api/v1/complaints/{id}/timeline.
func (s *Server) handleAPIComplaintTimeline(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionComplaintRead, s.wiredProperty()); !ok {
		return
	}
	events, err := s.cfg.Property.ComplaintTimeline(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"items": newTimelineJSON(events, false)})
}

// complaintMoveRequest is the body of POST /api/v1/complaints/{id}/moves.
type complaintMoveRequest struct {
	To      string `json:"to"`
	Text    string `json:"text"`
	Verdict string `json:"verdict"`
}

// handleAPIComplaintMove serves POST /api/v1/complaints/{id}/moves; an
// illegal move is 409 naming the current state.
func (s *Server) handleAPIComplaintMove(w http.ResponseWriter, r *http.Request) {
	var req complaintMoveRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionComplaintRead, s.wiredProperty(), &req); !ok {
		return
	}
	c, err := s.cfg.Property.MoveComplaint(r.Context(), pathID(r, "id"), shequ.ComplaintMove{To: shequ.ComplaintState(req.To),
		Text: req.Text, Verdict: shequ.Verdict(req.Verdict)})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.newComplaintJSON(c))
}
