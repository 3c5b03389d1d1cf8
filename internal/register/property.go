package register

import (
	"context"
	"time"

	"shequ"
)

// Estates is the register of residential estates (小区) of the property
// module (issue 15). An estate belongs to its primary community and is
// visible from every community it spans.
var Estates = (&Schema[shequ.Estate]{
	Name: "estate", Type: "Estate", Plural: "estates",
	Read: shequ.ActionPropertyRead, Write: shequ.ActionPropertyWrite, Bulk: shequ.ActionPropertyWrite,
	Fields: []*Field[shequ.Estate]{
		Text("name", 60, func(e *shequ.Estate) *string { return &e.Name }).Require().Alias("小区名称", "名称"),
		Community("community_code", func(e *shequ.Estate) *string { return &e.Community }).Require().
			WithHint("resident.community.hint").Alias("community", "社区代码", "所属社区", "主社区代码"),
		Codes("communities", func(e *shequ.Estate) *[]string { return &e.Communities }).
			WithHint("estate.communities.hint").Alias("其他社区", "跨社区"),
		Choice("mode", shequ.ManagementModes, func(e *shequ.Estate) *shequ.ManagementMode { return &e.Mode }).
			WithBlank("form.choose").Alias("管理模式", "管理方式").Synonym(map[string]string{
			"物业": "company", "物业公司": "company", "物业管理": "company", "居委会自管": "rc_self", "社区自管": "rc_self",
			"业主自治": "owner_self", "自治": "owner_self", "无物业": "none", "无": "none"}),
		Text("address", 200, func(e *shequ.Estate) *string { return &e.Address }).Alias("地址", "小区地址"),
		Location("location", func(e *shequ.Estate) (**float64, **float64) { return &e.Lat, &e.Lng }).
			WithHint("facility.location.hint"),
		Int("households", 1, shequ.MaxEstateHouseholds, func(e *shequ.Estate) *int { return &e.Households }).
			WithUnits("户").Alias("户数", "住户数"),
		Int("buildings", 0, shequ.MaxEstateBuildings, func(e *shequ.Estate) *int { return &e.Buildings }).
			WithUnits("栋", "幢").Alias("楼栋数", "楼栋"),
		Int("year_built", 0, 2100, func(e *shequ.Estate) *int { return &e.YearBuilt }).Blanked().
			WithUnits("年").Alias("建成年份", "建成年代"),
		Flag("old", func(e *shequ.Estate) *bool { return &e.Old }).Alias("老旧小区", "是否老旧小区"),
	},
	Columns: []string{"name", "community_code", "mode", "households", "old"},
	Filters: []Filter{{Kind: FilterText, Name: "q", Label: "estate.filter.q"}, {Kind: FilterCommunity, Name: "community"},
		{Kind: FilterChoice, Name: "mode"}, {Kind: FilterChoice, Name: "old"}},
	New:       func() *shequ.Estate { return &shequ.Estate{Mode: shequ.ModeCompany} },
	ID:        func(e *shequ.Estate) string { return e.ID },
	Community: func(e *shequ.Estate) string { return e.Community },
	Visible: func(e *shequ.Estate, scope string) bool {
		return e.InCommunity(scope) || shequ.IsAncestorOrSelf(scope, e.Community)
	},
	Title:    func(e *shequ.Estate) string { return e.Name },
	Times:    func(e *shequ.Estate) (time.Time, time.Time) { return e.CreatedAt, e.UpdatedAt },
	Validate: func(e *shequ.Estate, now time.Time) error { return e.Validate(now) },
	Extra: func(e *shequ.Estate, put func(string, any)) {
		put("company_id", e.CompanyID)
		put("company_name", e.CompanyName)
	},
	ExtraSchema: map[string]map[string]any{
		"company_id":   {"type": "string", "description": "The company of the contract in force today, \"\" none."},
		"company_name": {"type": "string"},
	},
	Import: &Import[shequ.Estate]{
		Required: []string{"name", "community_code", "mode", "households"},
		Unique: []Unique[shequ.Estate]{{Field: "name", Key: func(e *shequ.Estate) string { return e.Community + "\x00" + e.Name },
			ErrKey: "estate.import.duplicate", Message: "The community and name repeat an earlier row."}},
		Options:          []Option{{Name: "gcj02", Label: "facility.import.gcj02", Usage: "the coordinates are GCJ-02 (from a Chinese web map): convert them to WGS-84"}},
		DefaultCommunity: true,
	},
}).Init()

// EstateStore binds the estate register to the property service.
func EstateStore(svc shequ.PropertyService) Store[shequ.Estate] {
	return Store[shequ.Estate]{
		Find: func(ctx context.Context, id string, _ bool) (*shequ.Estate, error) {
			return svc.FindEstateByID(ctx, id)
		},
		List: func(ctx context.Context, q Query) ([]*shequ.Estate, int, error) {
			f := shequ.EstateFilter{Division: q.Community, Mode: shequ.ManagementMode(q.Get("mode")), Query: q.Text,
				Offset: q.Offset, Limit: q.Limit}
			if v := q.Get("old"); v != "" {
				old := v == "true"
				f.Old = &old
			}
			return svc.FindEstates(ctx, f)
		},
		Create: func(ctx context.Context, e *shequ.Estate) error { return svc.CreateEstate(ctx, e) },
		Update: func(ctx context.Context, e *shequ.Estate) error {
			got, err := svc.UpdateEstate(ctx, e.ID, shequ.EstateUpdate{Name: &e.Name, Communities: &e.Communities,
				Address: &e.Address, Lat: &e.Lat, Lng: &e.Lng, Households: &e.Households, Buildings: &e.Buildings,
				YearBuilt: &e.YearBuilt, Old: &e.Old, Mode: &e.Mode})
			if err == nil {
				*e = *got
			}
			return err
		},
		Import: func(ctx context.Context, es []*shequ.Estate) error { return svc.ImportEstates(ctx, es) },
	}
}

