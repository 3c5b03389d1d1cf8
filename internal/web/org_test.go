package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shequ"
	"shequ/internal/mock"
)

// validCredit is a credit code with a correct GB 32100 check character.
var validCredit = func() string {
	body := "51330523MJ000001"
	body += string(shequ.OrgCodeCheckChar(body[8:16]))
	return body + string(shequ.CreditCheckChar(body))
}()

func testOrg() *shequ.SocialOrg {
	d := time.Date(2019, 5, 4, 0, 0, 0, 0, shequ.Shanghai)
	return &shequ.SocialOrg{ID: "o1", Name: "苕秀社区志愿者协会", Kind: shequ.OrgCharity, Community: "330523001002",
		LegalStatus: shequ.LegalRegistered, CreditCode: shequ.CreditCode(validCredit), FoundedOn: &d, Leader: "李明",
		LeaderPhone: "13812345678", Members: 30, Status: shequ.OrgActive, CreatedAt: testNow, UpdatedAt: testNow}
}

// newRegisterServer is an identity server with the register services.
func newRegisterServer(t *testing.T, orgs *mock.OrgService, workers *mock.SocialWorkerService) (*testServer, *identity) {
	t.Helper()
	return newIdentityServer(t, nil, func(c *Config) { c.Orgs, c.Workers = orgs, workers })
}

func (s *testServer) json(t *testing.T, method, target, body string, headers ...string) map[string]any {
	t.Helper()
	w := s.do(t, method, target, strings.NewReader(body), append([]string{"Content-Type", "application/json"}, headers...)...)
	m := decode(t, w)
	m["_status"] = float64(w.Code)
	return m
}

func TestAPIOrgCreate(t *testing.T) {
	var created []*shequ.SocialOrg
	orgs := &mock.OrgService{CreateOrgFn: func(_ context.Context, o *shequ.SocialOrg) error {
		o.ID, o.CreatedAt, o.UpdatedAt = "o9", testNow, testNow
		created = append(created, o)
		return nil
	}}
	s, id := newRegisterServer(t, orgs, nil)
	body := `{"name":"银杏养老互助会","kind":"elderly_care","community_code":"330523001002","legal_status":"registered",
		"credit_code":"` + validCredit + `","founded_on":"2020-01-02","leader":"王芳","leader_phone":"13912345678",
		"members":12,"grade":3,"graded_on":"2024-06-01","status":"active","serves":["330523001201"]}`
	m := s.json(t, http.MethodPost, "/api/v1/orgs", body, "Cookie", id.session("official"))
	if m["_status"] != 201.0 {
		t.Fatalf("%v", m)
	}
	if m["leader_phone"] != "139****5678" || m["id"] != "o9" || m["founded_on"] != "2020-01-02" || m["grade"] != 3.0 {
		t.Errorf("answer %v", m)
	}
	if len(created) != 1 || created[0].LeaderPhone != "13912345678" || created[0].Kind != shequ.OrgElderlyCare ||
		created[0].GradedOn == nil || len(created[0].Serves) != 1 {
		t.Errorf("stored %+v", created)
	}
}

func TestAPIOrgCreateInvalid(t *testing.T) {
	s, id := newRegisterServer(t, &mock.OrgService{}, nil) // the service must not be called
	tests := []struct {
		name, body, field string
		status            float64
	}{
		{"bad credit code", `{"name":"甲","kind":"charity","community_code":"330523001002","legal_status":"registered","credit_code":"91330523MA2B3C4D5X","status":"active"}`, "credit_code", 400},
		{"unknown kind", `{"name":"甲","kind":"sports","community_code":"330523001002","legal_status":"incubating","incubator":"乙","status":"active"}`, "kind", 400},
		{"bad date", `{"name":"甲","kind":"charity","community_code":"330523001002","legal_status":"incubating","incubator":"乙","status":"active","founded_on":"2020/1/2"}`, "founded_on", 400},
		{"out of scope", `{"name":"甲","kind":"charity","community_code":"110105001001","legal_status":"incubating","incubator":"乙","status":"active"}`, "community_code", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := s.json(t, http.MethodPost, "/api/v1/orgs", tt.body, "Cookie", id.session("official"))
			e := m["error"].(map[string]any)
			fields, _ := e["fields"].(map[string]any)
			if m["_status"] != tt.status || fields[tt.field] == nil {
				t.Errorf("%v", m)
			}
		})
	}
}

