package registerimport

import (
	"io"
	"strings"
	"time"

	"shequ"
	"shequ/internal/tabular"
)

var orgAliases = map[string]string{
	"name": "name", "名称": "name", "组织名称": "name",
	"kind": "kind", "类型": "kind",
	"community_code": "community", "community": "community", "社区代码": "community", "所属社区": "community",
	"serves": "serves", "服务社区": "serves",
	"legal_status": "legal", "法律状态": "legal", "登记状态": "legal",
	"credit_code": "credit", "统一社会信用代码": "credit",
	"filed_with": "filed", "备案街道": "filed", "备案单位": "filed",
	"incubator": "incubator", "孵化单位": "incubator",
	"founded_on": "founded", "成立日期": "founded",
	"leader": "leader", "负责人": "leader",
	"leader_phone": "phone", "负责人电话": "phone", "联系电话": "phone",
	"members": "members", "成员人数": "members",
	"grade": "grade", "评估等级": "grade", "等级": "grade",
	"graded_on": "graded", "评定日期": "graded",
	"status": "status", "状态": "status",
	"status_since": "since", "状态日期": "since",
}

var orgKindLabels = map[string]shequ.OrgKind{"为民服务": shequ.OrgResidentService, "养老照护": shequ.OrgElderlyCare,
	"公益慈善": shequ.OrgCharity, "促进和谐": shequ.OrgHarmony, "文体娱乐": shequ.OrgCultureSports, "农村生产技术服务": shequ.OrgRuralProduction}

var legalLabels = map[string]shequ.LegalStatus{"登记": shequ.LegalRegistered, "备案": shequ.LegalFiled, "孵化中": shequ.LegalIncubating, "孵化": shequ.LegalIncubating}

var orgStatusLabels = map[string]shequ.OrgStatus{"活跃": shequ.OrgActive, "休眠": shequ.OrgDormant, "已注销": shequ.OrgDissolved, "注销": shequ.OrgDissolved}

// Orgs is a parsed organization register.
type Orgs struct {
	Orgs   []*shequ.SocialOrg
	Lines  []int
	Errors []RowError
	Total  int
}

// ParseOrgs reads an organization register. Kinds, legal statuses and
// statuses may be written as identifiers or in Chinese (为民服务, 登记, 活跃…);
// grades as 1–5 or 1A–5A; status defaults to active.
func ParseOrgs(r io.Reader, filename string) (*Orgs, error) {
	t, err := readTable(r, filename, orgAliases, []string{"name", "kind", "community", "legal"})
	if err != nil {
		return nil, err
	}
	out := &Orgs{}
	for i, rec := range t.rows {
		if tabular.Blank(rec) {
			continue
		}
		out.Total++
		o, fe := parseOrg(t, rec)
		if fe == nil {
			fe = o.Validate()
		}
		if fe != nil {
			out.Errors = append(out.Errors, RowError{Line: i + 2, Fields: shequ.AsError(fe).Fields})
			continue
		}
		out.Orgs = append(out.Orgs, o)
		out.Lines = append(out.Lines, i+2)
	}
	return out, nil
}

func parseOrg(t *table, rec []string) (*shequ.SocialOrg, error) {
	var e rowErrors
	o := &shequ.SocialOrg{Name: t.cell(rec, "name"), Community: t.cell(rec, "community"), Serves: list(t.cell(rec, "serves")),
		CreditCode: shequ.CreditCode(strings.ToUpper(t.cell(rec, "credit"))), FiledWith: t.cell(rec, "filed"),
		Incubator: t.cell(rec, "incubator"), Leader: t.cell(rec, "leader"), Status: shequ.OrgActive}
	var ok bool
	if o.Kind, ok = label(t.cell(rec, "kind"), orgKindLabels, shequ.OrgKinds); !ok {
		e.bad("kind", "org.kind.invalid", "Unknown kind of organization.")
	}
	if o.LegalStatus, ok = label(t.cell(rec, "legal"), legalLabels, shequ.LegalStatuses); !ok {
		e.bad("legal_status", "org.legal_status.invalid", "The legal status is registered, filed or incubating.")
	}
	if v := t.cell(rec, "status"); v != "" {
		if o.Status, ok = label(v, orgStatusLabels, shequ.OrgStatuses); !ok {
			e.bad("status", "org.status.invalid", "The status is active, dormant or dissolved.")
		}
	}
	if v := t.cell(rec, "phone"); v != "" {
		p, err := shequ.ParsePhone(v)
		if err != nil {
			e.bad("leader_phone", "phone.invalid", shequ.ErrPhone.Message)
		}
		o.LeaderPhone = p
	}
	if o.Members, ok = number(t.cell(rec, "members")); !ok {
		e.bad("members", "org.members.invalid", "The number of members is from 0 to 1000000.")
	}
	grade := strings.TrimSuffix(strings.ToUpper(t.cell(rec, "grade")), "A")
	if o.Grade, ok = number(grade); !ok {
		e.bad("grade", "org.grade.invalid", "A capacity grade is 1A to 5A and comes with its date.")
	}
	for _, d := range []struct {
		col, field string
		dst        **time.Time
	}{{"founded", "founded_on", &o.FoundedOn}, {"graded", "graded_on", &o.GradedOn}, {"since", "status_since", &o.StatusSince}} {
		if *d.dst, ok = date(t.cell(rec, d.col)); !ok {
			e.bad(d.field, "register.import.date", "Write dates as YYYY-MM-DD.")
		}
	}
	return o, e.Err()
}
