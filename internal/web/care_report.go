package web

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"shequ"
)

// Mandatory reports (强制报告, issue 16): a public form that needs no
// account, a receipt with the report's number and its tracking code (shown
// once), and the reporter's view of where the report stands. The form
// finds the child's village by name (a reporter picks it from the matches,
// never types a code). The tracking code travels in a form body, not in the
// URL, so that it stays out of logs and referrers.

// careReportPage is the data of templates/care_report.html.
type careReportPage struct {
	Q                              string            // the village name searched
	Matches                        []*shequ.Division // villages and communities found
	Community                      string            // the one picked
	Place                          string            // its name with its path, once picked
	Kind, Concern                  string
	Name, Org, Phone, Child, Where string
	Age, Details                   string
	Errors                         map[string]string
	Error                          string
	Receipt                        *shequ.CareReport // after submitting
	Kinds                          []shequ.ReporterKind
	Concerns                       []shequ.Concern
}

// handleCareReportForm serves GET /care/report: the public form. With q it
// lists the villages whose name contains q to pick from.
func (s *Server) handleCareReportForm(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Care == nil {
		s.error(w, r, errNoService)
		return
	}
	p := &careReportPage{Q: strings.TrimSpace(r.URL.Query().Get("q")), Community: r.URL.Query().Get("community"),
		Kinds: shequ.ReporterKinds, Concerns: shequ.Concerns}
	if err := s.careReportPlaces(r, p); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "care_report", s.localizer(r).T("care.report.title"), p)
}

// careReportPlaces fills the matches of the search and the picked place.
func (s *Server) careReportPlaces(r *http.Request, p *careReportPage) error {
	if p.Q != "" && utf8.RuneCountInString(p.Q) <= 30 {
		found, err := s.cfg.Divisions.SearchDivisions(r.Context(), p.Q, 50)
		if err != nil {
			return err
		}
		for _, d := range found {
			if len(d.Code) == 12 && len(p.Matches) < 20 {
				p.Matches = append(p.Matches, d)
			}
		}
	}
	if len(p.Community) == 12 && shequ.ValidateDivisionCode(p.Community) == nil {
		d, err := s.cfg.Divisions.FindDivisionByCode(r.Context(), p.Community)
		if shequ.ErrorCode(err) == shequ.ENotFound {
			p.Community = ""
			return nil
		}
		if err != nil {
			return err
		}
		p.Place = placeName(d)
	} else {
		p.Community = ""
	}
	return nil
}

// placeName is a division's name after its county and township.
func placeName(d *shequ.Division) string {
	var parts []string
	for _, a := range d.Path {
		if len(a.Code) >= 6 {
			parts = append(parts, a.Name)
		}
	}
	return strings.Join(append(parts, d.Name), " ")
}

// handleCareReport serves POST /care/report: anyone, signed in or not,
// files a report; the receipt shows its number and tracking code once.
func (s *Server) handleCareReport(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Care == nil {
		s.error(w, r, errNoService)
		return
	}
	if !s.readForm(w, r) {
		return
	}
	l := s.localizer(r)
	f := r.PostForm
	p := &careReportPage{Community: f.Get("community"), Kind: f.Get("reporter_kind"), Concern: f.Get("concern"),
		Name: f.Get("reporter_name"), Org: f.Get("reporter_org"), Phone: f.Get("phone"), Child: f.Get("child_name"),
		Where: f.Get("where"), Age: f.Get("child_age"), Details: f.Get("details"),
		Kinds: shequ.ReporterKinds, Concerns: shequ.Concerns}
	if err := s.careReportPlaces(r, p); err != nil {
		s.error(w, r, err)
		return
	}
	rep := &shequ.CareReport{Community: p.Community, ReporterKind: shequ.ReporterKind(p.Kind), Concern: shequ.Concern(p.Concern),
		ReporterName: p.Name, ReporterOrg: p.Org, ChildName: p.Child, Where: p.Where, Details: p.Details}
	var fe shequ.FieldErrors
	if strings.TrimSpace(p.Age) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(p.Age))
		if err != nil {
			fe.Add("child_age", "care.report.child_age.invalid", "The child's age is 0 to 17, or leave it empty.", nil)
		}
		rep.ChildAge = n
	}
	if strings.TrimSpace(p.Phone) != "" {
		ph, err := shequ.ParsePhone(p.Phone)
		if err != nil {
			fe.Add("phone", "phone.invalid", shequ.ErrPhone.Message, nil)
		}
		rep.Phone = ph
	}
	if p.Community == "" {
		fe.Add("community", "care.report.community.invalid", "Pick the village or community where the child lives.", nil)
	}
	err := fe.Err()
	if err == nil {
		err = s.cfg.Care.SubmitReport(r.Context(), rep)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if err != nil {
		s.formFailed(w, r, "care_report", "care.report.title", p, &p.Errors, &p.Error, err)
		return
	}
	p.Receipt = rep
	s.render(w, r, http.StatusCreated, "care_report", l.T("care.report.received"), p)
}

// careTrackPage is the data of templates/care_track.html.
type careTrackPage struct {
	Status *shequ.ReportStatus
	Error  string
}

// handleCareTrackForm serves GET /care/track: the form for the code.
func (s *Server) handleCareTrackForm(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Care == nil {
		s.error(w, r, errNoService)
		return
	}
	s.render(w, r, http.StatusOK, "care_track", s.localizer(r).T("care.track.title"), &careTrackPage{})
}

// handleCareTrack serves POST /care/track: where the report of a code
// stands. Attempts count against the per-address throttle of sign-ins, so
// that codes cannot be guessed at speed.
func (s *Server) handleCareTrack(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Care == nil {
		s.error(w, r, errNoService)
		return
	}
	if !s.readForm(w, r) {
		return
	}
	l := s.localizer(r)
	p := &careTrackPage{}
	w.Header().Set("Cache-Control", "no-store")
	if ok, wait := s.throttle.allow(throttleKey(s.clientAddr(r)), s.now()); !ok {
		err := throttled(wait)
		setRetryAfter(w, err)
		p.Error = l.Error(shequ.AsError(err))
		s.render(w, r, http.StatusTooManyRequests, "care_track", l.T("care.track.title"), p)
		return
	}
	st, err := s.cfg.Care.TrackReport(r.Context(), r.PostForm.Get("token"))
	if err != nil {
		if shequ.ErrorCode(err) != shequ.ENotFound {
			s.error(w, r, err)
			return
		}
		p.Error = l.T("care.track.unknown")
		s.render(w, r, http.StatusNotFound, "care_track", l.T("care.track.title"), p)
		return
	}
	p.Status = st
	s.render(w, r, http.StatusOK, "care_track", l.T("care.track.title"), p)
}
