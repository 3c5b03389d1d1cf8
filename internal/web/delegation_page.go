package web

import (
	"net/http"
	"net/url"
	"time"

	"shequ"
)

// delegationsPage is the data of templates/delegations.html.
type delegationsPage struct {
	Rows     []delegationRow
	Resident bool
	Notice   string
	// CanDesk: the front desk, where a delegation is recorded, is linked.
	CanDesk bool
}

// delegationRow is a delegation with its effective state.
type delegationRow struct {
	D     *shequ.Delegation
	State shequ.DelegationState
}

// handleDelegationList serves GET /delegations: a resident's own (every
// action taken in their name is on each one's page), or those of the
// worker's scope.
func (s *Server) handleDelegationList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionDelegationRead, s.cfg.Delegations != nil)
	if !ok {
		return
	}
	list, err := s.cfg.Delegations.FindDelegations(r.Context(), "", false)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &delegationsPage{Resident: a.Role == shequ.RoleResident,
		CanDesk: a.Can(shequ.ActionRequestHandle) && a.Can(shequ.ActionRequestSubmit)}
	for _, d := range list {
		p.Rows = append(p.Rows, delegationRow{D: d, State: d.Effective(s.now())})
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "delegations", s.localizer(r).T("delegation.list.title"), p)
}

// delegationForm is the data of templates/delegation_form.html: a worker
// records a resident's delegation to themself as agent.
type delegationForm struct {
	Resident   *shequ.Resident
	Items      []*shequ.ServiceItem
	Picked     map[string]bool
	ValidFrom  string
	ValidUntil string
	Note       string
	Errors     map[string]string
	Error      string
}

func (s *Server) newDelegationForm(r *http.Request, residentID string) (*delegationForm, error) {
	res, err := s.cfg.Residents.FindResidentByID(r.Context(), residentID, false)
	if err != nil {
		return nil, err
	}
	f := &delegationForm{Resident: res, Picked: map[string]bool{}}
	items, err := s.cfg.ServiceItems.ListItems(r.Context(), res.Community)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if it.Allows(shequ.ChannelAgency) {
			f.Items = append(f.Items, it)
		}
	}
	today := s.now().In(shequ.Shanghai)
	f.ValidFrom, f.ValidUntil = today.Format(time.DateOnly), today.AddDate(0, 3, 0).Format(time.DateOnly)
	return f, nil
}

// handleDelegationNew serves GET /delegations/new?resident=ID.
func (s *Server) handleDelegationNew(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionDelegationWrite, s.cfg.Delegations != nil && s.cfg.Residents != nil && s.cfg.ServiceItems != nil); !ok {
		return
	}
	f, err := s.newDelegationForm(r, r.URL.Query().Get("resident"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "delegation_form", s.localizer(r).T("delegation.new.title"), f)
}