func TestAPIOrgGetAndList(t *testing.T) {
	var filters []shequ.OrgFilter
	orgs := &mock.OrgService{
		FindOrgByIDFn: func(_ context.Context, id string) (*shequ.SocialOrg, error) {
			if id != "o1" {
				return nil, shequ.ErrNotFound
			}
			return testOrg(), nil
		},
		FindOrgsFn: func(_ context.Context, f shequ.OrgFilter) ([]*shequ.SocialOrg, int, error) {
			filters = append(filters, f)
			return []*shequ.SocialOrg{testOrg()}, 41, nil
		},
	}
	s, id := newRegisterServer(t, orgs, nil)
	m := s.json(t, http.MethodGet, "/api/v1/orgs/o1", "", "Cookie", id.session("worker"))
	if m["leader_phone"] != "138****5678" || m["credit_code"] != validCredit || m["kind"] != "charity" {
		t.Errorf("%v", m)
	}
	if strings.Contains(s.get(t, "/api/v1/orgs/o1", "Cookie", id.session("worker")).Body.String(), "13812345678") {
		t.Error("full phone in the API")
	}
	if m := s.json(t, http.MethodGet, "/api/v1/orgs/o2", "", "Cookie", id.session("worker")); m["_status"] != 404.0 {
		t.Errorf("out of scope: %v", m)
	}
	m = s.json(t, http.MethodGet, "/api/v1/orgs?community=330523001&kind=charity&status=dormant&q=%E5%8D%8F%E4%BC%9A&limit=5&offset=10", "",
		"Cookie", id.session("official"))
	if m["total"] != 41.0 || len(m["items"].([]any)) != 1 {
		t.Errorf("%v", m)
	}
	want := shequ.OrgFilter{Community: "330523001", Kind: shequ.OrgCharity, Status: shequ.OrgDormant, Query: "协会", Offset: 10, Limit: 5}
	if diff := cmp.Diff([]shequ.OrgFilter{want}, filters); diff != "" {
		t.Errorf("filter (-want +got):\n%s", diff)
	}
	// The scope is the default community; a bad kind is a field error.
	s.json(t, http.MethodGet, "/api/v1/orgs", "", "Cookie", id.session("official"))
	if filters[1].Community != "330523" || filters[1].Limit != registerAPIDefaultLimit {
		t.Errorf("default filter %+v", filters[1])
	}
	if m := s.json(t, http.MethodGet, "/api/v1/orgs?kind=x", "", "Cookie", id.session("official")); m["_status"] != 400.0 {
		t.Errorf("%v", m)
	}
	// Not signed in; a role without org.read.
	if w := s.get(t, "/api/v1/orgs"); w.Code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", w.Code)
	}
	if w := s.get(t, "/api/v1/orgs", "Cookie", id.session("auditor")); w.Code != http.StatusForbidden {
		t.Errorf("auditor: %d", w.Code)
	}
}

func TestAPIOrgPatchMerges(t *testing.T) {
	var updated *shequ.SocialOrg
	orgs := &mock.OrgService{
		FindOrgByIDFn: func(_ context.Context, id string) (*shequ.SocialOrg, error) { return testOrg(), nil },
		UpdateOrgFn:   func(_ context.Context, o *shequ.SocialOrg) error { updated = o; return nil },
	}
	s, id := newRegisterServer(t, orgs, nil)
	m := s.json(t, http.MethodPatch, "/api/v1/orgs/o1", `{"status":"dormant","status_since":"2026-10-01","members":8}`,
		"Cookie", id.session("worker"))
	if m["_status"] != 200.0 || m["status"] != "dormant" || m["members"] != 8.0 || m["name"] != "苕秀社区志愿者协会" {
		t.Errorf("%v", m)
	}
	if updated == nil || updated.LeaderPhone != "13812345678" || updated.CreditCode != shequ.CreditCode(validCredit) ||
		updated.StatusSince == nil {
		t.Errorf("updated %+v", updated)
	}
	m = s.json(t, http.MethodPatch, "/api/v1/orgs/o1", `{"credit_code":"123"}`, "Cookie", id.session("worker"))
	if m["_status"] != 400.0 || m["error"].(map[string]any)["fields"].(map[string]any)["credit_code"] == nil {
		t.Errorf("%v", m)
	}
}

