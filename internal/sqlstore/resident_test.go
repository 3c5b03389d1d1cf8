package sqlstore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shequ"
	"shequ/internal/pii"
)

// Communities of the division fixture used by the resident tests.
const (
	tiaoxiu  = "330523001002" // 苕秀社区居委会
	kangshan = "330523001205" // 康山村委会
	dipu     = "330523001"    // 递铺街道, above both
)

// testSealer returns a key ring with fixed keys.
func testSealer(tb testing.TB) *pii.KeyRing {
	tb.Helper()
	k, err := pii.NewKeyRing(1, map[uint32][]byte{1: bytes.Repeat([]byte{1}, 32)}, bytes.Repeat([]byte{2}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// newResidents imports the division fixture and returns a ResidentService.
func newResidents(tb testing.TB, db *DB) *ResidentService {
	tb.Helper()
	mustImport(tb, db, divisionsOf(fixture...))
	return NewResidentService(db, testSealer(tb))
}

// idNumber builds a valid ID number from an address code, a birth date
// (yyyymmdd) and a 3-digit sequence (odd for men).
func idNumber(addr, birth, seq string) string {
	s := addr + birth + seq
	return s + string(shequ.IDCheckChar(s))
}

// worker is the context of a community worker with the scope.
func worker(scope string) context.Context { return asActor(shequ.RoleCommunityWorker, scope) }

// mustCreateResident creates a resident as console work, or fails.
func mustCreateResident(tb testing.TB, s *ResidentService, r *shequ.Resident) *shequ.Resident {
	tb.Helper()
	if err := s.CreateResident(cliContext(), r); err != nil {
		tb.Fatalf("create resident %s: %v", r.Name, err)
	}
	return r
}

// auditCount counts audit records of an action, result and object ("" for
// any object).
func auditCount(tb testing.TB, db *DB, action string, result shequ.AuditResult, objectID string) int {
	tb.Helper()
	q, args := `SELECT COUNT(*) FROM audit_log WHERE action = ? AND result = ?`, []any{action, string(result)}
	if objectID != "" {
		q, args = q+` AND object_id = ?`, append(args, objectID)
	}
	var n int
	if err := db.db.QueryRow(db.rebind(q), args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// auditDetails returns the details of the records of an action on an object.
func auditDetails(tb testing.TB, db *DB, action, objectID string) []string {
	tb.Helper()
	rows, err := db.db.Query(db.rebind(`SELECT detail FROM audit_log WHERE action = ? AND object_id = ? ORDER BY seq`),
		action, objectID)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			tb.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func TestCreateFindResident(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		ctx := worker(tiaoxiu)
		id := idNumber("330523", "19800101", "001")
		r := &shequ.Resident{Name: " 张三 ", IDNumber: shequ.IDNumber(strings.ToLower(id)), Phone: "138 0013 8000",
			Community: tiaoxiu, Tags: []shequ.Tag{"veteran", "dibao", "dibao"}}
		if err := s.CreateResident(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.ID == "" || r.Name != "张三" || string(r.IDNumber) != id || r.Phone != "13800138000" ||
			!cmp.Equal(r.Tags, []shequ.Tag{"dibao", "veteran"}) || !r.CreatedAt.Equal(testNow.Truncate(time.Microsecond)) {
			t.Fatalf("created = %+v", r)
		}
		if n := auditCount(t, db, "resident.create", shequ.AuditAllowed, r.ID); n != 1 {
			t.Errorf("create audit records = %d", n)
		}

		// Without reveal the store still returns clear values (the caller
		// masks), and writes no audit record for an adult.
		got, err := s.FindResidentByID(ctx, r.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(r, got); diff != "" {
			t.Errorf("FindResidentByID mismatch (-created +found):\n%s", diff)
		}
		if got.Sex() != shequ.SexMale || got.BirthDate().Format("2006-01-02") != "1980-01-01" {
			t.Errorf("derived sex %s, birth %v", got.Sex(), got.BirthDate())
		}
		if n := auditCount(t, db, "resident.reveal", shequ.AuditAllowed, r.ID); n != 0 {
			t.Errorf("reveal audited without reveal: %d", n)
		}
		// With reveal: allowed for the worker and audited.
		if _, err := s.FindResidentByID(ctx, r.ID, true); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, db, "resident.reveal", shequ.AuditAllowed, r.ID); n != 1 {
			t.Errorf("reveal audit records = %d, want 1", n)
		}
		// An official reads, but may not reveal.
		official := asActor(shequ.RoleOfficial, "330523")
		if _, err := s.FindResidentByID(official, r.ID, false); err != nil {
			t.Errorf("official read: %v", err)
		}
		_, err = s.FindResidentByID(official, r.ID, true)
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		if n := auditCount(t, db, "resident.reveal", shequ.AuditDenied, r.ID); n != 1 {
			t.Errorf("denied reveal records = %d, want 1", n)
		}
		// An official may not write.
		err = s.CreateResident(official, &shequ.Resident{Name: "李四", IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "003")), Community: tiaoxiu})
		wantError(t, err, shequ.EForbidden, "error.forbidden")
	})
}

func TestCreateResidentInvalid(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		ctx := worker(dipu)
		valid := shequ.IDNumber(idNumber("330523", "19800101", "001"))
		for name, tc := range map[string]struct {
			r     shequ.Resident
			field string
			key   string
		}{
			"no name":           {shequ.Resident{IDNumber: valid, Community: tiaoxiu}, "name", "resident.name.invalid"},
			"bad check char":    {shequ.Resident{Name: "甲", IDNumber: valid[:17] + "0", Community: tiaoxiu}, "id_number", "id_number.invalid"},
			"bad phone":         {shequ.Resident{Name: "甲", IDNumber: valid, Phone: "12345", Community: tiaoxiu}, "phone", "phone.invalid"},
			"township code":     {shequ.Resident{Name: "甲", IDNumber: valid, Community: dipu}, "community_code", "resident.community.invalid"},
			"unknown community": {shequ.Resident{Name: "甲", IDNumber: valid, Community: "330523001999"}, "community_code", "resident.community.unknown"},
			"unknown household": {shequ.Resident{Name: "甲", IDNumber: valid, Community: tiaoxiu, HouseholdID: newUUID7(), Relation: "head"}, "household_id", "resident.household.unknown"},
			"relation missing":  {shequ.Resident{Name: "甲", IDNumber: valid, Community: tiaoxiu, HouseholdID: newUUID7()}, "relation", "resident.relation.required"},
		} {
			err := s.CreateResident(ctx, &tc.r)
			e := shequ.AsError(err)
			if e.Code != shequ.EInvalid || len(e.Fields) == 0 || e.Fields[0].Field != tc.field || e.Fields[0].Key != tc.key {
				t.Errorf("%s: err = %v, fields %+v; want %s/%s", name, err, e.Fields, tc.field, tc.key)
			}
		}
		if _, total, _ := s.FindResidents(cliContext(), shequ.ResidentFilter{}); total != 0 {
			t.Errorf("%d residents stored after invalid input", total)
		}
	})
}

func TestCreateResidentDuplicate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		id := shequ.IDNumber(idNumber("330523", "19800101", "001"))
		mustCreateResident(t, s, &shequ.Resident{Name: "张三", IDNumber: id, Community: tiaoxiu})

		// A worker of the township sees the record: the message names its community.
		err := s.CreateResident(worker(dipu), &shequ.Resident{Name: "张三", IDNumber: id, Community: kangshan})
		wantError(t, err, shequ.EConflict, "resident.id_number.taken_in")
		e := shequ.AsError(err)
		if e.Data["Community"] != tiaoxiu || e.Data["CommunityName"] != "苕秀社区居委会" || !strings.Contains(e.Message, "苕秀社区居委会") {
			t.Errorf("in-scope duplicate: data %v, message %q", e.Data, e.Message)
		}
		// A worker of another village does not learn where.
		err = s.CreateResident(worker(kangshan), &shequ.Resident{Name: "张三", IDNumber: id, Community: kangshan})
		wantError(t, err, shequ.EConflict, "resident.id_number.taken")
		e = shequ.AsError(err)
		if len(e.Data) != 0 || strings.Contains(e.Message, "苕秀") || strings.Contains(e.Message, tiaoxiu) {
			t.Errorf("out-of-scope duplicate leaks: data %v, message %q", e.Data, e.Message)
		}
		// Both attempts are in the trail as failed.
		if n := auditCount(t, db, "resident.create", shequ.AuditFailed, ""); n != 2 {
			t.Errorf("failed create records = %d, want 2", n)
		}
	})
}

func TestResidentScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		r := mustCreateResident(t, s, &shequ.Resident{Name: "张三",
			IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "001")), Community: tiaoxiu})
		other := worker(kangshan)
		_, err := s.FindResidentByID(other, r.ID, false)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		if n := auditCount(t, db, "resident.read", shequ.AuditDenied, r.ID); n != 1 {
			t.Errorf("denied read records = %d, want 1", n)
		}
		// A missing id answers the same, and is recorded too.
		_, err = s.FindResidentByID(other, newUUID7(), false)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		_, err = s.FindResidentByID(other, "not-a-uuid", false)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		if n := auditCount(t, db, "resident.read", shequ.AuditDenied, ""); n != 3 {
			t.Errorf("denied read records = %d, want 3", n)
		}
		_, err = s.UpdateResident(other, r.ID, shequ.ResidentInput{Name: ptr("王五")})
		wantError(t, err, shequ.ENotFound, "error.not_found")
		if n := auditCount(t, db, "resident.update", shequ.AuditDenied, r.ID); n != 1 {
			t.Errorf("denied update records = %d, want 1", n)
		}
		_, err = s.VerifyResident(other, r.ID)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		// Lists stop at the scope, whatever the filter asks for.
		for _, f := range []shequ.ResidentFilter{{}, {Community: tiaoxiu}, {Community: "33"}} {
			if rs, total, err := s.FindResidents(other, f); err != nil || total != 0 || len(rs) != 0 {
				t.Errorf("FindResidents(%+v) by another village = %d, %d, %v", f, len(rs), total, err)
			}
		}
		// Moving a record out of one's scope is refused too.
		_, err = s.UpdateResident(worker(tiaoxiu), r.ID, shequ.ResidentInput{Community: ptr(kangshan)})
		wantError(t, err, shequ.ENotFound, "error.not_found")
		// An auditor reads no residents.
		_, _, err = s.FindResidents(asActor(shequ.RoleAuditor, ""), shequ.ResidentFilter{})
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		// Nobody signed in, not on the console.
		_, err = s.FindResidentByID(context.Background(), r.ID, false)
		wantError(t, err, shequ.EUnauthorized, "error.unauthorized")
	})
}

