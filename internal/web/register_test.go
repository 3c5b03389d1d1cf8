package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"shequ"
	"shequ/internal/mock"
	"shequ/internal/register"
)

// The register mechanism tested on a register declared here: a "thing"
// with a field of every kind, kept in memory by thingStore.

type thing struct {
	ID, Name, Note, Community string
	Size                      int
	Area                      float64
	Fee                       int64
	Opened                    *time.Time
	Kind                      shequ.OrgKind
	Areas                     []shequ.ServiceArea
	Serves                    []string
	Phone                     shequ.Phone
	IDNumber                  shequ.IDNumber
	Lat, Lng                  *float64
	ResidentID                string
	Created, Updated          time.Time
}

// validate is the thing's domain rule: a name, a community, a kind.
func (x *thing) validate() error {
	var fe shequ.FieldErrors
	if n := utf8.RuneCountInString(x.Name); n == 0 || n > 20 {
		fe.Add("name", "thing.name.invalid", "The name has 1 to 20 characters.", nil)
	}
	if shequ.ValidateDivisionCode(x.Community) != nil || len(x.Community) != 12 {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	if x.Kind == "" {
		fe.Add("kind", "thing.kind.required", "Choose a kind.", nil)
	}
	if x.IDNumber == "" {
		fe.Add("id_number", "id_number.invalid", "Give an ID number.", nil)
	}
	return fe.Err()
}

var things = (&register.Schema[thing]{
	Name: "thing", Type: "Thing", Plural: "things",
	Read: shequ.ActionFacilityRead, Write: shequ.ActionFacilityWrite, Bulk: shequ.ActionFacilityWrite,
	Reveal: shequ.ActionResidentReveal,
	Fields: []*register.Field[thing]{
		register.Text("name", 20, func(x *thing) *string { return &x.Name }).Require().Alias("名称"),
		register.LongText("note", 200, func(x *thing) *string { return &x.Note }).Alias("备注"),
		register.Community("community_code", func(x *thing) *string { return &x.Community }).Alias("社区代码"),
		register.Int("size", 0, 100, func(x *thing) *int { return &x.Size }).WithUnits("人").Alias("人数"),
		register.Decimal("area", 0, 1000, func(x *thing) *float64 { return &x.Area }),
		register.Money("fee", 0, 1_000_000, func(x *thing) *int64 { return &x.Fee }).Alias("费用"),
		register.Date("opened", func(x *thing) **time.Time { return &x.Opened }).Alias("日期"),
		register.Choice("kind", shequ.OrgKinds, func(x *thing) *shequ.OrgKind { return &x.Kind }).Labelled("org.kind").
			WithBlank("form.choose").Alias("类型"),
		register.Choices("areas", shequ.ServiceAreas, func(x *thing) *[]shequ.ServiceArea { return &x.Areas }).Labelled("worker.area"),
		register.Codes("serves", func(x *thing) *[]string { return &x.Serves }),
		register.Phone("phone", func(x *thing) *shequ.Phone { return &x.Phone }),
		register.IDNumber("id_number", func(x *thing) *shequ.IDNumber { return &x.IDNumber }).Alias("身份证号"),
		register.Location("location", func(x *thing) (**float64, **float64) { return &x.Lat, &x.Lng }),
		register.Person("resident_id", func(x *thing) *string { return &x.ResidentID }).Alias("居民"),
	},
	Columns: []string{"name", "kind", "community_code", "size"},
	Filters: []register.Filter{{Kind: register.FilterText, Name: "q"}, {Kind: register.FilterCommunity, Name: "community"},
		{Kind: register.FilterChoice, Name: "kind"}, {Kind: register.FilterDateRange, Name: "opened"}},
	Sorts:     []string{"name", "size"},
	PageSize:  2,
	New:       func() *thing { return &thing{Size: 1} },
	ID:        func(x *thing) string { return x.ID },
	Community: func(x *thing) string { return x.Community },
	Title:     func(x *thing) string { return x.Name },
	Times:     func(x *thing) (time.Time, time.Time) { return x.Created, x.Updated },
	Validate:  func(x *thing, _ time.Time) error { return x.validate() },
	Import: &register.Import[thing]{Required: []string{"name", "kind"}, DefaultCommunity: true,
		Unique:  []register.Unique[thing]{{Field: "name", Key: func(x *thing) string { return x.Name }, ErrKey: "thing.name.twice", Message: "The name repeats."}},
		Options: []register.Option{{Name: "gcj02", Label: "facility.import.gcj02"}}},
}).Init()

// thingStore keeps things in memory and counts its writes. The community
// 330523001999 does not exist: writing it is refused as a store does.
type thingStore struct {
	mu      sync.Mutex
	byID    map[string]*thing
	writes  int
	queries []register.Query
}

func (st *thingStore) store() register.Store[thing] {
	refuse := func(x *thing) error {
		if x.Community == "330523001999" {
			return &shequ.Error{Code: shequ.EInvalid, Key: "resident.community.unknown", Message: "No community has this code.",
				Fields: []shequ.FieldError{{Field: "community_code", Key: "resident.community.unknown", Message: "No community has this code."}}}
		}
		return nil
	}
	return register.Store[thing]{
		Find: func(_ context.Context, id string, _ bool) (*thing, error) {
			st.mu.Lock()
			defer st.mu.Unlock()
			x, ok := st.byID[id]
			if !ok {
				return nil, shequ.ErrNotFound
			}
			c := *x
			return &c, nil
		},
		List: func(_ context.Context, q register.Query) ([]*thing, int, error) {
			st.mu.Lock()
			defer st.mu.Unlock()
			st.queries = append(st.queries, q)
			var all []*thing
			for _, x := range st.byID {
				if strings.HasPrefix(x.Community, q.Community) && (q.Get("kind") == "" || string(x.Kind) == q.Get("kind")) &&
					strings.Contains(x.Name, q.Text) {
					all = append(all, x)
				}
			}
			slices.SortFunc(all, func(a, b *thing) int { return strings.Compare(a.Name, b.Name) })
			total := len(all)
			all = all[min(q.Offset, total):min(q.Offset+q.Limit, total)]
			return all, total, nil
		},
		Create: func(_ context.Context, x *thing) error {
			if err := refuse(x); err != nil {
				return err
			}
			st.mu.Lock()
			defer st.mu.Unlock()
			st.writes++
			x.ID = fmt.Sprintf("t%d", len(st.byID)+1)
			c := *x
			st.byID[x.ID] = &c
			return nil
		},
		Update: func(_ context.Context, x *thing) error {
			st.mu.Lock()
			defer st.mu.Unlock()
			st.writes++
			c := *x
			st.byID[x.ID] = &c
			return nil
		},
		Import: func(_ context.Context, xs []*thing) error {
			for i, x := range xs {
				if err := refuse(x); err != nil {
					return shequ.AsError(err).With(map[string]any{"Row": i + 1})
				}
			}
			st.mu.Lock()
			defer st.mu.Unlock()
			for _, x := range xs {
				st.writes++
				x.ID = fmt.Sprintf("t%d", len(st.byID)+1)
				c := *x
				st.byID[x.ID] = &c
			}
			return nil
		},
	}
}

func (st *thingStore) count() (int, int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byID), st.writes
}

