package web

import (
	"net/http"
	"strings"
	"time"

	"shequ"
)

// The JSON API of the property module beside its registers (estates and
// companies, register_*.go) and complaints (property_complaint_api.go):
// contracts, ratings, owners' committees, inspections and rectifications,
// joint meetings and resolutions, the credit file and its decisions,
// appeals, alerts, the county's settings and the communities' committees.
// Every endpoint goes through the same store calls as the pages. Dates are
// YYYY-MM-DD (Asia/Shanghai), instants RFC 3339.

// apiDay formats a date as YYYY-MM-DD in Asia/Shanghai.
func apiDay(t time.Time) string { return t.In(shequ.Shanghai).Format(time.DateOnly) }

// optAPIDay formats an optional date.
func optAPIDay(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := apiDay(*t)
	return &s
}

// parseAPIDay reads a required or optional YYYY-MM-DD of a JSON body.
func parseAPIDay(fe *shequ.FieldErrors, field, s string) *time.Time {
	return parseDateField(fe, field, s)
}

// --- Contracts --------------------------------------------------------

type contractJSON struct {
	ID          string  `json:"id"`
	EstateID    string  `json:"estate_id"`
	EstateName  string  `json:"estate_name"`
	CompanyID   string  `json:"company_id"`
	CompanyName string  `json:"company_name"`
	Start       string  `json:"start"`
	End         string  `json:"end"`
	FeeFen      int64   `json:"fee_fen"`
	Scope       string  `json:"scope"`
	Selection   string  `json:"selection"`
	EndedOn     *string `json:"ended_on"`
	EndReason   string  `json:"end_reason"`
	InForce     bool    `json:"in_force"`
}

func (s *Server) newContractJSON(k *shequ.PropertyContract) contractJSON {
	return contractJSON{ID: k.ID, EstateID: k.EstateID, EstateName: k.EstateName, CompanyID: k.CompanyID, CompanyName: k.CompanyName,
		Start: apiDay(k.Start), End: apiDay(k.End), FeeFen: k.FeeFen, Scope: k.Scope, Selection: string(k.Selection),
		EndedOn: optAPIDay(k.EndedOn), EndReason: k.EndReason, InForce: k.InForce(s.now())}
}

// handleAPIContractList serves GET /api/v1/estates/{id}/contracts.
func (s *Server) handleAPIContractList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	ks, err := s.cfg.Property.FindContracts(r.Context(), pathID(r, "id"), "")
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, ks, len(ks), s.newContractJSON)
}

type contractRequest struct {
	CompanyID string `json:"company_id"`
	Start     string `json:"start"`
	End       string `json:"end"`
	FeeFen    int64  `json:"fee_fen"`
	Scope     string `json:"scope"`
	Selection string `json:"selection"`
}

// handleAPIContractCreate serves POST /api/v1/estates/{id}/contracts.
func (s *Server) handleAPIContractCreate(w http.ResponseWriter, r *http.Request) {
	var req contractRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertyWrite, s.wiredProperty(), &req); !ok {
		return
	}
	var fe shequ.FieldErrors
	k := &shequ.PropertyContract{EstateID: pathID(r, "id"), CompanyID: req.CompanyID, FeeFen: req.FeeFen, Scope: req.Scope,
		Selection: shequ.ContractSelection(req.Selection)}
	if d := parseAPIDay(&fe, "start", req.Start); d != nil {
		k.Start = *d
	}
	if d := parseAPIDay(&fe, "end", req.End); d != nil {
		k.End = *d
	}
	err := fe.Err()
	if err == nil {
		err = s.cfg.Property.CreateContract(r.Context(), k)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.newContractJSON(k))
}

type contractEndRequest struct {
	EndedOn string `json:"ended_on"`
	Reason  string `json:"reason"`
}

// handleAPIContractEnd serves POST /api/v1/property/contracts/{id}/end.
func (s *Server) handleAPIContractEnd(w http.ResponseWriter, r *http.Request) {
	var req contractEndRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertyWrite, s.wiredProperty(), &req); !ok {
		return
	}
	var fe shequ.FieldErrors
	on := parseAPIDay(&fe, "ended_on", req.EndedOn)
	if on == nil {
		fe.Add("ended_on", "contract.end.invalid", "A contract ends early on a day within its term, before its end.", nil)
	}
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	k, err := s.cfg.Property.EndContract(r.Context(), pathID(r, "id"), *on, req.Reason)
	answerJSON(s, w, r, http.StatusOK, k, err, s.newContractJSON)
}

// --- Ratings ----------------------------------------------------------

