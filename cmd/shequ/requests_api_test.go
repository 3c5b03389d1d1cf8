package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"shequ"
)

// TestRequestsAPI drives the requests through the JSON API on both engines:
// the public catalogue, a phone request with field errors then filed, the
// queue with its counts and cursor, the workflow with a paused clock, the
// public tracking answer without personal data, bulk transfer, and the
// refusals: no token 401, another county 404, a bad transition 409.
func TestRequestsAPI(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "3305", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		w := apiClient{t: t, token: token(t, dsn, "anji-worker", "community_worker", "330523001002")}
		other := apiClient{t: t, token: token(t, dsn, "cx-worker", "community_worker", "330522001001")}
		base := startServer(t, dsn, "")
		w.base, other.base = base, base
		anon := apiClient{t: t, base: base} // no token

		code, m := anon.do("GET", "/api/v1/services?division=330523001002", nil)
		if items, _ := m["items"].([]any); code != 200 || len(items) < 20 {
			t.Fatalf("catalogue: %d, %d items", code, len(items))
		}
		code, m = anon.do("GET", "/api/v1/services/WT-001", nil)
		if code != 200 || m["fee_yuan"] != "50.00" || m["time_limit_days"] != 2.0 {
			t.Errorf("service: %d %v", code, m)
		}

		// A phone request for a place at the 文化礼堂: bad values first.
		req := map[string]any{"service_code": "WT-001", "channel": "phone", "community_code": "330523001002",
			"attributes": map[string][]string{"venue": {"stadium"}, "start": {"明天"}, "people": {"30"}}}
		code, m = w.do("POST", "/api/v1/requests", req)
		if code != http.StatusBadRequest || !strings.Contains(stringOf(m), "attribute[venue]") || !strings.Contains(stringOf(m), "attribute[start]") {
			t.Fatalf("bad values: %d %v", code, m)
		}
		// The start is a future time (the field says so): a week from now.
		start := time.Now().In(shequ.Shanghai).AddDate(0, 0, 7).Format("2006-01-02") + " 09:00"
		req["attributes"] = map[string][]string{"venue": {"hall"}, "start": {start}, "people": {"30"}}
		var ids []string
		var tokenOf string
		for i := range 3 {
			code, m = w.do("POST", "/api/v1/requests", req)
			if code != http.StatusCreated || m["state"] != "submitted" || m["token"] == nil {
				t.Fatalf("submit: %d %v", code, m)
			}
			ids = append(ids, m["id"].(string))
			if i == 0 {
				tokenOf = m["token"].(string)
			}
		}
		if code, _ := anon.do("POST", "/api/v1/requests", req); code != http.StatusUnauthorized {
			t.Errorf("anonymous submit: %d", code)
		}

		// The queue: by due date, counts per state, a cursor of one row.
		code, m = w.do("GET", "/api/v1/requests/queue?limit=1", nil)
		if items, _ := m["items"].([]any); code != 200 || len(items) != 1 || m["next"] == nil {
			t.Fatalf("queue: %d %v", code, m)
		}
		if counts, _ := m["counts"].(map[string]any); counts["submitted"] != 3.0 {
			t.Errorf("counts: %v", m["counts"])
		}
		code, m = w.do("GET", "/api/v1/requests/queue?limit=1&after="+urlEscape(m["next"].(string)), nil)
		if items, _ := m["items"].([]any); code != 200 || len(items) != 1 {
			t.Errorf("second page: %d %v", code, m)
		}

		if code, _ := w.do("GET", "/api/v1/requests/queue?after=2026-11-29T00:00:00Z%7Cnot-an-id", nil); code != http.StatusBadRequest {
			t.Errorf("malformed cursor: %d", code)
		}

		// The workflow, with the clock paused.
		id := ids[0]
		for _, step := range []map[string]any{
			{"to": "accepted"},
			{"to": "awaiting_materials", "missing": []string{"活动方案"}},
		} {
			if code, m = w.do("POST", "/api/v1/requests/"+id+"/transition", step); code != 200 {
				t.Fatalf("%v: %d %v", step, code, m)
			}
		}
		if m["paused"] != true {
			t.Errorf("awaiting materials, not paused: %v", m)
		}
		if code, m = w.do("POST", "/api/v1/requests/"+id+"/transition", map[string]any{"to": "completed", "result": "x"}); code != http.StatusConflict {
			t.Errorf("awaiting → completed: %d %v", code, m)
		}
		code, m = anon.do("GET", "/api/v1/track/"+tokenOf, nil)
		if code != 200 || m["state"] != "awaiting_materials" || strings.Contains(stringOf(m), "anji-worker") {
			t.Errorf("track: %d %v", code, m)
		}
		if code, _ := anon.do("GET", "/api/v1/track/0123456789abcdef0123456789abcdef", nil); code != http.StatusNotFound {
			t.Errorf("unknown token: %d", code)
		}
		code, m = w.do("GET", "/api/v1/requests/"+id+"/timeline", nil)
		if items, _ := m["items"].([]any); code != 200 || len(items) != 3 {
			t.Errorf("timeline: %d %v", code, m)
		}

		// Another county sees nothing of it.
		for _, p := range []string{"/api/v1/requests/" + id, "/api/v1/requests/" + id + "/timeline"} {
			if code, _ := other.do("GET", p, nil); code != http.StatusNotFound {
				t.Errorf("%s by another county: %d", p, code)
			}
		}
		if code, _ := other.do("POST", "/api/v1/requests/"+id+"/transition", map[string]any{"to": "in_process"}); code != http.StatusNotFound {
			t.Errorf("transition by another county: %d", code)
		}

		code, m = w.do("GET", "/api/v1/requests/by-item", nil)
		if items, _ := m["items"].([]any); code != 200 || len(items) != 1 || !strings.Contains(toString(m["items"]), "文体场地预约") {
			t.Errorf("by item: %d %v", code, m)
		} else if row := items[0].(map[string]any); row["total"] != 3.0 || row["by_channel"].(map[string]any)["phone"] != 3.0 {
			t.Errorf("by item row: %v", row)
		}

		// Bulk transfer of the other two: refused while one is not yet
		// accepted (all or nothing), done once both are.
		if code, m = w.do("POST", "/api/v1/requests/bulk-transfer", map[string]any{"ids": ids[1:], "department": "县文体中心"}); code != http.StatusConflict {
			t.Errorf("bulk transfer of submitted requests: %d %v", code, m)
		}
		for _, id := range ids[1:] {
			if code, m = w.do("POST", "/api/v1/requests/"+id+"/transition", map[string]any{"to": "accepted"}); code != 200 {
				t.Fatalf("accept: %d %v", code, m)
			}
		}
		code, m = w.do("POST", "/api/v1/requests/bulk-transfer", map[string]any{"ids": ids[1:], "department": "县文体中心"})
		if code != 200 || m["transferred"] != 2.0 {
			t.Errorf("bulk transfer: %d %v", code, m)
		}
		code, m = w.do("GET", "/api/v1/requests/queue?state=transferred", nil)
		if items, _ := m["items"].([]any); code != 200 || len(items) != 2 {
			t.Errorf("transferred queue: %d %v", code, m)
		}
	})
}

func stringOf(m map[string]any) string {
	var b strings.Builder
	for k, v := range m {
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(toString(v), "\n", " "), "\t", " "))
		b.WriteString(";")
	}
	return b.String()
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		return stringOf(x)
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, toString(e))
		}
		return strings.Join(parts, ",")
	}
	return ""
}

func urlEscape(s string) string {
	return strings.NewReplacer("+", "%2B", "|", "%7C", ":", "%3A").Replace(s)
}
