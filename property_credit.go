package shequ

import (
	"context"
	"time"
)

// CreditClass says how a credit record counts.
type CreditClass string

// Credit classes.
const (
	CreditBase CreditClass = "base" // 基础信息, at most MaxBasePoints in all
	CreditGood CreditClass = "good" // 良好信息, at most MaxGoodPoints in all
	CreditBad  CreditClass = "bad"  // 不良信息, subtracted
)

// Caps of a company's score.
const (
	MaxBasePoints = 80
	MaxGoodPoints = 40
)

// CreditKind is what a credit record is for.
type CreditKind string

// Credit record kinds. The rules write the automatic ones with the
// county's points; an official writes the manual ones with points of their
// own within the kind's bounds.
const (
	CreditBaseRegistered    CreditKind = "base_registered"       // 基础信息：登记备案 (automatic)
	CreditBaseOther         CreditKind = "base_other"            // 基础信息：资质、人员等 (manual)
	CreditAward             CreditKind = "award"                 // 表彰奖励 (manual)
	CreditHighRating        CreditKind = "high_rating"           // 居民评价优良 (automatic)
	CreditResolutionEarly   CreditKind = "resolution_early"      // 联席会议决议提前落实 (automatic)
	CreditComplaintUpheld   CreditKind = "complaint_upheld"      // 投诉成立 (automatic)
	CreditRectificationLate CreditKind = "rectification_overdue" // 整改逾期 (automatic)
	CreditInspectionFailed  CreditKind = "inspection_failed"     // 检查不合格 (automatic)
	CreditResolutionOverdue CreditKind = "resolution_overdue"    // 联席会议决议逾期 (automatic)
	CreditSeriousBreach     CreditKind = "serious_breach"        // 严重违法违规 (manual)
)

// CreditKinds lists the kinds in display order.
var CreditKinds = []CreditKind{CreditBaseRegistered, CreditBaseOther, CreditAward, CreditHighRating,
	CreditResolutionEarly, CreditComplaintUpheld, CreditRectificationLate, CreditInspectionFailed,
	CreditResolutionOverdue, CreditSeriousBreach}

// Class returns how records of the kind count.
func (k CreditKind) Class() CreditClass {
	switch k {
	case CreditBaseRegistered, CreditBaseOther:
		return CreditBase
	case CreditAward, CreditHighRating, CreditResolutionEarly:
		return CreditGood
	}
	return CreditBad
}

// Manual reports whether an official writes records of the kind by hand.
func (k CreditKind) Manual() bool {
	return k == CreditBaseOther || k == CreditAward || k == CreditSeriousBreach
}

// MaxPoints bounds the points of one record of the kind.
func (k CreditKind) MaxPoints() int {
	switch k.Class() {
	case CreditBase:
		return MaxBasePoints
	case CreditGood:
		return MaxGoodPoints
	}
	return 100
}

// Label names the kind in messages (catalogue entry credit.kind.<kind>).
func (k CreditKind) Label() Label { return Label{"credit.kind", string(k)} }

// CreditRecord is one record of a company's credit file: every point of
// the score comes from one. A record counts from RecordedOn to ValidUntil
// inclusive unless withdrawn (an appeal upheld).
type CreditRecord struct {
	ID         string
	CompanyID  string
	Kind       CreditKind
	Points     int    // magnitude; bad records subtract it
	Note       string // public: what happened, without personal data
	ObjectType string // the source: complaint, rectification, inspection, resolution, estate (rating)…; "" manual
	ObjectID   string
	EstateID   string
	EstateName string // read-only
	Community  string // where it happened, "" for company-wide records
	RecordedOn time.Time
	ValidUntil time.Time
	Withdrawn  bool
	// WithdrawReason is the answer of the appeal that withdrew it.
	WithdrawReason string
	RecordedBy     string
	CreatedAt      time.Time
	// Read-only: the latest appeal against it, if any.
	Appeal *CreditAppeal
}

// Counts reports whether the record counts in the score on day.
func (r *CreditRecord) Counts(day time.Time) bool {
	d := DateOf(day)
	return !r.Withdrawn && !d.Before(r.RecordedOn) && !d.After(r.ValidUntil)
}

// Signed returns the record's contribution before caps: +points for base
// and good records, −points for bad ones.
func (r *CreditRecord) Signed() int {
	if r.Kind.Class() == CreditBad {
		return -r.Points
	}
	return r.Points
}

// Grade is a company's credit grade.
type Grade string

// Grades: AAA ≥ 85, AA 80–85, A 70–80, B 60–70, C < 60.
const (
	GradeAAA Grade = "AAA"
	GradeAA  Grade = "AA"
	GradeA   Grade = "A"
	GradeB   Grade = "B"
	GradeC   Grade = "C"
)

// Grades lists them from best to worst.
var Grades = []Grade{GradeAAA, GradeAA, GradeA, GradeB, GradeC}

// GradeOf returns the grade of a score.
func GradeOf(score int) Grade {
	switch {
	case score >= 85:
		return GradeAAA
	case score >= 80:
		return GradeAA
	case score >= 70:
		return GradeA
	case score >= 60:
		return GradeB
	}
	return GradeC
}