type ratingSummaryJSON struct {
	EstateID   string             `json:"estate_id"`
	Period     string             `json:"period"`
	Households int                `json:"households"`
	Count      int                `json:"count"`
	Shown      bool               `json:"shown"`
	Needed     int                `json:"needed"`
	Overall    *float64           `json:"overall"`
	Means      map[string]float64 `json:"means,omitempty"`
}

func newRatingSummaryJSON(sum *shequ.RatingSummary) ratingSummaryJSON {
	j := ratingSummaryJSON{EstateID: sum.EstateID, Period: sum.Period, Households: sum.Households, Count: sum.Count,
		Shown: sum.Shown, Needed: sum.Needed}
	if sum.Shown {
		o := sum.Overall
		j.Overall, j.Means = &o, map[string]float64{}
		for d, v := range sum.Means {
			j.Means[string(d)] = v
		}
	}
	return j
}

// handleAPIRatingSummary serves GET /api/v1/estates/{id}/ratings?period=:
// the result, means only above the threshold.
func (s *Server) handleAPIRatingSummary(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	sum, err := s.cfg.Property.RatingSummary(r.Context(), pathID(r, "id"), strings.TrimSpace(r.URL.Query().Get("period")))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, newRatingSummaryJSON(sum))
}

type ratingRequest struct {
	Scores  map[string]int `json:"scores"`
	Comment string         `json:"comment"`
}

// handleAPIRate serves POST /api/v1/estates/{id}/ratings (residents; once
// per household and period, 409 after).
func (s *Server) handleAPIRate(w http.ResponseWriter, r *http.Request) {
	var req ratingRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertyRate, s.wiredProperty(), &req); !ok {
		return
	}
	pr := &shequ.PropertyRating{EstateID: pathID(r, "id"), Scores: map[shequ.RatingDimension]int{}, Comment: req.Comment}
	for k, v := range req.Scores {
		pr.Scores[shequ.RatingDimension(k)] = v
	}
	if err := s.cfg.Property.RateEstate(r.Context(), pr); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": pr.ID, "estate_id": pr.EstateID, "period": pr.Period})
}

// --- Owners' committees ---------------------------------------------

type memberJSON struct {
	ResidentID string `json:"resident_id"`
	Name       string `json:"name,omitempty"`
	Post       string `json:"post"`
	Concurrent bool   `json:"concurrent"`
}

type committeeJSON struct {
	ID           string       `json:"id"`
	EstateID     string       `json:"estate_id"`
	EstateName   string       `json:"estate_name"`
	Community    string       `json:"community_code"`
	Term         int          `json:"term"`
	ElectedOn    string       `json:"elected_on"`
	TermEnd      string       `json:"term_end"`
	Status       string       `json:"status"`
	ReturnReason string       `json:"return_reason"`
	FiledOn      *string      `json:"filed_on"`
	Members      []memberJSON `json:"members"`
}

func newCommitteeJSON(c *shequ.OwnersCommittee) committeeJSON {
	j := committeeJSON{ID: c.ID, EstateID: c.EstateID, EstateName: c.EstateName, Community: c.Community, Term: c.Term,
		ElectedOn: apiDay(c.ElectedOn), TermEnd: apiDay(c.TermEnd), Status: string(c.Status), ReturnReason: c.ReturnReason,
		FiledOn: optAPIDay(c.FiledOn), Members: []memberJSON{}}
	for _, m := range c.Members {
		j.Members = append(j.Members, memberJSON{ResidentID: m.ResidentID, Name: m.Name, Post: string(m.Post), Concurrent: m.Concurrent})
	}
	return j
}

type committeeRequest struct {
	ElectedOn string       `json:"elected_on"`
	Members   []memberJSON `json:"members"`
}

func (req *committeeRequest) read() (time.Time, []shequ.CommitteeMember, error) {
	var fe shequ.FieldErrors
	var elected time.Time
	if d := parseAPIDay(&fe, "elected_on", req.ElectedOn); d != nil {
		elected = *d
	}
	var ms []shequ.CommitteeMember
	for _, m := range req.Members {
		ms = append(ms, shequ.CommitteeMember{ResidentID: m.ResidentID, Post: shequ.CommitteePost(m.Post), Concurrent: m.Concurrent})
	}
	return elected, ms, fe.Err()
}

