package web

import (
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"shequ"
)

// The receipt's tracking address and its QR code, and the lookup of a
// request by its number and the applicant's ID number (办件查询, as 浙里办
// offers it).

// trackURL is the absolute address of a request's tracking page: the
// configured public address, or the one the request came to (printed on
// the receipt and in its QR code, it must work from any phone).
func (s *Server) trackURL(r *http.Request, token string) string {
	return s.absoluteURL(r, "/track/"+token)
}

// hostRE is what a Host header may hold to be printed in an address: a
// name or address and a port, nothing else.
var hostRE = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

// absoluteURL makes path absolute with the public address.
func (s *Server) absoluteURL(r *http.Request, path string) string {
	if base := strings.TrimRight(s.cfg.PublicURL, "/"); base != "" {
		return base + path
	}
	scheme := "http"
	if r.TLS != nil || s.cfg.SecureCookies {
		scheme = "https"
	}
	host := r.Host
	if !hostRE.MatchString(host) {
		host = "localhost"
	}
	return scheme + "://" + host + path
}

// qrSVG draws text as a QR code (error correction M, the quiet zone
// included) in SVG, one path of dark modules: it prints sharp at any size
// and needs no image request. The encoding is go-qrcode's.
func qrSVG(text, label string) (template.HTML, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", err
	}
	bits := q.Bitmap()
	n := strconv.Itoa(len(bits))
	var b strings.Builder
	b.WriteString(`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + n + ` ` + n + `" width="180" height="180" role="img" aria-label="` +
		template.HTMLEscapeString(label) + `" shape-rendering="crispEdges"><rect width="` + n + `" height="` + n + `" fill="#fff"/><path fill="#000" d="`)
	for y, row := range bits {
		for x, dark := range row {
			if dark {
				b.WriteString("M" + strconv.Itoa(x) + " " + strconv.Itoa(y) + "h1v1h-1z")
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil
}

// lookupPage is the data of templates/lookup.html.
type lookupPage struct {
	Number   string
	Errors   map[string]string
	NotFound bool
}

// Lookup limits: attempts per client address and window, and per request
// number (someone who knows a number cannot try ID numbers against it).
const (
	lookupPerAddr   = 10
	lookupPerNumber = 5
	lookupWindow    = 10 * time.Minute
	// lookupMinDuration is the least time every answer takes, so that a
	// number that exists and one that does not answer alike.
	lookupMinDuration = 300 * time.Millisecond
)

// handleLookupForm serves GET /track: the lookup form.
func (s *Server) handleLookupForm(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Requests == nil {
		s.error(w, r, errNoService)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "lookup", s.localizer(r).T("lookup.title"), &lookupPage{})
}

// handleLookup serves POST /track: the request numbered number whose
// applicant has the ID number given. Every failure, whatever its cause (no
// such number, another applicant, an anonymous report), is the same answer
// after the same time, and the attempts are throttled per address and per
// number and audited, so the form tells nothing it is not asked by the
// applicant themself.
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Requests == nil {
		s.error(w, r, errNoService)
		return
	}
	if !s.readForm(w, r) {
		return
	}
	started := time.Now()
	l := s.localizer(r)
	number := strings.ToUpper(strings.TrimSpace(r.PostForm.Get("number")))
	idNumber := strings.TrimSpace(r.PostForm.Get("id_number"))
	p := &lookupPage{Number: number, Errors: map[string]string{}}
	if number == "" || len(number) > 40 {
		p.Errors["number"] = l.T("lookup.number.invalid")
	}
	if _, err := shequ.ParseIDNumber(idNumber, s.now()); err != nil {
		p.Errors["id_number"] = l.T("id_number.invalid")
	}
	w.Header().Set("Cache-Control", "no-store")
	if len(p.Errors) > 0 {
		s.render(w, r, http.StatusBadRequest, "lookup", l.T("lookup.title"), p)
		return
	}
	now := s.now()
	ok, wait := s.lookups.allow(throttleKey(s.clientAddr(r)), now)
	if ok {
		ok, wait = s.lookupNumbers.allow(number, now)
	}
	if !ok {
		s.error(w, r, shequ.Errorf(codeTooManyRequests, errLookupThrottled.Key, "%s", errLookupThrottled.Message).
			With(map[string]any{retryAfterKey: seconds(wait)}))
		return
	}
	q, err := s.cfg.Requests.Lookup(r.Context(), number, idNumber)
	if wait := lookupMinDuration - time.Since(started); wait > 0 {
		time.Sleep(wait)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/track/"+q.Token, http.StatusSeeOther)
	case shequ.ErrorCode(err) == shequ.ENotFound:
		p.NotFound = true
		s.render(w, r, http.StatusOK, "lookup", l.T("lookup.title"), p)
	default:
		s.error(w, r, err)
	}
}

// errLookupThrottled answers lookups beyond the limits.
var errLookupThrottled = shequ.Errorf(codeTooManyRequests, "lookup.throttled",
	"Too many lookups. Wait ten minutes, or ask at the service window.")
