package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"shequ"
)

// serviceItemJSON is the API form of a service item.
type serviceItemJSON struct {
	Code          string            `json:"code"`
	Name          string            `json:"name"`
	Department    string            `json:"department"`
	Category      string            `json:"category"`
	Audience      string            `json:"audience"`
	Conditions    string            `json:"conditions"`
	Materials     []shequ.Material  `json:"materials"`
	Process       string            `json:"process"`
	LegalDays     int               `json:"legal_days"`
	TimeLimitDays int               `json:"time_limit_days"`
	FeeFen        int64             `json:"fee_fen"`
	FeeYuan       string            `json:"fee_yuan"`
	LegalBasis    string            `json:"legal_basis"`
	Place         string            `json:"place"`
	Phone         string            `json:"phone"`
	Complaint     string            `json:"complaint"`
	Channels      []shequ.Channel   `json:"channels"`
	Divisions     []string          `json:"divisions"`
	Form          []shequ.FormField `json:"form"`
}

func newServiceItemJSON(it *shequ.ServiceItem) serviceItemJSON {
	return serviceItemJSON{Code: it.Code, Name: it.Name, Department: it.Department, Category: it.Category,
		Audience: it.Audience, Conditions: it.Conditions, Materials: nonNilSlice(it.Materials), Process: it.Process,
		LegalDays: it.LegalDays, TimeLimitDays: it.TimeLimitDays, FeeFen: it.FeeFen, FeeYuan: yuan(it.FeeFen),
		LegalBasis: it.LegalBasis, Place: it.Place, Phone: it.Phone, Complaint: it.Complaint,
		Channels: nonNilSlice(it.Channels), Divisions: nonNilSlice(it.Divisions), Form: nonNilSlice(it.SortedForm())}
}

// yuan shows an amount in 分 as 元 with two decimals.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

