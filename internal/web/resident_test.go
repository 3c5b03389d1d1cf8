package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shequ"
	"shequ/internal/mock"
)

// testResident is a stored resident as the service returns it (numbers in
// clear; the web layer masks them).
func testResident() *shequ.Resident {
	return &shequ.Resident{ID: "r1", Name: "王秀英", IDNumber: idElderly, Phone: "13812345678",
		Community: "330523001002", HouseholdID: "h1", Relation: shequ.RelationHead,
		Tags: []shequ.Tag{shequ.TagDibao, "独居"}, CreatedAt: testNow, UpdatedAt: testNow}
}

// residentService answers FindResidentByID with testResident for "r1"
// and ErrNotFound (out of scope) otherwise, recording the reveal flags.
func residentService(reveals *[]bool) *mock.ResidentService {
	return &mock.ResidentService{
		FindResidentByIDFn: func(_ context.Context, id string, reveal bool) (*shequ.Resident, error) {
			*reveals = append(*reveals, reveal)
			if id != "r1" {
				return nil, shequ.ErrNotFound
			}
			return testResident(), nil
		},
	}
}

func TestResidentShowMasked(t *testing.T) {
	var reveals []bool
	s, id := newIdentityServer(t, residentService(&reveals))
	w := s.get(t, "/residents/r1", "Cookie", id.session("worker"))
	if w.Code != http.StatusOK {
		t.Fatalf("%d\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, want := range []string{`id="resident-id-number">1****************X<`, `id="resident-phone">138****5678<`,
		`id="resident-sex">女<`, "已隐藏（显示完整号码后可见）", "76 岁", ">60岁以上<", ">低保<", ">独居<", "户主",
		`id="resident-reveal"`, `id="resident-verify"`} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(body, idElderly) || strings.Contains(body, "13812345678") || strings.Contains(body, "1949年12月31日") {
		t.Error("a full number or the birth date is shown without reveal")
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Error("personal data must not be cached")
	}
	// An official may read but not reveal: no button.
	w = s.get(t, "/residents/r1", "Cookie", id.session("official"))
	if strings.Contains(w.Body.String(), `id="resident-reveal"`) || strings.Contains(w.Body.String(), `id="resident-edit"`) {
		t.Error("controls shown to an official")
	}
	if diff := cmp.Diff([]bool{false, false}, reveals); diff != "" {
		t.Errorf("reveal flags (-want +got):\n%s", diff)
	}
}

func TestResidentReveal(t *testing.T) {
	var reveals []bool
	s, id := newIdentityServer(t, residentService(&reveals))
	w := s.form(t, "/residents/r1/reveal", nil, "Cookie", id.session("worker"))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="resident-id-number">`+idElderly+`<`) ||
		!strings.Contains(w.Body.String(), "13812345678") || !strings.Contains(w.Body.String(), "1949年12月31日") {
		t.Fatalf("%d\n%s", w.Code, w.Body)
	}
	// Without the permission: 403 on page and API, the service not asked.
	w = s.form(t, "/residents/r1/reveal", nil, "Cookie", id.session("official"))
	if w.Code != http.StatusForbidden {
		t.Errorf("page: %d", w.Code)
	}
	w = s.get(t, "/api/v1/residents/r1?reveal=1", "Cookie", id.session("official"))
	if w.Code != http.StatusForbidden || decode(t, w)["error"].(map[string]any)["code"] != "forbidden" {
		t.Errorf("API: %d %s", w.Code, w.Body)
	}
	if diff := cmp.Diff([]bool{true}, reveals); diff != "" {
		t.Errorf("reveal flags (-want +got):\n%s", diff)
	}
	w = s.get(t, "/api/v1/residents/r1?reveal=1", "Cookie", id.session("worker"))
	if got := decode(t, w); got["id_number"] != idElderly || got["phone"] != "13812345678" {
		t.Errorf("revealed API: %v", got)
	}
}

func TestResidentOutOfScope(t *testing.T) {
	var reveals []bool
	s, id := newIdentityServer(t, residentService(&reveals))
	c := id.session("worker")
	if w := s.get(t, "/residents/r2", "Cookie", c); w.Code != http.StatusNotFound {
		t.Errorf("page: %d", w.Code)
	}
	if w := s.get(t, "/residents/r2/edit", "Cookie", c); w.Code != http.StatusNotFound {
		t.Errorf("edit page: %d", w.Code)
	}
	w := s.get(t, "/api/v1/residents/r2", "Cookie", c)
	if w.Code != http.StatusNotFound || decode(t, w)["error"].(map[string]any)["code"] != "not_found" {
		t.Errorf("API: %d %s", w.Code, w.Body)
	}
	// Roles without resident.read are refused before the service.
	if w := s.get(t, "/residents/r1", "Cookie", id.session("auditor")); w.Code != http.StatusForbidden {
		t.Errorf("auditor: %d", w.Code)
	}
}

func TestResidentAPIJSON(t *testing.T) {
	var reveals []bool
	s, id := newIdentityServer(t, residentService(&reveals))
	w := s.get(t, "/api/v1/residents/r1", "Cookie", id.session("worker"))
	got := decode(t, w)
	want := map[string]any{
		"id": "r1", "name": "王秀英", "id_number": "1****************X", "phone": "138****5678",
		"community_code": "330523001002", "household_id": "h1", "relation": "head",
		"tags": []any{"elderly_60", "dibao", "独居"}, "birth_date": nil, "age": float64(76), "sex": "female",
		"verified": false, "verified_at": nil, "created_at": "2026-11-29T06:00:00Z", "updated_at": "2026-11-29T06:00:00Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resident JSON (-want +got):\n%s", diff)
	}
}

func TestResidentCreateAPI(t *testing.T) {
	var created []*shequ.Resident
	res := &mock.ResidentService{CreateResidentFn: func(_ context.Context, r *shequ.Resident) error {
		if r.IDNumber == idChild {
			return shequ.Errorf(shequ.EConflict, "resident.id_number.taken", "A resident with this ID number exists already.")
		}
		r.ID, r.CreatedAt, r.UpdatedAt = "r9", testNow, testNow
		created = append(created, r)
		return nil
	}}
	s, id := newIdentityServer(t, res)
	c := id.session("worker")
	post := func(body string) (*http.Response, map[string]any) {
		w := s.do(t, http.MethodPost, "/api/v1/residents", strings.NewReader(body), "Content-Type", "application/json", "Cookie", c)
		return w.Result(), decode(t, w)
	}
	r, got := post(`{"name":"王秀英","id_number":"110105194912310021","phone":"138 1234 5678","community_code":"330523001002"}`)
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("invalid ID: %d %v", r.StatusCode, got)
	}
	e := got["error"].(map[string]any)
	fields, _ := e["fields"].(map[string]any)
	if e["code"] != "invalid" || !strings.Contains(fields["id_number"].(string), "身份证号无效") || len(fields) != 1 {
		t.Errorf("error = %v", e)
	}
	if len(created) != 0 {
		t.Error("an invalid resident reached the service")
	}
	r, got = post(`{"name":"王秀英","id_number":"11010519491231002x","phone":"138 1234 5678","community_code":"330523001002","tags":["dibao"]}`)
	if r.StatusCode != http.StatusCreated || got["id_number"] != "1****************X" || got["phone"] != "138****5678" ||
		r.Header.Get("Location") != "/api/v1/residents/r9" {
		t.Errorf("create: %d %v", r.StatusCode, got)
	}
	if len(created) != 1 || created[0].IDNumber != idElderly || created[0].Phone != "13812345678" {
		t.Errorf("stored %+v", created)
	}
	r, got = post(`{"name":"李小花","id_number":"` + idChild + `","community_code":"330523001002"}`)
	if r.StatusCode != http.StatusConflict || got["error"].(map[string]any)["code"] != "conflict" {
		t.Errorf("duplicate: %d %v", r.StatusCode, got)
	}
	r, _ = post(`{"name":"x","unknown_field":1}`)
	if r.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown field: %d", r.StatusCode)
	}
	// An official may read but not write.
	w := s.do(t, http.MethodPost, "/api/v1/residents", strings.NewReader(`{}`), "Cookie", id.session("official"))
	if w.Code != http.StatusForbidden {
		t.Errorf("official: %d", w.Code)
	}
}

func TestResidentCreatePage(t *testing.T) {
	res := &mock.ResidentService{CreateResidentFn: func(_ context.Context, r *shequ.Resident) error {
		r.ID = "r9"
		return nil
	}}
	s, id := newIdentityServer(t, res)
	c := id.session("worker")
	if w := s.get(t, "/residents/new", "Cookie", c); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `value="330523001002"`) {
		t.Errorf("new form: %d (community defaults to the worker's)", w.Code)
	}
	v := url.Values{"name": {"王秀英"}, "id_number": {"110105194912310021"}, "phone": {"12345"},
		"community_code": {"330523001002"}, "tags": {"dibao"}, "other_tags": {"独居，空巢"}}
	w := s.form(t, "/residents", v, "Cookie", c)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("%d\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, want := range []string{
		`<p class="field-error" id="resident-id-number-error">身份证号无效`,
		`id="resident-id-number" name="id_number" value="110105194912310021"`,
		`aria-invalid="true" aria-describedby="resident-id-number-error resident-id-number-hint"`,
		`id="resident-phone-error"`, `value="王秀英"`, `id="resident-tag-dibao" checked`, `value="独居，空巢"`,
		`role="alert" id="form-error"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(body, `id="resident-name-error"`) {
		t.Error("a valid field shows an error")
	}
	v.Set("id_number", idElderly)
	v.Set("phone", "13812345678")
	w = s.form(t, "/residents", v, "Cookie", c)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/residents/r9?notice=created" {
		t.Errorf("valid: %d %q\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
}

func TestResidentListFilters(t *testing.T) {
	var got []shequ.ResidentFilter
	res := &mock.ResidentService{FindResidentsFn: func(_ context.Context, f shequ.ResidentFilter) ([]*shequ.Resident, int, error) {
		got = append(got, f)
		return []*shequ.Resident{testResident()}, 45, nil
	}}
	s, id := newIdentityServer(t, res)
	c := id.session("worker")
	w := s.get(t, "/api/v1/residents?community=330523&q=%E7%8E%8B&id_number=11010519491231002x&tag=dibao&limit=10&offset=20", "Cookie", c)
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	list := decode(t, w)
	if list["total"] != float64(45) || len(list["items"].([]any)) != 1 ||
		list["items"].([]any)[0].(map[string]any)["id_number"] != "1****************X" {
		t.Errorf("list = %v", list)
	}
	w = s.get(t, "/residents?page=2&tag=dibao", "Cookie", c)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "1****************X") ||
		!strings.Contains(w.Body.String(), `href="/residents?community=330523001002&amp;page=3&amp;tag=dibao"`) {
		t.Errorf("page: %d\n%s", w.Code, w.Body)
	}
	want := []shequ.ResidentFilter{
		{Community: "330523", Query: "王", IDNumber: idElderly, Tag: "dibao", Offset: 20, Limit: 10},
		{Community: "330523001002", Tag: "dibao", Offset: residentPageSize, Limit: residentPageSize},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("filters (-want +got):\n%s", diff)
	}
	w = s.get(t, "/api/v1/residents?id_number=123", "Cookie", c)
	if w.Code != http.StatusBadRequest || decode(t, w)["error"].(map[string]any)["fields"].(map[string]any)["id_number"] == nil {
		t.Errorf("bad id_number: %d %s", w.Code, w.Body)
	}
}

func TestAuditPage(t *testing.T) {
	var got []shequ.AuditFilter
	recs := []*shequ.AuditRecord{{Seq: 1, Time: testNow, ActorName: "worker", Role: shequ.RoleCommunityWorker,
		Action: "resident.reveal", ObjectType: "resident", ObjectID: "r1", Division: "330523001002",
		Result: shequ.AuditAllowed, ClientAddr: "192.0.2.1", RequestID: "req1", Detail: "=HYPERLINK(\"x\")"}}
	s, id := newIdentityServer(t, nil, func(c *Config) {
		c.Audit = &mock.AuditService{FindAuditRecordsFn: func(_ context.Context, f shequ.AuditFilter) ([]*shequ.AuditRecord, int, error) {
			got = append(got, f)
			return recs, 1, nil
		}}
	})
	for _, who := range []string{"worker", "sysadmin", "secadmin"} {
		if w := s.get(t, "/audit", "Cookie", id.session(who)); w.Code != http.StatusForbidden {
			t.Errorf("%s: %d", who, w.Code)
		}
		if w := s.get(t, "/audit.csv", "Cookie", id.session(who)); w.Code != http.StatusForbidden {
			t.Errorf("%s csv: %d", who, w.Code)
		}
	}
	c := id.session("auditor")
	q := "?actor=worker&object_type=resident&object_id=r1&division=330523&action=resident.reveal&from=2026-11-01&to=2026-11-29"
	w := s.get(t, "/audit"+q, "Cookie", c)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "2026年11月29日 14:00") ||
		!strings.Contains(w.Body.String(), "社区工作者") || !strings.Contains(w.Body.String(), `id="audit-csv"`) {
		t.Errorf("page: %d\n%s", w.Code, w.Body)
	}
	w = s.get(t, "/audit.csv"+q, "Cookie", c)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %v", w.Code, w.Header())
	}
	b := w.Body.Bytes()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatal("the CSV must start with a UTF-8 BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantRows := [][]string{
		{"时间", "操作人", "角色", "操作", "对象", "区划", "结果", "来源地址", "请求编号", "说明"},
		{"2026-11-29 14:00:00", "worker", "社区工作者", "resident.reveal", "resident r1", "330523001002", "允许", "192.0.2.1", "req1", "'=HYPERLINK(\"x\")"},
	}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}
	w = s.get(t, "/api/v1/audit"+q+"&limit=5", "Cookie", c)
	if w.Code != http.StatusOK || decode(t, w)["total"] != float64(1) {
		t.Errorf("API: %d %s", w.Code, w.Body)
	}
	from := time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 29, 15, 59, 59, 999999999, time.UTC)
	base := shequ.AuditFilter{ActorName: "worker", ObjectType: "resident", ObjectID: "r1", Division: "330523",
		Action: "resident.reveal", From: &from, To: &to}
	page, export, api := base, base, base
	page.Limit = auditPageSize
	export.Limit = 1000
	api.Limit = 5
	if diff := cmp.Diff([]shequ.AuditFilter{page, export, api}, got); diff != "" {
		t.Errorf("filters (-want +got):\n%s", diff)
	}
	if w := s.get(t, "/audit?from=2026-13-01", "Cookie", c); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `id="audit-from-error"`) {
		t.Errorf("bad date: %d", w.Code)
	}
}