// newThingServer is an identity server with the things register mounted
// at /things over st, holding three things.
func newThingServer(t *testing.T) (*testServer, *identity, *thingStore) {
	t.Helper()
	d := time.Date(2024, 3, 1, 0, 0, 0, 0, shequ.Shanghai)
	st := &thingStore{byID: map[string]*thing{
		"t1": {ID: "t1", Name: "甲", Community: "330523001002", Kind: shequ.OrgCharity, Size: 3, Phone: "13812345678",
			IDNumber: idElderly, Opened: &d, Areas: []shequ.ServiceArea{shequ.AreaCare}},
		"t2": {ID: "t2", Name: "乙", Community: "330523001002", Kind: shequ.OrgHarmony, IDNumber: idElderly},
		"t3": {ID: "t3", Name: "丙", Community: "330523100201", Kind: shequ.OrgCharity, IDNumber: idElderly},
	}}
	s, id := newIdentityServer(t, testResidents(), func(c *Config) {
		c.moreRegisters = func(s *Server) []registerRoutes {
			return []registerRoutes{mount(s, things, "/things", true, st.store())}
		}
	})
	return s, id, st
}

// testResidents are the residents the person picker finds: two 张三 and a
// 李四 in 苕秀社区, a 王五 in another county.
func testResidents() *mock.ResidentService {
	people := []*shequ.Resident{
		{ID: "r1", Name: "张三", IDNumber: idElderly, Community: "330523001002"},
		{ID: "r2", Name: "张三", IDNumber: "330523195001010011", Community: "330523001002"},
		{ID: "r3", Name: "李四", IDNumber: idChild, Community: "330523001002"},
		{ID: "r4", Name: "王五", IDNumber: "110105195001010012", Community: "110105001001"},
	}
	return &mock.ResidentService{
		FindResidentByIDFn: func(_ context.Context, id string, _ bool) (*shequ.Resident, error) {
			for _, p := range people {
				if p.ID == id {
					return p, nil
				}
			}
			return nil, shequ.ErrNotFound
		},
		FindResidentsFn: func(_ context.Context, f shequ.ResidentFilter) ([]*shequ.Resident, int, error) {
			var out []*shequ.Resident
			for _, p := range people {
				if strings.HasPrefix(p.Community, f.Community) && (f.IDNumber == "" || string(p.IDNumber) == f.IDNumber) &&
					strings.Contains(p.Name, f.Query) {
					out = append(out, p)
				}
			}
			return out, len(out), nil
		},
	}
}

