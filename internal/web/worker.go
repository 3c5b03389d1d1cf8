package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"shequ"
)

// workerQuery is the filter of the social worker list.
type workerQuery struct {
	Community     string
	Qualification string
	Q             string
}

// parseWorkerQuery reads community, qualification and q; the community
// defaults to the actor's scope.
func parseWorkerQuery(q url.Values, a *shequ.Actor) (workerQuery, error) {
	var fe shequ.FieldErrors
	wq := workerQuery{
		Community:     strings.TrimSpace(q.Get("community")),
		Qualification: strings.TrimSpace(q.Get("qualification")),
		Q:             strings.TrimSpace(strings.ToValidUTF8(q.Get("q"), "")),
	}
	if wq.Community == "" && a != nil {
		wq.Community = a.Scope
	}
	checkCommunityFilter(&fe, wq.Community)
	if wq.Qualification != "" && !oneOfStr(wq.Qualification, shequ.Qualifications) {
		fe.Add("qualification", "worker.qualification.invalid", "Unknown qualification.", nil)
	}
	checkQueryText(&fe, wq.Q)
	return wq, fe.Err()
}

func (wq workerQuery) filter(offset, limit int) shequ.WorkerFilter {
	return shequ.WorkerFilter{Community: wq.Community, Qualification: shequ.Qualification(wq.Qualification),
		Query: wq.Q, Offset: offset, Limit: limit}
}

func (wq workerQuery) values() url.Values {
	return nonEmptyValues(map[string]string{"community": wq.Community, "qualification": wq.Qualification, "q": wq.Q})
}

// workersPage is the data of templates/workers.html.
type workersPage struct {
	Query          workerQuery
	Errors         map[string]string
	Workers        []*shequ.SocialWorker
	Total          int
	Pager          pager
	CanWrite       bool
	Qualifications []shequ.Qualification
}

// handleWorkerList serves GET /social-workers.
func (s *Server) handleWorkerList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionWorkerRead, s.cfg.Workers != nil)
	if !ok {
		return
	}
	l := s.localizer(r)
	p := &workersPage{CanWrite: a.Can(shequ.ActionWorkerWrite), Qualifications: shequ.Qualifications}
	q := r.URL.Query()
	page, err := parsePage(q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p.Query, err = parseWorkerQuery(q, a)
	if err != nil {
		if shequ.ErrorCode(err) != shequ.EInvalid {
			s.error(w, r, err)
			return
		}
		p.Errors = fieldMessages(l, err)
		s.render(w, r, http.StatusBadRequest, "workers", l.T("worker.list.title"), p)
		return
	}
	p.Workers, p.Total, err = s.cfg.Workers.FindWorkers(r.Context(), p.Query.filter((page-1)*registerPageSize, registerPageSize))
	if err != nil {
		s.error(w, r, err)
		return
	}
	p.Pager = queryPager(r.URL.Path, p.Query.values(), page, p.Total, registerPageSize)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "workers", l.T("worker.list.title"), p)
}

// workerPage is the data of templates/worker.html.
type workerPage struct {
	W         *shequ.SocialWorker
	IDNumber  string // masked unless revealed
	Phone     string
	Revealed  bool
	CanWrite  bool
	CanReveal bool
	Notice    string
	// EmployerOrg names the employing organization ("" when it cannot be
	// read).
	EmployerOrg string
}

// handleWorkerShow serves GET /social-workers/{id}, numbers masked.
func (s *Server) handleWorkerShow(w http.ResponseWriter, r *http.Request) {
	s.workerShow(w, r, false)
}

// handleWorkerReveal serves POST /social-workers/{id}/reveal: the same
// page with the numbers in clear (a POST, like the residents', so that no
// prefetch or shared link reveals them).
func (s *Server) handleWorkerReveal(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionWorkerRead)
	if !ok {
		return
	}
	if !canRevealWorker(a) {
		s.error(w, r, shequ.ErrForbidden)
		return
	}
	s.workerShow(w, r, true)
}