func nonNilSlice[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// requestJSON is the API form of a request. The tracking token is only in
// the answer to its submission.
type requestJSON struct {
	ID           string              `json:"id"`
	Number       string              `json:"number"`
	Token        string              `json:"token,omitempty"`
	ServiceCode  string              `json:"service_code"`
	ServiceName  string              `json:"service_name"`
	Community    string              `json:"community_code"`
	ResidentID   string              `json:"resident_id,omitempty"`
	Channel      shequ.Channel       `json:"channel"`
	Description  string              `json:"description"`
	Attributes   map[string][]string `json:"attributes"`
	Lat          *float64            `json:"lat,omitempty"`
	Lng          *float64            `json:"long,omitempty"`
	Address      string              `json:"address,omitempty"`
	State        shequ.RequestState  `json:"state"`
	Department   string              `json:"department"`
	DelegationID string              `json:"delegation_id,omitempty"`
	Materials    []string            `json:"materials"`
	Missing      []string            `json:"missing"`
	Result       string              `json:"result,omitempty"`
	Reason       string              `json:"reason,omitempty"`
	Rating       int                 `json:"rating,omitempty"`
	DueAt        time.Time           `json:"due_at"`
	Paused       bool                `json:"paused"`
	Overdue      bool                `json:"overdue"`
	DueSoon      bool                `json:"due_soon"`
	CompletedAt  *time.Time          `json:"completed_at,omitempty"`
	CreatedAt    time.Time           `json:"created_at"`
	UpdatedAt    time.Time           `json:"updated_at"`
}

func (s *Server) requestJSONer(r *http.Request) func(*shequ.ServiceRequest) requestJSON {
	cal := s.calendar(r)
	now := s.now()
	return func(q *shequ.ServiceRequest) requestJSON {
		return requestJSON{ID: q.ID, Number: q.Number, ServiceCode: q.ItemCode, ServiceName: q.ItemName,
			Community: q.Community, ResidentID: q.ResidentID, Channel: q.Channel, Description: q.Description,
			Attributes: nonNilMap(q.Values), Lat: q.Lat, Lng: q.Lng, Address: q.Address, State: q.State,
			Department: q.Department, DelegationID: q.DelegationID, Materials: nonNilSlice(q.Materials),
			Missing: nonNilSlice(q.Missing), Result: q.Result, Reason: q.Reason, Rating: q.Rating,
			DueAt: q.DueAt.In(shequ.Shanghai), Paused: q.PausedAt != nil, Overdue: q.Overdue(now),
			DueSoon: q.DueSoon(cal, now), CompletedAt: q.CompletedAt, CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt}
	}
}

func nonNilMap(m map[string][]string) map[string][]string {
	if m == nil {
		return map[string][]string{}
	}
	return m
}

// calendar returns the holiday calendar, the weekends-only one when none
// is wired or it cannot be read.
func (s *Server) calendar(r *http.Request) *shequ.Calendar {
	if s.cfg.Holidays == nil {
		return nil
	}
	c, err := s.cfg.Holidays.Calendar(r.Context())
	if err != nil {
		return nil
	}
	return c
}

// eventJSON is the API form of a timeline event.
type eventJSON struct {
	At       time.Time          `json:"at"`
	Actor    string             `json:"actor"`
	Kind     string             `json:"kind"`
	From     shequ.RequestState `json:"from,omitempty"`
	To       shequ.RequestState `json:"to,omitempty"`
	Note     string             `json:"note,omitempty"`
	OnBehalf string             `json:"on_behalf,omitempty"`
}

func newEventJSON(e *shequ.RequestEvent) eventJSON {
	return eventJSON{At: e.At, Actor: e.ActorName, Kind: e.Kind, From: e.From, To: e.To, Note: e.Note, OnBehalf: e.OnBehalf}
}

// requestInput is the body of POST /api/v1/requests and what the front
// desk and the online form are read into.
type requestInput struct {
	ServiceCode  string              `json:"service_code"`
	Community    string              `json:"community_code"`
	ResidentID   string              `json:"resident_id"`
	Channel      string              `json:"channel"`
	Description  string              `json:"description"`
	Attributes   map[string][]string `json:"attributes"`
	Lat          *float64            `json:"lat"`
	Lng          *float64            `json:"long"`
	Address      string              `json:"address_string"`
	DelegationID string              `json:"delegation_id"`
	IdentityNote string              `json:"identity_note"`
	Materials    []string            `json:"materials"`
}

func (in *requestInput) domain() *shequ.RequestInput {
	return &shequ.RequestInput{ItemCode: strings.TrimSpace(in.ServiceCode), Community: strings.TrimSpace(in.Community),
		ResidentID: strings.TrimSpace(in.ResidentID), Channel: shequ.Channel(strings.TrimSpace(in.Channel)),
		Description: in.Description, Values: in.Attributes, Lat: in.Lat, Lng: in.Lng, Address: in.Address,
		DelegationID: strings.TrimSpace(in.DelegationID), IdentityNote: in.IdentityNote, Materials: in.Materials}
}

// transitionInput is the body of POST /api/v1/requests/{id}/transition.
type transitionInput struct {
	To         string   `json:"to"`
	Note       string   `json:"note"`
	Reason     string   `json:"reason"`
	Missing    []string `json:"missing"`
	Department string   `json:"department"`
	Result     string   `json:"result"`
	Rating     int      `json:"rating"`
}

func (in *transitionInput) domain() shequ.TransitionInput {
	return shequ.TransitionInput{Note: in.Note, Reason: in.Reason, Missing: in.Missing, Department: in.Department,
		Result: in.Result, Rating: in.Rating}
}

// handleAPIServiceList serves GET /api/v1/services (public).
func (s *Server) handleAPIServiceList(w http.ResponseWriter, r *http.Request) {
	if s.cfg.ServiceItems == nil {
		s.error(w, r, errNoService)
		return
	}
	division := strings.TrimSpace(r.URL.Query().Get("division"))
	var fe shequ.FieldErrors
	checkCommunityFilter(&fe, division)
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	items, err := s.cfg.ServiceItems.ListItems(r.Context(), division)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, items, len(items), newServiceItemJSON)
}

// handleAPIServiceGet serves GET /api/v1/services/{code} (public).
func (s *Server) handleAPIServiceGet(w http.ResponseWriter, r *http.Request) {
	if s.cfg.ServiceItems == nil {
		s.error(w, r, errNoService)
		return
	}
	it, err := s.cfg.ServiceItems.GetItem(r.Context(), r.PathValue("code"))
	answerJSON(s, w, r, http.StatusOK, it, err, newServiceItemJSON)
}

