package web

import (
	"net/http"
	"time"

	"shequ"
)

// The JSON API of the time bank (issue 17): accounts with their family
// members and ledgers, redemptions, family members, transfers, a county's
// policy and book. Minutes are integers; the store makes every check.

// timebankAccountJSON is an account.
type timebankAccountJSON struct {
	ID         string             `json:"id"`
	ResidentID string             `json:"resident_id"`
	Name       string             `json:"name"`
	Community  string             `json:"community"`
	Balance    int                `json:"balance_minutes"`
	Deposited  int                `json:"deposited_minutes"`
	Withdrawn  int                `json:"withdrawn_minutes"`
	Family     []familyMemberJSON `json:"family"`
	CreatedAt  string             `json:"created_at"`
}

// familyMemberJSON is a registered family member.
type familyMemberJSON struct {
	ResidentID string `json:"resident_id"`
	Name       string `json:"name"`
	Relation   string `json:"relation"`
}

func newTimebankAccountJSON(x *shequ.TimeBankAccount) timebankAccountJSON {
	j := timebankAccountJSON{ID: x.ID, ResidentID: x.ResidentID, Name: x.Name, Community: x.Community, Balance: x.Balance,
		Deposited: x.Deposited, Withdrawn: x.Withdrawn, Family: []familyMemberJSON{},
		CreatedAt: x.CreatedAt.UTC().Format(time.RFC3339)}
	for _, m := range x.Family {
		j.Family = append(j.Family, familyMemberJSON{ResidentID: m.ResidentID, Name: m.Name, Relation: m.Relation})
	}
	return j
}

// ledgerEntryJSON is an entry of the ledger.
type ledgerEntryJSON struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Kind      string `json:"kind"`
	Minutes   int    `json:"minutes"`
	Balance   int    `json:"balance_minutes"`
	Community string `json:"community"`
	// HolderCounty is the account's county, ServingCounty the county of
	// community; CrossCounty marks a withdrawal served beyond the
	// holder's county (通存通兑).
	HolderCounty  string `json:"holder_county"`
	ServingCounty string `json:"serving_county"`
	CrossCounty   bool   `json:"cross_county"`
	RecordID      string `json:"record_id,omitempty"`
	Beneficiary   string `json:"beneficiary_id,omitempty"`
	Counterpart   string `json:"counterpart_account_id,omitempty"`
	Service       string `json:"service"`
	Note          string `json:"note"`
	By            string `json:"by"`
	CreatedAt     string `json:"created_at"`
}

func newLedgerEntryJSON(e *shequ.LedgerEntry) ledgerEntryJSON {
	county := func(code string) string { return code[:min(6, len(code))] }
	return ledgerEntryJSON{ID: e.ID, AccountID: e.AccountID, Kind: string(e.Kind), Minutes: e.Minutes, Balance: e.Balance,
		Community: e.Community, HolderCounty: county(e.HolderCommunity), ServingCounty: county(e.Community),
		CrossCounty: e.CrossCounty(), RecordID: e.RecordID, Beneficiary: e.Beneficiary, Counterpart: e.Counterpart,
		Service: e.Service, Note: e.Note, By: e.By, CreatedAt: e.CreatedAt.UTC().Format(time.RFC3339)}
}

// handleAPITimebankAccounts serves GET /api/v1/timebank/accounts: the
// accounts of the actor's area (a resident: their own and family's).
func (s *Server) handleAPITimebankAccounts(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTimeBankRead, s.cfg.TimeBank != nil)
	if !ok {
		return
	}
	limit, offset, err := parseLimitOffset(r.URL.Query(), 50, 200)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var list []*shequ.TimeBankAccount
	var total int
	if a.OwnOnly(shequ.ActionTimeBankRead) {
		list, err = s.cfg.TimeBank.MyAccounts(r.Context())
		total = len(list)
	} else {
		list, total, err = s.cfg.TimeBank.FindAccounts(r.Context(), "", offset, limit)
	}
	answerList(s, w, r, list, total, err, newTimebankAccountJSON)
}

// timebankOpenRequest is the body of POST /api/v1/timebank/accounts.
type timebankOpenRequest struct {
	ResidentID string `json:"resident_id"`
}

