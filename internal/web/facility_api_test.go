package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"shequ"
	"shequ/internal/coverage"
	"shequ/internal/geo"
)

// apiFacilityStore is an in-memory stand-in for the facility and location
// stores that also feeds the real coverage engine (as the SQL store does
// through OnChange), so that the API tests see coverage move.
type apiFacilityStore struct {
	mu      sync.Mutex
	facs    map[string]*shequ.Facility
	locs    map[string]*shequ.CommunityLocation
	names   map[string]string // townships and the county
	next    int
	created int
	engine  *coverage.Engine
}

// newAPIFacilityStore builds a county (安吉县) with three townships, five
// communities (two without a location) and three facilities, plus a
// facility in another province, and loads the coverage engine over it.
func newAPIFacilityStore(t *testing.T) *apiFacilityStore {
	t.Helper()
	loc := func(code, name string, lat, lng float64, pop int64) *shequ.CommunityLocation {
		return &shequ.CommunityLocation{Code: code, Name: name, Lat: ptr(lat), Lng: ptr(lng), Population: ptr(pop)}
	}
	st := &apiFacilityStore{facs: map[string]*shequ.Facility{}, locs: map[string]*shequ.CommunityLocation{},
		names: map[string]string{"33": "浙江省", "3305": "湖州市", "330523": "安吉县", "330523001": "递铺街道",
			"330523100": "孝丰镇", "330523101": "天荒坪镇", "11": "北京市", "1101": "市辖区", "110105": "朝阳区", "110105001": "建外街道"}}
	for _, c := range []*shequ.CommunityLocation{
		loc("330523001002", "苕秀社区", 30.6380, 119.6800, 5000),
		loc("330523001003", "昌硕社区", 30.6420, 119.6900, 4000),
		loc("330523100201", "横溪坞村", 30.5500, 119.5200, 1200),
		{Code: "330523100202", Name: "溪南村"},
		{Code: "330523101201", Name: "大溪村"},
		loc("110105001001", "建外社区", 39.9100, 116.4500, 3000),
	} {
		st.locs[c.Code] = c
	}
	for _, f := range []*shequ.Facility{
		{ID: "f1", Community: "330523001002", Name: "苕秀社区综合服务中心", Kind: shequ.FacilityCenter, Lat: ptr(30.6381),
			Lng: ptr(119.6801), Radius: 3000, Status: shequ.FacilityInUse, Source: shequ.SourceNewBuild, Hours: "8:30-17:00"},
		{ID: "f2", Community: "330523100201", Name: "横溪坞村便民服务点", Kind: shequ.FacilityConvenience, Lat: ptr(30.5501),
			Lng: ptr(119.5201), Radius: 500, Status: shequ.FacilityPlanned},
		{ID: "f3", Community: "330523001003", Name: "昌硕社区卫生服务站", Kind: shequ.FacilityHealth, Radius: 2000,
			Status: shequ.FacilityInUse},
		{ID: "fx", Community: "110105001001", Name: "建外社区服务站", Kind: shequ.FacilityStation, Lat: ptr(39.91),
			Lng: ptr(116.45), Radius: 2000, Status: shequ.FacilityInUse},
	} {
		f.CreatedAt, f.UpdatedAt = testNow, testNow
		st.facs[f.ID] = f
	}
	st.engine = coverage.New(st, nil)
	if err := st.engine.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func copyAPIFacility(f *shequ.Facility) *shequ.Facility {
	c := *f
	return &c
}

// LoadCommunities implements coverage.Source.
func (st *apiFacilityStore) LoadCommunities(_ context.Context, fn func(*shequ.CommunityLocation) error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	codes := make([]string, 0, len(st.locs))
	for c := range st.locs {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		l := *st.locs[c]
		if err := fn(&l); err != nil {
			return err
		}
	}
	return nil
}

// LoadFacilities implements coverage.Source.
func (st *apiFacilityStore) LoadFacilities(_ context.Context, fn func(*shequ.Facility) error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, f := range st.facs {
		if err := fn(copyAPIFacility(f)); err != nil {
			return err
		}
	}
	return nil
}

// LoadDivisionNames implements coverage.Source.
func (st *apiFacilityStore) LoadDivisionNames(_ context.Context, fn func(code, name string) error) error {
	for c, n := range st.names {
		if err := fn(c, n); err != nil {
			return err
		}
	}
	return nil
}

func (st *apiFacilityStore) CreateFacility(_ context.Context, f *shequ.Facility) error {
	st.mu.Lock()
	st.next++
	st.created++
	f.ID, f.CreatedAt, f.UpdatedAt = fmt.Sprintf("n%d", st.next), testNow, testNow
	st.facs[f.ID] = copyAPIFacility(f)
	st.mu.Unlock()
	st.engine.FacilityChanged(copyAPIFacility(f), nil)
	return nil
}

func (st *apiFacilityStore) FindFacilityByID(_ context.Context, id string) (*shequ.Facility, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	f, ok := st.facs[id]
	if !ok {
		return nil, shequ.ErrNotFound
	}
	return copyAPIFacility(f), nil
}

func (st *apiFacilityStore) FindFacilities(_ context.Context, fl shequ.FacilityFilter) ([]*shequ.Facility, int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var all []*shequ.Facility
	for _, f := range st.facs {
		if strings.HasPrefix(f.Community, fl.Community) && (fl.Kind == "" || f.Kind == fl.Kind) &&
			(fl.Status == "" || f.Status == fl.Status) && strings.Contains(f.Name, fl.Query) {
			all = append(all, copyAPIFacility(f))
		}
	}
	slices.SortFunc(all, func(a, b *shequ.Facility) int { return strings.Compare(a.ID, b.ID) })
	total := len(all)
	all = all[min(fl.Offset, total):min(fl.Offset+fl.Limit, total)]
	return all, total, nil
}

func (st *apiFacilityStore) UpdateFacility(_ context.Context, f *shequ.Facility) error {
	st.mu.Lock()
	before, ok := st.facs[f.ID]
	if !ok {
		st.mu.Unlock()
		return shequ.ErrNotFound
	}
	st.facs[f.ID] = copyAPIFacility(f)
	st.mu.Unlock()
	st.engine.FacilityChanged(copyAPIFacility(f), before)
	return nil
}

func (st *apiFacilityStore) ImportFacilities(context.Context, []*shequ.Facility) error {
	panic("not used by the API")
}

func (st *apiFacilityStore) AddFacilityPhoto(context.Context, *shequ.FacilityPhoto) error {
	panic("not used by the API")
}

func (st *apiFacilityStore) FindFacilityPhotos(context.Context, string) ([]*shequ.FacilityPhoto, error) {
	panic("not used by the API")
}

func (st *apiFacilityStore) FindCommunityLocations(context.Context, string) ([]*shequ.CommunityLocation, error) {
	panic("not used by the API")
}

func (st *apiFacilityStore) UpdateCommunityLocation(_ context.Context, c *shequ.CommunityLocation) error {
	st.mu.Lock()
	old, ok := st.locs[c.Code]
	if !ok {
		st.mu.Unlock()
		return shequ.ErrNotFound
	}
	c.Name = old.Name
	l := *c
	st.locs[c.Code] = &l
	st.mu.Unlock()
	st.engine.CommunityChanged(&l)
	return nil
}

func (st *apiFacilityStore) get(id string) *shequ.Facility {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.facs[id]
}

// newFacilityAPIServer is an identity server with the facility services
// and the coverage engine over st.
func newFacilityAPIServer(t *testing.T, st *apiFacilityStore) (*testServer, *identity) {
	t.Helper()
	return newIdentityServer(t, nil, func(c *Config) { c.Facilities, c.Locations, c.Coverage = st, st, st.engine })
}

// apiFieldErrs returns the field errors of an error answer.
func apiFieldErrs(m map[string]any) map[string]any {
	e, _ := m["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

func TestAPIFacilityCreateGCJ(t *testing.T) {
	st := newAPIFacilityStore(t)
	s, id := newFacilityAPIServer(t, st)
	// A GCJ-02 point as a web map gives it, 20 m from 横溪坞村.
	gcj := geo.WGSToGCJ(geo.Point{Lat: 30.5502, Lng: 119.5202})
	body := fmt.Sprintf(`{"name":"横溪坞村综合服务站","kind":"service_station","community_code":"330523100201",
		"floor_area":320.5,"lat":%v,"lng":%v,"source":"renovation","opened_on":"2025-03-01","status":"in_use",
		"hours":"周一至周五 8:30-17:00","coordinate_system":"gcj02"}`, gcj.Lat, gcj.Lng)
	m := s.json(t, http.MethodPost, "/api/v1/facilities", body, "Cookie", id.session("official"))
	if m["_status"] != 201.0 {
		t.Fatalf("%v", m)
	}
	f := st.get(m["id"].(string))
	want := geo.GCJToWGS(gcj)
	if f == nil || !f.Located() || math.Abs(*f.Lat-want.Lat) > 1e-9 || math.Abs(*f.Lng-want.Lng) > 1e-9 {
		t.Fatalf("stored %+v, want WGS %v", f, want)
	}
	// The conversion moved the point by hundreds of metres, back onto
	// the WGS-84 position it came from.
	if d := geo.Distance(geo.Point{Lat: *f.Lat, Lng: *f.Lng}, geo.Point{Lat: 30.5502, Lng: 119.5202}); d > 1 {
		t.Errorf("converted point is %.1f m from the original", d)
	}
	if m["radius"] != 2000.0 || m["opened_on"] != "2025-03-01" || m["photos"] != 0.0 || m["lat"] != *f.Lat ||
		m["floor_area"] != 320.5 || m["source"] != "renovation" || m["created_at"] != "2026-11-29T06:00:00Z" {
		t.Errorf("answer %v", m)
	}
	// The engine heard of it: the village is now covered.
	cov := s.json(t, http.MethodGet, "/api/v1/coverage/330523100", "", "Cookie", id.session("official"))
	fig := cov["figures"].(map[string]any)
	if fig["covered"] != 1.0 || fig["rural_with_comprehensive"] != 1.0 {
		t.Errorf("coverage after create: %v", fig)
	}
}

func TestAPIFacilityCreateInvalid(t *testing.T) {
	st := newAPIFacilityStore(t)
	s, id := newFacilityAPIServer(t, st)
	base := `"name":"甲","kind":"service_center","community_code":"330523001002"`
	tests := []struct {
		name, body, field string
		status            float64
	}{
		{"unknown kind", `{"name":"甲","kind":"school","community_code":"330523001002"}`, "kind", 400},
		{"radius", `{` + base + `,"radius":20}`, "radius", 400},
		{"half a location", `{` + base + `,"lat":30.6}`, "location", 400},
		{"outside China", `{` + base + `,"lat":119.6,"lng":30.6}`, "location", 400},
		{"coordinate system", `{` + base + `,"lat":30.6,"lng":119.6,"coordinate_system":"bd09"}`, "coordinate_system", 400},
		{"date", `{` + base + `,"opened_on":"2025/3/1"}`, "opened_on", 400},
		{"status", `{` + base + `,"status":"open"}`, "status", 400},
		{"out of scope", `{"name":"甲","kind":"service_center","community_code":"110105001001"}`, "community_code", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := s.json(t, http.MethodPost, "/api/v1/facilities", tt.body, "Cookie", id.session("official"))
			if m["_status"] != tt.status || apiFieldErrs(m)[tt.field] == nil {
				t.Errorf("%v", m)
			}
		})
	}
	if m := s.json(t, http.MethodPost, "/api/v1/facilities", `{"name":"甲","colour":"red"}`, "Cookie", id.session("official")); m["_status"] != 400.0 {
		t.Errorf("unknown field: %v", m)
	}
	if st.created != 0 {
		t.Errorf("the store was called %d times", st.created)
	}
}

func TestAPIFacilityAuth(t *testing.T) {
	st := newAPIFacilityStore(t)
	s, id := newFacilityAPIServer(t, st)
	id.tokens["tok-official"] = "u-official"
	for _, target := range []string{"/api/v1/facilities", "/api/v1/facilities/f1", "/api/v1/coverage/330523",
		"/api/v1/coverage/330523/gaps", "/api/v1/coverage/330523/map"} {
		if w := s.get(t, target); w.Code != http.StatusUnauthorized {
			t.Errorf("GET %s without auth: %d", target, w.Code)
		}
		if w := s.get(t, target, "Cookie", id.session("auditor")); w.Code != http.StatusForbidden {
			t.Errorf("GET %s as auditor: %d", target, w.Code)
		}
		if w := s.get(t, target, "Authorization", "Bearer tok-official"); w.Code != http.StatusOK {
			t.Errorf("GET %s with a token: %d %s", target, w.Code, w.Body)
		}
	}
	writes := []struct{ method, target, body string }{
		{http.MethodPost, "/api/v1/facilities", `{"name":"甲","kind":"other","community_code":"330523001002"}`},
		{http.MethodPatch, "/api/v1/facilities/f1", `{"hours":"全天"}`},
		{http.MethodPut, "/api/v1/communities/330523001002/location", `{"lat":30.6,"lng":119.6}`},
		{http.MethodPost, "/api/v1/coverage/330523/siting", `{"kind":"service_center","k":1}`},
	}
	for _, wr := range writes {
		if m := s.json(t, wr.method, wr.target, wr.body); m["_status"] != 401.0 {
			t.Errorf("%s %s without auth: %v", wr.method, wr.target, m)
		}
		if m := s.json(t, wr.method, wr.target, wr.body, "Cookie", id.session("sysadmin")); m["_status"] != 403.0 {
			t.Errorf("%s %s as sysadmin: %v", wr.method, wr.target, m)
		}
	}
	// Out of scope is not found: a Beijing facility for an Anji official,
	// a village's facility for the worker of a town community.
	for _, c := range []struct{ user, target string }{
		{"official", "/api/v1/facilities/fx"}, {"worker", "/api/v1/facilities/f2"},
		{"official", "/api/v1/coverage/110105"}, {"worker", "/api/v1/coverage/330523/gaps"},
		{"official", "/api/v1/facilities?community_code=110105"}, {"official", "/api/v1/facilities/nope"},
	} {
		if w := s.get(t, c.target, "Cookie", id.session(c.user)); w.Code != http.StatusNotFound {
			t.Errorf("GET %s as %s: %d %s", c.target, c.user, w.Code, w.Body)
		}
	}
	m := s.json(t, http.MethodPatch, "/api/v1/facilities/f1", `{"community_code":"110105001001"}`, "Cookie", id.session("official"))
	if m["_status"] != 404.0 || apiFieldErrs(m)["community_code"] == nil || st.get("f1").Community != "330523001002" {
		t.Errorf("moving a facility out of scope: %v", m)
	}
}

func TestAPIFacilityListAndPatch(t *testing.T) {
	st := newAPIFacilityStore(t)
	s, id := newFacilityAPIServer(t, st)
	list := func(q string) map[string]any {
		return s.json(t, http.MethodGet, "/api/v1/facilities"+q, "", "Cookie", id.session("official"))
	}
	m := list("")
	if m["total"] != 3.0 || len(m["items"].([]any)) != 3 {
		t.Fatalf("scope list: %v", m)
	}
	first := m["items"].([]any)[0].(map[string]any)
	if first["id"] != "f1" || first["lat"] != 30.6381 || first["kind"] != "service_center" || first["hours"] != "8:30-17:00" {
		t.Errorf("item %v", first)
	}
	m = list("?community_code=330523001&limit=1&offset=1")
	if m["total"] != 2.0 || len(m["items"].([]any)) != 1 || m["items"].([]any)[0].(map[string]any)["id"] != "f3" {
		t.Errorf("page: %v", m)
	}
	m = list("?status=planned&q=" + "便民")
	if m["total"] != 1.0 || m["items"].([]any)[0].(map[string]any)["lat"] == nil {
		t.Errorf("filtered: %v", m)
	}
	m = list("?kind=health")
	if m["total"] != 1.0 || m["items"].([]any)[0].(map[string]any)["lat"] != nil {
		t.Errorf("health (no location, lat null): %v", m)
	}
	m = list("?kind=school&limit=500&community_code=33x")
	if f := apiFieldErrs(m); m["_status"] != 400.0 || f["kind"] == nil || f["limit"] == nil || f["community_code"] == nil {
		t.Errorf("bad filters: %v", m)
	}

	// PATCH merges: only the hours change; then the location is cleared.
	m = s.json(t, http.MethodPatch, "/api/v1/facilities/f1", `{"hours":"全天开放"}`, "Cookie", id.session("official"))
	if m["_status"] != 200.0 || m["hours"] != "全天开放" || m["name"] != "苕秀社区综合服务中心" || m["lat"] != 30.6381 {
		t.Errorf("patch hours: %v", m)
	}
	m = s.json(t, http.MethodPatch, "/api/v1/facilities/f1", `{"lat":null,"lng":null}`, "Cookie", id.session("official"))
	if m["_status"] != 200.0 || m["lat"] != nil || st.get("f1").Located() || st.get("f1").Hours != "全天开放" {
		t.Errorf("clear location: %v", m)
	}
	m = s.json(t, http.MethodPatch, "/api/v1/facilities/f1", `{"lat":30.7,"coordinate_system":"gcj02"}`, "Cookie", id.session("official"))
	if m["_status"] != 400.0 || apiFieldErrs(m)["location"] == nil {
		t.Errorf("half a GCJ-02 location: %v", m)
	}
	// The only in-use facility of the county with a location is gone:
	// nothing is covered there.
	cov := s.json(t, http.MethodGet, "/api/v1/coverage/330523", "", "Cookie", id.session("official"))
	fig := cov["figures"].(map[string]any)
	if fig["covered"] != 0.0 || fig["in_use"] != 2.0 {
		t.Errorf("coverage after clearing: %v", fig)
	}
}

func TestAPILocationPut(t *testing.T) {
	st := newAPIFacilityStore(t)
	s, id := newFacilityAPIServer(t, st)
	gcj := geo.WGSToGCJ(geo.Point{Lat: 30.5601, Lng: 119.5301})
	body := fmt.Sprintf(`{"lat":%v,"lng":%v,"population":800,"terrain":"mountain","relocation":true,"coordinate_system":"gcj02"}`, gcj.Lat, gcj.Lng)
	m := s.json(t, http.MethodPut, "/api/v1/communities/330523100202/location", body, "Cookie", id.session("official"))
	if m["_status"] != 200.0 || m["name"] != "溪南村" || m["population"] != 800.0 || m["relocation"] != true || m["terrain"] != "mountain" {
		t.Fatalf("%v", m)
	}
	l := st.locs["330523100202"]
	if d := geo.Distance(geo.Point{Lat: *l.Lat, Lng: *l.Lng}, geo.Point{Lat: 30.5601, Lng: 119.5301}); d > 1 {
		t.Errorf("stored %v,%v is %.1f m from the WGS-84 point", *l.Lat, *l.Lng, d)
	}
	cov := s.json(t, http.MethodGet, "/api/v1/coverage/330523100", "", "Cookie", id.session("official"))
	if fig := cov["figures"].(map[string]any); fig["located"] != 2.0 || fig["population"] != 2000.0 {
		t.Errorf("coverage after the location: %v", fig)
	}
	for _, c := range []struct {
		user, target, body, field string
		status                    float64
	}{
		{"official", "/api/v1/communities/330523100202/location", `{"lat":30.5,"lng":119.5,"terrain":"sea"}`, "terrain", 400},
		{"official", "/api/v1/communities/330523100202/location", `{"lat":30.5}`, "location", 400},
		{"official", "/api/v1/communities/330523100202/location", `{"population":-1}`, "population", 400},
		{"official", "/api/v1/communities/3305231002/location", `{}`, "community_code", 400},
		{"official", "/api/v1/communities/110105001001/location", `{"lat":39.9,"lng":116.4,"population":null,"terrain":"","relocation":false}`, "community_code", 404},
		{"worker", "/api/v1/communities/330523100202/location", `{"lat":30.5,"lng":119.5,"population":null,"terrain":"","relocation":false}`, "community_code", 404},
		// The whole record is replaced: a field left out is an error, not
		// a silent clear (issue 14), and so is a body of null.
		{"official", "/api/v1/communities/330523100202/location", `{"lat":30.5,"lng":119.5,"population":100}`, "terrain", 400},
		{"official", "/api/v1/communities/330523100202/location", `{"lat":30.5,"lng":119.5,"population":100,"terrain":"hill"}`, "relocation", 400},
		{"official", "/api/v1/communities/330523100202/location", `{"lng":119.5,"population":100,"terrain":"hill","relocation":false}`, "lat", 400},
	} {
		m := s.json(t, http.MethodPut, c.target, c.body, "Cookie", id.session(c.user))
		if m["_status"] != c.status || apiFieldErrs(m)[c.field] == nil {
			t.Errorf("%s %s: %v", c.target, c.body, m)
		}
	}
	// A body of null (or {}) cleared the location, population and terrain
	// (issue 14): now refused, and the record is kept.
	for _, body := range []string{"null", "{}", " null "} {
		m := s.json(t, http.MethodPut, "/api/v1/communities/330523100202/location", body, "Cookie", id.session("official"))
		if m["_status"] != 400.0 {
			t.Errorf("PUT %s: %v", body, m)
		}
	}
	if l := st.locs["330523100202"]; l.Lat == nil || l.Population == nil || *l.Population != 800 || l.Terrain != shequ.TerrainMountain {
		t.Errorf("the refused bodies changed the location: %+v", l)
	}
}

func TestAPICoverage(t *testing.T) {
	st := newAPIFacilityStore(t)
	s, id := newFacilityAPIServer(t, st)
	cookie := id.session("official")
	m := s.json(t, http.MethodGet, "/api/v1/coverage/330523", "", "Cookie", cookie)
	if m["_status"] != 200.0 {
		t.Fatalf("%v", m)
	}
	fig := m["figures"].(map[string]any)
	rates := fig["rates"].(map[string]any)
	// 苕秀 and 昌硕 lie 1 km apart, both within f1's 3 km; the village is
	// 18 km away and 溪南村 has no location.
	if fig["communities"] != 5.0 || fig["located"] != 3.0 || fig["covered"] != 2.0 || fig["urban_with_comprehensive"] != 1.0 ||
		fig["population"] != 10200.0 || fig["covered_population"] != 9000.0 || fig["in_use"] != 2.0 || fig["planned"] != 1.0 ||
		rates["radius"] != 2.0/3 || rates["urban_comprehensive"] != 0.5 || rates["rural_comprehensive"] != 0.0 || fig["median_nearest"] == nil {
		t.Errorf("figures %v", fig)
	}
	if d := m["division"].(map[string]any); d["name"] != "安吉县" || len(m["path"].([]any)) != 2 || len(m["what_if"].([]any)) != 0 {
		t.Errorf("report %v", m)
	}
	w := s.json(t, http.MethodGet, "/api/v1/coverage/330523?what_if=1", "", "Cookie", cookie)
	if wf := w["figures"].(map[string]any); wf["covered"] != 3.0 || len(w["what_if"].([]any)) != 1 {
		t.Errorf("what if: %v", w)
	}
	if b := s.json(t, http.MethodGet, "/api/v1/coverage/330523?what_if=yes", "", "Cookie", cookie); b["_status"] != 400.0 || apiFieldErrs(b)["what_if"] == nil {
		t.Errorf("bad what_if: %v", b)
	}
	if b := s.json(t, http.MethodGet, "/api/v1/coverage/33052", "", "Cookie", cookie); b["_status"] != 400.0 {
		t.Errorf("bad code: %v", b)
	}

	g := s.json(t, http.MethodGet, "/api/v1/coverage/330523/gaps?limit=1", "", "Cookie", cookie)
	items := g["items"].([]any)
	if g["total"] != 3.0 || len(items) != 1 {
		t.Fatalf("gaps %v", g)
	}
	gap := items[0].(map[string]any)
	if gap["community"].(map[string]any)["code"] != "330523100201" || gap["township"].(map[string]any)["name"] != "孝丰镇" ||
		gap["population"] != 1200.0 || gap["located"] != true || gap["nearest_name"] != "苕秀社区综合服务中心" || gap["nearest"].(float64) < 15000 {
		t.Errorf("gap %v", gap)
	}
	g = s.json(t, http.MethodGet, "/api/v1/coverage/330523/gaps?offset=1", "", "Cookie", cookie)
	if gap := g["items"].([]any)[0].(map[string]any); gap["nearest"] != nil || gap["population"] != nil || gap["located"] != false {
		t.Errorf("unlocated gap %v", gap)
	}
	// A township without a located community: the median distance of
	// nothing is null, not NaN (which JSON cannot carry).
	m = s.json(t, http.MethodGet, "/api/v1/coverage/330523101", "", "Cookie", cookie)
	if fig := m["figures"].(map[string]any); m["_status"] != 200.0 || fig["median_nearest"] != nil || fig["p90_nearest"] != nil ||
		fig["communities"] != 1.0 || fig["rates"].(map[string]any)["radius"] != 0.0 {
		t.Errorf("township without locations: %v", m)
	}
}

func TestAPICoverageMapGeoJSON(t *testing.T) {
	st := newAPIFacilityStore(t)
	s, id := newFacilityAPIServer(t, st)
	w := s.get(t, "/api/v1/coverage/330523/map", "Cookie", id.session("official"))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/geo+json" {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Content-Type"))
	}
	w.Header().Set("Content-Type", "application/json") // for decode
	m := decode(t, w)
	if m["type"] != "FeatureCollection" {
		t.Fatalf("%v", m)
	}
	byKey := map[string]map[string]any{}
	for _, f := range m["features"].([]any) {
		f := f.(map[string]any)
		p := f["properties"].(map[string]any)
		key, _ := p["code"].(string)
		if p["layer"] == "facility" {
			key = p["id"].(string)
		}
		geom := f["geometry"].(map[string]any)
		if f["type"] != "Feature" || geom["type"] != "Point" {
			t.Errorf("feature %v", f)
		}
		p["_coords"] = geom["coordinates"]
		byKey[key] = p
	}
	if len(byKey) != 5 { // 3 located communities, f1 and the planned f2
		t.Errorf("features %v", byKey)
	}
	c := byKey["330523001002"]
	if c["covered"] != true || c["name"] != "苕秀社区" || c["population"] != 5000.0 ||
		fmt.Sprint(c["_coords"]) != "[119.68 30.638]" {
		t.Errorf("community %v", c)
	}
	if c := byKey["330523100201"]; c["covered"] != false {
		t.Errorf("village %v", c)
	}
	if f := byKey["f2"]; f["kind"] != "convenience" || f["status"] != "planned" || f["radius"] != 500.0 || f["name"] != "横溪坞村便民服务点" {
		t.Errorf("facility %v", f)
	}
}

