package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"shequ/internal/i18n"
)

// Preference cookies. They hold no personal data, only display choices, and
// live for a year.
const (
	cookieLang   = "lang"
	cookieText   = "text"
	textLarge    = "large"
	textNormal   = "normal"
	prefsMaxAge  = 365 * 24 * 60 * 60
	maxReturnLen = 2048
)

// handlePrefs stores the language and text-size choices posted by the small
// forms in the header and sends the user back to the page they were on.
// Unknown values are ignored rather than refused: the forms only send valid
// ones, and a stale bookmark should not produce an error page.
func (s *Server) handlePrefs(w http.ResponseWriter, r *http.Request) {
	if !s.readFormMax(w, r, 4096) {
		return
	}
	if lang := r.PostForm.Get("lang"); slices.Contains(s.cat.Languages(), lang) {
		s.setPref(w, cookieLang, lang)
	}
	if text := r.PostForm.Get("text"); text == textLarge || text == textNormal {
		s.setPref(w, cookieText, text)
	}
	// See Other: the browser follows with a GET, so reloading the page it
	// lands on does not re-post the form.
	http.Redirect(w, r, safeReturnPath(r.PostForm.Get("return")), http.StatusSeeOther)
}

func (s *Server) setPref(w http.ResponseWriter, name, value string) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   prefsMaxAge,
		HttpOnly: true,
		Secure:   s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

// safeReturnPath returns p if it is a path on this site, else "/". Only a
// rooted path is accepted: no scheme or host, no "//host" or "/\host"
// (browsers read a backslash as a slash), no control characters. This is
// what keeps /prefs from being an open redirect.
func safeReturnPath(p string) string {
	if p == "" || len(p) > maxReturnLen || p[0] != '/' {
		return "/"
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return "/"
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	// A path such as "/%2F%2Fevil" is harmless for the browser (it stays
	// percent-encoded) but refuse it anyway: nothing of ours needs it.
	if ep := strings.ToLower(u.EscapedPath()); strings.HasPrefix(ep, "/%2f") || strings.HasPrefix(ep, "/%5c") {
		return "/"
	}
	return p
}

// largeText reports whether the request's text-size cookie asks for large
// text.
func largeText(r *http.Request) bool {
	c, err := r.Cookie(cookieText)
	return err == nil && c.Value == textLarge
}

// localizer returns the localizer for r: the lang cookie first, then
// Accept-Language, then the default (zh-CN).
func (s *Server) localizer(r *http.Request) *i18n.Localizer {
	var cookie string
	if c, err := r.Cookie(cookieLang); err == nil {
		cookie = c.Value
	}
	return s.cat.Localizer(cookie, r.Header.Get("Accept-Language"))
}
