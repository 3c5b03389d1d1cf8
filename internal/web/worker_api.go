package web

import (
	"net/http"
	"strings"
	"time"

	"shequ"
)

// workerRequest is the body of POST and PATCH /api/v1/social-workers, and
// what the worker form is read into. Absent fields are nil: PATCH leaves
// them as they are.
type workerRequest struct {
	Name          *string   `json:"name"`
	IDNumber      *string   `json:"id_number"`
	Phone         *string   `json:"phone"`
	Qualification *string   `json:"qualification"`
	CertNumber    *string   `json:"cert_number"`
	CertYear      *int      `json:"cert_year"`
	Education     *string   `json:"education"`
	EmployerKind  *string   `json:"employer_kind"`
	EmployerOrgID *string   `json:"employer_org_id"`
	EmployerName  *string   `json:"employer_name"`
	CommunityCode *string   `json:"community_code"`
	Serves        *[]string `json:"serves"`
	Functions     *[]string `json:"functions"`
	Areas         *[]string `json:"areas"`
}

// apply merges the set fields of req onto w. ID and phone numbers are
// normalized when they parse; Validate reports them when they do not.
func (req *workerRequest) apply(w *shequ.SocialWorker, now time.Time) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&w.Name, req.Name)
	set(&w.CertNumber, req.CertNumber)
	set(&w.EmployerOrgID, req.EmployerOrgID)
	set(&w.EmployerName, req.EmployerName)
	set(&w.Community, req.CommunityCode)
	if req.IDNumber != nil {
		w.IDNumber = shequ.IDNumber(strings.TrimSpace(*req.IDNumber))
		if n, err := shequ.ParseIDNumber(string(w.IDNumber), now); err == nil {
			w.IDNumber = n
		}
	}
	if req.Phone != nil {
		w.Phone = shequ.Phone(strings.TrimSpace(*req.Phone))
		if p, err := shequ.ParsePhone(string(w.Phone)); err == nil {
			w.Phone = p
		}
	}
	if req.Qualification != nil {
		w.Qualification = shequ.Qualification(strings.TrimSpace(*req.Qualification))
	}
	if req.CertYear != nil {
		w.CertYear = *req.CertYear
	}
	if req.Education != nil {
		w.Education = shequ.Education(strings.TrimSpace(*req.Education))
	}
	if req.EmployerKind != nil {
		w.EmployerKind = shequ.EmployerKind(strings.TrimSpace(*req.EmployerKind))
	}
	if req.Serves != nil {
		w.Serves = cleanCodes(*req.Serves)
	}
	if req.Functions != nil {
		w.Functions = nil
		for _, f := range cleanCodes(*req.Functions) {
			w.Functions = append(w.Functions, shequ.ServiceFunction(f))
		}
	}
	if req.Areas != nil {
		w.Areas = nil
		for _, a := range cleanCodes(*req.Areas) {
			w.Areas = append(w.Areas, shequ.ServiceArea(a))
		}
	}
}

