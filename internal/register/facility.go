package register

import (
	"context"
	"time"

	"shequ"
)

// Facilities is the register of community service facilities (服务设施).
// Positions are WGS-84; GCJ-02 ones (Chinese web maps) are converted.
var Facilities = (&Schema[shequ.Facility]{
	Name: "facility", Type: "Facility", Plural: "facilities",
	Read: shequ.ActionFacilityRead, Write: shequ.ActionFacilityWrite, Bulk: shequ.ActionFacilityWrite,
	Fields: []*Field[shequ.Facility]{
		Text("name", 100, func(f *shequ.Facility) *string { return &f.Name }).Require().Alias("名称", "设施名称"),
		Choice("kind", shequ.FacilityKinds, func(f *shequ.Facility) *shequ.FacilityKind { return &f.Kind }).
			WithBlank("form.choose").Alias("类型", "设施类型").Synonym(map[string]string{
			"综合服务中心": "service_center", "综合服务站": "service_station", "卫生服务站": "health", "卫生室": "health"}),
		Community("community_code", func(f *shequ.Facility) *string { return &f.Community }).Require().
			WithHint("resident.community.hint").WithLabel("facility.community").Linked("/coverage/").Alias("community", "社区代码", "所属社区"),
		Choice("status", shequ.FacilityStatuses, func(f *shequ.Facility) *shequ.FacilityStatus { return &f.Status }).
			Alias("状态").Synonym(map[string]string{"规划": "planned", "使用中": "in_use", "停用": "closed"}),
		Decimal("floor_area", 0, 1_000_000, func(f *shequ.Facility) *float64 { return &f.FloorArea }).
			Blanked().WithUnits("平方米", "㎡", "m²", "m2").Invalid("facility.area.invalid", "The floor area is from 0 to 1000000 m².").
			Alias("建筑面积", "面积"),
		Location("location", func(f *shequ.Facility) (**float64, **float64) { return &f.Lat, &f.Lng }).
			WithHint("facility.location.hint"),
		Int("radius", 0, shequ.MaxRadius, func(f *shequ.Facility) *int { return &f.Radius }).Defaults("kind").Blanked().
			WithUnits("米", "m").WithHint("facility.radius.hint").
			Invalid("facility.radius.invalid", "The service radius is from 50 to 50000 metres.").Alias("服务半径"),
		Choice("source", shequ.FacilitySources, func(f *shequ.Facility) *shequ.FacilitySource { return &f.Source }).
			WithBlank("form.choose").Alias("来源", "场地来源").Synonym(map[string]string{"新建": "new_build", "配建": "new_build",
			"改建": "renovation", "扩建": "renovation", "划转": "transfer", "购置": "lease", "租赁": "lease"}),
		Date("opened_on", func(f *shequ.Facility) **time.Time { return &f.OpenedOn }).Alias("启用日期"),
		Text("hours", 200, func(f *shequ.Facility) *string { return &f.Hours }).Alias("开放时间"),
	},
	Columns: []string{"name", "kind", "community_code", "status", "floor_area", "radius", "location"},
	Filters: []Filter{{Kind: FilterText, Name: "q", Label: "facility.filter.q"},
		{Kind: FilterCommunity, Name: "community", APIName: "community_code"},
		{Kind: FilterChoice, Name: "kind"}, {Kind: FilterChoice, Name: "status"}},
	New:         func() *shequ.Facility { return &shequ.Facility{Status: shequ.FacilityInUse} },
	ID:          func(f *shequ.Facility) string { return f.ID },
	Community:   func(f *shequ.Facility) string { return f.Community },
	Title:       func(f *shequ.Facility) string { return f.Name },
	Times:       func(f *shequ.Facility) (time.Time, time.Time) { return f.CreatedAt, f.UpdatedAt },
	Validate:    func(f *shequ.Facility, _ time.Time) error { return f.Validate() },
	Extra:       func(f *shequ.Facility, put func(string, any)) { put("photos", f.Photos) },
	ExtraSchema: map[string]map[string]any{"photos": {"type": "integer", "description": "Number of photos stored."}},
	Import: &Import[shequ.Facility]{
		Required: []string{"name", "kind", "community_code"},
		Unique: []Unique[shequ.Facility]{{Field: "name", Key: func(f *shequ.Facility) string { return f.Community + "\x00" + f.Name },
			ErrKey: "facility.import.duplicate", Message: "The community and name repeat an earlier row."}},
		Options:          []Option{{Name: "gcj02", Label: "facility.import.gcj02", Usage: "the coordinates are GCJ-02 (from a Chinese web map): convert them to WGS-84"}},
		DefaultCommunity: true,
	},
}).Init()

// FacilityStore binds the facility register to its service.
func FacilityStore(svc shequ.FacilityService) Store[shequ.Facility] {
	if svc == nil {
		return Store[shequ.Facility]{} // a build without the module: its pages answer 503
	}
	return Store[shequ.Facility]{
		Find: func(ctx context.Context, id string, _ bool) (*shequ.Facility, error) {
			return svc.FindFacilityByID(ctx, id)
		},
		List: func(ctx context.Context, q Query) ([]*shequ.Facility, int, error) {
			return svc.FindFacilities(ctx, shequ.FacilityFilter{Community: q.Community, Kind: shequ.FacilityKind(q.Get("kind")),
				Status: shequ.FacilityStatus(q.Get("status")), Query: q.Text, Offset: q.Offset, Limit: q.Limit})
		},
		Create: svc.CreateFacility, Update: svc.UpdateFacility, Import: svc.ImportFacilities,
	}
}
