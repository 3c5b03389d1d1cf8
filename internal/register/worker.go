package register

import (
	"context"
	"time"

	"shequ"
)

// Workers is the register of professional social workers (社会工作者). ID and
// phone numbers are sealed: masked unless revealed by those who keep the
// register.
var Workers = (&Schema[shequ.SocialWorker]{
	Name: "worker", Type: "SocialWorker", Plural: "workers",
	Read: shequ.ActionWorkerRead, Write: shequ.ActionWorkerWrite, Bulk: shequ.ActionWorkerWrite,
	Reveal: shequ.ActionWorkerWrite,
	Fields: []*Field[shequ.SocialWorker]{
		Text("name", 50, func(w *shequ.SocialWorker) *string { return &w.Name }).Require().Alias("姓名"),
		IDNumber("id_number", func(w *shequ.SocialWorker) *shequ.IDNumber { return &w.IDNumber }).Require().
			Alias("身份证号", "身份证号码"),
		Phone("phone", func(w *shequ.SocialWorker) *shequ.Phone { return &w.Phone }).Alias("电话", "手机", "联系电话"),
		Choice("qualification", shequ.Qualifications, func(w *shequ.SocialWorker) *shequ.Qualification { return &w.Qualification }).
			Alias("职业资格", "职业水平").Synonym(map[string]string{"无": "none"}),
		Text("cert_number", 50, func(w *shequ.SocialWorker) *string { return &w.CertNumber }).Alias("证书编号"),
		Int("cert_year", 0, 9999, func(w *shequ.SocialWorker) *int { return &w.CertYear }).Blanked().
			Invalid("worker.cert.invalid", "A certified worker has a certificate number and a year.").Alias("取证年份"),
		Choice("education", shequ.Educations, func(w *shequ.SocialWorker) *shequ.Education { return &w.Education }).
			WithBlank("value.unknown").Alias("学历").Synonym(map[string]string{"高中": "high_school", "中专": "high_school",
			"硕士": "master_plus", "博士": "master_plus"}),
		Choice("employer_kind", []shequ.EmployerKind{shequ.EmployerOrg, shequ.EmployerCommunity, shequ.EmployerOther},
			func(w *shequ.SocialWorker) *shequ.EmployerKind { return &w.EmployerKind }).
			Invalid("worker.employer.kind", "The employer is an organization, a community or other.").WithLabel("worker.employer").Labelled("worker.employer_kind").
			Alias("单位类型").Synonym(map[string]string{"社会组织": "org", "社区": "community", "其他": "other"}),
		Text("employer_org_id", 64, func(w *shequ.SocialWorker) *string { return &w.EmployerOrgID }).Alias("社会组织编号"),
		Text("employer_name", 100, func(w *shequ.SocialWorker) *string { return &w.EmployerName }).Alias("工作单位"),
		Community("community_code", func(w *shequ.SocialWorker) *string { return &w.Community }).Require().
			WithHint("resident.community.hint").WithLabel("org.community").Alias("community", "社区代码", "所属社区"),
		Codes("serves", func(w *shequ.SocialWorker) *[]string { return &w.Serves }).
			WithHint("org.serves.hint").WithLabel("org.serves").Alias("服务社区"),
		Choices("functions", shequ.ServiceFunctions, func(w *shequ.SocialWorker) *[]shequ.ServiceFunction { return &w.Functions }).
			Labelled("worker.function").Alias("服务功能"),
		Choices("areas", shequ.ServiceAreas, func(w *shequ.SocialWorker) *[]shequ.ServiceArea { return &w.Areas }).
			Labelled("worker.area").Alias("服务领域"),
		Choice("status", shequ.WorkerStatuses, func(w *shequ.SocialWorker) *shequ.WorkerStatus { return &w.Status }).
			Alias("状态", "在岗状态").Synonym(map[string]string{"在岗": "active", "离职": "left", "已离职": "left"}),
		Date("left_on", func(w *shequ.SocialWorker) **time.Time { return &w.LeftOn }).Alias("离职日期"),
	},
	Columns: []string{"name", "qualification", "education", "employer_kind", "community_code", "status"},
	Filters: []Filter{{Kind: FilterText, Name: "q", Label: "worker.filter.q"}, {Kind: FilterCommunity, Name: "community"},
		{Kind: FilterChoice, Name: "qualification"}},
	New: func() *shequ.SocialWorker {
		return &shequ.SocialWorker{Qualification: shequ.QualNone, EmployerKind: shequ.EmployerCommunity, Status: shequ.WorkerActive}
	},
	ID:        func(w *shequ.SocialWorker) string { return w.ID },
	Community: func(w *shequ.SocialWorker) string { return w.Community },
	Title:     func(w *shequ.SocialWorker) string { return w.Name },
	Times:     func(w *shequ.SocialWorker) (time.Time, time.Time) { return w.CreatedAt, w.UpdatedAt },
	Validate:  func(w *shequ.SocialWorker, now time.Time) error { return w.Validate(now) },
	Extra: func(w *shequ.SocialWorker, put func(string, any)) {
		put("certified", w.Qualification.Certified())
	},
	ExtraSchema: map[string]map[string]any{"certified": {"type": "boolean", "description": "助理社会工作师 or above."}},
	Import: &Import[shequ.SocialWorker]{
		Required: []string{"name", "id_number", "qualification", "employer_kind", "community_code"},
		Unique: []Unique[shequ.SocialWorker]{{Field: "id_number", Key: func(w *shequ.SocialWorker) string { return string(w.IDNumber) },
			ErrKey: "register.import.duplicate", Message: "The ID number appears twice in the file."}},
		KeepGoodRows: true,
	},
}).Init()

// WorkerStore binds the social worker register to its service.
func WorkerStore(svc shequ.SocialWorkerService) Store[shequ.SocialWorker] {
	if svc == nil {
		return Store[shequ.SocialWorker]{} // a build without the module: its pages answer 503
	}
	return Store[shequ.SocialWorker]{
		Find: svc.FindWorkerByID,
		List: func(ctx context.Context, q Query) ([]*shequ.SocialWorker, int, error) {
			return svc.FindWorkers(ctx, shequ.WorkerFilter{Community: q.Community,
				Qualification: shequ.Qualification(q.Get("qualification")), Query: q.Text, Offset: q.Offset, Limit: q.Limit})
		},
		Create: svc.CreateWorker, Update: svc.UpdateWorker, Import: svc.ImportWorkers,
	}
}