// handleAPIRequestCreate serves POST /api/v1/requests.
func (s *Server) handleAPIRequestCreate(w http.ResponseWriter, r *http.Request) {
	var in requestInput
	if _, ok := s.guardJSON(w, r, shequ.ActionRequestSubmit, s.cfg.Requests != nil, &in); !ok {
		return
	}
	q, err := s.cfg.Requests.Submit(r.Context(), in.domain())
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := s.requestJSONer(r)(q)
	out.Token = q.Token
	w.Header().Set("Location", "/api/v1/requests/"+q.ID)
	writeJSON(w, http.StatusCreated, out)
}

// requestFilter reads the list filters of a query string: division,
// state (repeatable), service_code, channel, overdue, after (the queue's
// keyset cursor "due|id"), page and limit.
func requestFilter(r *http.Request) (shequ.RequestFilter, error) {
	q := readListQuery(r)
	f := shequ.RequestFilter{Division: q.Community(q.Trim("division")), ItemCode: q.Trim("service_code"),
		Channel: shequ.Channel(q.Trim("channel")), Overdue: q.Flag("overdue") || q.Get("overdue") == "true"}
	for _, st := range q.Values("state") {
		if st = strings.TrimSpace(st); st != "" {
			if !shequ.RequestState(st).Valid() {
				q.Add("state", "request.state.invalid", "Unknown state of a request.", nil)
			}
			f.States = append(f.States, shequ.RequestState(st))
		}
	}
	if c := q.Get("after"); c != "" {
		due, id, ok := strings.Cut(c, "|")
		t, err := time.Parse(time.RFC3339Nano, due)
		if !ok || err != nil {
			q.Add("after", "request.cursor.invalid", "The page cursor is malformed.", nil)
		}
		f.AfterDue, f.AfterID = &t, id
	}
	f.Limit = q.Limit(50, 1000)
	f.Offset = (q.PageNo() - 1) * f.Limit
	return f, q.Err()
}

// cursorOf is the keyset cursor after a request in the queue.
func cursorOf(q *shequ.ServiceRequest) string {
	return q.DueAt.UTC().Format(time.RFC3339Nano) + "|" + q.ID
}

// handleAPIRequestList serves GET /api/v1/requests: the requests the
// caller may see (a resident: their own), newest first.
func (s *Server) handleAPIRequestList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionRequestRead, s.cfg.Requests != nil); !ok {
		return
	}
	f, err := requestFilter(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f.OrderByCreated = true
	list, total, err := s.cfg.Requests.Find(r.Context(), f)
	answerList(s, w, r, list, total, err, s.requestJSONer(r))
}

// queueJSON is a page of the worker queue.
type queueJSON struct {
	Items  []requestJSON              `json:"items"`
	Counts map[shequ.RequestState]int `json:"counts"`
	Next   string                     `json:"next,omitempty"`
}

// handleAPIRequestQueue serves GET /api/v1/requests/queue.
func (s *Server) handleAPIRequestQueue(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionRequestHandle, s.cfg.RequestDesk != nil); !ok {
		return
	}
	f, err := requestFilter(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	list, counts, err := s.cfg.RequestDesk.Queue(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := queueJSON{Items: make([]requestJSON, 0, len(list)), Counts: counts}
	conv := s.requestJSONer(r)
	for _, q := range list {
		out.Items = append(out.Items, conv(q))
	}
	if len(list) == f.Limit && len(list) > 0 {
		out.Next = cursorOf(list[len(list)-1])
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// handleAPIRequestGet serves GET /api/v1/requests/{id}.
func (s *Server) handleAPIRequestGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionRequestRead, s.cfg.Requests != nil); !ok {
		return
	}
	if r.URL.Query().Get("reveal") == "1" {
		// The personal values of the form in clear (request_reveal.go).
		r = r.WithContext(context.WithValue(r.Context(), ctxRevealRequest, true))
	}
	q, _, err := s.findRequest(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.requestJSONer(r)(q))
}

// handleAPIRequestTimeline serves GET /api/v1/requests/{id}/timeline.
func (s *Server) handleAPIRequestTimeline(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionRequestRead, s.cfg.Requests != nil); !ok {
		return
	}
	ev, err := s.cfg.Requests.Timeline(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, ev, len(ev), newEventJSON)
}

