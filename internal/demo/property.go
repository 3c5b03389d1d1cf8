package demo

import (
	"context"
	"fmt"
	"image/color"
	"time"

	"shequ"
)

// The property oversight demo (物业服务监管, issue 15) in 递铺街道 of 安吉县:
// estates in every management mode, two companies registered with the
// street — 绿城 with a clean file (AAA) and 安居 with complaints upheld, a
// failed inspection, an overdue rectification and an overdue resolution
// (B), one of whose records it appeals —, an owners' committee with a
// residents'-committee member (兼任) whose term ends within 90 days, a
// contract that ends within 90 days, the community's environment and
// property management committee, a joint meeting with resolutions done,
// overdue and open, residents' ratings of last quarter (shown, earning 绿城
// a good record) and this quarter (one short of the threshold), and
// complaints at every stage. Everything is replayed through the service
// with its clock set to each step's day, so every rule is checked.

// Demo communities of the property demo, in 递铺街道.
const (
	taocheng = "330523001012" // 桃城社区
	changle  = "330523001018" // 长乐社区
	kangshan = "330523001205" // 康山村
	dipu     = "330523001"    // 递铺街道
)

// PropertyAccounts are the extra demo accounts of the property demo: the
// households that rate 苕溪花园 (the resident accounts of synthetic
// residents) and a staff account of 绿城物业. Their password is Password
// too. demo-property is 安居物业's.
var PropertyAccounts = []Account{
	{"demo-property2", shequ.RolePropertyStaff, dipu},
}

// raters is how many synthetic households rate 苕溪花园 besides the demo
// resident: with the demo resident, 12 of its 96 households last quarter
// (enough to show a result), 9 this quarter (one short).
const raters = 11

// propertyDemo is the state of the demo as it is built.
type propertyDemo struct {
	s        Services
	ctx      context.Context
	now      time.Time // the real now; the service clock moves around it
	users    map[string]*shequ.User
	raters   []*shequ.User
	estates  map[string]*shequ.Estate
	greens   *shequ.PropertyCompany // 绿城 (AAA)
	anju     *shequ.PropertyCompany // 安居 (B)
	lastStep time.Time
}

// at sets the service clock to a day at 10:00 Shanghai time, d days from
// now.
func (d *propertyDemo) at(days int) {
	t := shequ.DateOf(d.now).AddDate(0, 0, days).Add(10 * time.Hour)
	d.s.PropertyClock(func() time.Time { return t })
}

// as is ctx signed in as a demo account.
func (d *propertyDemo) as(name string) context.Context {
	return shequ.WithActor(d.ctx, d.users[name].Actor())
}

// loadProperty seeds the demo (see above).
func loadProperty(ctx context.Context, s Services) error {
	if s.Property == nil || s.PropertyClock == nil || s.Residents == nil {
		return nil
	}
	defer s.PropertyClock(nil)
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	d := &propertyDemo{s: s, ctx: ctx, now: now, users: map[string]*shequ.User{}, estates: map[string]*shequ.Estate{}}
	steps := []struct {
		what string
		fn   func() error
	}{
		{"accounts", d.accounts},
		{"companies", d.companies},
		{"estates", d.register},
		{"committees", d.committees},
		{"ratings", d.ratings},
		{"inspections", d.inspections},
		{"meeting", d.meeting},
		{"complaints", d.complaints},
		{"appeal", d.appeal},
	}
	for _, st := range steps {
		if err := st.fn(); err != nil {
			return fmt.Errorf("demo property %s: %w", st.what, err)
		}
	}
	return nil
}

// quarterStart is the first day of the quarter holding t.
func quarterStart(t time.Time) time.Time {
	start, _, _ := shequ.PeriodBounds(shequ.PeriodQuarter.PeriodOf(t))
	return start
}

// daysFromNow is the whole days from now to t (negative in the past).
func (d *propertyDemo) daysFromNow(t time.Time) int { return shequ.DaysUntil(d.now, t) }

