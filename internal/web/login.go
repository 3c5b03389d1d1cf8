package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"shequ"
)

// Login errors. The wrong-credentials message is the same whether the user
// name exists, the password is wrong or the account is disabled, so that
// the form cannot be used to find out which accounts exist.
var (
	errBadLogin = shequ.Errorf(shequ.EUnauthorized, "login.failed", "Wrong user name or password.")
	errThrottle = shequ.Errorf(codeTooManyRequests, "login.throttled",
		"Too many sign-in attempts from your address; wait a minute and try again.")
	errNoAccounts = shequ.Errorf(shequ.EUnavailable, "login.unavailable", "Signing in is not available.")
)

// maxFormBytes bounds the body of the small forms (login, password, user).
const maxFormBytes = 16 << 10

// lockedError names the time, in Asia/Shanghai, at which a locked account
// opens again.
func lockedError(until time.Time) *shequ.Error {
	hm := until.In(shequ.Shanghai).Format("15:04")
	return shequ.Errorf(shequ.EUnauthorized, "login.locked",
		"The account is locked; try again after %s.", hm).With(map[string]any{"Time": hm})
}

// isLocked reports whether the account is locked at now.
func isLocked(u *shequ.User, now time.Time) bool {
	return u.LockedUntil != nil && u.LockedUntil.After(now)
}

// dummyHash is verified against for unknown user names, so that a wrong
// name costs the same time as a wrong password.
type dummyHash struct {
	once sync.Once
	hash string
}

var dummies sync.Map // PasswordHasher → *dummyHash

func (s *Server) burnVerify(password string) {
	if s.cfg.Hasher == nil {
		return
	}
	v, _ := dummies.LoadOrStore(s.cfg.Hasher, &dummyHash{})
	d := v.(*dummyHash)
	d.once.Do(func() { d.hash, _ = s.cfg.Hasher.Hash("shequ-dummy-password-for-timing") })
	if d.hash != "" {
		_, _ = s.cfg.Hasher.Verify(password, d.hash)
	}
}

// authenticatePassword checks a user name and password under the security
// policy: per-address throttling, per-account lockout, disabled accounts.
// Every outcome is audited as action "login" (never with the password).
func (s *Server) authenticatePassword(ctx context.Context, username, password string) (*shequ.User, error) {
	if s.cfg.Users == nil || s.cfg.Hasher == nil || s.cfg.Sessions == nil {
		return nil, errNoAccounts
	}
	meta := shequ.RequestMetaFrom(ctx)
	now := s.now()
	if !s.throttle.allow(throttleKey(meta.ClientAddr), now) {
		s.audit(ctx, &shequ.AuditRecord{Action: "login", Result: shequ.AuditDenied, Detail: "throttled"})
		return nil, errThrottle
	}
	username = strings.TrimSpace(username)
	rec := &shequ.AuditRecord{Action: "login", ObjectType: "user"}
	// Record the name tried only when it is a well-formed user name: people
	// sometimes type their password into the name field.
	if shequ.ValidateUsername(username) == nil {
		rec.ActorName = username
	}
	if username == "" || password == "" {
		rec.Result, rec.Detail = shequ.AuditFailed, "empty"
		s.audit(ctx, rec)
		return nil, errBadLogin
	}
	u, err := s.cfg.Users.FindUserByUsername(ctx, username)
	switch {
	case shequ.ErrorCode(err) == shequ.ENotFound:
		s.burnVerify(password)
		rec.Result, rec.Detail = shequ.AuditFailed, "unknown user"
		s.audit(ctx, rec)
		return nil, errBadLogin
	case err != nil:
		return nil, err
	}
	rec.ActorID, rec.ActorName, rec.Role, rec.ObjectID, rec.Division = u.ID, u.Username, u.Role, u.ID, u.Scope
	if isLocked(u, now) {
		rec.Result, rec.Detail = shequ.AuditDenied, "locked"
		s.audit(ctx, rec)
		return nil, lockedError(*u.LockedUntil)
	}
	hash, err := s.cfg.Users.PasswordHash(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	ok, err := s.cfg.Hasher.Verify(password, hash)
	if err != nil {
		return nil, shequ.Wrap(err, "verify password")
	}
	if !ok {
		u2, err := s.cfg.Users.RecordLoginFailure(ctx, u.ID, s.cfg.Security.MaxFailedLogins, now.Add(s.cfg.Security.Lockout))
		if err != nil {
			return nil, err
		}
		rec.Result, rec.Detail = shequ.AuditFailed, "wrong password"
		if u2 != nil && isLocked(u2, now) {
			rec.Detail = "wrong password; account locked"
			s.audit(ctx, rec)
			return nil, lockedError(*u2.LockedUntil)
		}
		s.audit(ctx, rec)
		return nil, errBadLogin
	}
	if u.Disabled {
		rec.Result, rec.Detail = shequ.AuditDenied, "disabled"
		s.audit(ctx, rec)
		return nil, errBadLogin
	}
	if err := s.cfg.Users.RecordLoginSuccess(ctx, u.ID); err != nil {
		return nil, err
	}
	rec.Result = shequ.AuditAllowed
	s.audit(ctx, rec)
	return u, nil
}

// startSession signs u in: the session of any cookie the browser still
// sends is deleted and a new one created, so a session id planted before
// login is never promoted (session fixation).
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *shequ.User) error {
	if c, err := r.Cookie(cookieSession); err == nil && c.Value != "" && len(c.Value) <= maxTokenLen {
		if err := s.cfg.Sessions.DeleteSession(r.Context(), c.Value); err != nil && shequ.ErrorCode(err) != shequ.ENotFound {
			return err
		}
	}
	token, _, err := s.cfg.Sessions.CreateSession(r.Context(), u.ID, clientAddr(r), s.cfg.Security.Session)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, token)
	return nil
}