// handleAPIRequestTransition serves POST /api/v1/requests/{id}/transition.
func (s *Server) handleAPIRequestTransition(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Requests == nil {
		s.error(w, r, errNoService)
		return
	}
	if shequ.ActorFrom(r.Context()) == nil {
		s.error(w, r, shequ.ErrUnauthorized)
		return
	}
	var in transitionInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	q, err := s.cfg.Requests.Transition(r.Context(), r.PathValue("id"), shequ.RequestState(strings.TrimSpace(in.To)), in.domain())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.requestJSONer(r)(q))
}

// bulkTransferInput is the body of POST /api/v1/requests/bulk-transfer.
type bulkTransferInput struct {
	IDs        []string `json:"ids"`
	Department string   `json:"department"`
	Note       string   `json:"note"`
}

// handleAPIRequestBulkTransfer serves POST /api/v1/requests/bulk-transfer.
func (s *Server) handleAPIRequestBulkTransfer(w http.ResponseWriter, r *http.Request) {
	var in bulkTransferInput
	if _, ok := s.guardJSON(w, r, shequ.ActionRequestHandle, s.cfg.RequestDesk != nil, &in); !ok {
		return
	}
	n, err := s.cfg.RequestDesk.BulkTransfer(r.Context(), in.IDs, in.Department, in.Note)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"transferred": n})
}

// trackJSON is the public view of a tracked request: no personal data.
type trackJSON struct {
	Number      string             `json:"number"`
	ServiceName string             `json:"service_name"`
	State       shequ.RequestState `json:"state"`
	Department  string             `json:"department"`
	Missing     []string           `json:"missing"`
	DueAt       time.Time          `json:"due_at"`
	CreatedAt   time.Time          `json:"created_at"`
	Timeline    []eventJSON        `json:"timeline"`
}

// handleAPITrack serves GET /api/v1/track/{token}, without sign-in.
func (s *Server) handleAPITrack(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Requests == nil || s.cfg.RequestDesk == nil {
		s.error(w, r, errNoService)
		return
	}
	q, ev, err := s.track(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := trackJSON{Number: q.Number, ServiceName: q.ItemName, State: q.State, Department: q.Department,
		Missing: nonNilSlice(q.Missing), DueAt: q.DueAt.In(shequ.Shanghai), CreatedAt: q.CreatedAt, Timeline: []eventJSON{}}
	for _, e := range ev {
		e.ActorName = "" // staff names are not for the public
		out.Timeline = append(out.Timeline, newEventJSON(e))
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// track finds a request and its timeline by the token in the path.
func (s *Server) track(r *http.Request) (*shequ.ServiceRequest, []*shequ.RequestEvent, error) {
	token := r.PathValue("token")
	q, err := s.cfg.Requests.GetByToken(r.Context(), token)
	if err != nil {
		return nil, nil, err
	}
	ev, err := s.cfg.RequestDesk.TimelineByToken(r.Context(), token)
	return q, ev, err
}

// itemCountJSON is one row of the requests by item and channel.
type itemCountJSON struct {
	ServiceCode string                `json:"service_code"`
	ServiceName string                `json:"service_name"`
	Total       int                   `json:"total"`
	ByChannel   map[shequ.Channel]int `json:"by_channel"`
}

func newItemCountJSON(c *shequ.ItemRequestCount) itemCountJSON {
	return itemCountJSON{ServiceCode: c.ItemCode, ServiceName: c.ItemName, Total: c.Total, ByChannel: c.ByChannel}
}

// handleAPIRequestsByItem serves GET /api/v1/requests/by-item?division=:
// the requests of a division by item and channel.
func (s *Server) handleAPIRequestsByItem(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionRequestRead, s.cfg.RequestDesk != nil); !ok {
		return
	}
	division := strings.TrimSpace(r.URL.Query().Get("division"))
	var fe shequ.FieldErrors
	checkCommunityFilter(&fe, division)
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	list, err := s.cfg.RequestDesk.CountByItem(r.Context(), division)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, len(list), newItemCountJSON)
}
