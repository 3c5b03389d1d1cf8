package web

import (
	"net/http"

	"shequ"
)

// accountPage is the data of templates/account.html.
type accountPage struct {
	User   *shequ.User
	Notice string
}

// handleAccount serves GET /account: who is signed in, and the buttons to
// change the password and to sign out everywhere.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	u, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	l := s.localizer(r)
	p := accountPage{User: u}
	if r.URL.Query().Get("notice") == "password_changed" {
		p.Notice = l.T("password.changed")
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "account", l.T("account.title"), p)
}

// handleRevokeAll serves POST /account/sessions/revoke-all: sign out of
// every session of the account, this one included.
func (s *Server) handleRevokeAll(w http.ResponseWriter, r *http.Request) {
	u, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if _, err := s.cfg.Sessions.DeleteUserSessions(r.Context(), u.ID); err != nil {
		s.error(w, r, err)
		return
	}
	s.audit(r.Context(), &shequ.AuditRecord{Action: "session.revoke_all", ObjectType: "user", ObjectID: u.ID,
		Division: u.Scope, Result: shequ.AuditAllowed})
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login?notice=signed_out_all", http.StatusSeeOther)
}

// passwordPage is the data of templates/password.html.
type passwordPage struct {
	Must   bool              // the account has a generated password
	Errors map[string]string // field → message
	Error  string
}

// handlePasswordForm serves GET /account/password.
func (s *Server) handlePasswordForm(w http.ResponseWriter, r *http.Request) {
	u, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "password", s.localizer(r).T("password.title"), passwordPage{Must: u.MustChangePassword})
}

// handlePassword serves POST /account/password: check the current
// password, apply the policy to the new one, store it and start a fresh
// session (every other session of the account ends).
func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request) {
	u, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	l := s.localizer(r)
	cur, next, confirm := r.PostForm.Get("current"), r.PostForm.Get("new"), r.PostForm.Get("confirm")
	var fe shequ.FieldErrors
	if err := shequ.ValidatePassword(next, u.Username); err != nil {
		e := shequ.AsError(err)
		fe.Add("new", e.Key, e.Message, e.Data)
	} else if next == cur {
		fe.Add("new", "password.same", "Choose a password different from the current one.", nil)
	}
	if confirm != next {
		fe.Add("confirm", "password.mismatch", "The two new passwords differ.", nil)
	}
	hash, err := s.cfg.Users.PasswordHash(r.Context(), u.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if ok, err := s.cfg.Hasher.Verify(cur, hash); err != nil {
		s.error(w, r, shequ.Wrap(err, "verify password"))
		return
	} else if !ok {
		fe.Add("current", "password.current_wrong", "The current password is wrong.", nil)
	}
	if err := fe.Err(); err != nil {
		s.audit(r.Context(), &shequ.AuditRecord{Action: "password.change", ObjectType: "user", ObjectID: u.ID,
			Division: u.Scope, Result: shequ.AuditFailed})
		p := passwordPage{Must: u.MustChangePassword, Errors: fieldMessages(l, err)}
		p.Error = l.T("form.has_errors")
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, http.StatusBadRequest, "password", l.T("password.title"), p)
		return
	}
	newHash, err := s.cfg.Hasher.Hash(next)
	if err != nil {
		s.error(w, r, shequ.Wrap(err, "hash password"))
		return
	}
	if err := s.cfg.Users.SetPassword(r.Context(), u.ID, newHash, false); err != nil {
		s.error(w, r, err)
		return
	}
	s.audit(r.Context(), &shequ.AuditRecord{Action: "password.change", ObjectType: "user", ObjectID: u.ID,
		Division: u.Scope, Result: shequ.AuditAllowed})
	// Whoever knew the old password may hold a session: end them all and
	// give this browser a new one.
	if _, err := s.cfg.Sessions.DeleteUserSessions(r.Context(), u.ID); err != nil {
		s.error(w, r, err)
		return
	}
	u.MustChangePassword = false
	if err := s.startSession(w, r, u); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?notice=password_changed", http.StatusSeeOther)
}

// fieldMessages translates the field errors of err, the first per field.
func fieldMessages(l interface {
	FieldError(shequ.FieldError) string
}, err error) map[string]string {
	out := map[string]string{}
	for _, f := range shequ.AsError(err).Fields {
		if _, dup := out[f.Field]; !dup {
			out[f.Field] = l.FieldError(f)
		}
	}
	return out
}

// userJSON is the API form of the signed-in account.
type userJSON struct {
	ID                 string `json:"id"`
	Username           string `json:"username"`
	Name               string `json:"name"`
	Role               string `json:"role"`
	Scope              string `json:"scope"`
	MustChangePassword bool   `json:"must_change_password"`
}

func newUserJSON(u *shequ.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Name: u.Name, Role: string(u.Role), Scope: u.Scope,
		MustChangePassword: u.MustChangePassword}
}

// loginRequest is the body of POST /api/v1/session.
type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// handleAPISessionCreate serves POST /api/v1/session: JSON login for
// browser clients. It sets the same cookie as the login page.
func (s *Server) handleAPISessionCreate(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	u, err := s.authenticatePassword(r.Context(), req.Username, req.Password)
	if err == nil {
		err = s.startSession(w, r, u)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"user": newUserJSON(u)})
}

// handleAPISessionDelete serves DELETE /api/v1/session: sign out.
func (s *Server) handleAPISessionDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.endSession(r); err != nil {
		s.error(w, r, err)
		return
	}
	s.clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
}
