package web

import (
	"net/http"
	"net/url"
	"strconv"

	"shequ"
)

// Alerts (预警, issue 16): the duty holders' list and the page of one alert
// with the report that raised it, its timed steps, the acknowledgement
// and the handling form. The store decides who sees what (duty holders;
// the county once escalated); the pages show what it returns.

// carePageSize is the rows of a care list page.
const carePageSize = 30

// careAlertsPage is the data of templates/care_alerts.html.
type careAlertsPage struct {
	Alerts   []*shequ.CareAlert
	Total    int
	Status   string
	Statuses []shequ.AlertStatus
	Pager    pager
}

// handleCareAlerts serves GET /care/alerts: open ones and the oldest first.
func (s *Server) handleCareAlerts(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareRead, s.cfg.Care != nil); !ok {
		return
	}
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	status := shequ.AlertStatus(q.Get("status"))
	if status != "" && !oneOfAlert(status) {
		status = ""
	}
	list, total, err := s.cfg.Care.FindAlerts(r.Context(), shequ.AlertFilter{Status: status,
		Offset: (page - 1) * carePageSize, Limit: carePageSize})
	if err != nil {
		s.error(w, r, err)
		return
	}
	keep := url.Values{}
	if status != "" {
		keep.Set("status", string(status))
	}
	p := &careAlertsPage{Alerts: list, Total: total, Status: string(status), Statuses: shequ.AlertStatuses,
		Pager: queryPager(r.URL.Path, keep, page, total, carePageSize)}
	s.render(w, r, http.StatusOK, "care_alerts", s.localizer(r).T("care.alerts.title"), p)
}

// oneOfAlert reports whether st is a known alert status.
func oneOfAlert(st shequ.AlertStatus) bool {
	for _, x := range shequ.AlertStatuses {
		if x == st {
			return true
		}
	}
	return false
}

// careAlertPage is the data of templates/care_alert.html.
type careAlertPage struct {
	F          *shequ.AlertFile
	Overdue    bool
	CanHandle  bool
	CanCase    bool
	Steps      []shequ.StepKind
	Notice     string
	Error      string
	Errors     map[string]string
	Kind, Note string
	Place      string // the community's name with its county and township
}

// handleCareAlert serves GET /care/alerts/{id}.
func (s *Server) handleCareAlert(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareRead, s.cfg.Care != nil); !ok {
		return
	}
	p, err := s.careAlertPage(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if n := r.URL.Query().Get("notice"); n == "acknowledged" || n == "step" || n == "closed" {
		p.Notice = s.localizer(r).T("care.alert.notice." + n)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "care_alert", s.localizer(r).T("care.alert.title", map[string]any{"Number": p.F.Alert.Number}), p)
}

// careAlertPage reads the alert of the request's path.
func (s *Server) careAlertPage(r *http.Request) (*careAlertPage, error) {
	f, err := s.cfg.Care.FindAlertByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	a := shequ.ActorFrom(r.Context())
	place := f.Alert.Community
	if d, err := s.cfg.Divisions.FindDivisionByCode(r.Context(), f.Alert.Community); err == nil {
		place = placeName(d)
	}
	return &careAlertPage{F: f, Place: place, Overdue: f.Alert.AckOverdue(s.now()), CanHandle: a.Can(shequ.ActionCareAlert),
		CanCase: a.Can(shequ.ActionCaseWrite) && f.Alert.CaseID == "", Steps: shequ.HandlingSteps}, nil
}

// handleCareAlertAck serves POST /care/alerts/{id}/acknowledge.
func (s *Server) handleCareAlertAck(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareAlert, s.cfg.Care != nil); !ok {
		return
	}
	id := r.PathValue("id")
	if _, err := s.cfg.Care.AcknowledgeAlert(r.Context(), id); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/care/alerts/"+url.PathEscape(id)+"?notice=acknowledged", http.StatusSeeOther)
}

// handleCareAlertStep serves POST /care/alerts/{id}/steps: a handling step,
// or closing the alert (kind close, with the outcome).
func (s *Server) handleCareAlertStep(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareAlert, s.cfg.Care != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	id := r.PathValue("id")
	in := shequ.AlertStepInput{Kind: shequ.StepKind(r.PostForm.Get("kind")), Note: r.PostForm.Get("note")}
	if _, err := s.cfg.Care.RecordAlertStep(r.Context(), id, in); err != nil {
		p, perr := s.careAlertPage(r)
		if perr != nil {
			s.error(w, r, perr)
			return
		}
		p.Kind, p.Note = string(in.Kind), in.Note
		s.formFailed(w, r, "care_alert", "care.alerts.title", p, &p.Errors, &p.Error, err)
		return
	}
	notice := "step"
	if in.Kind == shequ.StepClose {
		notice = "closed"
	}
	http.Redirect(w, r, "/care/alerts/"+url.PathEscape(id)+"?notice="+notice, http.StatusSeeOther)
}
