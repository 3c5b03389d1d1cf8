package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"shequ"
)

// Verified self-registration (shequ/account_verify.go). A pending account
// reaches only mayPassPending's pages; elsewhere it is sent to
// /account/verify (pages) or answered 403 "account.pending" (JSON). There
// it asks for a code, sent by SMS to the phone on record of the resident it
// claims, and gives it; or it goes to the window, where a community worker
// verifies it from the resident's page.

// CodeSender sends a verification code by SMS (cmd/shequ: a file outbox in
// the data folder, which an operator's SMS gateway reads).
type CodeSender interface {
	SendCode(ctx context.Context, phone shequ.Phone, text string) error
}

var (
	errAccountPending = shequ.Errorf(shequ.EPending, "account.pending",
		"This account is not verified yet: verify it with the code sent to the phone on record, or at your community's window.")
	errNoVerifier = shequ.Errorf(shequ.EUnavailable, "verify.unavailable",
		"Account verification is not available on this server.")
)

// mayPassPending lists what a pending account may reach: the service
// guides, its account page, the verification page, the password page,
// signing out (here or everywhere), and what every page needs.
func mayPassPending(r *http.Request) bool {
	p, get := r.URL.Path, r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case mayPassWithoutNewPassword(r), p == "/favicon.ico", p == "/account/sessions/revoke-all",
		strings.HasPrefix(p, "/account/verify"), strings.HasPrefix(p, "/api/v1/account/verify"):
		return true
	case p == "/account":
		return get
	case p == "/services" || p == "/api/v1/services":
		return get
	case strings.HasPrefix(p, "/services/") || strings.HasPrefix(p, "/api/v1/services/"):
		return get && strings.Count(strings.TrimPrefix(p, "/api/v1"), "/") == 2
	}
	return false
}

// refusePending answers a pending account's request for anything else.
func (s *Server) refusePending(w http.ResponseWriter, r *http.Request) {
	if !wantsJSON(r) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		http.Redirect(w, r, "/account/verify", http.StatusSeeOther)
		return
	}
	s.error(w, r, errAccountPending)
}

// accountVerifyPage is the data of templates/account_verify.html.
type accountVerifyPage struct {
	Pending  bool   // false: the account is verified (or was never pending)
	Sent     bool   // a code was asked for just now
	Verified bool   // the code was right just now
	Minutes  int    // a code's life
	Notice   string // what happened
	Error    string
	Errors   map[string]string
}

// handleVerifyForm serves GET /account/verify (?notice=verified after a
// right code).
func (s *Server) handleVerifyForm(w http.ResponseWriter, r *http.Request) {
	u, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	p := &accountVerifyPage{Pending: u.Pending()}
	if !p.Pending && r.URL.Query().Get("notice") == "verified" {
		p.Verified, p.Notice = true, s.localizer(r).T("verify.done")
	}
	s.renderVerify(w, r, http.StatusOK, p)
}

func (s *Server) renderVerify(w http.ResponseWriter, r *http.Request, status int, p *accountVerifyPage) {
	p.Minutes = int(shequ.VerifyCodeLife / time.Minute)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "account_verify", s.localizer(r).T("verify.title"), p)
}

// sendCode asks the store for a code and sends it when the claim matched;
// the answer is the same either way.
func (s *Server) sendCode(r *http.Request) (*shequ.VerifyCode, error) {
	if s.cfg.Verifier == nil || s.cfg.SMS == nil {
		return nil, errNoVerifier
	}
	vc, err := s.cfg.Verifier.SendVerifyCode(r.Context())
	if err != nil {
		return nil, err
	}
	if vc.Phone != "" {
		text := s.localizer(r).T("verify.sms", map[string]any{"Code": vc.Code,
			"Minutes": int(shequ.VerifyCodeLife / time.Minute)})
		if err := s.cfg.SMS.SendCode(r.Context(), vc.Phone, text); err != nil {
			return nil, shequ.Wrap(err, "send verification code")
		}
	}
	return vc, nil
}

