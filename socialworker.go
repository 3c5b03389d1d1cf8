package shequ

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Qualification is a social worker's professional level (社会工作者职业水平).
type Qualification string

// Qualifications, from none up.
const (
	QualNone      Qualification = "none"      // 无
	QualAssistant Qualification = "assistant" // 助理社会工作师
	QualSocial    Qualification = "social"    // 社会工作师
	QualSenior    Qualification = "senior"    // 高级社会工作师
)

// Qualifications lists the levels in order.
var Qualifications = []Qualification{QualNone, QualAssistant, QualSocial, QualSenior}

// Certified reports whether the level is a certificate (助理社会工作师 or above).
func (q Qualification) Certified() bool {
	return q == QualAssistant || q == QualSocial || q == QualSenior
}

// Education is the highest completed education.
type Education string

// Education levels.
const (
	EduBelowHighSchool Education = "below_high_school" // 高中以下
	EduHighSchool      Education = "high_school"       // 高中/中专
	EduJuniorCollege   Education = "junior_college"    // 大专
	EduBachelor        Education = "bachelor"          // 本科
	EduMasterPlus      Education = "master_plus"       // 硕士及以上
)

// Educations lists the levels in order.
var Educations = []Education{EduBelowHighSchool, EduHighSchool, EduJuniorCollege, EduBachelor, EduMasterPlus}

// EmployerKind is who employs a social worker.
type EmployerKind string

// Employer kinds.
const (
	EmployerOrg       EmployerKind = "org"       // a social organization of the register
	EmployerCommunity EmployerKind = "community" // a community (居委会/村委会)
	EmployerOther     EmployerKind = "other"     // anything else, named
)

// ServiceFunction is one of the plan's five functions of social work.
type ServiceFunction string

// Service functions.
const (
	FuncComfort     ServiceFunction = "comfort"     // 精神慰藉
	FuncResources   ServiceFunction = "resources"   // 资源链接
	FuncCapacity    ServiceFunction = "capacity"    // 能力提升
	FuncRelations   ServiceFunction = "relations"   // 关系调适
	FuncIntegration ServiceFunction = "integration" // 社会融入
)

// ServiceFunctions lists the functions.
var ServiceFunctions = []ServiceFunction{FuncComfort, FuncResources, FuncCapacity, FuncRelations, FuncIntegration}

// ServiceArea is one of the plan's seven areas of social work.
type ServiceArea string

// Service areas.
const (
	AreaCare          ServiceArea = "care"          // 社区照顾
	AreaParticipation ServiceArea = "participation" // 社区参与
	AreaIntegration   ServiceArea = "integration"   // 社区融合
	AreaDevelopment   ServiceArea = "development"   // 社区发展
	AreaCorrection    ServiceArea = "correction"    // 社区矫正
	AreaDrugRehab     ServiceArea = "drug_rehab"    // 社区戒毒
	AreaRehab         ServiceArea = "rehab"         // 社区康复
)

// ServiceAreas lists the areas.
var ServiceAreas = []ServiceArea{AreaCare, AreaParticipation, AreaIntegration, AreaDevelopment, AreaCorrection, AreaDrugRehab, AreaRehab}