func TestRegisterListFiltersAndPages(t *testing.T) {
	s, id, st := newThingServer(t)
	tests := []struct {
		name, target, user string
		status             int
		want               []string // substrings of the page
	}{
		{"first page", "/things", "official", 200, []string{`href="/things/t3"`, `href="/things/t2"`, `id="page-next"`, `id="things-table"`}},
		{"second page", "/things?page=2", "official", 200, []string{`href="/things/t1"`, `id="page-prev"`}},
		{"choice", "/things?kind=harmony", "official", 200, []string{`href="/things/t2"`, `<option value="harmony" selected>`}},
		{"text", "/things?q=%E7%94%B2", "official", 200, []string{`href="/things/t1"`, `value="甲"`}},
		{"worker's scope is the default", "/things", "worker", 200, []string{`href="/things/t1"`, `value="330523001002"`}},
		{"unknown choice", "/things?kind=x", "official", 400, []string{`id="filter-kind-error"`}},
		{"text too long", "/things?q=" + strings.Repeat("长", maxQueryRunes+1), "official", 400, []string{`id="filter-q-error"`}},
		{"malformed community", "/things?community=33x", "official", 400, []string{`id="filter-community-error"`}},
		{"community out of scope", "/things?community=330523100", "worker", 404, []string{`id="filter-community-error"`}},
		{"bad date", "/things?opened_from=2024-13-01", "official", 400, []string{`id="filter-opened-error"`}},
		{"bad sort", "/things?sort=colour", "official", 400, nil},
		{"page 0", "/things?page=0", "official", 400, nil},
		{"page not a number", "/things?page=x", "official", 400, nil},
		{"no permission", "/things", "auditor", 403, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := s.get(t, tt.target, "Cookie", id.session(tt.user))
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d\n%s", w.Code, tt.status, w.Body)
			}
			for _, want := range tt.want {
				if !strings.Contains(w.Body.String(), want) {
					t.Errorf("page lacks %q", want)
				}
			}
		})
	}
	if w := s.get(t, "/things"); w.Code != http.StatusSeeOther {
		t.Errorf("anonymous: %d", w.Code)
	}
	// The query the store got for a full filter.
	st.queries = nil
	s.get(t, "/things?community=330523001&kind=charity&q=%E7%94%B2&opened_from=2024-01-01&opened_to=2024-12-31&sort=size&page=2",
		"Cookie", id.session("official"))
	q := st.queries[0]
	if q.Community != "330523001" || q.Get("kind") != "charity" || q.Text != "甲" || q.Sort != "size" || q.Offset != 2 || q.Limit != 2 ||
		q.From["opened"].Format(time.DateOnly) != "2024-01-01" || q.To["opened"].Format(time.DateOnly) != "2024-12-31" {
		t.Errorf("query %+v", q)
	}
}

func TestRegisterAPIList(t *testing.T) {
	s, id, _ := newThingServer(t)
	tests := []struct {
		target string
		status float64
		total  float64
		fields []string
	}{
		{"/api/v1/things", 200, 3, nil},
		{"/api/v1/things?limit=1&offset=2", 200, 3, nil},
		{"/api/v1/things?kind=charity", 200, 2, nil},
		{"/api/v1/things?limit=0", 400, 0, []string{"limit"}},
		{"/api/v1/things?limit=201&offset=-1", 400, 0, []string{"limit", "offset"}},
		{"/api/v1/things?kind=x&limit=x&community=3", 400, 0, []string{"kind", "limit", "community"}},
		{"/api/v1/things?community=110105", 404, 0, []string{"community"}},
	}
	for _, tt := range tests {
		m := s.json(t, http.MethodGet, tt.target, "", "Cookie", id.session("official"))
		if m["_status"] != tt.status {
			t.Errorf("%s: %v", tt.target, m)
			continue
		}
		if tt.status == 200 && m["total"] != tt.total {
			t.Errorf("%s: total %v", tt.target, m["total"])
		}
		for _, f := range tt.fields {
			if apiFieldErrs(m)[f] == nil {
				t.Errorf("%s: no error on %s: %v", tt.target, f, m)
			}
		}
	}
	m := s.json(t, http.MethodGet, "/api/v1/things?limit=1&offset=2", "", "Cookie", id.session("official"))
	items := m["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["name"] != "甲" || items[0].(map[string]any)["phone"] != "138****5678" {
		t.Errorf("page: %v", m)
	}
}

