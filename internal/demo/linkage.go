package demo

import (
	"context"
	"fmt"
	"time"

	"shequ"
)

// LinkageAccounts are the extra demo accounts of the 三社联动 chain: more
// residents to support and rate, a second organization's keeper and a
// reviewer. Their password is Password too.
var LinkageAccounts = []Account{
	{"demo-resident2", shequ.RoleResident, Community},
	{"demo-resident3", shequ.RoleResident, Community},
	{"demo-org2", shequ.RoleOrgMember, "330523001"},
	{"demo-reviewer", shequ.RoleCommunityWorker, "330523001"},
}

// linkageDemo is the state of the demo chain as it is built.
type linkageDemo struct {
	s     Services
	users map[string]*shequ.User
	orgs  []*shequ.SocialOrg
	team  []*shequ.SocialWorker
	now   time.Time // the workflow clock
	// residents are the register entries of the resident accounts.
	residents map[string]string
}

// as is ctx signed in as a demo account.
func (d *linkageDemo) as(ctx context.Context, name string) context.Context {
	return shequ.WithActor(ctx, d.users[name].Actor())
}

// at sets the workflow clock.
func (d *linkageDemo) at(t time.Time) {
	d.now = t
	d.s.LinkageClock(func() time.Time { return t })
}

// loadLinkage seeds the chain in the demo community: needs with supports
// (accepted, rejected, merged, open), a project that went all the way from
// needs to its evaluation and closed months ago, and a project whose call is
// open now with two bids. It replays the history through the service with
// the workflow clock set to each step's day, so every rule is checked.
func loadLinkage(ctx context.Context, s Services) error {
	if s.Linkage == nil || s.LinkageClock == nil || s.Orgs == nil || s.Workers == nil {
		return nil
	}
	defer s.LinkageClock(nil)
	hash, err := s.Hasher.Hash(Password)
	if err != nil {
		return err
	}
	d := &linkageDemo{s: s, users: map[string]*shequ.User{}, residents: map[string]string{}}
	// The resident accounts are linked to the next residents of the
	// register, as self-registration links them: only residents recorded
	// as participants of a project's activities may rate it.
	seed := 1
	for _, a := range LinkageAccounts {
		u := &shequ.User{Username: a.Username, Role: a.Role, Scope: a.Scope, Name: a.Username}
		if a.Role == shequ.RoleResident && s.Residents != nil {
			id, phone, err := seedIdentity(seed, s.Now)
			if err != nil {
				return err
			}
			seed++
			if _, err := s.Residents.RegisterAccount(ctx, id, phone, u, hash); err != nil {
				return fmt.Errorf("demo account %s: %w", a.Username, err)
			}
			continue
		}
		if err := s.Users.CreateUser(ctx, u, hash); err != nil {
			return fmt.Errorf("demo account %s: %w", a.Username, err)
		}
	}
	for _, a := range append(append([]Account{}, Accounts...), LinkageAccounts...) {
		u, err := s.Users.FindUserByUsername(ctx, a.Username)
		if err != nil {
			return err
		}
		d.users[a.Username] = u
		if a.Role == shequ.RoleResident && s.Residents != nil {
			own, _, err := s.Residents.FindResidents(d.as(ctx, a.Username), shequ.ResidentFilter{Limit: 1})
			if err != nil {
				return err
			}
			if len(own) == 1 {
				d.residents[a.Username] = own[0].ID
			}
		}
	}
	if err := d.registers(ctx); err != nil {
		return fmt.Errorf("demo linkage registers: %w", err)
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	if err := d.closedProject(ctx, now.AddDate(0, -8, 0)); err != nil {
		return fmt.Errorf("demo closed project: %w", err)
	}
	if err := d.openProject(ctx, now.AddDate(0, 0, -6)); err != nil {
		return fmt.Errorf("demo open project: %w", err)
	}
	if err := d.reviewProject(ctx, now.AddDate(0, 0, -2)); err != nil {
		return fmt.Errorf("demo project in review: %w", err)
	}
	return nil
}

// registers adds two organizations of the demo community kept by the demo
// organization accounts, with their social workers (the first one linked to
// the demo social worker account).
func (d *linkageDemo) registers(ctx context.Context) error {
	for i, o := range []struct{ name, owner, worker string }{
		{"苕秀为老服务社", "demo-org", "沈慧"}, {"安吉县阳光社会工作服务中心", "demo-org2", "钱立"}} {
		org := &shequ.SocialOrg{Name: o.name, Kind: shequ.OrgElderlyCare, Community: Community, LegalStatus: shequ.LegalFiled,
			FiledWith: Community[:9], Status: shequ.OrgActive, Members: 15 + 10*i, OwnerUserIDs: []string{d.users[o.owner].ID}}
		if err := d.s.Orgs.CreateOrg(ctx, org); err != nil {
			return err
		}
		first17 := fmt.Sprintf("3305231988060%d%03d", i+1, 700+i)
		id, err := shequ.ParseIDNumber(first17+string(shequ.IDCheckChar(first17)), time.Now())
		if err != nil {
			return err
		}
		w := &shequ.SocialWorker{Name: o.worker, IDNumber: id, Qualification: shequ.QualSocial, CertNumber: fmt.Sprintf("ZJ2019%04d", 7000+i),
			CertYear: 2019, Education: shequ.EduBachelor, EmployerKind: shequ.EmployerOrg, EmployerOrgID: org.ID, Community: Community,
			Functions: []shequ.ServiceFunction{shequ.FuncComfort, shequ.FuncIntegration}, Areas: []shequ.ServiceArea{shequ.AreaCare}}
		if i == 0 {
			w.UserID = d.users["demo-social"].ID
		}
		if err := d.s.Workers.CreateWorker(ctx, w); err != nil {
			return err
		}
		d.orgs, d.team = append(d.orgs, org), append(d.team, w)
	}
	return nil
}

// need raises a need as a resident, supported by others.
func (d *linkageDemo) need(ctx context.Context, author string, cat shequ.NeedCategory, title, desc string, supporters ...string) (*shequ.Need, error) {
	n := &shequ.Need{Community: Community, Category: cat, Title: title, Description: desc}
	if err := d.s.Linkage.CreateNeed(d.as(ctx, author), n); err != nil {
		return nil, err
	}
	for _, u := range supporters {
		if _, err := d.s.Linkage.SupportNeed(d.as(ctx, u), n.ID); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// decide is the demo worker's decision on a need.
func (d *linkageDemo) decide(ctx context.Context, n *shequ.Need, t shequ.NeedTransition) error {
	_, err := d.s.Linkage.TransitionNeed(d.as(ctx, "demo-worker"), n.ID, t)
	return err
}

// design designs and submits a project from needs; the official approves
// it and opens the call.
func (d *linkageDemo) design(ctx context.Context, p *shequ.Project) error {
	l := d.s.Linkage
	if err := l.CreateProject(d.as(ctx, "demo-worker"), p); err != nil {
		return err
	}
	steps := []struct {
		who string
		to  shequ.ProjectStatus
	}{{"demo-worker", shequ.ProjectUnderReview}, {"demo-official", shequ.ProjectApproved}, {"demo-official", shequ.ProjectOpenForBids}}
	for _, st := range steps {
		if _, err := l.TransitionProject(d.as(ctx, st.who), p.ID, shequ.ProjectTransition{To: st.to}); err != nil {
			return err
		}
	}
	_, err := l.AppointReviewers(d.as(ctx, "demo-official"), p.ID,
		[]string{d.users["demo-worker"].ID, d.users["demo-official"].ID, d.users["demo-reviewer"].ID})
	return err
}

// bids has both organizations bid.
func (d *linkageDemo) bids(ctx context.Context, p *shequ.Project, plans [2]string, prices [2]int64) ([]*shequ.Bid, error) {
	var out []*shequ.Bid
	for i, owner := range []string{"demo-org", "demo-org2"} {
		b := &shequ.Bid{ProjectID: p.ID, OrgID: d.orgs[i].ID, Plan: plans[i], PriceFen: prices[i], Team: []string{d.team[i].ID},
			Experience: "在本县开展为老服务三年，服务老人 500 余人次。"}
		if err := d.s.Linkage.SubmitBid(d.as(ctx, owner), b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// closedProject replays a whole year's project: needs in spring, the call,
// the review, the award and its 公示期, activities through the summer, the
// evaluation, and the close that fulfils the needs.
func (d *linkageDemo) closedProject(ctx context.Context, start time.Time) error {
	l := d.s.Linkage
	day := func(n int) time.Time { return start.AddDate(0, 0, n) }
	d.at(day(0))
	n1, err := d.need(ctx, "demo-resident", shequ.NeedElderly, "独居老人需要定期上门探访",
		"小区里独居老人多，子女在外地，希望有人每周上门看看、聊聊天。", "demo-resident2", "demo-resident3")
	if err != nil {
		return err
	}
	n2, err := d.need(ctx, "demo-resident2", shequ.NeedElderly, "老人探访和健康讲座", "希望定期有健康讲座。", "demo-resident3")
	if err != nil {
		return err
	}
	d.at(day(2))
	if err := d.decide(ctx, n1, shequ.NeedTransition{To: shequ.NeedAccepted}); err != nil {
		return err
	}
	if err := d.decide(ctx, n2, shequ.NeedTransition{To: shequ.NeedMerged, Into: n1.ID}); err != nil {
		return err
	}
	d.at(day(3))
	ps := *dayStart(day(20))
	p := &shequ.Project{Community: Community, Title: "苕秀社区银龄关爱探访项目", TargetGroup: "辖区 80 岁以上独居、空巢老人",
		Objectives: "每周上门探访，每月一次健康讲座，建立独居老人关爱档案，链接志愿者结对帮扶。",
		Indicators: []shequ.ProjectIndicator{{Measure: shequ.MeasureParticipants, Target: 300}, {Measure: shequ.MeasureActivities, Target: 6},
			{Measure: shequ.MeasureVolunteerHours, Target: 60}},
		Milestones: []shequ.Milestone{{Name: "中期评估", Due: ps.AddDate(0, 3, 0), Measure: shequ.MeasureParticipants, Target: 150}},
		BudgetFen:  8_000_000, PeriodStart: ps, PeriodEnd: ps.AddDate(0, 6, 0), BidDeadline: day(10), RequireCertified: true,
		OrgKinds: []shequ.OrgKind{shequ.OrgElderlyCare, shequ.OrgResidentService}, NeedIDs: []string{n1.ID}}
	if err := d.design(ctx, p); err != nil {
		return err
	}
	d.at(day(4))
	bids, err := d.bids(ctx, p, [2]string{"组建“银龄守护”志愿队，社工每周上门探访，每月开展健康讲座和生日会。",
		"以个案管理为主，为高风险老人建立档案，每两周探访一次。"}, [2]int64{7_600_000, 7_200_000})
	if err != nil {
		return err
	}
	d.at(day(11))
	if _, err := l.TransitionProject(d.as(ctx, "demo-official"), p.ID, shequ.ProjectTransition{To: shequ.ProjectBidReview}); err != nil {
		return err
	}
	for r, rev := range []string{"demo-worker", "demo-official", "demo-reviewer"} {
		for i, b := range bids {
			pct := 88 - 12*i + 2*r
			scores := map[string]int{"plan": 40 * pct / 100, "team": 25 * pct / 100, "experience": 15 * pct / 100, "price": 20 * pct / 100}
			if err := l.SubmitReview(d.as(ctx, rev), &shequ.Review{ProjectID: p.ID, BidID: b.ID, Scores: scores}); err != nil {
				return err
			}
		}
	}
	d.at(day(13))
	awarded, err := l.TransitionProject(d.as(ctx, "demo-official"), p.ID, shequ.ProjectTransition{To: shequ.ProjectAwarded})
	if err != nil {
		return err
	}
	d.at(day(14))
	o, err := l.LodgeObjection(d.as(ctx, "demo-resident3"), p.ID, "请公布中标机构服务团队的资质情况。")
	if err != nil {
		return err
	}
	if _, err := l.AnswerObjection(d.as(ctx, "demo-official"), o.ID, "中标机构团队含社会工作师 1 名，资质已在公示页公开。"); err != nil {
		return err
	}
	// The project starts when its 公示期 is over: nine days on, or later
	// when holidays of the holiday table lengthen it.
	d.at(day(22))
	if ends := awarded.ObjectionEnds; ends != nil && !d.now.After(*ends) {
		d.at(ends.Add(time.Hour))
	}
	if _, err := l.TransitionProject(d.as(ctx, "demo-official"), p.ID, shequ.ProjectTransition{To: shequ.ProjectInProgress}); err != nil {
		return err
	}
	places := []string{"苕秀社区老年活动室", "苕秀社区党群服务中心", "苕秀社区文化礼堂"}
	contents := []string{"健康讲座：老年人高血压防治", "独居老人集体生日会", "上门探访与安全隐患排查", "中秋邻里茶话会",
		"防诈骗宣传与手机使用教学", "重阳节志愿者结对探访", "冬季防滑防跌倒讲座"}
	for i, c := range contents {
		d.at(day(25 + 24*i))
		a := &shequ.Activity{ProjectID: p.ID, Date: *dayStart(d.now), Place: places[i%len(places)], Content: c,
			Functions:    []shequ.ServiceFunction{shequ.ServiceFunctions[i%len(shequ.ServiceFunctions)], shequ.FuncComfort},
			Participants: 40 + 7*i}
		if i == 0 {
			// The demo residents who rate the project took part in its
			// first activity.
			for _, u := range []string{"demo-resident", "demo-resident2", "demo-resident3"} {
				if id := d.residents[u]; id != "" {
					a.ResidentIDs = append(a.ResidentIDs, id)
				}
			}
		}
		if err := l.RecordActivity(d.as(ctx, "demo-social"), a); err != nil {
			return err
		}
	}
	d.at(day(210))
	if _, err := l.TransitionProject(d.as(ctx, "demo-official"), p.ID, shequ.ProjectTransition{To: shequ.ProjectFinalEvaluation}); err != nil {
		return err
	}
	for i, u := range []string{"demo-resident", "demo-resident2", "demo-resident3"} {
		e := &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalResident, Score: 5 - i%2, Comment: "社工很耐心，老人很喜欢。"}
		if err := l.SubmitEvaluation(d.as(ctx, u), e); err != nil {
			return err
		}
	}
	if err := l.SubmitEvaluation(d.as(ctx, "demo-worker"), &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalCommunity, Score: 90,
		Comment: "按计划完成，台账齐全。"}); err != nil {
		return err
	}
	if err := l.SubmitEvaluation(d.as(ctx, "demo-official"), &shequ.Evaluation{ProjectID: p.ID, Kind: shequ.EvalThirdParty, Score: 86,
		Assessor: "湖州市社会工作评估中心", Comment: "指标全部达成，建议续期。"}); err != nil {
		return err
	}
	d.at(day(215))
	_, err = l.TransitionProject(d.as(ctx, "demo-official"), p.ID, shequ.ProjectTransition{To: shequ.ProjectClosed})
	return err
}

// openProject leaves a call open now, with two bids, and needs of every
// state in the pool.
func (d *linkageDemo) openProject(ctx context.Context, start time.Time) error {
	d.at(start)
	n1, err := d.need(ctx, "demo-resident2", shequ.NeedChildren, "放学后孩子无人看护",
		"双职工家庭多，希望社区开设四点半课堂。", "demo-resident", "demo-resident3")
	if err != nil {
		return err
	}
	n2, err := d.need(ctx, "demo-resident3", shequ.NeedEnvironment, "小区垃圾分类亭太少", "", "demo-resident")
	if err != nil {
		return err
	}
	if _, err := d.need(ctx, "demo-resident", shequ.NeedCultureSports, "希望增加广场舞场地", "晚上活动的人多，场地不够。"); err != nil {
		return err
	}
	if _, err := d.need(ctx, "demo-resident3", shequ.NeedHealth, "社区义诊", "", "demo-resident2"); err != nil {
		return err
	}
	if err := d.decide(ctx, n1, shequ.NeedTransition{To: shequ.NeedAccepted}); err != nil {
		return err
	}
	if err := d.decide(ctx, n2, shequ.NeedTransition{To: shequ.NeedRejected, Reason: "已列入县城管局 2027 年垃圾分类设施建设计划。"}); err != nil {
		return err
	}
	d.at(start.AddDate(0, 0, 1))
	ps := *dayStart(start.AddDate(0, 1, 0))
	p := &shequ.Project{Community: Community, Title: "苕秀社区“四点半课堂”项目", TargetGroup: "辖区小学生",
		Objectives: "工作日放学后提供作业辅导、安全教育和兴趣活动，缓解双职工家庭看护难。",
		Indicators: []shequ.ProjectIndicator{{Measure: shequ.MeasureParticipants, Target: 1200}, {Measure: shequ.MeasureActivities, Target: 80}},
		BudgetFen:  12_000_000, PeriodStart: ps, PeriodEnd: ps.AddDate(0, 10, 0), BidDeadline: start.AddDate(0, 0, 16),
		RequireCertified: true, NeedIDs: []string{n1.ID}}
	if err := d.design(ctx, p); err != nil {
		return err
	}
	d.at(start.AddDate(0, 0, 3))
	_, err = d.bids(ctx, p, [2]string{"招募大学生志愿者开展作业辅导，社工开展安全教育小组。",
		"与县图书馆合作开展阅读和科普兴趣活动，社工跟进困难家庭个案。"}, [2]int64{11_500_000, 11_800_000})
	return err
}

// dayStart is midnight of t's day in Asia/Shanghai.
func dayStart(t time.Time) *time.Time {
	s := t.In(shequ.Shanghai)
	d := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, shequ.Shanghai)
	return &d
}