func TestResidentReadsMinor(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		child := mustCreateResident(t, s, &shequ.Resident{Name: "小明",
			IDNumber: shequ.IDNumber(idNumber("330523", "20150601", "011")), Community: tiaoxiu,
			Tags: []shequ.Tag{shequ.TagLeftBehindChild}})
		adult := mustCreateResident(t, s, &shequ.Resident{Name: "张三",
			IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "001")), Community: tiaoxiu})
		ctx := worker(tiaoxiu)
		if _, err := s.FindResidentByID(ctx, child.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindResidentByID(ctx, adult.ID, false); err != nil {
			t.Fatal(err)
		}
		if rs, _, err := s.FindResidents(ctx, shequ.ResidentFilter{}); err != nil || len(rs) != 2 {
			t.Fatalf("FindResidents = %d, %v", len(rs), err)
		}
		if got := auditDetails(t, db, "resident.read_minor", child.ID); !cmp.Equal(got, []string{"record", "list"}) {
			t.Errorf("minor read records = %q, want record and list", got)
		}
		if n := auditCount(t, db, "resident.read_minor", shequ.AuditAllowed, adult.ID); n != 0 {
			t.Errorf("adult read audited as a minor's: %d", n)
		}
	})
}

func TestFindResidents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		mk := func(name, community, birth, seq string, tags ...shequ.Tag) *shequ.Resident {
			return mustCreateResident(t, s, &shequ.Resident{Name: name, Community: community,
				IDNumber: shequ.IDNumber(idNumber("330523", birth, seq)), Tags: tags})
		}
		a := mk("张三", tiaoxiu, "19800101", "001", shequ.TagDibao)
		mk("张三丰", tiaoxiu, "19500101", "003")
		c := mk("李四", kangshan, "19900101", "005", shequ.TagDibao, shequ.TagVeteran)
		for i := range 5 {
			mk(fmt.Sprintf("王%d", i), "330523001248", "19850101", fmt.Sprintf("1%d1", i))
		}
		names := func(rs []*shequ.Resident) []string {
			out := []string{}
			for _, r := range rs {
				out = append(out, r.Name)
			}
			return out
		}
		ctx := worker(dipu)
		for _, tc := range []struct {
			f     shequ.ResidentFilter
			want  []string
			total int
		}{
			{shequ.ResidentFilter{Community: tiaoxiu}, []string{"张三", "张三丰"}, 2},
			{shequ.ResidentFilter{Query: "三"}, []string{"张三", "张三丰"}, 2},
			{shequ.ResidentFilter{Query: "三丰"}, []string{"张三丰"}, 1},
			{shequ.ResidentFilter{IDNumber: string(c.IDNumber)}, []string{"李四"}, 1},
			{shequ.ResidentFilter{IDNumber: strings.ToLower(string(a.IDNumber)) + " "}, []string{"张三"}, 1},
			{shequ.ResidentFilter{Tag: shequ.TagDibao}, []string{"张三", "李四"}, 2},
			{shequ.ResidentFilter{Tag: shequ.TagElderly}, []string{"张三丰"}, 1},
			{shequ.ResidentFilter{Tag: shequ.TagDibao, Community: kangshan}, []string{"李四"}, 1},
			{shequ.ResidentFilter{Query: "王", Limit: 2, Offset: 1}, []string{"王1", "王2"}, 5},
			{shequ.ResidentFilter{Limit: 3, Offset: 6}, []string{"王3", "王4"}, 8},
			{shequ.ResidentFilter{Limit: 1, Offset: 7}, []string{"王4"}, 8},
			{shequ.ResidentFilter{Offset: 100}, []string{}, 8},
			{shequ.ResidentFilter{Community: "3305"}, []string{"张三", "张三丰", "李四", "王0", "王1", "王2", "王3", "王4"}, 8},
		} {
			rs, total, err := s.FindResidents(ctx, tc.f)
			if err != nil {
				t.Errorf("FindResidents(%+v): %v", tc.f, err)
				continue
			}
			if !cmp.Equal(names(rs), tc.want) || total != tc.total {
				t.Errorf("FindResidents(%+v) = %v, %d; want %v, %d", tc.f, names(rs), total, tc.want, tc.total)
			}
		}
		// Tags and clear numbers come with the page.
		rs, _, _ := s.FindResidents(ctx, shequ.ResidentFilter{Community: kangshan})
		if len(rs) != 1 || !cmp.Equal(rs[0].Tags, []shequ.Tag{shequ.TagDibao, shequ.TagVeteran}) || rs[0].IDNumber != c.IDNumber {
			t.Errorf("page of one = %+v", rs)
		}
		_, _, err := s.FindResidents(ctx, shequ.ResidentFilter{IDNumber: "123"})
		wantError(t, err, shequ.EInvalid, "error.invalid_fields")
		_, _, err = s.FindResidents(ctx, shequ.ResidentFilter{Community: "33x"})
		wantError(t, err, shequ.EInvalid, "error.invalid_fields")
	})
}