// accounts creates the extra accounts and the synthetic rating households,
// and puts the demo resident in a household of its own.
func (d *propertyDemo) accounts() error {
	s, ctx := d.s, d.ctx
	hash, err := s.Hasher.Hash(Password)
	if err != nil {
		return err
	}
	for _, a := range PropertyAccounts {
		u := &shequ.User{Username: a.Username, Role: a.Role, Scope: a.Scope, Name: a.Username}
		if err := s.Users.CreateUser(ctx, u, hash); err != nil {
			return err
		}
	}
	for _, a := range append(append(append([]Account{}, Accounts...), LinkageAccounts...), PropertyAccounts...) {
		u, err := s.Users.FindUserByUsername(ctx, a.Username)
		if err != nil {
			if shequ.ErrorCode(err) == shequ.ENotFound {
				continue // a module's accounts that were not loaded
			}
			return err
		}
		d.users[a.Username] = u
	}
	// The demo resident lives in 苕溪花园 1幢.
	res, _, err := s.Residents.FindResidents(d.as("demo-resident"), shequ.ResidentFilter{Limit: 1})
	if err != nil || len(res) != 1 {
		return fmt.Errorf("the demo resident's record: %v", err)
	}
	h := &shequ.Household{Community: Community, Address: "苕溪花园1幢101室"}
	if err := s.Residents.CreateHousehold(ctx, h); err != nil {
		return err
	}
	rel := string(shequ.RelationHead)
	if _, err := s.Residents.UpdateResident(ctx, res[0].ID, shequ.ResidentInput{HouseholdID: &h.ID, Relation: &rel}); err != nil {
		return err
	}
	// Synthetic households of 苕溪花园, each with a resident account.
	for i := range raters {
		h := &shequ.Household{Community: Community, Address: fmt.Sprintf("苕溪花园%d幢%d室", 2+i/4, 101+i%4*100)}
		if err := s.Residents.CreateHousehold(ctx, h); err != nil {
			return err
		}
		first17 := fmt.Sprintf("330523%s%03d", time.Date(1962+2*i, time.Month(1+i%12), 3+i, 0, 0, 0, 0, time.UTC).Format("20060102"), 301+i)
		id, err := shequ.ParseIDNumber(first17+string(shequ.IDCheckChar(first17)), d.now)
		if err != nil {
			return err
		}
		r := &shequ.Resident{Name: raterNames[i], IDNumber: id, Phone: shequ.Phone(fmt.Sprintf("1385721%04d", 100+i)),
			Community: Community, HouseholdID: h.ID, Relation: shequ.RelationHead}
		if err := s.Residents.CreateResident(ctx, r); err != nil {
			return err
		}
		u := &shequ.User{Username: fmt.Sprintf("demo-household%02d", i+1), Name: r.Name}
		if err := registerLinked(ctx, s, string(r.IDNumber), string(r.Phone), u, hash); err != nil {
			return err
		}
		d.raters = append(d.raters, u)
	}
	return nil
}

// raterNames are synthetic names of the rating households.
var raterNames = []string{"孙浩", "马丽", "朱军", "胡燕", "郭涛", "何静", "高峰", "林红", "罗斌", "梁洁", "宋磊"}

// companyCode builds a synthetic credit code of an enterprise (91) of 安吉县.
func companyCode(body string) shequ.CreditCode {
	s := "91330523" + body + string(shequ.OrgCodeCheckChar(body))
	return shequ.CreditCode(s + string(shequ.CreditCheckChar(s)))
}

