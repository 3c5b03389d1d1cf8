package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"shequ"
)

// registerPageSize is the number of rows per page of the register lists.
const registerPageSize = 20

// orgQuery is the filter of the organization list, read from a query
// string by the page and the API alike.
type orgQuery struct {
	Community string
	Kind      string
	Status    string
	Q         string
}

// parseOrgQuery reads community, kind, status and q. The community
// defaults to the actor's scope.
func parseOrgQuery(q url.Values, a *shequ.Actor) (orgQuery, error) {
	var fe shequ.FieldErrors
	oq := orgQuery{
		Community: strings.TrimSpace(q.Get("community")),
		Kind:      strings.TrimSpace(q.Get("kind")),
		Status:    strings.TrimSpace(q.Get("status")),
		Q:         strings.TrimSpace(strings.ToValidUTF8(q.Get("q"), "")),
	}
	if oq.Community == "" && a != nil {
		oq.Community = a.Scope
	}
	checkCommunityFilter(&fe, oq.Community)
	if oq.Kind != "" && !oneOfStr(oq.Kind, shequ.OrgKinds) {
		fe.Add("kind", "org.kind.invalid", "Unknown kind of organization.", map[string]any{"Value": oq.Kind})
	}
	if oq.Status != "" && !oneOfStr(oq.Status, shequ.OrgStatuses) {
		fe.Add("status", "org.status.invalid", "The status is active, dormant or dissolved.", nil)
	}
	checkQueryText(&fe, oq.Q)
	return oq, fe.Err()
}

// checkCommunityFilter checks the form of a division code filter.
func checkCommunityFilter(fe *shequ.FieldErrors, code string) {
	if code != "" && shequ.ValidateDivisionCode(code) != nil {
		fe.Add("community", "division.code.malformed", "A division code has 2, 4, 6, 9 or 12 digits.", nil)
	}
}

// checkQueryText bounds a free-text filter.
func checkQueryText(fe *shequ.FieldErrors, q string) {
	if utf8.RuneCountInString(q) > maxQueryRunes {
		fe.Add("q", "search.too_long", "The search text is too long.", map[string]any{"Max": maxQueryRunes})
	}
}

// oneOfStr reports whether s is one of the enum values.
func oneOfStr[T ~string](s string, set []T) bool {
	for _, v := range set {
		if string(v) == s {
			return true
		}
	}
	return false
}

func (oq orgQuery) filter(offset, limit int) shequ.OrgFilter {
	return shequ.OrgFilter{Community: oq.Community, Kind: shequ.OrgKind(oq.Kind), Status: shequ.OrgStatus(oq.Status),
		Query: oq.Q, Offset: offset, Limit: limit}
}

// values returns the query as URL values, for paging links.
func (oq orgQuery) values() url.Values {
	return nonEmptyValues(map[string]string{"community": oq.Community, "kind": oq.Kind, "status": oq.Status, "q": oq.Q})
}

func nonEmptyValues(m map[string]string) url.Values {
	v := url.Values{}
	for k, s := range m {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// orgsPage is the data of templates/orgs.html.
type orgsPage struct {
	Query    orgQuery
	Errors   map[string]string
	Orgs     []*shequ.SocialOrg
	Total    int
	Pager    pager
	CanWrite bool
	Kinds    []shequ.OrgKind
	Statuses []shequ.OrgStatus
}

// handleOrgList serves GET /orgs.
func (s *Server) handleOrgList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionOrgRead, s.cfg.Orgs != nil)
	if !ok {
		return
	}
	l := s.localizer(r)
	p := &orgsPage{CanWrite: a.Can(shequ.ActionOrgWrite), Kinds: shequ.OrgKinds, Statuses: shequ.OrgStatuses}
	q := r.URL.Query()
	page, err := parsePage(q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p.Query, err = parseOrgQuery(q, a)
	if err != nil {
		if shequ.ErrorCode(err) != shequ.EInvalid {
			s.error(w, r, err)
			return
		}
		p.Errors = fieldMessages(l, err)
		s.render(w, r, http.StatusBadRequest, "orgs", l.T("org.list.title"), p)
		return
	}
	p.Orgs, p.Total, err = s.cfg.Orgs.FindOrgs(r.Context(), p.Query.filter((page-1)*registerPageSize, registerPageSize))
	if err != nil {
		s.error(w, r, err)
		return
	}
	p.Pager = queryPager(r.URL.Path, p.Query.values(), page, p.Total, registerPageSize)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "orgs", l.T("org.list.title"), p)
}

