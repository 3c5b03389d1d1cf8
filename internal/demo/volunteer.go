package demo

import (
	"context"
	"fmt"
	"time"

	"shequ"
)

// The volunteer and workforce demo (issue 17) in 安吉县: volunteers of
// 苕秀社区, an elderly-care opportunity a week ago with confirmed hours
// deposited into the time bank, a redemption, an open opportunity
// tomorrow; the workforce of 苕秀社区 (urban) and of 康山村 and 鲁家村
// (rural) where more people left in the last year (the rural retention
// gap), a course with attendance and a certified social worker short of
// continuing-education hours. Every person is synthetic.

// VolunteerNames are the demo residents who volunteer; the first,
// 王建国, is demo-resident's own record (a 低龄老人 volunteer with a
// certificate).
var VolunteerNames = []string{"王建国", "张伟", "刘芳", "杨丽", "吴静"}

// workforceSeeds are the demo workforce: community, post, education,
// age band, qualification, hired and left (years before now; -1 none),
// and the reason.
var workforceSeeds = []struct {
	name, community string
	post            shequ.Post
	edu             shequ.Education
	age             shequ.AgeBand
	qual            shequ.Qualification
	hired, left     int
	why             shequ.LeaveReason
}{
	{"沈书记", Community, shequ.PostSecretary, shequ.EduBachelor, shequ.Age40s, shequ.QualNone, 9, -1, ""},
	{"钱主任", Community, shequ.PostDirector, shequ.EduBachelor, shequ.Age40s, shequ.QualSocial, 7, -1, ""},
	{"孙社工", Community, shequ.PostSocialWkr, shequ.EduBachelor, shequ.AgeUnder30, shequ.QualAssistant, 3, -1, ""},
	{"李网格", Community, shequ.PostGrid, shequ.EduJuniorCollege, shequ.Age30s, shequ.QualNone, 4, -1, ""},
	{"周专干", Community, shequ.PostFullTime, shequ.EduBachelor, shequ.Age30s, shequ.QualAssistant, 5, -1, ""},
	{"吴委员", Community, shequ.PostMember, shequ.EduJuniorCollege, shequ.Age30s, shequ.QualNone, 3, 0, shequ.LeaveRelocation},
	{"郑书记", Kangshan, shequ.PostSecretary, shequ.EduJuniorCollege, shequ.Age50s, shequ.QualNone, 12, -1, ""},
	{"王专干", Kangshan, shequ.PostFullTime, shequ.EduJuniorCollege, shequ.AgeUnder30, shequ.QualNone, 2, 0, shequ.LeavePay},
	{"冯社工", Kangshan, shequ.PostSocialWkr, shequ.EduBachelor, shequ.AgeUnder30, shequ.QualAssistant, 2, 0, shequ.LeaveCareer},
	{"陈网格", Kangshan, shequ.PostGrid, shequ.EduHighSchool, shequ.Age40s, shequ.QualNone, 2, -1, ""},
	{"褚主任", Lujia, shequ.PostDirector, shequ.EduJuniorCollege, shequ.Age40s, shequ.QualNone, 4, -1, ""},
	{"卫专干", Lujia, shequ.PostFullTime, shequ.EduBachelor, shequ.AgeUnder30, shequ.QualAssistant, 3, 0, shequ.LeavePay},
	{"蒋网格", Lujia, shequ.PostGrid, shequ.EduHighSchool, shequ.Age30s, shequ.QualNone, 1, -1, ""},
}