// companies registers the two companies with the street half a year ago,
// with their base assessments and 绿城's award, and links the staff.
func (d *propertyDemo) companies() error {
	s, ctx := d.s, d.ctx
	d.at(d.daysFromNow(quarterStart(quarterStart(d.now).AddDate(0, 0, -1))) - 30)
	d.greens = &shequ.PropertyCompany{Name: "安吉绿城物业服务有限公司", CreditCode: companyCode("MA2B7K1L"), Division: dipu,
		Address: "安吉县递铺街道胜利西路88号", Contact: "周经理", ContactPhone: "13857210001"}
	d.anju = &shequ.PropertyCompany{Name: "安吉安居物业管理有限公司", CreditCode: companyCode("MA2C3D4E"), Division: dipu,
		Address: "安吉县递铺街道天目路16号", Contact: "吴经理", ContactPhone: "13857210002"}
	for _, c := range []*shequ.PropertyCompany{d.greens, d.anju} {
		if err := s.Property.CreateCompany(ctx, c); err != nil {
			return err
		}
	}
	if err := s.Property.SetCompanyStaff(ctx, d.anju.ID, []string{d.users["demo-property"].ID}); err != nil {
		return err
	}
	if err := s.Property.SetCompanyStaff(ctx, d.greens.ID, []string{d.users["demo-property2"].ID}); err != nil {
		return err
	}
	official := d.as("demo-official")
	for _, m := range []*shequ.ManualRecord{
		{CompanyID: d.greens.ID, Kind: shequ.CreditBaseOther, Points: 10, Note: "一级资质，项目经理全部持证上岗"},
		{CompanyID: d.greens.ID, Kind: shequ.CreditAward, Points: 5, Note: "苕溪花园获评县级物业服务示范项目"},
		{CompanyID: d.anju.ID, Kind: shequ.CreditBaseOther, Points: 5, Note: "三级资质"},
	} {
		if _, err := s.Property.RecordCredit(official, m); err != nil {
			return err
		}
	}
	return nil
}

// register records the estates and their contracts.
func (d *propertyDemo) register() error {
	s, ctx := d.s, d.ctx
	worker := d.as("demo-worker")
	lat, lng := 30.6372, 119.6811
	estates := []struct {
		key   string
		e     shequ.Estate
		who   context.Context
		co    *shequ.PropertyCompany
		start time.Time
		years int
		sel   shequ.ContractSelection
	}{
		{"greens", shequ.Estate{Name: "苕溪花园", Community: Community, Address: "递铺街道苕溪西路18号", Lat: &lat, Lng: &lng,
			Households: 96, Buildings: 6, YearBuilt: 2006, Mode: shequ.ModeCompany}, worker, d.greens,
			shequ.DateOf(d.now).AddDate(-2, -6, 0), 5, shequ.SelectedByOwners},
		{"anju", shequ.Estate{Name: "安居小区", Community: Community, Communities: []string{taocheng}, Address: "递铺街道天目路22号",
			Households: 240, Buildings: 12, YearBuilt: 1996, Old: true, Mode: shequ.ModeCompany}, worker, d.anju,
			shequ.DateOf(d.now).AddDate(-1, -3, 0), 3, shequ.SelectedByOwners},
		// 苕秀苑's preliminary contract ends within 90 days: the alert.
		{"xiuyuan", shequ.Estate{Name: "苕秀苑", Community: Community, Address: "递铺街道苕秀路5号", Households: 180,
			Buildings: 9, YearBuilt: 2019, Mode: shequ.ModeCompany}, worker, d.greens,
			shequ.DateOf(d.now).AddDate(-3, 0, 60), 3, shequ.SelectedEarly},
		{"changle", shequ.Estate{Name: "长乐新村", Community: changle, Address: "递铺街道长乐路3号", Households: 128,
			Buildings: 8, YearBuilt: 1988, Old: true, Mode: shequ.ModeRCSelf}, ctx, nil, time.Time{}, 0, ""},
		{"kangshan", shequ.Estate{Name: "康山公寓", Community: kangshan, Address: "递铺街道康山村", Households: 64,
			Buildings: 4, YearBuilt: 2012, Mode: shequ.ModeOwnerSelf}, ctx, nil, time.Time{}, 0, ""},
		{"taocheng", shequ.Estate{Name: "桃城老街小区", Community: taocheng, Address: "递铺街道桃城老街", Households: 72,
			Buildings: 5, YearBuilt: 1985, Old: true, Mode: shequ.ModeNone}, ctx, nil, time.Time{}, 0, ""},
	}
	for _, x := range estates {
		e := x.e
		if err := s.Property.CreateEstate(x.who, &e); err != nil {
			return fmt.Errorf("%s: %w", e.Name, err)
		}
		if x.co != nil {
			k := &shequ.PropertyContract{EstateID: e.ID, CompanyID: x.co.ID, Start: x.start, End: x.start.AddDate(x.years, 0, -1),
				FeeFen: 180, Scope: "公共区域保洁、绿化养护、秩序维护、共用设施设备维修养护", Selection: x.sel}
			if x.key == "anju" {
				k.FeeFen = 95
			}
			if err := s.Property.CreateContract(x.who, k); err != nil {
				return fmt.Errorf("%s contract: %w", e.Name, err)
			}
		}
		d.estates[x.key] = &e
	}
	// The community's environment and property management committee.
	return s.Property.SetEPMC(worker, Community, []*shequ.EPMCMember{
		{Name: "沈国华", Unit: "苕秀社区居委会", Post: "主任"},
		{Name: "方丽萍", Unit: "苕秀社区党委", Post: "委员"},
		{Name: "王建国", Unit: "苕溪花园业主委员会", Post: "委员"},
		{Name: "钱志刚", Unit: "居民代表", Post: "委员"},
	})
}

