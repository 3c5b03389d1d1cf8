package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"shequ"
)

// The company's own page beside its register (templates/company.html):
// its credit file (score, grade and every record behind them) with the
// staff's appeal and the officials' decisions (a record, the black list,
// the staff accounts); the appeals waiting for an answer; and the public
// grade pages (/public/property), which need no sign-in and show no
// personal data.

// companyExtra is the extra data of the company page.
type companyExtra struct {
	Credit      *shequ.CompanyCredit
	Contracts   []*shequ.PropertyContract
	Supervise   bool // officials: record, black list, staff
	CanAppeal   bool // the company's staff
	ManualKinds []shequ.CreditKind
	Staff       string // the staff accounts' usernames, comma-separated
	Form        map[string]string
	Errors      map[string]string
}

func (s *Server) companyExtraOf(r *http.Request, a *shequ.Actor, c *shequ.PropertyCompany) (*companyExtra, error) {
	ctx := r.Context()
	x := &companyExtra{Form: map[string]string{}, Errors: map[string]string{},
		ManualKinds: []shequ.CreditKind{shequ.CreditBaseOther, shequ.CreditAward, shequ.CreditSeriousBreach}}
	var err error
	if x.Credit, err = s.cfg.Property.CompanyCredit(ctx, c.ID); err != nil {
		return nil, err
	}
	if x.Contracts, err = s.cfg.Property.FindContracts(ctx, "", c.ID); err != nil {
		return nil, err
	}
	x.Supervise = a.Can(shequ.ActionPropertySupervise)
	x.Staff = strings.Join(c.StaffNames, ", ")
	x.CanAppeal = a.Can(shequ.ActionCreditAppeal) && a.Role == shequ.RolePropertyStaff
	if x.CanAppeal {
		mine, err := s.cfg.Property.MyCompany(ctx)
		x.CanAppeal = err == nil && mine.ID == c.ID
	}
	return x, nil
}

// companyPage configures the company register's show page.
func (s *Server) companyPage(m *registerMount[shequ.PropertyCompany]) {
	m.showPage = "company"
	m.showExtra = func(r *http.Request, a *shequ.Actor, c *shequ.PropertyCompany) (any, error) {
		return s.companyExtraOf(r, a, c)
	}
	m.notices = map[string]string{"record": "credit.record.saved", "blacklist": "blacklist.saved", "staff": "company.staff.saved",
		"appeal": "appeal.saved"}
}

// companyFailed shows the company page again with a form's errors.
func (s *Server) companyFailed(w http.ResponseWriter, r *http.Request, a *shequ.Actor, form map[string]string, err error) {
	s.companyRegister().recordFailed(w, r, a, err, refusal{}, func(p *registerShowPage, errs map[string]string) {
		extra := p.Extra.(*companyExtra)
		extra.Form, extra.Errors = form, errs
	})
}

// companyBack is the company page after a decision, with its notice.
func companyBack(w http.ResponseWriter, r *http.Request, id, notice string) {
	http.Redirect(w, r, "/property/companies/"+url.PathEscape(id)+"?notice="+notice+"#credit", http.StatusSeeOther)
}

// handleCreditRecord serves POST /property/companies/{id}/records: kind,
// points, note, valid_until.
func (s *Server) handleCreditRecord(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionPropertySupervise, s.wiredProperty())
	if !ok {
		return
	}
	id := pathID(r, "id")
	form := postedValues(r, "kind", "points", "note", "valid_until")
	var fe shequ.FieldErrors
	m := &shequ.ManualRecord{CompanyID: id, Kind: shequ.CreditKind(form["kind"]), Note: form["note"],
		ValidUntil: parseDateField(&fe, "valid_until", form["valid_until"])}
	if n, err := strconv.Atoi(form["points"]); err == nil {
		m.Points = n
	}
	err := fe.Err()
	if err == nil {
		_, err = s.cfg.Property.RecordCredit(r.Context(), m)
	}
	if err != nil {
		s.companyFailed(w, r, a, form, err)
		return
	}
	companyBack(w, r, id, "record")
}