// handleAPICommitteeList serves GET /api/v1/committees?status=&estate_id=.
func (s *Server) handleAPICommitteeList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	q := r.URL.Query()
	st := q.Get("status")
	if st != "" && !oneOfStr(st, shequ.FilingStatuses) {
		s.error(w, r, fieldErr("status", "committee.to.invalid", "File the committee or return it."))
		return
	}
	cs, err := s.cfg.Property.FindCommittees(r.Context(), q.Get("estate_id"), strings.TrimSpace(q.Get("community")), shequ.FilingStatus(st))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, cs, len(cs), newCommitteeJSON)
}

// handleAPICommitteeSubmit serves POST /api/v1/estates/{id}/committees.
func (s *Server) handleAPICommitteeSubmit(w http.ResponseWriter, r *http.Request) {
	var req committeeRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertyWrite, s.wiredProperty(), &req); !ok {
		return
	}
	elected, ms, err := req.read()
	c := &shequ.OwnersCommittee{EstateID: pathID(r, "id"), ElectedOn: elected, Members: ms}
	if err == nil {
		err = s.cfg.Property.SubmitCommittee(r.Context(), c)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	got, err := s.cfg.Property.FindCommitteeByID(r.Context(), c.ID)
	answerJSON(s, w, r, http.StatusCreated, got, err, newCommitteeJSON)
}

// handleAPICommitteeGet serves GET /api/v1/committees/{id}.
func (s *Server) handleAPICommitteeGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	c, err := s.cfg.Property.FindCommitteeByID(r.Context(), pathID(r, "id"))
	answerJSON(s, w, r, http.StatusOK, c, err, newCommitteeJSON)
}

type filingRequest struct {
	To     string `json:"to"`
	Reason string `json:"reason"`
}

// handleAPICommitteeFiling serves POST /api/v1/committees/{id}/filing.
func (s *Server) handleAPICommitteeFiling(w http.ResponseWriter, r *http.Request) {
	var req filingRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertySupervise, s.wiredProperty(), &req); !ok {
		return
	}
	c, err := s.cfg.Property.FileCommittee(r.Context(), pathID(r, "id"), shequ.FilingStatus(req.To), req.Reason)
	answerJSON(s, w, r, http.StatusOK, c, err, newCommitteeJSON)
}

// handleAPICommitteeResubmit serves POST /api/v1/committees/{id}/resubmit.
func (s *Server) handleAPICommitteeResubmit(w http.ResponseWriter, r *http.Request) {
	var req committeeRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertyWrite, s.wiredProperty(), &req); !ok {
		return
	}
	elected, ms, err := req.read()
	var c *shequ.OwnersCommittee
	if err == nil {
		c, err = s.cfg.Property.ResubmitCommittee(r.Context(), pathID(r, "id"), elected, ms)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newCommitteeJSON(c))
}

// --- Inspections and rectifications ----------------------------------

type rectificationJSON struct {
	ID           string  `json:"id"`
	InspectionID string  `json:"inspection_id"`
	EstateID     string  `json:"estate_id"`
	EstateName   string  `json:"estate_name"`
	CompanyID    string  `json:"company_id"`
	Item         string  `json:"item"`
	ItemName     string  `json:"item_name"`
	Finding      string  `json:"finding"`
	DueOn        string  `json:"due_on"`
	Status       string  `json:"status"`
	Report       string  `json:"report"`
	ReportedAt   *string `json:"reported_at"`
	FollowUp     string  `json:"follow_up"`
	VerifiedAt   *string `json:"verified_at"`
	OverdueAt    *string `json:"overdue_at"`
}

func newRectificationJSON(x *shequ.Rectification) rectificationJSON {
	return rectificationJSON{ID: x.ID, InspectionID: x.InspectionID, EstateID: x.EstateID, EstateName: x.EstateName,
		CompanyID: x.CompanyID, Item: x.ItemKey, ItemName: x.ItemName, Finding: x.Finding, DueOn: apiDay(x.DueOn),
		Status: string(x.Status), Report: x.Report, ReportedAt: optAPITime(x.ReportedAt), FollowUp: x.FollowUp,
		VerifiedAt: optAPITime(x.VerifiedAt), OverdueAt: optAPITime(x.OverdueAt)}
}

type inspectionItemJSON struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Max   int    `json:"max"`
	Pass  int    `json:"pass"`
	Score int    `json:"score"`
	Note  string `json:"note"`
}

type inspectionJSON struct {
	ID             string               `json:"id"`
	EstateID       string               `json:"estate_id"`
	EstateName     string               `json:"estate_name"`
	CompanyID      string               `json:"company_id"`
	Day            string               `json:"day"`
	Inspectors     string               `json:"inspectors"`
	Items          []inspectionItemJSON `json:"items"`
	Total          int                  `json:"total"`
	Max            int                  `json:"max"`
	Passed         bool                 `json:"passed"`
	Note           string               `json:"note"`
	Photos         int                  `json:"photos"`
	Rectifications []rectificationJSON  `json:"rectifications"`
}

