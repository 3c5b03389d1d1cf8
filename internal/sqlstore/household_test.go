package sqlstore

import (
	"strings"
	"testing"

	"shequ"
)

func TestHouseholds(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		ctx := worker(tiaoxiu)
		h := &shequ.Household{Community: tiaoxiu, Address: " 递铺街道苕秀路1号 "}
		if err := s.CreateHousehold(ctx, h); err != nil {
			t.Fatal(err)
		}
		if h.ID == "" || h.Address != "递铺街道苕秀路1号" {
			t.Fatalf("household = %+v", h)
		}
		if n := auditCount(t, db, "household.create", shequ.AuditAllowed, h.ID); n != 1 {
			t.Errorf("household create records = %d", n)
		}
		mk := func(name, birth, seq string, rel shequ.Relation) *shequ.Resident {
			return mustCreateResident(t, s, &shequ.Resident{Name: name, Community: tiaoxiu, HouseholdID: h.ID, Relation: rel,
				IDNumber: shequ.IDNumber(idNumber("330523", birth, seq))})
		}
		child := mk("小明", "20150601", "011", shequ.RelationChild)
		spouse := mk("李梅", "19820303", "002", shequ.RelationSpouse)
		head := mk("张三", "19800101", "001", shequ.RelationHead)

		got, err := s.FindHouseholdByID(ctx, h.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range got.Members {
			ids = append(ids, m.ID)
		}
		if got.Community != tiaoxiu || got.Address != shequ.Mask(shequ.PersonalAddress, h.Address) || strings.Join(ids, ",") != head.ID+","+spouse.ID+","+child.ID {
			t.Errorf("household = %+v, members %v; want head, spouse, child", got, ids)
		}
		// The minor member's record was read: audited.
		if d := auditDetails(t, db, "resident.read_minor", child.ID); len(d) != 1 || d[0] != "household" {
			t.Errorf("minor member read records = %q", d)
		}
		// One head per household.
		err = s.CreateResident(ctx, &shequ.Resident{Name: "张四", Community: tiaoxiu, HouseholdID: h.ID,
			Relation: shequ.RelationHead, IDNumber: shequ.IDNumber(idNumber("330523", "19600101", "001"))})
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || len(e.Fields) != 1 || e.Fields[0].Key != "resident.household.head_taken" {
			t.Errorf("second head: %v", err)
		}
		// A household of another community.
		err = s.CreateResident(worker(dipu), &shequ.Resident{Name: "张五", Community: kangshan, HouseholdID: h.ID,
			Relation: shequ.RelationOther, IDNumber: shequ.IDNumber(idNumber("330523", "19600101", "003"))})
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || len(e.Fields) != 1 || e.Fields[0].Key != "resident.household.community" {
			t.Errorf("household of another community: %v", err)
		}
		// Leaving the household drops the relation.
		up, err := s.UpdateResident(ctx, spouse.ID, shequ.ResidentInput{HouseholdID: ptr("")})
		if err != nil || up.HouseholdID != "" || up.Relation != "" {
			t.Errorf("leave household = %+v, %v", up, err)
		}
		// Out of scope, missing, malformed: not found, and recorded.
		for _, id := range []string{h.ID, newUUID7(), "x"} {
			_, err := s.FindHouseholdByID(worker(kangshan), id, false)
			wantError(t, err, shequ.ENotFound, "error.not_found")
		}
		if n := auditCount(t, db, "household.read", shequ.AuditDenied, ""); n != 3 {
			t.Errorf("denied household reads = %d, want 3", n)
		}
		err = s.CreateHousehold(worker(kangshan), &shequ.Household{Community: tiaoxiu})
		wantError(t, err, shequ.ENotFound, "error.not_found")
		err = s.CreateHousehold(worker(dipu), &shequ.Household{Community: "330523001999"})
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || len(e.Fields) != 1 || e.Fields[0].Key != "resident.community.unknown" {
			t.Errorf("household in an unknown community: %v", err)
		}
		err = s.CreateHousehold(ctx, &shequ.Household{Community: tiaoxiu, Address: strings.Repeat("路", 101)})
		wantError(t, err, shequ.EInvalid, "error.invalid_fields")
	})
}