// committees files 苕溪花园's owners' committee, elected almost five years
// ago (its term ends within 90 days) with a residents'-committee member
// (兼任).
func (d *propertyDemo) committees() error {
	s := d.s
	worker := d.as("demo-worker")
	all, _, err := s.Residents.FindResidents(worker, shequ.ResidentFilter{Community: Community, Limit: 100})
	if err != nil {
		return err
	}
	byName := map[string]string{}
	for _, r := range all {
		byName[r.Name] = r.ID
	}
	var ms []shequ.CommitteeMember
	for i, name := range []string{"王建国", "张伟", "刘芳", "赵强", "吴静"} {
		if byName[name] == "" {
			return fmt.Errorf("no resident %s", name)
		}
		post := shequ.OCMember
		switch i {
		case 0:
			post = shequ.OCDirector
		case 1:
			post = shequ.OCDeputy
		}
		ms = append(ms, shequ.CommitteeMember{ResidentID: byName[name], Post: post, Concurrent: name == "吴静"})
	}
	elected := shequ.DateOf(d.now).AddDate(-5, 0, 75)
	oc := &shequ.OwnersCommittee{EstateID: d.estates["greens"].ID, ElectedOn: elected, Members: ms}
	if err := s.Property.SubmitCommittee(worker, oc); err != nil {
		return err
	}
	_, err = s.Property.FileCommittee(d.as("demo-official"), oc.ID, shequ.FilingFiled, "")
	return err
}

// rating is a rating of 苕溪花园 with every dimension at score, fees one
// star lower.
func (d *propertyDemo) rating(score int) *shequ.PropertyRating {
	r := &shequ.PropertyRating{EstateID: d.estates["greens"].ID, Scores: map[shequ.RatingDimension]int{}}
	for _, dim := range shequ.RatingDimensions {
		r.Scores[dim] = score
	}
	r.Scores[shequ.RateFees] = max(1, score-1)
	return r
}

// ratings: last quarter 12 households (a result, high); this quarter 9 of
// the synthetic households (one short of the threshold: the demo resident
// makes it ten).
func (d *propertyDemo) ratings() error {
	s := d.s
	last := quarterStart(quarterStart(d.now).AddDate(0, 0, -1))
	d.at(d.daysFromNow(last) + 10)
	if err := s.Property.RateEstate(d.as("demo-resident"), d.rating(5)); err != nil {
		return err
	}
	for i, u := range d.raters {
		score := 5
		if i%4 == 3 {
			score = 4
		}
		r := d.rating(score)
		r.Comment = []string{"保洁及时，服务热情", "绿化维护得很好", "维修响应快", ""}[i%4]
		if err := s.Property.RateEstate(shequ.WithActor(d.ctx, u.Actor()), r); err != nil {
			return err
		}
	}
	d.at(d.daysFromNow(quarterStart(d.now)))
	if _, err := s.Property.RunDeadlines(d.ctx); err != nil { // last quarter's good record
		return err
	}
	d.at(0)
	for _, u := range d.raters[:9] {
		if err := s.Property.RateEstate(shequ.WithActor(d.ctx, u.Actor()), d.rating(4)); err != nil {
			return err
		}
	}
	return nil
}