func TestUpdateResident(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		ctx := worker(dipu)
		r := mustCreateResident(t, s, &shequ.Resident{Name: "张三", Phone: "13800138000",
			IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "001")), Community: tiaoxiu,
			Tags: []shequ.Tag{shequ.TagDibao}})
		db.Now = func() time.Time { return testNow.Add(time.Hour) }
		got, err := s.UpdateResident(ctx, r.ID, shequ.ResidentInput{Phone: ptr("0572-5123456")})
		if err != nil {
			t.Fatal(err)
		}
		if got.Phone != "0572-5123456" || got.Name != "张三" || got.IDNumber != r.IDNumber ||
			!cmp.Equal(got.Tags, r.Tags) || !got.UpdatedAt.After(r.UpdatedAt) {
			t.Errorf("updated = %+v", got)
		}
		found, err := s.FindResidentByID(ctx, r.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, found); diff != "" {
			t.Errorf("stored after update (-returned +found):\n%s", diff)
		}
		// A new ID number is re-indexed; the old one no longer finds it.
		newID := idNumber("330523", "19810202", "001")
		if _, err := s.UpdateResident(ctx, r.ID, shequ.ResidentInput{IDNumber: &newID, Tags: &[]string{"残疾"},
			Name: ptr("张三")}); err != nil {
			t.Fatal(err)
		}
		if rs, _, _ := s.FindResidents(ctx, shequ.ResidentFilter{IDNumber: newID}); len(rs) != 1 || rs[0].BirthDate().Format("20060102") != "19810202" {
			t.Errorf("search by new ID number = %+v", rs)
		}
		if _, total, _ := s.FindResidents(ctx, shequ.ResidentFilter{IDNumber: string(r.IDNumber)}); total != 0 {
			t.Errorf("old ID number still finds %d", total)
		}
		// Details name the changed fields, never values.
		want := []string{"fields=phone", "fields=id_number,tags"}
		if got := auditDetails(t, db, "resident.update", r.ID); !cmp.Equal(got, want) {
			t.Errorf("update details = %q, want %q", got, want)
		}
		// Nothing changed: nothing written.
		if _, err := s.UpdateResident(ctx, r.ID, shequ.ResidentInput{Name: ptr(" 张三 ")}); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, db, "resident.update", shequ.AuditAllowed, r.ID); n != 2 {
			t.Errorf("update records after a no-op = %d, want 2", n)
		}
		// Invalid input leaves the record as it was.
		_, err = s.UpdateResident(ctx, r.ID, shequ.ResidentInput{Name: ptr(""), Phone: ptr("1")})
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || len(e.Fields) != 2 {
			t.Errorf("invalid update: %v", err)
		}
		// Taking another resident's ID number is a conflict.
		other := mustCreateResident(t, s, &shequ.Resident{Name: "李四",
			IDNumber: shequ.IDNumber(idNumber("330523", "19900101", "005")), Community: kangshan})
		_, err = s.UpdateResident(ctx, r.ID, shequ.ResidentInput{IDNumber: ptr(string(other.IDNumber))})
		wantError(t, err, shequ.EConflict, "resident.id_number.taken_in")
		_, err = s.UpdateResident(ctx, newUUID7(), shequ.ResidentInput{Name: ptr("x")})
		wantError(t, err, shequ.ENotFound, "error.not_found")
	})
}

