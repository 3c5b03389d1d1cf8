package web

import (
	"math"
	"net/http"
	"strings"
	"time"

	"shequ"
)

// The bids, reviews, objections, activities, evaluations and notifications
// of the JSON API (issue 5).

// bidRequest is the body of POST /api/v1/projects/{id}/bids.
type bidRequest struct {
	OrgID      string   `json:"org_id"`
	Plan       string   `json:"plan"`
	PriceFen   int64    `json:"price_fen"`
	Team       []string `json:"team"`
	Experience string   `json:"experience"`
}

// bidJSON is the API form of a bid.
type bidJSON struct {
	ID          string         `json:"id"`
	ProjectID   string         `json:"project_id"`
	OrgID       string         `json:"org_id"`
	OrgName     string         `json:"org_name"`
	Plan        string         `json:"plan"`
	PriceFen    int64          `json:"price_fen"`
	Team        []string       `json:"team"`
	Experience  string         `json:"experience"`
	Status      string         `json:"status"`
	SubmittedAt string         `json:"submitted_at"`
	UpdatedAt   string         `json:"updated_at"`
	Timeline    []timelineJSON `json:"timeline,omitempty"`
}

func newBidJSON(b *shequ.Bid) bidJSON {
	return bidJSON{ID: b.ID, ProjectID: b.ProjectID, OrgID: b.OrgID, OrgName: b.OrgName, Plan: b.Plan, PriceFen: b.PriceFen,
		Team: append([]string{}, b.Team...), Experience: b.Experience, Status: string(b.Status),
		SubmittedAt: apiTime(b.SubmittedAt), UpdatedAt: apiTime(b.UpdatedAt)}
}

// handleAPIBidSubmit serves POST /api/v1/projects/{id}/bids: a new bid or
// an edit of the organization's bid before the deadline.
func (s *Server) handleAPIBidSubmit(w http.ResponseWriter, r *http.Request) {
	var req bidRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionBidSubmit, s.cfg.Linkage != nil, &req); !ok {
		return
	}
	b := &shequ.Bid{ProjectID: pathID(r, "id"), OrgID: strings.TrimSpace(req.OrgID), Plan: req.Plan, PriceFen: req.PriceFen,
		Team: cleanCodes(req.Team), Experience: req.Experience}
	if err := s.cfg.Linkage.SubmitBid(r.Context(), b); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newBidJSON(b))
}

// handleAPIBidList serves GET /api/v1/projects/{id}/bids.
func (s *Server) handleAPIBidList(w http.ResponseWriter, r *http.Request) {
	if !s.linkage(w, r) {
		return
	}
	bids, err := s.cfg.Linkage.FindBids(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, bids, len(bids), newBidJSON)
}

// handleAPIBidGet serves GET /api/v1/bids/{id} with its timeline.
func (s *Server) handleAPIBidGet(w http.ResponseWriter, r *http.Request) {
	if !s.linkage(w, r) {
		return
	}
	b, err := s.cfg.Linkage.FindBidByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	tl, err := s.cfg.Linkage.Timeline(r.Context(), "bid", b.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	j := newBidJSON(b)
	j.Timeline = newTimelineJSON(tl, shequ.ActorFrom(r.Context()) == nil)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, j)
}

// handleAPIBidWithdraw serves POST /api/v1/bids/{id}/withdraw.
func (s *Server) handleAPIBidWithdraw(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionBidSubmit, s.cfg.Linkage != nil); !ok {
		return
	}
	b, err := s.cfg.Linkage.WithdrawBid(r.Context(), pathID(r, "id"))
	answerJSON(s, w, r, http.StatusOK, b, err, newBidJSON)
}

// reviewRequest is the body of POST /api/v1/projects/{id}/reviews.
type reviewRequest struct {
	BidID  string         `json:"bid_id"`
	Scores map[string]int `json:"scores"`
}

// reviewJSON is a review; rankJSON a place in the ranking.
type reviewJSON struct {
	ID        string         `json:"id"`
	BidID     string         `json:"bid_id"`
	Scores    map[string]int `json:"scores"`
	Total     int            `json:"total"`
	CreatedAt string         `json:"created_at"`
}

type rankJSON struct {
	BidID     string  `json:"bid_id"`
	Rank      int     `json:"rank"`
	Score     float64 `json:"score"`
	Reviewers int     `json:"reviewers"`
	Counted   int     `json:"counted"`
	PriceFen  int64   `json:"price_fen"`
}

func newReviewJSON(rv *shequ.Review) reviewJSON {
	return reviewJSON{ID: rv.ID, BidID: rv.BidID, Scores: rv.Scores, Total: rv.Total, CreatedAt: apiTime(rv.CreatedAt)}
}