// Companies is the register of property service companies (物业服务企业),
// kept by the officials who supervise them. A company is visible from its
// division and the divisions above and below it; its public grade page is
// elsewhere (/public/property).
var Companies = (&Schema[shequ.PropertyCompany]{
	Name: "company", Type: "PropertyCompany", Plural: "property-companies",
	Read: shequ.ActionPropertyRead, Write: shequ.ActionPropertySupervise, Bulk: shequ.ActionPropertySupervise,
	Fields: []*Field[shequ.PropertyCompany]{
		Text("name", 100, func(c *shequ.PropertyCompany) *string { return &c.Name }).Require().Alias("企业名称", "名称"),
		Text("credit_code", 18, func(c *shequ.PropertyCompany) *string { return (*string)(&c.CreditCode) }).Require().Upper().
			Alias("统一社会信用代码", "信用代码"),
		Text("division", 9, func(c *shequ.PropertyCompany) *string { return &c.Division }).Require().
			WithHint("company.division.hint").Alias("监管单位代码", "区划代码"),
		Text("address", 200, func(c *shequ.PropertyCompany) *string { return &c.Address }).Alias("地址", "注册地址"),
		Text("contact", 50, func(c *shequ.PropertyCompany) *string { return &c.Contact }).Alias("联系人"),
		Phone("contact_phone", func(c *shequ.PropertyCompany) *shequ.Phone { return &c.ContactPhone }).Alias("联系电话", "电话"),
	},
	Columns: []string{"name", "credit_code", "division"},
	Filters: []Filter{{Kind: FilterText, Name: "q", Label: "company.filter.q"}, {Kind: FilterCommunity, Name: "community", Label: "company.filter.division"}},
	New:     func() *shequ.PropertyCompany { return &shequ.PropertyCompany{} },
	ID:      func(c *shequ.PropertyCompany) string { return c.ID },
	// Scope checks of writes use the supervising division.
	Community: func(c *shequ.PropertyCompany) string { return c.Division },
	Visible: func(c *shequ.PropertyCompany, scope string) bool {
		return shequ.IsAncestorOrSelf(scope, c.Division) || shequ.IsAncestorOrSelf(c.Division, scope)
	},
	Title:    func(c *shequ.PropertyCompany) string { return c.Name },
	Times:    func(c *shequ.PropertyCompany) (time.Time, time.Time) { return c.CreatedAt, c.UpdatedAt },
	Validate: func(c *shequ.PropertyCompany, _ time.Time) error { return c.Validate() },
	Extra: func(c *shequ.PropertyCompany, put func(string, any)) {
		put("score", c.Score)
		put("grade", string(c.Grade))
		put("estates", c.Estates)
		put("blacklisted", c.Blacklisted)
	},
	ExtraSchema: map[string]map[string]any{
		"score":       {"type": "integer", "description": "Credit score today, every point from a record."},
		"grade":       {"type": "string", "enum": []string{"AAA", "AA", "A", "B", "C"}},
		"estates":     {"type": "integer", "description": "Estates under a contract in force."},
		"blacklisted": {"type": "boolean"},
	},
	Import: &Import[shequ.PropertyCompany]{
		Required: []string{"name", "credit_code", "division"},
		Unique: []Unique[shequ.PropertyCompany]{{Field: "credit_code", Key: func(c *shequ.PropertyCompany) string { return string(c.CreditCode) },
			ErrKey: "company.import.duplicate", Message: "The credit code repeats an earlier row."}},
	},
}).Init()

// CompanyStore binds the company register to the property service.
func CompanyStore(svc shequ.PropertyService) Store[shequ.PropertyCompany] {
	return Store[shequ.PropertyCompany]{
		Find: func(ctx context.Context, id string, _ bool) (*shequ.PropertyCompany, error) {
			return svc.FindCompanyByID(ctx, id)
		},
		List: func(ctx context.Context, q Query) ([]*shequ.PropertyCompany, int, error) {
			return svc.FindCompanies(ctx, shequ.CompanyFilter{Division: q.Community, Query: q.Text, Offset: q.Offset, Limit: q.Limit})
		},
		Create: func(ctx context.Context, c *shequ.PropertyCompany) error { return svc.CreateCompany(ctx, c) },
		Update: func(ctx context.Context, c *shequ.PropertyCompany) error {
			got, err := svc.UpdateCompany(ctx, c.ID, shequ.CompanyUpdate{Name: &c.Name, CreditCode: &c.CreditCode,
				Division: &c.Division, Address: &c.Address, Contact: &c.Contact, ContactPhone: &c.ContactPhone})
			if err == nil {
				*c = *got
			}
			return err
		},
		Import: func(ctx context.Context, cs []*shequ.PropertyCompany) error { return svc.ImportCompanies(ctx, cs) },
	}
}
