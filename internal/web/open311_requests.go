package web

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"shequ"
	"shequ/internal/i18n"
)

// open311Window is the default window of GET requests when no dates are
// given (the spec suggests 90 days), and open311MaxRequests the most one
// answer holds.
const (
	open311Window      = 90 * 24 * time.Hour
	open311MaxRequests = 1000
)

// open311Request is one service request as the spec shows it. The
// detailed state (办件状态) is in status_notes; status is open or closed.
// address_id is the 12-digit code of the request's community.
type open311Request struct {
	ServiceRequestID  string   `xml:"service_request_id" json:"service_request_id"`
	Status            string   `xml:"status" json:"status"`
	StatusNotes       string   `xml:"status_notes" json:"status_notes"`
	ServiceName       string   `xml:"service_name" json:"service_name"`
	ServiceCode       string   `xml:"service_code" json:"service_code"`
	Description       string   `xml:"description" json:"description"`
	AgencyResponsible string   `xml:"agency_responsible" json:"agency_responsible"`
	ServiceNotice     string   `xml:"service_notice" json:"service_notice"`
	RequestedDatetime string   `xml:"requested_datetime" json:"requested_datetime"`
	UpdatedDatetime   string   `xml:"updated_datetime" json:"updated_datetime"`
	ExpectedDatetime  string   `xml:"expected_datetime" json:"expected_datetime"`
	Address           string   `xml:"address" json:"address"`
	AddressID         string   `xml:"address_id" json:"address_id"`
	Zipcode           string   `xml:"zipcode" json:"zipcode"`
	Lat               *float64 `xml:"lat,omitempty" json:"lat"`
	Long              *float64 `xml:"long,omitempty" json:"long"`
	MediaURL          string   `xml:"media_url" json:"media_url"`
}

// open311Created is the answer to POST requests: the id at once (the
// items are realtime), the tracking token beside it, and what happens next.
type open311Created struct {
	ServiceRequestID string `xml:"service_request_id" json:"service_request_id"`
	Token            string `xml:"token" json:"token"`
	ServiceNotice    string `xml:"service_notice" json:"service_notice"`
	AccountID        string `xml:"account_id" json:"account_id"`
}

// open311TokenAnswer is the answer of tokens/{token}.
type open311TokenAnswer struct {
	ServiceRequestID string `xml:"service_request_id" json:"service_request_id"`
	Token            string `xml:"token" json:"token"`
}

// toOpen311 converts a request for the spec's answer.
func toOpen311(l *i18n.Localizer, sr *shequ.ServiceRequest) open311Request {
	status := "closed"
	if sr.State.Open() {
		status = "open"
	}
	o := open311Request{
		ServiceRequestID:  sr.ID,
		Status:            status,
		StatusNotes:       statusNotes(l, sr),
		ServiceName:       sr.ItemName,
		ServiceCode:       sr.ItemCode,
		Description:       sr.Description,
		AgencyResponsible: sr.Department,
		RequestedDatetime: open311Time(sr.CreatedAt),
		UpdatedDatetime:   open311Time(sr.UpdatedAt),
		Address:           sr.Address,
		AddressID:         sr.Community,
		Lat:               sr.Lat,
		Long:              sr.Lng,
	}
	if !sr.DueAt.IsZero() {
		o.ExpectedDatetime = open311Time(sr.DueAt)
	}
	return o
}

// statusNotes is the detailed state in the reader's language, with what the
// state is about: the missing materials, the refusal reason, the department
// it went to, the result or the rating.
func statusNotes(l *i18n.Localizer, sr *shequ.ServiceRequest) string {
	state := l.T("open311.state." + string(sr.State))
	var detail string
	switch sr.State {
	case shequ.RequestAwaitingMaterials:
		detail = l.T("open311.detail.missing", map[string]any{"Missing": strings.Join(sr.Missing, l.T("open311.list_sep"))})
	case shequ.RequestRefused:
		detail = sr.Reason
	case shequ.RequestTransferred:
		detail = sr.Department
	case shequ.RequestCompleted:
		detail = sr.Result
	case shequ.RequestRated:
		detail = l.T("open311.detail.rating", map[string]any{"Rating": sr.Rating})
	}
	if detail == "" {
		return state
	}
	return l.T("open311.status_notes", map[string]any{"State": state, "Detail": detail})
}

