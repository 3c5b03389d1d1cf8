package web

import (
	"net/http"
	"strings"
	"time"

	"shequ"
)

// orgRequest is the body of POST and PATCH /api/v1/orgs, and what the
// organization form is read into. Absent fields are nil: PATCH leaves them
// as they are (the body is merged onto the stored organization).
type orgRequest struct {
	Name          *string   `json:"name"`
	Kind          *string   `json:"kind"`
	CommunityCode *string   `json:"community_code"`
	Serves        *[]string `json:"serves"`
	LegalStatus   *string   `json:"legal_status"`
	CreditCode    *string   `json:"credit_code"`
	FiledWith     *string   `json:"filed_with"`
	Incubator     *string   `json:"incubator"`
	FoundedOn     *string   `json:"founded_on" null:"empty"`
	Leader        *string   `json:"leader"`
	LeaderPhone   *string   `json:"leader_phone"`
	Members       *int      `json:"members"`
	Grade         *int      `json:"grade"`
	GradedOn      *string   `json:"graded_on" null:"empty"`
	Status        *string   `json:"status"`
	StatusSince   *string   `json:"status_since" null:"empty"`
}

// apply merges the set fields of req onto o, recording what cannot even be
// parsed (dates, phone, credit code form) in fe; o.Validate checks the rest.
func (req *orgRequest) apply(o *shequ.SocialOrg, fe *shequ.FieldErrors) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&o.Name, req.Name)
	set(&o.Community, req.CommunityCode)
	set(&o.FiledWith, req.FiledWith)
	set(&o.Incubator, req.Incubator)
	set(&o.Leader, req.Leader)
	if req.Kind != nil {
		o.Kind = shequ.OrgKind(strings.TrimSpace(*req.Kind))
	}
	if req.LegalStatus != nil {
		o.LegalStatus = shequ.LegalStatus(strings.TrimSpace(*req.LegalStatus))
	}
	if req.Status != nil {
		o.Status = shequ.OrgStatus(strings.TrimSpace(*req.Status))
	}
	if req.Serves != nil {
		o.Serves = cleanCodes(*req.Serves)
	}
	if req.CreditCode != nil {
		// Kept as typed (upper-cased): Validate reports a bad one on
		// credit_code with the GB 32100 message.
		o.CreditCode = shequ.CreditCode(strings.ToUpper(strings.TrimSpace(*req.CreditCode)))
		if cc, err := shequ.ParseCreditCode(string(o.CreditCode)); err == nil {
			o.CreditCode = cc
		}
	}
	if req.LeaderPhone != nil {
		o.LeaderPhone = ""
		if p := strings.TrimSpace(*req.LeaderPhone); p != "" {
			ph, err := shequ.ParsePhone(p)
			if err != nil {
				fe.Add("leader_phone", "phone.invalid", shequ.ErrPhone.Message, nil)
			}
			o.LeaderPhone = ph
		}
	}
	if req.Members != nil {
		o.Members = *req.Members
	}
	if req.Grade != nil {
		o.Grade = *req.Grade
	}
	if req.FoundedOn != nil {
		o.FoundedOn = parseDateField(fe, "founded_on", *req.FoundedOn)
	}
	if req.GradedOn != nil {
		o.GradedOn = parseDateField(fe, "graded_on", *req.GradedOn)
	}
	if req.StatusSince != nil {
		o.StatusSince = parseDateField(fe, "status_since", *req.StatusSince)
	}
}

// cleanCodes trims codes and drops empty and repeated ones.
func cleanCodes(in []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, c := range in {
		c = strings.TrimSpace(c)
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// splitList splits a comma-separated form value (ASCII or Chinese commas,
// 顿号, semicolons, spaces or new lines).
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	})
}

// parseDateField parses a YYYY-MM-DD date as a day in Asia/Shanghai; ""
// is no date.
func parseDateField(fe *shequ.FieldErrors, field, s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, shequ.Shanghai)
	if err != nil {
		fe.Add(field, "date.invalid", "Give a date as YYYY-MM-DD.", nil)
		return nil
	}
	return &d
}

// dateOnly formats an optional date as YYYY-MM-DD in Asia/Shanghai.
func dateOnly(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.In(shequ.Shanghai).Format(time.DateOnly)
	return &s
}

// validateOrg checks o after apply, with the parse errors in fe, and that
// its home community lies in the actor's scope. An organization outside the
// scope is 404 (like a read), with the field named so a form can show it.
func validateOrg(a *shequ.Actor, o *shequ.SocialOrg, fe shequ.FieldErrors) error {
	if err := o.Validate(); err != nil {
		fe = append(fe, shequ.AsError(err).Fields...)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return outOfScope(a, "community_code", o.Community)
}

// outOfScope answers ErrNotFound, naming the field, when code is outside
// the actor's scope.
func outOfScope(a *shequ.Actor, field, code string) error {
	if a == nil || shequ.IsAncestorOrSelf(a.Scope, code) {
		return nil
	}
	e := *shequ.ErrNotFound
	e.Fields = []shequ.FieldError{{Field: field, Key: "scope.outside", Message: "This division is outside your area."}}
	return &e
}

// orgJSON is the API form of an organization; the leader's phone is masked.
type orgJSON struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Kind          string   `json:"kind"`
	CommunityCode string   `json:"community_code"`
	Serves        []string `json:"serves"`
	LegalStatus   string   `json:"legal_status"`
	CreditCode    string   `json:"credit_code"`
	FiledWith     string   `json:"filed_with"`
	Incubator     string   `json:"incubator"`
	FoundedOn     *string  `json:"founded_on"`
	Leader        string   `json:"leader"`
	LeaderPhone   string   `json:"leader_phone"`
	Members       int      `json:"members"`
	Grade         int      `json:"grade"`
	GradedOn      *string  `json:"graded_on"`
	Status        string   `json:"status"`
	StatusSince   *string  `json:"status_since"`
	CreatedAt     string   `json:"created_at"`
	UpdatedAt     string   `json:"updated_at"`
}

