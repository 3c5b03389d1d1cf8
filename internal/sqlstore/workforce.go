package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"shequ"
)

// WorkforceService keeps the community workforce register, courses and
// attendance (issue 17). It implements shequ.WorkforceService: reads need
// ActionWorkforceRead and writes ActionWorkforceWrite on the member's (or
// the course's) community; writes are audited in their transaction.
type WorkforceService struct {
	db *DB
	// Now is the clock of the figures (today); nil means the database's.
	Now func() time.Time
	// OnChange, when set, hears the communities concerned after a write.
	OnChange func(communities ...string)
}

var _ shequ.WorkforceService = (*WorkforceService)(nil)

// NewWorkforceService returns a WorkforceService on db.
func NewWorkforceService(db *DB) *WorkforceService { return &WorkforceService{db: db} }

// Audited actions of the workforce register.
const (
	auditWFCreate   = "workforce.create"
	auditWFUpdate   = "workforce.update"
	auditWFImport   = "workforce.import"
	auditWFRead     = "workforce.read"
	auditCourseNew  = "course.create"
	auditCourseEdit = "course.update"
	auditCourseImp  = "course.import"
	auditAttendance = "course.attendance"
)

// now is the clock in UTC.
func (s *WorkforceService) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return s.db.now()
}

// memberColumns are the columns scanMember reads.
const memberColumns = `m.id, m.name, m.community, m.post, m.education, m.age_band, m.qualification, m.registered_on,
	m.hired_on, m.left_on, m.leave_reason, m.user_id, m.social_worker_id, m.created_at, m.updated_at`

// scanMember reads a row of memberColumns.
func scanMember(row rowScanner) (*shequ.WorkforceMember, error) {
	m := &shequ.WorkforceMember{}
	var post, edu, age, qual, hired, reason string
	var reg, left, user, sw sql.NullString
	err := row.Scan(&m.ID, &m.Name, &m.Community, &post, &edu, &age, &qual, &reg, &hired, &left, &reason, &user, &sw,
		scanTime(&m.CreatedAt), scanTime(&m.UpdatedAt))
	if err != nil {
		return nil, err
	}
	m.Post, m.Education, m.AgeBand, m.Qualification = shequ.Post(post), shequ.Education(edu), shequ.AgeBand(age),
		shequ.Qualification(qual)
	m.RegisteredOn, m.HiredOn, m.LeftOn, m.LeaveReason = optDay(reg), parseDay(hired), optDay(left), shequ.LeaveReason(reason)
	m.UserID, m.SocialWorkerID = user.String, sw.String
	return m, nil
}

// loadMember reads one member (not authorized).
func (s *WorkforceService) loadMember(ctx context.Context, q querier, id string) (*shequ.WorkforceMember, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	m, err := scanMember(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+memberColumns+` FROM workforce_members m WHERE m.id = ?`), id))
	if err != nil {
		return nil, noRows(err, "read workforce member")
	}
	return m, nil
}

// checkMemberRefs checks the community, account and social worker a
// member names.
func (s *WorkforceService) checkMemberRefs(ctx context.Context, tx *sql.Tx, m *shequ.WorkforceMember, cc *communityChecker) error {
	var fe shequ.FieldErrors
	if miss, err := cc.missing(ctx, tx, m.Community); err != nil {
		return err
	} else if miss != "" || len(m.Community) != 12 {
		fe.Add("community_code", "workforce.community.invalid", "Pick the community they work in.", nil)
	}
	for _, ref := range []struct{ field, table, id string }{{"user_id", "users", m.UserID}, {"social_worker_id", "social_workers", m.SocialWorkerID}} {
		if ref.id == "" {
			continue
		}
		var n int
		err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM `+ref.table+` WHERE id = ?`), ref.id).Scan(&n)
		if !validID(ref.id) || (err == nil && n == 0) {
			fe.Add(ref.field, "workforce.ref.invalid", "Pick an existing record.", nil)
		} else if err != nil {
			return translateError(err, "check reference")
		}
	}
	return fe.Err()
}

// insertMember writes m inside tx after checking the actor's right.
func (s *WorkforceService) insertMember(ctx context.Context, tx *sql.Tx, m *shequ.WorkforceMember, cc *communityChecker, audit string, now time.Time) error {
	if err := m.Validate(now); err != nil {
		return err
	}
	if err := s.checkMemberRefs(ctx, tx, m, cc); err != nil {
		return err
	}
	if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, &shequ.Object{Division: m.Community}); err != nil {
		return refuse(err, audit, objWorkforce, "", m.Community)
	}
	m.ID, m.CreatedAt, m.UpdatedAt = newUUID7(), now, now
	_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO workforce_members (id, name, community, post, education,
		age_band, qualification, registered_on, hired_on, left_on, leave_reason, user_id, social_worker_id, ce_notified,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`), m.ID, m.Name, m.Community,
		string(m.Post), string(m.Education), string(m.AgeBand), string(m.Qualification), dateArg(m.RegisteredOn),
		dayArg(m.HiredOn), dateArg(m.LeftOn), string(m.LeaveReason), nullString(m.UserID), nullString(m.SocialWorkerID),
		s.db.dialect.timeArg(now), s.db.dialect.timeArg(now))
	return translateError(err, "create workforce member")
}

