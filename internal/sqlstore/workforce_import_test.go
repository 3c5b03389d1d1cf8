package sqlstore

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

// TestImportMembers: a workforce file is written all or nothing — a bad
// row is named and writes nothing (no member, no record, nobody told); a
// row out of the importer's area is refused with its row and recorded;
// a good file writes every member with an audit record each, and the
// communities concerned are told once, after commit.
func TestImportMembers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		mustImport(t, db, divisionsOf(fixture...))
		s := NewWorkforceService(db)
		s.Now = func() time.Time { return time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC) }
		var ch changes
		s.OnChange = ch.hook
		rows := func() []*shequ.WorkforceMember {
			m := func(name, community string) *shequ.WorkforceMember {
				return &shequ.WorkforceMember{Name: name, Community: community, Post: shequ.PostSocialWkr,
					Education: shequ.EduBachelor, AgeBand: shequ.Age30s, HiredOn: parseDay("2020-01-01")}
			}
			return []*shequ.WorkforceMember{m("甲社工", tiaoxiu), m("乙社工", kangshan), m("丙社工", tiaoxiu)}
		}
		stored := func() int {
			t.Helper()
			var n int
			mustDo(t, db.db.QueryRow(`SELECT COUNT(*) FROM workforce_members`).Scan(&n))
			return n
		}

		bad := rows()
		bad[1].Post = "chief"
		err := s.ImportMembers(worker(dipu), bad)
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || e.Data["Row"] != 2 || !strings.HasPrefix(e.Message, "Row 2: ") {
			t.Errorf("bad row: %v (data %v)", err, e.Data)
		}
		bad = rows()
		bad[2].Community = "330523001999"
		if e := shequ.AsError(s.ImportMembers(worker(dipu), bad)); e.Code != shequ.EInvalid || e.Data["Row"] != 3 {
			t.Errorf("unknown community: %v (data %v)", e, e.Data)
		}
		if e := shequ.AsError(s.ImportMembers(worker(tiaoxiu), rows())); e.Code != shequ.ENotFound || e.Data["Row"] != 2 {
			t.Errorf("out of scope row: %v (data %v)", e, e.Data)
		}
		if n := auditCount(t, db, auditWFImport, shequ.AuditDenied, ""); n != 1 {
			t.Errorf("denied import records = %d, want 1", n)
		}
		if n := stored(); n != 0 {
			t.Fatalf("%d members stored after refused imports", n)
		}
		if n := auditCount(t, db, auditWFImport, shequ.AuditAllowed, ""); n != 0 {
			t.Errorf("%d import records after refused imports", n)
		}
		if c := ch.take(); len(c) != 0 {
			t.Errorf("refused imports told %v", c)
		}

		good := rows()
		mustDo(t, s.ImportMembers(worker(dipu), good))
		if n := stored(); n != 3 {
			t.Errorf("%d members stored, want 3", n)
		}
		for _, m := range good {
			if m.ID == "" {
				t.Fatalf("%s has no ID", m.Name)
			}
			if n := auditCount(t, db, auditWFImport, shequ.AuditAllowed, m.ID); n != 1 {
				t.Errorf("%s: %d import records", m.Name, n)
			}
		}
		if c := ch.take(); !cmp.Equal(c, [][]string{{tiaoxiu, kangshan}}) {
			t.Errorf("import told %v", c)
		}
	})
}
