package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"shequ"
)

// The module's overview (/property): what is coming up or late in the
// reader's area (contracts and committee terms ending within the alert
// window, resolutions and rectifications overdue, complaint steps past
// their limits) and the way to each part; for a resident, their estate.
// Beside it the community's environment and property management committee
// (/property/epmc) and the county's rules (/property/settings).

// propertyOverview is the data of templates/property.html.
type propertyOverview struct {
	Alerts    []*shequ.PropertyAlert
	Estate    *shequ.Estate // a resident's own, when recorded
	Resident  bool
	Worker    bool
	Official  bool
	Staff     bool
	Company   *shequ.PropertyCompany
	Community string // the worker's community, for its committee
}

// handlePropertyOverview serves GET /property.
func (s *Server) handlePropertyOverview(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty())
	if !ok {
		return
	}
	ctx := r.Context()
	p := &propertyOverview{Resident: a.Role == shequ.RoleResident, Worker: a.Can(shequ.ActionInspectionRecord),
		Official: a.Can(shequ.ActionPropertySupervise), Staff: a.Role == shequ.RolePropertyStaff}
	var err error
	if p.Alerts, err = s.cfg.Property.Alerts(ctx, ""); err != nil {
		s.error(w, r, err)
		return
	}
	if p.Resident {
		if e, _, err := s.cfg.Property.MyEstate(ctx); err == nil {
			p.Estate = e
		}
	}
	if p.Staff {
		if c, err := s.cfg.Property.MyCompany(ctx); err == nil {
			p.Company = c
		}
	}
	if p.Worker && len(a.Scope) == 12 {
		p.Community = a.Scope
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "property", s.localizer(r).T("property.title"), p)
}

// epmcSlots is how many member rows the committee's form offers.
const epmcSlots = 12

// epmcPage is the data of templates/epmc.html.
type epmcPage struct {
	Community string
	Members   []*shequ.EPMCMember
	CanWrite  bool
	Slots     []int
	Form      map[string]string
	Notice    string
	Error     string
	Errors    map[string]string
}

// epmcCommunity is the community of the committee page: ?community= or
// the actor's own.
func epmcCommunity(a *shequ.Actor, values url.Values) string {
	if c := strings.TrimSpace(values.Get("community")); c != "" {
		return c
	}
	return a.Scope
}

// handleEPMC serves GET /property/epmc?community=.
func (s *Server) handleEPMC(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty())
	if !ok {
		return
	}
	p := &epmcPage{Community: epmcCommunity(a, r.URL.Query())}
	if r.URL.Query().Get("notice") == "saved" {
		p.Notice = s.localizer(r).T("epmc.saved")
	}
	s.renderEPMC(w, r, a, p, http.StatusOK)
}

func (s *Server) renderEPMC(w http.ResponseWriter, r *http.Request, a *shequ.Actor, p *epmcPage, status int) {
	if len(p.Community) != 12 || shequ.ValidateDivisionCode(p.Community) != nil {
		s.error(w, r, fieldErr("community", "resident.community.invalid", "Give the 12-digit code of a community."))
		return
	}
	var err error
	if p.Members, err = s.cfg.Property.FindEPMC(r.Context(), p.Community); err != nil {
		s.error(w, r, err)
		return
	}
	p.CanWrite = a.Can(shequ.ActionPropertyWrite) && shequ.IsAncestorOrSelf(a.Scope, p.Community)
	for i := 1; i <= epmcSlots; i++ {
		p.Slots = append(p.Slots, i)
	}
	if p.Form == nil {
		p.Form = map[string]string{}
		for i, m := range p.Members {
			n := strconv.Itoa(i + 1)
			p.Form["name_"+n], p.Form["unit_"+n], p.Form["post_"+n] = m.Name, m.Unit, m.Post
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "epmc", s.localizer(r).T("epmc.title"), p)
}

// handleEPMCSave serves POST /property/epmc: community and the member rows
// (name_N, unit_N, post_N; blank rows are skipped).
func (s *Server) handleEPMCSave(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionPropertyWrite, s.wiredProperty())
	if !ok {
		return
	}
	community := epmcCommunity(a, r.PostForm)
	var members []*shequ.EPMCMember
	for i := 1; i <= epmcSlots; i++ {
		n := strconv.Itoa(i)
		m := &shequ.EPMCMember{Name: r.PostForm.Get("name_" + n), Unit: r.PostForm.Get("unit_" + n), Post: r.PostForm.Get("post_" + n)}
		if strings.TrimSpace(m.Name+m.Unit+m.Post) != "" {
			members = append(members, m)
		}
	}
	if err := s.cfg.Property.SetEPMC(r.Context(), community, members); err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid {
			s.error(w, r, err)
			return
		}
		l := s.localizer(r)
		p := &epmcPage{Community: community, Form: formOf(r.PostForm), Errors: fieldMessages(l, err), Error: l.T("form.has_errors")}
		s.renderEPMC(w, r, a, p, http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/property/epmc?community="+url.QueryEscape(community)+"&notice=saved", http.StatusSeeOther)
}

// settingsPage is the data of templates/property_settings.html.
type settingsPage struct {
	S        *shequ.PropertySettings
	Kinds    []shequ.CreditKind // the automatic kinds, whose points are set here
	Periods  []shequ.RatingPeriod
	Slots    []int
	CanWrite bool
	Notice   string
	Error    string
	Errors   map[string]string
}

// settingsCounty is the county of the settings page: ?county= or the
// actor's.
func settingsCounty(a *shequ.Actor, values url.Values) string {
	if c := strings.TrimSpace(values.Get("county")); c != "" {
		return c
	}
	return shequ.CountyOf(a.Scope)
}

// handlePropertySettings serves GET /property/settings?county=: the rules
// of a county (anyone who reads the module sees them; its officials edit
// them).
func (s *Server) handlePropertySettings(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty())
	if !ok {
		return
	}
	county := settingsCounty(a, r.URL.Query())
	if len(county) != 6 || shequ.ValidateDivisionCode(county) != nil {
		s.error(w, r, fieldErr("county", "property.settings.county", "Settings belong to a county (6-digit code)."))
		return
	}
	st, err := s.cfg.Property.Settings(r.Context(), county)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := s.newSettingsPage(a, st)
	if r.URL.Query().Get("notice") == "saved" {
		p.Notice = s.localizer(r).T("property.settings.saved")
	}
	s.render(w, r, http.StatusOK, "property_settings", s.localizer(r).T("property.settings.title"), p)
}