// handleBlacklist serves POST /property/companies/{id}/blacklist: on
// ("1" to list, "0" to clear), reason.
func (s *Server) handleBlacklist(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionPropertySupervise, s.wiredProperty())
	if !ok {
		return
	}
	id := pathID(r, "id")
	form := postedValues(r, "on", "reason")
	if _, err := s.cfg.Property.Blacklist(r.Context(), id, form["on"] == "1", form["reason"]); err != nil {
		s.companyFailed(w, r, a, form, err)
		return
	}
	companyBack(w, r, id, "blacklist")
}

// handleCompanyStaff serves POST /property/companies/{id}/staff: the
// usernames of the company's property staff accounts.
func (s *Server) handleCompanyStaff(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionPropertySupervise, s.wiredProperty())
	if !ok {
		return
	}
	id := pathID(r, "id")
	form := postedValues(r, "usernames")
	ids, err := s.staffIDs(r, form["usernames"])
	if err == nil {
		err = s.cfg.Property.SetCompanyStaff(r.Context(), id, ids)
	}
	if err != nil {
		s.companyFailed(w, r, a, form, err)
		return
	}
	companyBack(w, r, id, "staff")
}

// staffIDs resolves the usernames of a staff form; an unknown one is a
// field error naming it.
func (s *Server) staffIDs(r *http.Request, names string) ([]string, error) {
	var ids []string
	for _, n := range splitList(names) {
		if s.cfg.Users == nil {
			return nil, errNoService
		}
		u, err := s.cfg.Users.FindUserByUsername(r.Context(), n)
		if err != nil {
			if shequ.ErrorCode(err) == shequ.ENotFound {
				var fe shequ.FieldErrors
				fe.Add("usernames", "company.staff.unknown", "There is no account {{.Username}}.", map[string]any{"Username": n})
				return nil, fe.Err()
			}
			return nil, err
		}
		ids = append(ids, u.ID)
	}
	return ids, nil
}

// handleAppeal serves POST /property/records/{id}/appeal: reason; back to
// the company's page.
func (s *Server) handleAppeal(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionCreditAppeal, s.wiredProperty())
	if !ok {
		return
	}
	record := pathID(r, "id")
	ap, err := s.cfg.Property.AppealRecord(r.Context(), record, r.PostForm.Get("reason"))
	if err != nil {
		mine, merr := s.cfg.Property.MyCompany(r.Context())
		if merr != nil {
			s.error(w, r, err)
			return
		}
		r.SetPathValue("id", mine.ID)
		s.companyFailed(w, r, a, map[string]string{"appeal_record": record, "reason": r.PostForm.Get("reason")}, err)
		return
	}
	companyBack(w, r, ap.CompanyID, "appeal")
}

// appealsPage is the data of templates/appeals.html.
type appealsPage struct {
	Items     []*shequ.CreditAppeal
	Records   map[string]*shequ.CreditRecord // by id, the records appealed
	Companies map[string]string              // company id → name
	State     string
	States    []shequ.AppealState
	CanAnswer bool
	Notice    string
	Error     string
	Errors    map[string]string
}

// handleAppealList serves GET /property/appeals?state=: officials answer
// them, the company's staff follow theirs.
func (s *Server) handleAppealList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionPropertyRead, s.wiredProperty())
	if !ok {
		return
	}
	if !a.Can(shequ.ActionPropertySupervise) && !a.Can(shequ.ActionCreditAppeal) {
		s.error(w, r, shequ.ErrForbidden)
		return
	}
	p := &appealsPage{}
	if r.URL.Query().Get("notice") == "answered" {
		p.Notice = s.localizer(r).T("appeal.answered.notice")
	}
	s.renderAppeals(w, r, a, p, http.StatusOK)
}

