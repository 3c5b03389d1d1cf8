package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/mock"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testVersion is fixed so that golden files do not change with builds.
const testVersion = "1.0.0-test"

func ptr[T any](v T) *T { return &v }

// tree is a small slice of the real division tree, down the path the
// browser tests follow: 全国 → 浙江省 → 湖州市 → 安吉县 → 递铺街道.
type tree struct {
	divs     map[string]*shequ.Division
	children map[string][]string // parent code ("" = country) → child codes in order
}

func newTree() *tree {
	t := &tree{divs: map[string]*shequ.Division{}, children: map[string][]string{}}
	add := func(code, name string, set func(d *shequ.Division)) {
		d := &shequ.Division{Code: code, Name: name}
		d.Derive()
		for _, a := range shequ.AncestorCodes(code) {
			d.Path = append(d.Path, shequ.DivisionRef{Code: a, Name: t.divs[a].Name})
		}
		if set != nil {
			set(d)
		}
		t.divs[code] = d
		t.children[d.ParentCode] = append(t.children[d.ParentCode], code)
	}
	add("11", "北京市", nil)
	add("33", "浙江省", nil)
	add("3305", "湖州市", nil)
	add("330523", "安吉县", func(d *shequ.Division) {
		d.Terrain = ptr(shequ.TerrainHill)
		d.Population = ptr(int64(470000))
	})
	add("330523001", "递铺街道", func(d *shequ.Division) {
		d.Population = ptr(int64(123456))
		d.Households = ptr(int64(45678))
	})
	add("330523001002", "苕秀社区居委会", func(d *shequ.Division) {
		d.UrbanRural = ptr(shequ.UrbanRural("111"))
		d.Terrain = ptr(shequ.TerrainPlain)
		d.Population = ptr(int64(8123))
		d.Households = ptr(int64(3012))
		d.Lat, d.Lng = ptr(30.6381), ptr(119.6802)
	})
	add("330523100", "孝丰镇", nil)
	add("330523200", "杭垓乡", nil) // a township (乡), fictional code
	add("330523001201", "马家村", nil)
	for _, d := range t.divs {
		d.ChildrenCount = len(t.children[d.Code])
	}
	return t
}

// clone returns a copy so handlers may fill derived fields freely.
func (t *tree) clone(code string) *shequ.Division {
	c := *t.divs[code]
	c.Path = slices.Clone(c.Path)
	return &c
}

// service returns a mock backed by the tree, with the not-found and
// malformed-code behaviour the storage layer has.
func (t *tree) service() *mock.DivisionService {
	return &mock.DivisionService{
		FindDivisionByCodeFn: func(_ context.Context, code string) (*shequ.Division, error) {
			if err := shequ.ValidateDivisionCode(code); err != nil {
				return nil, err
			}
			if _, ok := t.divs[code]; !ok {
				return nil, shequ.Errorf(shequ.ENotFound, "division.not_found", "Division not found.")
			}
			return t.clone(code), nil
		},
		FindDivisionChildrenFn: func(_ context.Context, code string, offset, limit int) ([]*shequ.Division, int, error) {
			codes := t.children[code]
			var out []*shequ.Division
			for i := offset; i < len(codes) && i < offset+limit; i++ {
				c := t.clone(codes[i])
				c.Path = nil
				out = append(out, c)
			}
			return out, len(codes), nil
		},
		SearchDivisionsFn: func(_ context.Context, q string, limit int) ([]*shequ.Division, error) {
			var codes []string
			for c, d := range t.divs {
				if strings.Contains(d.Name, q) {
					codes = append(codes, c)
				}
			}
			slices.Sort(codes)
			var out []*shequ.Division
			for _, c := range codes {
				if len(out) < limit {
					out = append(out, t.clone(c))
				}
			}
			return out, nil
		},
	}
}

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	catOnce sync.Once
	cat     *i18n.Catalog
	catErr  error
)

func catalog(tb testing.TB) *i18n.Catalog {
	tb.Helper()
	catOnce.Do(func() { cat, catErr = i18n.New() })
	if catErr != nil {
		tb.Fatal(catErr)
	}
	return cat
}

// testServer is a Server with its log captured.
type testServer struct {
	*Server
	logs *syncBuffer
}

// newTestServer builds a server over svc (the Anji tree if nil); edit
// adjusts the config.
func newTestServer(tb testing.TB, svc shequ.DivisionService, edit ...func(*Config)) *testServer {
	tb.Helper()
	if svc == nil {
		svc = newTree().service()
	}
	logs := &syncBuffer{}
	cfg := Config{
		Version:   testVersion,
		Logger:    slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Catalog:   catalog(tb),
		Divisions: svc,
		Readiness: &mock.Readiness{},
	}
	for _, e := range edit {
		e(&cfg)
	}
	s, err := NewServer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return &testServer{s, logs}
}

