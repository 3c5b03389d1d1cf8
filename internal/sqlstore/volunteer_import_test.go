package sqlstore

import (
	"slices"
	"testing"

	"shequ"
)

// TestImportVolunteers: an import is all rows or none — a file naming one
// resident twice writes nothing and tells no one — and a good file
// registers every row, with an audit record each, and moves the
// community's figures once committed.
func TestImportVolunteers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newVolFx(t, db)
		worker := userContext(fx.worker)
		var heard []string
		fx.s.OnChange = func(communities ...string) { heard = append(heard, communities...) }
		row := func(r *shequ.Resident) *shequ.Volunteer {
			return &shequ.Volunteer{ResidentID: r.ID, Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare},
				Availability: []shequ.Availability{shequ.Availabilities[0]}}
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			mustDo(t, db.db.QueryRow(db.rebind(q), args...).Scan(&n))
			return n
		}

		err := fx.s.ImportVolunteers(worker, []*shequ.Volunteer{row(fx.volRes), row(fx.volRes)})
		wantError(t, err, shequ.EConflict, "volunteer.import.duplicate")
		if n := count(`SELECT COUNT(*) FROM volunteers`); n != 0 || len(heard) != 0 {
			t.Fatalf("a refused file wrote %d volunteers and was heard by %q", n, heard)
		}

		mustDo(t, fx.s.ImportVolunteers(worker, []*shequ.Volunteer{row(fx.volRes), row(fx.elderRs)}))
		if n := count(`SELECT COUNT(*) FROM volunteers`); n != 2 {
			t.Fatalf("%d volunteers after a good file of two", n)
		}
		if n := count(`SELECT COUNT(*) FROM audit_log WHERE action = ?`, auditVolImport); n != 2 {
			t.Errorf("%d audit records of the import, want one a row", n)
		}
		if !slices.Contains(heard, tiaoxiu) {
			t.Errorf("the import's community was not heard: %q", heard)
		}
	})
}