func (s *Server) workerShow(w http.ResponseWriter, r *http.Request, reveal bool) {
	a, ok := s.guardService(w, r, shequ.ActionWorkerRead, s.cfg.Workers != nil)
	if !ok {
		return
	}
	sw, err := s.findWorker(r, reveal)
	if err != nil {
		s.error(w, r, err)
		return
	}
	l := s.localizer(r)
	j := newWorkerJSON(sw, reveal)
	p := &workerPage{W: sw, IDNumber: j.IDNumber, Phone: j.Phone, Revealed: reveal, CanWrite: a.Can(shequ.ActionWorkerWrite),
		CanReveal: canRevealWorker(a) && !reveal}
	if sw.EmployerOrgID != "" && s.cfg.Orgs != nil {
		if o, err := s.cfg.Orgs.FindOrgByID(r.Context(), sw.EmployerOrgID); err == nil {
			p.EmployerOrg = o.Name
		}
	}
	switch r.URL.Query().Get("notice") {
	case "created":
		p.Notice = l.T("worker.created")
	case "saved":
		p.Notice = l.T("worker.saved")
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "worker", sw.Name, p)
}

// workerForm is the data of templates/worker_form.html.
type workerForm struct {
	Edit                                bool
	ID                                  string
	Name, IDNumber, Phone               string
	Qualification, CertNumber, CertYear string
	Education, EmployerKind             string
	EmployerOrgID, EmployerName         string
	Community, Serves                   string
	Functions, Areas                    []string
	CurrentID, CurrentPhone             string // masked, when editing
	Errors                              map[string]string
	Error                               string
	Qualifications                      []shequ.Qualification
	Educations                          []shequ.Education
	EmployerKinds                       []shequ.EmployerKind
	AllFunctions                        []shequ.ServiceFunction
	AllAreas                            []shequ.ServiceArea
}

// HasFunction and HasArea tick the checkboxes.
func (f *workerForm) HasFunction(v shequ.ServiceFunction) bool {
	return slices.Contains(f.Functions, string(v))
}

// HasArea reports whether the area is ticked.
func (f *workerForm) HasArea(v shequ.ServiceArea) bool { return slices.Contains(f.Areas, string(v)) }

func newWorkerForm() *workerForm {
	return &workerForm{Qualifications: shequ.Qualifications, Educations: shequ.Educations,
		EmployerKinds: []shequ.EmployerKind{shequ.EmployerOrg, shequ.EmployerCommunity, shequ.EmployerOther},
		AllFunctions:  shequ.ServiceFunctions, AllAreas: shequ.ServiceAreas,
		Qualification: string(shequ.QualNone), EmployerKind: string(shequ.EmployerCommunity)}
}

func (f *workerForm) fill(sw *shequ.SocialWorker) {
	f.ID, f.Name, f.Qualification, f.CertNumber = sw.ID, sw.Name, string(sw.Qualification), sw.CertNumber
	if sw.CertYear > 0 {
		f.CertYear = strconv.Itoa(sw.CertYear)
	}
	f.Education, f.EmployerKind, f.EmployerOrgID, f.EmployerName = string(sw.Education), string(sw.EmployerKind), sw.EmployerOrgID, sw.EmployerName
	f.Community, f.Serves = sw.Community, strings.Join(sw.Serves, ", ")
	for _, v := range sw.Functions {
		f.Functions = append(f.Functions, string(v))
	}
	for _, v := range sw.Areas {
		f.Areas = append(f.Areas, string(v))
	}
	f.CurrentID = sw.IDNumber.Masked()
	if sw.Phone != "" {
		f.CurrentPhone = sw.Phone.Masked()
	}
}

func (f *workerForm) read(pf url.Values) {
	g := func(k string) string { return strings.TrimSpace(pf.Get(k)) }
	f.Name, f.IDNumber, f.Phone = g("name"), g("id_number"), g("phone")
	f.Qualification, f.CertNumber, f.CertYear = g("qualification"), g("cert_number"), g("cert_year")
	f.Education, f.EmployerKind, f.EmployerOrgID, f.EmployerName = g("education"), g("employer_kind"), g("employer_org_id"), g("employer_name")
	f.Community, f.Serves = g("community_code"), g("serves")
	f.Functions, f.Areas = cleanCodes(pf["functions"]), cleanCodes(pf["areas"])
}