// handleAPITimebankOpen serves POST /api/v1/timebank/accounts: the account
// of a resident, opened if they have none.
func (s *Server) handleAPITimebankOpen(w http.ResponseWriter, r *http.Request) {
	var req timebankOpenRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionTimeBankRead, s.cfg.TimeBank != nil, &req); !ok {
		return
	}
	if req.ResidentID == "" || len(req.ResidentID) > maxIDLen {
		s.error(w, r, fieldErr("resident_id", "timebank.resident.required", "Pick the resident."))
		return
	}
	x, err := s.cfg.TimeBank.AccountOf(r.Context(), req.ResidentID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newTimebankAccountJSON(x))
}

// handleAPITimebankAccount serves GET /api/v1/timebank/accounts/{id}.
func (s *Server) handleAPITimebankAccount(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionTimeBankRead, s.cfg.TimeBank != nil); !ok {
		return
	}
	x, err := s.cfg.TimeBank.FindAccountByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, newTimebankAccountJSON(x))
}

// handleAPITimebankLedger serves GET /api/v1/timebank/accounts/{id}/ledger,
// newest first.
func (s *Server) handleAPITimebankLedger(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionTimeBankRead, s.cfg.TimeBank != nil); !ok {
		return
	}
	limit, offset, err := parseLimitOffset(r.URL.Query(), 50, 200)
	if err != nil {
		s.error(w, r, err)
		return
	}
	list, total, err := s.cfg.TimeBank.Ledger(r.Context(), pathID(r, "id"), offset, limit)
	answerList(s, w, r, list, total, err, newLedgerEntryJSON)
}

// withdrawalRequest is the body of POST
// /api/v1/timebank/accounts/{id}/withdrawals.
type withdrawalRequest struct {
	BeneficiaryID string `json:"beneficiary_id"`
	Minutes       int    `json:"minutes"`
	Community     string `json:"community"`
	Service       string `json:"service"`
}

// handleAPITimebankWithdraw serves POST
// /api/v1/timebank/accounts/{id}/withdrawals.
func (s *Server) handleAPITimebankWithdraw(w http.ResponseWriter, r *http.Request) {
	var req withdrawalRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionTimeBankWrite, s.cfg.TimeBank != nil, &req); !ok {
		return
	}
	e, err := s.cfg.TimeBank.Withdraw(r.Context(), &shequ.Withdrawal{AccountID: pathID(r, "id"),
		BeneficiaryID: req.BeneficiaryID, Minutes: req.Minutes, Community: req.Community, Service: req.Service})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newLedgerEntryJSON(e))
}

// familyRequest is the body of POST /api/v1/timebank/accounts/{id}/family.
type familyRequest struct {
	ResidentID string `json:"resident_id"`
	Relation   string `json:"relation"`
}

// handleAPITimebankFamily serves POST /api/v1/timebank/accounts/{id}/family.
func (s *Server) handleAPITimebankFamily(w http.ResponseWriter, r *http.Request) {
	var req familyRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionTimeBankWrite, s.cfg.TimeBank != nil, &req); !ok {
		return
	}
	id := pathID(r, "id")
	if req.ResidentID == "" || len(req.ResidentID) > maxIDLen {
		s.error(w, r, fieldErr("resident_id", "timebank.family.invalid", "Pick a family member from the resident register."))
		return
	}
	if err := s.cfg.TimeBank.AddFamily(r.Context(), id, shequ.FamilyMember{ResidentID: req.ResidentID, Relation: req.Relation}); err != nil {
		s.error(w, r, err)
		return
	}
	x, err := s.cfg.TimeBank.FindAccountByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newTimebankAccountJSON(x))
}

// transferRequest is the body of POST /api/v1/timebank/transfers.
type transferRequest struct {
	From    string `json:"from_account_id"`
	To      string `json:"to_account_id"`
	Minutes int    `json:"minutes"`
	Note    string `json:"note"`
}

// handleAPITimebankTransfer serves POST /api/v1/timebank/transfers: the
// entry of the account the minutes left.
func (s *Server) handleAPITimebankTransfer(w http.ResponseWriter, r *http.Request) {
	var req transferRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionTimeBankWrite, s.cfg.TimeBank != nil, &req); !ok {
		return
	}
	if len(req.From) > maxIDLen || len(req.To) > maxIDLen {
		s.error(w, r, shequ.ErrNotFound)
		return
	}
	e, err := s.cfg.TimeBank.Transfer(r.Context(), &shequ.Transfer{From: req.From, To: req.To, Minutes: req.Minutes, Note: req.Note})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newLedgerEntryJSON(e))
}

