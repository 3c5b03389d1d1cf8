package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"shequ"
)

// cookieSession names the session cookie. It holds only the random token;
// the session itself is kept server-side (its ID is the token's hash).
const cookieSession = "shequ_session"

// maxTokenLen bounds session tokens and bearer secrets read from requests,
// so a huge header cannot reach the store.
const maxTokenLen = 256

// ctxUser keys the signed-in user (*shequ.User) in the context, beside the
// shequ.Actor that services read; ctxSessionToken keys the session token.
const (
	ctxUser ctxKey = iota + 100
	ctxSessionToken
)

// errMustChangePassword answers API calls from an account that must change
// its generated password first.
var errMustChangePassword = shequ.Errorf(shequ.EForbidden, "password.must_change",
	"Change your password before going on.")

// errBadToken answers an API request with an unknown, revoked or expired
// bearer token.
var errBadToken = shequ.Errorf(shequ.EUnauthorized, "auth.token.invalid", "The API token is not valid.")

// authenticate resolves who makes each request: a bearer token (API
// clients) or the session cookie (browsers). It puts the actor and the
// request's origin into the context for the services, and enforces two
// account-wide rules before any handler runs: disabled accounts are
// anonymous, an account that must change its password can reach only
// the password page and logout, and a self-registered account not yet
// verified only a few pages (mayPassPending).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := shequ.WithRequestMeta(r.Context(), shequ.RequestMeta{
			ClientAddr: s.clientAddr(r),
			RequestID:  requestID(r.Context()),
		})
		r = r.WithContext(ctx)
		if r.URL.Path == "/metrics" {
			// Its Authorization header carries the metrics token, not an
			// account's (metrics_access.go).
			next.ServeHTTP(w, r)
			return
		}
		u, token, stage, err := s.resolveUser(w, r)
		if err != nil {
			if shequ.ErrorCode(err) == shequ.EUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="shequ"`)
			}
			s.error(w, r, err)
			return
		}
		if u != nil && stage != shequ.SessionSignedIn {
			// Half-way through two-factor sign-in: not signed in; only
			// the code and set-up pages read it (login_totp.go).
			r = r.WithContext(context.WithValue(ctx, ctxPending, &pendingSignIn{User: u, Token: token, Stage: stage}))
			u = nil
		}
		if u != nil {
			ctx = shequ.WithActor(ctx, u.Actor())
			ctx = context.WithValue(ctx, ctxUser, u)
			if token != "" {
				ctx = context.WithValue(ctx, ctxSessionToken, token)
			}
			r = r.WithContext(ctx)
			if u.MustChangePassword && !mayPassWithoutNewPassword(r) {
				if wantsJSON(r) {
					s.error(w, r, errMustChangePassword)
					return
				}
				http.Redirect(w, r, "/account/password", http.StatusSeeOther)
				return
			}
			if u.Pending() && !mayPassPending(r) {
				s.refusePending(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// resolveUser returns the user of the request, nil for anonymous requests,
// with the session token and the session's stage (shequ.SessionSignedIn
// unless two-factor sign-in is half-way). A
// bearer token that does not check out is an error (the client meant to
// authenticate); a stale session cookie is simply dropped, since browsers
// keep sending it after the session ended.
func (s *Server) resolveUser(w http.ResponseWriter, r *http.Request) (*shequ.User, string, string, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, secret, _ := strings.Cut(h, " ")
		secret = strings.TrimSpace(secret)
		if !strings.EqualFold(scheme, "Bearer") || secret == "" || len(secret) > maxTokenLen || s.cfg.Tokens == nil {
			return nil, "", "", errBadToken
		}
		u, _, err := s.cfg.Tokens.FindTokenUser(r.Context(), secret)
		switch {
		case shequ.ErrorCode(err) == shequ.EUnauthorized || shequ.ErrorCode(err) == shequ.ENotFound:
			return nil, "", "", errBadToken
		case err != nil:
			return nil, "", "", err
		case u.Disabled:
			return nil, "", "", errBadToken
		}
		return u, "", "", nil
	}
	c, err := r.Cookie(cookieSession)
	if err != nil || c.Value == "" || s.cfg.Sessions == nil {
		return nil, "", "", nil
	}
	if len(c.Value) > maxTokenLen {
		s.clearSessionCookie(w)
		return nil, "", "", nil
	}
	sess, u, err := s.cfg.Sessions.FindSession(r.Context(), c.Value, s.cfg.Security.Session)
	switch {
	case shequ.ErrorCode(err) == shequ.EUnauthorized || shequ.ErrorCode(err) == shequ.ENotFound:
		s.clearSessionCookie(w)
		return nil, "", "", nil
	case err != nil:
		return nil, "", "", err
	case u.Disabled:
		// Sign the disabled account out for good.
		_ = s.cfg.Sessions.DeleteSession(r.Context(), c.Value)
		s.clearSessionCookie(w)
		return nil, "", "", nil
	}
	return u, c.Value, sess.Stage, nil
}

// mayPassWithoutNewPassword lists what an account with a generated
// password may reach: the password page, logout, and what every page
// needs (assets, display preferences, probes).
func mayPassWithoutNewPassword(r *http.Request) bool {
	p := r.URL.Path
	switch {
	case p == "/account/password", p == "/logout", p == "/prefs",
		p == "/healthz", p == "/readyz", p == "/metrics",
		strings.HasPrefix(p, "/static/"):
		return true
	case p == "/api/v1/session" && r.Method == http.MethodDelete:
		return true
	}
	return false
}

// currentUser returns the signed-in user, nil when anonymous.
func currentUser(ctx context.Context) *shequ.User {
	u, _ := ctx.Value(ctxUser).(*shequ.User)
	return u
}

// sessionToken returns the session token of a cookie-authenticated request.
func sessionToken(ctx context.Context) string {
	t, _ := ctx.Value(ctxSessionToken).(string)
	return t
}

// setSessionCookie sends the session token. It is a browser-session cookie
// (no Max-Age): closing the browser at a shared front-desk computer ends
// it on the client, and the server enforces the idle and absolute limits.
func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name:     cookieSession,
		Value:    token,
		Path:     "/",
		HttpOnly: true,
		Secure:   s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name:     cookieSession,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

// guard checks a page-level permission before a handler does its work: it
// answers 401 (a redirect to the login page for browsers) when nobody is
// signed in and 403 when the role may not do act at all, and reports
// whether the handler may go on. The services still make the real,
// per-object check.
func (s *Server) guard(w http.ResponseWriter, r *http.Request, act shequ.Action) (*shequ.Actor, bool) {
	a := shequ.ActorFrom(r.Context())
	if err := shequ.Authorize(a, act, nil); err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return a, true
}

// signedIn answers 401 unless someone is signed in.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) (*shequ.User, bool) {
	u := currentUser(r.Context())
	if u == nil {
		s.error(w, r, shequ.ErrUnauthorized)
		return nil, false
	}
	return u, true
}

// loginRedirect sends a browser to the login page, to come back to the page
// it asked for (GET only: a form post cannot be replayed).
func loginRedirect(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if ret := safeReturnPath(r.URL.RequestURI()); ret != "/" {
			target += "?return=" + url.QueryEscape(ret)
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}
