package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"shequ"
)

// fieldsOf returns the field errors of an error answer.
func fieldsOf(body map[string]any) map[string]any {
	e, _ := body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

// TestVolunteerAPI drives opportunities and sign-ups through the JSON API
// on both engines, with the pages' rules: a worker publishes (bad input is
// 400 with field errors and writes nothing); the volunteer signs up (twice
// is 409), lists their sign-ups and may not publish nor record hours; the
// organizer checks in and out, a confirmation out of order is 409, the
// confirmed minutes are those served; a second opportunity is cancelled by
// the volunteer's own sign-up cancel, then by the organizer, which tells
// the volunteer and freezes it (PUT is 409); a worker of another county
// sees none of it.
func TestVolunteerAPI(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "3305", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		const community = "330523001002"
		clock := &movableClock{}
		base, m := startLinkageServer(t, dsn, clock)
		m.svc.volunteers.Now = clock.Now
		cctx := cliContext(context.Background())
		worker := apiClient{t: t, base: base, token: token(t, dsn, "vaworker", "community_worker", community)}
		stranger := apiClient{t: t, base: base, token: token(t, dsn, "vaother", "community_worker", "330522001001")}

		hash, err := m.svc.hasher.Hash("correct horse battery staple")
		mustOK(t, err)
		res := &shequ.Resident{Name: "李志愿", IDNumber: shequ.IDNumber(idFor("33052319900101301")), Phone: "13800138031", Community: community}
		mustOK(t, m.svc.residents.CreateResident(cctx, res))
		registerLinked(t, m.svc.residents, res, &shequ.User{Username: "vaholder"}, hash)
		code, out, errs := cli(t, nil, "token", "create", "-username", "vaholder", "-db", dsn)
		if code != exitOK {
			t.Fatalf("token: %d %s%s", code, out, errs)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		vol := apiClient{t: t, base: base, token: lines[len(lines)-1]}
		status, body := vol.do("POST", "/api/v1/opportunities/x/signups", map[string]any{})
		if status != http.StatusConflict && status != http.StatusNotFound {
			t.Errorf("sign up before joining: %d %v", status, body)
		}
		mustOK(t, m.svc.volunteers.RegisterVolunteer(cctx, &shequ.Volunteer{ResidentID: res.ID,
			Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare}, Availability: []shequ.Availability{shequ.Availabilities[0]}}))

		now := clock.Now().In(shequ.Shanghai)
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shequ.Shanghai).AddDate(0, 0, 1)
		opp := map[string]any{"title": "陪伴独居老人", "community_code": community, "category": "elderly",
			"day": day.Format(time.DateOnly), "start": "09:00", "end": "10:30", "place": "日间照料中心", "slots": 0,
			"skills": []string{"elderly_care"}}
		status, body = worker.do("POST", "/api/v1/opportunities", opp)
		if f := fieldsOf(body); status != http.StatusBadRequest || f["slots"] == nil {
			t.Fatalf("no slots: %d %v", status, body)
		}
		opp["slots"], opp["end"] = 2, "08:00"
		if status, body = worker.do("POST", "/api/v1/opportunities", opp); status != http.StatusBadRequest || fieldsOf(body)["end"] == nil {
			t.Fatalf("ends before it starts: %d %v", status, body)
		}
		if status, body = worker.do("GET", "/api/v1/opportunities", nil); status != http.StatusOK || body["total"] != float64(0) {
			t.Fatalf("refused input wrote: %d %v", status, body)
		}
		opp["end"] = "10:30"
		if status, body = vol.do("POST", "/api/v1/opportunities", opp); status != http.StatusForbidden {
			t.Errorf("a volunteer published: %d %v", status, body)
		}
		status, o := worker.do("POST", "/api/v1/opportunities", opp)
		if status != http.StatusCreated || o["status"] != "open" || o["slots"] != float64(2) || o["starts_at"] == "" {
			t.Fatalf("publish: %d %v", status, o)
		}
		oid := o["id"].(string)
		for q, want := range map[string]int{"status=open": 1, "status=cancelled": 0, "category=elderly&upcoming=1": 1, "q=独居": 1, "q=清洁": 0} {
			if status, body = worker.do("GET", "/api/v1/opportunities?"+q, nil); status != http.StatusOK || body["total"] != float64(want) {
				t.Errorf("filter %s: %d %v", q, status, body)
			}
		}
		for _, q := range []string{"status=bogus", "upcoming=maybe", "limit=0", "community=123"} {
			if status, body = worker.do("GET", "/api/v1/opportunities?"+q, nil); status != http.StatusBadRequest {
				t.Errorf("bad filter %s: %d %v", q, status, body)
			}
		}
		if status, body = stranger.do("GET", "/api/v1/opportunities/"+oid, nil); status != http.StatusNotFound {
			t.Errorf("another county's worker read it: %d %v", status, body)
		}
		if status, body = stranger.do("GET", "/api/v1/opportunities", nil); status != http.StatusOK || body["total"] != float64(0) {
			t.Errorf("another county's worker lists: %d %v", status, body)
		}
		if status, body = vol.do("GET", "/api/v1/opportunities?upcoming=1", nil); status != http.StatusOK || body["total"] != float64(1) {
			t.Errorf("the volunteer's list: %d %v", status, body)
		}

		// Sign up, once.
		status, x := vol.do("POST", "/api/v1/opportunities/"+oid+"/signups", map[string]any{})
		if status != http.StatusCreated || x["state"] != "signed" {
			t.Fatalf("sign up: %d %v", status, x)
		}
		sid := x["id"].(string)
		if status, body = vol.do("POST", "/api/v1/opportunities/"+oid+"/signups", map[string]any{}); status != http.StatusConflict {
			t.Errorf("signed up twice: %d %v", status, body)
		}
		if status, body = vol.do("GET", "/api/v1/volunteer/signups", nil); status != http.StatusOK || body["total"] != float64(1) {
			t.Fatalf("my sign-ups: %d %v", status, body)
		} else if it := body["items"].([]any)[0].(map[string]any); it["opportunity"].(map[string]any)["title"] != "陪伴独居老人" {
			t.Errorf("my sign-up without its opportunity: %v", it)
		}
		if status, body = vol.do("POST", "/api/v1/signups/"+sid+"/moves", map[string]any{"to": "checked_in"}); status != http.StatusForbidden {
			t.Errorf("the volunteer recorded their own check-in: %d %v", status, body)
		}
		if status, body = worker.do("GET", "/api/v1/opportunities/"+oid+"/signups", nil); status != http.StatusOK || body["total"] != float64(1) {
			t.Errorf("the organizer's list: %d %v", status, body)
		}
		if status, body = stranger.do("GET", "/api/v1/opportunities/"+oid+"/signups", nil); status != http.StatusNotFound {
			t.Errorf("another county's worker listed the sign-ups: %d %v", status, body)
		}

		// The organizer's record.
		if status, body = worker.do("POST", "/api/v1/signups/"+sid+"/moves", map[string]any{"to": "confirmed"}); status != http.StatusConflict {
			t.Errorf("confirmed before check-in: %d %v", status, body)
		}
		if status, body = worker.do("POST", "/api/v1/signups/"+sid+"/moves", map[string]any{"to": "signed"}); status != http.StatusBadRequest ||
			fieldsOf(body)["to"] == nil {
			t.Errorf("a move to signed: %d %v", status, body)
		}
		clock.Add(day.Add(9*time.Hour + 5*time.Minute).Sub(clock.Now()))
		if status, body = worker.do("POST", "/api/v1/signups/"+sid+"/moves", map[string]any{"to": "checked_in"}); status != http.StatusOK ||
			body["state"] != "checked_in" || body["by_organizer"] != true {
			t.Fatalf("check in: %d %v", status, body)
		}
		clock.Add(time.Hour)
		if status, body = worker.do("POST", "/api/v1/signups/"+sid+"/moves", map[string]any{"to": "checked_out"}); status != http.StatusOK {
			t.Fatalf("check out: %d %v", status, body)
		}
		if status, body = worker.do("POST", "/api/v1/signups/"+sid+"/moves", map[string]any{"to": "confirmed"}); status != http.StatusOK ||
			body["state"] != "confirmed" || body["minutes"] != float64(60) || body["record_id"] == "" {
			t.Fatalf("confirm: %d %v", status, body)
		}

		// A second opportunity: the volunteer cancels, signs up again; the
		// organizer cancels it and the volunteer is told.
		opp["title"], opp["day"] = "社区环境整治", day.AddDate(0, 0, 2).Format(time.DateOnly)
		status, o2 := worker.do("POST", "/api/v1/opportunities", opp)
		if status != http.StatusCreated {
			t.Fatalf("publish the second: %d %v", status, o2)
		}
		o2id := o2["id"].(string)
		_, x2 := vol.do("POST", "/api/v1/opportunities/"+o2id+"/signups", map[string]any{})
		if status, body = vol.do("POST", "/api/v1/signups/"+x2["id"].(string)+"/cancel", nil); status != http.StatusOK || body["state"] != "cancelled" {
			t.Fatalf("cancel my sign-up: %d %v", status, body)
		}
		if status, body = vol.do("POST", "/api/v1/opportunities/"+o2id+"/signups", map[string]any{}); status != http.StatusCreated {
			t.Fatalf("sign up again: %d %v", status, body)
		}
		opp["slots"] = 0
		if status, body = worker.do("PUT", "/api/v1/opportunities/"+o2id, opp); status != http.StatusBadRequest {
			t.Errorf("update to no slots: %d %v", status, body)
		}
		opp["slots"], opp["place"] = 5, "苕秀社区广场"
		if status, body = worker.do("PUT", "/api/v1/opportunities/"+o2id, opp); status != http.StatusOK || body["place"] != "苕秀社区广场" ||
			body["signed_up"] != float64(1) {
			t.Errorf("update: %d %v", status, body)
		}
		if status, body = stranger.do("POST", "/api/v1/opportunities/"+o2id+"/cancel", nil); status != http.StatusNotFound {
			t.Errorf("another county's worker cancelled: %d %v", status, body)
		}
		if status, body = worker.do("POST", "/api/v1/opportunities/"+o2id+"/cancel", nil); status != http.StatusOK || body["status"] != "cancelled" {
			t.Fatalf("cancel: %d %v", status, body)
		}
		if status, body = worker.do("PUT", "/api/v1/opportunities/"+o2id, opp); status != http.StatusConflict {
			t.Errorf("a cancelled opportunity changed: %d %v", status, body)
		}
		status, body = vol.do("GET", "/api/v1/notifications", nil)
		told := false
		for _, it := range body["items"].([]any) {
			n := it.(map[string]any)
			told = told || (n["kind"] == "opportunity_cancelled" && n["object_id"] == o2id)
		}
		if status != http.StatusOK || !told {
			t.Errorf("the volunteer was not told of the cancellation: %d %v", status, body)
		}
		if status, body = vol.do("GET", "/api/v1/volunteer/signups", nil); status != http.StatusOK || body["total"] != float64(2) {
			t.Errorf("my sign-ups after the cancellation: %d %v", status, body)
		}
	})
}