// SocialWorker is a professional social worker (社会工作者). ID and phone
// numbers follow the residents' personal-data rules.
type SocialWorker struct {
	ID            string
	Name          string
	IDNumber      IDNumber
	Phone         Phone
	Qualification Qualification
	CertNumber    string
	CertYear      int
	Education     Education
	EmployerKind  EmployerKind
	EmployerOrgID string // EmployerOrg
	EmployerName  string // EmployerOther
	Community     string // home community (12 digits): the worker belongs to it
	Serves        []string
	Functions     []ServiceFunction
	Areas         []ServiceArea
	UserID        string // linked org_member or social_worker account
	// Status is active or left; a worker who left keeps the record with
	// the leaving day (issue 17) and no longer counts in the figures.
	Status    WorkerStatus
	LeftOn    *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// WorkerStatus is whether a social worker still works.
type WorkerStatus string

// Worker statuses.
const (
	WorkerActive WorkerStatus = "active" // 在岗
	WorkerLeft   WorkerStatus = "left"   // 已离职
)

// WorkerStatuses lists them.
var WorkerStatuses = []WorkerStatus{WorkerActive, WorkerLeft}

// Validate checks a social worker and returns every field error at once.
func (w *SocialWorker) Validate(now time.Time) error {
	var fe FieldErrors
	if w.Status == "" {
		w.Status = WorkerActive
	}
	switch {
	case !oneOf(w.Status, WorkerStatuses):
		fe.Add("status", "worker.status.invalid", "Choose the status.", nil)
	case w.Status == WorkerLeft && (w.LeftOn == nil || w.LeftOn.After(now.In(Shanghai))):
		fe.Add("left_on", "worker.left_on.required", "Give the leaving day (not in the future).", nil)
	case w.Status == WorkerActive && w.LeftOn != nil:
		fe.Add("left_on", "worker.left_on.active", "A worker still in post has no leaving day.", nil)
	}
	w.Name = strings.TrimSpace(w.Name)
	if n := utf8.RuneCountInString(w.Name); n == 0 || n > 50 {
		fe.Add("name", "resident.name.invalid", "The name has 1 to 50 characters.", nil)
	}
	if _, err := ParseIDNumber(string(w.IDNumber), now); err != nil {
		fe.Add("id_number", "id_number.invalid", ErrIDNumber.Message, nil)
	}
	if w.Phone != "" {
		if _, err := ParsePhone(string(w.Phone)); err != nil {
			fe.Add("phone", "phone.invalid", ErrPhone.Message, nil)
		}
	}
	if !oneOf(w.Qualification, Qualifications) {
		fe.Add("qualification", "worker.qualification.invalid", "Unknown qualification.", nil)
	}
	if w.Qualification.Certified() {
		if strings.TrimSpace(w.CertNumber) == "" || w.CertYear < 2008 || w.CertYear > now.In(Shanghai).Year() {
			fe.Add("cert_number", "worker.cert.invalid", "A certified worker has a certificate number and a year from 2008 (the first national examination) to this year.", nil)
		}
	}
	if w.Education != "" && !oneOf(w.Education, Educations) {
		fe.Add("education", "worker.education.invalid", "Unknown education level.", nil)
	}
	switch w.EmployerKind {
	case EmployerOrg:
		if w.EmployerOrgID == "" {
			fe.Add("employer_org_id", "worker.employer.org", "Name the employing organization.", nil)
		}
	case EmployerCommunity:
	case EmployerOther:
		if strings.TrimSpace(w.EmployerName) == "" {
			fe.Add("employer_name", "worker.employer.name", "Name the employer.", nil)
		}
	default:
		fe.Add("employer_kind", "worker.employer.kind", "The employer is an organization, a community or other.", nil)
	}
	if ValidateDivisionCode(w.Community) != nil || len(w.Community) != 12 {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	for _, f := range w.Functions {
		if !oneOf(f, ServiceFunctions) {
			fe.Add("functions", "worker.function.invalid", "Unknown service function.", nil)
			break
		}
	}
	for _, a := range w.Areas {
		if !oneOf(a, ServiceAreas) {
			fe.Add("areas", "worker.area.invalid", "Unknown service area.", nil)
			break
		}
	}
	return fe.Err()
}

// WorkerFilter selects social workers; empty fields are not filtered on.
type WorkerFilter struct {
	Community     string
	Qualification Qualification
	Query         string
	Offset        int
	Limit         int
}

// SocialWorkerService keeps the register of social workers, authorized and
// audited like the residents.
type SocialWorkerService interface {
	CreateWorker(ctx context.Context, w *SocialWorker) error
	FindWorkerByID(ctx context.Context, id string, reveal bool) (*SocialWorker, error)
	FindWorkers(ctx context.Context, f WorkerFilter) ([]*SocialWorker, int, error)
	UpdateWorker(ctx context.Context, w *SocialWorker) error
	ImportWorkers(ctx context.Context, ws []*SocialWorker) error
}
