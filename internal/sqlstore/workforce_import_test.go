package sqlstore

import (
	"context"
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
		s, ch := newTellingWorkforce(t, db)
		rows := func() []*shequ.WorkforceMember {
			m := func(name, community string) *shequ.WorkforceMember {
				return &shequ.WorkforceMember{Name: name, Community: community, Post: shequ.PostSocialWkr,
					Education: shequ.EduBachelor, AgeBand: shequ.Age30s, HiredOn: parseDay("2020-01-01")}
			}
			return []*shequ.WorkforceMember{m("甲社工", tiaoxiu), m("乙社工", kangshan), m("丙社工", tiaoxiu)}
		}
		importRefusals(t, db, ch, "workforce_members", auditWFImport, rows, s.ImportMembers,
			func(m *shequ.WorkforceMember) { m.Post = "chief" }, func(m *shequ.WorkforceMember) { m.Community = "330523001999" })
		stored := func() int { return rowCount(t, db, "workforce_members") }

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
		s, ch := newTellingWorkforce(t, db)
		rows := func() []*shequ.Course {
			c := func(title, community string) *shequ.Course {
				return &shequ.Course{Title: title, Organizer: "安吉县民政局", Community: community, Topic: shequ.TopicSocialWork,
					Day: parseDay("2026-05-10"), Minutes: 120}
			}
			return []*shequ.Course{c("社会工作实务", tiaoxiu), c("政策法规培训", kangshan), c("个案管理", tiaoxiu)}
		}
		importRefusals(t, db, ch, "courses", auditCourseImp, rows, s.ImportCourses,
			func(c *shequ.Course) { c.Minutes = 0 }, func(c *shequ.Course) { c.Community = "330523001999" })
		stored := func() int { return rowCount(t, db, "courses") }

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

// TestAttendanceTells: recording and removing a member's attendance moves
// the training hours of the member's community, so that community is told
// after commit (the figures were stale until the next day's refresh); a
// refused recording tells nobody.
func TestAttendanceTells(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s, ch := newTellingWorkforce(t, db)
		m := &shequ.WorkforceMember{Name: "甲社工", Community: kangshan, Post: shequ.PostSocialWkr,
			Education: shequ.EduBachelor, AgeBand: shequ.Age30s, HiredOn: parseDay("2020-01-01")}
		mustDo(t, s.CreateMember(worker(dipu), m))
		c := &shequ.Course{Title: "社会工作实务", Organizer: "安吉县民政局", Community: tiaoxiu, Topic: shequ.TopicSocialWork,
			Day: parseDay("2026-05-10"), Minutes: 120}
		mustDo(t, s.CreateCourse(worker(dipu), c))
		ch.take()

		if err := s.RecordAttendance(worker(dipu), &shequ.Attendance{CourseID: c.ID, MemberID: m.ID, Minutes: 121}); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Fatalf("more hours than the course's: %v", err)
		}
		if got := ch.take(); len(got) != 0 {
			t.Errorf("a refused recording told %v", got)
		}
		mustDo(t, s.RecordAttendance(worker(dipu), &shequ.Attendance{CourseID: c.ID, MemberID: m.ID}))
		if got := ch.take(); !cmp.Equal(got, [][]string{{kangshan}}) {
			t.Errorf("recording told %v", got)
		}
		mustDo(t, s.RemoveAttendance(worker(dipu), c.ID, m.ID))
		if got := ch.take(); !cmp.Equal(got, [][]string{{kangshan}}) {
			t.Errorf("removing told %v", got)
		}
	})
}

// importRefusals checks the refusals every import of three rows (row 2 in
// kangshan, the others in tiaoxiu) shares: a row 2 that spoil makes bad and
// a row 3 elsewhere makes of an unknown community are named by their row;
// a file with row 2 out of the importer's area is refused on that row and
// recorded once as action. None writes a row of table or an import
// record, and nobody is told.
func importRefusals[T any](t *testing.T, db *DB, ch *changes, table, action string, rows func() []T,
	run func(context.Context, []T) error, spoil, elsewhere func(T)) {
	t.Helper()
	bad := rows()
	spoil(bad[1])
	err := run(worker(dipu), bad)
	if e := shequ.AsError(err); e.Code != shequ.EInvalid || e.Data["Row"] != 2 || !strings.HasPrefix(e.Message, "Row 2: ") {
		t.Errorf("bad row: %v (data %v)", err, e.Data)
	}
	bad = rows()
	elsewhere(bad[2])
	if e := shequ.AsError(run(worker(dipu), bad)); e.Code != shequ.EInvalid || e.Data["Row"] != 3 {
		t.Errorf("unknown community: %v (data %v)", e, e.Data)
	}
	if e := shequ.AsError(run(worker(tiaoxiu), rows())); e.Code != shequ.ENotFound || e.Data["Row"] != 2 {
		t.Errorf("out of scope row: %v (data %v)", e, e.Data)
	}
	if n := auditCount(t, db, action, shequ.AuditDenied, ""); n != 1 {
		t.Errorf("denied import records = %d, want 1", n)
	}
	if n := rowCount(t, db, table); n != 0 {
		t.Fatalf("%d rows of %s stored after refused imports", n, table)
	}
	if n := auditCount(t, db, action, shequ.AuditAllowed, ""); n != 0 {
		t.Errorf("%d import records after refused imports", n)
	}
	if c := ch.take(); len(c) != 0 {
		t.Errorf("refused imports told %v", c)
	}
}

// rowCount counts the rows of table.
func rowCount(t *testing.T, db *DB, table string) int {
	t.Helper()
	var n int
	mustDo(t, db.db.QueryRow(`SELECT COUNT(*) FROM `+table).Scan(&n))
	return n
}

// newTellingWorkforce is the workforce store over the fixture's divisions
// at 2026-06-01, with what it tells kept in ch.
func newTellingWorkforce(t *testing.T, db *DB) (s *WorkforceService, ch *changes) {
	t.Helper()
	mustImport(t, db, divisionsOf(fixture...))
	s, ch = NewWorkforceService(db), &changes{}
	s.Now = func() time.Time { return time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC) }
	s.OnChange = ch.hook
	return s, ch
}
