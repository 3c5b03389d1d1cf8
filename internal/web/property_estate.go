package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"shequ"
	"shequ/internal/i18n"
)

// The estate's own page beside its register (templates/estate.html): who
// manages it and under which contracts (with the form to register one),
// its owners' committee terms, the residents' rating (with the form to
// rate for a resident of the estate), its inspections and its complaints.

// estateExtra is the extra data of the estate page.
type estateExtra struct {
	E            *shequ.Estate
	Contracts    []*shequ.PropertyContract
	Companies    []*shequ.PropertyCompany // to pick from when registering a contract
	CanContract  bool
	Committees   []*shequ.OwnersCommittee
	CanCommittee bool
	Rating       *shequ.RatingSummary
	Last         *shequ.RatingSummary
	CanRate      bool
	Rated        bool
	Dimensions   []shequ.RatingDimension
	Inspections  []*shequ.Inspection
	CanInspect   bool
	Complaints   []*shequ.Complaint
	CanComplain  bool
	Selections   []shequ.ContractSelection
	Today        time.Time
	// Form and Errors of a failed form on the page.
	Form   map[string]string
	Errors map[string]string
}

// estateExtraOf reads what the estate page shows beside the register's
// fields, as far as the actor may see it.
func (s *Server) estateExtraOf(r *http.Request, a *shequ.Actor, e *shequ.Estate) (*estateExtra, error) {
	ctx, svc := r.Context(), s.cfg.Property
	x := &estateExtra{E: e, Dimensions: shequ.RatingDimensions, Selections: shequ.ContractSelections, Today: s.now(),
		Form: map[string]string{}, Errors: map[string]string{}}
	var err error
	if x.Contracts, err = svc.FindContracts(ctx, e.ID, ""); err != nil {
		return nil, err
	}
	x.CanContract = a.Can(shequ.ActionPropertyWrite) && shequ.IsAncestorOrSelf(a.Scope, e.Community)
	if x.CanContract {
		if x.Companies, _, err = svc.FindCompanies(ctx, shequ.CompanyFilter{Limit: 500}); err != nil {
			return nil, err
		}
	}
	if a.Role != shequ.RolePropertyStaff {
		if x.Committees, err = svc.FindCommittees(ctx, e.ID, "", ""); err != nil {
			return nil, err
		}
	}
	x.CanCommittee = x.CanContract
	if x.Rating, err = svc.RatingSummary(ctx, e.ID, ""); err != nil {
		return nil, err
	}
	start, _, _ := shequ.PeriodBounds(x.Rating.Period)
	if st, err := svc.Settings(ctx, e.Community); err == nil {
		if x.Last, err = svc.RatingSummary(ctx, e.ID, st.RatingPeriod.PeriodOf(start.AddDate(0, 0, -1))); err != nil {
			return nil, err
		}
	} else {
		return nil, err
	}
	if a.Can(shequ.ActionPropertyRate) {
		mine, _, err := svc.MyEstate(ctx)
		switch {
		case err == nil:
			x.CanRate = mine.ID == e.ID
		case shequ.ErrorCode(err) == shequ.ENotFound:
			x.CanRate = true // the first rating records the household's estate
		}
		if x.CanRate {
			if x.Rated, err = svc.RatedThisPeriod(ctx, e.ID); err != nil {
				return nil, err
			}
		}
	}
	if x.Inspections, err = svc.FindInspections(ctx, e.ID, 10); err != nil {
		return nil, err
	}
	x.CanInspect = a.Can(shequ.ActionInspectionRecord) && shequ.IsAncestorOrSelf(a.Scope, e.Community)
	if a.Can(shequ.ActionComplaintRead) {
		if x.Complaints, _, err = svc.FindComplaints(ctx, shequ.ComplaintFilter{EstateID: e.ID, Limit: 10}); err != nil {
			return nil, err
		}
	}
	x.CanComplain = a.Can(shequ.ActionComplaintSubmit)
	return x, nil
}

// estatePage configures the estate register's show page.
func (s *Server) estatePage(m *registerMount[shequ.Estate]) {
	m.showPage = "estate"
	m.showExtra = func(r *http.Request, a *shequ.Actor, e *shequ.Estate) (any, error) { return s.estateExtraOf(r, a, e) }
	m.notices = map[string]string{"contract": "contract.created", "contract_ended": "contract.ended.notice",
		"rated": "rating.saved"}
	m.shows = map[string]func(*i18n.Localizer, *shequ.Estate) template.HTML{
		"location": func(l *i18n.Localizer, e *shequ.Estate) template.HTML {
			if e.Lat == nil || e.Lng == nil {
				return template.HTML(template.HTMLEscapeString(l.T("facility.not_located")))
			}
			return template.HTML(strconv.FormatFloat(*e.Lat, 'f', 6, 64) + ", " + strconv.FormatFloat(*e.Lng, 'f', 6, 64) + "（WGS-84）")
		},
	}
}

