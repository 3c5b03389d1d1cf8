package sqlstore

import (
	"context"
	"slices"
	"testing"
	"time"

	"shequ"
)

// TestRegisterListQuery runs the registers' shared list query (scopedList,
// enumFilter, contains, between, listPage) on both engines, through the
// facility register and directly: scope, filters, text, date ranges and the
// page's bounds.
func TestRegisterListQuery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newFacilities(t, db)
		rows := []*shequ.Facility{aFacility("甲站", tiaoxiu), aFacility("乙中心", kangshan), aFacility("丙便民点", kangshan),
			aFacility("丁站", tiaoxiu)}
		rows[1].Kind, rows[2].Status = shequ.FacilityCenter, shequ.FacilityPlanned
		rows[0].OpenedOn, rows[1].OpenedOn, rows[3].OpenedOn = date(2019, 5, 1), date(2021, 3, 1), date(2024, 12, 31)
		if err := s.ImportFacilities(cliContext(), rows); err != nil {
			t.Fatal(err)
		}
		names := func(list []*shequ.Facility) []string {
			out := []string{}
			for _, f := range list {
				out = append(out, f.Name)
			}
			return out
		}
		tests := []struct {
			name  string
			ctx   context.Context
			f     shequ.FacilityFilter
			want  []string // in order
			total int
			field string // a field error instead
		}{
			{"console sees all", cliContext(), shequ.FacilityFilter{}, []string{"丁站", "甲站", "丙便民点", "乙中心"}, 4, ""},
			{"community narrows", cliContext(), shequ.FacilityFilter{Community: kangshan}, []string{"丙便民点", "乙中心"}, 2, ""},
			{"township prefix", cliContext(), shequ.FacilityFilter{Community: dipu}, []string{"丁站", "甲站", "丙便民点", "乙中心"}, 4, ""},
			{"actor's scope", worker(tiaoxiu), shequ.FacilityFilter{}, []string{"丁站", "甲站"}, 2, ""},
			{"disjoint with scope", worker(tiaoxiu), shequ.FacilityFilter{Community: kangshan}, []string{}, 0, ""},
			{"kind", cliContext(), shequ.FacilityFilter{Kind: shequ.FacilityCenter}, []string{"乙中心"}, 1, ""},
			{"status and kind", cliContext(), shequ.FacilityFilter{Kind: shequ.FacilityStation, Status: shequ.FacilityPlanned}, []string{"丙便民点"}, 1, ""},
			{"text", cliContext(), shequ.FacilityFilter{Query: "站"}, []string{"丁站", "甲站"}, 2, ""},
			{"page", cliContext(), shequ.FacilityFilter{Offset: 1, Limit: 2}, []string{"甲站", "丙便民点"}, 4, ""},
			{"past the end", cliContext(), shequ.FacilityFilter{Offset: 10}, []string{}, 4, ""},
			{"negative offset is 0", cliContext(), shequ.FacilityFilter{Offset: -5, Limit: 1}, []string{"丁站"}, 4, ""},
			{"limit capped", cliContext(), shequ.FacilityFilter{Limit: 100000}, []string{"丁站", "甲站", "丙便民点", "乙中心"}, 4, ""},
			{"unknown kind", cliContext(), shequ.FacilityFilter{Kind: "school"}, nil, 0, "kind"},
			{"unknown status", cliContext(), shequ.FacilityFilter{Status: "open"}, nil, 0, "status"},
			{"malformed community", cliContext(), shequ.FacilityFilter{Community: "33x"}, nil, 0, "community"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				list, total, err := s.FindFacilities(tt.ctx, tt.f)
				if tt.field != "" {
					if e := shequ.AsError(err); e.Code != shequ.EInvalid || len(e.Fields) == 0 || e.Fields[0].Field != tt.field {
						t.Errorf("want a field error on %s, got %v", tt.field, err)
					}
					return
				}
				if err != nil || total != tt.total || !slices.Equal(names(list), tt.want) {
					t.Errorf("got %v %d %v, want %v %d", names(list), total, err, tt.want, tt.total)
				}
			})
		}

		// A role without the permission is refused and the refusal audited.
		if _, _, err := s.FindFacilities(asActor(shequ.RoleAuditor, ""), shequ.FacilityFilter{}); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("auditor: %v", err)
		}
		if n := auditCount(t, db, auditFacilityList, shequ.AuditDenied, ""); n != 1 {
			t.Errorf("%d denied list records", n)
		}

		// Date ranges, inclusive, open at either end.
		for _, c := range []struct {
			from, to []int
			want     []string
		}{
			{[]int{2020, 1, 1}, nil, []string{"丁站", "乙中心"}},
			{nil, []int{2021, 3, 1}, []string{"甲站", "乙中心"}},
			{[]int{2019, 5, 1}, []int{2021, 3, 1}, []string{"甲站", "乙中心"}},
			{[]int{2025, 1, 1}, nil, []string{}},
		} {
			q, ok, err := db.scopedList(cliContext(), shequ.ActionFacilityRead, auditFacilityList, objFacility, "f.community", "")
			if err != nil || !ok {
				t.Fatal(err)
			}
			if c.from != nil {
				q.between("f.opened_on", date(c.from[0], time.Month(c.from[1]), c.from[2]), nil)
			}
			if c.to != nil {
				q.between("f.opened_on", nil, date(c.to[0], time.Month(c.to[1]), c.to[2]))
			}
			list, total, err := listPage(cliContext(), q, "facilities f", facilityColumns, "f.community, f.name, f.id", 0, 0, scanFacility, "facilities")
			if err != nil || total != len(c.want) || !slices.Equal(names(list), c.want) {
				t.Errorf("%v–%v: %v %d %v, want %v", c.from, c.to, names(list), total, err, c.want)
			}
		}
	})
}
