package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"shequ"
)

// keyedPost posts body (JSON, or a form when it is url.Values) with an
// Idempotency-Key header when key is not "" and returns the status, the
// answer's body and headers.
func keyedPost(t *testing.T, c apiClient, path, key string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	var rd io.Reader
	ctype := "application/json"
	if f, ok := body.(url.Values); ok {
		rd, ctype = strings.NewReader(f.Encode()), "application/x-www-form-urlencoded"
	} else {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest("POST", c.base+path, rd)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp.Header
}

// TestIdempotencyKeys submits with idempotency keys on both engines: a
// repeat answers the first answer (marked replayed) and creates nothing,
// also when eight repeats race each other; a key is scoped to its account
// and to its route; a malformed key is refused; the hidden key of the need
// form works the same.
func TestIdempotencyKeys(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		const community = "330523001002"
		w := apiClient{t: t, token: token(t, dsn, "idem-worker", "community_worker", community)}
		w2 := apiClient{t: t, token: token(t, dsn, "idem-worker2", "community_worker", community)}
		base := startServer(t, dsn, "")
		w.base, w2.base = base, base
		start := time.Now().In(shequ.Shanghai).AddDate(0, 0, 7).Format("2006-01-02") + " 09:00"
		req := map[string]any{"service_code": "WT-001", "channel": "phone", "community_code": community,
			"attributes": map[string][]string{"venue": {"hall"}, "start": {start}, "people": {"30"}}}
		submitted := func() float64 {
			t.Helper()
			code, m := w.do("GET", "/api/v1/requests/queue?limit=1", nil)
			counts, _ := m["counts"].(map[string]any)
			if code != http.StatusOK {
				t.Fatalf("queue: %d %v", code, m)
			}
			n, _ := counts["submitted"].(float64)
			return n
		}

		// A repeat: the first answer again, nothing created.
		code, first, h := keyedPost(t, w, "/api/v1/requests", "6f1c2a0e-0b7d-4d55-9c1e-000000000001", req)
		if code != http.StatusCreated || first["id"] == nil || h.Get("Idempotent-Replayed") != "" {
			t.Fatalf("first: %d %v %v", code, first, h)
		}
		code, again, h := keyedPost(t, w, "/api/v1/requests", "6f1c2a0e-0b7d-4d55-9c1e-000000000001", req)
		if code != http.StatusCreated || again["id"] != first["id"] || h.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("repeat: %d %v %v (first %v)", code, again, h, first["id"])
		}
		if n := submitted(); n != 1 {
			t.Fatalf("after a repeat: %v requests, want 1", n)
		}

		// Eight repeats at once: one request; every 201 names it, the
		// others were told it was received.
		var wg sync.WaitGroup
		var mu sync.Mutex
		ids, statuses := map[any]int{}, map[int]int{}
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, m, _ := keyedPost(t, w, "/api/v1/requests", "race-key-0002", req)
				mu.Lock()
				defer mu.Unlock()
				statuses[code]++
				if code == http.StatusCreated {
					ids[m["id"]]++
				}
			}()
		}
		wg.Wait()
		if len(ids) != 1 || statuses[http.StatusCreated]+statuses[http.StatusConflict] != 8 {
			t.Fatalf("racing repeats: ids %v, statuses %v", ids, statuses)
		}
		if n := submitted(); n != 2 {
			t.Fatalf("after racing repeats: %v requests, want 2", n)
		}

		// Another account's key of the same text is its own.
		if code, m, h := keyedPost(t, w2, "/api/v1/requests", "race-key-0002", req); code != http.StatusCreated || m["id"] == first["id"] || h.Get("Idempotent-Replayed") != "" {
			t.Fatalf("other account's key: %d %v %v", code, m, h)
		}
		if n := submitted(); n != 3 {
			t.Fatalf("after another account's key: %v requests, want 3", n)
		}
		// A key reused for another submission, a malformed key.
		need := map[string]any{"community_code": community, "category": "elderly", "title": "独居老人需要定期探访"}
		if code, m, _ := keyedPost(t, w, "/api/v1/needs", "6f1c2a0e-0b7d-4d55-9c1e-000000000001", need); code != http.StatusConflict || !strings.Contains(stringOf(m), "幂等键已用于另一项提交") {
			t.Errorf("reused key: %d %v", code, m)
		}
		for _, bad := range []string{"short", strings.Repeat("k", 129), "has space in it", "中文中文中文中文"} {
			if code, m, _ := keyedPost(t, w, "/api/v1/requests", bad, req); code != http.StatusBadRequest || !strings.Contains(stringOf(m), "幂等键须为") {
				t.Errorf("bad key %q: %d %v", bad, code, m)
			}
		}
		// Without an account a key must be as long as a UUID.
		anon := apiClient{t: t, base: base}
		if code, m, _ := keyedPost(t, anon, "/api/v1/care/reports", "anon-key-12345678", map[string]any{}); code != http.StatusBadRequest || !strings.Contains(stringOf(m), "幂等键须为") {
			t.Errorf("short anonymous key: %d %v", code, m)
		}
		// A failed submission does not use its key up.
		bad := map[string]any{"service_code": "WT-001", "channel": "phone", "community_code": community}
		if code, _, _ := keyedPost(t, w, "/api/v1/requests", "fix-and-retry-0003", bad); code != http.StatusBadRequest {
			t.Fatalf("bad submission: %d", code)
		}
		if code, _, h := keyedPost(t, w, "/api/v1/requests", "fix-and-retry-0003", req); code != http.StatusCreated || h.Get("Idempotent-Replayed") != "" {
			t.Fatalf("corrected submission with the same key: %d %v", code, h)
		}
		if n := submitted(); n != 4 {
			t.Fatalf("after a corrected submission: %v requests, want 4", n)
		}

		// The need form's hidden key: the same redirect twice, one need.
		form := url.Values{"community_code": {community}, "category": {"elderly"}, "title": {"楼道灯坏了需要维修"},
			"idempotency_key": {"0123456789abcdef0123456789abcdef"}}
		code, _, h1 := keyedPost(t, w, "/needs", "", form)
		code2, _, h2 := keyedPost(t, w, "/needs", "", form)
		if code != http.StatusSeeOther || code2 != http.StatusSeeOther || h1.Get("Location") == "" ||
			h2.Get("Location") != h1.Get("Location") || h2.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("need form twice: %d %q, %d %q %v", code, h1.Get("Location"), code2, h2.Get("Location"), h2)
		}
		code, m := w.do("GET", "/api/v1/needs?community="+community, nil)
		items, _ := m["items"].([]any)
		titles := 0
		for _, it := range items {
			if n, _ := it.(map[string]any); n["title"] == "楼道灯坏了需要维修" {
				titles++
			}
		}
		if code != http.StatusOK || titles != 1 {
			t.Fatalf("needs after the form twice: %d, %d with the title (%v)", code, titles, m)
		}
	})
}