// CreateMember implements shequ.WorkforceService.
func (s *WorkforceService) CreateMember(ctx context.Context, m *shequ.WorkforceMember) error {
	if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditWFCreate, objWorkforce, "", "")
	}
	now := s.now()
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertMember(ctx, tx, m, newCommunityChecker(s.db), auditWFCreate, now); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditWFCreate, objWorkforce, m.ID, m.Community, "")
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	notifyChange(s.OnChange, []string{m.Community})
	return nil
}

// UpdateMember implements shequ.WorkforceService: a change of post or a
// leaving day with its reason; moving to another community needs the
// right in both.
func (s *WorkforceService) UpdateMember(ctx context.Context, m *shequ.WorkforceMember) error {
	if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditWFUpdate, objWorkforce, clipID(m.ID), "")
	}
	now := s.now()
	var old *shequ.WorkforceMember
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if old, err = s.loadMember(ctx, tx, m.ID); err != nil {
			return refuse(err, auditWFUpdate, objWorkforce, m.ID, "")
		}
		if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, &shequ.Object{Division: old.Community}); err != nil {
			return refuse(err, auditWFUpdate, objWorkforce, m.ID, old.Community)
		}
		if err := m.Validate(now); err != nil {
			return err
		}
		if err := s.checkMemberRefs(ctx, tx, m, newCommunityChecker(s.db)); err != nil {
			return err
		}
		if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, &shequ.Object{Division: m.Community}); err != nil {
			return refuse(err, auditWFUpdate, objWorkforce, m.ID, m.Community)
		}
		m.CreatedAt, m.UpdatedAt = old.CreatedAt, now
		_, err = tx.ExecContext(ctx, s.db.rebind(`UPDATE workforce_members SET name = ?, community = ?, post = ?,
			education = ?, age_band = ?, qualification = ?, registered_on = ?, hired_on = ?, left_on = ?, leave_reason = ?,
			user_id = ?, social_worker_id = ?, updated_at = ? WHERE id = ?`), m.Name, m.Community, string(m.Post),
			string(m.Education), string(m.AgeBand), string(m.Qualification), dateArg(m.RegisteredOn), dayArg(m.HiredOn),
			dateArg(m.LeftOn), string(m.LeaveReason), nullString(m.UserID), nullString(m.SocialWorkerID),
			s.db.dialect.timeArg(now), m.ID)
		if err != nil {
			return translateError(err, "update workforce member")
		}
		return auditAllowed(ctx, s.db, tx, auditWFUpdate, objWorkforce, m.ID, m.Community, "")
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	notifyChange(s.OnChange, []string{old.Community, m.Community})
	return nil
}

// FindMemberByID implements shequ.WorkforceService.
func (s *WorkforceService) FindMemberByID(ctx context.Context, id string) (*shequ.WorkforceMember, error) {
	if err := authorizeResident(ctx, shequ.ActionWorkforceRead, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditWFRead, objWorkforce, clipID(id), "")
	}
	m, err := s.loadMember(ctx, s.db.db, id)
	if err != nil {
		return nil, s.db.recordDenied(ctx, err, auditWFRead, objWorkforce, clipID(id), "")
	}
	if err := authorizeResident(ctx, shequ.ActionWorkforceRead, &shequ.Object{Division: m.Community}); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditWFRead, objWorkforce, id, m.Community)
	}
	return m, nil
}