func TestUsersPage(t *testing.T) {
	var created []*shequ.User
	s, id := newIdentityServer(t, nil, func(c *Config) {
		u := c.Users.(*mock.UserService)
		u.FindUsersFn = func(_ context.Context, f shequ.UserFilter) ([]*shequ.User, int, error) {
			until := testNow.Add(5 * time.Minute)
			return []*shequ.User{{ID: "u-x", Username: "zhang", Role: shequ.RoleCommunityWorker, Scope: "330523", LockedUntil: &until}}, 1, nil
		}
		u.CreateUserFn = func(_ context.Context, nu *shequ.User, hash string) error {
			if hash != "h:a long initial passphrase" {
				t.Errorf("hash = %q", hash)
			}
			created = append(created, nu)
			return nil
		}
	})
	if w := s.get(t, "/users", "Cookie", id.session("worker")); w.Code != http.StatusForbidden {
		t.Errorf("worker: %d", w.Code)
	}
	w := s.get(t, "/users", "Cookie", id.session("sysadmin"))
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "安吉县") || !strings.Contains(body, `id="user-form"`) ||
		!strings.Contains(body, `id="user-disable-zhang"`) || strings.Contains(body, `id="user-unlock-zhang"`) {
		t.Errorf("sysadmin page: %d\n%s", w.Code, body)
	}
	w = s.get(t, "/users", "Cookie", id.session("secadmin"))
	if body := w.Body.String(); !strings.Contains(body, `id="user-unlock-zhang"`) || strings.Contains(body, `id="user-form"`) {
		t.Errorf("secadmin page:\n%s", body)
	}
	c := id.session("sysadmin")
	w = s.form(t, "/users", url.Values{"username": {"lisi"}, "role": {"official"}, "scope": {"330523"}, "password": {"short"}}, "Cookie", c)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `id="user-password-error"`) {
		t.Errorf("weak password: %d", w.Code)
	}
	w = s.form(t, "/users", url.Values{"username": {"lisi"}, "role": {"official"}, "scope": {"330523"},
		"password": {"a long initial passphrase"}}, "Cookie", c)
	if w.Code != http.StatusSeeOther || len(created) != 1 || !created[0].MustChangePassword || created[0].Role != shequ.RoleOfficial {
		t.Errorf("create: %d %+v", w.Code, created)
	}
}
