package main

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"shequ"
)

// TestLinkageAPI drives the needs and projects endpoints on both engines:
// JSON shapes (status, support_count), field errors, and the 409 of an
// illegal transition naming the current state and the allowed ones.
func TestLinkageAPI(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		const community = "330523001002"
		res1 := apiClient{t: t, token: token(t, dsn, "res1", "resident", community)}
		res2 := apiClient{t: t, token: token(t, dsn, "res2", "resident", community)}
		worker := apiClient{t: t, token: token(t, dsn, "worker", "community_worker", community)}
		org := apiClient{t: t, token: token(t, dsn, "orgm", "org_member", "330523")}
		base := startServer(t, dsn, "")
		res1.base, res2.base, worker.base, org.base = base, base, base, base

		code, body := res1.do("POST", "/api/v1/needs", map[string]any{"community_code": community, "category": "food", "title": "x"})
		fields, _ := body["error"].(map[string]any)["fields"].(map[string]any)
		if code != http.StatusBadRequest || fields["category"] == nil || fields["title"] == nil {
			t.Fatalf("bad need: %d %v", code, body)
		}
		code, body = res1.do("POST", "/api/v1/needs", map[string]any{"community_code": community, "category": "elderly",
			"title": "独居老人需要定期探访", "description": "希望每周有人上门"})
		if code != http.StatusCreated || body["status"] != "submitted" || body["support_count"] != float64(0) || body["channel"] != "online" {
			t.Fatalf("create need: %d %v", code, body)
		}
		id := body["id"].(string)
		if code, body = res2.do("POST", "/api/v1/needs/"+id+"/support", nil); code != http.StatusOK || body["support_count"] != float64(1) {
			t.Fatalf("support: %d %v", code, body)
		}
		if code, body = res2.do("POST", "/api/v1/needs/"+id+"/support", nil); code != http.StatusConflict {
			t.Fatalf("second support: %d %v", code, body)
		}
		if code, _ = res1.do("POST", "/api/v1/needs/"+id+"/transitions", map[string]any{"to": "accepted"}); code != http.StatusForbidden {
			t.Errorf("resident decides: %d", code)
		}
		if code, body = worker.do("POST", "/api/v1/needs/"+id+"/transitions", map[string]any{"to": "rejected"}); code != http.StatusBadRequest {
			t.Errorf("reject without reason: %d %v", code, body)
		}
		if code, body = worker.do("POST", "/api/v1/needs/"+id+"/transitions", map[string]any{"to": "accepted"}); code != http.StatusOK || body["status"] != "accepted" {
			t.Fatalf("accept: %d %v", code, body)
		}
		code, body = worker.do("POST", "/api/v1/needs/"+id+"/transitions", map[string]any{"to": "accepted"})
		errBody, _ := body["error"].(map[string]any)
		msg, _ := errBody["message"].(string)
		if code != http.StatusConflict || msg != "当前状态为“已受理”，不能变为“已受理”；可变为：已立项、已合并。" ||
			errBody["current"] != "accepted" || fmt.Sprint(errBody["allowed"]) != "[planned merged]" {
			t.Errorf("illegal transition: %d %v", code, errBody)
		}
		code, body = res1.do("GET", "/api/v1/needs/"+id, nil)
		if tl, _ := body["timeline"].([]any); code != http.StatusOK || len(tl) != 3 {
			t.Errorf("need with timeline: %d %v", code, body)
		}

		// A project: bad fields first, then a good one, then a skipped step.
		code, body = worker.do("POST", "/api/v1/projects", map[string]any{"community_code": community, "title": "银龄陪伴",
			"budget_fen": 0, "need_ids": []string{id}})
		fields, _ = body["error"].(map[string]any)["fields"].(map[string]any)
		if code != http.StatusBadRequest || fields["budget"] == nil || fields["indicators"] == nil || fields["period_end"] == nil {
			t.Fatalf("bad project: %d %v", code, body)
		}
		code, body = worker.do("POST", "/api/v1/projects", map[string]any{"community_code": community, "title": "银龄陪伴",
			"target_group": "独居老人", "objectives": "每周探访", "budget_fen": 5000000, "need_ids": []string{id},
			"indicators":   []map[string]any{{"measure": "participants", "target": 300}},
			"period_start": "2099-01-01", "period_end": "2099-06-30", "bid_deadline": "2098-12-20T17:00:00+08:00"})
		if code != http.StatusCreated || body["status"] != "draft" || body["budget_fen"] != float64(5000000) {
			t.Fatalf("create project: %d %v", code, body)
		}
		pid := body["id"].(string)
		number, _ := body["number"].(string)
		code, body = worker.do("POST", "/api/v1/projects/"+pid+"/transitions", map[string]any{"to": "draft"})
		errBody, _ = body["error"].(map[string]any)
		msg, _ = errBody["message"].(string)
		if code != http.StatusConflict || !strings.Contains(msg, "当前状态为“草稿”") || !strings.Contains(msg, "可变为：待审批、已撤销") ||
			errBody["current"] != "draft" || fmt.Sprint(errBody["allowed"]) != "[under_review cancelled]" {
			t.Errorf("skipped step: %d %v", code, errBody)
		}
		if !regexp.MustCompile(`^XM330523-20\d\d-0001$`).MatchString(number) {
			t.Errorf("project number %q", number)
		}
		if code, body = worker.do("GET", "/api/v1/projects?q="+strings.ToLower(number), nil); code != http.StatusOK || body["total"] != float64(1) {
			t.Errorf("search by number: %d %v", code, body)
		}

		// Edits of the design (PUT): illegal ones first, each with its
		// error, then a good one; the community and needs stay.
		design := map[string]any{"title": "银龄陪伴（修订）", "target_group": "独居老人", "objectives": "每周探访两次",
			"budget_fen": 4500000, "indicators": []map[string]any{{"measure": "participants", "target": 400}},
			"criteria":     []map[string]any{{"key": "plan", "weight": 50}, {"key": "服务创新", "weight": 10}, {"key": "price", "weight": 40}},
			"weights":      map[string]any{"residents": 50, "community": 25, "third_party": 25},
			"period_start": "2099-01-01", "period_end": "2099-06-30", "bid_deadline": "2098-12-20T17:00:00+08:00"}
		with := func(k string, v any) map[string]any {
			m := map[string]any{}
			for k0, v0 := range design {
				m[k0] = v0
			}
			m[k] = v
			return m
		}
		outsider := apiClient{t: t, token: token(t, dsn, "worker9", "community_worker", "330523001012"), base: base}
		for _, tt := range []struct {
			name  string
			c     apiClient
			body  map[string]any
			code  int
			field string
		}{
			{"resident", res1, design, http.StatusForbidden, ""},
			{"organization", org, design, http.StatusForbidden, ""},
			{"out of scope", outsider, design, http.StatusNotFound, ""},
			{"criteria not 100", worker, with("criteria", []map[string]any{{"key": "plan", "weight": 60}}), http.StatusBadRequest, "criteria"},
			{"weights not 100", worker, with("weights", map[string]any{"residents": 50, "community": 50, "third_party": 50}), http.StatusBadRequest, "weights"},
			{"no title", worker, with("title", ""), http.StatusBadRequest, "title"},
			{"other community", worker, with("community_code", "330523001003"), http.StatusBadRequest, "community_code"},
		} {
			code, body := tt.c.do("PUT", "/api/v1/projects/"+pid, tt.body)
			fields, _ := body["error"].(map[string]any)["fields"].(map[string]any)
			if code != tt.code || (tt.field != "" && fields[tt.field] == nil) {
				t.Errorf("%s: %d %v", tt.name, code, body)
			}
		}
		code, body = worker.do("PUT", "/api/v1/projects/"+pid, design)
		if crit, _ := body["criteria"].([]any); code != http.StatusOK || body["title"] != "银龄陪伴（修订）" || body["number"] != number ||
			body["status"] != "draft" || len(crit) != 3 || body["community_code"] != community {
			t.Fatalf("edit: %d %v", code, body)
		}
		if code, body = worker.do("POST", "/api/v1/projects/"+pid+"/transitions", map[string]any{"to": "under_review"}); code != http.StatusOK {
			t.Fatalf("submit: %d %v", code, body)
		}
		if code, body = worker.do("PUT", "/api/v1/projects/"+pid, design); code != http.StatusConflict {
			t.Errorf("edit under review: %d %v", code, body)
		}

		// Not public yet: an anonymous reader and an organization see nothing.
		if code, _, _ := get(t, base+"/api/v1/projects/"+pid); code != http.StatusNotFound {
			t.Errorf("anonymous read of a draft: %d", code)
		}
		if code, _ = org.do("GET", "/api/v1/projects/"+pid, nil); code != http.StatusNotFound {
			t.Errorf("org_member read of a draft: %d", code)
		}
	})
}

