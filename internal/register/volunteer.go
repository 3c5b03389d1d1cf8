package register

import (
	"context"
	"time"

	"shequ"
)

// Volunteers is the register of volunteers (志愿者, issue 17): a resident
// of the register with skills, availability, service areas and an
// emergency contact (sealed; the store opens it only for those who keep
// the register and for the volunteer).
var Volunteers = (&Schema[shequ.Volunteer]{
	Name: "volunteer", Type: "Volunteer", Plural: "volunteers",
	Read: shequ.ActionVolunteerRead, Write: shequ.ActionVolunteerWrite, Bulk: shequ.ActionVolunteerWrite,
	Reveal: shequ.ActionVolunteerWrite,
	Fields: []*Field[shequ.Volunteer]{
		Person("resident_id", func(v *shequ.Volunteer) *string { return &v.ResidentID }).Require().Alias("居民编号", "身份证号"),
		Choices("skills", shequ.VolunteerSkills, func(v *shequ.Volunteer) *[]shequ.VolunteerSkill { return &v.Skills }).
			Labelled("volunteer.skill").Alias("技能", "服务技能"),
		Choices("availability", shequ.Availabilities, func(v *shequ.Volunteer) *[]shequ.Availability { return &v.Availability }).
			Labelled("volunteer.avail").Alias("服务时间"),
		Codes("serves", func(v *shequ.Volunteer) *[]string { return &v.Serves }).WithHint("org.serves.hint").Alias("服务区域"),
		Text("emergency_name", shequ.MaxVolunteerName, func(v *shequ.Volunteer) *string { return &v.EmergencyName }).
			Alias("紧急联系人"),
		Phone("emergency_phone", func(v *shequ.Volunteer) *shequ.Phone { return &v.EmergencyPhone }).Alias("紧急联系电话"),
		Choice("status", shequ.VolunteerStatuses, func(v *shequ.Volunteer) *shequ.VolunteerStatus { return &v.Status }).
			Labelled("volunteer.status").Alias("状态"),
		Day("registered_on", func(v *shequ.Volunteer) *time.Time { return &v.RegisteredOn }).Alias("注册日期"),
	},
	Columns: []string{"resident_id", "skills", "availability", "status"},
	Filters: []Filter{{Kind: FilterText, Name: "q"}, {Kind: FilterCommunity, Name: "community"},
		{Kind: FilterChoice, Name: "status"}},
	New:       func() *shequ.Volunteer { return &shequ.Volunteer{Status: shequ.VolunteerActive} },
	ID:        func(v *shequ.Volunteer) string { return v.ID },
	Community: func(v *shequ.Volunteer) string { return v.Community },
	Title:     func(v *shequ.Volunteer) string { return v.Name },
	Times:     func(v *shequ.Volunteer) (time.Time, time.Time) { return v.CreatedAt, v.UpdatedAt },
	Validate:  func(v *shequ.Volunteer, _ time.Time) error { return v.Validate() },
	Extra: func(v *shequ.Volunteer, put func(string, any)) {
		put("name", v.Name)
		put("id_number_masked", v.IDMasked)
		put("hours_confirmed", shequ.HoursText(v.MinutesConfirmed))
	},
	ExtraSchema: map[string]map[string]any{
		"name":             {"type": "string", "description": "The resident's name."},
		"id_number_masked": {"type": "string", "description": "The resident's ID number, masked."},
		"hours_confirmed":  {"type": "string", "description": "Hours of the standing service records."},
	},
	Import: &Import[shequ.Volunteer]{Required: []string{"resident_id", "skills", "availability"}},
}).Init()

// VolunteerStore binds the volunteer register to its service.
func VolunteerStore(svc shequ.VolunteerService) Store[shequ.Volunteer] {
	if svc == nil {
		return Store[shequ.Volunteer]{}
	}
	return Store[shequ.Volunteer]{
		// The store opens the contact only for those allowed; the
		// mechanism masks sealed fields on show.
		Find: func(ctx context.Context, id string, _ bool) (*shequ.Volunteer, error) {
			return svc.FindVolunteerByID(ctx, id, true)
		},
		List: func(ctx context.Context, q Query) ([]*shequ.Volunteer, int, error) {
			return svc.FindVolunteers(ctx, shequ.VolunteerFilter{Community: q.Community,
				Status: shequ.VolunteerStatus(q.Get("status")), Query: q.Text, Offset: q.Offset, Limit: q.Limit})
		},
		Create: svc.RegisterVolunteer, Update: svc.UpdateVolunteer, Import: svc.ImportVolunteers,
	}
}

