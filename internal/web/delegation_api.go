package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"shequ"
)

// delegationJSON is the API form of a delegation; state is the effective
// one (an active delegation past its validity reads expired).
type delegationJSON struct {
	ID            string                `json:"id"`
	ResidentID    string                `json:"resident_id"`
	ResidentName  string                `json:"resident_name"`
	Community     string                `json:"community_code"`
	AgentID       string                `json:"agent_id"`
	AgentName     string                `json:"agent_name"`
	Items         []string              `json:"items"`
	ValidFrom     time.Time             `json:"valid_from"`
	ValidUntil    time.Time             `json:"valid_until"`
	State         shequ.DelegationState `json:"state"`
	ConsentMethod shequ.ConsentMethod   `json:"consent_method,omitempty"`
	ConsentAt     *time.Time            `json:"consent_at,omitempty"`
	Note          string                `json:"note,omitempty"`
	CreatedAt     time.Time             `json:"created_at"`
}

func (s *Server) delegationJSONer() func(*shequ.Delegation) delegationJSON {
	now := s.now()
	return func(d *shequ.Delegation) delegationJSON {
		return delegationJSON{ID: d.ID, ResidentID: d.ResidentID, ResidentName: d.ResidentName, Community: d.Community,
			AgentID: d.AgentID, AgentName: d.AgentName, Items: nonNilSlice(d.Items), ValidFrom: d.ValidFrom,
			ValidUntil: d.ValidUntil, State: d.Effective(now), ConsentMethod: d.ConsentMethod, ConsentAt: d.ConsentAt,
			Note: d.Note, CreatedAt: d.CreatedAt}
	}
}

// delegationInput is the body of POST /api/v1/delegations; the dates are
// days (YYYY-MM-DD) in Asia/Shanghai, valid through the end of the last.
type delegationInput struct {
	ResidentID string   `json:"resident_id"`
	AgentID    string   `json:"agent_id"`
	Items      []string `json:"items"`
	ValidFrom  string   `json:"valid_from"`
	ValidUntil string   `json:"valid_until"`
	Note       string   `json:"note"`
}

func (in *delegationInput) domain(fe *shequ.FieldErrors) *shequ.Delegation {
	d := &shequ.Delegation{ResidentID: strings.TrimSpace(in.ResidentID), AgentID: strings.TrimSpace(in.AgentID),
		Items: in.Items, Note: in.Note}
	if t := parseDateField(fe, "valid_from", in.ValidFrom); t != nil {
		d.ValidFrom = *t
	}
	if t := parseDateField(fe, "valid_until", in.ValidUntil); t != nil {
		d.ValidUntil = t.AddDate(0, 0, 1).Add(-time.Nanosecond)
	}
	return d
}

// custodyJSON is the API form of a custody entry.
type custodyJSON struct {
	At        time.Time           `json:"at"`
	RequestID string              `json:"request_id,omitempty"`
	Material  string              `json:"material"`
	Action    shequ.CustodyAction `json:"action"`
	Party     string              `json:"party,omitempty"`
	By        string              `json:"by"`
}

func newCustodyJSON(c *shequ.CustodyEntry) custodyJSON {
	return custodyJSON{At: c.At, RequestID: c.RequestID, Material: c.Material, Action: c.Action, Party: c.Party, By: c.ByName}
}

// handleAPIDelegationList serves GET /api/v1/delegations (?resident_id=,
// ?mine=1 for the agent's own).
func (s *Server) handleAPIDelegationList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionDelegationRead, s.cfg.Delegations != nil); !ok {
		return
	}
	q := r.URL.Query()
	list, err := s.cfg.Delegations.FindDelegations(r.Context(), strings.TrimSpace(q.Get("resident_id")), q.Get("mine") == "1")
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, len(list), s.delegationJSONer())
}

// handleAPIDelegationCreate serves POST /api/v1/delegations.
func (s *Server) handleAPIDelegationCreate(w http.ResponseWriter, r *http.Request) {
	var in delegationInput
	if _, ok := s.guardJSON(w, r, shequ.ActionDelegationWrite, s.cfg.Delegations != nil, &in); !ok {
		return
	}
	var fe shequ.FieldErrors
	d := in.domain(&fe)
	err := fe.Err()
	if err == nil {
		err = s.cfg.Delegations.CreateDelegation(r.Context(), d)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.delegationJSONer()(d))
}

// handleAPIDelegationGet serves GET /api/v1/delegations/{id}.
func (s *Server) handleAPIDelegationGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionDelegationRead, s.cfg.Delegations != nil); !ok {
		return
	}
	d, err := s.cfg.Delegations.GetDelegation(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.delegationJSONer()(d))
}

// delegationChange is the body of consent and end: method and file for
// consent, state (completed or revoked) for end.
type delegationChange struct {
	Method string `json:"method"`
	FileID string `json:"file_id"`
	State  string `json:"state"`
}

// handleAPIDelegationConsent serves POST /api/v1/delegations/{id}/consent.
func (s *Server) handleAPIDelegationConsent(w http.ResponseWriter, r *http.Request) {
	s.changeDelegation(w, r, func(ctx context.Context, id string, in delegationChange) (*shequ.Delegation, error) {
		return s.cfg.Delegations.Consent(ctx, id, shequ.ConsentMethod(in.Method), in.FileID)
	})
}

// handleAPIDelegationEnd serves POST /api/v1/delegations/{id}/end.
func (s *Server) handleAPIDelegationEnd(w http.ResponseWriter, r *http.Request) {
	s.changeDelegation(w, r, func(ctx context.Context, id string, in delegationChange) (*shequ.Delegation, error) {
		return s.cfg.Delegations.EndDelegation(ctx, id, shequ.DelegationState(in.State))
	})
}

// changeDelegation reads a delegationChange, applies it with change and
// answers the delegation.
func (s *Server) changeDelegation(w http.ResponseWriter, r *http.Request, change func(context.Context, string, delegationChange) (*shequ.Delegation, error)) {
	var in delegationChange
	if _, ok := s.guardJSON(w, r, shequ.ActionDelegationWrite, s.cfg.Delegations != nil, &in); !ok {
		return
	}
	d, err := change(r.Context(), r.PathValue("id"), in)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.delegationJSONer()(d))
}

// handleAPICustodyList serves GET /api/v1/delegations/{id}/custody.
func (s *Server) handleAPICustodyList(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionDelegationRead, s.cfg.Delegations != nil); !ok {
		return
	}
	log, err := s.cfg.Delegations.Custody(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, log, len(log), newCustodyJSON)
}

// custodyInput is the body of POST /api/v1/delegations/{id}/custody.
type custodyInput struct {
	RequestID string `json:"request_id"`
	Material  string `json:"material"`
	Action    string `json:"action"`
	Party     string `json:"party"`
}

// handleAPICustodyAdd serves POST /api/v1/delegations/{id}/custody.
func (s *Server) handleAPICustodyAdd(w http.ResponseWriter, r *http.Request) {
	var in custodyInput
	if _, ok := s.guardJSON(w, r, shequ.ActionDelegationWrite, s.cfg.Delegations != nil, &in); !ok {
		return
	}
	c := &shequ.CustodyEntry{DelegationID: r.PathValue("id"), RequestID: strings.TrimSpace(in.RequestID),
		Material: in.Material, Action: shequ.CustodyAction(in.Action), Party: in.Party}
	if err := s.cfg.Delegations.AddCustody(r.Context(), c); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newCustodyJSON(c))
}
