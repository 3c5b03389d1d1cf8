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

func TestRegisterAccount(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		r := mustCreateResident(t, s, &shequ.Resident{Name: "张三", Phone: "13800138000",
			IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "001")), Community: tiaoxiu})
		other := mustCreateResident(t, s, &shequ.Resident{Name: "李四", Phone: "13900139000",
			IDNumber: shequ.IDNumber(idNumber("330523", "19900101", "003")), Community: tiaoxiu})
		anon := shequ.WithRequestMeta(t.Context(), shequ.RequestMeta{ClientAddr: "192.0.2.9", RequestID: "r9"})

		// No match: wrong phone, a phone of someone else, unknown number.
		for _, tc := range [][2]string{
			{string(r.IDNumber), "13800138001"},
			{string(r.IDNumber), "13900139000"},
			{idNumber("330523", "19700101", "001"), "13800138000"},
		} {
			_, err := s.RegisterAccount(anon, tc[0], tc[1], &shequ.User{Username: "zhangsan"}, "$argon2id$x")
			wantError(t, err, shequ.EInvalid, "register.no_match")
		}
		if n := auditCount(t, db, "resident.register", shequ.AuditFailed, ""); n != 3 {
			t.Errorf("failed registrations recorded = %d, want 3", n)
		}
		_, err := s.RegisterAccount(anon, "123", "456", &shequ.User{Username: "zhangsan"}, "$argon2id$x")
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || len(e.Fields) != 2 {
			t.Errorf("malformed numbers: %v", err)
		}

		// A match, written as the form gives it.
		u := &shequ.User{Username: "ZhangSan", Name: "张三"}
		got, err := s.RegisterAccount(anon, strings.ToLower(string(r.IDNumber)), "138-0013-8000", u, "$argon2id$x")
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == "" || u.Role != shequ.RoleResident || u.Scope != tiaoxiu || got.ID != r.ID || got.UserID != u.ID || got.Verified {
			t.Errorf("registered user %+v, resident %+v", u, got)
		}
		var role, scope, hash string
		if err := db.db.QueryRow(db.rebind(`SELECT role, scope, password_hash FROM users WHERE id = ?`), u.ID).
			Scan(&role, &scope, &hash); err != nil || role != "resident" || scope != tiaoxiu || hash != "$argon2id$x" {
			t.Errorf("users row: %q %q %q %v", role, scope, hash, err)
		}
		if n := auditCount(t, db, "resident.register", shequ.AuditAllowed, r.ID); n != 1 {
			t.Errorf("registration records = %d", n)
		}

		// Once linked, no second account.
		_, err = s.RegisterAccount(anon, string(r.IDNumber), "13800138000", &shequ.User{Username: "zhangsan2"}, "$argon2id$x")
		wantError(t, err, shequ.EConflict, "register.already_linked")
		// A taken user name.
		_, err = s.RegisterAccount(anon, string(other.IDNumber), "13900139000", &shequ.User{Username: "zhangsan"}, "$argon2id$x")
		wantError(t, err, shequ.EConflict, "user.username.taken")

		// The resident reads their own record, and no other.
		me := shequ.WithActor(anon, u.Actor())
		if mine, err := s.FindResidentByID(me, r.ID, false); err != nil || mine.ID != r.ID {
			t.Errorf("own record: %v", err)
		}
		_, err = s.FindResidentByID(me, other.ID, false)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		_, err = s.FindResidentByID(me, r.ID, true)
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		rs, total, err := s.FindResidents(me, shequ.ResidentFilter{Community: tiaoxiu})
		if err != nil || total != 1 || len(rs) != 1 || rs[0].ID != r.ID {
			t.Errorf("resident's list = %d of %d, %v", len(rs), total, err)
		}
		_, err = s.UpdateResident(me, r.ID, shequ.ResidentInput{Name: ptr("张三三")})
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		// Verified only by a worker, afterwards.
		v, err := s.VerifyResident(worker(tiaoxiu), r.ID)
		if err != nil || !v.Verified || v.UserID != u.ID {
			t.Errorf("verify registered resident = %+v, %v", v, err)
		}
	})
}