// TestLinkageRatingAPI: through the API, a resident who took part in an
// activity of the project (recorded by their register entry) rates it; a
// resident who did not answers 403 with the message of the catalogue, in
// Chinese and in English. The chain up to the final evaluation is driven
// from the console on both engines.
func TestLinkageRatingAPI(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		const community = "330523001002"
		clock := &movableClock{}
		base, m := startLinkageServer(t, dsn, clock)
		cctx := cliContext(context.Background())
		hash, err := m.svc.hasher.Hash("correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		// Two residents of the register with their accounts and tokens.
		clients := map[string]apiClient{}
		residents := map[string]*shequ.Resident{}
		for i, name := range []string{"took-part", "stayed-home"} {
			r := &shequ.Resident{Name: "居民" + name, Community: community, Phone: shequ.Phone("1385720020" + string(rune('1'+i))),
				IDNumber: shequ.IDNumber(validID("33052319700101" + string(rune('1'+i)) + "34"))}
			if err := m.svc.residents.CreateResident(cctx, r); err != nil {
				t.Fatal(err)
			}
			if _, err := m.svc.residents.RegisterAccount(cctx, string(r.IDNumber), string(r.Phone), &shequ.User{Username: name, Name: name}, hash); err != nil {
				t.Fatal(err)
			}
			code, out, errs := cli(t, nil, "token", "create", "-username", name, "-db", dsn)
			if code != exitOK {
				t.Fatalf("token: %d %s%s", code, out, errs)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			clients[name], residents[name] = apiClient{t: t, token: lines[len(lines)-1], base: base}, r
		}

		// The chain to the final evaluation, from the console.
		l := m.svc.linkage
		p := projectInProgress(t, m, dsn, clock, community)
		mustOK(t, l.RecordActivity(cctx, &shequ.Activity{ProjectID: p.ID, Date: p.PeriodStart.AddDate(0, 0, 10), Place: "活动室", Content: "探访老人",
			Functions: []shequ.ServiceFunction{shequ.FuncComfort}, Participants: 12, ResidentIDs: []string{residents["took-part"].ID}}))
		_, err = l.TransitionProject(cctx, p.ID, shequ.ProjectTransition{To: shequ.ProjectFinalEvaluation})
		mustOK(t, err)

		rate := map[string]any{"kind": "resident", "score": 5, "comment": "很满意"}
		code, body := clients["stayed-home"].do("POST", "/api/v1/projects/"+p.ID+"/evaluations", rate)
		if msg, _ := body["error"].(map[string]any)["message"].(string); code != http.StatusForbidden || msg != "只有参加过本项目活动的居民可以评价。" {
			t.Errorf("non-participant: %d %v", code, body)
		}
		en := clients["stayed-home"]
		en.lang = "en"
		code, body = en.do("POST", "/api/v1/projects/"+p.ID+"/evaluations", rate)
		if msg, _ := body["error"].(map[string]any)["message"].(string); code != http.StatusForbidden || !strings.Contains(msg, "took part") {
			t.Errorf("non-participant (en): %d %v", code, body)
		}
		if code, body = clients["took-part"].do("POST", "/api/v1/projects/"+p.ID+"/evaluations", rate); code != http.StatusCreated || body["score"] != float64(5) {
			t.Fatalf("participant: %d %v", code, body)
		}
		if code, body = clients["took-part"].do("POST", "/api/v1/projects/"+p.ID+"/evaluations", rate); code != http.StatusConflict {
			t.Errorf("second rating: %d %v", code, body)
		}
	})
}