func TestRegisterFormValidation(t *testing.T) {
	s, id, st := newThingServer(t)
	good := url.Values{"name": {"丁"}, "community_code": {"330523001002"}, "kind": {"charity"}, "size": {"5"},
		"fee": {"12.50"}, "opened": {"2024-05-01"}, "areas": {"care", "rehab"}, "serves": {"330523001201，330523001202"},
		"phone": {"13912345678"}, "id_number": {idChild}, "lat": {"30.6"}, "lng": {"119.6"}, "coordinate_system": {"wgs84"}}
	tests := []struct {
		name   string
		change map[string]string
		status int
		errs   []string // DOM ids of the errors shown
	}{
		{"name missing", map[string]string{"name": ""}, 400, []string{"thing-name-error"}},
		{"name too long", map[string]string{"name": strings.Repeat("名", 21)}, 400, []string{"thing-name-error"}},
		{"number out of range", map[string]string{"size": "101"}, 400, []string{"thing-size-error"}},
		{"not a number", map[string]string{"size": "五"}, 400, []string{"thing-size-error"}},
		{"money", map[string]string{"fee": "12.345"}, 400, []string{"thing-fee-error"}},
		{"date", map[string]string{"opened": "2024/5/1"}, 400, []string{"thing-opened-error"}},
		{"choice", map[string]string{"kind": "sports"}, 400, []string{"thing-kind-error"}},
		{"phone", map[string]string{"phone": "123"}, 400, []string{"thing-phone-error"}},
		{"ID number", map[string]string{"id_number": "110105194912310021"}, 400, []string{"thing-id-number-error"}},
		{"half a location", map[string]string{"lng": ""}, 400, []string{"thing-location-error"}},
		{"coordinate system", map[string]string{"coordinate_system": "bd09"}, 400, []string{"thing-location-error"}},
		{"everything at once", map[string]string{"name": "", "size": "x", "kind": "x"}, 400,
			[]string{"thing-name-error", "thing-size-error", "thing-kind-error"}},
		{"out of scope", map[string]string{"community_code": "110105001001"}, 404, []string{"thing-community-code-error"}},
		{"refused by the store", map[string]string{"community_code": "330523001999"}, 400, []string{"thing-community-code-error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := url.Values{}
			for k, vs := range good {
				v[k] = vs
			}
			for k, x := range tt.change {
				v.Set(k, x)
			}
			before, writes := st.count()
			w := s.form(t, "/things", v, "Cookie", id.session("official"))
			if w.Code != tt.status {
				t.Fatalf("status %d\n%s", w.Code, w.Body)
			}
			for _, e := range tt.errs {
				if !strings.Contains(w.Body.String(), `id="`+e+`"`) {
					t.Errorf("no %s", e)
				}
			}
			if !strings.Contains(w.Body.String(), `id="form-error"`) {
				t.Error("no alert")
			}
			// Sent back as typed (the name), nothing written.
			if n, wr := st.count(); n != before || wr != writes {
				t.Errorf("wrote %d records", n-before)
			}
		})
	}
	w := s.form(t, "/things", good, "Cookie", id.session("worker"))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/things/t4?notice=created" {
		t.Fatalf("good form: %d %s", w.Code, w.Body)
	}
	x := st.byID["t4"]
	if x.Fee != 1250 || x.Size != 5 || x.Opened == nil || len(x.Areas) != 2 || len(x.Serves) != 2 || x.Phone != "13912345678" ||
		x.IDNumber != idChild || *x.Lat != 30.6 {
		t.Errorf("stored %+v", x)
	}
	// The edit form leaves sealed inputs blank; sent blank they keep the
	// stored numbers.
	w = s.get(t, "/things/t4/edit", "Cookie", id.session("worker"))
	if !strings.Contains(w.Body.String(), `id="thing-phone" name="phone"`) || strings.Contains(w.Body.String(), "13912345678") ||
		!strings.Contains(w.Body.String(), `value="12.50"`) || !strings.Contains(w.Body.String(), `id="worker-area-rehab" checked`) {
		t.Errorf("edit form:\n%s", w.Body)
	}
	edit := url.Values{}
	for k, vs := range good {
		edit[k] = vs
	}
	edit.Set("phone", "")
	edit.Set("id_number", "")
	edit.Set("size", "7")
	if w := s.form(t, "/things/t4/edit", edit, "Cookie", id.session("worker")); w.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", w.Code, w.Body)
	}
	if x := st.byID["t4"]; x.Size != 7 || x.Phone != "13912345678" || x.IDNumber != idChild {
		t.Errorf("after edit %+v", x)
	}
}

