package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"shequ/internal/config"
	"shequ/internal/i18n"
	"shequ/internal/web"
)

// startPatterns runs the platform on dsn (divisions under prefix imported
// first) and returns its base URL and the route patterns of its server.
func startPatterns(t *testing.T, dsn, prefix string) (string, []string) {
	t.Helper()
	// The demo of the county (divisions under prefix and a record of every
	// module) gives the walk objects whose routes read text.
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir, cfg.Demo = "127.0.0.1:0", dsn, dataDir(t), true
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard, DemoPrefix: prefix}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return "http://" + m.Addr(), web.Routes()
}

// badText is the value the walk sends in every text field: a NUL, which
// PostgreSQL refused with an internal error and SQLite stored.
const badText = "王\x00建国"

// noTextInput lists the form routes that read no text at all (a button
// that acts on the object of the path): there is nothing to refuse.
var noTextInput = map[string]bool{
	"POST /logout":                        true,
	"POST /account/sessions/revoke-all":   true,
	"POST /notifications/read":            true,
	"POST /residents/{id}/reveal":         true,
	"POST /requests/{id}/reveal":          true,
	"POST /households/{id}/reveal":        true,
	"POST /social-workers/{id}/reveal":    true,
	"POST /residents/{id}/verify":         true,
	"POST /users/{id}/disable":            true,
	"POST /users/{id}/unlock":             true,
	"POST /users/{id}/enable":             true,
	"POST /users/{id}/two-factor/reset":   true,
	"POST /care/people/{id}/reveal":       true,
	"POST /volunteers/{id}/reveal":        true,
	"POST /volunteer/signups/{id}/cancel": true,
	"POST /opportunities/{id}/cancel":     true,
	"POST /care/alerts/{id}/acknowledge":  true,
	"POST /needs/{id}/support":            true,
	"POST /coverage/{code}/siting/adopt":  false, // reads the step it adopts
}

// noRedirect answers redirects as they come: a 303 is a result to check.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// walkClient sends requests as one role (a bearer token) or anonymously.
type walkClient struct {
	name, token string
}