// audit records an attempt that changes nothing else (a login, a denied
// request). A failure to record is logged; it does not turn the answer
// into an error page.
func (s *Server) audit(ctx context.Context, rec *shequ.AuditRecord) {
	if s.cfg.Audit == nil {
		return
	}
	meta := shequ.RequestMetaFrom(ctx)
	if rec.Time.IsZero() {
		rec.Time = s.now().UTC()
	}
	rec.ClientAddr, rec.RequestID = meta.ClientAddr, meta.RequestID
	if a := shequ.ActorFrom(ctx); a != nil && rec.ActorID == "" {
		rec.ActorID, rec.ActorName, rec.Role = a.UserID, a.Username, a.Role
	}
	if err := s.cfg.Audit.RecordAudit(ctx, rec); err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "audit record failed",
			slog.String("request_id", meta.RequestID), slog.String("action", rec.Action), slog.String("err", err.Error()))
	}
}

// loginPage is the data of templates/login.html.
type loginPage struct {
	Username string
	Return   string
	Error    string // already translated; shown in a role=alert box
	Notice   string
}

// handleLoginForm serves GET /login.
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	ret := safeReturnPath(r.URL.Query().Get("return"))
	if currentUser(r.Context()) != nil {
		http.Redirect(w, r, ret, http.StatusSeeOther)
		return
	}
	l := s.localizer(r)
	p := loginPage{Return: ret}
	switch r.URL.Query().Get("notice") {
	case "signed_out":
		p.Notice = l.T("login.signed_out")
	case "signed_out_all":
		p.Notice = l.T("account.revoked_all")
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "login", l.T("login.title"), p)
}

// handleLogin serves POST /login.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	l := s.localizer(r)
	p := loginPage{Username: strings.TrimSpace(r.PostForm.Get("username")), Return: safeReturnPath(r.PostForm.Get("return"))}
	u, err := s.authenticatePassword(r.Context(), p.Username, r.PostForm.Get("password"))
	if err == nil {
		err = s.startSession(w, r, u)
	}
	if err != nil {
		e := shequ.AsError(err)
		status, known := statusByCode[e.Code]
		if !known || e.Code == shequ.EInternal {
			s.error(w, r, err)
			return
		}
		p.Error = l.Error(e)
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, status, "login", l.T("login.title"), p)
		return
	}
	target := p.Return
	if u.MustChangePassword {
		target = "/account/password"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// handleLogout serves POST /logout.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.endSession(r); err != nil {
		s.error(w, r, err)
		return
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login?notice=signed_out", http.StatusSeeOther)
}

// endSession deletes the session the request's cookie names, if any.
func (s *Server) endSession(r *http.Request) error {
	c, err := r.Cookie(cookieSession)
	if err != nil || c.Value == "" || len(c.Value) > maxTokenLen || s.cfg.Sessions == nil {
		return nil
	}
	if err := s.cfg.Sessions.DeleteSession(r.Context(), c.Value); err != nil && shequ.ErrorCode(err) != shequ.ENotFound {
		return err
	}
	if currentUser(r.Context()) != nil {
		s.audit(r.Context(), &shequ.AuditRecord{Action: "logout", ObjectType: "user",
			ObjectID: currentUser(r.Context()).ID, Division: currentUser(r.Context()).Scope, Result: shequ.AuditAllowed})
	}
	return nil
}
