package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"shequ"
	"shequ/internal/mock"
)

func testWorker() *shequ.SocialWorker {
	return &shequ.SocialWorker{ID: "w1", Name: "陈静", IDNumber: idElderly, Phone: "13812345678",
		Qualification: shequ.QualSocial, CertNumber: "S2020-1", CertYear: 2020, Education: shequ.EduBachelor,
		EmployerKind: shequ.EmployerCommunity, Community: "330523001002",
		Functions: []shequ.ServiceFunction{shequ.FuncComfort}, Areas: []shequ.ServiceArea{shequ.AreaCare}}
}

func TestAPIWorkerReveal(t *testing.T) {
	var reveals []bool
	workers := &mock.SocialWorkerService{FindWorkerByIDFn: func(_ context.Context, id string, reveal bool) (*shequ.SocialWorker, error) {
		reveals = append(reveals, reveal)
		return testWorker(), nil
	}}
	s, id := newRegisterServer(t, nil, workers)
	id.users["member"] = &shequ.User{ID: "u-member", Username: "member", Role: shequ.RoleOrgMember, Scope: "330523001002"}
	m := s.json(t, http.MethodGet, "/api/v1/social-workers/w1", "", "Cookie", id.session("member"))
	if m["id_number"] != "1****************X" || m["phone"] != "138****5678" || m["certified"] != true {
		t.Errorf("%v", m)
	}
	if w := s.get(t, "/api/v1/social-workers/w1?reveal=1", "Cookie", id.session("member")); w.Code != http.StatusForbidden {
		t.Errorf("reveal without permission: %d", w.Code)
	}
	m = s.json(t, http.MethodGet, "/api/v1/social-workers/w1?reveal=1", "", "Cookie", id.session("worker"))
	if m["id_number"] != idElderly {
		t.Errorf("%v", m)
	}
	if len(reveals) != 2 || reveals[0] || !reveals[1] {
		t.Errorf("reveal flags %v", reveals)
	}
}

func TestAPIWorkerCreateAndList(t *testing.T) {
	var filter shequ.WorkerFilter
	workers := &mock.SocialWorkerService{
		CreateWorkerFn: func(_ context.Context, w *shequ.SocialWorker) error { w.ID = "w2"; return nil },
		FindWorkersFn: func(_ context.Context, f shequ.WorkerFilter) ([]*shequ.SocialWorker, int, error) {
			filter = f
			return []*shequ.SocialWorker{testWorker()}, 1, nil
		},
	}
	s, id := newRegisterServer(t, nil, workers)
	m := s.json(t, http.MethodPost, "/api/v1/social-workers", `{"name":"赵敏","id_number":"`+idChild+`","qualification":"none",
		"employer_kind":"community","community_code":"330523001002","functions":["comfort","integration"],"areas":["rehab"]}`,
		"Cookie", id.session("worker"))
	if m["_status"] != 201.0 || m["id_number"] != "3****************7" {
		t.Errorf("%v", m)
	}
	m = s.json(t, http.MethodPost, "/api/v1/social-workers", `{"name":"赵敏","id_number":"123","qualification":"expert",
		"employer_kind":"community","community_code":"330523001002","areas":["x"]}`, "Cookie", id.session("worker"))
	f, _ := m["error"].(map[string]any)["fields"].(map[string]any)
	if m["_status"] != 400.0 || f["id_number"] == nil || f["qualification"] == nil || f["areas"] == nil {
		t.Errorf("%v", m)
	}
	m = s.json(t, http.MethodGet, "/api/v1/social-workers?qualification=social&q=%E9%99%88", "", "Cookie", id.session("official"))
	if m["total"] != 1.0 || filter.Qualification != shequ.QualSocial || filter.Query != "陈" || filter.Community != "330523" {
		t.Errorf("%v %+v", m, filter)
	}
	if w := s.get(t, "/social-workers?qualification=social", "Cookie", id.session("worker")); w.Code != 200 ||
		!strings.Contains(w.Body.String(), `href="/social-workers/w1"`) {
		t.Errorf("list page %d", w.Code)
	}
}

func TestWorkerPages(t *testing.T) {
	workers := &mock.SocialWorkerService{FindWorkerByIDFn: func(_ context.Context, id string, reveal bool) (*shequ.SocialWorker, error) {
		return testWorker(), nil
	}}
	s, id := newRegisterServer(t, nil, workers)
	w := s.get(t, "/social-workers/w1", "Cookie", id.session("worker"))
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, `id="worker-id-number">1****************X<`) || strings.Contains(body, idElderly) ||
		!strings.Contains(body, "社会工作师") || !strings.Contains(body, "精神慰藉") || !strings.Contains(body, "社区照顾") {
		t.Errorf("%d\n%s", w.Code, body)
	}
	w = s.form(t, "/social-workers/w1/reveal", nil, "Cookie", id.session("worker"))
	if !strings.Contains(w.Body.String(), idElderly) {
		t.Errorf("reveal %d", w.Code)
	}
	if w := s.get(t, "/social-workers/w1/edit", "Cookie", id.session("worker")); w.Code != 200 || !strings.Contains(w.Body.String(), `id="worker-function-comfort" checked`) {
		t.Errorf("edit %d", w.Code)
	}
}
