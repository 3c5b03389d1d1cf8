package web

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"shequ"
)

// The time-bank pages (时间银行, issue 17): the county's book (hours owed
// against the volunteers able to serve), its policy (eligible services,
// yearly cap), the accounts of the area; an account's page with its ledger,
// family members, withdrawals (通存通兑) and transfers. A resident sees the
// accounts they hold or are family of.

// timebankPage is the data of templates/timebank.html.
type timebankPage struct {
	County     string // the actor's county (6 digits), "" above one
	Book       *shequ.TimeBankCounty
	Policy     shequ.TimeBankPolicy
	CanPolicy  bool
	CanOpen    bool // open an account for a resident (staff)
	Categories []shequ.ServiceCategory
	Accounts   []*shequ.TimeBankAccount
	Total      int
	Own        bool // a resident: their own and family accounts
	F          map[string]string
	Notice     string
	Error      string
	Errors     map[string]string
}

// timebank reads the page for the actor.
func (s *Server) timebank(r *http.Request, a *shequ.Actor) (*timebankPage, error) {
	ctx := r.Context()
	p := &timebankPage{Categories: shequ.ServiceCategories, F: map[string]string{}, Own: a.OwnOnly(shequ.ActionTimeBankRead)}
	var err error
	if p.Own {
		if p.Accounts, err = s.cfg.TimeBank.MyAccounts(ctx); err != nil {
			return nil, err
		}
		p.Total = len(p.Accounts)
		return p, nil
	}
	if len(a.Scope) >= 6 {
		p.County = a.Scope[:6]
		if p.Policy, err = s.cfg.TimeBank.TimeBankPolicyFor(ctx, p.County); err != nil {
			return nil, err
		}
		// The county's book is for those who answer for the county.
		if len(a.Scope) == 6 {
			book, err := s.cfg.TimeBank.CountyBook(ctx, p.County)
			if c := shequ.ErrorCode(err); err != nil && c != shequ.EForbidden && c != shequ.ENotFound {
				return nil, err
			}
			p.Book = book
		}
		p.CanPolicy = a.Can(shequ.ActionTimeBankPolicy)
		p.F["yearly_cap"] = shequ.HoursText(p.Policy.YearlyCapMinutes)
	}
	p.CanOpen = a.Can(shequ.ActionTimeBankWrite)
	if p.Accounts, p.Total, err = s.cfg.TimeBank.FindAccounts(ctx, "", 0, 200); err != nil {
		return nil, err
	}
	return p, nil
}

// handleTimebank serves GET /timebank.
func (s *Server) handleTimebank(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTimeBankRead, s.cfg.TimeBank != nil)
	if !ok {
		return
	}
	p, err := s.timebank(r, a)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if n := r.URL.Query().Get("notice"); n == "policy" {
		p.Notice = s.localizer(r).T("timebank.notice.policy")
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "timebank", s.localizer(r).T("timebank.title"), p)
}

// parseHours reads a number of hours ("1.5") as minutes; false when it is
// not a number of at most 100000 hours.
func parseHours(v string) (int, bool) {
	h, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(h) || math.IsInf(h, 0) || h < 0 || h > 100_000 {
		return -1, false
	}
	return int(math.Round(h * 60)), true
}

// handleTimebankPolicy serves POST /timebank/policy: an official sets the
// county's eligible services and yearly cap.
func (s *Server) handleTimebankPolicy(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTimeBankPolicy, s.cfg.TimeBank != nil)
	if !ok || !s.readForm(w, r) {
		return
	}
	pol := &shequ.TimeBankPolicy{}
	if len(a.Scope) >= 6 {
		pol.County = a.Scope[:6]
	}
	for _, c := range r.PostForm["eligible"] {
		pol.Eligible = append(pol.Eligible, shequ.ServiceCategory(c))
	}
	var err error
	if m, ok := parseHours(r.PostForm.Get("yearly_cap")); ok {
		pol.YearlyCapMinutes = m
		err = s.cfg.TimeBank.SetTimeBankPolicy(r.Context(), pol)
	} else {
		err = fieldErr("yearly_cap", "timebank.cap.invalid", "The yearly cap is 0 to 2000 hours.")
	}
	if err != nil {
		p, perr := s.timebank(r, a)
		if perr != nil {
			s.error(w, r, perr)
			return
		}
		p.F["yearly_cap"] = r.PostForm.Get("yearly_cap")
		p.Policy.Eligible = pol.Eligible
		s.formFailed(w, r, "timebank", "timebank.title", p, &p.Errors, &p.Error, err)
		return
	}
	http.Redirect(w, r, "/timebank?notice=policy", http.StatusSeeOther)
}