// orgPage is the data of templates/org.html.
type orgPage struct {
	O           *shequ.SocialOrg
	LeaderPhone string // masked
	CanWrite    bool
	Notice      string
}

// handleOrgShow serves GET /orgs/{id}.
func (s *Server) handleOrgShow(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionOrgRead, s.cfg.Orgs != nil)
	if !ok {
		return
	}
	o, err := s.findOrg(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	l := s.localizer(r)
	p := &orgPage{O: o, CanWrite: a.Can(shequ.ActionOrgWrite)}
	if o.LeaderPhone != "" {
		p.LeaderPhone = o.LeaderPhone.Masked()
	}
	switch r.URL.Query().Get("notice") {
	case "created":
		p.Notice = l.T("org.created")
	case "saved":
		p.Notice = l.T("org.saved")
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "org", o.Name, p)
}

// orgForm is the data of templates/org_form.html, for a new organization
// and an edit. Every value is kept as typed so the form comes back as it
// was sent, with the errors beside their fields.
type orgForm struct {
	Edit                                          bool
	ID                                            string
	Name, Kind, Community, Serves                 string
	LegalStatus, CreditCode, FiledWith, Incubator string
	FoundedOn, Leader, LeaderPhone, Members       string
	Grade, GradedOn, Status, StatusSince          string
	CurrentPhone                                  string // masked, when editing
	Errors                                        map[string]string
	Error                                         string
	Kinds                                         []shequ.OrgKind
	LegalStatuses                                 []shequ.LegalStatus
	Statuses                                      []shequ.OrgStatus
	Grades                                        []int
}

func newOrgForm() *orgForm {
	return &orgForm{Kinds: shequ.OrgKinds, LegalStatuses: shequ.LegalStatuses, Statuses: shequ.OrgStatuses,
		Grades: []int{0, 1, 2, 3, 4, 5}, Status: string(shequ.OrgActive), LegalStatus: string(shequ.LegalRegistered)}
}

// fill shows a stored organization in the form.
func (f *orgForm) fill(o *shequ.SocialOrg) {
	f.ID, f.Name, f.Kind, f.Community = o.ID, o.Name, string(o.Kind), o.Community
	f.Serves = strings.Join(o.Serves, ", ")
	f.LegalStatus, f.CreditCode, f.FiledWith, f.Incubator = string(o.LegalStatus), string(o.CreditCode), o.FiledWith, o.Incubator
	f.FoundedOn, f.GradedOn, f.StatusSince = deref(dateOnly(o.FoundedOn)), deref(dateOnly(o.GradedOn)), deref(dateOnly(o.StatusSince))
	f.Leader, f.Members, f.Grade, f.Status = o.Leader, strconv.Itoa(o.Members), strconv.Itoa(o.Grade), string(o.Status)
	if o.LeaderPhone != "" {
		f.CurrentPhone = o.LeaderPhone.Masked()
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// read takes the posted form.
func (f *orgForm) read(pf url.Values) {
	g := func(k string) string { return strings.TrimSpace(pf.Get(k)) }
	f.Name, f.Kind, f.Community, f.Serves = g("name"), g("kind"), g("community_code"), g("serves")
	f.LegalStatus, f.CreditCode, f.FiledWith, f.Incubator = g("legal_status"), g("credit_code"), g("filed_with"), g("incubator")
	f.FoundedOn, f.Leader, f.LeaderPhone, f.Members = g("founded_on"), g("leader"), g("leader_phone"), g("members")
	f.Grade, f.GradedOn, f.Status, f.StatusSince = g("grade"), g("graded_on"), g("status"), g("status_since")
}

// request turns the form into the API's request, so both share one path.
// The credit code only counts for a registered organization, the filing
// township and incubator only for theirs: the form shows all three inputs.
// When editing, an empty phone keeps the stored one.
func (f *orgForm) request(fe *shequ.FieldErrors) *orgRequest {
	serves := splitList(f.Serves)
	req := &orgRequest{Name: &f.Name, Kind: &f.Kind, CommunityCode: &f.Community, Serves: &serves,
		LegalStatus: &f.LegalStatus, FoundedOn: &f.FoundedOn, Leader: &f.Leader, GradedOn: &f.GradedOn,
		Status: &f.Status, StatusSince: &f.StatusSince}
	empty := ""
	req.CreditCode, req.FiledWith, req.Incubator = &empty, &empty, &empty
	switch shequ.LegalStatus(f.LegalStatus) {
	case shequ.LegalRegistered:
		req.CreditCode = &f.CreditCode
	case shequ.LegalFiled:
		req.FiledWith = &f.FiledWith
	case shequ.LegalIncubating:
		req.Incubator = &f.Incubator
	}
	if !f.Edit || f.LeaderPhone != "" {
		req.LeaderPhone = &f.LeaderPhone
	}
	req.Members = formInt(fe, "members", f.Members, "org.members.invalid", "The number of members is from 0 to 1000000.")
	req.Grade = formInt(fe, "grade", f.Grade, "org.grade.invalid", "A capacity grade is 1A to 5A and comes with its date.")
	return req
}

// formInt parses an optional whole number of a form ("" is 0).
func formInt(fe *shequ.FieldErrors, field, s, key, msg string) *int {
	n := 0
	if s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			fe.Add(field, key, msg, nil)
		}
	}
	return &n
}