// FindMembers implements shequ.WorkforceService.
func (s *WorkforceService) FindMembers(ctx context.Context, f shequ.WorkforceFilter) ([]*shequ.WorkforceMember, int, error) {
	q, ok, err := s.db.scopedList(ctx, shequ.ActionWorkforceRead, auditWFRead, objWorkforce, "m.community", f.Community)
	if err != nil || !ok {
		return []*shequ.WorkforceMember{}, 0, err
	}
	enumFilter(q, "m.post", "post", f.Post, shequ.Posts, "workforce.post.invalid", "Choose the post.")
	if f.Current {
		q.conds, q.args = append(q.conds, "(m.left_on IS NULL OR m.left_on > ?)"), append(q.args, dayArg(s.now()))
	}
	q.contains("m.name", f.Query)
	return listPage(ctx, q, "workforce_members m", memberColumns, "m.community, m.post, m.name, m.id", f.Offset, f.Limit,
		scanMember, "workforce members")
}

// ImportMembers implements shequ.WorkforceService: all rows or none.
func (s *WorkforceService) ImportMembers(ctx context.Context, ms []*shequ.WorkforceMember) error {
	if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditWFImport, objWorkforce, "", "")
	}
	cc := newCommunityChecker(s.db) // kept across a retried transaction: an import writes no division
	return writeImport(ctx, s.db, s.now(), ms, func(c *change, m *shequ.WorkforceMember) error {
		return s.insertMember(ctx, c.tx, m, cc, auditWFImport, c.now)
	}, func(m *shequ.WorkforceMember) (string, string) { return m.ID, m.Community }, auditWFImport, objWorkforce, s.OnChange)
}

// membersUnder reads every member at and below a division (not
// authorized), for the figures.
func (s *WorkforceService) membersUnder(ctx context.Context, division string) ([]*shequ.WorkforceMember, error) {
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+memberColumns+` FROM workforce_members m
		WHERE m.community >= ? AND m.community < ? ORDER BY m.id`), division, division+":")
	if err != nil {
		return nil, translateError(err, "read workforce")
	}
	return collectRows(rows, scanMember, "read workforce")
}

// Retention implements shequ.WorkforceService.
func (s *WorkforceService) Retention(ctx context.Context, division string) (shequ.WorkforceFigures, error) {
	if err := authorizeResident(ctx, shequ.ActionWorkforceRead, &shequ.Object{Division: division}); err != nil {
		return shequ.WorkforceFigures{}, s.db.recordDenied(ctx, err, auditWFRead, objWorkforce, division, division)
	}
	ms, err := s.membersUnder(ctx, division)
	if err != nil {
		return shequ.WorkforceFigures{}, err
	}
	return shequ.ComputeWorkforce(ms, s.now()), nil
}

// courseColumns are the columns scanCourse reads.
const courseColumns = `c.id, c.title, c.organizer, c.community, c.topic, c.day, c.minutes, c.place,
	(SELECT COUNT(*) FROM course_attendance a WHERE a.course_id = c.id), c.created_at, c.updated_at`

// scanCourse reads a row of courseColumns.
func scanCourse(row rowScanner) (*shequ.Course, error) {
	c := &shequ.Course{}
	var topic, day string
	err := row.Scan(&c.ID, &c.Title, &c.Organizer, &c.Community, &topic, &day, &c.Minutes, &c.Place, &c.Attendees,
		scanTime(&c.CreatedAt), scanTime(&c.UpdatedAt))
	c.Topic, c.Day = shequ.CourseTopic(topic), parseDay(day)
	return c, err
}

// loadCourse reads one course (not authorized).
func (s *WorkforceService) loadCourse(ctx context.Context, q querier, id string) (*shequ.Course, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	c, err := scanCourse(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+courseColumns+` FROM courses c WHERE c.id = ?`), id))
	if err != nil {
		return nil, noRows(err, "read course")
	}
	return c, nil
}