// handleAPIReviewSubmit serves POST /api/v1/projects/{id}/reviews.
func (s *Server) handleAPIReviewSubmit(w http.ResponseWriter, r *http.Request) {
	var req reviewRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionReviewScore, s.cfg.Linkage != nil, &req); !ok {
		return
	}
	rv := &shequ.Review{ProjectID: pathID(r, "id"), BidID: strings.TrimSpace(req.BidID), Scores: req.Scores}
	if err := s.cfg.Linkage.SubmitReview(r.Context(), rv); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newReviewJSON(rv))
}

// handleAPIReviewList serves GET /api/v1/projects/{id}/reviews: the reviews
// the caller may see and the ranking.
func (s *Server) handleAPIReviewList(w http.ResponseWriter, r *http.Request) {
	if !s.linkage(w, r) {
		return
	}
	ctx, id := r.Context(), pathID(r, "id")
	reviews, err := s.cfg.Linkage.FindReviews(ctx, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	ranking, err := s.cfg.Linkage.Ranking(ctx, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := struct {
		Reviews []reviewJSON `json:"reviews"`
		Ranking []rankJSON   `json:"ranking"`
	}{Reviews: []reviewJSON{}, Ranking: []rankJSON{}}
	for _, rv := range reviews {
		out.Reviews = append(out.Reviews, newReviewJSON(rv))
	}
	for _, rk := range ranking {
		out.Ranking = append(out.Ranking, rankJSON(rk))
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// objectionJSON is an objection of the 公示期; who lodged it is not shown.
type objectionJSON struct {
	ID         string  `json:"id"`
	Text       string  `json:"text"`
	Answer     string  `json:"answer"`
	CreatedAt  string  `json:"created_at"`
	AnsweredAt *string `json:"answered_at"`
}

func newObjectionJSON(o *shequ.Objection) objectionJSON {
	return objectionJSON{ID: o.ID, Text: o.Text, Answer: o.Answer, CreatedAt: apiTime(o.CreatedAt), AnsweredAt: optAPITime(o.AnsweredAt)}
}

// textRequest is the body of an objection or of its answer.
type textRequest struct {
	Text string `json:"text"`
}

// handleAPIObjectionLodge serves POST /api/v1/projects/{id}/objections.
func (s *Server) handleAPIObjectionLodge(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.signedIn(w, r); !ok || !s.linkage(w, r) {
		return
	}
	var req textRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	o, err := s.cfg.Linkage.LodgeObjection(r.Context(), pathID(r, "id"), req.Text)
	answerJSON(s, w, r, http.StatusCreated, o, err, newObjectionJSON)
}

// handleAPIObjectionList serves GET /api/v1/projects/{id}/objections.
func (s *Server) handleAPIObjectionList(w http.ResponseWriter, r *http.Request) {
	if !s.linkage(w, r) {
		return
	}
	list, err := s.cfg.Linkage.FindObjections(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, len(list), newObjectionJSON)
}

// handleAPIObjectionAnswer serves POST /api/v1/objections/{id}/answer.
func (s *Server) handleAPIObjectionAnswer(w http.ResponseWriter, r *http.Request) {
	var req textRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionProjectApprove, s.cfg.Linkage != nil, &req); !ok {
		return
	}
	o, err := s.cfg.Linkage.AnswerObjection(r.Context(), pathID(r, "id"), req.Text)
	answerJSON(s, w, r, http.StatusOK, o, err, newObjectionJSON)
}

// activityRequest is the body of POST /api/v1/projects/{id}/activities.
type activityRequest struct {
	Date           string   `json:"date"`
	Place          string   `json:"place"`
	Content        string   `json:"content"`
	Functions      []string `json:"functions"`
	Participants   int      `json:"participants"`
	ResidentIDs    []string `json:"resident_ids"`
	ParticipantIDs []string `json:"participant_id_numbers"`
	// Volunteers and VolunteerHours are derived from service records: a
	// body that sets them is refused rather than silently ignored.
	Volunteers     *int     `json:"volunteers"`
	VolunteerHours *float64 `json:"volunteer_hours"`
}

func (req *activityRequest) activity(projectID string, fe *shequ.FieldErrors) *shequ.Activity {
	a := &shequ.Activity{ProjectID: projectID, Place: req.Place, Content: req.Content, Participants: req.Participants,
		ResidentIDs: cleanCodes(req.ResidentIDs), ParticipantIDs: cleanCodes(req.ParticipantIDs)}
	if req.Volunteers != nil {
		fe.Add("volunteers", "activity.volunteers.derived", "Volunteers come from confirmed service records.", nil)
	}
	if req.VolunteerHours != nil {
		fe.Add("volunteer_hours", "activity.volunteers.derived", "Volunteer hours come from confirmed service records.", nil)
	}
	for _, f := range cleanCodes(req.Functions) {
		a.Functions = append(a.Functions, shequ.ServiceFunction(f))
	}
	if d := parseDateField(fe, "date", req.Date); d != nil {
		a.Date = *d
	}
	return a
}

// activityJSON is an activity as the public sees it: no residents named.
type activityJSON struct {
	ID             string   `json:"id"`
	Date           string   `json:"date"`
	Place          string   `json:"place"`
	Content        string   `json:"content"`
	Functions      []string `json:"functions"`
	Participants   int      `json:"participants"`
	Volunteers     int      `json:"volunteers"`
	VolunteerHours float64  `json:"volunteer_hours"`
}

func newActivityJSON(a *shequ.Activity) activityJSON {
	j := activityJSON{ID: a.ID, Date: a.Date.In(shequ.Shanghai).Format(time.DateOnly), Place: a.Place, Content: a.Content,
		Functions: []string{}, Participants: a.Participants, Volunteers: a.Volunteers,
		VolunteerHours: math.Round(float64(a.VolunteerMinutes)/6) / 10}
	for _, f := range a.Functions {
		j.Functions = append(j.Functions, string(f))
	}
	return j
}

// handleAPIActivityRecord serves POST /api/v1/projects/{id}/activities.
func (s *Server) handleAPIActivityRecord(w http.ResponseWriter, r *http.Request) {
	var req activityRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionActivityRecord, s.cfg.Linkage != nil, &req); !ok {
		return
	}
	var fe shequ.FieldErrors
	a := req.activity(pathID(r, "id"), &fe)
	err := fe.Err()
	if err == nil {
		err = s.cfg.Linkage.RecordActivity(r.Context(), a)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newActivityJSON(a))
}

// handleAPIActivityList serves GET /api/v1/projects/{id}/activities.
func (s *Server) handleAPIActivityList(w http.ResponseWriter, r *http.Request) {
	if !s.linkage(w, r) {
		return
	}
	list, err := s.cfg.Linkage.FindActivities(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, len(list), newActivityJSON)
}

// evaluationRequest is the body of POST /api/v1/projects/{id}/evaluations.
type evaluationRequest struct {
	Kind     string `json:"kind"`
	Score    int    `json:"score"`
	Comment  string `json:"comment"`
	Assessor string `json:"assessor"`
}

// evaluationJSON is an evaluation without who gave it.
type evaluationJSON struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Score     int    `json:"score"`
	Comment   string `json:"comment"`
	Assessor  string `json:"assessor"`
	CreatedAt string `json:"created_at"`
}

func newEvaluationJSON(e *shequ.Evaluation) evaluationJSON {
	return evaluationJSON{ID: e.ID, Kind: string(e.Kind), Score: e.Score, Comment: e.Comment, Assessor: e.Assessor,
		CreatedAt: apiTime(e.CreatedAt)}
}

// handleAPIEvaluationSubmit serves POST /api/v1/projects/{id}/evaluations.
func (s *Server) handleAPIEvaluationSubmit(w http.ResponseWriter, r *http.Request) {
	var req evaluationRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionEvaluate, s.cfg.Linkage != nil, &req); !ok {
		return
	}
	e := &shequ.Evaluation{ProjectID: pathID(r, "id"), Kind: shequ.EvaluationKind(strings.TrimSpace(req.Kind)), Score: req.Score,
		Comment: req.Comment, Assessor: req.Assessor}
	if err := s.cfg.Linkage.SubmitEvaluation(r.Context(), e); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newEvaluationJSON(e))
}