// handleOrgNew serves GET /orgs/new.
func (s *Server) handleOrgNew(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionOrgWrite, s.cfg.Orgs != nil)
	if !ok {
		return
	}
	f := newOrgForm()
	if len(a.Scope) == 12 {
		f.Community = a.Scope
	}
	s.render(w, r, http.StatusOK, "org_form", s.localizer(r).T("org.new.title"), f)
}

// handleOrgCreate serves POST /orgs.
func (s *Server) handleOrgCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionOrgWrite, s.cfg.Orgs != nil)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := newOrgForm()
	f.read(r.PostForm)
	o := &shequ.SocialOrg{}
	var fe shequ.FieldErrors
	f.request(&fe).apply(o, &fe)
	err := validateOrg(a, o, fe)
	if err == nil {
		err = s.cfg.Orgs.CreateOrg(r.Context(), o)
	}
	if err != nil {
		s.formFailed(w, r, "org_form", "org.new.title", f, &f.Errors, &f.Error, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+url.PathEscape(o.ID)+"?notice=created", http.StatusSeeOther)
}

// handleOrgEdit serves GET /orgs/{id}/edit.
func (s *Server) handleOrgEdit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionOrgWrite, s.cfg.Orgs != nil); !ok {
		return
	}
	o, err := s.findOrg(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := newOrgForm()
	f.Edit = true
	f.fill(o)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "org_form", s.localizer(r).T("org.edit.title"), f)
}

// handleOrgUpdate serves POST /orgs/{id}/edit.
func (s *Server) handleOrgUpdate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionOrgWrite, s.cfg.Orgs != nil)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	o, err := s.findOrg(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := newOrgForm()
	f.Edit = true
	f.read(r.PostForm)
	f.ID = o.ID
	if o.LeaderPhone != "" {
		f.CurrentPhone = o.LeaderPhone.Masked()
	}
	var fe shequ.FieldErrors
	f.request(&fe).apply(o, &fe)
	err = validateOrg(a, o, fe)
	if err == nil {
		err = s.cfg.Orgs.UpdateOrg(r.Context(), o)
	}
	if err != nil {
		s.formFailed(w, r, "org_form", "org.edit.title", f, &f.Errors, &f.Error, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+url.PathEscape(o.ID)+"?notice=saved", http.StatusSeeOther)
}

// formFailed shows a register form again with the errors beside their
// fields: invalid input (400), or a community outside the actor's scope
// (404, named on its field); any other error gets the error page.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, page, titleKey string, data any, errs *map[string]string, alert *string, err error) {
	l := s.localizer(r)
	e := shequ.AsError(err)
	switch {
	case e.Code == shequ.EInvalid || (e.Code == shequ.ENotFound && len(e.Fields) > 0):
		*errs = fieldMessages(l, err)
		*alert = l.T("form.has_errors")
		if len(*errs) == 0 {
			*alert = l.Error(e)
		}
	case e.Code == shequ.EConflict:
		*alert = l.Error(e)
	default:
		s.error(w, r, err)
		return
	}
	s.render(w, r, statusByCode[e.Code], page, l.T(titleKey), data)
}