// Workforce is the community workforce register (社区工作者队伍, issue 17):
// everyone working in a community with post, education, age band,
// qualification, hiring and leaving with the reason.
var Workforce = (&Schema[shequ.WorkforceMember]{
	Name: "workforce", Type: "WorkforceMember", Plural: "workforce",
	Read: shequ.ActionWorkforceRead, Write: shequ.ActionWorkforceWrite, Bulk: shequ.ActionWorkforceWrite,
	Fields: []*Field[shequ.WorkforceMember]{
		Text("name", shequ.MaxVolunteerName, func(m *shequ.WorkforceMember) *string { return &m.Name }).Require().Alias("姓名"),
		Community("community_code", func(m *shequ.WorkforceMember) *string { return &m.Community }).Require().
			WithLabel("org.community").Alias("社区代码", "所属社区"),
		Choice("post", shequ.Posts, func(m *shequ.WorkforceMember) *shequ.Post { return &m.Post }).Require().
			Labelled("workforce.post").Alias("岗位", "职务"),
		Choice("education", shequ.Educations, func(m *shequ.WorkforceMember) *shequ.Education { return &m.Education }).Require().
			Labelled("worker.education").Alias("学历"),
		Choice("age_band", shequ.AgeBands, func(m *shequ.WorkforceMember) *shequ.AgeBand { return &m.AgeBand }).Require().
			Labelled("workforce.age_band").Alias("年龄段"),
		Choice("qualification", shequ.Qualifications, func(m *shequ.WorkforceMember) *shequ.Qualification {
			return &m.Qualification
		}).Labelled("worker.qualification").Alias("职业资格"),
		Date("registered_on", func(m *shequ.WorkforceMember) **time.Time { return &m.RegisteredOn }).Alias("证书登记日期"),
		Day("hired_on", func(m *shequ.WorkforceMember) *time.Time { return &m.HiredOn }).Require().Alias("入职日期"),
		Date("left_on", func(m *shequ.WorkforceMember) **time.Time { return &m.LeftOn }).Alias("离职日期"),
		Choice("leave_reason", shequ.LeaveReasons, func(m *shequ.WorkforceMember) *shequ.LeaveReason { return &m.LeaveReason }).
			Labelled("workforce.leave_reason").WithBlank("form.choose").Alias("离职原因"),
		Text("user_id", 64, func(m *shequ.WorkforceMember) *string { return &m.UserID }).Alias("关联账号"),
		Text("social_worker_id", 64, func(m *shequ.WorkforceMember) *string { return &m.SocialWorkerID }).
			Alias("社工登记"),
	},
	Columns: []string{"name", "community_code", "post", "qualification", "hired_on", "left_on"},
	Filters: []Filter{{Kind: FilterText, Name: "q"}, {Kind: FilterCommunity, Name: "community"},
		{Kind: FilterChoice, Name: "post"}},
	New: func() *shequ.WorkforceMember {
		return &shequ.WorkforceMember{Post: shequ.PostFullTime, Education: shequ.EduBachelor, AgeBand: shequ.Age30s,
			Qualification: shequ.QualNone}
	},
	ID:        func(m *shequ.WorkforceMember) string { return m.ID },
	Community: func(m *shequ.WorkforceMember) string { return m.Community },
	Title:     func(m *shequ.WorkforceMember) string { return m.Name },
	Times:     func(m *shequ.WorkforceMember) (time.Time, time.Time) { return m.CreatedAt, m.UpdatedAt },
	Validate:  func(m *shequ.WorkforceMember, now time.Time) error { return m.Validate(now) },
	Import:    &Import[shequ.WorkforceMember]{Required: []string{"name", "community_code", "post", "education", "age_band", "hired_on"}},
}).Init()