// insertCourse writes c inside tx after checking it and the actor's right.
func (s *WorkforceService) insertCourse(ctx context.Context, tx *sql.Tx, c *shequ.Course, cc *communityChecker, audit string, now time.Time) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if miss, err := cc.missing(ctx, tx, c.Community); err != nil {
		return err
	} else if miss != "" || len(c.Community) != 12 {
		return fieldError("community_code", "course.community.invalid", "Pick the community it was held in.")
	}
	if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, &shequ.Object{Division: c.Community}); err != nil {
		return refuse(err, audit, objCourse, "", c.Community)
	}
	c.ID, c.CreatedAt, c.UpdatedAt = newUUID7(), now, now
	_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO courses (id, title, organizer, community, topic, day, minutes,
		place, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), c.ID, c.Title, c.Organizer, c.Community,
		string(c.Topic), dayArg(c.Day), c.Minutes, c.Place, s.db.dialect.timeArg(now), s.db.dialect.timeArg(now))
	return translateError(err, "create course")
}

// CreateCourse implements shequ.WorkforceService. A course alone moves no
// figure (its attendance does), so nobody is told.
func (s *WorkforceService) CreateCourse(ctx context.Context, c *shequ.Course) error {
	if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditCourseNew, objCourse, "", "")
	}
	now := s.now()
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertCourse(ctx, tx, c, newCommunityChecker(s.db), auditCourseNew, now); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditCourseNew, objCourse, c.ID, c.Community, "")
	})
	return settleRefusal(ctx, s.db, err)
}

// UpdateCourse implements shequ.WorkforceService.
func (s *WorkforceService) UpdateCourse(ctx context.Context, c *shequ.Course) error {
	if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditCourseEdit, objCourse, clipID(c.ID), "")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	now := s.now()
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		old, err := s.loadCourse(ctx, tx, c.ID)
		if err != nil {
			return refuse(err, auditCourseEdit, objCourse, c.ID, "")
		}
		for _, comm := range []string{old.Community, c.Community} {
			if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, &shequ.Object{Division: comm}); err != nil {
				return refuse(err, auditCourseEdit, objCourse, c.ID, comm)
			}
		}
		if miss, err := newCommunityChecker(s.db).missing(ctx, tx, c.Community); err != nil {
			return err
		} else if miss != "" {
			return fieldError("community_code", "course.community.invalid", "Pick the community it was held in.")
		}
		c.CreatedAt, c.UpdatedAt, c.Attendees = old.CreatedAt, now, old.Attendees
		_, err = tx.ExecContext(ctx, s.db.rebind(`UPDATE courses SET title = ?, organizer = ?, community = ?, topic = ?,
			day = ?, minutes = ?, place = ?, updated_at = ? WHERE id = ?`), c.Title, c.Organizer, c.Community,
			string(c.Topic), dayArg(c.Day), c.Minutes, c.Place, s.db.dialect.timeArg(now), c.ID)
		if err != nil {
			return translateError(err, "update course")
		}
		return auditAllowed(ctx, s.db, tx, auditCourseEdit, objCourse, c.ID, c.Community, "")
	})
	return settleRefusal(ctx, s.db, err)
}

// FindCourseByID implements shequ.WorkforceService.
func (s *WorkforceService) FindCourseByID(ctx context.Context, id string) (*shequ.Course, error) {
	if err := authorizeResident(ctx, shequ.ActionWorkforceRead, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditWFRead, objCourse, clipID(id), "")
	}
	c, err := s.loadCourse(ctx, s.db.db, id)
	if err != nil {
		return nil, s.db.recordDenied(ctx, err, auditWFRead, objCourse, clipID(id), "")
	}
	if err := authorizeResident(ctx, shequ.ActionWorkforceRead, &shequ.Object{Division: c.Community}); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditWFRead, objCourse, id, c.Community)
	}
	return c, nil
}

// FindCourses implements shequ.WorkforceService.
func (s *WorkforceService) FindCourses(ctx context.Context, f shequ.CourseFilter) ([]*shequ.Course, int, error) {
	q, ok, err := s.db.scopedList(ctx, shequ.ActionWorkforceRead, auditWFRead, objCourse, "c.community", f.Community)
	if err != nil || !ok {
		return []*shequ.Course{}, 0, err
	}
	enumFilter(q, "c.topic", "topic", f.Topic, shequ.CourseTopics, "course.topic.invalid", "Choose the topic.")
	q.between("c.day", f.From, f.To)
	q.contains("c.title", f.Query)
	return listPage(ctx, q, "courses c", courseColumns, "c.day DESC, c.id", f.Offset, f.Limit, scanCourse, "courses")
}

