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

// TestImportCourses: a training-course file goes through the same writer
// as the other imports — a bad row is named and writes nothing, a row out
// of the importer's area is refused with its row and recorded as an
// import, a good file writes every course with an import record each; a
// course created from the form is recorded as a creation (a refused one
// too) and its error names no row. A course alone moves no figure, so
// nobody is told.
func TestImportCourses(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		mustImport(t, db, divisionsOf(fixture...))
		s := NewWorkforceService(db)
		s.Now = func() time.Time { return time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC) }
		var ch changes
		s.OnChange = ch.hook
		rows := func() []*shequ.Course {
			c := func(title, community string) *shequ.Course {
				return &shequ.Course{Title: title, Organizer: "安吉县民政局", Community: community, Topic: shequ.TopicSocialWork,
					Day: parseDay("2026-05-10"), Minutes: 120}
			}
			return []*shequ.Course{c("社会工作实务", tiaoxiu), c("政策法规培训", kangshan), c("个案管理", tiaoxiu)}
		}
		stored := func() int {
			t.Helper()
			var n int
			mustDo(t, db.db.QueryRow(`SELECT COUNT(*) FROM courses`).Scan(&n))
			return n
		}

		bad := rows()
		bad[1].Minutes = 0
		err := s.ImportCourses(worker(dipu), bad)
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || e.Data["Row"] != 2 || !strings.HasPrefix(e.Message, "Row 2: ") {
			t.Errorf("bad row: %v (data %v)", err, e.Data)
		}
		bad = rows()
		bad[2].Community = "330523001999"
		if e := shequ.AsError(s.ImportCourses(worker(dipu), bad)); e.Code != shequ.EInvalid || e.Data["Row"] != 3 {
			t.Errorf("unknown community: %v (data %v)", e, e.Data)
		}
		if e := shequ.AsError(s.ImportCourses(worker(tiaoxiu), rows())); e.Code != shequ.ENotFound || e.Data["Row"] != 2 {
			t.Errorf("out of scope row: %v (data %v)", e, e.Data)
		}
		if n := auditCount(t, db, auditCourseImp, shequ.AuditDenied, ""); n != 1 {
			t.Errorf("denied import records = %d, want 1", n)
		}
		if n := stored(); n != 0 {
			t.Fatalf("%d courses stored after refused imports", n)
		}
		if n := auditCount(t, db, auditCourseImp, shequ.AuditAllowed, ""); n != 0 {
			t.Errorf("%d import records after refused imports", n)
		}

		good := rows()
		mustDo(t, s.ImportCourses(worker(dipu), good))
		if n := stored(); n != 3 {
			t.Errorf("%d courses stored, want 3", n)
		}
		for _, c := range good {
			if c.ID == "" {
				t.Fatalf("%s has no ID", c.Title)
			}
			if n := auditCount(t, db, auditCourseImp, shequ.AuditAllowed, c.ID); n != 1 {
				t.Errorf("%s: %d import records", c.Title, n)
			}
			if n := auditCount(t, db, auditCourseNew, shequ.AuditAllowed, c.ID); n != 0 {
				t.Errorf("%s: %d creation records for an imported course", c.Title, n)
			}
		}

		one := rows()[0]
		one.Minutes = 0
		if e := shequ.AsError(s.CreateCourse(worker(tiaoxiu), one)); e.Code != shequ.EInvalid || e.Data["Row"] != nil ||
			strings.HasPrefix(e.Message, "Row ") {
			t.Errorf("a bad course: %v (data %v)", e, e.Data)
		}
		one = rows()[1]
		if e := shequ.AsError(s.CreateCourse(worker(tiaoxiu), one)); e.Code != shequ.ENotFound {
			t.Errorf("a course out of scope: %v", e)
		}
		if n := auditCount(t, db, auditCourseNew, shequ.AuditDenied, ""); n != 1 {
			t.Errorf("denied creation records = %d, want 1", n)
		}
		one = rows()[0]
		mustDo(t, s.CreateCourse(worker(tiaoxiu), one))
		if n := auditCount(t, db, auditCourseNew, shequ.AuditAllowed, one.ID); n != 1 {
			t.Errorf("%d creation records", n)
		}
		if n := stored(); n != 4 {
			t.Errorf("%d courses stored, want 4", n)
		}
		if c := ch.take(); len(c) != 0 {
			t.Errorf("courses told %v", c)
		}
	})
}
