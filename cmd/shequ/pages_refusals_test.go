//go:build !race

package main

import (
	"bytes"
	"net/http"
	"net/url"
	"testing"
)

// TestDemoPagesRecordRefusals: a form on a record's page that the store
// refuses shows the record's page again (not the error page), at the
// error's status, with the reason: the team page's member forms (bad
// volunteer, the leader leaving, a non-member removed — never cached) and
// the facility page's photo upload (no file, not an image), through the
// real store on both engines. All go through registerMount.recordFailed.
func TestDemoPagesRecordRefusals(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, _, _ := startDemoServer(t, dsn)
		worker := newPageClient(t, base, "demo-worker")

		var teams struct {
			Items []struct {
				ID     string `json:"id"`
				Leader string `json:"leader"`
			} `json:"items"`
		}
		if code := worker.json("GET", "/api/v1/volunteer-teams?limit=1", nil, &teams); code != 200 || len(teams.Items) == 0 {
			t.Fatalf("teams: %d %+v", code, teams)
		}
		team := teams.Items[0]
		members := "/volunteer-teams/" + team.ID + "/members"
		for _, c := range []struct {
			name, path string
			form       url.Values
			status     int
			want       []string
		}{
			{"a volunteer of nowhere", members, url.Values{"volunteer_id": {"00000000-0000-4000-8000-000000000000"}},
				http.StatusBadRequest, []string{"表单中有错误", `id="team-add-volunteer-error"`, "队员须是本社区"}},
			{"the leader leaving", members + "/" + team.Leader + "/remove", nil,
				http.StatusConflict, []string{"队长不能退出服务队"}},
			{"a non-member removed", members + "/00000000-0000-4000-8000-000000000000/remove", nil,
				http.StatusNotFound, []string{"该志愿者不是本队队员"}},
		} {
			code, body, h := worker.postForm(c.path, c.form)
			if code != c.status || !bytes.Contains(body, []byte(`id="team-add-form"`)) {
				t.Errorf("%s: %d, the team page %v", c.name, code, bytes.Contains(body, []byte(`id="team-add-form"`)))
			}
			for _, w := range c.want {
				if !bytes.Contains(body, []byte(w)) {
					t.Errorf("%s: the page lacks %q", c.name, w)
				}
			}
			if cc := h.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("%s: Cache-Control %q", c.name, cc)
			}
		}
		// A team of another scope is the error page, not the team's.
		code, body, _ := worker.postForm("/volunteer-teams/00000000-0000-4000-8000-000000000000/members",
			url.Values{"volunteer_id": {"x"}})
		if code != http.StatusNotFound || bytes.Contains(body, []byte(`id="team-add-form"`)) {
			t.Errorf("an unknown team: %d, the team page %v", code, bytes.Contains(body, []byte(`id="team-add-form"`)))
		}

		var facs struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if code := worker.json("GET", "/api/v1/facilities?limit=1", nil, &facs); code != 200 || len(facs.Items) == 0 {
			t.Fatalf("facilities: %d %+v", code, facs)
		}
		photos := "/facilities/" + facs.Items[0].ID + "/photos"
		for _, c := range []struct {
			name  string
			files map[string]formFile
			want  []string
		}{
			{"no file", nil, []string{"请选择要上传的文件。"}},
			{"not an image", map[string]formFile{"photo": {"a.txt", []byte("not an image at all")}},
				[]string{`id="facility-photo-error"`, "照片须为 JPEG、PNG 或 WebP 图片。"}},
		} {
			code, body, _ := worker.postMultipart(photos, url.Values{"x": {"1"}}, c.files)
			if code != http.StatusBadRequest || !bytes.Contains(body, []byte(`id="photo-form"`)) {
				t.Errorf("%s: %d, the facility page %v", c.name, code, bytes.Contains(body, []byte(`id="photo-form"`)))
			}
			for _, w := range c.want {
				if !bytes.Contains(body, []byte(w)) {
					t.Errorf("%s: the page lacks %q", c.name, w)
				}
			}
			// The photo's own message heads the page, not "the form has errors".
			if bytes.Contains(body, []byte("表单中有错误")) {
				t.Errorf("%s: the page says the form has errors instead of the reason", c.name)
			}
		}
	})
}
