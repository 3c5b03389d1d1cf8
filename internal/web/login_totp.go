package web

import (
	"context"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"shequ"
)

// Two-factor sign-in (shequ/user_totp.go). After a right password an
// account with two-factor sign-in gets a staged session (a new token, not
// signed in) and the code page, /login/code; an account whose role needs it
// and that has none gets a staged session and the set-up page,
// /account/two-factor. Only when the code is right (or the set-up done)
// does the staged session give way to a signed-in one, with a new token
// again. Staged sessions end after shequ.StagedSessionLife.
//
// Wrong codes are refused with one answer however they are wrong (wrong,
// already used, malformed, account locked), held to the login floor, counted
// against the same throttles as passwords (per address and per account) and
// towards the account's lockout, and audited "login.totp" with the reason.

// ctxPending keys the *pendingSignIn of a staged session.
const ctxPending ctxKey = 110

// pendingSignIn is a sign-in half-way: the password was right.
type pendingSignIn struct {
	User  *shequ.User
	Token string
	Stage string
}

// pendingFrom returns the staged sign-in of the request, nil when none.
func pendingFrom(ctx context.Context) *pendingSignIn {
	p, _ := ctx.Value(ctxPending).(*pendingSignIn)
	return p
}

// totpIssuer is the name authenticator apps show beside the codes.
const totpIssuer = "社区公共服务平台"

// auditLoginCode is the audit action of a code given at sign-in.
const auditLoginCode = "login.totp"

var (
	errBadCode = shequ.Errorf(shequ.EUnauthorized, "login.code_wrong",
		"Wrong or already used code, or the account is locked for a while after repeated failures.")
	errCodeRequired = shequ.Errorf(shequ.EUnauthorized, "login.code_required",
		"This account signs in with a one-time code as well: send the code of your authenticator app.")
	errEnrolInBrowser = shequ.Errorf(shequ.EForbidden, "login.enrol_required",
		"This account must set up two-factor sign-in first: sign in on the sign-in page of a browser.")
	errNoTwoFactor = shequ.Errorf(shequ.EUnavailable, "totp.unavailable",
		"Two-factor sign-in is not available on this server.")
)

// signInStage is the stage a session of u starts at after a right
// password.
func signInStage(u *shequ.User) string {
	switch {
	case u.TwoFactorOn:
		return shequ.SessionCodeDue
	case shequ.TwoFactorRequired(u.Role):
		return shequ.SessionEnrolDue
	}
	return shequ.SessionSignedIn
}

// beginSignIn follows a right password: a signed-in session, or a staged
// one and the page of the second factor. It returns where to send the
// browser.
func (s *Server) beginSignIn(w http.ResponseWriter, r *http.Request, u *shequ.User, ret string) (string, error) {
	stage := signInStage(u)
	if stage == shequ.SessionSignedIn {
		if err := s.startSession(w, r, u); err != nil {
			return "", err
		}
		if u.MustChangePassword {
			return "/account/password", nil
		}
		return ret, nil
	}
	if c, err := r.Cookie(cookieSession); err == nil && c.Value != "" && len(c.Value) <= maxTokenLen {
		if err := s.cfg.Sessions.DeleteSession(r.Context(), c.Value); err != nil && shequ.ErrorCode(err) != shequ.ENotFound {
			return "", err
		}
	}
	token, _, err := s.cfg.Sessions.StageSession(r.Context(), u.ID, s.clientAddr(r), stage, s.cfg.Security.Session)
	if err != nil {
		return "", err
	}
	s.setSessionCookie(w, token)
	q := ""
	if ret != "/" {
		q = "?return=" + url.QueryEscape(ret)
	}
	if stage == shequ.SessionEnrolDue {
		return "/account/two-factor" + q, nil
	}
	return "/login/code" + q, nil
}

// finishSignIn replaces the staged session by a signed-in one and returns
// where to go next.
func (s *Server) finishSignIn(w http.ResponseWriter, r *http.Request, u *shequ.User, ret string) (string, error) {
	// startSession deletes the staged session the cookie names.
	if err := s.startSession(w, r, u); err != nil {
		return "", err
	}
	if u.MustChangePassword {
		return "/account/password", nil
	}
	return safeReturnPath(ret), nil
}