// CreditScore is a company's score on a day and how it is made up.
type CreditScore struct {
	Base, Good, Bad int // Base and Good after their caps; Bad as a magnitude
	Score           int
	Grade           Grade
	Counted         int // records that count
}

// ScoreCredit computes a company's score on day from its records: base
// records up to 80, good ones up to 40, minus the bad ones, at least 0.
func ScoreCredit(records []*CreditRecord, day time.Time) CreditScore {
	var s CreditScore
	for _, r := range records {
		if !r.Counts(day) {
			continue
		}
		s.Counted++
		switch r.Kind.Class() {
		case CreditBase:
			s.Base += r.Points
		case CreditGood:
			s.Good += r.Points
		default:
			s.Bad += r.Points
		}
	}
	s.Base, s.Good = min(s.Base, MaxBasePoints), min(s.Good, MaxGoodPoints)
	s.Score = max(0, s.Base+s.Good-s.Bad)
	s.Grade = GradeOf(s.Score)
	return s
}

// ManualRecord is a record an official writes: an award, a base assessment
// or a serious breach, with its points and, optionally, its validity.
type ManualRecord struct {
	CompanyID  string
	Kind       CreditKind
	Points     int
	Note       string
	ValidUntil *time.Time
}

// Validate checks a manual record at now.
func (m *ManualRecord) Validate(now time.Time) error {
	var fe FieldErrors
	if !m.Kind.Manual() || !oneOf(m.Kind, CreditKinds) {
		fe.Add("kind", "credit.kind.manual", "An official records base assessments, awards and serious breaches.", nil)
	} else if m.Points < 1 || m.Points > m.Kind.MaxPoints() {
		fe.Add("points", "credit.points.invalid", "Points are 1 to {{.Max}}.", map[string]any{"Max": m.Kind.MaxPoints()})
	}
	if !trimText(&m.Note, 4, 500) {
		fe.Add("note", "credit.note.invalid", "Say what the record is for in 4 to 500 characters (no personal data: it is public).", nil)
	}
	if m.ValidUntil != nil && (!DateOf(*m.ValidUntil).After(DateOf(now)) || DateOf(*m.ValidUntil).After(DateOf(now).AddDate(5, 0, 0))) {
		fe.Add("valid_until", "credit.valid.invalid", "A record is valid until a day after today, within five years.", nil)
	}
	return fe.Err()
}

// AppealState is the state of a company's appeal against a record.
type AppealState string

// Appeal states: submitted → upheld (the record is withdrawn) | rejected.
const (
	AppealSubmitted AppealState = "submitted" // 待答复
	AppealUpheld    AppealState = "upheld"    // 申诉成立
	AppealRejected  AppealState = "rejected"  // 申诉不成立
)

// AppealStates lists them.
var AppealStates = []AppealState{AppealSubmitted, AppealUpheld, AppealRejected}

var appealTransitions = map[AppealState][]AppealState{
	AppealSubmitted: {AppealUpheld, AppealRejected},
}

// CanTransition returns nil when the appeal may go to state to.
func (a *CreditAppeal) CanTransition(to AppealState) error {
	return checkTransition("appeal", appealTransitions, a.State, to)
}

// CreditAppeal is a company's appeal (申诉) against one of its records,
// answered by an official.
type CreditAppeal struct {
	ID         string
	RecordID   string
	CompanyID  string
	Reason     string
	State      AppealState
	Answer     string
	AnsweredBy string
	AnsweredAt *time.Time
	FiledBy    string
	CreatedAt  time.Time
}

// CompanyCredit is a company's credit file as the public grade page shows
// it: no personal data.
type CompanyCredit struct {
	Company *PropertyCompany // Contact and ContactPhone blank
	Day     time.Time
	CreditScore
	Records []*CreditRecord // newest first, with their appeals
}

// CreditService keeps the companies' credit files.
type CreditService interface {
	// PublicCompanies lists every company of a division (at, above or
	// below it; "" all) with its grade, for the public grade pages (no
	// sign-in needed, no contact).
	PublicCompanies(ctx context.Context, division string) ([]*PropertyCompany, error)
	// CompanyCredit returns a company's public credit file (no sign-in
	// needed): score, grade, records, appeals.
	CompanyCredit(ctx context.Context, companyID string) (*CompanyCredit, error)
	// RecordCredit writes a manual record (officials).
	RecordCredit(ctx context.Context, m *ManualRecord) (*CreditRecord, error)
	// AppealRecord lodges the company's appeal against one of its records
	// (property staff of the company); one open appeal per record.
	AppealRecord(ctx context.Context, recordID, reason string) (*CreditAppeal, error)
	// AnswerAppeal upholds (the record is withdrawn) or rejects an appeal
	// with an answer (officials).
	AnswerAppeal(ctx context.Context, appealID string, to AppealState, answer string) (*CreditAppeal, error)
	// FindAppeals lists appeals of a division's companies (officials) or
	// of the actor's company (property staff) in a state ("" all).
	FindAppeals(ctx context.Context, state AppealState) ([]*CreditAppeal, error)
	// Blacklist puts a company on the black list or takes it off, with a
	// reason (officials).
	Blacklist(ctx context.Context, companyID string, on bool, reason string) (*PropertyCompany, error)
}