// ImportCourses implements shequ.WorkforceService: all rows or none,
// through writeImport. A course alone moves no figure (its attendance
// does), so nobody is told.
func (s *WorkforceService) ImportCourses(ctx context.Context, cs []*shequ.Course) error {
	if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditCourseImp, objCourse, "", "")
	}
	cc := newCommunityChecker(s.db) // kept across a retried transaction: an import writes no division
	return writeImport(ctx, s.db, s.now(), cs, func(c *change, co *shequ.Course) error {
		return s.insertCourse(ctx, c.tx, co, cc, auditCourseImp, c.now)
	}, func(co *shequ.Course) (string, string) { return co.ID, co.Community }, auditCourseImp, objCourse, nil)
}

// RecordAttendance implements shequ.WorkforceService: a member of the
// actor's area attended a course (the course's hours unless fewer are
// given). Recording it again replaces the hours.
func (s *WorkforceService) RecordAttendance(ctx context.Context, a *shequ.Attendance) error {
	if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditAttendance, objCourse, clipID(a.CourseID), "")
	}
	now := s.now()
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		c, err := s.loadCourse(ctx, tx, a.CourseID)
		if err != nil {
			return refuse(err, auditAttendance, objCourse, a.CourseID, "")
		}
		m, err := s.loadMember(ctx, tx, a.MemberID)
		if err != nil {
			return fieldError("member_id", "course.member.invalid", "Pick a member of the workforce register.")
		}
		if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, &shequ.Object{Division: m.Community}); err != nil {
			return refuse(err, auditAttendance, objCourse, a.CourseID, m.Community)
		}
		if a.Minutes == 0 {
			a.Minutes = c.Minutes
		}
		if a.Minutes < 1 || a.Minutes > c.Minutes {
			return fieldError("hours", "course.attendance.hours", "The hours credited are at most the course's.")
		}
		a.Community, a.Name, a.Course, a.Day, a.RecordedBy, a.CreatedAt = m.Community, m.Name, c.Title, c.Day, actorName(ctx), now
		res, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE course_attendance SET minutes = ?, recorded_by = ?
			WHERE course_id = ? AND member_id = ?`), a.Minutes, a.RecordedBy, c.ID, m.ID)
		if err != nil {
			return translateError(err, "record attendance")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO course_attendance (course_id, member_id, community,
				minutes, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`), c.ID, m.ID, m.Community, a.Minutes,
				a.RecordedBy, s.db.dialect.timeArg(now)); err != nil {
				return translateError(err, "record attendance")
			}
		}
		return auditAllowed(ctx, s.db, tx, auditAttendance, objCourse, c.ID, m.Community, "member="+m.ID)
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	notifyChange(s.OnChange, []string{a.Community}) // the member's training hours
	return nil
}

// RemoveAttendance implements shequ.WorkforceService.
func (s *WorkforceService) RemoveAttendance(ctx context.Context, courseID, memberID string) error {
	if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditAttendance, objCourse, clipID(courseID), "")
	}
	var community string
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		m, err := s.loadMember(ctx, tx, memberID)
		if err != nil {
			return refuse(err, auditAttendance, objCourse, courseID, "")
		}
		if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, &shequ.Object{Division: m.Community}); err != nil {
			return refuse(err, auditAttendance, objCourse, courseID, m.Community)
		}
		res, err := tx.ExecContext(ctx, s.db.rebind(`DELETE FROM course_attendance WHERE course_id = ? AND member_id = ?`),
			courseID, memberID)
		if err != nil {
			return translateError(err, "remove attendance")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return shequ.ErrNotFound
		}
		community = m.Community
		return auditAllowed(ctx, s.db, tx, auditAttendance, objCourse, courseID, m.Community, "removed member="+memberID)
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	notifyChange(s.OnChange, []string{community}) // the member's training hours
	return nil
}

// attendanceColumns are the columns scanAttendance reads.
const attendanceColumns = `a.course_id, a.member_id, m.name, c.title, c.community, c.day, a.minutes, a.community,
	a.recorded_by, a.created_at`