// loadVolunteers seeds the demo; it needs the three services and the clock.
func loadVolunteers(ctx context.Context, s Services) error {
	if s.Volunteers == nil || s.TimeBank == nil || s.Workforce == nil || s.VolunteerClock == nil || s.Residents == nil {
		return nil
	}
	defer s.VolunteerClock(nil)
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	at := func(t time.Time) { s.VolunteerClock(func() time.Time { return t }) }
	worker, err := s.Users.FindUserByUsername(ctx, "demo-worker")
	if err != nil {
		return err
	}
	as := shequ.WithActor(ctx, worker.Actor())
	var vols []*shequ.Volunteer
	for i, name := range VolunteerNames {
		rs, _, err := s.Residents.FindResidents(ctx, shequ.ResidentFilter{Community: Community, Query: name, Limit: 2})
		if err != nil || len(rs) == 0 {
			return fmt.Errorf("demo volunteer %s: %v", name, err)
		}
		v := &shequ.Volunteer{ResidentID: rs[0].ID, Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare, shequ.VolunteerSkills[1+i%8]},
			Availability: []shequ.Availability{shequ.Availabilities[i%len(shequ.Availabilities)]},
			RegisteredOn: now.AddDate(-1, 0, -30*i)}
		if err := s.Volunteers.RegisterVolunteer(as, v); err != nil {
			return fmt.Errorf("demo volunteer %s: %w", name, err)
		}
		vols = append(vols, v)
	}
	teams, err := loadTeams(ctx, s, as, vols)
	if err != nil {
		return err
	}
	if err := projectService(s, as, at, vols); err != nil {
		return err
	}
	// A week ago: the community's elderly-care afternoon, three served.
	past := now.AddDate(0, 0, -7).In(shequ.Shanghai)
	day := time.Date(past.Year(), past.Month(), past.Day(), 0, 0, 0, 0, shequ.Shanghai)
	at(day.Add(13 * time.Hour))
	o := &shequ.Opportunity{Title: "重阳敬老：陪伴独居老人", Community: Community, OrganizerKind: shequ.OrganizerCommunity,
		Category: shequ.CatElderly, Day: day, Start: "14:00", End: "17:00", Place: "苕秀社区居家养老服务照料中心", Slots: 6,
		Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare}, Description: "陪老人聊天、读报、测血压，协助午后助餐。"}
	if err := s.Volunteers.CreateOpportunity(as, o); err != nil {
		return fmt.Errorf("demo opportunity: %w", err)
	}
	var signups []*shequ.Signup
	for _, v := range vols[:4] {
		x, err := s.Volunteers.SignUpFor(as, v.ID, o.ID)
		if err != nil {
			return fmt.Errorf("demo sign-up: %w", err)
		}
		signups = append(signups, x)
	}
	at(day.Add(14 * time.Hour))
	for _, x := range signups {
		if _, err := s.Volunteers.MarkSignup(as, x.ID, shequ.SignupCheckedIn); err != nil {
			return fmt.Errorf("demo check-in: %w", err)
		}
	}
	at(day.Add(16*time.Hour + 30*time.Minute))
	for _, x := range signups {
		if _, err := s.Volunteers.MarkSignup(as, x.ID, shequ.SignupCheckedOut); err != nil {
			return fmt.Errorf("demo check-out: %w", err)
		}
		if _, err := s.Volunteers.ConfirmSignup(as, x.ID, shequ.Confirmation{}); err != nil {
			return fmt.Errorf("demo confirm: %w", err)
		}
	}
	// Two days later 张伟 redeems an hour of home help for himself, and
	// 王建国 gets his certificate.
	at(day.AddDate(0, 0, 2).Add(10 * time.Hour))
	if _, err := s.Volunteers.IssueCertificate(as, vols[0].ID, day.AddDate(0, -1, 0), day); err != nil {
		return fmt.Errorf("demo certificate: %w", err)
	}
	acc, err := s.TimeBank.AccountOf(as, vols[1].ResidentID)
	if err != nil {
		return fmt.Errorf("demo account: %w", err)
	}
	if _, err := s.TimeBank.Withdraw(as, &shequ.Withdrawal{AccountID: acc.ID, Minutes: 60, Community: Kangshan,
		Service: "上门助洁（康山村服务站通兑）"}); err != nil {
		return fmt.Errorf("demo redemption: %w", err)
	}
	if err := timebankFamily(ctx, s, vols[0]); err != nil {
		return err
	}
	// Tomorrow: an open opportunity, served by the digital team.
	at(now)
	next := now.AddDate(0, 0, 1).In(shequ.Shanghai)
	digital := ""
	if len(teams) > 1 {
		digital = teams[1].ID
	}
	if err := s.Volunteers.CreateOpportunity(as, &shequ.Opportunity{Title: "智能手机教学：教老人用健康码和视频通话", TeamID: digital,
		Community: Community, OrganizerKind: shequ.OrganizerCommunity, Category: shequ.CatElderly,
		Day: time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, shequ.Shanghai), Start: "09:00", End: "11:00",
		Place: "苕秀社区党群服务中心二楼", Slots: 8, Skills: []shequ.VolunteerSkill{shequ.SkillDigital}}); err != nil {
		return fmt.Errorf("demo opportunity: %w", err)
	}
	return loadWorkforce(ctx, s, now)
}