func TestRegisterShowAndReveal(t *testing.T) {
	s, id, _ := newThingServer(t)
	w := s.get(t, "/things/t1", "Cookie", id.session("worker"))
	body := w.Body.String()
	for _, want := range []string{`id="thing-phone">138****5678<`, `id="thing-kind">公益慈善<`, `id="thing-areas">社区照顾<`,
		`2024年3月1日`, `id="thing-reveal"`, `id="thing-edit"`} {
		if !strings.Contains(body, want) {
			t.Errorf("show page lacks %q", want)
		}
	}
	if strings.Contains(body, "13812345678") || strings.Contains(body, idElderly) {
		t.Error("a sealed number in clear")
	}
	if w := s.form(t, "/things/t1/reveal", nil, "Cookie", id.session("worker")); !strings.Contains(w.Body.String(), "13812345678") {
		t.Errorf("reveal: %d", w.Code)
	}
	// An official may read but not reveal (no resident.reveal).
	if w := s.form(t, "/things/t1/reveal", nil, "Cookie", id.session("official")); w.Code != http.StatusForbidden {
		t.Errorf("reveal as official: %d", w.Code)
	}
	if w := s.get(t, "/things/t1", "Cookie", id.session("official")); strings.Contains(w.Body.String(), `id="thing-reveal"`) {
		t.Error("the reveal button shown to an official")
	}
	// Another community's thing is not found for the worker.
	if w := s.get(t, "/things/t3", "Cookie", id.session("worker")); w.Code != http.StatusNotFound {
		t.Errorf("out of scope: %d", w.Code)
	}
	for _, c := range []struct{ user, target string }{{"worker", "/api/v1/things/t1?reveal=1"}} {
		m := s.json(t, http.MethodGet, c.target, "", "Cookie", id.session(c.user))
		if m["phone"] != "13812345678" || m["id_number"] != idElderly {
			t.Errorf("%s %s: %v", c.user, c.target, m)
		}
	}
	if m := s.json(t, http.MethodGet, "/api/v1/things/t1?reveal=1", "", "Cookie", id.session("official")); m["_status"] != 403.0 {
		t.Errorf("API reveal as official: %v", m)
	}
	if m := s.json(t, http.MethodGet, "/api/v1/things/t1?reveal=yes", "", "Cookie", id.session("worker")); m["_status"] != 400.0 {
		t.Errorf("reveal=yes: %v", m)
	}
}