// projectInProgress drives a project of community from a need to in
// progress from the console (an organization and its social worker bid,
// three reviewers score, the 公示期 passes on clock, the linkage service's
// workflow clock): its period starts two days after clock's now and lasts
// three months; clock ends fifteen days on.
func projectInProgress(t *testing.T, m *Main, dsn string, clock *movableClock, community string) *shequ.Project {
	t.Helper()
	cctx := cliContext(context.Background())
	l := m.svc.linkage
	org := &shequ.SocialOrg{Name: "苕秀为老服务社", Kind: shequ.OrgElderlyCare, Community: community, LegalStatus: shequ.LegalFiled,
		FiledWith: community[:9], Status: shequ.OrgActive, Members: 10}
	mustOK(t, m.svc.orgs.CreateOrg(cctx, org))
	w := &shequ.SocialWorker{Name: "李社工", Community: community, Qualification: shequ.QualSocial, CertNumber: "S000009", CertYear: 2020,
		EmployerKind: shequ.EmployerOrg, EmployerOrgID: org.ID, IDNumber: shequ.IDNumber(validID("33052319850101923"))}
	mustOK(t, m.svc.workers.CreateWorker(cctx, w))
	need := &shequ.Need{Community: community, Category: shequ.NeedElderly, Title: "独居老人需要探访", Channel: shequ.NeedVisit}
	mustOK(t, l.CreateNeed(cctx, need))
	_, err := l.TransitionNeed(cctx, need.ID, shequ.NeedTransition{To: shequ.NeedAccepted})
	mustOK(t, err)
	now := clock.Now()
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shequ.Shanghai).AddDate(0, 0, 2)
	p := &shequ.Project{Community: community, Title: "银龄陪伴", TargetGroup: "独居老人", Objectives: "每周探访",
		Indicators: []shequ.ProjectIndicator{{Measure: shequ.MeasureParticipants, Target: 10},
			{Measure: shequ.MeasureVolunteerHours, Target: 20}}, BudgetFen: 1_000_000,
		PeriodStart: start, PeriodEnd: start.AddDate(0, 3, 0), BidDeadline: now.Add(time.Hour), NeedIDs: []string{need.ID}}
	mustOK(t, l.CreateProject(cctx, p))
	move := func(to shequ.ProjectStatus) {
		t.Helper()
		_, err := l.TransitionProject(cctx, p.ID, shequ.ProjectTransition{To: to})
		mustOK(t, err)
	}
	move(shequ.ProjectUnderReview)
	move(shequ.ProjectApproved)
	move(shequ.ProjectOpenForBids)
	bid := &shequ.Bid{ProjectID: p.ID, OrgID: org.ID, Plan: "每周两次上门探访，每月一次健康讲座。", PriceFen: 900_000, Team: []string{w.ID}, Experience: "三年"}
	mustOK(t, l.SubmitBid(cctx, bid))
	var reviewers []string
	for _, name := range []string{"rv1", "rv2", "rv3"} {
		token(t, dsn, name, "community_worker", community)
		u, err := m.svc.users.FindUserByUsername(cctx, name)
		mustOK(t, err)
		reviewers = append(reviewers, u.ID)
	}
	_, err = l.AppointReviewers(cctx, p.ID, reviewers)
	mustOK(t, err)
	clock.Add(2 * time.Hour)
	move(shequ.ProjectBidReview)
	mustOK(t, l.SubmitReview(cctx, &shequ.Review{ProjectID: p.ID, BidID: bid.ID,
		Scores: map[string]int{"plan": 30, "team": 20, "experience": 10, "price": 15}}))
	move(shequ.ProjectAwarded)
	clock.Add(15 * 24 * time.Hour)
	move(shequ.ProjectInProgress)
	return p
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%v %+v", err, shequ.AsError(err).Fields)
	}
}
