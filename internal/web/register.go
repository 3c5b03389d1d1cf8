package web

import (
	"context"
	"net/http"
	"strings"

	"shequ"
)

// registerPage is the data of templates/register.html. Passwords are never
// sent back into the form.
type registerPage struct {
	Username, IDNumber, Phone string
	Errors                    map[string]string
	Error                     string
	Done                      bool
}

// handleRegisterForm serves GET /register.
func (s *Server) handleRegisterForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "register", s.localizer(r).T("register.title"), &registerPage{})
}

// handleRegister serves POST /register: a resident creates an account that
// claims their record by ID number and phone. The account is pending
// (account_verify.go) and linked to nothing; the answer is the same whether
// or not the pair matches a resident, and attempts count against the same
// per-address throttle as logins.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	l := s.localizer(r)
	pf := r.PostForm
	p := &registerPage{Username: strings.TrimSpace(pf.Get("username")), IDNumber: strings.TrimSpace(pf.Get("id_number")),
		Phone: strings.TrimSpace(pf.Get("phone"))}
	fail := func(status int, err error) {
		e := shequ.AsError(err)
		p.Errors = fieldMessages(l, err)
		p.Error = l.Error(e)
		if len(p.Errors) > 0 {
			p.Error = l.T("form.has_errors")
		}
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, status, "register", l.T("register.title"), p)
	}
	if s.cfg.Residents == nil || s.cfg.Hasher == nil || s.cfg.Sessions == nil {
		s.error(w, r, errNoAccounts)
		return
	}
	if ok, wait := s.throttle.allow(throttleKey(s.clientAddr(r)), s.now()); !ok {
		err := throttled(wait)
		setRetryAfter(w, err)
		fail(http.StatusTooManyRequests, err)
		return
	}
	password, confirm := pf.Get("password"), pf.Get("confirm")
	var fe shequ.FieldErrors
	if err := shequ.ValidateUsername(p.Username); err != nil {
		e := shequ.AsError(err)
		fe.Add("username", e.Key, e.Message, e.Data)
	}
	if err := shequ.ValidatePassword(password, p.Username); err != nil {
		e := shequ.AsError(err)
		fe.Add("password", e.Key, e.Message, e.Data)
	}
	if confirm != password {
		fe.Add("confirm", "password.mismatch", "The two new passwords differ.", nil)
	}
	if _, err := shequ.ParseIDNumber(p.IDNumber, s.now()); err != nil {
		fe.Add("id_number", "id_number.invalid", shequ.ErrIDNumber.Message, nil)
	}
	if _, err := shequ.ParsePhone(p.Phone); err != nil {
		fe.Add("phone", "phone.invalid", shequ.ErrPhone.Message, nil)
	}
	if err := fe.Err(); err != nil {
		fail(http.StatusBadRequest, err)
		return
	}
	hash, err := s.cfg.Hasher.Hash(password)
	if err != nil {
		s.error(w, r, shequ.Wrap(err, "hash password"))
		return
	}
	u := &shequ.User{Username: p.Username, Role: shequ.RoleResident}
	if err := s.cfg.Residents.RegisterAccount(r.Context(), p.IDNumber, p.Phone, u, hash); err != nil {
		switch c := shequ.ErrorCode(err); c {
		case shequ.EInvalid, shequ.EConflict:
			fail(statusByCode[c], err)
		default:
			s.error(w, r, err)
		}
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.error(w, r, err)
		return
	}
	// The answer already shows the new account signed in (its header, the
	// way on to verification).
	r = r.WithContext(context.WithValue(shequ.WithActor(r.Context(), u.Actor()), ctxUser, u))
	p.Done = true
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusCreated, "register", l.T("register.title"), p)
}
