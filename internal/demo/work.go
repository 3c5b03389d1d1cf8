package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"shequ"
)

// The demo's work in progress, so that each role's home page has something
// to show on the first start, beside what loadRequests files (王建国's
// completed 优待证, 黄敏's 高龄津贴 waiting for materials, 李秀英's
// delegated request): more requests of the demo residents in several
// states (王建国's own one waiting for materials, one just filed),
// delegations waiting for consent, and a project waiting for the
// official's approval.

// demoRequest is one request the demo worker filed at the window for a
// resident of the register, and the steps it went through.
type demoRequest struct {
	resident int // index in residentSeeds
	item     string
	values   map[string][]string
	steps    []shequ.RequestState
	in       shequ.TransitionInput // of the last step
}

var demoRequests = []demoRequest{
	{0, "MZ-005", map[string][]string{"services": {"meal", "clean"}},
		[]shequ.RequestState{shequ.RequestAccepted, shequ.RequestInProcess, shequ.RequestAwaitingMaterials},
		shequ.TransitionInput{Missing: []string{"近三个月内的体检报告复印件"}}},
	{0, "WJ-002", map[string][]string{"package": {"elderly"}}, nil, shequ.TransitionInput{}},
	{1, "MZ-003", map[string][]string{"contact_phone": {"13857200002"}},
		[]shequ.RequestState{shequ.RequestAccepted}, shequ.TransitionInput{}},
	{7, "MZ-005", map[string][]string{"services": {"visit", "medical"}},
		[]shequ.RequestState{shequ.RequestAccepted, shequ.RequestInProcess}, shequ.TransitionInput{}},
}

// loadWork files the demo requests and delegations as the demo worker.
func loadWork(ctx context.Context, s Services) error {
	if s.Requests == nil || s.Delegations == nil {
		return nil
	}
	worker, err := s.Users.FindUserByUsername(ctx, "demo-worker")
	if err != nil {
		return err
	}
	wctx := shequ.WithActor(ctx, worker.Actor())
	// The community holds more people than the seeds (the care demo's):
	// all of them are listed, so that every seed is found by name.
	residents, _, err := s.Residents.FindResidents(wctx, shequ.ResidentFilter{Community: Community, Limit: 500})
	if err != nil {
		return err
	}
	byName := map[string]string{}
	for _, r := range residents {
		byName[r.Name] = r.ID
	}
	for _, dr := range demoRequests {
		id, ok := byName[residentSeeds[dr.resident].name]
		if !ok {
			return fmt.Errorf("demo request %s: resident %s not found", dr.item, residentSeeds[dr.resident].name)
		}
		req, err := s.Requests.Submit(wctx, &shequ.RequestInput{ItemCode: dr.item, ResidentID: id, Channel: shequ.ChannelWindow,
			IdentityNote: "身份证原件核验", Values: dr.values, Materials: []string{"居民身份证"}})
		if err != nil {
			return fmt.Errorf("demo request %s: %w", dr.item, err)
		}
		// The window scans the ID card it checked.
		if s.Desk != nil {
			if _, err := s.Desk.AddAttachment(wctx, "request", req.ID, "居民身份证（窗口扫描）.pdf", "application/pdf", demoPDF); err != nil {
				return fmt.Errorf("demo attachment: %w", err)
			}
		}
		for i, to := range dr.steps {
			in := shequ.TransitionInput{}
			if i == len(dr.steps)-1 {
				in = dr.in
			}
			if _, err := s.Requests.Transition(wctx, req.ID, to, in); err != nil {
				return fmt.Errorf("demo request %s to %s: %w", dr.item, to, err)
			}
		}
	}
	if err := loadHouseholds(wctx, s, byName); err != nil {
		return err
	}
	// Two delegations wait for consent: the demo resident's own (they
	// consent on 我的) and a neighbour's, on the worker's 待办.
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	for _, d := range []struct {
		resident int
		items    []string
		note     string
	}{
		{0, []string{"MZ-003", "MZ-006"}, "子女在外地工作，委托社区工作者代办高龄津贴和优待证。"},
		{1, []string{"MZ-001"}, "行动不便，委托社区工作者代办低保年审。"},
	} {
		del := &shequ.Delegation{ResidentID: byName[residentSeeds[d.resident].name], AgentID: worker.ID, Items: d.items,
			ValidFrom: *dayStart(now), ValidUntil: dayStart(now.AddDate(0, 6, 0)).Add(-time.Nanosecond), Note: d.note}
		if err := s.Delegations.CreateDelegation(wctx, del); err != nil {
			return fmt.Errorf("demo delegation: %w", err)
		}
	}
	return nil
}

