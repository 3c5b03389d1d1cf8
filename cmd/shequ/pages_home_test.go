package main

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"shequ"
)

// TestHomePerRole: each role starts where its work is, on both engines
// with the demo. A resident's 我的 shows their requests with their states,
// the delegation waiting for their consent, their needs, messages and the
// services as large buttons; a worker's 待办 the queue's counts and the
// consents pending; an official's 工作台 the project waiting for approval
// and the targets not met. No home page says 建设中, and every link of
// every home page, and of the pages they lead to, opens for that role (a
// walk two links deep: the tiles 社会组织 / 社会工作者 / 指标 led to 403s).
func TestHomePerRole(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, m := startDemo(t, dsn)
		// The worker's requests waiting for materials, as the store counts
		// them in the worker's scope (the demo files several).
		ctx := cliContext(t.Context())
		worker, err := m.svc.users.FindUserByUsername(ctx, "demo-worker")
		if err != nil {
			t.Fatal(err)
		}
		_, waiting, err := m.svc.requests.Find(shequ.WithActor(ctx, worker.Actor()),
			shequ.RequestFilter{States: []shequ.RequestState{shequ.RequestAwaitingMaterials}, Limit: 1})
		if err != nil || waiting == 0 {
			t.Fatalf("requests waiting for materials: %d %v", waiting, err)
		}
		count := func(page, id string) string {
			m := regexp.MustCompile(`id="` + id + `" href="[^"]*"><span class="count-n">([0-9,]+)</span>`).FindStringSubmatch(page)
			if m == nil {
				return ""
			}
			return m[1]
		}
		for _, tt := range []struct {
			user   string
			title  string
			want   []string
			counts map[string]string
		}{
			{"demo-resident", "<h1 id=\"page-title\">我的</h1>", []string{`id="home-services"`, `class="big-button"`, "居家养老服务申请",
				"待补正", "已办结", `id="home-consent"`, "希望增加广场舞场地", `href="/notifications"`}, nil},
			{"demo-worker", "<h1 id=\"page-title\">待办</h1>", []string{"王建国", "李秀英", `id="home-desk"`},
				map[string]string{"count-awaiting_materials": strconv.Itoa(waiting), "count-consents": "2", "count-overdue": "0", "count-needs": "2"}},
			{"demo-official", "<h1 id=\"page-title\">工作台</h1>", []string{"健康小屋进楼道", `id="gap-orgs_per_urban_community"`},
				map[string]string{"count-approvals": "1"}},
			{"demo-org", "<h1 id=\"page-title\">工作台</h1>", []string{`id="tile-calls"`, `id="tile-orgs"`, `id="count-calls"`}, nil},
			{"demo-property", "<h1 id=\"page-title\">工作台</h1>", []string{`id="tile-complaints"`},
				map[string]string{"count-complaints-waiting": "1", "count-complaints-overdue": "0"}},
			{"demo-social", "<h1 id=\"page-title\">工作台</h1>", []string{`id="count-activities"`, `id="count-cases"`}, nil},
			{"demo-auditor", "", []string{`id="tile-audit"`}, nil},
			{"", "", []string{`id="home-lookup"`, `id="home-apply"`, `id="tile-public"`}, nil},
		} {
			s := openSession(t, base, tt.user)
			code, home := s.get("/")
			if code != http.StatusOK {
				t.Fatalf("%q: home %d", tt.user, code)
			}
			main := section(home, "<main", "</main>")
			if !strings.Contains(main, tt.title) {
				t.Errorf("%q: title %q missing", tt.user, tt.title)
			}
			for _, w := range tt.want {
				if !strings.Contains(main, w) {
					t.Errorf("%q: home lacks %q", tt.user, w)
				}
			}
			for id, n := range tt.counts {
				if got := count(main, id); got != n {
					t.Errorf("%q: %s = %q, want %s", tt.user, id, got, n)
				}
			}
		}
		for _, user := range demoRoles() {
			s := openSession(t, base, user)
			_, home := s.get("/")
			if strings.Contains(home, "建设中") {
				t.Errorf("%q: the home page says 建设中", user)
			}
			seen := map[string]bool{"/": true}
			walk := []string{"/"}
			for depth := 0; depth < 2; depth++ {
				var next []string
				for _, from := range walk {
					_, page := s.open(from)
					for _, h := range links(section(page, "<main", "</main>")) {
						if seen[h] || strings.HasPrefix(h, "/static/") {
							continue
						}
						seen[h] = true
						code, _ := s.open(h)
						if code == http.StatusForbidden || code == http.StatusNotFound || code >= 500 {
							t.Errorf("%q: %s links %s, which answers %d", user, from, h, code)
						}
						next = append(next, h)
					}
				}
				walk = next
			}
		}
	})
}