// attendanceFrom is the FROM clause of attendanceColumns.
const attendanceFrom = `course_attendance a JOIN courses c ON c.id = a.course_id JOIN workforce_members m ON m.id = a.member_id`

// scanAttendance reads a row of attendanceColumns.
func scanAttendance(row rowScanner) (*shequ.Attendance, error) {
	a := &shequ.Attendance{}
	var day string
	err := row.Scan(&a.CourseID, &a.MemberID, &a.Name, &a.Course, &a.CourseCommunity, &day, &a.Minutes, &a.Community,
		&a.RecordedBy, scanTime(&a.CreatedAt))
	a.Day = parseDay(day)
	return a, err
}

// FindAttendance implements shequ.WorkforceService: the attendees of a
// course that the actor may read.
func (s *WorkforceService) FindAttendance(ctx context.Context, courseID string) ([]*shequ.Attendance, error) {
	if _, err := s.FindCourseByID(ctx, courseID); err != nil {
		return nil, err
	}
	prefix, _, err := scopePrefix(shequ.ActorFrom(ctx), "")
	if err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+attendanceColumns+` FROM `+attendanceFrom+`
		WHERE a.course_id = ? AND a.community >= ? AND a.community < ? ORDER BY m.name, a.member_id`), courseID, prefix, prefix+":")
	if err != nil {
		return nil, translateError(err, "read attendance")
	}
	return collectRows(rows, scanAttendance, "read attendance")
}

// MemberTraining implements shequ.WorkforceService.
func (s *WorkforceService) MemberTraining(ctx context.Context, memberID string) ([]*shequ.Attendance, error) {
	if _, err := s.FindMemberByID(ctx, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+attendanceColumns+` FROM `+attendanceFrom+`
		WHERE a.member_id = ? ORDER BY c.day DESC, c.id`), memberID)
	if err != nil {
		return nil, translateError(err, "read training")
	}
	return collectRows(rows, scanAttendance, "read training")
}

// ContinuingEducation implements shequ.WorkforceService.
func (s *WorkforceService) ContinuingEducation(ctx context.Context, division string, dueSoon bool) ([]*shequ.CEStatus, error) {
	if err := authorizeResident(ctx, shequ.ActionWorkforceRead, &shequ.Object{Division: division}); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditWFRead, objWorkforce, division, division)
	}
	return s.ceStatuses(ctx, division, dueSoon)
}

// ceStatuses lists the continuing education of the certified members at
// and below division as of today (not authorized).
func (s *WorkforceService) ceStatuses(ctx context.Context, division string, dueSoon bool) ([]*shequ.CEStatus, error) {
	now := s.now()
	// Only members in post with a certificate's registration day need
	// continuing education, and only the attendance of the last three
	// years can fall in a current period.
	const certified = `m.community >= ? AND m.community < ? AND m.registered_on IS NOT NULL
		AND m.qualification <> 'none' AND (m.left_on IS NULL OR m.left_on > ?)`
	today := dayArg(now)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+memberColumns+` FROM workforce_members m WHERE `+
		certified+` ORDER BY m.id`), division, division+":", today)
	if err != nil {
		return nil, translateError(err, "read workforce")
	}
	ms, err := collectRows(rows, scanMember, "read workforce")
	if err != nil {
		return nil, err
	}
	rows, err = s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+attendanceColumns+` FROM `+attendanceFrom+`
		WHERE `+certified+` AND c.day >= ?`), division, division+":", today,
		dayArg(shequ.DateOf(now).AddDate(-shequ.CEPeriodYears, 0, 0)))
	if err != nil {
		return nil, translateError(err, "read training")
	}
	att, err := collectRows(rows, scanAttendance, "read training")
	if err != nil {
		return nil, err
	}
	by := map[string][]*shequ.Attendance{}
	for _, a := range att {
		by[a.MemberID] = append(by[a.MemberID], a)
	}
	out := []*shequ.CEStatus{}
	for _, m := range ms {
		st := shequ.ComputeCE(m, by[m.ID], now)
		if st == nil || (dueSoon && !st.DueSoon()) {
			continue
		}
		out = append(out, st)
	}
	slices.SortStableFunc(out, func(a, b *shequ.CEStatus) int { return a.End.Compare(b.End) })
	return out, nil
}

// auditCESweep names the continuing-education sweep in the audit trail.
const auditCESweep = "workforce.ce_sweep"