// request turns the form into the API's request. When editing, empty
// number inputs keep the stored numbers.
func (f *workerForm) request(fe *shequ.FieldErrors) *workerRequest {
	serves := splitList(f.Serves)
	req := &workerRequest{Name: &f.Name, Qualification: &f.Qualification, CertNumber: &f.CertNumber,
		Education: &f.Education, EmployerKind: &f.EmployerKind, EmployerOrgID: &f.EmployerOrgID,
		EmployerName: &f.EmployerName, CommunityCode: &f.Community, Serves: &serves, Functions: &f.Functions, Areas: &f.Areas}
	if !f.Edit || f.IDNumber != "" {
		req.IDNumber = &f.IDNumber
	}
	if !f.Edit || f.Phone != "" {
		req.Phone = &f.Phone
	}
	req.CertYear = formInt(fe, "cert_number", f.CertYear, "worker.cert.invalid",
		"A certified worker has a certificate number and a year from 2008 (the first national examination) to this year.")
	return req
}

// handleWorkerNew serves GET /social-workers/new.
func (s *Server) handleWorkerNew(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionWorkerWrite, s.cfg.Workers != nil)
	if !ok {
		return
	}
	f := newWorkerForm()
	if len(a.Scope) == 12 {
		f.Community = a.Scope
	}
	s.render(w, r, http.StatusOK, "worker_form", s.localizer(r).T("worker.new.title"), f)
}

// handleWorkerCreate serves POST /social-workers.
func (s *Server) handleWorkerCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionWorkerWrite, s.cfg.Workers != nil)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := newWorkerForm()
	f.read(r.PostForm)
	var fe shequ.FieldErrors
	req := f.request(&fe)
	now := s.now()
	sw := &shequ.SocialWorker{}
	req.apply(sw, now)
	err := validateWorker(a, sw, req, fe, false, now)
	if err == nil {
		err = s.cfg.Workers.CreateWorker(r.Context(), sw)
	}
	if err != nil {
		s.formFailed(w, r, "worker_form", "worker.new.title", f, &f.Errors, &f.Error, err)
		return
	}
	http.Redirect(w, r, "/social-workers/"+url.PathEscape(sw.ID)+"?notice=created", http.StatusSeeOther)
}

// handleWorkerEdit serves GET /social-workers/{id}/edit.
func (s *Server) handleWorkerEdit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionWorkerWrite, s.cfg.Workers != nil); !ok {
		return
	}
	sw, err := s.findWorker(r, false)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := newWorkerForm()
	f.Edit = true
	f.fill(sw)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "worker_form", s.localizer(r).T("worker.edit.title"), f)
}

// handleWorkerUpdate serves POST /social-workers/{id}/edit.
func (s *Server) handleWorkerUpdate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionWorkerWrite, s.cfg.Workers != nil)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	sw, err := s.findWorker(r, false)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := newWorkerForm()
	f.Edit = true
	f.read(r.PostForm)
	f.ID, f.CurrentID = sw.ID, sw.IDNumber.Masked()
	if sw.Phone != "" {
		f.CurrentPhone = sw.Phone.Masked()
	}
	var fe shequ.FieldErrors
	req := f.request(&fe)
	now := s.now()
	req.apply(sw, now)
	err = validateWorker(a, sw, req, fe, true, now)
	if err == nil {
		err = s.cfg.Workers.UpdateWorker(r.Context(), sw)
	}
	if err != nil {
		s.formFailed(w, r, "worker_form", "worker.edit.title", f, &f.Errors, &f.Error, err)
		return
	}
	http.Redirect(w, r, "/social-workers/"+url.PathEscape(sw.ID)+"?notice=saved", http.StatusSeeOther)
}
