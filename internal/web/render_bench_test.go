package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"shequ"
)

// BenchmarkRenderQueue renders the worker queue page of 20 requests for a
// signed-in community worker: the template work of the page the
// `shequ bench requests` queue figure fetches (its query is
// sqlstore.BenchmarkQueuePage).
func BenchmarkRenderQueue(b *testing.B) {
	s := newTestServer(b, nil)
	u := &shequ.User{ID: "0190a1b2-0000-7000-8000-000000000001", Username: "worker", Name: "社区工作者",
		Role: shequ.RoleCommunityWorker, Scope: "330523001002"}
	ctx := context.WithValue(shequ.WithActor(context.Background(), u.Actor()), ctxUser, u)
	r := httptest.NewRequest("GET", "/requests", nil).WithContext(ctx)
	due := time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)
	p := &requestsPage{Queue: true, CanHandle: true, Channels: shequ.Channels}
	var list []*shequ.ServiceRequest
	for i := range 20 {
		list = append(list, &shequ.ServiceRequest{ID: fmt.Sprintf("0190a1b2-0000-7000-8000-%012d", i),
			Number: fmt.Sprintf("330523-20261129-%06d", i), ItemName: "高龄津贴申领", State: shequ.RequestInProcess,
			Channel: shequ.ChannelWindow, DueAt: due.AddDate(0, 0, i-10)})
	}
	p.Rows = s.rows(r, list)
	for i := range 24 {
		p.Items = append(p.Items, itemOption{Code: fmt.Sprintf("MZ-%03d", i), Name: "最低生活保障申请", Selected: i == 3})
	}
	for _, st := range shequ.RequestStates {
		p.Tabs = append(p.Tabs, queueTab{State: st, Label: "办理中", Count: 1234, URL: "/requests?state=" + string(st)})
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.render(w, r, 200, "requests", "办件队列", p)
		if w.Code != 200 || w.Body.Len() < 5000 {
			b.Fatalf("status %d, %d bytes", w.Code, w.Body.Len())
		}
	}
}