func newInspectionJSON(in *shequ.Inspection) inspectionJSON {
	j := inspectionJSON{ID: in.ID, EstateID: in.EstateID, EstateName: in.EstateName, CompanyID: in.CompanyID, Day: apiDay(in.Day),
		Inspectors: in.Inspectors, Total: in.Total, Max: in.Max, Passed: in.Passed(), Note: in.Note, Photos: in.Photos,
		Items: []inspectionItemJSON{}, Rectifications: []rectificationJSON{}}
	for _, it := range in.Items {
		j.Items = append(j.Items, inspectionItemJSON{Key: it.Key, Name: it.Name, Max: it.Max, Pass: it.Pass, Score: it.Score, Note: it.Note})
	}
	for _, x := range in.Rectifications {
		j.Rectifications = append(j.Rectifications, newRectificationJSON(x))
	}
	return j
}

// handleAPIInspectionList serves GET /api/v1/estates/{id}/inspections.
func (s *Server) handleAPIInspectionList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	ins, err := s.cfg.Property.FindInspections(r.Context(), pathID(r, "id"), 100)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, ins, len(ins), newInspectionJSON)
}

type inspectionRequest struct {
	Day        string            `json:"day"`
	Inspectors string            `json:"inspectors"`
	Scores     map[string]int    `json:"scores"`
	Notes      map[string]string `json:"notes"`
	Note       string            `json:"note"`
	DueOn      string            `json:"due_on"`
}

// handleAPIInspectionRecord serves POST /api/v1/estates/{id}/inspections.
func (s *Server) handleAPIInspectionRecord(w http.ResponseWriter, r *http.Request) {
	var req inspectionRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionInspectionRecord, s.wiredProperty(), &req); !ok {
		return
	}
	var fe shequ.FieldErrors
	in := &shequ.InspectionInput{EstateID: pathID(r, "id"), Inspectors: req.Inspectors, Scores: req.Scores, Notes: req.Notes,
		Note: req.Note, DueOn: parseAPIDay(&fe, "due_on", req.DueOn)}
	if d := parseAPIDay(&fe, "day", req.Day); d != nil {
		in.Day = *d
	}
	err := fe.Err()
	var got *shequ.Inspection
	if err == nil {
		got, err = s.cfg.Property.RecordInspection(r.Context(), in)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newInspectionJSON(got))
}

// handleAPIInspectionGet serves GET /api/v1/inspections/{id}.
func (s *Server) handleAPIInspectionGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	in, err := s.cfg.Property.FindInspectionByID(r.Context(), pathID(r, "id"))
	answerJSON(s, w, r, http.StatusOK, in, err, newInspectionJSON)
}

// handleAPIRectificationList serves GET
// /api/v1/rectifications?status=&estate_id=&company_id=&community=&limit=&offset=.
func (s *Server) handleAPIRectificationList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty()); !ok {
		return
	}
	q := readListQuery(r)
	limit, offset := q.Page(50, 500)
	if q.refused(s, w, r) {
		return
	}
	f := shequ.RectificationFilter{Division: q.Community(q.Trim("community")), EstateID: q.Get("estate_id"),
		CompanyID: q.Get("company_id"), Offset: offset, Limit: limit,
		Status: listOneOf(q, "status", shequ.RectificationStatuses, "rectification.to.invalid", "Unknown state.")}
	if q.refused(s, w, r) {
		return
	}
	xs, total, err := s.cfg.Property.FindRectifications(r.Context(), f)
	answerList(s, w, r, xs, total, err, newRectificationJSON)
}

type rectificationMoveRequest struct {
	To    string `json:"to"`
	Text  string `json:"text"`
	DueOn string `json:"due_on"`
}

// handleAPIRectificationMove serves POST /api/v1/rectifications/{id}/moves.
func (s *Server) handleAPIRectificationMove(w http.ResponseWriter, r *http.Request) {
	var req rectificationMoveRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionPropertyRead, s.wiredProperty(), &req); !ok {
		return
	}
	var fe shequ.FieldErrors
	m := shequ.RectificationMove{To: shequ.RectificationStatus(req.To), Text: req.Text, DueOn: parseAPIDay(&fe, "due_on", req.DueOn)}
	err := fe.Err()
	var x *shequ.Rectification
	if err == nil {
		x, err = s.cfg.Property.MoveRectification(r.Context(), pathID(r, "id"), m)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newRectificationJSON(x))
}
