package web

import (
	"context"
	"encoding/xml"
	"net/http"
	"sort"
	"strings"

	"shequ"
)

// Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) under /open311/v2/:
// the service catalogue as services with attributes, requests as service
// requests. Every resource comes as "name.xml" (the required format) or
// "name.json". Callers authenticate with an API token, passed as the
// spec's api_key parameter or as a bearer token; the services make the same
// authorization checks as for the pages and the JSON API. Errors are the
// spec's errors list, each error's code being the HTTP status.

// open311Spec is the specification URL that discovery names.
const open311Spec = "http://wiki.open311.org/GeoReport_v2"

// Open311 formats.
const (
	formatXML  = "xml"
	formatJSON = "json"
)

// maxOpen311Body bounds a POSTed form: a request's description and
// attributes fit many times over.
const maxOpen311Body = 1 << 20

// Errors of the Open311 boundary.
var (
	errOpen311Format = shequ.Errorf(shequ.ENotFound, "open311.format",
		"Ask for a resource ending in .xml or .json.")
	errOpen311Resource = shequ.Errorf(shequ.ENotFound, "open311.resource",
		"There is no such Open311 resource.")
	errOpen311NoKey = shequ.Errorf(shequ.EForbidden, "open311.api_key.missing",
		"Give an api_key (an API token) to submit a request.")
	errOpen311BadKey = shequ.Errorf(shequ.EForbidden, "open311.api_key.invalid",
		"The api_key is not a valid API token.")
	errOpen311Off = shequ.Errorf(shequ.EUnavailable, "open311.unavailable",
		"Service requests are not enabled on this server.")
)

// splitFormat splits "services.xml" into "services" and "xml". A name
// without a known format is reported with the XML format, the spec's
// required one, so the error can still be written.
func splitFormat(file string) (name, format string, ok bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return file, formatXML, false
	}
	name, format = file[:i], file[i+1:]
	if format != formatXML && format != formatJSON {
		return name, formatXML, false
	}
	return name, format, true
}

// open311Ready reports whether the services behind Open311 are wired in,
// answering 503 when not.
func (s *Server) open311Ready(w http.ResponseWriter, r *http.Request, format string) bool {
	if s.cfg.ServiceItems == nil || s.cfg.Requests == nil {
		s.open311Error(w, r, format, errOpen311Off)
		return false
	}
	return true
}

// handleOpen311Get serves discovery, services and requests.
func (s *Server) handleOpen311Get(w http.ResponseWriter, r *http.Request) {
	name, format, ok := splitFormat(r.PathValue("file"))
	if !ok {
		s.open311Error(w, r, format, errOpen311Format)
		return
	}
	switch name {
	case "discovery":
		s.open311Discovery(w, r, format)
	case "services":
		if s.open311Ready(w, r, format) {
			s.open311Services(w, r, format)
		}
	case "requests":
		if s.open311Ready(w, r, format) {
			s.open311RequestList(w, r, format)
		}
	default:
		s.open311Error(w, r, format, errOpen311Resource)
	}
}

// handleOpen311Post creates a service request (POST requests.xml|json).
func (s *Server) handleOpen311Post(w http.ResponseWriter, r *http.Request) {
	name, format, ok := splitFormat(r.PathValue("file"))
	switch {
	case !ok:
		s.open311Error(w, r, format, errOpen311Format)
	case name != "requests":
		s.open311Error(w, r, format, errOpen311Resource)
	case s.open311Ready(w, r, format):
		s.open311Create(w, r, format)
	}
}

// open311Authenticate puts the account of the api_key parameter into the
// request's context, as the bearer token would; on error it returns r
// unchanged with the error. Without api_key the
// request keeps whoever the middleware found (a bearer token, or nobody).
// The same account rules hold as for bearer tokens: unknown, revoked,
// expired tokens and disabled accounts are refused, and an account that must
// change its password may not go on.
func (s *Server) open311Authenticate(r *http.Request) (*http.Request, error) {
	// A POST's body was read (and checked) by open311Create; a GET has
	// the key in its query.
	key := r.PostForm.Get("api_key")
	if key == "" {
		key = r.URL.Query().Get("api_key")
	}
	if key == "" {
		return r, nil
	}
	if len(key) > maxTokenLen || s.cfg.Tokens == nil {
		return r, errOpen311BadKey
	}
	u, _, err := s.cfg.Tokens.FindTokenUser(r.Context(), key)
	switch {
	case shequ.ErrorCode(err) == shequ.EUnauthorized || shequ.ErrorCode(err) == shequ.ENotFound:
		return r, errOpen311BadKey
	case err != nil:
		return r, err
	case u.Disabled:
		return r, errOpen311BadKey
	case u.MustChangePassword:
		return r, errMustChangePassword
	}
	ctx := shequ.WithActor(r.Context(), u.Actor())
	ctx = context.WithValue(ctx, ctxUser, u)
	return r.WithContext(ctx), nil
}

// open311Error is the spec's error answer: an errors list whose codes are
// the HTTP status, one error per invalid field (named as the client sent
// it, e.g. attribute[CODE]) or one for the whole request.
func (s *Server) open311Error(w http.ResponseWriter, r *http.Request, format string, err error) {
	status, _, msg, fields, rid := s.describeError(r, err)
	var list []open311ErrorItem
	if len(fields) > 0 {
		names := make([]string, 0, len(fields))
		for f := range fields {
			names = append(names, f)
		}
		sort.Strings(names)
		for _, f := range names {
			list = append(list, open311ErrorItem{Code: status, Description: f + ": " + fields[f]})
		}
	} else {
		if rid != "" {
			msg += " " + s.localizer(r).T("error.request_id", map[string]any{"ID": rid})
		}
		list = []open311ErrorItem{{Code: status, Description: msg}}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeOpen311List(w, status, format, "errors", "error", list)
}

// open311ErrorItem is one entry of the errors list.
type open311ErrorItem struct {
	Code        int    `xml:"code" json:"code"`
	Description string `xml:"description" json:"description"`
}

// writeOpen311List writes items as a JSON array, or in XML as the root
// element holding one elem element per item.
func writeOpen311List[T any](w http.ResponseWriter, status int, format, root, elem string, items []T) {
	if format == formatJSON {
		if items == nil {
			items = []T{}
		}
		writeJSON(w, status, items)
		return
	}
	startOpen311XML(w, status)
	enc := xml.NewEncoder(w)
	start := xml.StartElement{Name: xml.Name{Local: root}}
	_ = enc.EncodeToken(start)
	for _, it := range items {
		_ = enc.EncodeElement(it, xml.StartElement{Name: xml.Name{Local: elem}})
	}
	_ = enc.EncodeToken(start.End())
	_ = enc.Flush()
}

// writeOpen311Object writes one object: as JSON, or in XML as the root
// element.
func writeOpen311Object(w http.ResponseWriter, status int, format, root string, v any) {
	if format == formatJSON {
		writeJSON(w, status, v)
		return
	}
	startOpen311XML(w, status)
	enc := xml.NewEncoder(w)
	_ = enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: root}})
	_ = enc.Flush()
}

// startOpen311XML writes the headers and the XML declaration the spec asks
// for (encoding="UTF-8" before the root element).
func startOpen311XML(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
}