func TestOrgFormErrorsBesideFields(t *testing.T) {
	s, id := newRegisterServer(t, &mock.OrgService{}, nil)
	v := url.Values{"name": {"甲协会"}, "kind": {"charity"}, "community_code": {"330523001002"}, "legal_status": {"registered"},
		"credit_code": {"91330523MA2B3C4D5X"}, "status": {"active"}, "members": {"3"}, "grade": {"0"}, "leader_phone": {"13912345678"}}
	w := s.form(t, "/orgs", v, "Cookie", id.session("official"))
	body := w.Body.String()
	if w.Code != http.StatusBadRequest || !strings.Contains(body, `<p class="field-error" id="org-credit-code-error">`) ||
		!strings.Contains(body, `value="甲协会"`) || !strings.Contains(body, `id="form-error"`) {
		t.Fatalf("%d\n%s", w.Code, body)
	}
	v.Set("kind", "sports")
	v.Set("community_code", "110105001001")
	w = s.form(t, "/orgs", v, "Cookie", id.session("official"))
	if !strings.Contains(w.Body.String(), `id="org-kind-error"`) {
		t.Errorf("kind error missing:\n%s", w.Body)
	}
}

func TestOrgPages(t *testing.T) {
	var created *shequ.SocialOrg
	orgs := &mock.OrgService{
		FindOrgByIDFn: func(_ context.Context, id string) (*shequ.SocialOrg, error) { return testOrg(), nil },
		FindOrgsFn: func(_ context.Context, f shequ.OrgFilter) ([]*shequ.SocialOrg, int, error) {
			return []*shequ.SocialOrg{testOrg()}, 1, nil
		},
		CreateOrgFn: func(_ context.Context, o *shequ.SocialOrg) error { o.ID = "o7"; created = o; return nil },
	}
	s, id := newRegisterServer(t, orgs, nil)
	w := s.get(t, "/orgs/o1", "Cookie", id.session("worker"))
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, `id="org-leader-phone">138****5678<`) || strings.Contains(body, "13812345678") ||
		!strings.Contains(body, "公益慈善") || !strings.Contains(body, "2019年05月04日") && !strings.Contains(body, "2019年5月4日") {
		t.Errorf("%d\n%s", w.Code, body)
	}
	w = s.get(t, "/orgs?kind=charity", "Cookie", id.session("worker"))
	if w.Code != 200 || !strings.Contains(w.Body.String(), `href="/orgs/o1"`) || !strings.Contains(w.Body.String(), `id="nav-orgs"`) {
		t.Errorf("list %d", w.Code)
	}
	for _, p := range []string{"/orgs/new", "/orgs/o1/edit"} {
		if w := s.get(t, p, "Cookie", id.session("worker")); w.Code != 200 || !strings.Contains(w.Body.String(), `id="org-form"`) {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
	v := url.Values{"name": {"乙协会"}, "kind": {"harmony"}, "community_code": {"330523001002"}, "legal_status": {"filed"},
		"filed_with": {"330523001"}, "credit_code": {"ignored"}, "status": {"active"}, "serves": {"330523001201，330523001202"}}
	w = s.form(t, "/orgs", v, "Cookie", id.session("worker"))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/orgs/o7?notice=created" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if created.CreditCode != "" || created.FiledWith != "330523001" || len(created.Serves) != 2 {
		t.Errorf("%+v", created)
	}
}