func newOrgJSON(o *shequ.SocialOrg) orgJSON {
	j := orgJSON{ID: o.ID, Name: o.Name, Kind: string(o.Kind), CommunityCode: o.Community, Serves: []string{},
		LegalStatus: string(o.LegalStatus), CreditCode: string(o.CreditCode), FiledWith: o.FiledWith,
		Incubator: o.Incubator, FoundedOn: dateOnly(o.FoundedOn), Leader: o.Leader, LeaderPhone: o.LeaderPhone.Masked(),
		Members: o.Members, Grade: o.Grade, GradedOn: dateOnly(o.GradedOn), Status: string(o.Status),
		StatusSince: dateOnly(o.StatusSince), CreatedAt: apiTime(o.CreatedAt), UpdatedAt: apiTime(o.UpdatedAt)}
	if o.LeaderPhone == "" {
		j.LeaderPhone = ""
	}
	j.Serves = append(j.Serves, o.Serves...)
	return j
}

// Page sizes of the register lists in the API.
const (
	registerAPIDefaultLimit = 50
	registerAPIMaxLimit     = 200
)

// errNoService answers when cmd/shequ did not wire the service a page
// needs (a build without that module).
var errNoService = shequ.Errorf(shequ.EUnavailable, "error.unavailable", "The service is not available.")

// handleAPIOrgCreate serves POST /api/v1/orgs.
func (s *Server) handleAPIOrgCreate(w http.ResponseWriter, r *http.Request) {
	var req orgRequest
	a, ok := s.guardJSON(w, r, shequ.ActionOrgWrite, s.cfg.Orgs != nil, &req)
	if !ok {
		return
	}
	o := &shequ.SocialOrg{}
	var fe shequ.FieldErrors
	req.apply(o, &fe)
	if err := validateOrg(a, o, fe); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.cfg.Orgs.CreateOrg(r.Context(), o); err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+o.ID)
	writeJSON(w, http.StatusCreated, newOrgJSON(o))
}

// handleAPIOrgGet serves GET /api/v1/orgs/{id}.
func (s *Server) handleAPIOrgGet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionOrgRead, s.cfg.Orgs != nil); !ok {
		return
	}
	o, err := s.findOrg(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, newOrgJSON(o))
}

// findOrg loads the organization named by the path's id.
func (s *Server) findOrg(r *http.Request) (*shequ.SocialOrg, error) {
	id := r.PathValue("id")
	if id == "" || len(id) > maxIDLen {
		return nil, shequ.ErrNotFound
	}
	return s.cfg.Orgs.FindOrgByID(r.Context(), id)
}

// handleAPIOrgList serves GET /api/v1/orgs.
func (s *Server) handleAPIOrgList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionOrgRead, s.cfg.Orgs != nil)
	if !ok {
		return
	}
	q := r.URL.Query()
	oq, err := parseOrgQuery(q, a)
	if err != nil {
		s.error(w, r, err)
		return
	}
	limit, offset, err := parseLimitOffset(q, registerAPIDefaultLimit, registerAPIMaxLimit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	list, total, err := s.cfg.Orgs.FindOrgs(r.Context(), oq.filter(offset, limit))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, total, newOrgJSON)
}

// handleAPIOrgPatch serves PATCH /api/v1/orgs/{id}: the body is merged
// onto the stored organization, which is then saved whole.
func (s *Server) handleAPIOrgPatch(w http.ResponseWriter, r *http.Request) {
	var req orgRequest
	a, ok := s.guardJSON(w, r, shequ.ActionOrgWrite, s.cfg.Orgs != nil, &req)
	if !ok {
		return
	}
	o, err := s.findOrg(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var fe shequ.FieldErrors
	req.apply(o, &fe)
	if err := validateOrg(a, o, fe); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.cfg.Orgs.UpdateOrg(r.Context(), o); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newOrgJSON(o))
}

// guardService is guard for pages and endpoints of a module whose service
// may be missing from the configuration (503 then).
func (s *Server) guardService(w http.ResponseWriter, r *http.Request, act shequ.Action, wired bool) (*shequ.Actor, bool) {
	a, ok := s.guard(w, r, act)
	if !ok {
		return nil, false
	}
	if !wired {
		s.error(w, r, errNoService)
		return nil, false
	}
	return a, true
}

// guardJSON is guardService for an endpoint with a JSON body: it also
// decodes the body into v (decodeJSON's limits), answering the error when
// it cannot.
func (s *Server) guardJSON(w http.ResponseWriter, r *http.Request, act shequ.Action, wired bool, v any) (*shequ.Actor, bool) {
	a, ok := s.guardService(w, r, act, wired)
	if !ok {
		return nil, false
	}
	if err := decodeJSON(w, r, v); err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return a, true
}