// handleTimebankOpen serves POST /timebank/accounts: a worker opens (or
// finds) the account of a resident picked from the register.
func (s *Server) handleTimebankOpen(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTimeBankWrite, s.cfg.TimeBank != nil)
	if !ok || !s.readForm(w, r) {
		return
	}
	var err error
	var x *shequ.TimeBankAccount
	if id := r.PostForm.Get("resident_id"); id == "" || len(id) > maxIDLen {
		err = fieldErr("resident_id", "timebank.resident.required", "Pick the resident.")
	} else {
		x, err = s.cfg.TimeBank.AccountOf(r.Context(), id)
	}
	if err != nil {
		p, perr := s.timebank(r, a)
		if perr != nil {
			s.error(w, r, perr)
			return
		}
		s.formFailed(w, r, "timebank", "timebank.title", p, &p.Errors, &p.Error, err)
		return
	}
	http.Redirect(w, r, "/timebank/accounts/"+url.PathEscape(x.ID), http.StatusSeeOther)
}

// timebankAccountPage is the data of templates/timebank_account.html.
type timebankAccountPage struct {
	X      *shequ.TimeBankAccount
	Ledger []*shequ.LedgerEntry
	Total  int
	// Names are the holder's and family members' names by resident id
	// (the beneficiaries of withdrawals).
	Names map[string]string
	// Scope is what the withdrawal's community picker lists: the
	// account's county, the province for the holder and a registered
	// family member (通存通兑 beyond the county, picked by name; the
	// whole country for a family member living in another province), a
	// worker's own community.
	Scope string
	// Beyond is set when the picker reaches beyond the county (the
	// holder, a family member): it searches by name.
	Beyond bool
	Staff  bool // may add family members and record transfers
	// Holder is set for the holder themself, who may add a member of
	// their household (Household: those not yet registered).
	Holder    bool
	Household []shequ.FamilyMember
	F         map[string]string
	Notice    string
	Error     string
	Errors    map[string]string
}

// timebankAccount reads the path's account page.
func (s *Server) timebankAccount(r *http.Request, a *shequ.Actor) (*timebankAccountPage, error) {
	ctx := r.Context()
	x, err := s.cfg.TimeBank.FindAccountByID(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	p := &timebankAccountPage{X: x, Names: map[string]string{x.ResidentID: x.Name}, Scope: x.Community[:6],
		Staff: a.Can(shequ.ActionTimeBankWrite) && !a.OwnOnly(shequ.ActionTimeBankWrite),
		F:     map[string]string{"community": x.Community, "beneficiary_id": x.ResidentID}}
	if !p.Staff && len(a.Scope) == 12 && !strings.HasPrefix(a.Scope, p.Scope) {
		p.F["community"] = a.Scope
	}
	if p.Staff && len(a.Scope) == 12 {
		p.F["community"] = a.Scope
		p.Scope = a.Scope
	}
	for _, m := range x.Family {
		p.Names[m.ResidentID] = m.Name
	}
	if !p.Staff && a.UserID != "" && a.UserID == x.HolderUser && a.Can(shequ.ActionTimeBankWrite) {
		// The holder adds members of their household; they redeem beyond
		// the county too (通存通兑): the community is picked by name
		// within the province.
		if p.Household, err = s.cfg.TimeBank.HouseholdCandidates(ctx, x.ID); err != nil {
			return nil, err
		}
		p.Holder, p.Scope, p.Beyond = true, x.Community[:2], true
	} else if i := slices.IndexFunc(x.Family, func(m shequ.FamilyMember) bool { return a.UserID != "" && m.UserID == a.UserID }); i >= 0 &&
		!p.Staff && a.Can(shequ.ActionTimeBankWrite) {
		// A registered family member redeems anywhere too, with the
		// holder's checks: for themself by default, their own community
		// first, others searched by name in the account's province, or in
		// the country when they live in another.
		p.F["beneficiary_id"] = x.Family[i].ResidentID
		p.Scope, p.Beyond = x.Community[:2], true
		if len(a.Scope) >= 2 && a.Scope[:2] != p.Scope {
			p.Scope = ""
		}
	}
	if p.Ledger, p.Total, err = s.cfg.TimeBank.Ledger(ctx, x.ID, 0, 200); err != nil {
		return nil, err
	}
	return p, nil
}

// handleTimebankAccount serves GET /timebank/accounts/{id}.
func (s *Server) handleTimebankAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTimeBankRead, s.cfg.TimeBank != nil)
	if !ok {
		return
	}
	p, err := s.timebankAccount(r, a)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if n := r.URL.Query().Get("notice"); slices.Contains([]string{"withdrawn", "family", "transferred"}, n) {
		p.Notice = s.localizer(r).T("timebank.notice." + n)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "timebank_account", p.X.Name+" · "+s.localizer(r).T("timebank.account"), p)
}

