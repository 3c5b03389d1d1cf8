//go:build !race

// Page tests through the real store on both engines (issue 19): the pages
// that had no HTTP test, and the scope answers that page tests used to get
// from a mock. They load the demo county (like the route crawl), so they
// run in scripts/test's pass without the race detector.

package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"shequ"
	"shequ/internal/demo"
)

// pageClient is a browser-like client of one account: a cookie jar, no
// automatic redirects.
type pageClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newPageClient(t *testing.T, base, username string) *pageClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	pc := &pageClient{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	if username != "" {
		code, loc := signInForm(t, pc.c, base, username, demo.Password)
		if code != http.StatusSeeOther || strings.HasPrefix(loc, "/login") {
			t.Fatalf("sign in as %s: %d", username, code)
		}
	}
	return pc
}

func (pc *pageClient) send(req *http.Request) (int, []byte, http.Header) {
	pc.t.Helper()
	resp, err := pc.c.Do(req)
	if err != nil {
		pc.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func (pc *pageClient) get(path string) (int, []byte, http.Header) {
	pc.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, pc.base+path, nil)
	return pc.send(req)
}

func (pc *pageClient) postForm(path string, form url.Values) (int, []byte, http.Header) {
	pc.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, pc.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return pc.send(req)
}

func (pc *pageClient) json(method, path string, body any, out any) int {
	pc.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, pc.base+path, r)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	code, b, _ := pc.send(req)
	if out != nil && code < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			pc.t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
	return code
}

func (pc *pageClient) upload(path, name string, data []byte) (int, []byte, http.Header) {
	pc.t.Helper()
	return pc.postMultipart(path, nil, map[string]formFile{"file": {name, data}})
}

// formFile is a file of a multipart form: its name and bytes.
type formFile struct {
	name string
	data []byte
}