func TestRegisterAPIWrites(t *testing.T) {
	s, id, st := newThingServer(t)
	base := `"name":"戊","community_code":"330523001002","kind":"charity","id_number":"` + idChild + `"`
	tests := []struct {
		name, method, target, body, user string
		status                           float64
		fields                           []string
	}{
		{"unknown field", "POST", "/api/v1/things", `{` + base + `,"colour":"red"}`, "worker", 400, []string{"colour"}},
		{"wrong type", "POST", "/api/v1/things", `{` + base + `,"size":"five"}`, "worker", 400, []string{"size"}},
		{"fraction for a whole number", "POST", "/api/v1/things", `{` + base + `,"size":1.5}`, "worker", 400, []string{"size"}},
		{"out of range", "POST", "/api/v1/things", `{` + base + `,"size":101,"fee":-1}`, "worker", 400, []string{"size", "fee"}},
		{"strict date", "POST", "/api/v1/things", `{` + base + `,"opened":"2024/5/1"}`, "worker", 400, []string{"opened"}},
		{"domain rule", "POST", "/api/v1/things", `{"name":"","community_code":"330523001002"}`, "worker", 400, []string{"name", "kind"}},
		{"half a GCJ-02 location", "PATCH", "/api/v1/things/t1", `{"lat":30.7,"coordinate_system":"gcj02"}`, "worker", 400, []string{"location"}},
		{"not JSON", "POST", "/api/v1/things", `name=戊`, "worker", 400, nil},
		{"out of scope", "POST", "/api/v1/things", `{"name":"戊","community_code":"110105001001","kind":"charity","id_number":"` + idChild + `"}`, "worker", 404, []string{"community_code"}},
		{"other community's record", "PATCH", "/api/v1/things/t3", `{"size":2}`, "worker", 404, nil},
		{"no permission", "POST", "/api/v1/things", `{` + base + `}`, "auditor", 403, nil},
		{"anonymous", "PATCH", "/api/v1/things/t1", `{"size":2}`, "", 401, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.user != "" {
				h = []string{"Cookie", id.session(tt.user)}
			}
			_, writes := st.count()
			m := s.json(t, tt.method, tt.target, tt.body, h...)
			if m["_status"] != tt.status {
				t.Fatalf("%v", m)
			}
			for _, f := range tt.fields {
				if apiFieldErrs(m)[f] == nil {
					t.Errorf("no error on %s: %v", f, m)
				}
			}
			if _, w := st.count(); w != writes {
				t.Error("written")
			}
		})
	}
	m := s.json(t, http.MethodPost, "/api/v1/things", `{`+base+`,"fee":1250,"areas":["care"],"lat":30.6,"lng":119.6}`,
		"Cookie", id.session("worker"))
	if m["_status"] != 201.0 || m["size"] != 1.0 || m["fee"] != 1250.0 || m["id_number"] != "3****************7" || m["lat"] != 30.6 {
		t.Fatalf("create: %v", m)
	}
	// PATCH merges: the size changes, the rest stays; null clears.
	m = s.json(t, http.MethodPatch, "/api/v1/things/"+m["id"].(string), `{"size":9,"lat":null,"lng":null}`, "Cookie", id.session("worker"))
	if m["_status"] != 200.0 || m["size"] != 9.0 || m["fee"] != 1250.0 || m["lat"] != nil || m["name"] != "戊" {
		t.Errorf("patch: %v", m)
	}
}

// upload posts a file to the import page (multipart) with extra form
// values.
func upload(t *testing.T, s *testServer, cookie, target, name, content string, values map[string]string) (int, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range values {
		mw.WriteField(k, v)
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte(content))
	}
	mw.Close()
	w := s.do(t, http.MethodPost, target, &b, "Content-Type", mw.FormDataContentType(), "Cookie", cookie)
	return w.Code, w.Body.String()
}