func TestVerifyResident(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		r := mustCreateResident(t, s, &shequ.Resident{Name: "张三",
			IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "001")), Community: tiaoxiu})
		ctx := worker(tiaoxiu)
		_, err := s.VerifyResident(asActor(shequ.RoleOfficial, dipu), r.ID)
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		got, err := s.VerifyResident(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		w := shequ.ActorFrom(ctx)
		if !got.Verified || got.VerifiedBy != w.UserID || got.VerifiedAt == nil {
			t.Errorf("verified = %+v", got)
		}
		found, _ := s.FindResidentByID(ctx, r.ID, false)
		if diff := cmp.Diff(got, found); diff != "" {
			t.Errorf("stored after verify (-returned +found):\n%s", diff)
		}
		_, err = s.VerifyResident(ctx, r.ID)
		wantError(t, err, shequ.EConflict, "resident.verify.already")
		if n := auditCount(t, db, "resident.verify", shequ.AuditAllowed, r.ID); n != 1 {
			t.Errorf("verify records = %d", n)
		}
		if n := auditCount(t, db, "resident.verify", shequ.AuditDenied, r.ID); n != 1 {
			t.Errorf("denied verify records = %d", n)
		}
	})
}

func TestImportResidents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		existing := mustCreateResident(t, s, &shequ.Resident{Name: "张三",
			IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "001")), Community: tiaoxiu})
		batch := func(third shequ.IDNumber) []*shequ.Resident {
			return []*shequ.Resident{
				{Name: "甲", IDNumber: shequ.IDNumber(idNumber("330523", "19700101", "011")), Community: tiaoxiu, Tags: []shequ.Tag{"低保户"}},
				{Name: "乙", IDNumber: shequ.IDNumber(idNumber("330523", "19700101", "021")), Community: kangshan, Phone: "13900001111"},
				{Name: "丙", IDNumber: third, Community: tiaoxiu},
			}
		}
		count := func() int {
			_, total, err := s.FindResidents(cliContext(), shequ.ResidentFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return total
		}
		ctx := worker(dipu)
		// A duplicate of a stored record in row 3: nothing is written.
		err := s.ImportResidents(ctx, batch(existing.IDNumber))
		wantError(t, err, shequ.EConflict, "resident.id_number.taken_in")
		if e := shequ.AsError(err); e.Data["Row"] != 3 || !strings.HasPrefix(e.Message, "Row 3: ") {
			t.Errorf("row of the duplicate: data %v, message %q", e.Data, e.Message)
		}
		if n := count(); n != 1 {
			t.Errorf("%d residents after a rejected import, want 1", n)
		}
		// Two rows with one number.
		dup := batch(shequ.IDNumber(idNumber("330523", "19700101", "011")))
		err = s.ImportResidents(ctx, dup)
		wantError(t, err, shequ.EConflict, "resident.import.duplicate")
		if e := shequ.AsError(err); e.Data["Row"] != 3 || e.Data["FirstRow"] != 1 {
			t.Errorf("duplicate rows: %v", e.Data)
		}
		// An invalid row.
		bad := batch(shequ.IDNumber(idNumber("330523", "19700101", "031")))
		bad[1].Phone = "123"
		err = s.ImportResidents(ctx, bad)
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || e.Data["Row"] != 2 || len(e.Fields) != 1 || e.Fields[0].Field != "phone" {
			t.Errorf("invalid row: %v %+v", err, e)
		}
		// A row outside the importer's scope.
		err = s.ImportResidents(worker(tiaoxiu), batch(shequ.IDNumber(idNumber("330523", "19700101", "031"))))
		wantError(t, err, shequ.ENotFound, "error.not_found")
		if e := shequ.AsError(err); e.Data["Row"] != 2 {
			t.Errorf("out-of-scope row: %v", e.Data)
		}
		if n := count(); n != 1 {
			t.Errorf("%d residents after rejected imports, want 1", n)
		}
		if n := auditCount(t, db, "resident.import", shequ.AuditDenied, ""); n != 1 {
			t.Errorf("denied import records = %d, want 1", n)
		}
		// A good batch: all rows, one audit record each.
		good := batch(shequ.IDNumber(idNumber("330523", "19700101", "031")))
		if err := s.ImportResidents(ctx, good); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 4 {
			t.Errorf("%d residents after import, want 4", n)
		}
		if n := auditCount(t, db, "resident.import", shequ.AuditAllowed, ""); n != 3 {
			t.Errorf("import records = %d, want 3", n)
		}
		got, err := s.FindResidentByID(ctx, good[1].ID, false)
		if err != nil || got.Phone != "13900001111" || got.Community != kangshan {
			t.Errorf("imported row = %+v, %v", got, err)
		}
		// Only importers import.
		err = s.ImportResidents(asActor(shequ.RoleOfficial, dipu), nil)
		wantError(t, err, shequ.EForbidden, "error.forbidden")
	})
}

