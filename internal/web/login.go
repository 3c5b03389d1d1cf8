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
// name exists, the password is wrong, the account is locked or disabled, so
// that the form cannot be used to find out which accounts exist or are
// locked; it mentions the lock for the person who is locked out. The audit
// record tells them apart for the auditor.
var (
	errBadLogin = shequ.Errorf(shequ.EUnauthorized, "login.failed",
		"Wrong user name or password, or the account is locked for a while after repeated failures.")
	errNoAccounts = shequ.Errorf(shequ.EUnavailable, "login.unavailable", "Signing in is not available.")
)

// errThrottle is the answer beyond a throttle; throttled adds the wait.
var errThrottle = shequ.Errorf(codeTooManyRequests, "login.throttled", "Too many sign-in attempts; wait a minute and try again.")

// throttled is errThrottle with the seconds until the throttle's window
// ends, for Retry-After.
func throttled(wait time.Duration) error {
	return shequ.Errorf(codeTooManyRequests, errThrottle.Key, "%s", errThrottle.Message).
		With(map[string]any{retryAfterKey: seconds(wait)})
}

// maxFormBytes bounds the body of the small forms (login, password, user).
const maxFormBytes = 16 << 10

// defaultLoginFloor is the least time a refused sign-in takes (see
// Config.LoginFloor): well above the password hash (about 50 ms) and the
// database work of any refusal, so that every refusal takes the same time
// however far it got.
const defaultLoginFloor = 300 * time.Millisecond

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

// checkPassword verifies password against hash, or against a dummy hash
// of the same cost when hash is "" (no such account).
func (s *Server) checkPassword(password, hash string) (bool, error) {
	if hash == "" {
		v, _ := dummies.LoadOrStore(s.cfg.Hasher, &dummyHash{})
		d := v.(*dummyHash)
		d.once.Do(func() { d.hash, _ = s.cfg.Hasher.Hash("shequ-dummy-password-for-timing") })
		if d.hash == "" {
			return false, nil
		}
		_, err := s.cfg.Hasher.Verify(password, d.hash)
		return false, err
	}
	return s.cfg.Hasher.Verify(password, hash)
}

// padLogin waits until the login floor has passed since start.
func (s *Server) padLogin(ctx context.Context, start time.Time) {
	floor := s.cfg.LoginFloor
	if floor == 0 {
		floor = defaultLoginFloor
	}
	if wait := floor - time.Since(start); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
}

// authenticatePassword checks a user name and password under the security
// policy: throttling per client address and per user name, per-account
// lockout, disabled accounts. Every outcome is audited as action "login"
// (never with the password).
//
// An unknown name, a locked or disabled account and a wrong password give
// the same answer in the same time, by construction: the password is
// verified exactly once in every case (against a dummy hash of the same
// cost for an unknown name, and for a locked account too), and every
// refusal is held until the login floor has passed since the attempt
// began, which covers the different database work behind each.
func (s *Server) authenticatePassword(ctx context.Context, username, password string) (_ *shequ.User, err error) {
	if s.cfg.Users == nil || s.cfg.Hasher == nil || s.cfg.Sessions == nil {
		return nil, errNoAccounts
	}
	start := time.Now()
	defer func() {
		if shequ.ErrorCode(err) == shequ.EUnauthorized {
			s.padLogin(ctx, start)
		}
	}()
	meta := shequ.RequestMetaFrom(ctx)
	now := s.now()
	username = strings.TrimSpace(username)
	if ok, wait := s.throttle.allow(throttleKey(meta.ClientAddr), now); !ok {
		s.audit(ctx, &shequ.AuditRecord{Action: "login", Result: shequ.AuditDenied, Detail: "throttled"})
		return nil, throttled(wait)
	}
	rec := &shequ.AuditRecord{Action: "login", ObjectType: "user"}
	// Record the name tried only when it is a well-formed user name: people
	// sometimes type their password into the name field.
	if shequ.ValidateUsername(username) == nil {
		rec.ActorName = username
	}
	// Per user name, whether it exists or not: one account cannot be
	// guessed at from many addresses faster than this.
	if ok, wait := s.accountThrottle.allow(strings.ToLower(username), now); !ok {
		rec.Result, rec.Detail = shequ.AuditDenied, "throttled account"
		s.audit(ctx, rec)
		return nil, throttled(wait)
	}
	if username == "" || password == "" {
		rec.Result, rec.Detail = shequ.AuditFailed, "empty"
		s.audit(ctx, rec)
		return nil, errBadLogin
	}
	u, err := s.cfg.Users.FindUserByUsername(ctx, username)
	hash := ""
	switch {
	case shequ.ErrorCode(err) == shequ.ENotFound:
		u = nil
	case err != nil:
		return nil, err
	default:
		if hash, err = s.cfg.Users.PasswordHash(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	ok, err := s.checkPassword(password, hash)
	if err != nil {
		return nil, shequ.Wrap(err, "verify password")
	}
	if u != nil {
		rec.ActorID, rec.ActorName, rec.Role, rec.ObjectID, rec.Division = u.ID, u.Username, u.Role, u.ID, u.Scope
	}
	switch {
	case u == nil:
		rec.Result, rec.Detail = shequ.AuditFailed, "unknown user"
	case isLocked(u, now):
		// Refused even with the right password; the lock is not extended.
		rec.Result, rec.Detail = shequ.AuditDenied, "locked"
	case !ok:
		u2, err := s.cfg.Users.RecordLoginFailure(ctx, u.ID, s.cfg.Security.MaxFailedLogins, now.Add(s.cfg.Security.Lockout))
		if err != nil {
			return nil, err
		}
		rec.Result, rec.Detail = shequ.AuditFailed, "wrong password"
		if u2 != nil && isLocked(u2, now) {
			rec.Detail = "wrong password; account locked"
		}
	case u.Disabled:
		rec.Result, rec.Detail = shequ.AuditDenied, "disabled"
	default:
		if err := s.cfg.Users.RecordLoginSuccess(ctx, u.ID); err != nil {
			return nil, err
		}
		rec.Result = shequ.AuditAllowed
		s.audit(ctx, rec)
		return u, nil
	}
	s.audit(ctx, rec)
	return nil, errBadLogin
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
	token, _, err := s.cfg.Sessions.CreateSession(r.Context(), u.ID, s.clientAddr(r), s.cfg.Security.Session)
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
		setRetryAfter(w, err)
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
