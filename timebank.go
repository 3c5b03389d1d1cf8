package shequ

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Time bank (时间银行) for elderly care (issue 17). A county lists the
// service categories that deposit: each confirmed minute of such service
// goes 1:1 into the volunteer's account, up to a yearly cap. The holder,
// or a family member the holder registered, withdraws minutes as services
// when they need them, in any community of the county or beyond (通存通兑);
// the holder may transfer minutes to another account. The ledger always
// balances: an account's balance is the sum of its entries, a transfer's
// two entries sum to zero, and no balance goes below zero.

// LedgerKind is the kind of a time-bank entry.
type LedgerKind string

// Ledger kinds. Deposits and transfers in are positive, withdrawals and
// transfers out negative.
const (
	LedgerDeposit     LedgerKind = "deposit"      // 存入（志愿服务）
	LedgerWithdrawal  LedgerKind = "withdrawal"   // 兑换服务
	LedgerTransferIn  LedgerKind = "transfer_in"  // 转入
	LedgerTransferOut LedgerKind = "transfer_out" // 转出
	// LedgerCorrection follows a corrected service record: the deposit's
	// difference, never more than the balance holds.
	LedgerCorrection LedgerKind = "correction" // 记录更正
)

// LedgerKinds lists them.
var LedgerKinds = []LedgerKind{LedgerDeposit, LedgerWithdrawal, LedgerTransferIn, LedgerTransferOut, LedgerCorrection}

// TimeBankPolicy is a county's time-bank rules.
type TimeBankPolicy struct {
	County string // 6 digits
	// Eligible are the categories whose hours deposit.
	Eligible []ServiceCategory
	// YearlyCapMinutes bounds a volunteer's deposits in a calendar year.
	YearlyCapMinutes int
	UpdatedAt        time.Time
	UpdatedBy        string
}

// DefaultTimeBankPolicy is the policy of a county that set none: elderly
// care deposits, up to 300 hours a year.
func DefaultTimeBankPolicy(county string) TimeBankPolicy {
	return TimeBankPolicy{County: county, Eligible: []ServiceCategory{CatElderly}, YearlyCapMinutes: 300 * 60}
}

// Validate checks a policy.
func (p *TimeBankPolicy) Validate() error {
	var fe FieldErrors
	if len(p.County) != 6 || ValidateDivisionCode(p.County) != nil {
		fe.Add("county", "timebank.county.invalid", "The policy is a county's.", nil)
	}
	p.Eligible = uniqueSorted(p.Eligible, ServiceCategories)
	for _, c := range p.Eligible {
		if !oneOf(c, ServiceCategories) {
			fe.Add("eligible", "opportunity.category.invalid", "Choose the category of service.", nil)
			break
		}
	}
	if p.YearlyCapMinutes < 0 || p.YearlyCapMinutes > 2000*60 {
		fe.Add("yearly_cap", "timebank.cap.invalid", "The yearly cap is 0 to 2000 hours.", nil)
	}
	return fe.Err()
}

// Deposits reports whether a category deposits under the policy.
func (p *TimeBankPolicy) Deposits(c ServiceCategory) bool { return oneOf(c, p.Eligible) }

// DepositFor is the minutes a record of minutes deposits when depositedYear
// were deposited already this year: the part under the cap.
func (p *TimeBankPolicy) DepositFor(minutes, depositedYear int) int {
	return max(0, min(minutes, p.YearlyCapMinutes-depositedYear))
}

// TimeBankAccount is a resident's account (one per resident).
type TimeBankAccount struct {
	ID         string
	ResidentID string
	Name       string // the holder's name (read only)
	Community  string
	Balance    int // minutes
	Deposited  int // all deposits (minutes)
	Withdrawn  int // all withdrawals
	CreatedAt  time.Time
	// HolderUser is the holder's own user account, "" if none (read
	// only: who may act as the holder).
	HolderUser string
	// Family are the residents who may withdraw from the account.
	Family []FamilyMember
}

// FamilyMember is a registered family member of an account holder.
type FamilyMember struct {
	ResidentID string
	Name       string
	Relation   string
	// UserID is the member's own account, "" if none (read only: who
	// may act as this member).
	UserID string
}

// LedgerEntry is one entry of the time-bank ledger.
type LedgerEntry struct {
	ID        string
	AccountID string
	Kind      LedgerKind
	Minutes   int // signed
	Balance   int // the account's balance after it
	// Community is where it happened: for a withdrawal, the community
	// that gave the service (any county: 通存通兑); HolderCommunity is the
	// account's (read only), so the entry names both counties.
	Community       string
	HolderCommunity string
	RecordID        string // the service record of a deposit
	// Beneficiary is the resident served by a withdrawal (the holder or a
	// family member), Counterpart the other account of a transfer.
	Beneficiary string
	Counterpart string
	Service     string // what was received (a withdrawal)
	Note        string
	By          string
	CreatedAt   time.Time
}