// timebankPolicyJSON is a county's policy.
type timebankPolicyJSON struct {
	County           string   `json:"county"`
	Eligible         []string `json:"eligible"`
	YearlyCapMinutes int      `json:"yearly_cap_minutes"`
}

func newTimebankPolicyJSON(p shequ.TimeBankPolicy) timebankPolicyJSON {
	j := timebankPolicyJSON{County: p.County, Eligible: []string{}, YearlyCapMinutes: p.YearlyCapMinutes}
	for _, c := range p.Eligible {
		j.Eligible = append(j.Eligible, string(c))
	}
	return j
}

// countyParam is the county a time-bank request names (?county=), the
// caller's own county when it names none.
func countyParam(r *http.Request, a *shequ.Actor) string {
	if c := r.URL.Query().Get("county"); c != "" {
		return c
	}
	if a != nil && len(a.Scope) >= 6 {
		return a.Scope[:6]
	}
	return ""
}

// handleAPITimebankPolicy serves GET /api/v1/timebank/policy?county=.
func (s *Server) handleAPITimebankPolicy(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTimeBankRead, s.cfg.TimeBank != nil)
	if !ok {
		return
	}
	p, err := s.cfg.TimeBank.TimeBankPolicyFor(r.Context(), countyParam(r, a))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newTimebankPolicyJSON(p))
}

// policyRequest is the body of PUT /api/v1/timebank/policy.
type policyRequest struct {
	County           string   `json:"county"`
	Eligible         []string `json:"eligible"`
	YearlyCapMinutes int      `json:"yearly_cap_minutes"`
}

// handleAPITimebankPolicyPut serves PUT /api/v1/timebank/policy.
func (s *Server) handleAPITimebankPolicyPut(w http.ResponseWriter, r *http.Request) {
	var req policyRequest
	if _, ok := s.guardJSON(w, r, shequ.ActionTimeBankPolicy, s.cfg.TimeBank != nil, &req); !ok {
		return
	}
	p := &shequ.TimeBankPolicy{County: req.County, YearlyCapMinutes: req.YearlyCapMinutes}
	for _, c := range cleanCodes(req.Eligible) {
		p.Eligible = append(p.Eligible, shequ.ServiceCategory(c))
	}
	if err := s.cfg.TimeBank.SetTimeBankPolicy(r.Context(), p); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newTimebankPolicyJSON(*p))
}

// timebankBookJSON is a county's book.
type timebankBookJSON struct {
	County          string `json:"county"`
	Accounts        int    `json:"accounts"`
	OwedMinutes     int    `json:"owed_minutes"`
	Deposited       int    `json:"deposited_minutes"`
	Redeemed        int    `json:"redeemed_minutes"`
	RedeemedOutside int    `json:"redeemed_outside_minutes"`
	ServedForOthers int    `json:"served_for_others_minutes"`
	Volunteers      int    `json:"active_volunteers"`
	ServingSkill    int    `json:"elderly_care_volunteers"`
	Served12m       int    `json:"eligible_minutes_12m"`
}

// handleAPITimebankBook serves GET /api/v1/timebank/book?county=.
func (s *Server) handleAPITimebankBook(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTimeBankRead, s.cfg.TimeBank != nil)
	if !ok {
		return
	}
	b, err := s.cfg.TimeBank.CountyBook(r.Context(), countyParam(r, a))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, timebankBookJSON{County: b.County, Accounts: b.Accounts, OwedMinutes: b.OwedMinutes,
		Deposited: b.Deposited, Redeemed: b.Redeemed, RedeemedOutside: b.RedeemedOutside, ServedForOthers: b.ServedForOthers,
		Volunteers:   b.Volunteers,
		ServingSkill: b.ServingSkill, Served12m: b.Served12m})
}

// handleAPITimebankHousehold serves GET
// /api/v1/timebank/accounts/{id}/household: the members of the holder's
// household not yet registered as family, for the holder to pick from
// (POST .../family with their resident_id).
func (s *Server) handleAPITimebankHousehold(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionTimeBankWrite, s.cfg.TimeBank != nil); !ok {
		return
	}
	list, err := s.cfg.TimeBank.HouseholdCandidates(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeList(w, list, len(list), func(m shequ.FamilyMember) familyMemberJSON {
		return familyMemberJSON{ResidentID: m.ResidentID, Name: m.Name, Relation: m.Relation}
	})
}