// checkCode checks the second factor of u, whose password was right: a
// code of the authenticator app (each time step accepted once) or an unused
// recovery code. Every outcome is audited; refusals are held to the login
// floor and count towards the account's lockout.
func (s *Server) checkCode(ctx context.Context, u *shequ.User, code string) (err error) {
	if s.cfg.TwoFactor == nil || s.cfg.OTP == nil {
		return errNoTwoFactor
	}
	start := time.Now()
	defer func() {
		if shequ.ErrorCode(err) == shequ.EUnauthorized {
			s.padLogin(ctx, start)
		}
	}()
	now := s.now()
	rec := &shequ.AuditRecord{Action: auditLoginCode, ObjectType: "user", ObjectID: u.ID, ActorID: u.ID,
		ActorName: u.Username, Role: u.Role, Division: u.Scope}
	meta := shequ.RequestMetaFrom(ctx)
	if ok, wait := s.throttle.allow(throttleKey(meta.ClientAddr), now); !ok {
		rec.Result, rec.Detail = shequ.AuditDenied, "throttled"
		s.audit(ctx, rec)
		return throttled(wait)
	}
	if ok, wait := s.accountThrottle.allow(strings.ToLower(u.Username), now); !ok {
		rec.Result, rec.Detail = shequ.AuditDenied, "throttled account"
		s.audit(ctx, rec)
		return throttled(wait)
	}
	fresh, err := s.cfg.Users.FindUserByID(ctx, u.ID)
	if err != nil {
		return err
	}
	tf, err := s.cfg.TwoFactor.TwoFactor(ctx, u.ID)
	if err != nil {
		return err
	}
	c := shequ.NormalizeCode(code)
	// Codes follow the wall clock the authenticator app reads, not the
	// server's workflow clock (which tests move).
	wall := time.Now()
	switch {
	case fresh.Disabled:
		rec.Result, rec.Detail = shequ.AuditDenied, "disabled"
	case isLocked(fresh, now):
		rec.Result, rec.Detail = shequ.AuditDenied, "locked"
	case !tf.Enabled():
		rec.Result, rec.Detail = shequ.AuditDenied, "two-factor sign-in was reset"
	case shequ.IsTOTPCode(c):
		step, ok := s.cfg.OTP.Match(tf.Secret, c, wall, tf.LastStep)
		if ok {
			accepted, err := s.cfg.TwoFactor.AcceptStep(ctx, u.ID, step)
			if err != nil {
				return err
			}
			if accepted {
				return s.codeAccepted(ctx, rec, "code")
			}
		}
		rec.Result, rec.Detail = shequ.AuditFailed, "wrong code"
		if _, old := s.cfg.OTP.Match(tf.Secret, c, wall, -1); old {
			rec.Detail = "code already used"
		}
	case shequ.IsRecoveryCode(c):
		used, err := s.cfg.TwoFactor.UseRecoveryCode(ctx, u.ID, c)
		if err != nil {
			return err
		}
		if used {
			return s.codeAccepted(ctx, rec, "recovery code")
		}
		rec.Result, rec.Detail = shequ.AuditFailed, "wrong recovery code"
	default:
		rec.Result, rec.Detail = shequ.AuditFailed, "malformed code"
	}
	if rec.Result == shequ.AuditFailed {
		after, err := s.cfg.TwoFactor.RecordCodeFailure(ctx, u.ID, s.cfg.Security.MaxFailedLogins, now.Add(s.cfg.Security.Lockout))
		if err != nil {
			return err
		}
		if isLocked(after, now) {
			rec.Detail += "; account locked"
		}
	}
	s.audit(ctx, rec)
	return errBadCode
}

// codeAccepted records a right second factor.
func (s *Server) codeAccepted(ctx context.Context, rec *shequ.AuditRecord, how string) error {
	if err := s.cfg.Users.RecordLoginSuccess(ctx, rec.ObjectID); err != nil {
		return err
	}
	rec.Result, rec.Detail = shequ.AuditAllowed, how
	s.audit(ctx, rec)
	return nil
}

// loginCodePage is the data of templates/login_code.html.
type loginCodePage struct {
	Username string
	Return   string
	Error    string
}

