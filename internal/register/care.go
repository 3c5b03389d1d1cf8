package register

import (
	"context"
	"time"

	"shequ"
)

// CarePeople is the 三留守 care register (issue 16): people under care with
// the reason, the child's guardian and its capacity assessment, the
// parents' whereabouts, the school and the risk level. Everything about a
// child is sensitive personal information: the store seals the texts and
// contacts, lets only the community's care duty holders read the register,
// and audits every read. The guardian's phone is masked unless revealed.
var CarePeople = (&Schema[shequ.CarePerson]{
	Name: "care_person", Type: "CarePerson", Plural: "care_people",
	Read: shequ.ActionCareRead, Write: shequ.ActionCareWrite, Bulk: shequ.ActionCareWrite,
	Reveal: shequ.ActionCareWrite,
	Fields: []*Field[shequ.CarePerson]{
		Person("resident_id", func(p *shequ.CarePerson) *string { return &p.ResidentID }).Require().Alias("居民编号"),
		Choice("kind", shequ.CareKinds, func(p *shequ.CarePerson) *shequ.CareKind { return &p.Kind }).Require().
			Labelled("care.kind").Alias("类别"),
		Choice("reason", shequ.CareReasons, func(p *shequ.CarePerson) *shequ.CareReason { return &p.Reason }).Require().
			Labelled("care.reason").Alias("留守原因"),
		Int("risk", 1, 3, func(p *shequ.CarePerson) *int { return (*int)(&p.Risk) }).Require().Pick("care.risk").Alias("风险等级"),
		LongText("risk_reason", shequ.MaxCareText, func(p *shequ.CarePerson) *string { return &p.RiskReason }).Alias("风险理由"),
		Person("guardian_resident_id", func(p *shequ.CarePerson) *string { return &p.Guardian.ResidentID }).Alias("监护人居民编号"),
		Text("guardian_name", shequ.MaxCareName, func(p *shequ.CarePerson) *string { return &p.Guardian.Name }).Alias("委托监护人"),
		Text("guardian_relation", shequ.MaxCareRelation, func(p *shequ.CarePerson) *string { return &p.Guardian.Relation }).
			Alias("与儿童关系"),
		Phone("guardian_phone", func(p *shequ.CarePerson) *shequ.Phone { return &p.Guardian.Phone }).Alias("监护人电话"),
		Choice("guardian_capacity", shequ.GuardianCapacities, func(p *shequ.CarePerson) *shequ.GuardianCapacity {
			return &p.Guardian.Capacity
		}).Labelled("care.capacity").WithBlank("value.unknown").Alias("监护能力"),
		Date("guardian_assessed_on", func(p *shequ.CarePerson) **time.Time { return &p.Guardian.AssessedOn }).Alias("评估日期"),
		Text("guardian_assessed_by", shequ.MaxCareName, func(p *shequ.CarePerson) *string { return &p.Guardian.AssessedBy }).
			Alias("评估人"),
		LongText("parents", shequ.MaxCareText, func(p *shequ.CarePerson) *string { return &p.Parents }).Alias("父母去向及联系方式"),
		Text("school", 100, func(p *shequ.CarePerson) *string { return &p.School }).Alias("就读学校"),
	},
	Columns: []string{"resident_id", "kind", "risk", "reason"},
	// The file names each person by their ID number (or resident id); the
	// importer must be a care duty holder of each person's community.
	Import: &Import[shequ.CarePerson]{
		Required: []string{"resident_id", "kind", "reason", "risk"},
		Unique: []Unique[shequ.CarePerson]{{Field: "resident_id", Key: func(p *shequ.CarePerson) string { return p.ResidentID },
			ErrKey: "care.import.duplicate", Message: "The person is already in an earlier row of the file."}},
	},
	Filters: []Filter{{Kind: FilterCommunity, Name: "community"}, {Kind: FilterChoice, Name: "kind"}},
	New: func() *shequ.CarePerson {
		return &shequ.CarePerson{Kind: shequ.CareChild, Reason: shequ.ReasonBothParentsAway, Risk: shequ.RiskLow}
	},
	ID:        func(p *shequ.CarePerson) string { return p.ID },
	Community: func(p *shequ.CarePerson) string { return p.Community },
	Title:     func(p *shequ.CarePerson) string { return p.Name },
	Times:     func(p *shequ.CarePerson) (time.Time, time.Time) { return p.CreatedAt, p.UpdatedAt },
	Validate:  func(p *shequ.CarePerson, _ time.Time) error { return p.Validate() },
	Extra: func(p *shequ.CarePerson, put func(string, any)) {
		put("name", p.Name)
		put("id_number_masked", p.IDMasked)
		put("status", string(p.Status))
		put("visit_every_days", p.VisitEveryDays)
		put("next_visit_due", p.NextVisitDue.Format(time.DateOnly))
	},
	ExtraSchema: map[string]map[string]any{
		"name":             {"type": "string", "description": "The resident's name."},
		"id_number_masked": {"type": "string", "description": "The resident's ID number, masked."},
		"status":           {"type": "string", "enum": []string{"active", "exit_proposed", "exited"}},
		"visit_every_days": {"type": "integer", "description": "Days between visits (the county's frequency for the risk level)."},
		"next_visit_due":   {"type": "string", "format": "date"},
	},
}).Init()

// CarePeopleStore binds the care register to its service (called only when
// used: svc may be nil in a build without the module). Its file import
// takes people into care all or nothing (ImportCarePersons).
func CarePeopleStore(svc shequ.CareService) Store[shequ.CarePerson] {
	return Store[shequ.CarePerson]{
		Find: func(ctx context.Context, id string, _ bool) (*shequ.CarePerson, error) {
			return svc.FindCarePersonByID(ctx, id)
		},
		List: func(ctx context.Context, q Query) ([]*shequ.CarePerson, int, error) {
			return svc.FindCarePersons(ctx, shequ.CareFilter{Community: q.Community, Kind: shequ.CareKind(q.Get("kind")),
				Offset: q.Offset, Limit: q.Limit})
		},
		Create: func(ctx context.Context, p *shequ.CarePerson) error { return svc.RegisterCarePerson(ctx, p) },
		// A closure, not the method value: svc may be nil until called.
		Import: func(ctx context.Context, ps []*shequ.CarePerson) error { return svc.ImportCarePersons(ctx, ps) },
		Update: func(ctx context.Context, p *shequ.CarePerson) error {
			got, err := svc.UpdateCarePerson(ctx, p)
			if err == nil {
				*p = *got
			}
			return err
		},
	}
}