// TestResidentNumbersNotInFile checks the raw SQLite files: no ID or phone
// number is stored in clear, in the database file or its write-ahead log.
func TestResidentNumbersNotInFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "shequ.db")
	db := mustOpen(t, path, true)
	s := newResidents(t, db)
	var secrets []string
	for i := range 20 {
		id := idNumber("330523", "19800101", fmt.Sprintf("%03d", i))
		phone := fmt.Sprintf("139%08d", 12345670+i)
		r := mustCreateResident(t, s, &shequ.Resident{Name: fmt.Sprintf("居民%d", i), IDNumber: shequ.IDNumber(id),
			Phone: shequ.Phone(phone), Community: tiaoxiu})
		if _, err := s.FindResidentByID(worker(tiaoxiu), r.ID, true); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, id, id[:17], phone)
	}
	// Also after an update (old and new values), and with a fixed line.
	r := mustCreateResident(t, s, &shequ.Resident{Name: "改号", IDNumber: shequ.IDNumber(idNumber("330523", "19900101", "001")),
		Phone: "0572-5123456", Community: tiaoxiu})
	if _, err := s.UpdateResident(cliContext(), r.ID, shequ.ResidentInput{Phone: ptr("13700001111")}); err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, string(r.IDNumber), "5123456", "13700001111")

	check := func(when string) {
		for _, p := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(p)
			if err != nil {
				if os.IsNotExist(err) {
					continue
				}
				t.Fatal(err)
			}
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s: %s contains %q in clear", when, filepath.Base(p), s)
				}
			}
		}
	}
	check("before checkpoint")
	if _, err := db.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	check("after checkpoint")
	// The check itself works: names are stored in clear.
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte("居民7")) {
		t.Error("a name stored in clear was not found in the file: the check reads the wrong file")
	}
}