func TestRegisterImport(t *testing.T) {
	s, id, st := newThingServer(t)
	cookie := id.session("worker")
	const header = "名称,社区代码,类型,人数,费用,日期,身份证号,lat,lng\n"
	good := "丁,330523001002,公益慈善,5人,12.5,2024/3/1," + idChild + ",30.6,119.6\n" +
		"戊,,harmony,,,," + idChild + ",,\n" // community from the page
	bad := good +
		"己,330523001002,游泳,200,abc,2024-13-01," + idChild + ",30.6,\n" + // line 4: kind, size, fee, date, location
		"丁,330523001002,charity,,,," + idChild + ",,\n" + // line 5: name repeats line 2
		",330523001002,charity,,,," + idChild + ",,\n" // line 6: no name
	tests := []struct {
		name, file, content string
		values              map[string]string
		status              int
		want                []string
		written             int
	}{
		{"bad rows", "t.csv", header + bad, map[string]string{"community_code": "330523001002"}, 422, []string{"第 4 行", "第 5 行", "第 6 行", `id="import-errors-csv"`}, 0},
		{"unknown column", "t.csv", "名称,颜色\n甲,红\n", nil, 400, []string{"颜色"}, 0},
		{"missing column", "t.csv", "名称\n甲\n", nil, 400, []string{"kind"}, 0},
		{"no file", "", "", nil, 400, []string{`id="import-file-error"`}, 0},
		{"not a table", "t.pdf", "%PDF", nil, 400, []string{`id="form-error"`}, 0},
		{"community outside", "t.csv", header + good, map[string]string{"community_code": "330523100201"}, 400, []string{`id="import-community-error"`}, 0},
		{"refused by the store", "t.csv", header + "庚,330523001999,charity,,,," + idChild + ",,\n", nil, 422, []string{"第 2 行"}, 0},
		{"good", "t.csv", header + good, map[string]string{"community_code": "330523001002"}, 200, []string{"写入 2 行"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := st.count()
			code, body := upload(t, s, cookie, "/things/import", tt.file, tt.content, tt.values)
			if code != tt.status {
				t.Fatalf("status %d\n%s", code, body)
			}
			for _, want := range tt.want {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if n, _ := st.count(); n-before != tt.written {
				t.Errorf("wrote %d", n-before)
			}
		})
	}
	// The rejected rows download as CSV: line, reasons.
	_, body := upload(t, s, cookie, "/things/import", "t.csv", header+bad, map[string]string{"community_code": "330523001002"})
	m := regexp.MustCompile(`href="data:text/csv;charset=utf-8;base64,([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSV link")
	}
	csv, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatalf("%v: %s", err, m[1])
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(string(csv), "\ufeff")), "\n")
	if len(lines) != 4 || lines[0] != "line,reason" || !strings.HasPrefix(lines[1], "4,") || !strings.Contains(lines[1], "thing.size") {
		t.Errorf("errors CSV:\n%s", csv)
	}

	// The API: the same file, the same answer, as JSON.
	w := s.do(t, http.MethodPost, "/api/v1/things/import?filename=t.csv&community=330523001002", strings.NewReader(header+bad), "Cookie", cookie)
	rep := decode(t, w)
	rows, _ := rep["errors"].([]any)
	if w.Code != http.StatusUnprocessableEntity || len(rows) != 3 || rows[0].(map[string]any)["line"] != 4.0 ||
		rows[0].(map[string]any)["fields"].(map[string]any)["size"] == nil || rep["written"] != 0.0 {
		t.Errorf("API import: %d %v", w.Code, rep)
	}
	w = s.do(t, http.MethodPost, "/api/v1/things/import?community=330523001002&gcj02=1", strings.NewReader(header+good),
		"Cookie", cookie, "Content-Type", "text/csv")
	if rep := decode(t, w); w.Code != http.StatusOK || rep["written"] != 2.0 {
		t.Errorf("API good import: %d %v", w.Code, rep)
	}
	for _, x := range st.byID {
		if x.Name == "丁" && x.Lat != nil && *x.Lat == 30.6 && x.Fee == 1250 {
			return // the first import, WGS-84
		}
	}
	t.Error("the imported thing is not as written")
}

func TestRegisterImportPermission(t *testing.T) {
	s, id, _ := newThingServer(t)
	if w := s.get(t, "/things/import", "Cookie", id.session("auditor")); w.Code != http.StatusForbidden {
		t.Errorf("auditor: %d", w.Code)
	}
	if code, _ := upload(t, s, id.session("auditor"), "/things/import", "t.csv", "名称\n", nil); code != http.StatusForbidden {
		t.Errorf("auditor upload: %d", code)
	}
	if w := s.get(t, "/things/import", "Cookie", id.session("worker")); w.Code != 200 || !strings.Contains(w.Body.String(), `id="import-gcj02"`) {
		t.Errorf("worker: %d", w.Code)
	}
	// The list offers the import to those who may, not to the others.
	if w := s.get(t, "/things", "Cookie", id.session("official")); !strings.Contains(w.Body.String(), `id="thing-import"`) {
		t.Error("no import link")
	}
}

func TestRegisterOpenAPI(t *testing.T) {
	s, _, _ := newThingServer(t)
	doc := decode(t, s.get(t, "/api/v1/openapi.json"))
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/api/v1/things", "/api/v1/things/{id}", "/api/v1/things/import"} {
		if paths[p] == nil {
			t.Errorf("%s undocumented", p)
		}
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	props := schemas["Thing"].(map[string]any)["properties"].(map[string]any)
	for _, k := range []string{"id", "name", "fee", "lat", "lng", "created_at"} {
		if props[k] == nil {
			t.Errorf("Thing lacks %s", k)
		}
	}
	if props["coordinate_system"] != nil || schemas["ThingInput"].(map[string]any)["properties"].(map[string]any)["coordinate_system"] == nil {
		t.Error("coordinate_system is input only")
	}
}

// People pick a community by name, grouped by township, within their area;
// a filter may also pick a whole township.
func TestRegisterCommunityPicker(t *testing.T) {
	s, id, _ := newThingServer(t)
	w := s.get(t, "/things/new", "Cookie", id.session("official"))
	body := w.Body.String()
	for _, want := range []string{`<select id="thing-community-code" name="community_code">`, `<optgroup label="递铺街道">`,
		`<option value="330523001002">苕秀社区居委会</option>`} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %q", want)
		}
	}
	if strings.Contains(body, `<option value="330523001">`) {
		t.Error("a form offers a township for a community")
	}
	w = s.get(t, "/things?community=330523001", "Cookie", id.session("official"))
	if !strings.Contains(w.Body.String(), `<option value="330523001" selected>递铺街道（全部）</option>`) {
		t.Errorf("filter:\n%s", w.Body)
	}
	// A worker of one community picks it alone, preset.
	w = s.get(t, "/things/new", "Cookie", id.session("worker"))
	if !strings.Contains(w.Body.String(), `<option value="330523001002" selected>苕秀社区居委会</option>`) ||
		strings.Count(w.Body.String(), "<option value=\"3305") != 1 {
		t.Errorf("worker's form:\n%s", w.Body)
	}
}

// A person is picked by name or ID number among the residents of the
// actor's area; a name several share comes back as choices.
func TestRegisterPersonPicker(t *testing.T) {
	s, id, st := newThingServer(t)
	cookie := id.session("worker")
	form := func(q, pick string) url.Values {
		v := url.Values{"name": {"庚"}, "community_code": {"330523001002"}, "kind": {"charity"}, "id_number": {idChild},
			"resident_id__q": {q}}
		if pick != "" {
			v.Set("resident_id__pick", pick)
		}
		return v
	}
	created := func(w interface{ Header() http.Header }) *thing {
		loc := w.Header().Get("Location")
		i := strings.Index(loc, "?")
		if i < 0 {
			return nil
		}
		return st.byID[strings.TrimPrefix(loc[:i], "/things/")]
	}
	tests := []struct {
		name, q, pick string
		status        int
		want          string // the resident chosen, or a DOM id on the page
	}{
		{"one by name", "李四", "", 303, "r3"},
		{"one by ID number", idElderly, "", 303, "r1"},
		{"none", "赵六", "", 400, `id="thing-resident-id-error"`},
		{"outside the area", "王五", "", 400, `id="thing-resident-id-error"`},
		{"several", "张三", "", 400, `name="resident_id__pick" value="r2"`},
		{"picked among several", "张三", "r2", 303, "r2"},
		{"a pick outside the area is not taken", "张三", "r4", 400, `name="resident_id__pick"`},
		{"none given", "", "", 303, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := s.form(t, "/things", form(tt.q, tt.pick), "Cookie", cookie)
			if w.Code != tt.status {
				t.Fatalf("status %d\n%s", w.Code, w.Body)
			}
			if tt.status == 303 {
				if x := created(w); x == nil || x.ResidentID != tt.want {
					t.Errorf("stored %+v", x)
				}
				return
			}
			if !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("page lacks %q", tt.want)
			}
		})
	}
	// The record names the resident; its edit form shows them, and keeps
	// them when the text is left as it is.
	w := s.form(t, "/things", form("李四", ""), "Cookie", cookie)
	x := created(w)
	page := s.get(t, "/things/"+x.ID, "Cookie", cookie).Body.String()
	if !strings.Contains(page, `<a href="/residents/r3">李四（3****************7）</a>`) {
		t.Errorf("show page:\n%s", page)
	}
	edit := s.get(t, "/things/"+x.ID+"/edit", "Cookie", cookie).Body.String()
	if !strings.Contains(edit, `name="resident_id__q" value="李四（3****************7）"`) {
		t.Errorf("edit form:\n%s", edit)
	}
	v := form("李四（3****************7）", "")
	if w := s.form(t, "/things/"+x.ID+"/edit", v, "Cookie", cookie); w.Code != http.StatusSeeOther || st.byID[x.ID].ResidentID != "r3" {
		t.Errorf("kept: %d %+v", w.Code, st.byID[x.ID])
	}
	// The API takes ids of the area only.
	for _, c := range []struct {
		rid    string
		status float64
	}{{"r3", 201}, {"r4", 400}, {"nobody", 400}} {
		m := s.json(t, http.MethodPost, "/api/v1/things", `{"name":"辛","community_code":"330523001002","kind":"charity","id_number":"`+idChild+`","resident_id":"`+c.rid+`"}`,
			"Cookie", cookie)
		if m["_status"] != c.status || (c.status == 400 && apiFieldErrs(m)["resident_id"] == nil) {
			t.Errorf("%s: %v", c.rid, m)
		}
	}
	// An import names the resident by ID number.
	csv := "名称,类型,身份证号,居民\n壬,charity," + idChild + "," + idChild + "\n癸,charity," + idChild + ",110105195001010012\n"
	code, body := upload(t, s, cookie, "/things/import", "t.csv", csv, map[string]string{"community_code": "330523001002"})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "第 3 行") || strings.Contains(body, "第 2 行") {
		t.Errorf("import: %d\n%s", code, body)
	}
}