// projectService has four volunteers serve at each activity of the demo's
// project (苕秀社区银龄关爱探访项目): opportunities linked to it, checked
// in and out by the worker and confirmed, from which the activities derive
// their volunteers and hours.
func projectService(s Services, as context.Context, at func(time.Time), vols []*shequ.Volunteer) error {
	if s.Linkage == nil {
		return nil
	}
	ps, _, err := s.Linkage.FindProjects(as, shequ.ProjectFilter{Community: Community, Query: "银龄关爱探访", Limit: 1})
	if err != nil || len(ps) == 0 {
		return err
	}
	acts, err := s.Linkage.FindActivities(as, ps[0].ID)
	if err != nil {
		return fmt.Errorf("demo project activities: %w", err)
	}
	for i, a := range acts {
		day := a.Date.In(shequ.Shanghai)
		day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, shequ.Shanghai)
		at(day.Add(8 * time.Hour))
		o := &shequ.Opportunity{Title: "银龄关爱志愿服务：" + a.Content, Community: Community, OrganizerKind: shequ.OrganizerCommunity,
			Category: shequ.CatElderly, Link: shequ.LinkProject, ProjectID: ps[0].ID, Day: day, Start: "09:00", End: "11:30",
			Place: a.Place, Slots: 6, Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare}}
		if err := s.Volunteers.CreateOpportunity(as, o); err != nil {
			return fmt.Errorf("demo project opportunity: %w", err)
		}
		var xs []*shequ.Signup
		for _, v := range vols[i%2 : i%2+4] {
			x, err := s.Volunteers.SignUpFor(as, v.ID, o.ID)
			if err != nil {
				return fmt.Errorf("demo project sign-up: %w", err)
			}
			xs = append(xs, x)
		}
		at(day.Add(9 * time.Hour))
		for _, x := range xs {
			if _, err := s.Volunteers.MarkSignup(as, x.ID, shequ.SignupCheckedIn); err != nil {
				return fmt.Errorf("demo project check-in: %w", err)
			}
		}
		at(day.Add(11*time.Hour + 30*time.Minute))
		for _, x := range xs {
			if _, err := s.Volunteers.MarkSignup(as, x.ID, shequ.SignupCheckedOut); err != nil {
				return fmt.Errorf("demo project check-out: %w", err)
			}
			if _, err := s.Volunteers.ConfirmSignup(as, x.ID, shequ.Confirmation{}); err != nil {
				return fmt.Errorf("demo project confirm: %w", err)
			}
		}
	}
	return nil
}

