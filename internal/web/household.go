package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"shequ"
)

// householdPage is the data of templates/household.html.
type householdPage struct {
	H        *shequ.Household
	Members  []*residentView
	CanWrite bool
	// CanReveal offers the address in full; Revealed says it is.
	CanReveal, Revealed bool
}

// handleHouseholdShow serves GET /households/{id}: the household and its
// members with their relation to the head (户主, 配偶, 子女…).
func (s *Server) handleHouseholdShow(w http.ResponseWriter, r *http.Request) {
	s.householdShow(w, r, false)
}

// handleHouseholdReveal serves POST /households/{id}/reveal: the page with
// the address in full (audited by the service).
func (s *Server) handleHouseholdReveal(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionResidentReveal); !ok {
		return
	}
	s.householdShow(w, r, true)
}

func (s *Server) householdShow(w http.ResponseWriter, r *http.Request, reveal bool) {
	a, ok := s.guard(w, r, shequ.ActionResidentRead)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.error(w, r, shequ.ErrNotFound)
		return
	}
	h, err := s.cfg.Residents.FindHouseholdByID(r.Context(), id, reveal)
	if err != nil {
		s.error(w, r, err)
		return
	}
	l := s.localizer(r)
	p := &householdPage{H: h, CanWrite: a.Can(shequ.ActionResidentWrite), Revealed: reveal,
		CanReveal: !reveal && h.Address != "" && a.Can(shequ.ActionResidentReveal)}
	now := s.now()
	for _, m := range h.Members {
		p.Members = append(p.Members, newResidentView(l, m, false, now))
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "household", l.T("household.title"), p)
}

// householdForm is the data of templates/household_form.html.
type householdForm struct {
	Community string
	Address   string
	Errors    map[string]string
	Error     string
}

// handleHouseholdNew serves GET /households/new.
func (s *Server) handleHouseholdNew(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionResidentWrite)
	if !ok {
		return
	}
	f := &householdForm{}
	if len(a.Scope) == 12 {
		f.Community = a.Scope
	}
	s.render(w, r, http.StatusOK, "household_form", s.localizer(r).T("household.new.title"), f)
}

// handleHouseholdCreate serves POST /households.
func (s *Server) handleHouseholdCreate(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionResidentWrite); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := &householdForm{Community: strings.TrimSpace(r.PostForm.Get("community_code")),
		Address: strings.TrimSpace(r.PostForm.Get("address"))}
	var fe shequ.FieldErrors
	if shequ.ValidateDivisionCode(f.Community) != nil || len(f.Community) != 12 {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	if utf8.RuneCountInString(f.Address) > 100 {
		fe.Add("address", "household.address.long", "The address has at most 100 characters.", nil)
	}
	h := &shequ.Household{Community: f.Community, Address: f.Address}
	err := fe.Err()
	if err == nil {
		err = s.cfg.Residents.CreateHousehold(r.Context(), h)
	}
	if err != nil {
		l := s.localizer(r)
		if shequ.ErrorCode(err) != shequ.EInvalid {
			s.error(w, r, err)
			return
		}
		f.Errors = fieldMessages(l, err)
		f.Error = l.T("form.has_errors")
		if len(f.Errors) == 0 {
			f.Error = l.Error(shequ.AsError(err))
		}
		s.render(w, r, http.StatusBadRequest, "household_form", l.T("household.new.title"), f)
		return
	}
	http.Redirect(w, r, "/households/"+url.PathEscape(h.ID), http.StatusSeeOther)
}