// handleDelegationCreate serves POST /delegations.
func (s *Server) handleDelegationCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionDelegationWrite, s.cfg.Delegations != nil && s.cfg.Residents != nil && s.cfg.ServiceItems != nil)
	if !ok {
		return
	}
	pf := r.PostForm
	f, err := s.newDelegationForm(r, pf.Get("resident_id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	f.ValidFrom, f.ValidUntil, f.Note = pf.Get("valid_from"), pf.Get("valid_until"), pf.Get("note")
	for _, c := range pf["items"] {
		f.Picked[c] = true
	}
	in := delegationInput{ResidentID: f.Resident.ID, AgentID: a.UserID, Items: pf["items"], ValidFrom: f.ValidFrom,
		ValidUntil: f.ValidUntil, Note: f.Note}
	var fe shequ.FieldErrors
	d := in.domain(&fe)
	err = fe.Err()
	if err == nil {
		err = s.cfg.Delegations.CreateDelegation(r.Context(), d)
	}
	if err != nil {
		s.formFailed(w, r, "delegation_form", "delegation.new.title", f, &f.Errors, &f.Error, err)
		return
	}
	http.Redirect(w, r, "/delegations/"+url.PathEscape(d.ID)+"?notice=created", http.StatusSeeOther)
}

// delegationPage is the data of templates/delegation.html.
type delegationPage struct {
	delegationRow
	Custody   []*shequ.CustodyEntry
	Requests  []requestRow
	Files     []*shequ.Attachment
	IsOwner   bool // the resident themself
	IsAgent   bool
	CanWrite  bool
	Actions   []shequ.CustodyAction
	Notice    string
	Error     string
	ItemNames map[string]string
}

// handleDelegationShow serves GET /delegations/{id}: the delegation, its
// custody log and every request filed under it.
func (s *Server) handleDelegationShow(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionDelegationRead, s.cfg.Delegations != nil)
	if !ok {
		return
	}
	ctx := r.Context()
	d, err := s.cfg.Delegations.GetDelegation(ctx, r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &delegationPage{delegationRow: delegationRow{D: d, State: d.Effective(s.now())},
		IsOwner: a.Role == shequ.RoleResident, IsAgent: a.UserID == d.AgentID,
		CanWrite: a.Can(shequ.ActionDelegationWrite), Actions: shequ.CustodyActions, ItemNames: map[string]string{}}
	if p.Custody, err = s.cfg.Delegations.Custody(ctx, d.ID); err != nil {
		s.error(w, r, err)
		return
	}
	if s.cfg.Requests != nil {
		list, _, err := s.cfg.Requests.Find(ctx, shequ.RequestFilter{ResidentID: d.ResidentID, Channel: shequ.ChannelAgency,
			OrderByCreated: true, Limit: 200})
		if err != nil {
			s.error(w, r, err)
			return
		}
		var mine []*shequ.ServiceRequest
		for _, q := range list {
			if q.DelegationID == d.ID {
				mine = append(mine, q)
			}
		}
		p.Requests = s.rows(r, mine)
	}
	if s.cfg.RequestDesk != nil {
		if p.Files, err = s.cfg.RequestDesk.Attachments(ctx, "delegation", d.ID); err != nil {
			s.error(w, r, err)
			return
		}
	}
	if s.cfg.ServiceItems != nil {
		for _, c := range d.Items {
			if it, err := s.cfg.ServiceItems.GetItem(ctx, c); err == nil {
				p.ItemNames[c] = it.Name
			}
		}
	}
	l := s.localizer(r)
	switch n := r.URL.Query().Get("notice"); n {
	case "created", "active", "revoked", "completed", "custody", "uploaded":
		p.Notice = l.T("delegation.notice." + n)
	}
	if e := r.URL.Query().Get("error"); e == "inactive" {
		p.Error = l.Error(shequ.ErrDelegationInactive)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "delegation", l.T("delegation.title"), p)
}

// handleDelegationConsent serves POST /delegations/{id}/consent: the
// resident confirms (method=portal); a worker uploads the signed form
// (multipart field "file") which is stored and consents at once.
func (s *Server) handleDelegationConsent(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionDelegationWrite, s.cfg.Delegations != nil)
	if !ok {
		return
	}
	id := r.PathValue("id")
	method, fileID := shequ.ConsentPortal, ""
	if a.Role != shequ.RoleResident {
		if s.cfg.RequestDesk == nil {
			s.error(w, r, errNoService)
			return
		}
		name, ctype, data, err := readUpload(w, r)
		if err == nil {
			var at *shequ.Attachment
			at, err = s.cfg.RequestDesk.AddAttachment(r.Context(), "delegation", id, name, ctype, data)
			if at != nil {
				fileID = at.ID
			}
		}
		if err != nil {
			s.error(w, r, err)
			return
		}
		method = shequ.ConsentSignedForm
	}
	if _, err := s.cfg.Delegations.Consent(r.Context(), id, method, fileID); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/delegations/"+url.PathEscape(id)+"?notice=active", http.StatusSeeOther)
}

// handleDelegationEnd serves POST /delegations/{id}/end (state=revoked or
// completed).
func (s *Server) handleDelegationEnd(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionDelegationWrite, s.cfg.Delegations != nil); !ok {
		return
	}
	to := shequ.DelegationState(r.PostForm.Get("state"))
	id := r.PathValue("id")
	if _, err := s.cfg.Delegations.EndDelegation(r.Context(), id, to); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/delegations/"+url.PathEscape(id)+"?notice="+url.QueryEscape(string(to)), http.StatusSeeOther)
}

// handleCustodyAdd serves POST /delegations/{id}/custody.
func (s *Server) handleCustodyAdd(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionDelegationWrite, s.cfg.Delegations != nil); !ok {
		return
	}
	pf, id := r.PostForm, r.PathValue("id")
	c := &shequ.CustodyEntry{DelegationID: id, RequestID: pf.Get("request_id"), Material: pf.Get("material"),
		Action: shequ.CustodyAction(pf.Get("action")), Party: pf.Get("party")}
	if err := s.cfg.Delegations.AddCustody(r.Context(), c); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/delegations/"+url.PathEscape(id)+"?notice=custody", http.StatusSeeOther)
}