// estateFailed shows the estate page again with the errors of a form on
// it (a contract, a rating).
func (s *Server) estateFailed(w http.ResponseWriter, r *http.Request, a *shequ.Actor, form map[string]string, err error) {
	s.estateRegister().recordFailed(w, r, a, err, refusal{}, func(p *registerShowPage, errs map[string]string) {
		extra := p.Extra.(*estateExtra)
		extra.Form, extra.Errors = form, errs
	})
}

// postedValues returns the trimmed values of the named inputs.
func postedValues(r *http.Request, names ...string) map[string]string {
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[n] = strings.TrimSpace(r.PostForm.Get(n))
	}
	return out
}

// contractFromForm reads a contract form: dates YYYY-MM-DD, the fee in 元.
func contractFromForm(estateID string, form map[string]string) (*shequ.PropertyContract, error) {
	var fe shequ.FieldErrors
	k := &shequ.PropertyContract{EstateID: estateID, CompanyID: form["company_id"], Scope: form["scope"],
		Selection: shequ.ContractSelection(form["selection"])}
	if d := parseDateField(&fe, "start", form["start"]); d != nil {
		k.Start = *d
	}
	if d := parseDateField(&fe, "end", form["end"]); d != nil {
		k.End = *d
	}
	if form["fee"] != "" {
		fen, err := shequ.ParseYuan(strings.TrimSuffix(form["fee"], "元"))
		if err != nil {
			fe.Add("fee", "contract.fee.invalid", "The fee is 0.01 to 100.00 yuan per m² per month.", nil)
		}
		k.FeeFen = fen
	}
	if err := fe.Err(); err != nil {
		// The domain's own check adds what is wrong besides.
		return nil, mergeErrors(err, k.Validate())
	}
	return k, nil
}

// mergeErrors joins the field errors of two invalid-input errors (the
// first one's fields win per field).
func mergeErrors(first, second error) error {
	if second == nil {
		return first
	}
	a, b := shequ.AsError(first), shequ.AsError(second)
	seen := map[string]bool{}
	var fe shequ.FieldErrors
	for _, f := range a.Fields {
		seen[f.Field] = true
		fe = append(fe, f)
	}
	for _, f := range b.Fields {
		if !seen[f.Field] {
			fe = append(fe, f)
		}
	}
	return fe.Err()
}

// handleContractCreate serves POST /estates/{id}/contracts.
func (s *Server) handleContractCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionPropertyWrite, s.wiredProperty())
	if !ok {
		return
	}
	id := pathID(r, "id")
	form := postedValues(r, "company_id", "start", "end", "fee", "scope", "selection")
	k, err := contractFromForm(id, form)
	if err == nil {
		err = s.cfg.Property.CreateContract(r.Context(), k)
	}
	if err != nil {
		s.estateFailed(w, r, a, form, err)
		return
	}
	http.Redirect(w, r, "/estates/"+url.PathEscape(id)+"?notice=contract#contracts", http.StatusSeeOther)
}

// handleContractEnd serves POST /property/contracts/{id}/end: ended_on,
// reason; back to the estate.
func (s *Server) handleContractEnd(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionPropertyWrite, s.wiredProperty()); !ok {
		return
	}
	var fe shequ.FieldErrors
	on := parseDateField(&fe, "ended_on", r.PostForm.Get("ended_on"))
	if on == nil {
		fe.Add("ended_on", "contract.end.invalid", "A contract ends early on a day within its term, before its end.", nil)
	}
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	k, err := s.cfg.Property.EndContract(r.Context(), pathID(r, "id"), *on, r.PostForm.Get("reason"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/estates/"+url.PathEscape(k.EstateID)+"?notice=contract_ended#contracts", http.StatusSeeOther)
}

// ratingFromForm reads the stars of each dimension and the comment.
func ratingFromForm(estateID string, r *http.Request) *shequ.PropertyRating {
	pr := &shequ.PropertyRating{EstateID: estateID, Scores: map[shequ.RatingDimension]int{}, Comment: r.PostForm.Get("comment")}
	for _, d := range shequ.RatingDimensions {
		if v, err := strconv.Atoi(r.PostForm.Get("score_" + string(d))); err == nil {
			pr.Scores[d] = v
		}
	}
	return pr
}

// handleEstateRate serves POST /estates/{id}/ratings (a resident's
// household, once per period).
func (s *Server) handleEstateRate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionPropertyRate, s.wiredProperty())
	if !ok {
		return
	}
	id := pathID(r, "id")
	if err := s.cfg.Property.RateEstate(r.Context(), ratingFromForm(id, r)); err != nil {
		form := map[string]string{"comment": r.PostForm.Get("comment")}
		for _, d := range shequ.RatingDimensions {
			form["score_"+string(d)] = r.PostForm.Get("score_" + string(d))
		}
		s.estateFailed(w, r, a, form, err)
		return
	}
	http.Redirect(w, r, "/estates/"+url.PathEscape(id)+"?notice=rated#rating", http.StatusSeeOther)
}