// loadWorkforce seeds the workforce, a course and its attendance.
func loadWorkforce(ctx context.Context, s Services, now time.Time) error {
	today := now.In(shequ.Shanghai)
	var ms []*shequ.WorkforceMember
	for i, w := range workforceSeeds {
		m := &shequ.WorkforceMember{Name: w.name, Community: w.community, Post: w.post, Education: w.edu, AgeBand: w.age,
			Qualification: w.qual, HiredOn: time.Date(today.Year()-w.hired, today.Month(), 1+i, 0, 0, 0, 0, shequ.Shanghai)}
		if w.qual.Certified() {
			// 孙社工's registration period ends in four months, 16 of her
			// 72 hours done: due soon. 钱主任 registered a year ago.
			reg := time.Date(today.Year()-3, today.Month(), 1, 0, 0, 0, 0, shequ.Shanghai).AddDate(0, 4, 0)
			if w.name == "钱主任" {
				reg = time.Date(today.Year()-1, today.Month(), 1, 0, 0, 0, 0, shequ.Shanghai)
			}
			m.RegisteredOn = &reg
		}
		if w.left >= 0 {
			left := today.AddDate(0, -2-i%6, 0)
			left = time.Date(left.Year(), left.Month(), left.Day(), 0, 0, 0, 0, shequ.Shanghai)
			m.LeftOn, m.LeaveReason = &left, w.why
		}
		ms = append(ms, m)
	}
	if err := s.Workforce.ImportMembers(ctx, ms); err != nil {
		return fmt.Errorf("demo workforce: %w", err)
	}
	c := &shequ.Course{Title: "社区工作者能力提升培训：老年人服务与时间银行", Organizer: "安吉县民政局", Community: Community,
		Topic: shequ.TopicElderly, Day: time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, shequ.Shanghai).AddDate(0, -1, 0),
		Minutes: 16 * 60, Place: "安吉县社会工作服务中心"}
	if err := s.Workforce.CreateCourse(ctx, c); err != nil {
		return fmt.Errorf("demo course: %w", err)
	}
	for _, m := range ms[:5] {
		if m.LeftOn != nil {
			continue
		}
		if err := s.Workforce.RecordAttendance(ctx, &shequ.Attendance{CourseID: c.ID, MemberID: m.ID}); err != nil {
			return fmt.Errorf("demo attendance: %w", err)
		}
	}
	return nil
}

// Changxing is a community of 长兴县 (钮店湾居委会), where the demo's
// holder redeems beyond the county when the demo loads that county.
const Changxing = "330522001001"

// timebankFamily has 王建国 (demo-resident, head of 苕溪花园1幢101室) add
// his wife 李桂兰 of the same household as family on his own page, and
// redeem half an hour for her in 长兴县 (通存通兑) when the demo's
// divisions include it (not with -demo-prefix 330523).
func timebankFamily(ctx context.Context, s Services, v *shequ.Volunteer) error {
	holder, err := s.Residents.FindResidentByID(ctx, v.ResidentID, false)
	if err != nil {
		return fmt.Errorf("demo holder: %w", err)
	}
	if holder.HouseholdID == "" {
		return nil // the property demo did not place him
	}
	first17 := "33052319560214302"
	id, err := shequ.ParseIDNumber(first17+string(shequ.IDCheckChar(first17)), time.Now())
	if err != nil {
		return err
	}
	wife := &shequ.Resident{Name: "李桂兰", IDNumber: id, Community: Community, HouseholdID: holder.HouseholdID,
		Relation: shequ.RelationSpouse}
	if err := s.Residents.CreateResident(ctx, wife); err != nil {
		return fmt.Errorf("demo family member: %w", err)
	}
	u, err := s.Users.FindUserByUsername(ctx, "demo-resident")
	if err != nil {
		return err
	}
	me := shequ.WithActor(ctx, u.Actor())
	acc, err := s.TimeBank.AccountOf(me, holder.ID)
	if err != nil {
		return fmt.Errorf("demo account: %w", err)
	}
	if err := s.TimeBank.AddFamily(me, acc.ID, shequ.FamilyMember{ResidentID: wife.ID, Relation: "妻子"}); err != nil {
		return fmt.Errorf("demo family: %w", err)
	}
	if s.Divisions == nil {
		return nil
	}
	if _, err := s.Divisions.FindDivisionByCode(ctx, Changxing); err != nil {
		return nil // 长兴县 not loaded
	}
	if _, err := s.TimeBank.Withdraw(me, &shequ.Withdrawal{AccountID: acc.ID, BeneficiaryID: wife.ID, Minutes: 30,
		Community: Changxing, Service: "助餐服务（长兴县钮店湾通兑）"}); err != nil {
		return fmt.Errorf("demo redemption beyond the county: %w", err)
	}
	return nil
}
