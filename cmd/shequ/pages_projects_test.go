package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// page fetches an HTML page as the account of token (anonymous when empty)
// and returns its status and body.
func (c apiClient) page(path string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestProjectListPages opens the project lists, which answered 500 for
// everyone (an action in an ambiguous URL context), on both engines: the
// staff list links each project, the public list opens without an account.
func TestProjectListPages(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		const community = "330523001002"
		worker := apiClient{t: t, token: token(t, dsn, "worker", "community_worker", community)}
		official := apiClient{t: t, token: token(t, dsn, "official", "official", "330523")}
		base := startServer(t, dsn, "")
		worker.base, official.base = base, base
		anonymous := apiClient{t: t, base: base}
		code, body := worker.do("POST", "/api/v1/needs", map[string]any{"community_code": community, "category": "elderly",
			"title": "独居老人需要定期探访"})
		if code != http.StatusCreated {
			t.Fatalf("create need: %d %v", code, body)
		}
		need := body["id"].(string)
		if code, body = worker.do("POST", "/api/v1/needs/"+need+"/transitions", map[string]any{"to": "accepted"}); code != http.StatusOK {
			t.Fatalf("accept need: %d %v", code, body)
		}
		code, body = worker.do("POST", "/api/v1/projects", map[string]any{"community_code": community, "title": "银龄陪伴",
			"target_group": "独居老人", "objectives": "每周探访", "budget_fen": 5000000, "need_ids": []string{need},
			"indicators":   []map[string]any{{"measure": "participants", "target": 300}},
			"period_start": "2099-01-01", "period_end": "2099-06-30", "bid_deadline": "2098-12-20T17:00:00+08:00"})
		if code != http.StatusCreated {
			t.Fatalf("create project: %d %v", code, body)
		}
		id := body["id"].(string)
		for _, c := range []apiClient{worker, official} {
			code, html := c.page("/projects")
			if code != http.StatusOK || !strings.Contains(html, `href="/projects/`+id+`"`) {
				t.Errorf("/projects: %d\n%s", code, html)
			}
		}
		// The approval queue: the project once submitted, not among the
		// closed ones.
		if code, body := worker.do("POST", "/api/v1/projects/"+id+"/transitions", map[string]any{"to": "under_review"}); code != http.StatusOK {
			t.Fatalf("submit: %d %v", code, body)
		}
		if code, html := official.page("/projects?status=under_review"); code != http.StatusOK || !strings.Contains(html, `href="/projects/`+id+`"`) ||
			!strings.Contains(html, `<input type="hidden" name="status" value="under_review">`) {
			t.Errorf("approval queue: %d\n%s", code, html)
		}
		if code, html := official.page("/projects?status=closed"); code != http.StatusOK || strings.Contains(html, `href="/projects/`+id+`"`) {
			t.Errorf("closed projects: %d\n%s", code, html)
		}
		if code, html := anonymous.page("/public/projects"); code != http.StatusOK || !strings.Contains(html, `action="/public/projects"`) {
			t.Errorf("/public/projects: %d\n%s", code, html)
		}
	})
}
