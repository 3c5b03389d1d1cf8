package shequ

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// ServiceRecord is a volunteer service record (志愿服务记录) as the national
// rules require: the organizer who organized the service records it (谁组织
// 谁记录) and certifies it (谁记录谁证明), with the hours actually served; a
// volunteer never records their own. A record is never changed: a
// correction is a new record with a reason that supersedes it.
type ServiceRecord struct {
	ID            string
	VolunteerID   string
	Name          string // the volunteer's name (read only)
	Community     string // where the service took place
	OpportunityID string // "" for a correction of a record without one
	Title         string // what was done (the opportunity's title)
	Category      ServiceCategory
	OrganizerKind OrganizerKind
	OrgID         string
	Organizer     string // the organizer's name at the time (the community's or the org's)
	ProjectID     string // the project the opportunity served, if any
	Day           time.Time
	Minutes       int
	RecordedBy    string // account id
	RecorderName  string
	// Corrects is the record this one supersedes, with the reason.
	Corrects     string
	Reason       string
	SupersededBy string // read only: set when a later correction replaced it
	// Deposited is the minutes deposited into the time bank for it.
	Deposited int
	CreatedAt time.Time
}

// Standing reports whether the record counts (no correction replaced it).
func (r *ServiceRecord) Standing() bool { return r.SupersededBy == "" }

// MaxServiceMinutes bounds one record: a day's service.
const MaxServiceMinutes = 24 * 60

// Correction corrects a service record: the minutes actually served and
// why. Minutes 0 withdraws the record.
type Correction struct {
	Minutes int
	Reason  string
}

// Validate checks a correction.
func (c *Correction) Validate() error {
	var fe FieldErrors
	if c.Minutes < 0 || c.Minutes > MaxServiceMinutes {
		fe.Add("minutes", "record.minutes.invalid", "Minutes are 0 to 1440.", nil)
	}
	c.Reason = strings.TrimSpace(c.Reason)
	if n := utf8.RuneCountInString(c.Reason); n < 2 || n > MaxVolunteerText {
		fe.Add("reason", "record.reason.required", "Say why the record is corrected (2 to 500 characters).", nil)
	}
	return fe.Err()
}

// Confirmation is the organizer's confirmation of a checked-out sign-up:
// the minutes actually served (default the scanned span) and, when they
// differ from it, why.
type Confirmation struct {
	Minutes *int
	Note    string
}

// Certificate is a 志愿服务记录证明: the volunteer's standing records over a
// period, issued free of charge, with a verification code that anyone can
// check on the public page. The code is random and stored only as a keyed
// hash: it can be neither guessed nor forged.
type Certificate struct {
	ID          string
	Number      string // VC330523-2026-0001
	VolunteerID string
	Community   string
	Name        string // as printed
	IDMasked    string // as printed
	From, To    time.Time
	Minutes     int
	Records     int
	Categories  map[ServiceCategory]int // minutes by category
	Organizers  []string
	IssuedBy    string // the issuing body (the community's name)
	IssuedAt    time.Time
	Code        string // shown once, at issue; never stored in clear
	Revoked     bool
}

// MaskName masks a person's name for a public page: the surname and 某
// for the rest (张三丰 → 张**).
func MaskName(name string) string {
	rs := []rune(strings.TrimSpace(name))
	if len(rs) == 0 {
		return ""
	}
	return string(rs[0]) + strings.Repeat("*", max(len(rs)-1, 1))
}

// CertificateCheck is what the public verification page shows: no more
// than the certificate itself shows, the name masked.
type CertificateCheck struct {
	Number     string
	Name       string // masked
	IDMasked   string
	From, To   time.Time
	Minutes    int
	Records    int
	IssuedBy   string
	IssuedAt   time.Time
	Revoked    bool
	Superseded bool // records corrected after issue: the hours may differ now
}

// CertificateCodeLen is the length of a verification code without its
// separators: 20 characters of Crockford base32, 100 bits.
const CertificateCodeLen = 20

// NormalizeCertificateCode upper-cases a typed code and drops separators
// and blanks; it returns "" for what cannot be a code.
func NormalizeCertificateCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if !strings.ContainsRune(crockford, r) {
			return ""
		}
		b.WriteRune(r)
	}
	if b.Len() != CertificateCodeLen {
		return ""
	}
	return b.String()
}