func TestAPICoverageSiting(t *testing.T) {
	st := newAPIFacilityStore(t)
	s, id := newFacilityAPIServer(t, st)
	cookie := id.session("official")
	m := s.json(t, http.MethodPost, "/api/v1/coverage/330523/siting", `{"kind":"service_station","k":2}`, "Cookie", cookie)
	if m["_status"] != 200.0 {
		t.Fatalf("%v", m)
	}
	steps := m["steps"].([]any)
	if m["radius"] != 2000.0 || len(steps) != 1 || m["before"].(map[string]any)["covered"] != 2.0 {
		t.Fatalf("siting %v", m)
	}
	st1 := steps[0].(map[string]any)
	if st1["rank"] != 1.0 || st1["community_code"] != "330523100201" || st1["new_population"] != 1200.0 ||
		st1["covered_population"] != 10200.0 || st1["population_coverage"] != 1.0 {
		t.Errorf("step %v", st1)
	}

	// A user's candidate given in GCJ-02 lands on the village once
	// converted; unconverted it would be ~500 m off, still within 2 km,
	// so use a 100 m radius to tell them apart.
	gcj := geo.WGSToGCJ(geo.Point{Lat: 30.5500, Lng: 119.5200})
	body := fmt.Sprintf(`{"kind":"convenience","radius":100,"k":1,"candidates":[{"name":"村口","lat":%v,"lng":%v}],"coordinate_system":"gcj02"}`, gcj.Lat, gcj.Lng)
	m = s.json(t, http.MethodPost, "/api/v1/coverage/330523/siting", body, "Cookie", cookie)
	if steps := m["steps"].([]any); m["_status"] != 200.0 || len(steps) != 1 || steps[0].(map[string]any)["name"] != "村口" ||
		steps[0].(map[string]any)["new_communities"] != 1.0 {
		t.Errorf("GCJ-02 candidate: %v", m)
	}
	body = fmt.Sprintf(`{"kind":"convenience","radius":100,"k":1,"candidates":[{"name":"村口","lat":%v,"lng":%v}]}`, gcj.Lat, gcj.Lng)
	m = s.json(t, http.MethodPost, "/api/v1/coverage/330523/siting", body, "Cookie", cookie)
	if steps := m["steps"].([]any); len(steps) != 0 {
		t.Errorf("unconverted candidate should reach nothing: %v", m)
	}

	m = s.json(t, http.MethodPost, "/api/v1/coverage/330523/siting", `{"kind":"tower","k":0,"radius":10,"coordinate_system":"x"}`, "Cookie", cookie)
	f := apiFieldErrs(m)
	if m["_status"] != 400.0 || f["kind"] == nil || f["k"] == nil || f["coordinate_system"] == nil {
		t.Errorf("invalid siting: %v", m)
	}
	m = s.json(t, http.MethodPost, "/api/v1/coverage/110105/siting", `{"kind":"service_station","k":1}`, "Cookie", cookie)
	if m["_status"] != 404.0 {
		t.Errorf("out of scope: %v", m)
	}
}