// WorkforceStore binds the workforce register to its service.
func WorkforceStore(svc shequ.WorkforceService) Store[shequ.WorkforceMember] {
	if svc == nil {
		return Store[shequ.WorkforceMember]{}
	}
	return Store[shequ.WorkforceMember]{
		Find: func(ctx context.Context, id string, _ bool) (*shequ.WorkforceMember, error) {
			return svc.FindMemberByID(ctx, id)
		},
		List: func(ctx context.Context, q Query) ([]*shequ.WorkforceMember, int, error) {
			return svc.FindMembers(ctx, shequ.WorkforceFilter{Community: q.Community, Post: shequ.Post(q.Get("post")),
				Query: q.Text, Offset: q.Offset, Limit: q.Limit})
		},
		Create: svc.CreateMember, Update: svc.UpdateMember, Import: svc.ImportMembers,
	}
}

// Courses is the register of training courses (培训课程, issue 17).
var Courses = (&Schema[shequ.Course]{
	Name: "course", Type: "Course", Plural: "courses",
	Read: shequ.ActionWorkforceRead, Write: shequ.ActionWorkforceWrite, Bulk: shequ.ActionWorkforceWrite,
	Fields: []*Field[shequ.Course]{
		Text("title", 100, func(c *shequ.Course) *string { return &c.Title }).Require().Alias("课程名称", "培训名称"),
		Text("organizer", 100, func(c *shequ.Course) *string { return &c.Organizer }).Require().Alias("主办单位"),
		Community("community_code", func(c *shequ.Course) *string { return &c.Community }).Require().
			WithLabel("org.community").Alias("社区代码", "举办社区"),
		Choice("topic", shequ.CourseTopics, func(c *shequ.Course) *shequ.CourseTopic { return &c.Topic }).Require().
			Labelled("course.topic").Alias("主题"),
		Day("day", func(c *shequ.Course) *time.Time { return &c.Day }).Require().Alias("日期", "培训日期"),
		Int("minutes", 30, 12000, func(c *shequ.Course) *int { return &c.Minutes }).Require().Alias("学时（分钟）", "分钟"),
		Text("place", 200, func(c *shequ.Course) *string { return &c.Place }).Alias("地点"),
	},
	Columns: []string{"title", "topic", "day", "minutes", "community_code"},
	Filters: []Filter{{Kind: FilterText, Name: "q"}, {Kind: FilterCommunity, Name: "community"},
		{Kind: FilterChoice, Name: "topic"}},
	New:         func() *shequ.Course { return &shequ.Course{Topic: shequ.TopicSocialWork, Minutes: 180} },
	ID:          func(c *shequ.Course) string { return c.ID },
	Community:   func(c *shequ.Course) string { return c.Community },
	Title:       func(c *shequ.Course) string { return c.Title },
	Times:       func(c *shequ.Course) (time.Time, time.Time) { return c.CreatedAt, c.UpdatedAt },
	Validate:    func(c *shequ.Course, _ time.Time) error { return c.Validate() },
	Extra:       func(c *shequ.Course, put func(string, any)) { put("attendees", c.Attendees) },
	ExtraSchema: map[string]map[string]any{"attendees": {"type": "integer", "description": "Members who attended."}},
	Import:      &Import[shequ.Course]{Required: []string{"title", "organizer", "community_code", "topic", "day", "minutes"}},
}).Init()

// CourseStore binds the course register to its service.
func CourseStore(svc shequ.WorkforceService) Store[shequ.Course] {
	if svc == nil {
		return Store[shequ.Course]{}
	}
	return Store[shequ.Course]{
		Find: func(ctx context.Context, id string, _ bool) (*shequ.Course, error) {
			return svc.FindCourseByID(ctx, id)
		},
		List: func(ctx context.Context, q Query) ([]*shequ.Course, int, error) {
			return svc.FindCourses(ctx, shequ.CourseFilter{Community: q.Community, Topic: shequ.CourseTopic(q.Get("topic")),
				Query: q.Text, Offset: q.Offset, Limit: q.Limit})
		},
		Create: svc.CreateCourse, Update: svc.UpdateCourse, Import: svc.ImportCourses,
	}
}
