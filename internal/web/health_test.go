package web

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shequ"
	"shequ/internal/mock"
)

func TestHealthz(t *testing.T) {
	s := newTestServer(t, nil)
	w := s.get(t, "/healthz")
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d", w.Code)
	}
	if diff := cmp.Diff(map[string]any{"status": "ok"}, decode(t, w)); diff != "" {
		t.Error(diff)
	}
}

func TestReadyz(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		lang   string
		status int
		want   map[string]any
	}{
		{"ready", nil, "", http.StatusOK, map[string]any{"status": "ready"}},
		{"schema behind", shequ.Errorf(shequ.EUnavailable, "schema.not_current", "The database schema is not current.").
			With(map[string]any{"Current": 1, "Latest": 2}), "", http.StatusServiceUnavailable,
			map[string]any{"status": "unavailable", "error": map[string]any{"code": "unavailable", "message": "数据库结构版本为 1，本程序需要版本 2；请先执行 shequ migrate。"}}},
		{"db down, english", shequ.Errorf(shequ.EUnavailable, "db.unreachable", "The database cannot be reached."), "en", http.StatusServiceUnavailable,
			map[string]any{"status": "unavailable", "error": map[string]any{"code": "unavailable", "message": "The database cannot be reached."}}},
		{"raw error stays hidden", errSecret, "", http.StatusServiceUnavailable,
			map[string]any{"status": "unavailable", "error": map[string]any{"code": "unavailable", "message": "服务暂不可用，请稍后再试。"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, nil, func(c *Config) {
				c.Readiness = &mock.Readiness{ReadyFn: func(ctx context.Context) error {
					if _, ok := ctx.Deadline(); !ok {
						t.Error("the readiness check must have a deadline")
					}
					return tt.err
				}}
			})
			w := s.get(t, "/readyz", "Accept-Language", tt.lang)
			if w.Code != tt.status {
				t.Fatalf("status = %d", w.Code)
			}
			if diff := cmp.Diff(tt.want, decode(t, w)); diff != "" {
				t.Error(diff)
			}
		})
	}
	s := newTestServer(t, nil, func(c *Config) { c.Readiness = nil })
	if w := s.get(t, "/readyz"); w.Code != http.StatusOK {
		t.Errorf("nil Readiness: %d", w.Code)
	}
}