// handleLoginCodeForm serves GET /login/code: the second step of signing
// in. Without a staged session there is nothing to enter a code for.
func (s *Server) handleLoginCodeForm(w http.ResponseWriter, r *http.Request) {
	ret := safeReturnPath(r.URL.Query().Get("return"))
	p := pendingFrom(r.Context())
	if p == nil || p.Stage != shequ.SessionCodeDue {
		target := "/login"
		if currentUser(r.Context()) != nil {
			target = ret
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	l := s.localizer(r)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "login_code", l.T("login.code.title"), loginCodePage{Username: p.User.Username, Return: ret})
}

// handleLoginCode serves POST /login/code.
func (s *Server) handleLoginCode(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	ret := safeReturnPath(r.PostForm.Get("return"))
	p := pendingFrom(r.Context())
	if p == nil || p.Stage != shequ.SessionCodeDue {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	err := s.checkCode(r.Context(), p.User, r.PostForm.Get("code"))
	if err == nil {
		var target string
		if target, err = s.finishSignIn(w, r, p.User, ret); err == nil {
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
	}
	e := shequ.AsError(err)
	status, known := statusByCode[e.Code]
	if !known || e.Code == shequ.EInternal {
		s.error(w, r, err)
		return
	}
	l := s.localizer(r)
	w.Header().Set("Cache-Control", "no-store")
	setRetryAfter(w, err)
	s.render(w, r, status, "login_code", l.T("login.code.title"),
		loginCodePage{Username: p.User.Username, Return: ret, Error: l.Error(e)})
}

// twoFactorPage is the data of templates/two_factor.html, in one of three
// modes: "status" (set up: when, recovery codes left), "enrol" (the QR
// code and the code field) and "codes" (the recovery codes, shown once).
type twoFactorPage struct {
	Mode      string
	User      *shequ.User
	Required  bool // the role needs it
	Signing   bool // at sign-in (staged session)
	EnabledAt *time.Time
	Left      int
	QR        template.URL // data: URI of the PNG
	Secret    string       // grouped by four for typing
	Issuer    string
	Return    string
	Recovery  []string
	Next      string
	Error     string
	Errors    map[string]string
}

// twoFactorUser returns the account the set-up page is for: the staged
// sign-in's or the signed-in user's.
func (s *Server) twoFactorUser(w http.ResponseWriter, r *http.Request) (*shequ.User, *pendingSignIn, bool) {
	if p := pendingFrom(r.Context()); p != nil && p.Stage == shequ.SessionEnrolDue {
		return p.User, p, true
	}
	u := currentUser(r.Context())
	if u == nil {
		loginRedirect(w, r)
		return nil, nil, false
	}
	return u, nil, true
}

// groupSecret writes a base32 secret in groups of four, for typing.
func groupSecret(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// enrolPage fills the set-up mode of p for u: the secret of the set-up in
// progress, or a new one.
func (s *Server) enrolPage(ctx context.Context, u *shequ.User, tf *shequ.TwoFactor, p *twoFactorPage) error {
	secret := tf.Secret
	if secret == "" {
		var err error
		if secret, err = s.cfg.OTP.NewSecret(); err != nil {
			return shequ.Wrap(err, "new two-factor secret")
		}
		if err := s.cfg.TwoFactor.StartTOTP(ctx, u.ID, secret); err != nil {
			return err
		}
	}
	uri, err := s.cfg.OTP.URI(totpIssuer, u.Username, secret)
	if err != nil {
		return shequ.Wrap(err, "two-factor URI")
	}
	png, err := qrcode.Encode(uri, qrcode.Medium, 232)
	if err != nil {
		return shequ.Wrap(err, "two-factor QR code")
	}
	p.Mode = "enrol"
	p.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	p.Secret, p.Issuer = groupSecret(secret), totpIssuer
	return nil
}

// handleTwoFactor serves GET /account/two-factor: the account's two-factor
// state, or its set-up (at the first sign-in of a role that needs it, or
// when an account chooses it).
func (s *Server) handleTwoFactor(w http.ResponseWriter, r *http.Request) {
	u, pend, ok := s.twoFactorUser(w, r)
	if !ok {
		return
	}
	if s.cfg.TwoFactor == nil || s.cfg.OTP == nil {
		s.error(w, r, errNoTwoFactor)
		return
	}
	tf, err := s.cfg.TwoFactor.TwoFactor(r.Context(), u.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	l := s.localizer(r)
	p := &twoFactorPage{User: u, Required: shequ.TwoFactorRequired(u.Role), Signing: pend != nil,
		Return: safeReturnPath(r.URL.Query().Get("return"))}
	if tf.Enabled() {
		if pend != nil {
			// Set up meanwhile (another tab): sign in with a code.
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		p.Mode, p.EnabledAt, p.Left = "status", tf.EnabledAt, tf.RecoveryLeft
	} else if err := s.enrolPage(r.Context(), u, tf, p); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "two_factor", l.T("totp.title"), p)
}

// handleTwoFactorEnable serves POST /account/two-factor: the first code of
// the authenticator app ends the set-up; the recovery codes are shown once,
// in this answer (never stored in clear, never shown again).
func (s *Server) handleTwoFactorEnable(w http.ResponseWriter, r *http.Request) {
	u, pend, ok := s.twoFactorUser(w, r)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	if s.cfg.TwoFactor == nil || s.cfg.OTP == nil {
		s.error(w, r, errNoTwoFactor)
		return
	}
	ctx := r.Context()
	l := s.localizer(r)
	now := s.now()
	p := &twoFactorPage{User: u, Required: shequ.TwoFactorRequired(u.Role), Signing: pend != nil,
		Return: safeReturnPath(r.PostForm.Get("return"))}
	rec := &shequ.AuditRecord{Action: "totp.enrol", ObjectType: "user", ObjectID: u.ID, ActorID: u.ID,
		ActorName: u.Username, Role: u.Role, Division: u.Scope, Result: shequ.AuditFailed}
	fail := func(status int, err error) {
		e := shequ.AsError(err)
		if ferr := s.enrolPage(ctx, u, tfOrEmpty(ctx, s, u.ID), p); ferr != nil {
			s.error(w, r, ferr)
			return
		}
		p.Error = l.Error(e)
		if len(e.Fields) > 0 {
			p.Errors = fieldMessages(l, err)
			p.Error = l.T("form.has_errors")
		}
		w.Header().Set("Cache-Control", "no-store")
		setRetryAfter(w, err)
		s.render(w, r, status, "two_factor", l.T("totp.title"), p)
	}
	if ok, wait := s.throttle.allow(throttleKey(shequ.RequestMetaFrom(ctx).ClientAddr), now); !ok {
		rec.Result, rec.Detail = shequ.AuditDenied, "throttled"
		s.audit(ctx, rec)
		fail(http.StatusTooManyRequests, throttled(wait))
		return
	}
	if ok, wait := s.accountThrottle.allow(strings.ToLower(u.Username), now); !ok {
		rec.Result, rec.Detail = shequ.AuditDenied, "throttled account"
		s.audit(ctx, rec)
		fail(http.StatusTooManyRequests, throttled(wait))
		return
	}
	tf, err := s.cfg.TwoFactor.TwoFactor(ctx, u.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if tf.Enabled() || tf.Secret == "" {
		// Done in another tab, or reset meanwhile: start from the page.
		http.Redirect(w, r, "/account/two-factor", http.StatusSeeOther)
		return
	}
	step, match := s.cfg.OTP.Match(tf.Secret, shequ.NormalizeCode(r.PostForm.Get("code")), time.Now(), 0)
	if !match {
		rec.Detail = "wrong code"
		s.audit(ctx, rec)
		var fe shequ.FieldErrors
		fe.Add("code", "totp.code_wrong", "The code is wrong: type the six digits your app shows now.", nil)
		fail(http.StatusBadRequest, fe.Err())
		return
	}
	recovery := s.cfg.OTP.RecoveryCodes(shequ.RecoveryCodeCount)
	if err := s.cfg.TwoFactor.EnableTOTP(ctx, u.ID, step, recovery); err != nil {
		s.error(w, r, err)
		return
	}
	p.Next = "/account/two-factor"
	if pend != nil {
		u.TwoFactorOn = true
		next, err := s.finishSignIn(w, r, u, p.Return)
		if err != nil {
			s.error(w, r, err)
			return
		}
		p.Next = next
	}
	p.Mode = "codes"
	for _, c := range recovery {
		p.Recovery = append(p.Recovery, shequ.FormatRecoveryCode(c))
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "two_factor", l.T("totp.codes.title"), p)
}

// tfOrEmpty reads the two-factor state again for a page shown after a
// refusal (an empty state when it cannot be read: a new set-up starts).
func tfOrEmpty(ctx context.Context, s *Server, userID string) *shequ.TwoFactor {
	tf, err := s.cfg.TwoFactor.TwoFactor(ctx, userID)
	if err != nil {
		return &shequ.TwoFactor{UserID: userID}
	}
	return tf
}

// handleUserTwoFactorReset serves POST /users/{id}/two-factor/reset
// (secadmin): the account's second factor, recovery codes and sessions go;
// it sets two-factor sign-in up again at its next sign-in. The three
// administrators' accounts are reset at the console only (`shequ user
// reset-2fa`), as they are unlocked there.
func (s *Server) handleUserTwoFactorReset(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionSecurityManage)
	if !ok {
		return
	}
	u, ok := s.targetUser(w, r, a, shequ.ActionSecurityManage)
	if !ok {
		return
	}
	if s.cfg.TwoFactor == nil {
		s.error(w, r, errNoTwoFactor)
		return
	}
	if err := s.cfg.TwoFactor.ResetTwoFactor(r.Context(), u.ID); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/users?notice=two_factor_reset", http.StatusSeeOther)
}