// inspections: 苕溪花园 passes; 安居小区 fails on its fire lanes 40 days ago
// and the order goes overdue.
func (d *propertyDemo) inspections() error {
	s := d.s
	worker := d.as("demo-worker")
	d.at(-40)
	full := map[string]int{}
	for _, it := range shequ.DefaultChecklist {
		full[it.Key] = it.Max - 1
	}
	if _, err := s.Property.RecordInspection(worker, &shequ.InspectionInput{EstateID: d.estates["greens"].ID,
		Day: shequ.DateOf(d.now).AddDate(0, 0, -40), Inspectors: "环境和物业管理委员会 沈国华、钱志刚", Scores: full}); err != nil {
		return err
	}
	scores := map[string]int{}
	for k, v := range full {
		scores[k] = v
	}
	scores["fire_lanes"], scores["waste_sorting"] = 3, 7
	failed, err := s.Property.RecordInspection(worker, &shequ.InspectionInput{EstateID: d.estates["anju"].ID,
		Day: shequ.DateOf(d.now).AddDate(0, 0, -40), Inspectors: "环境和物业管理委员会 沈国华、方丽萍", Scores: scores,
		Notes: map[string]string{"fire_lanes": "5幢、8幢消防通道被电动车和杂物堵塞"},
		Note:  "垃圾分类桶站基本规范，但消防通道问题突出"})
	if err != nil {
		return err
	}
	// The photo of the blocked fire lane the inspectors took.
	if err := s.Property.AddInspectionPhoto(worker, failed.ID, demoPNG(color.RGBA{0xc6, 0x28, 0x28, 0xff})); err != nil {
		return err
	}
	d.at(-20)
	_, err = s.Property.RunDeadlines(d.ctx)
	return err
}

// meeting: a joint meeting in 苕秀 25 days ago with three resolutions: 绿城's
// done early, 安居's overdue (escalated to the street), the residents'
// committee's open.
func (d *propertyDemo) meeting() error {
	s := d.s
	worker := d.as("demo-worker")
	d.at(-25)
	day := shequ.DateOf(d.now).AddDate(0, 0, -25)
	m := &shequ.JointMeeting{Community: Community, Day: day, Place: "苕秀社区党群服务中心二楼会议室",
		Agenda: "一、苕溪花园3幢电梯维修；二、安居小区消防通道整治；三、小区停车秩序",
		Minutes: "社区党委书记主持。绿城物业通报电梯维修方案，安居物业说明消防通道整治进度，派出所介绍电动车停放管理要求。" +
			"经协商形成三项决议，由责任方按期落实，社区下次联席会议跟进。",
		Parties: []shequ.MeetingParty{{Kind: shequ.PartyCPC, Name: "苕秀社区党委"}, {Kind: shequ.PartyRC, Name: "苕秀社区居委会"},
			{Kind: shequ.PartyOwners, Name: "苕溪花园业主委员会"},
			{Kind: shequ.PartyCompany, Name: d.greens.Name, CompanyID: d.greens.ID},
			{Kind: shequ.PartyCompany, Name: d.anju.Name, CompanyID: d.anju.ID},
			{Kind: shequ.PartyPolice, Name: "递铺派出所苕秀警务室"}},
		Resolutions: []*shequ.Resolution{
			{Text: "十日内完成苕溪花园3幢电梯维修", Owner: shequ.PartyCompany, CompanyID: d.greens.ID, EstateID: d.estates["greens"].ID,
				DueOn: day.AddDate(0, 0, 10)},
			{Text: "九日内清理安居小区5幢、8幢消防通道并设置电动车集中充电点", Owner: shequ.PartyCompany, CompanyID: d.anju.ID,
				EstateID: d.estates["anju"].ID, DueOn: day.AddDate(0, 0, 9)},
			{Text: "组织苕溪花园、安居小区停车位协商", Owner: shequ.PartyRC, DueOn: day.AddDate(0, 0, 45)},
		}}
	if err := s.Property.RecordMeeting(worker, m); err != nil {
		return err
	}
	d.at(-21)
	if _, err := s.Property.CompleteResolution(worker, m.Resolutions[0].ID, "电梯曳引机已更换，经特种设备检验合格"); err != nil {
		return err
	}
	d.at(-12)
	_, err := s.Property.RunDeadlines(d.ctx)
	return err
}