// validateWorker checks w after apply and that its home community lies in
// the actor's scope. When editing, numbers the request did not touch are
// the service's business (it may hand them back masked), so their errors
// are dropped.
func validateWorker(a *shequ.Actor, w *shequ.SocialWorker, req *workerRequest, fe shequ.FieldErrors, edit bool, now time.Time) error {
	if err := w.Validate(now); err != nil {
		for _, f := range shequ.AsError(err).Fields {
			if edit && ((f.Field == "id_number" && req.IDNumber == nil) || (f.Field == "phone" && req.Phone == nil)) {
				continue
			}
			fe = append(fe, f)
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return outOfScope(a, "community_code", w.Community)
}

// workerJSON is the API form of a social worker; ID and phone numbers are
// masked unless revealed.
type workerJSON struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	IDNumber      string   `json:"id_number"`
	Phone         string   `json:"phone"`
	Qualification string   `json:"qualification"`
	Certified     bool     `json:"certified"`
	CertNumber    string   `json:"cert_number"`
	CertYear      int      `json:"cert_year"`
	Education     string   `json:"education"`
	EmployerKind  string   `json:"employer_kind"`
	EmployerOrgID string   `json:"employer_org_id"`
	EmployerName  string   `json:"employer_name"`
	CommunityCode string   `json:"community_code"`
	Serves        []string `json:"serves"`
	Functions     []string `json:"functions"`
	Areas         []string `json:"areas"`
	CreatedAt     string   `json:"created_at"`
	UpdatedAt     string   `json:"updated_at"`
}

func newWorkerJSON(w *shequ.SocialWorker, revealed bool) workerJSON {
	j := workerJSON{ID: w.ID, Name: w.Name, IDNumber: w.IDNumber.Masked(), Qualification: string(w.Qualification),
		Certified: w.Qualification.Certified(), CertNumber: w.CertNumber, CertYear: w.CertYear,
		Education: string(w.Education), EmployerKind: string(w.EmployerKind), EmployerOrgID: w.EmployerOrgID,
		EmployerName: w.EmployerName, CommunityCode: w.Community, Serves: []string{}, Functions: []string{},
		Areas: []string{}, CreatedAt: apiTime(w.CreatedAt), UpdatedAt: apiTime(w.UpdatedAt)}
	if w.Phone != "" {
		j.Phone = w.Phone.Masked()
	}
	if revealed {
		j.IDNumber, j.Phone = string(w.IDNumber), string(w.Phone)
	}
	j.Serves = append(j.Serves, w.Serves...)
	for _, f := range w.Functions {
		j.Functions = append(j.Functions, string(f))
	}
	for _, a := range w.Areas {
		j.Areas = append(j.Areas, string(a))
	}
	return j
}

// canRevealWorker reports whether the actor may see a worker's numbers in
// clear: those who keep the register (the service checks scope and
// ownership, and audits the read).
func canRevealWorker(a *shequ.Actor) bool { return a.Can(shequ.ActionWorkerWrite) }

// handleAPIWorkerCreate serves POST /api/v1/social-workers.
func (s *Server) handleAPIWorkerCreate(w http.ResponseWriter, r *http.Request) {
	var req workerRequest
	a, ok := s.guardJSON(w, r, shequ.ActionWorkerWrite, s.cfg.Workers != nil, &req)
	if !ok {
		return
	}
	now := s.now()
	sw := &shequ.SocialWorker{}
	req.apply(sw, now)
	if err := validateWorker(a, sw, &req, nil, false, now); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.cfg.Workers.CreateWorker(r.Context(), sw); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/social-workers/"+sw.ID)
	writeJSON(w, http.StatusCreated, newWorkerJSON(sw, false))
}

// handleAPIWorkerGet serves GET /api/v1/social-workers/{id}; ?reveal=1
// asks for the numbers in clear (403 without the permission).
func (s *Server) handleAPIWorkerGet(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionWorkerRead, s.cfg.Workers != nil)
	if !ok {
		return
	}
	reveal := false
	switch r.URL.Query().Get("reveal") {
	case "", "0", "false":
	case "1", "true":
		reveal = true
	default:
		s.error(w, r, shequ.Errorf(shequ.EInvalid, "param.boolean", "reveal must be 1 or 0."))
		return
	}
	if reveal && !canRevealWorker(a) {
		s.error(w, r, shequ.ErrForbidden)
		return
	}
	sw, err := s.findWorker(r, reveal)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, newWorkerJSON(sw, reveal))
}

// findWorker loads the worker named by the path's id.
func (s *Server) findWorker(r *http.Request, reveal bool) (*shequ.SocialWorker, error) {
	id := r.PathValue("id")
	if id == "" || len(id) > maxIDLen {
		return nil, shequ.ErrNotFound
	}
	return s.cfg.Workers.FindWorkerByID(r.Context(), id, reveal)
}

// handleAPIWorkerList serves GET /api/v1/social-workers.
func (s *Server) handleAPIWorkerList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionWorkerRead, s.cfg.Workers != nil)
	if !ok {
		return
	}
	q := r.URL.Query()
	wq, err := parseWorkerQuery(q, a)
	if err != nil {
		s.error(w, r, err)
		return
	}
	limit, offset, err := parseLimitOffset(q, registerAPIDefaultLimit, registerAPIMaxLimit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	list, total, err := s.cfg.Workers.FindWorkers(r.Context(), wq.filter(offset, limit))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, total, func(sw *shequ.SocialWorker) workerJSON { return newWorkerJSON(sw, false) })
}

// handleAPIWorkerPatch serves PATCH /api/v1/social-workers/{id}.
func (s *Server) handleAPIWorkerPatch(w http.ResponseWriter, r *http.Request) {
	var req workerRequest
	a, ok := s.guardJSON(w, r, shequ.ActionWorkerWrite, s.cfg.Workers != nil, &req)
	if !ok {
		return
	}
	sw, err := s.findWorker(r, false)
	if err != nil {
		s.error(w, r, err)
		return
	}
	now := s.now()
	req.apply(sw, now)
	if err := validateWorker(a, sw, &req, nil, true, now); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.cfg.Workers.UpdateWorker(r.Context(), sw); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newWorkerJSON(sw, false))
}