// crockford is the alphabet of verification codes (no I, L, O, U).
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// EncodeCertificateCode writes 13 random bytes as a code (the first 100
// bits), grouped by four for reading aloud.
func EncodeCertificateCode(random []byte) string {
	var bits uint64
	var n uint
	var out []byte
	for _, by := range random {
		bits = bits<<8 | uint64(by)
		n += 8
		for n >= 5 && len(out) < CertificateCodeLen {
			n -= 5
			out = append(out, crockford[(bits>>n)&31])
		}
	}
	var b strings.Builder
	for i, c := range out {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// RecordFilter selects service records.
type RecordFilter struct {
	VolunteerID string
	Community   string
	ProjectID   string
	From, To    *time.Time
	// All includes superseded records.
	All    bool
	Offset int
	Limit  int
}

// OpportunityFilter selects opportunities.
type OpportunityFilter struct {
	Community string
	Status    OpportunityStatus
	Category  ServiceCategory
	ProjectID string
	// TeamID keeps those the team serves.
	TeamID string
	// Upcoming keeps those not yet ended.
	Upcoming bool
	Query    string
	Offset   int
	Limit    int
}

// MySignup is a sign-up with its opportunity, for the volunteer's page.
type MySignup struct {
	Signup
	Opportunity *Opportunity
}

// VolunteerService keeps volunteers, teams, opportunities, sign-ups,
// service records and certificates.
type VolunteerService interface {
	// The register of volunteers.
	RegisterVolunteer(ctx context.Context, v *Volunteer) error
	UpdateVolunteer(ctx context.Context, v *Volunteer) error
	FindVolunteerByID(ctx context.Context, id string, reveal bool) (*Volunteer, error)
	FindVolunteers(ctx context.Context, f VolunteerFilter) ([]*Volunteer, int, error)
	ImportVolunteers(ctx context.Context, vs []*Volunteer) error
	// MyVolunteer returns the signed-in resident's volunteer record
	// (ENotFound when they have none).
	MyVolunteer(ctx context.Context) (*Volunteer, error)
	// Join registers the signed-in resident as a volunteer.
	Join(ctx context.Context, v *Volunteer) error

	// Opportunities.
	CreateOpportunity(ctx context.Context, o *Opportunity) error
	UpdateOpportunity(ctx context.Context, o *Opportunity) error
	FindOpportunityByID(ctx context.Context, id string) (*Opportunity, error)
	FindOpportunities(ctx context.Context, f OpportunityFilter) ([]*Opportunity, int, error)
	// ScanToken returns the secret of the opportunity's QR code (the
	// organizer's).
	ScanToken(ctx context.Context, id string) (string, error)
	// OpportunityByToken finds the opportunity a scanned code names.
	OpportunityByToken(ctx context.Context, token string) (*Opportunity, error)

	// Sign-ups.
	SignUp(ctx context.Context, opportunityID string) (*Signup, error)
	// SignUpFor is the organizer signing a volunteer up (by phone, at the
	// door).
	SignUpFor(ctx context.Context, volunteerID, opportunityID string) (*Signup, error)
	CancelSignup(ctx context.Context, id string) (*Signup, error)
	// Scan checks the signed-in volunteer in, or out when already in, by
	// the code the organizer shows.
	Scan(ctx context.Context, token string) (*Signup, error)
	// MarkSignup is the organizer's move: check in or out for a volunteer,
	// or record a no-show.
	MarkSignup(ctx context.Context, id string, to SignupState) (*Signup, error)
	ConfirmSignup(ctx context.Context, id string, c Confirmation) (*Signup, error)
	FindSignups(ctx context.Context, opportunityID string) ([]*Signup, error)
	MySignups(ctx context.Context) ([]*MySignup, error)

	// Records and certificates.
	FindRecords(ctx context.Context, f RecordFilter) ([]*ServiceRecord, int, error)
	FindRecordByID(ctx context.Context, id string) (*ServiceRecord, error)
	CorrectRecord(ctx context.Context, id string, c Correction) (*ServiceRecord, error)
	// IssueCertificate issues a certificate of the volunteer's standing
	// records over [from, to]; the code is in the result once.
	IssueCertificate(ctx context.Context, volunteerID string, from, to time.Time) (*Certificate, error)
	FindCertificates(ctx context.Context, volunteerID string) ([]*Certificate, error)
	// FindCertificate returns one certificate (with its code) for its PDF.
	FindCertificate(ctx context.Context, id string) (*Certificate, error)
	// VerifyCertificate checks a code on the public page (no account).
	VerifyCertificate(ctx context.Context, code string) (*CertificateCheck, error)
	// ProjectService sums the standing records of a project's
	// opportunities: the volunteers and minutes its activities derive.
	ProjectService(ctx context.Context, projectID string) (volunteers, minutes int, err error)
}
