package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

func TestAPIDivisionGet(t *testing.T) {
	s := newTestServer(t, nil)
	tests := []struct {
		name   string
		target string
		status int
		want   map[string]any
	}{
		{"province", "/api/v1/divisions/33", http.StatusOK, map[string]any{
			"code": "33", "name": "浙江省", "level": "province", "parent_code": nil,
			"kind": nil, "township_kind": nil, "region": "east", "urban_rural": nil, "terrain": nil,
			"population": nil, "households": nil, "lat": nil, "lng": nil,
			"path": []any{}, "children_count": 1.0,
		}},
		{"township", "/api/v1/divisions/330523001", http.StatusOK, map[string]any{
			"code": "330523001", "name": "递铺街道", "level": "township", "parent_code": "330523",
			"kind": nil, "township_kind": "subdistrict", "region": "east", "urban_rural": nil, "terrain": nil,
			"population": 123456.0, "households": 45678.0, "lat": nil, "lng": nil,
			"path": []any{
				map[string]any{"code": "33", "name": "浙江省"},
				map[string]any{"code": "3305", "name": "湖州市"},
				map[string]any{"code": "330523", "name": "安吉县"},
			},
			"children_count": 2.0,
		}},
		{"community", "/api/v1/divisions/330523001002", http.StatusOK, map[string]any{
			"code": "330523001002", "name": "苕秀社区居委会", "level": "community", "parent_code": "330523001",
			"kind": "urban", "township_kind": nil, "region": "east", "urban_rural": "111", "terrain": "plain",
			"population": 8123.0, "households": 3012.0, "lat": 30.6381, "lng": 119.6802,
			"path": []any{
				map[string]any{"code": "33", "name": "浙江省"},
				map[string]any{"code": "3305", "name": "湖州市"},
				map[string]any{"code": "330523", "name": "安吉县"},
				map[string]any{"code": "330523001", "name": "递铺街道"},
			},
			"children_count": 0.0,
		}},
		{"malformed", "/api/v1/divisions/3x", http.StatusBadRequest, map[string]any{
			"error": map[string]any{"code": "invalid", "message": "区划代码应为 2、4、6、9 或 12 位数字。"},
		}},
		{"wrong length", "/api/v1/divisions/330", http.StatusBadRequest, map[string]any{
			"error": map[string]any{"code": "invalid", "message": "区划代码应为 2、4、6、9 或 12 位数字。"},
		}},
		{"unknown", "/api/v1/divisions/99", http.StatusNotFound, map[string]any{
			"error": map[string]any{"code": "not_found", "message": "未找到该行政区划。"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := s.get(t, tt.target)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if diff := cmp.Diff(tt.want, decode(t, w)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAPIErrorInEnglish(t *testing.T) {
	s := newTestServer(t, nil)
	w := s.get(t, "/api/v1/divisions/99", "Accept-Language", "en-US,en;q=0.9")
	want := map[string]any{"error": map[string]any{"code": "not_found", "message": "Division not found."}}
	if diff := cmp.Diff(want, decode(t, w)); diff != "" {
		t.Error(diff)
	}
}

func TestAPIDivisionChildren(t *testing.T) {
	s := newTestServer(t, nil)
	w := s.get(t, "/api/v1/divisions/330523001/children?limit=1&offset=1")
	want := map[string]any{
		"items": []any{map[string]any{
			"code": "330523001201", "name": "马家村", "level": "community", "parent_code": "330523001",
			"kind": "rural", "township_kind": nil, "region": "east", "urban_rural": nil, "terrain": nil,
			"population": nil, "households": nil, "lat": nil, "lng": nil, "children_count": 0.0,
		}},
		"total": 2.0, "limit": 1.0, "offset": 1.0,
	}
	if diff := cmp.Diff(want, decode(t, w)); diff != "" {
		t.Errorf("children (-want +got):\n%s", diff)
	}

	// The provinces, with default paging; no path in list items.
	got := decode(t, s.get(t, "/api/v1/divisions"))
	if got["total"] != 2.0 || got["limit"] != 50.0 || got["offset"] != 0.0 {
		t.Errorf("provinces page = %v", got)
	}
	items := got["items"].([]any)
	if len(items) != 2 || items[1].(map[string]any)["name"] != "浙江省" {
		t.Errorf("provinces = %v", items)
	}
	if _, ok := items[0].(map[string]any)["path"]; ok {
		t.Error("list items carry no path")
	}

	// A leaf has an empty list, not null; an unknown code is a 404.
	leaf := decode(t, s.get(t, "/api/v1/divisions/330523001002/children"))
	if diff := cmp.Diff(map[string]any{"items": []any{}, "total": 0.0, "limit": 50.0, "offset": 0.0}, leaf); diff != "" {
		t.Errorf("leaf (-want +got):\n%s", diff)
	}
	if w := s.get(t, "/api/v1/divisions/3399/children"); w.Code != http.StatusNotFound {
		t.Errorf("unknown parent: %d", w.Code)
	}
	if w := s.get(t, "/api/v1/divisions/abc/children"); w.Code != http.StatusBadRequest {
		t.Errorf("malformed parent: %d", w.Code)
	}
}

func TestAPIBadPaging(t *testing.T) {
	s := newTestServer(t, nil)
	tests := []struct {
		query  string
		fields map[string]any
	}{
		{"limit=abc", map[string]any{"limit": "必须是整数。"}},
		{"limit=-1", map[string]any{"limit": "不能为负数。"}},
		{"limit=0", map[string]any{"limit": "必须在 1 到 500 之间。"}},
		{"limit=501", map[string]any{"limit": "必须在 1 到 500 之间。"}},
		{"offset=-5", map[string]any{"offset": "不能为负数。"}},
		{"offset=1.5&limit=9999999999999999999999", map[string]any{"offset": "必须是整数。", "limit": "必须是整数。"}},
	}
	for _, path := range []string{"/api/v1/divisions", "/api/v1/divisions/33/children"} {
		for _, tt := range tests {
			t.Run(path+"?"+tt.query, func(t *testing.T) {
				w := s.get(t, path+"?"+tt.query)
				if w.Code != http.StatusBadRequest {
					t.Fatalf("status = %d: %s", w.Code, w.Body)
				}
				want := map[string]any{"error": map[string]any{
					"code": "invalid", "message": "部分内容填写有误，请检查后重试。", "fields": tt.fields,
				}}
				if diff := cmp.Diff(want, decode(t, w)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestAPISearch(t *testing.T) {
	var gotQ string
	var gotLimit int
	svc := newTree().service()
	search := svc.SearchDivisionsFn
	svc.SearchDivisionsFn = func(ctx context.Context, q string, limit int) ([]*shequ.Division, error) {
		gotQ, gotLimit = q, limit
		return search(ctx, q, limit)
	}
	s := newTestServer(t, svc)

	// "search" must reach the search handler, not be taken for {code}.
	w := s.get(t, "/api/v1/divisions/search?q="+url.QueryEscape(" 递铺 ")+"&limit=5")
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d: %s", w.Code, w.Body)
	}
	if gotQ != "递铺" || gotLimit != 5 {
		t.Errorf("service got q=%q limit=%d", gotQ, gotLimit)
	}
	want := map[string]any{"items": []any{map[string]any{
		"code": "330523001", "name": "递铺街道", "level": "township", "parent_code": "330523",
		"kind": nil, "township_kind": "subdistrict", "region": "east", "urban_rural": nil, "terrain": nil,
		"population": 123456.0, "households": 45678.0, "lat": nil, "lng": nil,
		"path": []any{
			map[string]any{"code": "33", "name": "浙江省"},
			map[string]any{"code": "3305", "name": "湖州市"},
			map[string]any{"code": "330523", "name": "安吉县"},
		},
		"children_count": 2.0,
	}}}
	if diff := cmp.Diff(want, decode(t, w)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	none := decode(t, s.get(t, "/api/v1/divisions/search?q=nothing"))
	if diff := cmp.Diff(map[string]any{"items": []any{}}, none); diff != "" {
		t.Errorf("no results (-want +got):\n%s", diff)
	}

	bad := []struct {
		query string
		field string
	}{
		{"", "q"},
		{"q=", "q"},
		{"q=%20%20", "q"},
		{"q=" + strings.Repeat("安", maxQueryRunes+1), "q"},
		{"q=a&limit=101", "limit"},
	}
	for _, tt := range bad {
		w := s.get(t, "/api/v1/divisions/search?"+tt.query)
		if w.Code != http.StatusBadRequest {
			t.Errorf("%q: status %d", tt.query, w.Code)
			continue
		}
		fields, _ := decode(t, w)["error"].(map[string]any)["fields"].(map[string]any)
		if _, ok := fields[tt.field]; !ok {
			t.Errorf("%q: fields = %v, want %q", tt.query, fields, tt.field)
		}
	}
}

func TestAPIInternalErrorHidesCause(t *testing.T) {
	svc := newTree().service()
	svc.FindDivisionByCodeFn = func(context.Context, string) (*shequ.Division, error) { return nil, errSecret }
	s := newTestServer(t, svc)
	w := s.get(t, "/api/v1/divisions/33")
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d", w.Code)
	}
	rid := w.Header().Get("X-Request-Id")
	want := map[string]any{"error": map[string]any{
		"code": "internal", "message": "服务器内部错误，请稍后再试。", "request_id": rid,
	}}
	if diff := cmp.Diff(want, decode(t, w)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if strings.Contains(w.Body.String(), "secret") {
		t.Error("the internal cause leaked")
	}
	logs := s.logs.String()
	if n := strings.Count(logs, `"msg":"internal error"`); n != 1 {
		t.Errorf("internal error logged %d times, want once:\n%s", n, logs)
	}
	if !strings.Contains(logs, "secret_table") || !strings.Contains(logs, `"request_id":"`+rid+`"`) {
		t.Errorf("the log must carry the cause and the request id:\n%s", logs)
	}
}

func TestErrorCodeStatus(t *testing.T) {
	for code, status := range statusByCode {
		svc := newTree().service()
		svc.FindDivisionByCodeFn = func(context.Context, string) (*shequ.Division, error) {
			return nil, shequ.Errorf(code, "", "Message for %s.", code)
		}
		s := newTestServer(t, svc)
		w := s.get(t, "/api/v1/divisions/33")
		if w.Code != status {
			t.Errorf("%s: status %d, want %d", code, w.Code, status)
		}
		e := decode(t, w)["error"].(map[string]any)
		if e["code"] != code {
			t.Errorf("%s: code %v", code, e["code"])
		}
		if code != shequ.EInternal && e["message"] != "Message for "+code+"." {
			t.Errorf("%s: an error without a key shows its message, got %v", code, e["message"])
		}
	}
}

// FuzzParseLimitOffset checks that paging parameters never panic and that
// what is accepted is in range.
func FuzzParseLimitOffset(f *testing.F) {
	for _, seed := range [][2]string{{"", ""}, {"50", "0"}, {"-1", "x"}, {"500", "2147483647"}, {"501", "2147483648"}, {"1e3", " 7"}, {"0x10", "+3"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, limit, offset string) {
		l, o, err := parseLimitOffset(url.Values{"limit": {limit}, "offset": {offset}}, defaultListLimit, maxListLimit)
		if err != nil {
			e := shequ.AsError(err)
			if e.Code != shequ.EInvalid || len(e.Fields) == 0 {
				t.Fatalf("err = %#v", e)
			}
			return
		}
		if l < 1 || l > maxListLimit || o < 0 || o > maxOffset {
			t.Fatalf("accepted limit=%d offset=%d from %q, %q", l, o, limit, offset)
		}
		if limit != "" && strconv.Itoa(l) != strings.TrimPrefix(limit, "+") {
			if n, _ := strconv.Atoi(limit); n != l {
				t.Fatalf("limit %q parsed as %d", limit, l)
			}
		}
	})
}
