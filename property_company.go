package shequ

import (
	"context"
	"time"
)

// PropertyCompany is a property service company (物业服务企业). Its
// division is the county or township that supervises it; it may manage
// estates anywhere. Property staff accounts belong to one company and act
// for it alone.
type PropertyCompany struct {
	ID           string
	Name         string
	CreditCode   CreditCode
	Division     string // supervising county (6 digits) or township (9 digits)
	Address      string
	Contact      string // contact person
	ContactPhone Phone  // sealed at rest; returned in clear for the caller to mask
	StaffIDs     []string
	StaffNames   []string // usernames of StaffIDs, read-only
	// The black list (黑名单), decided by an official with a reason.
	Blacklisted     bool
	BlacklistReason string
	BlacklistedAt   *time.Time
	// Read-only: the credit score and grade at the service's clock.
	Score     int
	Grade     Grade
	Estates   int // estates under a contract in force
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate normalizes and checks a company and returns every field error at
// once.
func (c *PropertyCompany) Validate() error {
	var fe FieldErrors
	if !trimText(&c.Name, 2, 100) {
		fe.Add("name", "company.name.invalid", "The name has 2 to 100 characters.", nil)
	}
	if code, err := ParseCreditCode(string(c.CreditCode)); err != nil {
		fe.Add("credit_code", ErrCreditCode.Key, ErrCreditCode.Message, nil)
	} else {
		c.CreditCode = code
	}
	if (len(c.Division) != 6 && len(c.Division) != 9) || ValidateDivisionCode(c.Division) != nil {
		fe.Add("division", "company.division.invalid", "A company is supervised by a county or a township.", nil)
	}
	if !trimText(&c.Address, 0, 200) {
		fe.Add("address", "estate.address.long", "The address has at most 200 characters.", nil)
	}
	if !trimText(&c.Contact, 0, 50) {
		fe.Add("contact", "company.contact.long", "The contact has at most 50 characters.", nil)
	}
	if c.ContactPhone != "" {
		p, err := ParsePhone(string(c.ContactPhone))
		if err != nil {
			fe.Add("contact_phone", "phone.invalid", ErrPhone.Message, nil)
		}
		c.ContactPhone = p
	}
	return fe.Err()
}

// ContractSelection is how a company was chosen for an estate.
type ContractSelection string

// Contract selections.
const (
	SelectedByOwners ContractSelection = "owners_assembly" // 业主大会选聘
	SelectedEarly    ContractSelection = "preliminary"     // 前期物业 (chosen by the developer)
)

// ContractSelections lists them.
var ContractSelections = []ContractSelection{SelectedByOwners, SelectedEarly}

// PropertyContract is a service contract (物业服务合同) of a company for an
// estate. Dates are days in Asia/Shanghai; a contract is in force from Start
// to End inclusive unless it was ended early.
type PropertyContract struct {
	ID          string
	EstateID    string
	EstateName  string // read-only
	CompanyID   string
	CompanyName string // read-only
	Community   string // the estate's primary community
	Start, End  time.Time
	FeeFen      int64 // 物业费, 分 per m² per month
	Scope       string
	Selection   ContractSelection
	EndedOn     *time.Time // ended early
	EndReason   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// MaxContractFeeFen bounds the fee standard: 100 元 per m² per month.
const MaxContractFeeFen = 10_000

// Validate normalizes and checks a new contract.
func (c *PropertyContract) Validate() error {
	var fe FieldErrors
	if c.EstateID == "" {
		fe.Add("estate_id", "contract.estate.required", "Pick the estate.", nil)
	}
	if c.CompanyID == "" {
		fe.Add("company_id", "contract.company.required", "Pick the company.", nil)
	}
	if c.Start.IsZero() || c.End.IsZero() || !c.End.After(c.Start) || c.End.After(c.Start.AddDate(10, 0, 0)) {
		fe.Add("end", "contract.dates.invalid", "The contract ends after it starts, within 10 years.", nil)
	}
	if c.FeeFen < 1 || c.FeeFen > MaxContractFeeFen {
		fe.Add("fee", "contract.fee.invalid", "The fee is 0.01 to 100.00 yuan per m² per month.", nil)
	}
	if !trimText(&c.Scope, 2, 1000) {
		fe.Add("scope", "contract.scope.invalid", "Describe the scope of service in 2 to 1000 characters.", nil)
	}
	if !oneOf(c.Selection, ContractSelections) {
		fe.Add("selection", "contract.selection.invalid", "Say how the company was chosen.", nil)
	}
	return fe.Err()
}

// InForce reports whether the contract is in force on day (a date in
// Asia/Shanghai).
func (c *PropertyContract) InForce(day time.Time) bool {
	d := DateOf(day)
	end := c.End
	if c.EndedOn != nil && c.EndedOn.Before(end) {
		end = *c.EndedOn
	}
	return !d.Before(c.Start) && !d.After(end)
}

// DateOf returns midnight of t's day in Asia/Shanghai, the form dates are
// stored and compared in.
func DateOf(t time.Time) time.Time { return startOfDay(t) }

// DaysUntil counts the calendar days from the day of now to day (negative
// when day is past).
func DaysUntil(now, day time.Time) int {
	a, b := DateOf(now), DateOf(day)
	return int(b.Sub(a).Round(24*time.Hour) / (24 * time.Hour))
}

// CompanyFilter selects companies.
type CompanyFilter struct {
	Division string // supervised at or below, or managing estates at or below
	Query    string // part of the name
	Grade    Grade
	Offset   int
	Limit    int
}

// CompanyUpdate changes a company; nil fields are left alone.
type CompanyUpdate struct {
	Name         *string
	CreditCode   *CreditCode
	Division     *string
	Address      *string
	Contact      *string
	ContactPhone *Phone
}

// CompanyService keeps property companies, their staff accounts and their
// contracts.
type CompanyService interface {
	CreateCompany(ctx context.Context, c *PropertyCompany) error
	// ImportCompanies registers companies all or nothing; each row's
	// errors carry its line.
	ImportCompanies(ctx context.Context, cs []*PropertyCompany) error
	FindCompanyByID(ctx context.Context, id string) (*PropertyCompany, error)
	FindCompanies(ctx context.Context, f CompanyFilter) ([]*PropertyCompany, int, error)
	UpdateCompany(ctx context.Context, id string, u CompanyUpdate) (*PropertyCompany, error)
	// SetCompanyStaff replaces the property staff accounts of a company;
	// an account belongs to one company at most.
	SetCompanyStaff(ctx context.Context, companyID string, userIDs []string) error
	// MyCompany returns the company of the signed-in property staff.
	MyCompany(ctx context.Context) (*PropertyCompany, error)

	CreateContract(ctx context.Context, c *PropertyContract) error
	// EndContract ends a contract early on a day with a reason.
	EndContract(ctx context.Context, id string, on time.Time, reason string) (*PropertyContract, error)
	// FindContracts lists the contracts of an estate or of a company
	// (one of the two), newest first.
	FindContracts(ctx context.Context, estateID, companyID string) ([]*PropertyContract, error)
}