// handleAPIEvaluationList serves GET /api/v1/projects/{id}/evaluations.
func (s *Server) handleAPIEvaluationList(w http.ResponseWriter, r *http.Request) {
	if !s.linkage(w, r) {
		return
	}
	list, err := s.cfg.Linkage.FindEvaluations(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, len(list), newEvaluationJSON)
}

// notificationJSON is an in-app notification.
type notificationJSON struct {
	ID         string  `json:"id"`
	Kind       string  `json:"kind"`
	ObjectType string  `json:"object_type"`
	ObjectID   string  `json:"object_id"`
	Subject    string  `json:"subject"`
	Detail     string  `json:"detail"`
	Text       string  `json:"text"`
	CreatedAt  string  `json:"created_at"`
	ReadAt     *string `json:"read_at"`
}

// handleAPINotifications serves GET /api/v1/notifications.
func (s *Server) handleAPINotifications(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.signedIn(w, r); !ok || !s.linkage(w, r) {
		return
	}
	list, unread, err := s.cfg.Linkage.FindNotifications(r.Context(), 100)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := struct {
		Items  []notificationJSON `json:"items"`
		Unread int                `json:"unread"`
	}{Items: []notificationJSON{}, Unread: unread}
	l := s.localizer(r)
	for _, n := range list {
		out.Items = append(out.Items, notificationJSON{ID: n.ID, Kind: n.Kind, ObjectType: n.ObjectType, ObjectID: n.ObjectID,
			Subject: n.Subject, Detail: n.Detail, Text: l.T("notify."+n.Kind, map[string]any{"Subject": n.Subject, "Detail": n.Detail}),
			CreatedAt: apiTime(n.CreatedAt), ReadAt: optAPITime(n.ReadAt)})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}