// timebankAccountFailed shows the account page again with the error of a
// form, keeping what was typed.
func (s *Server) timebankAccountFailed(w http.ResponseWriter, r *http.Request, a *shequ.Actor, err error) {
	p, perr := s.timebankAccount(r, a)
	if perr != nil {
		s.error(w, r, perr)
		return
	}
	for k := range r.PostForm {
		p.F[k] = r.PostForm.Get(k)
	}
	s.formFailed(w, r, "timebank_account", "timebank.account", p, &p.Errors, &p.Error, err)
}

// handleTimebankWithdraw serves POST /timebank/accounts/{id}/withdrawals:
// the holder, a registered family member or a worker records hours
// redeemed as a service received.
func (s *Server) handleTimebankWithdraw(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTimeBankWrite, s.cfg.TimeBank != nil)
	if !ok || !s.readForm(w, r) {
		return
	}
	f := r.PostForm
	wd := &shequ.Withdrawal{AccountID: r.PathValue("id"), BeneficiaryID: f.Get("beneficiary_id"),
		Community: strings.TrimSpace(f.Get("community")), Service: f.Get("service")}
	var err error
	if m, ok := parseHours(f.Get("hours")); ok && m > 0 {
		wd.Minutes = m
		_, err = s.cfg.TimeBank.Withdraw(r.Context(), wd)
	} else {
		err = fieldErr("hours", "timebank.hours.invalid", "Give the hours as a number, such as 1.5.")
	}
	if err != nil {
		s.timebankAccountFailed(w, r, a, err)
		return
	}
	http.Redirect(w, r, "/timebank/accounts/"+url.PathEscape(wd.AccountID)+"?notice=withdrawn", http.StatusSeeOther)
}

// handleTimebankFamily serves POST /timebank/accounts/{id}/family: a
// worker registers a family member (picked from the register) who may
// redeem the holder's hours.
func (s *Server) handleTimebankFamily(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTimeBankWrite, s.cfg.TimeBank != nil)
	if !ok || !s.readForm(w, r) {
		return
	}
	id := r.PathValue("id")
	m := shequ.FamilyMember{ResidentID: r.PostForm.Get("resident_id"), Relation: r.PostForm.Get("relation")}
	var err error
	if m.ResidentID == "" || len(m.ResidentID) > maxIDLen {
		err = fieldErr("resident_id", "timebank.family.invalid", "Pick a family member from the resident register.")
	} else {
		err = s.cfg.TimeBank.AddFamily(r.Context(), id, m)
	}
	if err != nil {
		s.timebankAccountFailed(w, r, a, err)
		return
	}
	http.Redirect(w, r, "/timebank/accounts/"+url.PathEscape(id)+"?notice=family#timebank-family", http.StatusSeeOther)
}

// handleTimebankTransfer serves POST /timebank/accounts/{id}/transfers: a
// worker moves hours from the account to the account of a resident picked
// from the register (opened if needed).
func (s *Server) handleTimebankTransfer(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTimeBankWrite, s.cfg.TimeBank != nil)
	if !ok || !s.readForm(w, r) {
		return
	}
	id, f := r.PathValue("id"), r.PostForm
	t := &shequ.Transfer{From: id, Note: f.Get("note")}
	var err error
	m, okHours := parseHours(f.Get("hours"))
	switch to := f.Get("to_resident_id"); {
	case !okHours || m == 0:
		err = fieldErr("hours", "timebank.hours.invalid", "Give the hours as a number, such as 1.5.")
	case to == "" || len(to) > maxIDLen:
		err = fieldErr("to_resident_id", "timebank.to.invalid", "Pick another account to transfer to.")
	default:
		var x *shequ.TimeBankAccount
		if x, err = s.cfg.TimeBank.AccountOf(r.Context(), to); err != nil {
			err = fieldErr("to_resident_id", "timebank.to.invalid", "Pick another account to transfer to.")
		} else {
			t.To, t.Minutes = x.ID, m
			_, err = s.cfg.TimeBank.Transfer(r.Context(), t)
		}
	}
	if err != nil {
		s.timebankAccountFailed(w, r, a, err)
		return
	}
	http.Redirect(w, r, "/timebank/accounts/"+url.PathEscape(id)+"?notice=transferred", http.StatusSeeOther)
}