// handleVerifySend serves POST /account/verify/send.
func (s *Server) handleVerifySend(w http.ResponseWriter, r *http.Request) {
	u, ok := s.signedIn(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	p := &accountVerifyPage{Pending: u.Pending()}
	if _, err := s.sendCode(r); err != nil {
		s.verifyFailed(w, r, p, err)
		return
	}
	p.Sent, p.Notice = true, s.localizer(r).T("verify.sent", map[string]any{"Minutes": int(shequ.VerifyCodeLife / time.Minute)})
	s.renderVerify(w, r, http.StatusOK, p)
}

// verifyFailed shows err on the page, or the error page for what the page
// cannot say.
func (s *Server) verifyFailed(w http.ResponseWriter, r *http.Request, p *accountVerifyPage, err error) {
	l := s.localizer(r)
	switch c := shequ.ErrorCode(err); c {
	case shequ.EInvalid, shequ.EConflict, shequ.ETooManyRequests:
		setRetryAfter(w, err)
		p.Error = l.Error(shequ.AsError(err))
		if shequ.AsError(err).Key == errVerifyCodeKey {
			p.Errors, p.Error = map[string]string{"code": p.Error}, l.T("form.has_errors")
		}
		s.renderVerify(w, r, statusByCode[c], p)
	default:
		s.error(w, r, err)
	}
}

// errVerifyCodeKey is the store's answer to any wrong code.
const errVerifyCodeKey = "verify.code_wrong"

// checkVerifyCode checks a code under the per-address throttle of sign-ins.
func (s *Server) checkVerifyCode(r *http.Request, code string) (*shequ.Resident, error) {
	if s.cfg.Verifier == nil {
		return nil, errNoVerifier
	}
	if ok, wait := s.throttle.allow(throttleKey(s.clientAddr(r)), s.now()); !ok {
		return nil, throttled(wait)
	}
	return s.cfg.Verifier.CheckVerifyCode(r.Context(), code)
}

// handleVerifyCode serves POST /account/verify: the code; when right the
// account is linked and the browser goes on to the page that says so.
func (s *Server) handleVerifyCode(w http.ResponseWriter, r *http.Request) {
	u, ok := s.signedIn(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	p := &accountVerifyPage{Pending: u.Pending(), Sent: true}
	if _, err := s.checkVerifyCode(r, r.PostForm.Get("code")); err != nil {
		s.verifyFailed(w, r, p, err)
		return
	}
	// A new page, drawn for the verified account (its navigation).
	http.Redirect(w, r, "/account/verify?notice=verified", http.StatusSeeOther)
}

// handleAPIVerifySend serves POST /api/v1/account/verify/send.
func (s *Server) handleAPIVerifySend(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.signedIn(w, r); !ok {
		return
	}
	vc, err := s.sendCode(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{
		"message":    s.localizer(r).T("verify.sent", map[string]any{"Minutes": int(shequ.VerifyCodeLife / time.Minute)}),
		"expires_at": vc.ExpiresAt.UTC().Format(time.RFC3339)})
}

// handleAPIVerify serves POST /api/v1/account/verify {"code": "123456"}.
func (s *Server) handleAPIVerify(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.signedIn(w, r); !ok {
		return
	}
	var in struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	res, err := s.checkVerifyCode(r, in.Code)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"verified": shequ.VerifySMS, "resident_id": res.ID,
		"community": res.Community})
}

// handleResidentAccountVerify serves POST /residents/{id}/accounts/{user}/verify:
// a community worker checked the person's ID card at the window.
func (s *Server) handleResidentAccountVerify(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionResidentVerify); !ok || !s.readForm(w, r) {
		return
	}
	if s.cfg.Verifier == nil {
		s.error(w, r, errNoVerifier)
		return
	}
	id := r.PathValue("id")
	if _, err := s.cfg.Verifier.VerifyAtWindow(r.Context(), id, r.PathValue("user")); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/residents/"+id+"?notice=account_verified", http.StatusSeeOther)
}