// CESweep implements shequ.WorkforceService: it tells the community
// workers of each member due soon, and the member's own account if linked,
// once per registration period: ce_notified holds the end of the period
// notified, set by a conditional UPDATE in the transaction that writes the
// notifications, so two sweeps at once (two servers, a retry) notify
// once. It is system work: a signed-in account may not run it.
func (s *WorkforceService) CESweep(ctx context.Context) (int, error) {
	if shequ.ActorFrom(ctx) != nil {
		return 0, s.db.recordDenied(ctx, shequ.ErrForbidden, auditCESweep, objWorkforce, "", "")
	}
	if shequ.RequestMetaFrom(ctx).ClientAddr == "" {
		ctx = shequ.WithRequestMeta(ctx, shequ.RequestMeta{ClientAddr: systemActor, RequestID: auditCESweep})
	}
	due, err := s.ceStatuses(ctx, "", true)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, st := range due {
		end := dayArg(st.End)
		err := s.db.withTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE workforce_members SET ce_notified = ?
				WHERE id = ? AND (ce_notified IS NULL OR ce_notified <> ?)`), end, st.Member.ID, end)
			if err != nil {
				return translateError(err, "mark notified")
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return errSkip
			}
			c := &change{db: s.db, ctx: ctx, tx: tx, now: s.now()}
			users, err := workersOf(ctx, s.db, tx, st.Member.Community)
			if err != nil {
				return err
			}
			own := []string{st.Member.UserID}
			if sw := st.Member.SocialWorkerID; sw != "" {
				var u sql.NullString
				err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT user_id FROM social_workers WHERE id = ?`), sw).Scan(&u)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return translateError(err, "read social worker")
				}
				own = append(own, u.String)
			}
			for _, u := range own {
				if u != "" && !slices.Contains(users, u) {
					users = append(users, u)
				}
			}
			c.notify(users, "workforce_ce_due", objWorkforce, st.Member.ID, st.Member.Name)
			if err := c.flush(); err != nil {
				return err
			}
			return auditAllowed(ctx, s.db, tx, auditCESweep, objWorkforce, st.Member.ID, st.Member.Community,
				"period_end="+end)
		})
		if errors.Is(err, errSkip) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// errSkip ends a transaction that has nothing to do.
var errSkip = errors.New("nothing to do")

// workersOf returns the active community workers of a community.
func workersOf(ctx context.Context, db *DB, q querier, community string) ([]string, error) {
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT id FROM users WHERE role = ? AND scope = ? AND disabled = ? ORDER BY id`),
		string(shequ.RoleCommunityWorker), community, false)
	if err != nil {
		return nil, translateError(err, "read accounts")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translateError(err, "read accounts")
		}
		out = append(out, id)
	}
	return out, translateError(rows.Err(), "read accounts")
}

// workforceAccountRoles are the roles of the accounts a workforce member
// may be linked to: community workers and social workers.
var workforceAccountRoles = []shequ.Role{shequ.RoleCommunityWorker, shequ.RoleSocialWorker}

// AccountCandidates implements shequ.WorkforceService: the active accounts
// of community and social workers in the actor's area, by scope and name,
// at most limit of them (the form's choice of the linked account).
func (s *WorkforceService) AccountCandidates(ctx context.Context, limit int) ([]*shequ.User, error) {
	if err := authorizeResident(ctx, shequ.ActionWorkforceWrite, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditWFRead, objWorkforce, "", "")
	}
	scope := ""
	if a := shequ.ActorFrom(ctx); a != nil {
		scope = a.Scope
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+userColumns+` FROM users u WHERE u.role IN (?, ?)
		AND u.disabled = ? AND u.scope >= ? AND u.scope < ? ORDER BY u.scope, u.username_key LIMIT ?`),
		string(workforceAccountRoles[0]), string(workforceAccountRoles[1]), false, scope, scope+":", limit)
	if err != nil {
		return nil, translateError(err, "account candidates")
	}
	defer rows.Close()
	out := []*shequ.User{}
	for rows.Next() {
		u, err := scanUser(rows.Scan)
		if err != nil {
			return nil, translateError(err, "account candidates")
		}
		out = append(out, u)
	}
	return out, translateError(rows.Err(), "account candidates")
}