// demoHouseholds are the households of the register beside 王建国's
// (loadRequests): each resident of the demo community lives in one, so
// that every resident's page names a household to open.
var demoHouseholds = []struct {
	address string
	members []string // "name:relation", the head first
}{
	{"递铺街道苕秀路26号3幢201室", []string{"刘芳:head", "张伟:spouse", "陈明:child"}},
	{"递铺街道苕秀路32号1幢102室", []string{"李秀英:head"}},
	{"递铺街道苕秀路40号2幢301室", []string{"杨丽:head"}},
	{"递铺街道苕秀路52号", []string{"赵强:head", "吴静:spouse"}},
	{"递铺街道苕秀路18号附1号", []string{"黄敏:head"}},
}

// loadHouseholds creates demoHouseholds as the worker (ctx).
func loadHouseholds(ctx context.Context, s Services, byName map[string]string) error {
	for _, dh := range demoHouseholds {
		h := &shequ.Household{Community: Community, Address: dh.address}
		if err := s.Residents.CreateHousehold(ctx, h); err != nil {
			return fmt.Errorf("demo household: %w", err)
		}
		for _, m := range dh.members {
			name, rel, _ := strings.Cut(m, ":")
			id := byName[name]
			if id == "" {
				return fmt.Errorf("demo household: no resident %s", name)
			}
			hid := h.ID
			if _, err := s.Residents.UpdateResident(ctx, id, shequ.ResidentInput{HouseholdID: &hid, Relation: &rel}); err != nil {
				return fmt.Errorf("demo household member %s: %w", name, err)
			}
		}
	}
	return nil
}

// reviewProject designs a project from the open need 社区义诊 and submits it:
// the demo official finds it waiting for approval.
func (d *linkageDemo) reviewProject(ctx context.Context, start time.Time) error {
	d.at(start)
	n, err := d.need(ctx, "demo-resident2", shequ.NeedHealth, "老人希望在家门口测血压血糖",
		"社区卫生服务站较远，行动不便的老人很少去。", "demo-resident", "demo-resident3")
	if err != nil {
		return err
	}
	if err := d.decide(ctx, n, shequ.NeedTransition{To: shequ.NeedAccepted}); err != nil {
		return err
	}
	ps := *dayStart(start.AddDate(0, 1, 0))
	p := &shequ.Project{Community: Community, Title: "苕秀社区“健康小屋进楼道”项目", TargetGroup: "辖区60周岁以上老人",
		Objectives: "每月在各楼道开展一次血压血糖测量和健康咨询，为慢病老人建立随访记录。",
		Indicators: []shequ.ProjectIndicator{{Measure: shequ.MeasureParticipants, Target: 600}, {Measure: shequ.MeasureActivities, Target: 24}},
		BudgetFen:  4_800_000, PeriodStart: ps, PeriodEnd: ps.AddDate(0, 12, 0), BidDeadline: start.AddDate(0, 0, 20),
		NeedIDs: []string{n.ID}}
	if err := d.s.Linkage.CreateProject(d.as(ctx, "demo-worker"), p); err != nil {
		return err
	}
	_, err = d.s.Linkage.TransitionProject(d.as(ctx, "demo-worker"), p.ID, shequ.ProjectTransition{To: shequ.ProjectUnderReview})
	return err
}