func (c walkClient) send(t *testing.T, method, u, ctype string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept-Language", "zh-CN")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// fillPath puts plausible values into a pattern's wildcards: a community
// code, a fresh UUIDv7 for ids (or the id of a stored object, for the pages
// that show their object again with the error), an Open311 resource.
func fillPath(path string, ids map[string]string) string {
	for prefix, id := range ids {
		if strings.HasPrefix(path, prefix+"/{id}") {
			path = strings.Replace(path, "{id}", id, 1)
		}
	}
	if strings.HasPrefix(path, "/services/{code}") || strings.HasPrefix(path, "/api/v1/services/{code}") {
		path = strings.Replace(path, "{code}", "MZ-005", 1) // a service item of the default catalogue
	}
	r := strings.NewReplacer("{code}", "330523001002", "{id}", "01a20000-0000-7000-8000-000000000001",
		"{photo}", "01a20000-0000-7000-8000-000000000002", "{token}", "0123456789abcdef0123456789abcdef",
		"{step}", "approve", "{file}", "requests.json", "{hash}", "x", "{file...}", "x", "{$}", "")
	return r.Replace(path)
}

// TestBadInputRefusedEverywhere walks every route of the server on both
// engines (issue 13 item 9, issue 14 item 9): a NUL in any text field of
// any JSON body (every string the OpenAPI document describes, nested ones
// too), in any posted form (URL-encoded and multipart) and in any query is
// refused with a field error naming the field; a body of null is a 400
// everywhere; null in a field the document does not mark nullable is a
// field error. No route answers 5xx, and none accepts the input.
func TestBadInputRefusedEverywhere(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	loc := cat.Localizer("zh-CN")
	msgControl, msgNull, msgNullBody := loc.T("text.control"), loc.T("field.null"), loc.T("error.null_body")
	demoEngines(t, func(t *testing.T, dsn string) {
		base, patterns := startPatterns(t, dsn, "330523")
		clients := []walkClient{{name: "anonymous"}}
		for _, rs := range [][3]string{{"w-resident", "resident", "330523001002"}, {"w-worker", "community_worker", "330523001002"},
			{"w-official", "official", "330523"}, {"w-org", "org_member", "330523001"}, {"w-social", "social_worker", "330523001"},
			{"w-property", "property_staff", "330523001"}, {"w-sysadmin", "sysadmin", "330523"},
			{"w-secadmin", "secadmin", "330523"}, {"w-auditor", "auditor", "330523"}} {
			clients = append(clients, walkClient{name: rs[1], token: token(t, dsn, rs[0], rs[1], rs[2])})
		}
		// The demo's worker of 苕秀社区 is also its 儿童主任: care records
		// are read on a need-to-know basis, by their duty holders.
		// So are demo-childdir and demo-childdir2 of 康山村 and 鲁家村, where the
		// demo's alerts are.
		for _, name := range []string{"demo-worker", "demo-childdir", "demo-childdir2"} {
			code, out, errs := cli(t, nil, "token", "create", "-username", name, "-db", dsn)
			if code != exitOK {
				t.Fatalf("token create: %d %s%s", code, out, errs)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			clients = append(clients, walkClient{name: name, token: lines[len(lines)-1]})
		}
		_, docBody := walkClient{}.send(t, "GET", base+"/api/v1/openapi.json", "", nil)
		var doc openAPIDoc
		if err := json.Unmarshal(docBody, &doc); err != nil {
			t.Fatal(err)
		}

		// The URL: a NUL in the query of every GET route.
		for _, p := range patterns {
			method, path, _ := strings.Cut(p, " ")
			if method != "GET" {
				continue
			}
			code, body := clients[0].send(t, "GET", base+fillPath(path, nil)+"?q=%00", "", nil)
			if code != http.StatusBadRequest || !strings.Contains(string(body), msgControl) {
				t.Errorf("GET %s?q=%%00: %d %.200s", path, code, body)
			}
		}

		// A need, for its photo form, which shows the need again with an
		// error.
		worker := apiClient{t: t, base: base, token: clients[2].token}
		code, need := worker.do("POST", "/api/v1/needs", map[string]any{"title": "楼道灯坏了需要修理",
			"description": "三号楼二单元楼道灯不亮", "category": "environment", "community_code": "330523001002"})
		if code != http.StatusCreated {
			t.Fatalf("need: %d %v", code, need)
		}
		ids := map[string]string{"/needs": need["id"].(string)}
		// Records of the registers, whose PATCH reads the stored record
		// before the body's fields.
		for _, rec := range []struct {
			path string
			body map[string]any
		}{
			{"/api/v1/orgs", map[string]any{"name": "夕阳红志愿队", "kind": "elderly_care", "community_code": "330523001002",
				"legal_status": "incubating", "incubator": "苕秀社区"}},
			{"/api/v1/social-workers", map[string]any{"name": "陈静", "id_number": validID("33052319900101002"),
				"community_code": "330523001002", "qualification": "none"}},
			{"/api/v1/facilities", map[string]any{"name": "苕秀社区综合服务站", "kind": "service_station",
				"community_code": "330523001002"}},
		} {
			code, m := worker.do("POST", rec.path, rec.body)
			if code != http.StatusCreated {
				t.Fatalf("%s: %d %v", rec.path, code, m)
			}
			ids[rec.path] = m["id"].(string)
		}
		// Objects of the modules, from the demo: one of each, whatever its
		// community (one of the roles reaches it).
		db := rawDB(t, dsn)
		for _, o := range []struct{ table, prefixes string }{
			{"care_persons WHERE community = '330523001002'", "/api/v1/care/people /care/people"},
			{"care_alerts WHERE status = 'open'", "/care/alerts"},
			{"property_inspections", "/inspections"}, {"volunteer_signups", "/volunteer/signups"},
			{"volunteers", "/api/v1/volunteers /volunteers"}, {"courses", "/api/v1/courses /courses"},
			{"estates", "/api/v1/estates /estates"}, {"property_companies", "/api/v1/property/companies /property/companies"},
			{"workforce_members", "/api/v1/workforce /workforce"},
			{"volunteer_teams WHERE community = '330523001002'", "/api/v1/volunteer-teams /volunteer-teams"},
		} {
			var id string
			if err := db.QueryRowContext(t.Context(), "SELECT id FROM "+o.table+" ORDER BY id LIMIT 1").Scan(&id); err != nil {
				t.Fatalf("a demo record of %s: %v", o.table, err)
			}
			for _, p := range strings.Fields(o.prefixes) {
				ids[p] = id
			}
		}
		for _, p := range patterns {
			method, path, _ := strings.Cut(p, " ")
			if method == "GET" || method == "DELETE" {
				continue
			}
			u := base + fillPath(path, ids)
			switch {
			case strings.HasPrefix(path, "/api/"):
				walkJSON(t, clients, method, path, u, doc, msgControl, msgNull, msgNullBody)
			case noTextInput[p]:
				continue
			default:
				walkForm(t, clients, p, u, msgControl)
			}
		}
	})
}

// walkForm posts a bad value as a URL-encoded and as a multipart form to
// a page route as every client: some client must get 400 with the text
// error, none a success or a 5xx.
func walkForm(t *testing.T, clients []walkClient, pattern, u, msg string) {
	t.Helper()
	form := url.Values{"name": {badText}, "return": {"/"}}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("name", badText)
	mw.Close()
	refused := false
	var seen []string
	for _, c := range clients {
		for _, enc := range []struct {
			ctype string
			body  []byte
		}{{"application/x-www-form-urlencoded", []byte(form.Encode())}, {mw.FormDataContentType(), mp.Bytes()}} {
			code, body := c.send(t, "POST", u, enc.ctype, enc.body)
			seen = append(seen, fmt.Sprintf("%s:%d", c.name, code))
			if code >= 500 || code < 400 && code != http.StatusSeeOther {
				t.Errorf("%s as %s: %d %.300s", pattern, c.name, code, body)
			}
			if code == http.StatusSeeOther && c.token != "" {
				// A redirect is the answer of a signed-out form (to
				// /login); a signed-in client must never be sent on.
				t.Errorf("%s as %s accepted the bad text (303)", pattern, c.name)
			}
			if code == http.StatusBadRequest && strings.Contains(string(body), msg) {
				refused = true
			}
		}
	}
	if !refused {
		t.Errorf("%s: nobody got the text error: %v", pattern, seen)
	}
}

// walkJSON sends, for every string the route's request body schema
// describes, a body holding only that string with a NUL; then a body of
// null, and null in each top-level property.
func walkJSON(t *testing.T, clients []walkClient, method, path, u string, doc openAPIDoc, msgControl, msgNull, msgNullBody string) {
	t.Helper()
	schema := doc.requestSchema(path, method)
	if schema == nil {
		return // no body (an action on the object of the path)
	}
	// The client that reaches the body: the first answering null with the
	// null-body error that may also see the object of the path (a body is
	// read before the object is looked up: an empty object tells).
	// Without such a client (a path naming no stored object), the first
	// that reaches the body.
	var who, first *walkClient
	for i, c := range clients {
		code, body := c.send(t, method, u, "application/json", []byte("null"))
		if code >= 500 {
			t.Errorf("%s %s null as %s: %d %s", method, path, c.name, code, body)
		}
		if code != http.StatusBadRequest || !strings.Contains(string(body), msgNullBody) {
			continue
		}
		if first == nil {
			first = &clients[i]
		}
		if who == nil {
			if code, _ := c.send(t, method, u, "application/json", []byte("{}")); code != http.StatusNotFound && code != http.StatusForbidden {
				who = &clients[i]
			}
		}
	}
	if who == nil {
		who = first
	}
	if who == nil {
		t.Errorf("%s %s: no client reached the body with null", method, path)
		return
	}
	for _, leaf := range doc.stringLeaves(schema, "") {
		b, _ := json.Marshal(leaf.body)
		code, body := who.send(t, method, u, "application/json", b)
		var e struct {
			Error struct {
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		json.Unmarshal(body, &e)
		if code != http.StatusBadRequest || e.Error.Fields[leaf.path] != msgControl {
			t.Errorf("%s %s %s as %s: %d %s", method, path, b, who.name, code, body)
		}
	}
	props := doc.resolve(schema).Properties
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b := []byte(`{"` + n + `":null}`)
		code, body := who.send(t, method, u, "application/json", b)
		var e struct {
			Error struct {
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		json.Unmarshal(body, &e)
		nullable := doc.resolve(props[n]).nullable()
		switch {
		case code >= 500 || code < 300 && !nullable:
			t.Errorf("%s %s %s: %d %s", method, path, b, code, body)
		case !nullable && e.Error.Fields[n] != msgNull:
			t.Errorf("%s %s %s (not nullable in the document): %d %s", method, path, b, code, body)
		case nullable && e.Error.Fields[n] == msgNull:
			t.Errorf("%s %s %s (nullable in the document) refused: %s", method, path, b, body)
		}
	}
}

// openAPIDoc is the part of the OpenAPI document the walk reads.
type openAPIDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]*apiSchema `json:"schemas"`
	} `json:"components"`
}

// apiSchema is a JSON Schema as the document writes them.
type apiSchema struct {
	Ref                  string                `json:"$ref"`
	Type                 any                   `json:"type"`
	Properties           map[string]*apiSchema `json:"properties"`
	Items                *apiSchema            `json:"items"`
	AdditionalProperties any                   `json:"additionalProperties"`
}

// types returns the schema's type list.
func (s *apiSchema) types() []string {
	switch t := s.Type.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

func (s *apiSchema) has(t string) bool {
	for _, x := range s.types() {
		if x == t {
			return true
		}
	}
	return false
}

func (s *apiSchema) nullable() bool { return s.has("null") }

func (d openAPIDoc) resolve(s *apiSchema) *apiSchema {
	for s != nil && s.Ref != "" {
		s = d.Components.Schemas[s.Ref[strings.LastIndexByte(s.Ref, '/')+1:]]
	}
	return s
}

// requestSchema returns the JSON request body schema of an operation.
func (d openAPIDoc) requestSchema(path, method string) *apiSchema {
	raw, ok := d.Paths[path][strings.ToLower(method)]
	if !ok {
		return nil
	}
	var op struct {
		RequestBody struct {
			Content map[string]struct {
				Schema *apiSchema `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	}
	json.Unmarshal(raw, &op)
	c, ok := op.RequestBody.Content["application/json"]
	if !ok {
		return nil
	}
	return c.Schema
}

// leaf is a body holding one bad string, and the field path the server
// names it by.
type leaf struct {
	body any
	path string
}

// stringLeaves returns one body per string the schema can hold, the
// string set to badText and everything else left out.
func (d openAPIDoc) stringLeaves(s *apiSchema, path string) []leaf {
	s = d.resolve(s)
	if s == nil {
		return nil
	}
	var out []leaf
	switch {
	case s.has("string"):
		out = append(out, leaf{badText, path})
	case s.has("array") && s.Items != nil:
		for _, l := range d.stringLeaves(s.Items, path+"[0]") {
			out = append(out, leaf{[]any{l.body}, l.path})
		}
	case s.Properties != nil || s.has("object"):
		for n, p := range s.Properties {
			sub := n
			if path != "" {
				sub = path + "." + n
			}
			for _, l := range d.stringLeaves(p, sub) {
				out = append(out, leaf{map[string]any{n: l.body}, l.path})
			}
		}
		if ap, ok := s.AdditionalProperties.(map[string]any); ok {
			b, _ := json.Marshal(ap)
			var sub apiSchema
			json.Unmarshal(b, &sub)
			for _, l := range d.stringLeaves(&sub, strings.TrimPrefix(path+".x", ".")) {
				out = append(out, leaf{map[string]any{"x": l.body}, l.path})
			}
		}
	}
	return out
}

// TestAcceptedButWrongRefused replays, through the API and the console on
// both engines, the inputs issue 14 found accepted although wrong: each is
// now a 400 with a field error (or exit status 1), and nothing is written.
func TestAcceptedButWrongRefused(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		// user add -scope naming a community that does not exist.
		code, out, errs := cli(t, nil, "user", "add", "-username", "ghost", "-password", "correct horse battery staple",
			"-role", "community_worker", "-scope", "330523001999", "-db", dsn)
		if code != exitError || !strings.Contains(out+errs, "区划") {
			t.Errorf("user add with an unknown scope: %d %s%s", code, out, errs)
		}
		w := apiClient{t: t, token: token(t, dsn, "wrong-worker", "community_worker", "330523001002")}
		official := apiClient{t: t, token: token(t, dsn, "wrong-official", "official", "330523")}
		base := startServer(t, dsn, "")
		w.base, official.base = base, base
		code, res := w.do("POST", "/api/v1/residents", map[string]any{"name": "赵六", "id_number": validID("33052319700101003"),
			"phone": "13857200003", "community_code": "330523001002"})
		if code != http.StatusCreated {
			t.Fatalf("resident: %d %v", code, res)
		}
		resident := res["id"].(string)
		code, res = official.do("PUT", "/api/v1/communities/330523001002/location", map[string]any{"lat": 30.638,
			"lng": 119.68, "population": 5000, "terrain": "plain", "relocation": false})
		if code != http.StatusOK {
			t.Fatalf("location: %d %v", code, res)
		}
		db := rawDB(t, dsn)
		var agent string
		if err := db.QueryRow(`SELECT id FROM users WHERE username = 'wrong-worker'`).Scan(&agent); err != nil {
			t.Fatal(err)
		}
		fields := func(m map[string]any) map[string]any {
			e, _ := m["error"].(map[string]any)
			f, _ := e["fields"].(map[string]any)
			return f
		}
		for _, c := range []struct {
			name         string
			client       apiClient
			method, path string
			body         any
			field        string
		}{
			{"location null", official, "PUT", "/api/v1/communities/330523001002/location", nil, ""},
			{"household size -1", w, "POST", "/api/v1/requests", map[string]any{"service_code": "MZ-001", "channel": "window",
				"resident_id": resident, "identity_note": "身份证原件核验",
				"attributes": map[string][]string{"household_size": {"-1"}, "monthly_income": {"800"}, "reason": {"因病致贫"}}},
				"attribute[household_size]"},
			{"online by a worker for a resident", w, "POST", "/api/v1/requests", map[string]any{"service_code": "MZ-003",
				"channel": "online", "resident_id": resident}, "channel"},
			{"facility opened on 0001-01-01", w, "POST", "/api/v1/facilities", map[string]any{"name": "苕秀社区综合服务站",
				"kind": "service_station", "community_code": "330523001002", "opened_on": "0001-01-01", "status": "in_use"}, "opened_on"},
			{"delegation that expired in 1900", w, "POST", "/api/v1/delegations", map[string]any{"resident_id": resident, "agent_id": agent,
				"items": []string{"MZ-003"}, "valid_from": "1900-01-01", "valid_until": "1900-06-01"}, "valid_until"},
		} {
			var code int
			var m map[string]any
			if c.body == nil {
				req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader("null"))
				req.Header.Set("Authorization", "Bearer "+c.client.token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				json.NewDecoder(resp.Body).Decode(&m)
				resp.Body.Close()
				code = resp.StatusCode
			} else {
				code, m = c.client.do(c.method, c.path, c.body)
			}
			if code != http.StatusBadRequest || (c.field != "" && fields(m)[c.field] == nil) {
				t.Errorf("%s: %d %v", c.name, code, m)
			}
		}
		// Nothing of it was written.
		for _, q := range []string{`SELECT COUNT(*) FROM service_requests`, `SELECT COUNT(*) FROM facilities`,
			`SELECT COUNT(*) FROM delegations`, `SELECT COUNT(*) FROM users WHERE username = 'ghost'`} {
			var n int
			if err := db.QueryRow(q).Scan(&n); err != nil || n != 0 {
				t.Errorf("%s = %d (%v)", q, n, err)
			}
		}
		if code, d, _ := get(t, base+"/api/v1/divisions/330523001002"); code != 200 || d["lat"] == nil || d["population"] != 5000.0 {
			t.Errorf("the community lost its location: %d %v", code, d)
		}
	})
}

// rawDB opens the test database with database/sql, to look at its rows.
func rawDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if strings.HasPrefix(dsn, "postgres") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
