package register

import (
	"context"
	"time"

	"shequ"
)

// Orgs is the register of community social organizations (社区社会组织).
var Orgs = (&Schema[shequ.SocialOrg]{
	Name: "org", Type: "SocialOrg", Plural: "orgs",
	Read: shequ.ActionOrgRead, Write: shequ.ActionOrgWrite, Bulk: shequ.ActionOrgWrite,
	Fields: []*Field[shequ.SocialOrg]{
		Text("name", 100, func(o *shequ.SocialOrg) *string { return &o.Name }).Require().Alias("名称", "组织名称"),
		Choice("kind", shequ.OrgKinds, func(o *shequ.SocialOrg) *shequ.OrgKind { return &o.Kind }).
			WithBlank("form.choose").Alias("类型"),
		Community("community_code", func(o *shequ.SocialOrg) *string { return &o.Community }).Require().
			WithHint("resident.community.hint").WithLabel("org.community").Alias("community", "社区代码", "所属社区"),
		Codes("serves", func(o *shequ.SocialOrg) *[]string { return &o.Serves }).WithHint("org.serves.hint").Alias("服务社区"),
		Choice("legal_status", shequ.LegalStatuses, func(o *shequ.SocialOrg) *shequ.LegalStatus { return &o.LegalStatus }).
			Alias("法律状态", "登记状态").Synonym(map[string]string{"孵化": "incubating"}),
		Text("credit_code", 18, func(o *shequ.SocialOrg) *string { return (*string)(&o.CreditCode) }).Upper().
			When("legal_status", string(shequ.LegalRegistered)).WithHint("org.credit_code.hint").Alias("统一社会信用代码"),
		Text("filed_with", 9, func(o *shequ.SocialOrg) *string { return &o.FiledWith }).
			When("legal_status", string(shequ.LegalFiled)).WithHint("org.filed_with.hint").Alias("备案街道", "备案单位"),
		Text("incubator", 100, func(o *shequ.SocialOrg) *string { return &o.Incubator }).
			When("legal_status", string(shequ.LegalIncubating)).WithHint("org.incubator.hint").Alias("孵化单位"),
		Date("founded_on", func(o *shequ.SocialOrg) **time.Time { return &o.FoundedOn }).Alias("成立日期"),
		Text("leader", 50, func(o *shequ.SocialOrg) *string { return &o.Leader }).Alias("负责人"),
		Phone("leader_phone", func(o *shequ.SocialOrg) *shequ.Phone { return &o.LeaderPhone }).Alias("负责人电话", "联系电话"),
		Int("members", 0, 1_000_000, func(o *shequ.SocialOrg) *int { return &o.Members }).Blanked().
			Invalid("org.members.invalid", "The number of members is from 0 to 1000000.").Alias("成员人数"),
		Int("grade", 0, 5, func(o *shequ.SocialOrg) *int { return &o.Grade }).Pick("org.grade").WithUnits("A", "a").
			Invalid("org.grade.invalid", "A capacity grade is 1A to 5A and comes with its date.").Alias("评估等级", "等级"),
		Date("graded_on", func(o *shequ.SocialOrg) **time.Time { return &o.GradedOn }).Alias("评定日期"),
		Choice("status", shequ.OrgStatuses, func(o *shequ.SocialOrg) *shequ.OrgStatus { return &o.Status }).
			Alias("状态").Synonym(map[string]string{"注销": "dissolved"}),
		Date("status_since", func(o *shequ.SocialOrg) **time.Time { return &o.StatusSince }).Alias("状态日期"),
	},
	Columns: []string{"name", "kind", "community_code", "legal_status", "status", "members", "grade"},
	Filters: []Filter{{Kind: FilterText, Name: "q", Label: "org.filter.q"}, {Kind: FilterCommunity, Name: "community"},
		{Kind: FilterChoice, Name: "kind"}, {Kind: FilterChoice, Name: "status"}},
	New: func() *shequ.SocialOrg {
		return &shequ.SocialOrg{Status: shequ.OrgActive, LegalStatus: shequ.LegalRegistered}
	},
	ID:        func(o *shequ.SocialOrg) string { return o.ID },
	Community: func(o *shequ.SocialOrg) string { return o.Community },
	Title:     func(o *shequ.SocialOrg) string { return o.Name },
	Times:     func(o *shequ.SocialOrg) (time.Time, time.Time) { return o.CreatedAt, o.UpdatedAt },
	Validate:  func(o *shequ.SocialOrg, _ time.Time) error { return o.Validate() },
	Import:    &Import[shequ.SocialOrg]{Required: []string{"name", "kind", "community_code", "legal_status"}, KeepGoodRows: true},
}).Init()

// OrgStore binds the organization register to its service.
func OrgStore(svc shequ.OrgService) Store[shequ.SocialOrg] {
	if svc == nil {
		return Store[shequ.SocialOrg]{} // a build without the module: its pages answer 503
	}
	return Store[shequ.SocialOrg]{
		Find: func(ctx context.Context, id string, _ bool) (*shequ.SocialOrg, error) {
			return svc.FindOrgByID(ctx, id)
		},
		List: func(ctx context.Context, q Query) ([]*shequ.SocialOrg, int, error) {
			return svc.FindOrgs(ctx, shequ.OrgFilter{Community: q.Community, Kind: shequ.OrgKind(q.Get("kind")),
				Status: shequ.OrgStatus(q.Get("status")), Query: q.Text, Offset: q.Offset, Limit: q.Limit})
		},
		Create: svc.CreateOrg, Update: svc.UpdateOrg, Import: svc.ImportOrgs,
	}
}
