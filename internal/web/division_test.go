package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"shequ"
)

// golden compares got with testdata/name.golden, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/web -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./internal/web -update\n--- got:\n%s", path, got)
	}
}

// fixedRequestID makes the request id, which appears in pages, stable.
const fixedRequestID = "test-request-id"

func TestGoldenPages(t *testing.T) {
	s := newTestServer(t, nil)
	tests := []struct {
		name    string
		target  string
		status  int
		headers []string
	}{
		{"home", "/", http.StatusOK, nil},
		{"home_en_large", "/", http.StatusOK, []string{"Cookie", "lang=en; text=large"}},
		{"divisions_country", "/divisions", http.StatusOK, nil},
		{"division_county", "/divisions/330523", http.StatusOK, nil},
		{"division_community_en", "/divisions/330523001002", http.StatusOK, []string{"Accept-Language", "en"}},
		{"search", "/divisions/search?q=%E9%80%92%E9%93%BA", http.StatusOK, nil},
		{"search_fragment", "/divisions/search?q=%E5%AE%89", http.StatusOK, []string{"HX-Request", "true", "HX-Target", "search-results"}},
		{"error_not_found", "/divisions/99", http.StatusNotFound, nil},
		{"error_malformed_en", "/divisions/9x", http.StatusBadRequest, []string{"Accept-Language", "en"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := s.get(t, tt.target, append([]string{"X-Request-Id", fixedRequestID}, tt.headers...)...)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d:\n%s", w.Code, tt.status, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			golden(t, tt.name, w.Body.Bytes())
		})
	}
}

// linkRE finds the links of a division table: the drill-down hooks.
var linkRE = regexp.MustCompile(`<a href="/divisions/(\d+)" data-code="\d+">([^<]+)</a>`)

// TestDrillDown follows the links a user (and the browser test) follows:
// 全国 → 浙江省 → 湖州市 → 安吉县 → 递铺街道, checking each page's heading
// and breadcrumbs.
func TestDrillDown(t *testing.T) {
	s := newTestServer(t, nil)
	page := s.get(t, "/").Body.String()
	if !strings.Contains(page, `<a id="nav-divisions" href="/divisions">行政区划</a>`) {
		t.Fatalf("home lacks the division link:\n%s", page)
	}
	target := "/divisions"
	crumbs := []string{}
	for _, name := range []string{"浙江省", "湖州市", "安吉县", "递铺街道"} {
		body := s.get(t, target).Body.String()
		next := ""
		for _, m := range linkRE.FindAllStringSubmatch(body, -1) {
			if m[2] == name {
				next = "/divisions/" + m[1]
			}
		}
		if next == "" {
			t.Fatalf("%s has no link with text %q:\n%s", target, name, body)
		}
		target = next
		body = s.get(t, target).Body.String()
		if !strings.Contains(body, `<h1 id="page-title">`+name+`</h1>`) {
			t.Errorf("%s: h1 is not %q", target, name)
		}
		bc := body[strings.Index(body, `<nav aria-label="breadcrumb"`):]
		bc = bc[:strings.Index(bc, "</nav>")]
		for _, c := range append([]string{"全国"}, crumbs...) {
			if !strings.Contains(bc, ">"+c+"</a>") {
				t.Errorf("%s: breadcrumb lacks a link to %s:\n%s", target, c, bc)
			}
		}
		if !strings.Contains(bc, `<li aria-current="page">`+name+`</li>`) {
			t.Errorf("%s: breadcrumb does not end at %s", target, name)
		}
		crumbs = append(crumbs, name)
	}
}