func (s *Server) newSettingsPage(a *shequ.Actor, st *shequ.PropertySettings) *settingsPage {
	p := &settingsPage{S: st, Periods: shequ.RatingPeriods,
		CanWrite: a.Can(shequ.ActionPropertySupervise) && shequ.IsAncestorOrSelf(a.Scope, st.County)}
	for _, k := range shequ.CreditKinds {
		if !k.Manual() {
			p.Kinds = append(p.Kinds, k)
		}
	}
	for i := 0; i < 20; i++ {
		p.Slots = append(p.Slots, i)
	}
	return p
}

// settingsFromForm reads the settings form onto the county's current
// ones: checklist rows (key_N, name_N, max_N, pass_N), points_<kind>,
// the limits and the rating period. A number that cannot be read is -1,
// which every bound refuses.
func settingsFromForm(st *shequ.PropertySettings, values url.Values) {
	num := func(k string) int {
		n, err := strconv.Atoi(strings.TrimSpace(values.Get(k)))
		if err != nil {
			return -1
		}
		return n
	}
	st.Checklist = nil
	for i := 0; i < 20; i++ {
		n := strconv.Itoa(i)
		key := strings.TrimSpace(values.Get("key_" + n))
		if key == "" && strings.TrimSpace(values.Get("name_"+n)) == "" {
			continue
		}
		st.Checklist = append(st.Checklist, shequ.ChecklistItem{Key: key, Name: strings.TrimSpace(values.Get("name_" + n)),
			Max: num("max_" + n), Pass: num("pass_" + n)})
	}
	for _, k := range shequ.CreditKinds {
		if !k.Manual() {
			st.Points[k] = num("points_" + string(k))
		}
	}
	st.RatingPeriod = shequ.RatingPeriod(values.Get("rating_period"))
	st.RecordValidDays, st.RectifyDays, st.AlertDays = num("record_valid_days"), num("rectify_days"), num("alert_days")
	st.EarlyDays, st.HighRating = num("early_days"), num("high_rating")
	st.Complaint = shequ.ComplaintLimits{Forward: num("complaint_forward"), Answer: num("complaint_answer"),
		Confirm: num("complaint_confirm"), Street: num("complaint_street"), Housing: num("complaint_housing")}
}

// handlePropertySettingsSave serves POST /property/settings.
func (s *Server) handlePropertySettingsSave(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionPropertySupervise, s.wiredProperty())
	if !ok {
		return
	}
	county := settingsCounty(a, r.PostForm)
	st, err := s.cfg.Property.Settings(r.Context(), county)
	if err == nil {
		settingsFromForm(st, r.PostForm)
		err = s.cfg.Property.SaveSettings(r.Context(), st)
	}
	if err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid {
			s.error(w, r, err)
			return
		}
		l := s.localizer(r)
		p := s.newSettingsPage(a, st)
		p.Errors, p.Error = fieldMessages(l, err), l.T("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "property_settings", l.T("property.settings.title"), p)
		return
	}
	http.Redirect(w, r, "/property/settings?county="+url.QueryEscape(st.County)+"&notice=saved", http.StatusSeeOther)
}