// open311Create answers POST requests.xml|json: service_code, a location
// (lat/long, address_string or address_id), attribute[CODE] values checked
// against the item's form, and api_key. Open311 is an online channel (网上申请):
// a resident's key files the request for that resident; a worker's key
// files a report with no resident named (an app at a community service
// point, a 12345-style hotline system).
func (s *Server) open311Create(w http.ResponseWriter, r *http.Request, format string) {
	if err := parseForm(w, r, maxOpen311Body); err != nil {
		if err == errBadForm {
			err = shequ.Errorf(shequ.EInvalid, "open311.form", "The request body is not a valid form.")
		}
		s.open311Error(w, r, format, err)
		return
	}
	r, err := s.open311Authenticate(r)
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	a := shequ.ActorFrom(r.Context())
	if a == nil {
		s.open311Error(w, r, format, errOpen311NoKey)
		return
	}
	in, err := open311Input(r.PostForm, a)
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	sr, err := s.cfg.Requests.Submit(r.Context(), in)
	if err != nil {
		s.open311Error(w, r, format, renameField(err, "community_code", "address_id"))
		return
	}
	l := s.localizer(r)
	notice := l.T("open311.service_notice", map[string]any{"Number": sr.Number, "Department": sr.Department,
		"Due": formatDate(l, sr.DueAt)})
	w.Header().Set("Cache-Control", "no-store")
	writeOpen311List(w, http.StatusCreated, format, "service_requests", "request",
		[]open311Created{{ServiceRequestID: sr.ID, Token: sr.Token, ServiceNotice: notice}})
}

