package web

import (
	"net/http"
	"net/url"
	"strings"

	"shequ"
)

// deskPage is the data of templates/desk.html: the front-desk intake
// (一窗受理). Three steps on one keyboard-friendly page, each a GET so the
// browser's back button works: find the resident (ID number or name),
// pick the item, then the checklist and the form.
type deskPage struct {
	Q          string
	Found      []*shequ.Resident
	Searched   bool
	Resident   *shequ.Resident
	MaskedID   string
	Items      []*shequ.ServiceItem
	Item       *shequ.ServiceItem
	Form       []shequ.FormField
	Delegation *shequ.Delegation // the agent files under it
	Channel    string
	Identity   string
	Describe   string
	Values     map[string][]string
	Handed     map[string]bool
	Errors     map[string]string
	Error      string
	Channels   []shequ.Channel
	// Duplicates are the resident's open requests of the item: a
	// warning, not a refusal (request_intake.go).
	Duplicates []requestRow
	// CanRegister: the worker may register a resident not found (the
	// search's dead end leads there).
	CanRegister bool
}

// handleDesk serves GET /desk.
func (s *Server) handleDesk(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionRequestSubmit, s.cfg.Requests != nil && s.cfg.ServiceItems != nil && s.cfg.Residents != nil); !ok {
		return
	}
	q := r.URL.Query()
	p := &deskPage{Q: strings.TrimSpace(q.Get("q")), Channel: string(shequ.ChannelWindow), Identity: s.localizer(r).T("desk.identity.default"),
		Values: map[string][]string{}, Handed: map[string]bool{}}
	if err := s.fillDesk(r, p, q.Get("resident"), q.Get("service_code"), q.Get("delegation")); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "desk", s.localizer(r).T("desk.title"), p)
}

// fillDesk loads what the step needs: the search results, the resident
// and the items offered in their community, the item and the delegation.
func (s *Server) fillDesk(r *http.Request, p *deskPage, residentID, code, delegationID string) error {
	ctx := r.Context()
	a := shequ.ActorFrom(ctx)
	p.Channels = []shequ.Channel{shequ.ChannelWindow, shequ.ChannelPhone}
	p.CanRegister = a.Can(shequ.ActionResidentWrite)
	if delegationID != "" && s.cfg.Delegations != nil {
		d, err := s.cfg.Delegations.GetDelegation(ctx, delegationID)
		if err != nil {
			return err
		}
		p.Delegation, residentID, p.Channel = d, d.ResidentID, string(shequ.ChannelAgency)
		p.Channels = []shequ.Channel{shequ.ChannelAgency}
	}
	if p.Q != "" && residentID == "" {
		f := shequ.ResidentFilter{Community: a.Scope, Limit: 20}
		if id, err := shequ.ParseIDNumber(p.Q, s.now()); err == nil {
			f.IDNumber = string(id)
		} else {
			f.Query = p.Q
		}
		found, _, err := s.cfg.Residents.FindResidents(ctx, f)
		if err != nil {
			return err
		}
		p.Found, p.Searched = found, true
	}
	if residentID == "" {
		return nil
	}
	res, err := s.cfg.Residents.FindResidentByID(ctx, residentID, false)
	if err != nil {
		return err
	}
	p.Resident, p.MaskedID = res, res.IDNumber.Masked()
	items, err := s.cfg.ServiceItems.ListItems(ctx, res.Community)
	if err != nil {
		return err
	}
	for _, it := range items {
		if p.Delegation != nil && !p.Delegation.Covers(it.Code, s.now()) {
			continue
		}
		if it.Allows(shequ.ChannelWindow) || it.Allows(shequ.ChannelPhone) || it.Allows(shequ.ChannelAgency) {
			p.Items = append(p.Items, it)
		}
	}
	if code == "" {
		return nil
	}
	it, err := s.cfg.ServiceItems.GetItem(ctx, code)
	if err != nil {
		return err
	}
	p.Item, p.Form = it, it.SortedForm()
	dups, err := s.openRequestsOf(r, it.Code, res.ID)
	if err != nil {
		return err
	}
	p.Duplicates = s.rows(r, dups)
	return nil
}

// handleDeskSubmit serves POST /desk: files the request and shows the
// receipt; errors come back beside their fields with what was typed.
func (s *Server) handleDeskSubmit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionRequestSubmit, s.cfg.Requests != nil && s.cfg.ServiceItems != nil && s.cfg.Residents != nil); !ok {
		return
	}
	pf := r.PostForm
	p := &deskPage{Channel: pf.Get("channel"), Identity: pf.Get("identity_note"), Describe: pf.Get("description"),
		Handed: map[string]bool{}}
	if err := s.fillDesk(r, p, pf.Get("resident_id"), pf.Get("service_code"), pf.Get("delegation_id")); err != nil {
		s.error(w, r, err)
		return
	}
	if p.Item == nil || p.Resident == nil {
		s.error(w, r, errBadForm)
		return
	}
	p.Values = formValues(p.Item, pf)
	for _, m := range pf["materials"] {
		p.Handed[m] = true
	}
	in := &shequ.RequestInput{ItemCode: p.Item.Code, ResidentID: p.Resident.ID, Channel: shequ.Channel(p.Channel),
		IdentityNote: p.Identity, Description: p.Describe, Values: p.Values, Materials: pf["materials"]}
	if p.Delegation != nil {
		in.DelegationID, in.Channel, in.ResidentID = p.Delegation.ID, shequ.ChannelAgency, ""
	}
	q, err := s.cfg.Requests.Submit(r.Context(), in)
	if err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid {
			s.error(w, r, err)
			return
		}
		l := s.localizer(r)
		p.Errors, p.Error = fieldMessages(l, err), l.T("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "desk", l.T("desk.title"), p)
		return
	}
	http.Redirect(w, r, "/requests/"+url.PathEscape(q.ID)+"/receipt", http.StatusSeeOther)
}