// postMultipart posts a multipart form of values and files, as a browser
// posts a form with file inputs.
func (pc *pageClient) postMultipart(path string, values url.Values, files map[string]formFile) (int, []byte, http.Header) {
	pc.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, vs := range values {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for field, file := range files {
		f, _ := w.CreateFormFile(field, file.name)
		f.Write(file.data)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, pc.base+path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return pc.send(req)
}

// requestJSON is what the tests read of a request.
type requestJSON struct {
	ID       string `json:"id"`
	Number   string `json:"number"`
	State    string `json:"state"`
	Resident string `json:"resident_id"`
	Channel  string `json:"channel"`
}

// TestDemoPagesRequests: the resident's online application and its
// receipt, attachment upload and download, the worker's HTML bulk
// transfer, through the real store on both engines, with the answers
// other accounts get.
func TestDemoPagesRequests(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, _, _ := startDemoServer(t, dsn)
		resident := newPageClient(t, base, "demo-resident")
		other := newPageClient(t, base, "demo-resident2")
		worker := newPageClient(t, base, "demo-worker")
		anon := newPageClient(t, base, "")

		// The item's page shows the application form to the resident; it
		// leads to a preview of what will be filed, which is confirmed.
		code, body, _ := resident.get("/services/MZ-006")
		if code != 200 || !bytes.Contains(body, []byte(`action="/services/MZ-006/preview"`)) {
			t.Fatalf("item page: %d, form shown %v", code, bytes.Contains(body, []byte("/preview")))
		}
		values := url.Values{"attr_contact_phone": {"13857200001"}, "description": {"再次申请优待证（遗失补办）"}}
		code, body, _ = resident.postForm("/services/MZ-006/preview", values)
		if code != 200 || !bytes.Contains(body, []byte(`action="/services/MZ-006/apply"`)) ||
			!bytes.Contains(body, []byte("再次申请优待证（遗失补办）")) {
			t.Fatalf("preview: %d, confirmation shown %v", code, bytes.Contains(body, []byte("/apply")))
		}
		// The materials the item requires, as PDF files.
		materials := map[string]formFile{}
		for _, m := range regexp.MustCompile(`name="(material_\d+)"[^>]* required`).FindAllSubmatch(body, -1) {
			materials[string(m[1])] = formFile{"材料.pdf", []byte("%PDF-1.4\n% material\n%%EOF\n")}
		}
		if len(materials) == 0 {
			t.Fatal("the preview asks for no material, yet MZ-006 requires some")
		}
		code, _, h := resident.postMultipart("/services/MZ-006/apply", values, materials)
		loc := h.Get("Location")
		m := regexp.MustCompile(`^/requests/([0-9a-f-]{36})/receipt$`).FindStringSubmatch(loc)
		if code != http.StatusSeeOther || m == nil {
			t.Fatalf("apply: %d → %q", code, loc)
		}
		id := m[1]
		var r requestJSON
		if code := resident.json("GET", "/api/v1/requests/"+id, nil, &r); code != 200 || r.State != "submitted" || r.Channel != "online" {
			t.Fatalf("filed request: %d %+v", code, r)
		}
		// The receipt: number, the item, the tracking link.
		code, body, _ = resident.get(loc)
		track := regexp.MustCompile(`/track/([A-Za-z0-9_-]+)`).FindSubmatch(body)
		if code != 200 || !bytes.Contains(body, []byte(r.Number)) || !bytes.Contains(body, []byte("老年人优待证")) || track == nil {
			t.Fatalf("receipt: %d, number %v, tracking link %v", code, bytes.Contains(body, []byte(r.Number)), track != nil)
		}
		// Tracking needs no account and shows no name.
		code, body, _ = anon.get(string(track[0]))
		if code != 200 || !bytes.Contains(body, []byte(r.Number)) || bytes.Contains(body, []byte("王建国")) {
			t.Errorf("tracking page: %d, number %v, name shown %v", code, bytes.Contains(body, []byte(r.Number)), bytes.Contains(body, []byte("王建国")))
		}
		// Another resident gets neither the request nor its receipt.
		for _, p := range []string{"/requests/" + id, loc} {
			if code, _, _ := other.get(p); code != http.StatusNotFound {
				t.Errorf("another resident opens %s: %d, want 404", p, code)
			}
		}

		// A document: uploaded by the resident, downloaded byte for byte,
		// hidden from others, refused when it is not a PDF or an image.
		pdf := []byte("%PDF-1.4\n% test upload\n%%EOF\n")
		code, _, h = resident.upload("/requests/"+id+"/attachments", "户口簿.pdf", pdf)
		if code != http.StatusSeeOther {
			t.Fatalf("upload: %d", code)
		}
		code, body, _ = worker.get("/requests/" + id)
		// The upload's link (the materials filed with the application are
		// listed too).
		var att string
		if m := regexp.MustCompile(`(/attachments/[0-9a-f-]{36})"[^>]*>[^<]*户口簿\.pdf`).FindSubmatch(body); m != nil {
			att = string(m[1])
		}
		if code != 200 || att == "" {
			t.Fatalf("request page for the worker: %d, attachment link %q", code, att)
		}
		code, body, h = resident.get(att)
		if code != 200 || !bytes.Equal(body, pdf) || h.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") {
			t.Errorf("download: %d %q %q, %d bytes", code, h.Get("Content-Type"), h.Get("Content-Disposition"), len(body))
		}
		if code, _, _ := other.get(att); code != http.StatusNotFound {
			t.Errorf("another resident downloads: %d, want 404", code)
		}
		if code, _, _ := anon.get(att); code != http.StatusSeeOther {
			t.Errorf("anonymous download: %d, want the login redirect", code)
		}
		if code, _, _ := resident.upload("/requests/"+id+"/attachments", "x.exe", []byte("MZ\x90\x00binary")); code != http.StatusBadRequest {
			t.Errorf("an executable: %d, want 400", code)
		}
		if code, _, _ := other.upload("/requests/"+id+"/attachments", "x.pdf", pdf); code != http.StatusNotFound {
			t.Errorf("another resident uploads: %d, want 404", code)
		}

		// Bulk transfer from the queue page, all or nothing.
		if code, _, _ := worker.postForm("/requests/"+id+"/transition", url.Values{"to": {"accepted"}}); code != http.StatusSeeOther {
			t.Fatalf("accept: %d", code)
		}
		if code, _, _ := worker.postForm("/requests/"+id+"/transition", url.Values{"to": {"in_process"}}); code != http.StatusSeeOther {
			t.Fatalf("to in_process: %d", code)
		}
		// With a request that cannot be transferred (still submitted: the
		// one filed online by the agent's resident is the demo's agency
		// request) nothing moves.
		var queue struct {
			Items []requestJSON `json:"items"`
		}
		worker.json("GET", "/api/v1/requests?state=submitted", nil, &queue)
		if len(queue.Items) == 0 {
			t.Fatal("no submitted request in the demo queue")
		}
		code, _, _ = worker.postForm("/requests/bulk-transfer", url.Values{"id": {id, queue.Items[0].ID}, "department": {"县民政局"}})
		if code < 400 {
			t.Errorf("bulk transfer with a submitted request: %d, want a refusal", code)
		}
		worker.json("GET", "/api/v1/requests/"+id, nil, &r)
		if r.State != "in_process" {
			t.Errorf("after a refused bulk transfer the request is %s", r.State)
		}
		code, _, h = worker.postForm("/requests/bulk-transfer", url.Values{"id": {id}, "department": {"县民政局"}})
		if code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "n=1") {
			t.Fatalf("bulk transfer: %d → %q", code, h.Get("Location"))
		}
		worker.json("GET", "/api/v1/requests/"+id, nil, &r)
		if r.State != "transferred" {
			t.Errorf("after the bulk transfer the request is %s", r.State)
		}
		if code, _, _ := resident.postForm("/requests/bulk-transfer", url.Values{"id": {id}, "department": {"县民政局"}}); code != http.StatusForbidden {
			t.Errorf("a resident's bulk transfer: %d, want 403", code)
		}
	})
}