func TestDivisionPageAttributes(t *testing.T) {
	s := newTestServer(t, nil)
	body := s.get(t, "/divisions/330523001").Body.String()
	for _, want := range []string{
		"<dt>区划代码</dt><dd class=\"code\">330523001</dd>",
		"<dt>级别</dt><dd>乡级</dd>",
		"<dt>类型</dt><dd>街道</dd>",
		"<dt>所属地区</dt><dd>东部</dd>",
		"<dt>城乡分类</dt><dd>未知</dd>",
		"<dt>人口</dt><dd>123,456 人</dd>",
		"<dt>户数</dt><dd>45,678 户</dd>",
		"<dt>坐标</dt><dd>未知</dd>",
		"下级区划（共 2 个）",
		`<td>居委会（城市社区）</td>`,
		`<td>村委会（农村社区）</td>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	en := s.get(t, "/divisions/330523001", "Cookie", "lang=en").Body.String()
	for _, want := range []string{`<html lang="en">`, "<dt>Level</dt><dd>Township</dd>", "<dt>Urban-rural class</dt><dd>unknown</dd>", "Community Public Service Platform"} {
		if !strings.Contains(en, want) {
			t.Errorf("English page lacks %q", want)
		}
	}
}

func TestDivisionPaging(t *testing.T) {
	const total = 120
	var gotOffsets []int
	svc := newTree().service()
	svc.FindDivisionChildrenFn = func(_ context.Context, code string, offset, limit int) ([]*shequ.Division, int, error) {
		gotOffsets = append(gotOffsets, offset)
		var out []*shequ.Division
		for i := offset; i < total && i < offset+limit; i++ {
			d := &shequ.Division{Code: fmt.Sprintf("330523%03d", i+1), Name: fmt.Sprintf("第%d街道", i+1)}
			d.Derive()
			out = append(out, d)
		}
		return out, total, nil
	}
	s := newTestServer(t, svc)

	first := s.get(t, "/divisions/330523").Body.String()
	if !strings.Contains(first, `id="page-next" rel="next" href="/divisions/330523?page=2"`) || strings.Contains(first, "page-prev") {
		t.Errorf("page 1 links wrong")
	}
	if !strings.Contains(first, "第 1 页，共 3 页") {
		t.Error("page 1 status missing")
	}
	mid := s.get(t, "/divisions/330523?page=2").Body.String()
	if !strings.Contains(mid, `href="/divisions/330523"`) || !strings.Contains(mid, `href="/divisions/330523?page=3"`) {
		t.Error("page 2 must link to pages 1 and 3")
	}
	if !strings.Contains(mid, `hx-get="/divisions/330523?page=3" hx-push-url="true"`) {
		t.Error("paging links are htmx-enhanced")
	}
	last := s.get(t, "/divisions/330523?page=3").Body.String()
	if strings.Contains(last, "page-next") || strings.Count(last, `data-code=`) != 20 {
		t.Error("page 3 holds the last 20 and no next link")
	}
	if fmt.Sprint(gotOffsets) != "[0 50 100]" {
		t.Errorf("offsets = %v", gotOffsets)
	}

	// htmx asks for the table alone.
	frag := s.get(t, "/divisions/330523?page=2", "HX-Request", "true", "HX-Target", "children")
	fb := frag.Body.String()
	if !strings.HasPrefix(fb, `<section id="children"`) || strings.Contains(fb, "<html") {
		t.Errorf("fragment:\n%s", fb)
	}
	if !strings.Contains(frag.Header().Get("Vary"), "HX-Request") {
		t.Error("fragment responses must Vary on HX-Request")
	}
	// A history restore gets the whole page.
	full := s.get(t, "/divisions/330523?page=2", "HX-Request", "true", "HX-Target", "children", "HX-History-Restore-Request", "true")
	if !strings.Contains(full.Body.String(), "<html") {
		t.Error("history restore must get the full page")
	}

	for _, bad := range []string{"0", "-1", "x", "99999999999"} {
		w := s.get(t, "/divisions/330523?page="+bad)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "<code>page</code>") {
			t.Errorf("page=%s: %d", bad, w.Code)
		}
	}
}

func TestDivisionPageErrors(t *testing.T) {
	s := newTestServer(t, nil)
	tests := []struct {
		target, lang string
		status       int
		want         string
	}{
		{"/divisions/12345", "", http.StatusBadRequest, "区划代码应为 2、4、6、9 或 12 位数字。"},
		{"/divisions/00", "", http.StatusBadRequest, "区划代码应为 2、4、6、9 或 12 位数字。"},
		{"/divisions/3399", "", http.StatusNotFound, "未找到该行政区划。"},
		{"/divisions/3399", "en", http.StatusNotFound, "Division not found."},
	}
	for _, tt := range tests {
		w := s.get(t, tt.target, "Accept-Language", tt.lang)
		if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("%s (%s): %d, want %d and %q", tt.target, tt.lang, w.Code, tt.status, tt.want)
		}
	}
	// A client asking for JSON gets JSON, even off /api/.
	w := s.get(t, "/divisions/3399", "Accept", "application/json")
	if decode(t, w)["error"].(map[string]any)["code"] != "not_found" {
		t.Errorf("JSON error: %s", w.Body)
	}
}

func TestHTMLInternalError(t *testing.T) {
	svc := newTree().service()
	svc.FindDivisionChildrenFn = func(context.Context, string, int, int) ([]*shequ.Division, int, error) {
		return nil, 0, fmt.Errorf("list children: %w", errSecret)
	}
	s := newTestServer(t, svc)
	w := s.get(t, "/divisions", "X-Request-Id", "rid-42")
	body := w.Body.String()
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d", w.Code)
	}
	if !strings.Contains(body, "服务器内部错误，请稍后再试。") || !strings.Contains(body, "请求编号：rid-42") {
		t.Errorf("page lacks the generic message and the request id:\n%s", body)
	}
	if strings.Contains(body, "secret") || strings.Contains(body, "list children") {
		t.Error("the internal cause leaked into the page")
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Error("error pages must not be cached")
	}
}

func TestSearchPage(t *testing.T) {
	s := newTestServer(t, nil)
	// The route is not shadowed by /divisions/{code}.
	w := s.get(t, "/divisions/search?q=%E5%AE%89%E5%90%89")
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, `<a href="/divisions/330523" data-code="330523">安吉县</a>`) {
		t.Fatalf("search page: %d\n%s", w.Code, body)
	}
	if !strings.Contains(body, "浙江省 › 湖州市") || !strings.Contains(body, `value="安吉"`) {
		t.Error("results show the path, and the box keeps the query")
	}
	empty := s.get(t, "/divisions/search")
	if empty.Code != http.StatusOK || !strings.Contains(empty.Body.String(), "请输入行政区划名称进行搜索。") {
		t.Errorf("empty search: %d", empty.Code)
	}
	none := s.get(t, "/divisions/search?q=xyz").Body.String()
	if !strings.Contains(none, "没有找到名称包含“xyz”的行政区划。") {
		t.Error("no-result message missing")
	}
	// The plain form works without JavaScript; htmx attributes enhance it.
	home := s.get(t, "/").Body.String()
	for _, want := range []string{
		`<form class="search" action="/divisions/search" method="get" role="search">`,
		`hx-get="/divisions/search" hx-trigger="keyup changed delay:300ms, search"`,
		`<div id="search-results"`,
	} {
		if !strings.Contains(home, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	xss := s.get(t, "/divisions/search?q=%3Cscript%3E").Body.String()
	if strings.Contains(xss, "<script>") {
		t.Error("the query must be escaped")
	}
}