// open311Input reads a POSTed form into a request. It checks what only the
// boundary knows (a location is given, numbers parse); the service checks
// the rest, the form's values included.
func open311Input(form url.Values, a *shequ.Actor) (*shequ.RequestInput, error) {
	var fe shequ.FieldErrors
	in := &shequ.RequestInput{
		ItemCode:    strings.TrimSpace(form.Get("service_code")),
		Description: form.Get("description"),
		Address:     form.Get("address_string"),
		Values:      open311Attributes(form),
		Channel:     shequ.ChannelOnline,
	}
	if in.ItemCode == "" {
		fe.Add("service_code", "open311.service_code.required", "Give a service_code.", nil)
	}
	lat, long := strings.TrimSpace(form.Get("lat")), strings.TrimSpace(form.Get("long"))
	if lat != "" || long != "" {
		x, errLat := strconv.ParseFloat(lat, 64)
		y, errLong := strconv.ParseFloat(long, 64)
		if errLat != nil || errLong != nil {
			fe.Add("lat", "request.location.invalid", "Give both latitude (-90 to 90) and longitude (-180 to 180) in WGS-84, or neither.", nil)
		} else {
			in.Lat, in.Lng = &x, &y
		}
	}
	// address_id is the community's 12-digit code; without it the
	// community is the account's own when the account is bound to one (a
	// resident's comes from their record).
	switch id := strings.TrimSpace(form.Get("address_id")); {
	case id != "":
		in.Community = id
	case a.Role == shequ.RoleResident:
	case len(a.Scope) == 12:
		in.Community = a.Scope
	default:
		fe.Add("address_id", "open311.address_id.required", "Your account covers more than one community: give address_id, the community's 12-digit code.", nil)
	}
	if lat == "" && long == "" && strings.TrimSpace(in.Address) == "" && form.Get("address_id") == "" {
		fe.Add("location", "open311.location.required", "Give a location: lat and long, address_string or address_id.", nil)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return in, nil
}

// open311Attributes collects attribute[CODE]=v and attribute[CODE][]=v
// (several values of a multivaluelist) into code → values.
func open311Attributes(form url.Values) map[string][]string {
	out := map[string][]string{}
	for k, vs := range form {
		code, ok := strings.CutPrefix(k, "attribute[")
		if !ok {
			continue
		}
		code = strings.TrimSuffix(code, "[]")
		code, ok = strings.CutSuffix(code, "]")
		if !ok || code == "" || strings.ContainsAny(code, "[]") {
			// Reported as unknown by the form check, under its own name.
			code = k
		}
		out[code] = append(out[code], vs...)
	}
	return out
}

// renameField returns err with the field from named to as the client knows
// it.
func renameField(err error, from, to string) error {
	e := shequ.AsError(err)
	if e.Code != shequ.EInvalid {
		return err
	}
	c := *e
	c.Fields = append([]shequ.FieldError(nil), e.Fields...)
	for i := range c.Fields {
		if c.Fields[i].Field == from {
			c.Fields[i].Field = to
		}
	}
	return &c
}

// open311RequestList answers GET requests.xml|json. service_request_id
// (comma-separated) overrides every other filter, as the spec says;
// otherwise service_code and status (comma-separated) and start_date,
// end_date (ISO 8601 with an offset) filter, within 90 days when no date
// is given, newest first, at most 1000. The caller's scope bounds the list.
func (s *Server) open311RequestList(w http.ResponseWriter, r *http.Request, format string) {
	r, err := s.open311Authenticate(r)
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	filters, err := open311Filters(r.URL.Query(), s.now())
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	var all []*shequ.ServiceRequest
	for _, f := range filters {
		got, _, err := s.cfg.Requests.Find(r.Context(), f)
		if err != nil {
			s.open311Error(w, r, format, err)
			return
		}
		all = append(all, got...)
	}
	if len(filters) > 1 {
		sort.SliceStable(all, func(i, j int) bool { return all[i].CreatedAt.After(all[j].CreatedAt) })
	}
	all = all[:min(len(all), open311MaxRequests)]
	l := s.localizer(r)
	out := make([]open311Request, 0, len(all))
	for _, sr := range all {
		out = append(out, toOpen311(l, sr))
	}
	w.Header().Set("Cache-Control", "no-store")
	writeOpen311List(w, http.StatusOK, format, "service_requests", "request", out)
}

// open311Filters turns the query of GET requests into request filters, one
// per service code asked for (the store filters on one code at a time).
func open311Filters(q url.Values, now time.Time) ([]shequ.RequestFilter, error) {
	base := shequ.RequestFilter{Limit: open311MaxRequests, OrderByCreated: true}
	if ids := uniqueList(q.Get("service_request_id")); len(ids) > 0 {
		if len(ids) > open311MaxRequests {
			ids = ids[:open311MaxRequests]
		}
		base.IDs = ids
		return []shequ.RequestFilter{base}, nil
	}
	var fe shequ.FieldErrors
	for _, st := range splitList(q.Get("status")) {
		switch st {
		case "open", "closed":
			for _, rs := range shequ.RequestStates {
				if rs.Open() == (st == "open") {
					base.States = append(base.States, rs)
				}
			}
		default:
			fe.Add("status", "open311.status.invalid", "The status is open or closed.", nil)
		}
	}
	for _, d := range []struct {
		name string
		to   *time.Time
	}{{"start_date", &base.From}, {"end_date", &base.To}} {
		v := strings.TrimSpace(q.Get(d.name))
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			fe.Add(d.name, "open311.date.invalid", "Give the date and time in ISO 8601 with an offset, e.g. 2026-11-29T09:30:00+08:00.", nil)
			continue
		}
		*d.to = t.UTC()
	}
	if !base.From.IsZero() && !base.To.IsZero() && base.To.Before(base.From) {
		fe.Add("end_date", "open311.date.order", "The end_date is after the start_date.", nil)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	switch {
	case base.From.IsZero() && base.To.IsZero():
		base.From = now.Add(-open311Window).UTC()
	case base.From.IsZero():
		base.From = base.To.Add(-open311Window)
	}
	codes := uniqueList(q.Get("service_code"))
	if len(codes) == 0 {
		return []shequ.RequestFilter{base}, nil
	}
	out := make([]shequ.RequestFilter, 0, len(codes))
	for _, c := range codes {
		f := base
		f.ItemCode = c
		out = append(out, f)
	}
	return out, nil
}

// uniqueList is a comma-separated parameter's values, each once: a code
// or id named twice must not list its requests twice.
func uniqueList(v string) []string {
	out := splitList(v)
	slices.Sort(out)
	return slices.Compact(out)
}

// handleOpen311Request answers requests/{id}.xml|json: one request the
// caller may see, as a list of one.
func (s *Server) handleOpen311Request(w http.ResponseWriter, r *http.Request) {
	id, format, ok := splitFormat(r.PathValue("file"))
	if !ok {
		s.open311Error(w, r, format, errOpen311Format)
		return
	}
	if !s.open311Ready(w, r, format) {
		return
	}
	r, err := s.open311Authenticate(r)
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	sr, err := s.cfg.Requests.Get(r.Context(), id)
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeOpen311List(w, http.StatusOK, format, "service_requests", "request", []open311Request{toOpen311(s.localizer(r), sr)})
}

// handleOpen311Token answers tokens/{token}.xml|json: the
// service_request_id of a tracking token, without sign-in.
func (s *Server) handleOpen311Token(w http.ResponseWriter, r *http.Request) {
	token, format, ok := splitFormat(r.PathValue("file"))
	if !ok {
		s.open311Error(w, r, format, errOpen311Format)
		return
	}
	if !s.open311Ready(w, r, format) {
		return
	}
	if len(token) > maxTokenLen {
		s.open311Error(w, r, format, errOpen311Resource)
		return
	}
	sr, err := s.cfg.Requests.GetByToken(r.Context(), token)
	if err != nil {
		s.open311Error(w, r, format, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeOpen311List(w, http.StatusOK, format, "service_requests", "request",
		[]open311TokenAnswer{{ServiceRequestID: sr.ID, Token: token}})
}