// TestDemoPagesDelegations: the delegation list of a worker and of the
// residents, and the consent API: only the resident consents in the
// portal, and another resident cannot see the delegation.
func TestDemoPagesDelegations(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, _, _ := startDemoServer(t, dsn)
		worker := newPageClient(t, base, "demo-worker")
		wang := newPageClient(t, base, "demo-resident")   // 王建国
		li := newPageClient(t, base, "demo-resident2")    // 李秀英, the demo delegation's resident
		zhang := newPageClient(t, base, "demo-resident3") // 张伟

		code, body, _ := worker.get("/delegations")
		if code != 200 || !bytes.Contains(body, []byte("李秀英")) {
			t.Errorf("the worker's delegation list: %d, lists 李秀英 %v", code, bytes.Contains(body, []byte("李秀英")))
		}
		code, body, _ = li.get("/delegations")
		if code != 200 || !bytes.Contains(body, []byte("李秀英")) {
			t.Errorf("李秀英's own list: %d, lists hers %v", code, bytes.Contains(body, []byte("李秀英")))
		}
		code, body, _ = wang.get("/delegations")
		if code != 200 || bytes.Contains(body, []byte("李秀英")) {
			t.Errorf("王建国's list: %d, shows 李秀英's delegation %v", code, bytes.Contains(body, []byte("李秀英")))
		}

		// A new delegation of 张伟 recorded by the worker (the agent of the
		// demo's delegation) waits for him.
		var residents struct {
			Items []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"items"`
		}
		worker.json("GET", "/api/v1/residents?community="+demo.Community, nil, &residents)
		var zhangID string
		for _, r := range residents.Items {
			if r.Name == "张伟" {
				zhangID = r.ID
			}
		}
		var dels struct {
			Items []struct {
				AgentID string `json:"agent_id"`
			} `json:"items"`
		}
		worker.json("GET", "/api/v1/delegations", nil, &dels)
		if zhangID == "" || len(dels.Items) == 0 {
			t.Fatalf("张伟 %q, demo delegations %d", zhangID, len(dels.Items))
		}
		agent := dels.Items[0].AgentID
		today := time.Now().In(shequ.Shanghai)
		var d struct {
			ID    string `json:"id"`
			State string `json:"state"`
		}
		code = worker.json("POST", "/api/v1/delegations", map[string]any{"resident_id": zhangID, "agent_id": agent,
			"items": []string{"MZ-006"}, "valid_from": today.Format(time.DateOnly),
			"valid_until": today.AddDate(0, 3, 0).Format(time.DateOnly)}, &d)
		if code != http.StatusCreated || d.State != "requested" {
			t.Fatalf("create: %d %+v", code, d)
		}
		consent := map[string]string{"method": string(shequ.ConsentPortal)}
		if code := worker.json("POST", "/api/v1/delegations/"+d.ID+"/consent", consent, nil); code != http.StatusForbidden {
			t.Errorf("the agent consents in the resident's place: %d, want 403", code)
		}
		if code := wang.json("POST", "/api/v1/delegations/"+d.ID+"/consent", consent, nil); code != http.StatusNotFound {
			t.Errorf("another resident consents: %d, want 404", code)
		}
		if code := zhang.json("POST", "/api/v1/delegations/"+d.ID+"/consent", consent, &d); code != 200 || d.State != "active" {
			t.Errorf("张伟 consents: %d %+v", code, d)
		}
		if code := zhang.json("POST", "/api/v1/delegations/"+d.ID+"/consent", consent, nil); code != http.StatusConflict {
			t.Errorf("a second consent: %d, want 409", code)
		}
		if code, _, _ := wang.get("/delegations/" + d.ID); code != http.StatusNotFound {
			t.Errorf("another resident opens the delegation: %d, want 404", code)
		}
	})
}

// TestDemoPagesIndicatorsAndScope: the country-level XLSX and CSV for an
// official of the whole country (and not for a county's), and the scope
// answers of the register and indicator pages from the real store.
func TestDemoPagesIndicatorsAndScope(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, _, m := startDemoServer(t, dsn)
		hash, err := m.svc.hasher.Hash(demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.svc.users.CreateUser(cliContext(context.Background()), &shequ.User{Username: nationalOfficial,
			Role: shequ.RoleOfficial, Name: "民政部"}, hash); err != nil {
			t.Fatal(err)
		}
		national := newPageClient(t, base, nationalOfficial)
		county := newPageClient(t, base, "demo-official")
		worker := newPageClient(t, base, "demo-worker")
		org := newPageClient(t, base, "demo-org")

		code, body, h := national.get("/indicators.xlsx")
		if code != 200 || !strings.Contains(h.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("country XLSX: %d %q", code, h.Get("Content-Type"))
		}
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("the XLSX does not open: %v", err)
		}
		// Some sheet lists the provinces: the demo's one is 浙江省.
		var found []string
		for _, sh := range f.GetSheetList() {
			rows, err := f.GetRows(sh)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(strings.Join(flatten(rows), ","), "浙江省") {
				found = append(found, sh)
			}
		}
		if len(found) == 0 {
			t.Errorf("no sheet of the country XLSX (%v) lists 浙江省", f.GetSheetList())
		}
		f.Close()
		code, body, h = national.get("/indicators.csv")
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
			t.Fatalf("country CSV: %d %q", code, h.Get("Content-Type"))
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
		if err != nil || len(recs) < 2 || !strings.Contains(strings.Join(flatten(recs), ","), "浙江省") {
			t.Errorf("country CSV: %d records, %v", len(recs), err)
		}
		for _, p := range []string{"/indicators.xlsx", "/indicators.csv"} {
			if code, _, _ := county.get(p); code != http.StatusNotFound && code != http.StatusForbidden {
				t.Errorf("a county official gets %s: %d", p, code)
			}
		}
		// The indicator page of the worker's community, and not of the
		// next one.
		if code, _, _ := worker.get("/indicators/" + demo.Community); code != 200 {
			t.Errorf("own community's indicators: %d", code)
		}
		if code, _, _ := worker.get("/indicators/330523001001"); code != http.StatusNotFound {
			t.Errorf("a neighbouring community's indicators: %d, want 404", code)
		}
		// An organization outside the member's township: 404 from the
		// store's scope, not from a mock.
		var orgs struct {
			Items []struct {
				ID        string `json:"id"`
				Community string `json:"community_code"`
			} `json:"items"`
		}
		county.json("GET", "/api/v1/orgs?limit=200", nil, &orgs)
		var inside, outside string
		for _, o := range orgs.Items {
			if strings.HasPrefix(o.Community, "330523001") && inside == "" {
				inside = o.ID
			}
			if !strings.HasPrefix(o.Community, "330523001") && outside == "" {
				outside = o.ID
			}
		}
		if inside == "" || outside == "" {
			t.Fatalf("demo organizations inside %q and outside %q 递铺街道", inside, outside)
		}
		if code, _, _ := org.get("/orgs/" + inside); code != 200 {
			t.Errorf("an organization in scope: %d", code)
		}
		if code, _, _ := org.get("/orgs/" + outside); code != http.StatusNotFound {
			t.Errorf("an organization out of scope: %d, want 404", code)
		}
		if code, _, _ := county.get("/orgs/" + outside); code != 200 {
			t.Errorf("the county official opens it: %d", code)
		}
	})
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}