// get performs a request; headers are name/value pairs.
func (s *testServer) do(tb testing.TB, method, target string, body io.Reader, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func (s *testServer) get(tb testing.TB, target string, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	return s.do(tb, http.MethodGet, target, nil, headers...)
}

// decode parses a JSON body into a generic value, so that tests compare
// the exact shape clients see.
func decode(tb testing.TB, w *httptest.ResponseRecorder) map[string]any {
	tb.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Fatalf("Content-Type = %q, want JSON; body:\n%s", ct, w.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		tb.Fatalf("decode %s: %v", w.Body, err)
	}
	return m
}

func TestNewServerRequiresServices(t *testing.T) {
	if _, err := NewServer(Config{Divisions: &mock.DivisionService{}}); err == nil {
		t.Error("no Catalog: want an error")
	}
	if _, err := NewServer(Config{Catalog: catalog(t)}); err == nil {
		t.Error("no Divisions: want an error")
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := newTestServer(t, nil)
	for _, target := range []string{"/", "/api/v1/divisions/33", "/no/such/page"} {
		w := s.get(t, target)
		h := w.Header()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", target, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP allows unsafe sources: %q", target, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", target, h)
		}
	}
}

func TestRequestID(t *testing.T) {
	s := newTestServer(t, nil)
	w := s.get(t, "/healthz", "X-Request-Id", "abc-123")
	if got := w.Header().Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("a plain incoming id is kept: got %q", got)
	}
	w = s.get(t, "/healthz", "X-Request-Id", "bad id\"<script>")
	if got := w.Header().Get("X-Request-Id"); got == "" || strings.ContainsAny(got, " \"<") {
		t.Errorf("an unsafe incoming id must be replaced: got %q", got)
	}
	w2 := s.get(t, "/healthz")
	if w2.Header().Get("X-Request-Id") == w.Header().Get("X-Request-Id") {
		t.Error("ids must differ between requests")
	}
	// The access log carries the id, the route pattern and snake_case keys.
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.logs.String()), "\n") {
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"request_id", "method", "path", "route", "status", "duration_ms"} {
		if _, ok := line[k]; !ok {
			t.Errorf("access log lacks %q: %v", k, line)
		}
	}
	if line["request_id"] != w2.Header().Get("X-Request-Id") || line["route"] != "/healthz" {
		t.Errorf("access log = %v", line)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	s := newTestServer(t, nil)
	form := "lang=en&return=/"
	tests := []struct {
		name    string
		headers []string
		want    int
	}{
		{"cross-site fetch", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"foreign origin", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"same-origin fetch", []string{"Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther},
		{"no browser headers", nil, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := append([]string{"Content-Type", "application/x-www-form-urlencoded"}, tt.headers...)
			w := s.do(t, http.MethodPost, "/prefs", strings.NewReader(form), h...)
			if w.Code != tt.want {
				t.Fatalf("status = %d, want %d; body:\n%s", w.Code, tt.want, w.Body)
			}
			if tt.want == http.StatusForbidden {
				if len(w.Result().Cookies()) != 0 {
					t.Error("a refused request must not set cookies")
				}
				if !strings.Contains(w.Body.String(), "跨站提交的请求已被拒绝。") {
					t.Errorf("want the localized refusal, got:\n%s", w.Body)
				}
			}
		})
	}
}

func TestPanicRecovered(t *testing.T) {
	svc := &mock.DivisionService{} // every method panics: "not set"
	s := newTestServer(t, svc)
	w := s.get(t, "/api/v1/divisions/33")
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d", w.Code)
	}
	body := decode(t, w)["error"].(map[string]any)
	if body["request_id"] != w.Header().Get("X-Request-Id") || strings.Contains(w.Body.String(), "mock") {
		t.Errorf("body = %s", w.Body)
	}
	if !strings.Contains(s.logs.String(), "FindDivisionByCode not set") {
		t.Error("the panic must be logged")
	}
}

func TestMethodNotAllowedAndNotFound(t *testing.T) {
	s := newTestServer(t, nil)
	w := s.do(t, http.MethodPost, "/divisions", nil)
	if w.Code != http.StatusMethodNotAllowed || !strings.Contains(w.Header().Get("Allow"), "GET") {
		t.Errorf("POST /divisions: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
	w = s.do(t, http.MethodDelete, "/api/v1/divisions/33", nil)
	if w.Code != http.StatusMethodNotAllowed || decode(t, w)["error"].(map[string]any)["code"] != "method_not_allowed" {
		t.Errorf("DELETE API: %d %s", w.Code, w.Body)
	}
	w = s.get(t, "/no/such/page")
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "您访问的页面不存在。") {
		t.Errorf("unknown page: %d\n%s", w.Code, w.Body)
	}
	w = s.get(t, "/api/v1/nothing")
	if w.Code != http.StatusNotFound || decode(t, w)["error"].(map[string]any)["code"] != "not_found" {
		t.Errorf("unknown API path: %d %s", w.Code, w.Body)
	}
}

func TestHeadServedLikeGet(t *testing.T) {
	s := newTestServer(t, nil)
	if w := s.do(t, http.MethodHead, "/divisions/33", nil); w.Code != http.StatusOK {
		t.Errorf("HEAD = %d", w.Code)
	}
}

// errSecret is an internal error whose text must never reach a client.
var errSecret = errors.New(`pq: relation "secret_table" does not exist`)