// TestResidentStoredSealed checks the stored form of a row.
func TestResidentStoredSealed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		r := mustCreateResident(t, s, &shequ.Resident{Name: "张三", Phone: "13800138000",
			IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "001")), Community: tiaoxiu})
		var idEnc, idIdx, phoneEnc, birth, sex string
		err := db.db.QueryRow(db.rebind(`SELECT id_number_enc, id_number_idx, phone_enc, birth_date, sex
			FROM residents WHERE id = ?`), r.ID).Scan(&idEnc, &idIdx, &phoneEnc, &birth, &sex)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(idEnc, "v1:1:") || strings.Contains(idEnc, string(r.IDNumber)) ||
			idIdx != s.sealer.Index("id_number", string(r.IDNumber)) || birth != "1980-01-01" || sex != "male" {
			t.Errorf("stored: %q %q %q %q", idEnc, idIdx, birth, sex)
		}
		// A ciphertext moved to another row does not open there.
		other := mustCreateResident(t, s, &shequ.Resident{Name: "李四",
			IDNumber: shequ.IDNumber(idNumber("330523", "19900101", "003")), Community: tiaoxiu})
		if _, err := db.db.Exec(db.rebind(`UPDATE residents SET phone_enc = ?, phone_idx = 'x' WHERE id = ?`), phoneEnc, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindResidentByID(cliContext(), other.ID, false); shequ.ErrorCode(err) != shequ.EInternal {
			t.Errorf("moved ciphertext: err = %v, want an internal error", err)
		}
	})
}

func TestResealResidents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		mustImport(t, db, divisionsOf(fixture...))
		ring, err := pii.GenerateKeyRing()
		if err != nil {
			t.Fatal(err)
		}
		s := NewResidentService(db, ring)
		// Two batches; every other resident with a phone.
		for i := range resealBatch + 3 {
			r := &shequ.Resident{Name: fmt.Sprintf("居民%d", i), Community: tiaoxiu,
				IDNumber: shequ.IDNumber(idNumber("330523", "19800101", fmt.Sprintf("%03d", i)))}
			if i%2 == 0 {
				r.Phone = shequ.Phone(fmt.Sprintf("139%08d", i))
			}
			mustCreateResident(t, s, r)
		}
		_, err = s.ResealResidents(worker(tiaoxiu), nil)
		wantError(t, err, shequ.EForbidden, "error.forbidden")

		if _, err := ring.Rotate(); err != nil {
			t.Fatal(err)
		}
		var steps []int
		n, err := s.ResealResidents(asActor(shequ.RoleSecadmin, ""), func(done int) { steps = append(steps, done) })
		if err != nil || n != resealBatch+3 || len(steps) != 2 {
			t.Fatalf("ResealResidents = %d, %v; progress %v", n, err, steps)
		}
		if err := ring.Retire(1); err != nil {
			t.Fatal(err)
		}
		rs, total, err := s.FindResidents(cliContext(), shequ.ResidentFilter{Limit: 500})
		if err != nil || total != resealBatch+3 {
			t.Fatalf("after re-seal and retire: %d, %v", total, err)
		}
		rest, _, err := s.FindResidents(cliContext(), shequ.ResidentFilter{Limit: 500, Offset: 500})
		if err != nil {
			t.Fatal(err)
		}
		phones := 0
		for _, r := range append(rs, rest...) {
			if r.Phone != "" {
				phones++
			}
		}
		if phones != (resealBatch+4)/2 {
			t.Errorf("%d residents have a phone after re-seal, want %d", phones, (resealBatch+4)/2)
		}
		// Search through the index still works: it did not change.
		if _, total, _ := s.FindResidents(cliContext(), shequ.ResidentFilter{IDNumber: idNumber("330523", "19800101", "007")}); total != 1 {
			t.Errorf("search after re-seal found %d", total)
		}
		if n := auditCount(t, db, "resident.reseal", shequ.AuditAllowed, ""); n != 2 {
			t.Errorf("re-seal records = %d, want 2", n)
		}
	})
}