func (s *Server) renderAppeals(w http.ResponseWriter, r *http.Request, a *shequ.Actor, p *appealsPage, status int) {
	ctx := r.Context()
	q := r.URL.Query()
	p.State, p.States, p.CanAnswer = q.Get("state"), shequ.AppealStates, a.Can(shequ.ActionPropertySupervise)
	if !q.Has("state") && p.CanAnswer {
		p.State = string(shequ.AppealSubmitted)
	}
	if p.State != "" && !oneOfStr(p.State, shequ.AppealStates) {
		s.error(w, r, fieldErr("state", "appeal.to.invalid", "Unknown state."))
		return
	}
	var err error
	if p.Items, err = s.cfg.Property.FindAppeals(ctx, shequ.AppealState(p.State)); err != nil {
		s.error(w, r, err)
		return
	}
	p.Records, p.Companies = map[string]*shequ.CreditRecord{}, map[string]string{}
	for _, ap := range p.Items {
		if _, done := p.Companies[ap.CompanyID]; done {
			continue
		}
		cc, err := s.cfg.Property.CompanyCredit(ctx, ap.CompanyID)
		if err != nil {
			s.error(w, r, err)
			return
		}
		p.Companies[ap.CompanyID] = cc.Company.Name
		for _, rec := range cc.Records {
			p.Records[rec.ID] = rec
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "appeals", s.localizer(r).T("appeal.list.title"), p)
}

// handleAppealAnswer serves POST /property/appeals/{id}/answer: to
// (upheld or rejected), answer.
func (s *Server) handleAppealAnswer(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionPropertySupervise, s.wiredProperty())
	if !ok {
		return
	}
	if _, err := s.cfg.Property.AnswerAppeal(r.Context(), pathID(r, "id"), shequ.AppealState(r.PostForm.Get("to")),
		r.PostForm.Get("answer")); err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid && e.Code != shequ.EConflict {
			s.error(w, r, err)
			return
		}
		l := s.localizer(r)
		p := &appealsPage{Errors: map[string]string{pathID(r, "id"): l.Error(e)}, Error: l.Error(e)}
		if msgs := fieldMessages(l, err); len(msgs) > 0 {
			for _, m := range msgs {
				p.Errors[pathID(r, "id")] = m
			}
			p.Error = l.T("form.has_errors")
		}
		s.renderAppeals(w, r, a, p, statusByCode[e.Code])
		return
	}
	http.Redirect(w, r, "/property/appeals?notice=answered", http.StatusSeeOther)
}

// publicCompaniesPage is the data of templates/public_companies.html.
type publicCompaniesPage struct {
	Items  []*shequ.PropertyCompany
	Grades []shequ.Grade
}

// handlePublicCompanies serves GET /public/property: every company with its
// grade, no sign-in needed.
func (s *Server) handlePublicCompanies(w http.ResponseWriter, r *http.Request) {
	if !s.wiredProperty() {
		s.error(w, r, errNoService)
		return
	}
	items, err := s.cfg.Property.PublicCompanies(r.Context(), strings.TrimSpace(r.URL.Query().Get("division")))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "public_companies", s.localizer(r).T("public.property.title"),
		&publicCompaniesPage{Items: items, Grades: shequ.Grades})
}

// publicCompanyPage is the data of templates/public_company.html.
type publicCompanyPage struct {
	C        *shequ.CompanyCredit
	Settings *shequ.PropertySettings
	Classes  []shequ.CreditClass
	Today    time.Time
}

// handlePublicCompany serves GET /public/property/{id}: a company's grade
// and the records behind it, no sign-in needed, no personal data.
func (s *Server) handlePublicCompany(w http.ResponseWriter, r *http.Request) {
	if !s.wiredProperty() {
		s.error(w, r, errNoService)
		return
	}
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.error(w, r, shequ.ErrNotFound)
		return
	}
	c, err := s.cfg.Property.CompanyCredit(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	st, err := s.cfg.Property.Settings(r.Context(), c.Company.Division)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "public_company", c.Company.Name,
		&publicCompanyPage{C: c, Settings: st, Classes: []shequ.CreditClass{shequ.CreditBase, shequ.CreditGood, shequ.CreditBad},
			Today: s.now()})
}
