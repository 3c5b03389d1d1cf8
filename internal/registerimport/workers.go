package registerimport

import (
	"io"
	"time"

	"shequ"
	"shequ/internal/tabular"
)

var workerAliases = map[string]string{
	"name": "name", "姓名": "name",
	"id_number": "id", "身份证号": "id", "身份证号码": "id",
	"phone": "phone", "电话": "phone", "手机": "phone", "联系电话": "phone",
	"qualification": "qual", "职业资格": "qual", "职业水平": "qual",
	"cert_number": "cert", "证书编号": "cert",
	"cert_year": "year", "取证年份": "year",
	"education": "edu", "学历": "edu",
	"employer_kind": "ekind", "单位类型": "ekind",
	"employer_org_id": "eorg", "社会组织编号": "eorg",
	"employer_name": "ename", "工作单位": "ename",
	"community_code": "community", "community": "community", "社区代码": "community", "所属社区": "community",
	"serves": "serves", "服务社区": "serves",
	"functions": "functions", "服务功能": "functions",
	"areas": "areas", "服务领域": "areas",
}

var qualLabels = map[string]shequ.Qualification{"无": shequ.QualNone, "助理社会工作师": shequ.QualAssistant,
	"社会工作师": shequ.QualSocial, "高级社会工作师": shequ.QualSenior}

var eduLabels = map[string]shequ.Education{"高中以下": shequ.EduBelowHighSchool, "高中": shequ.EduHighSchool, "中专": shequ.EduHighSchool,
	"大专": shequ.EduJuniorCollege, "本科": shequ.EduBachelor, "硕士及以上": shequ.EduMasterPlus, "硕士": shequ.EduMasterPlus, "博士": shequ.EduMasterPlus}

var employerLabels = map[string]shequ.EmployerKind{"社会组织": shequ.EmployerOrg, "社区": shequ.EmployerCommunity, "其他": shequ.EmployerOther}

var functionLabels = map[string]shequ.ServiceFunction{"精神慰藉": shequ.FuncComfort, "资源链接": shequ.FuncResources,
	"能力提升": shequ.FuncCapacity, "关系调适": shequ.FuncRelations, "社会融入": shequ.FuncIntegration}

var areaLabels = map[string]shequ.ServiceArea{"社区照顾": shequ.AreaCare, "社区参与": shequ.AreaParticipation, "社区融合": shequ.AreaIntegration,
	"社区发展": shequ.AreaDevelopment, "社区矫正": shequ.AreaCorrection, "社区戒毒": shequ.AreaDrugRehab, "社区康复": shequ.AreaRehab}

// Workers is a parsed social worker register.
type Workers struct {
	Workers []*shequ.SocialWorker
	Lines   []int
	Errors  []RowError
	Total   int
}

// ParseWorkers reads a social worker register; enumerations may be written
// as identifiers or in Chinese. now dates the ID-number and year checks.
func ParseWorkers(r io.Reader, filename string, now time.Time) (*Workers, error) {
	t, err := readTable(r, filename, workerAliases, []string{"name", "id", "qual", "ekind", "community"})
	if err != nil {
		return nil, err
	}
	out := &Workers{}
	seen := map[shequ.IDNumber]bool{}
	for i, rec := range t.rows {
		if tabular.Blank(rec) {
			continue
		}
		out.Total++
		w, fe := parseWorker(t, rec, now)
		if fe == nil {
			fe = w.Validate(now)
		}
		if fe == nil && seen[w.IDNumber] {
			var e rowErrors
			e.bad("id_number", "register.import.duplicate", "The ID number appears twice in the file.")
			fe = e.Err()
		}
		if fe != nil {
			out.Errors = append(out.Errors, RowError{Line: i + 2, Fields: shequ.AsError(fe).Fields})
			continue
		}
		seen[w.IDNumber] = true
		out.Workers = append(out.Workers, w)
		out.Lines = append(out.Lines, i+2)
	}
	return out, nil
}

func parseWorker(t *table, rec []string, now time.Time) (*shequ.SocialWorker, error) {
	var e rowErrors
	w := &shequ.SocialWorker{Name: t.cell(rec, "name"), CertNumber: t.cell(rec, "cert"), EmployerOrgID: t.cell(rec, "eorg"),
		EmployerName: t.cell(rec, "ename"), Community: t.cell(rec, "community"), Serves: list(t.cell(rec, "serves"))}
	id, err := shequ.ParseIDNumber(t.cell(rec, "id"), now)
	if err != nil {
		e.bad("id_number", "id_number.invalid", shequ.ErrIDNumber.Message)
	}
	w.IDNumber = id
	if v := t.cell(rec, "phone"); v != "" {
		p, err := shequ.ParsePhone(v)
		if err != nil {
			e.bad("phone", "phone.invalid", shequ.ErrPhone.Message)
		}
		w.Phone = p
	}
	var ok bool
	if w.Qualification, ok = label(t.cell(rec, "qual"), qualLabels, shequ.Qualifications); !ok {
		e.bad("qualification", "worker.qualification.invalid", "Unknown qualification.")
	}
	if w.CertYear, ok = number(t.cell(rec, "year")); !ok {
		e.bad("cert_year", "worker.cert.invalid", "A certified worker has a certificate number and a year.")
	}
	if v := t.cell(rec, "edu"); v != "" {
		if w.Education, ok = label(v, eduLabels, shequ.Educations); !ok {
			e.bad("education", "worker.education.invalid", "Unknown education level.")
		}
	}
	if w.EmployerKind, ok = label(t.cell(rec, "ekind"), employerLabels, []shequ.EmployerKind{shequ.EmployerOrg, shequ.EmployerCommunity, shequ.EmployerOther}); !ok {
		e.bad("employer_kind", "worker.employer.kind", "The employer is an organization, a community or other.")
	}
	for _, f := range list(t.cell(rec, "functions")) {
		x, ok := label(f, functionLabels, shequ.ServiceFunctions)
		if !ok {
			e.bad("functions", "worker.function.invalid", "Unknown service function.")
			break
		}
		w.Functions = append(w.Functions, x)
	}
	for _, a := range list(t.cell(rec, "areas")) {
		x, ok := label(a, areaLabels, shequ.ServiceAreas)
		if !ok {
			e.bad("areas", "worker.area.invalid", "Unknown service area.")
			break
		}
		w.Areas = append(w.Areas, x)
	}
	return w, e.Err()
}