// complaints: one the company answered late, escalated and upheld; one
// waiting for 安居's answer; one just filed.
func (d *propertyDemo) complaints() error {
	s := d.s
	worker, official, staff := d.as("demo-worker"), d.as("demo-official"), d.as("demo-property")
	resident2 := d.as("demo-resident2")
	if d.users["demo-resident2"] == nil {
		resident2 = d.as("demo-resident")
	}
	d.at(-30)
	c, err := s.Property.FileComplaint(resident2, &shequ.ComplaintInput{EstateID: d.estates["anju"].ID,
		Category: shequ.ComplainCleaning, Description: "安居小区3幢楼道垃圾一周没有清运，气味很大，多次向物业反映无人处理。"})
	if err != nil {
		return err
	}
	if _, err := s.Property.MoveComplaint(worker, c.ID, shequ.ComplaintMove{To: shequ.ComplaintForwarded, Text: "请物业五个工作日内处理并答复"}); err != nil {
		return err
	}
	d.at(-16)
	if _, err := s.Property.RunDeadlines(d.ctx); err != nil {
		return err
	}
	if c, err = s.Property.FindComplaintByID(worker, c.ID); err != nil {
		return err
	}
	if c.State == shequ.ComplaintForwarded { // holidays kept the limit open: the community escalates
		if _, err := s.Property.MoveComplaint(worker, c.ID, shequ.ComplaintMove{To: shequ.ComplaintEscalatedStreet,
			Text: "物业逾期未答复"}); err != nil {
			return err
		}
	}
	d.at(-15)
	if _, err := s.Property.MoveComplaint(staff, c.ID, shequ.ComplaintMove{To: shequ.ComplaintAnswered,
		Text: "已安排保洁员清运，并增加3幢清运频次为每日一次。"}); err != nil {
		return err
	}
	d.at(-14)
	if _, err := s.Property.MoveComplaint(official, c.ID, shequ.ComplaintMove{To: shequ.ComplaintClosed, Verdict: shequ.VerdictUpheld,
		Text: "经街道现场核实，物业未按合同约定及时清运，且逾期未答复，投诉成立。"}); err != nil {
		return err
	}
	d.at(-2)
	c2, err := s.Property.FileComplaint(resident2, &shequ.ComplaintInput{EstateID: d.estates["anju"].ID,
		Category: shequ.ComplainRepairs, Description: "安居小区8幢单元门禁损坏两周，陌生人随意进出。"})
	if err != nil {
		return err
	}
	if _, err := s.Property.MoveComplaint(worker, c2.ID, shequ.ComplaintMove{To: shequ.ComplaintForwarded}); err != nil {
		return err
	}
	d.at(0)
	_, err = s.Property.FileComplaint(d.as("demo-resident"), &shequ.ComplaintInput{EstateID: d.estates["greens"].ID,
		Category: shequ.ComplainSecurity, Description: "苕溪花园东门晚上常有外来车辆停在消防通道上。"})
	return err
}

// appeal: 安居 appeals the record of its overdue resolution; the street has
// not answered yet.
func (d *propertyDemo) appeal() error {
	s := d.s
	d.at(-5)
	cc, err := s.Property.CompanyCredit(d.ctx, d.anju.ID)
	if err != nil {
		return err
	}
	for _, r := range cc.Records {
		if r.Kind == shequ.CreditResolutionOverdue {
			_, err := s.Property.AppealRecord(d.as("demo-property"), r.ID,
				"消防通道已于期限后一日清理完毕，逾期系等待消防部门现场确认充电点位置所致，请求撤销该记录。")
			return err
		}
	}
	return fmt.Errorf("安居 has no overdue-resolution record to appeal")
}