// CrossCounty reports a withdrawal served in another county than the
// account's (跨县通兑).
func (e *LedgerEntry) CrossCounty() bool {
	return e.Kind == LedgerWithdrawal && len(e.Community) >= 6 && len(e.HolderCommunity) >= 6 &&
		e.Community[:6] != e.HolderCommunity[:6]
}

// AbsMinutes is the entry's minutes without their sign.
func (e *LedgerEntry) AbsMinutes() int { return max(e.Minutes, -e.Minutes) }

// Withdrawal is a redemption of minutes as a service received.
type Withdrawal struct {
	AccountID string
	// BeneficiaryID is the resident who receives the service: the holder
	// or a registered family member.
	BeneficiaryID string
	Minutes       int
	// Community is where the service was given (any community: 通存通兑).
	Community string
	Service   string
}

// Validate checks a withdrawal.
func (w *Withdrawal) Validate() error {
	var fe FieldErrors
	if w.Minutes < 1 || w.Minutes > 100_000 {
		fe.Add("minutes", "timebank.minutes.invalid", "The time is from 1 minute to 100000 minutes.", nil)
	}
	if len(w.Community) != 12 || ValidateDivisionCode(w.Community) != nil {
		fe.Add("community", "timebank.community.invalid", "Pick the community where the service was given.", nil)
	}
	w.Service = strings.TrimSpace(w.Service)
	if n := utf8.RuneCountInString(w.Service); n < 2 || n > 200 {
		fe.Add("service", "timebank.service.invalid", "Name the service received (2 to 200 characters).", nil)
	}
	return fe.Err()
}

// Transfer moves minutes between two accounts.
type Transfer struct {
	From, To string
	Minutes  int
	Note     string
}

// Validate checks a transfer.
func (t *Transfer) Validate() error {
	var fe FieldErrors
	if t.Minutes < 1 || t.Minutes > 100_000 {
		fe.Add("minutes", "timebank.minutes.invalid", "The time is from 1 minute to 100000 minutes.", nil)
	}
	if t.To == "" || t.To == t.From {
		fe.Add("to", "timebank.to.invalid", "Pick another account to transfer to.", nil)
	}
	t.Note = strings.TrimSpace(t.Note)
	if utf8.RuneCountInString(t.Note) > 200 {
		fe.Add("note", "timebank.note.long", "The note has at most 200 characters.", nil)
	}
	return fe.Err()
}

// ErrInsufficient is a withdrawal or transfer beyond the balance.
var ErrInsufficient = Errorf(EConflict, "timebank.insufficient", "The account does not hold that much time.")

// TimeBankCounty is what a county owes and who can serve it: the minutes
// held in its residents' accounts against its active volunteers whose
// service deposits.
type TimeBankCounty struct {
	County          string
	Accounts        int
	OwedMinutes     int // balances held
	Deposited       int // all time
	Redeemed        int // all time
	RedeemedOutside int // by the county's accounts in other counties (通兑)
	// ServedForOthers is what the county's communities gave to holders of
	// other counties: with RedeemedOutside, what two counties settle.
	ServedForOthers int
	Volunteers      int // active volunteers of the county
	ServingSkill    int // of them, offering elderly-care skills
	Served12m       int // minutes of eligible service in the last 12 months
}

// TimeBankService keeps the time bank.
type TimeBankService interface {
	TimeBankPolicyFor(ctx context.Context, county string) (TimeBankPolicy, error)
	SetTimeBankPolicy(ctx context.Context, p *TimeBankPolicy) error
	// Account returns the account of a resident (opening it if needed).
	AccountOf(ctx context.Context, residentID string) (*TimeBankAccount, error)
	FindAccountByID(ctx context.Context, id string) (*TimeBankAccount, error)
	// MyAccounts returns the signed-in resident's account and those they
	// are a registered family member of.
	MyAccounts(ctx context.Context) ([]*TimeBankAccount, error)
	FindAccounts(ctx context.Context, community string, offset, limit int) ([]*TimeBankAccount, int, error)
	Ledger(ctx context.Context, accountID string, offset, limit int) ([]*LedgerEntry, int, error)
	// AddFamily registers a family member: the holder picks a member of
	// their household, a worker anyone of the register.
	AddFamily(ctx context.Context, accountID string, m FamilyMember) error
	// HouseholdCandidates lists the holder's household members not yet
	// registered (Relation is their relation in the register).
	HouseholdCandidates(ctx context.Context, accountID string) ([]FamilyMember, error)
	Withdraw(ctx context.Context, w *Withdrawal) (*LedgerEntry, error)
	Transfer(ctx context.Context, t *Transfer) (*LedgerEntry, error)
	CountyBook(ctx context.Context, county string) (*TimeBankCounty, error)
}
