package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"shequ"
	"shequ/internal/mock"
)

// fakeItems is a catalogue of a few items for the Open311 handler tests.
type fakeItems struct{ items []*shequ.ServiceItem }

func (f *fakeItems) ListItems(context.Context, string) ([]*shequ.ServiceItem, error) {
	return f.items, nil
}

func (f *fakeItems) GetItem(_ context.Context, code string) (*shequ.ServiceItem, error) {
	for _, it := range f.items {
		if it.Code == code {
			return it, nil
		}
	}
	return nil, shequ.Errorf(shequ.ENotFound, "service.not_found", "No such item.")
}

func (f *fakeItems) SaveItems(context.Context, []*shequ.ServiceItem) error { return shequ.ErrForbidden }

// fakeRequests records what the handlers ask of the requests.
type fakeRequests struct {
	submitted []*shequ.RequestInput
	actors    []*shequ.Actor
	filters   []shequ.RequestFilter
	stored    *shequ.ServiceRequest
}

func (f *fakeRequests) Submit(ctx context.Context, in *shequ.RequestInput) (*shequ.ServiceRequest, error) {
	f.submitted = append(f.submitted, in)
	f.actors = append(f.actors, shequ.ActorFrom(ctx))
	return f.stored, nil
}

func (f *fakeRequests) Get(ctx context.Context, id string) (*shequ.ServiceRequest, error) {
	if shequ.ActorFrom(ctx) == nil {
		return nil, shequ.ErrUnauthorized
	}
	if id != f.stored.ID {
		return nil, shequ.ErrNotFound
	}
	return f.stored, nil
}

func (f *fakeRequests) Lookup(context.Context, string, string) (*shequ.ServiceRequest, error) {
	return nil, shequ.ErrNotFound
}

// RevealRequest is Get: Open311 never reveals.
func (f *fakeRequests) RevealRequest(ctx context.Context, id string) (*shequ.ServiceRequest, error) {
	return f.Get(ctx, id)
}

func (f *fakeRequests) GetByToken(_ context.Context, token string) (*shequ.ServiceRequest, error) {
	if token != f.stored.Token {
		return nil, shequ.ErrNotFound
	}
	return f.stored, nil
}

func (f *fakeRequests) Find(ctx context.Context, filter shequ.RequestFilter) ([]*shequ.ServiceRequest, int, error) {
	if shequ.ActorFrom(ctx) == nil {
		return nil, 0, shequ.ErrUnauthorized
	}
	f.filters = append(f.filters, filter)
	return []*shequ.ServiceRequest{f.stored}, 1, nil
}

func (f *fakeRequests) Transition(context.Context, string, shequ.RequestState, shequ.TransitionInput) (*shequ.ServiceRequest, error) {
	return nil, shequ.ErrForbidden
}

func (f *fakeRequests) Timeline(context.Context, string) ([]*shequ.RequestEvent, error) {
	return nil, shequ.ErrForbidden
}

// newOpen311Server is a server with the fakes and one API key, "good-key",
// of a community worker of 330523001002.
func newOpen311Server(t *testing.T) (*testServer, *fakeRequests) {
	t.Helper()
	lat, lng := 30.63, 119.68
	due := time.Date(2026, 12, 11, 15, 59, 59, 0, time.UTC)
	reqs := &fakeRequests{stored: &shequ.ServiceRequest{
		ID: "0190a7e2-0000-7000-8000-000000000001", Number: "330523-20261129-000001",
		Token: "0123456789abcdef0123456789abcdef", ItemCode: "MZ-001", ItemName: "高龄津贴申领",
		Community: "330523001002", Description: "<楼道> & \"灯\"", Lat: &lat, Lng: &lng,
		State: shequ.RequestAwaitingMaterials, Missing: []string{"户口簿", "照片"}, Department: "县民政局",
		DueAt: due, CreatedAt: time.Date(2026, 11, 29, 1, 30, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC),
	}}
	item := &shequ.ServiceItem{Code: "MZ-001", Name: "高龄津贴申领", Department: "县民政局", Category: "民政",
		Conditions: "年满80周岁", Channels: shequ.Channels, TimeLimitDays: 10, Active: true,
		Form: []shequ.FormField{
			{Code: "kind", Label: "类型", Type: shequ.FieldSingleChoice, Required: true, Order: 2,
				Choices: []shequ.Choice{{Key: "a", Label: "甲"}, {Key: "b", Label: "乙"}}},
			{Code: "age", Label: "年龄", Description: "周岁", Type: shequ.FieldNumber, Order: 1},
		}}
	worker := &shequ.User{ID: "u1", Username: "worker", Role: shequ.RoleCommunityWorker, Scope: "330523001002"}
	s := newTestServer(t, nil, func(c *Config) {
		// MZ-009 takes no online applications: not in Open311.
		c.ServiceItems = &fakeItems{items: []*shequ.ServiceItem{item, {Code: "MZ-009", Name: "窗口事项",
			Channels: []shequ.Channel{shequ.ChannelWindow}, Active: true}}}
		c.Requests = reqs
		c.Tokens = &mock.TokenService{FindTokenUserFn: func(_ context.Context, secret string) (*shequ.User, *shequ.APIToken, error) {
			if secret != "good-key" {
				return nil, nil, shequ.Errorf(shequ.EUnauthorized, "auth.token.invalid", "bad token")
			}
			return worker, &shequ.APIToken{UserID: worker.ID}, nil
		}}
	})
	return s, reqs
}

func TestOpen311Services(t *testing.T) {
	s, _ := newOpen311Server(t)
	w := s.get(t, "/open311/v2/services.xml")
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<services><service><service_code>MZ-001</service_code>` +
		`<service_name>高龄津贴申领</service_name><description>年满80周岁</description><metadata>true</metadata>` +
		`<type>realtime</type><keywords>民政, 县民政局</keywords><group>民政</group></service></services>`
	if w.Code != http.StatusOK || w.Body.String() != want || w.Header().Get("Content-Type") != "text/xml; charset=utf-8" {
		t.Errorf("services.xml: %d %s\n%s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	w = s.get(t, "/open311/v2/services/MZ-001.json")
	var def struct {
		ServiceCode string `json:"service_code"`
		Attributes  []struct {
			Code, Datatype, Description string
			Order                       int
			Required                    bool
			Values                      []struct{ Key, Name string }
		} `json:"attributes"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &def); err != nil || w.Code != http.StatusOK {
		t.Fatalf("%d %v\n%s", w.Code, err, w.Body)
	}
	// In the form's order, with the spec's datatypes.
	if len(def.Attributes) != 2 || def.Attributes[0].Code != "age" || def.Attributes[0].Datatype != "number" ||
		!strings.HasPrefix(def.Attributes[0].Description, "年龄") || def.Attributes[1].Datatype != "singlevaluelist" ||
		!def.Attributes[1].Required || len(def.Attributes[1].Values) != 2 || def.Attributes[1].Values[1].Name != "乙" {
		t.Errorf("definition: %+v", def)
	}
	for path, status := range map[string]int{
		"/open311/v2/services/NOPE.xml": 404, "/open311/v2/services.txt": 404, "/open311/v2/nothing.json": 404,
		"/open311/v2/services/MZ-001": 404, "/open311/v2/services/MZ-009.xml": 404,
	} {
		w := s.get(t, path)
		if w.Code != status || !strings.Contains(w.Body.String(), "<errors><error><code>404</code>") && !strings.Contains(w.Body.String(), `"code":404`) {
			t.Errorf("%s: %d\n%s", path, w.Code, w.Body)
		}
	}
}

func TestOpen311Post(t *testing.T) {
	s, reqs := newOpen311Server(t)
	post := func(format string, form url.Values) (int, string) {
		w := s.do(t, http.MethodPost, "/open311/v2/requests."+format, strings.NewReader(form.Encode()),
			"Content-Type", "application/x-www-form-urlencoded")
		return w.Code, w.Body.String()
	}
	good := url.Values{"api_key": {"good-key"}, "service_code": {"MZ-001"}, "lat": {"30.5"}, "long": {"119.5"},
		"attribute[kind]": {"a"}, "attribute[days][]": {"mon", "wed"}, "description": {"灯坏了"}}
	code, body := post("xml", good)
	if code != http.StatusCreated || !strings.Contains(body, "<service_request_id>0190a7e2-0000-7000-8000-000000000001</service_request_id><token>0123456789abcdef0123456789abcdef</token>") ||
		!strings.Contains(body, "330523-20261129-000001") {
		t.Fatalf("POST: %d\n%s", code, body)
	}
	in, a := reqs.submitted[0], reqs.actors[0]
	if in.Channel != shequ.ChannelOnline || in.Community != "330523001002" || *in.Lat != 30.5 || *in.Lng != 119.5 ||
		!slices.Equal(in.Values["days"], []string{"mon", "wed"}) || in.Values["kind"][0] != "a" || a == nil || a.UserID != "u1" {
		t.Errorf("input %+v, actor %+v", in, a)
	}
	for _, tc := range []struct {
		name   string
		edit   func(url.Values)
		status int
		want   string
	}{
		{"no key", func(v url.Values) { v.Del("api_key") }, 403, "api_key"},
		{"bad key", func(v url.Values) { v.Set("api_key", "bad") }, 403, "api_key"},
		{"no service", func(v url.Values) { v.Del("service_code") }, 400, "service_code: "},
		{"no location", func(v url.Values) { v.Del("lat"); v.Del("long") }, 400, "location: "},
		{"half a location", func(v url.Values) { v.Set("long", "east") }, 400, "lat: "},
	} {
		form := url.Values{}
		for k, v := range good {
			form[k] = slices.Clone(v)
		}
		tc.edit(form)
		code, body := post("json", form)
		var errs []struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		}
		if err := json.Unmarshal([]byte(body), &errs); err != nil || code != tc.status || len(errs) == 0 ||
			errs[0].Code != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %v\n%s", tc.name, code, err, body)
		}
	}
	if len(reqs.submitted) != 1 {
		t.Errorf("%d submissions reached the service, want 1", len(reqs.submitted))
	}
}

func TestOpen311Read(t *testing.T) {
	s, reqs := newOpen311Server(t)
	w := s.get(t, "/open311/v2/requests/0190a7e2-0000-7000-8000-000000000001.xml?api_key=good-key")
	for _, want := range []string{"<status>open</status>", "<status_notes>待补正：缺少户口簿、照片</status_notes>",
		"<description>&lt;楼道&gt; &amp; &#34;灯&#34;</description>", "<requested_datetime>2026-11-29T09:30:00+08:00</requested_datetime>",
		"<expected_datetime>2026-12-11T23:59:59+08:00</expected_datetime>", "<address_id>330523001002</address_id>",
		"<lat>30.63</lat><long>119.68</long>"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("request XML lacks %s:\n%s", want, w.Body)
		}
	}
	w = s.get(t, "/open311/v2/requests/0190a7e2-0000-7000-8000-000000000001.json", "Accept-Language", "en")
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `"code":401`) {
		t.Errorf("without a key: %d %s", w.Code, w.Body)
	}
	w = s.get(t, "/open311/v2/tokens/0123456789abcdef0123456789abcdef.json")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"service_request_id":"0190a7e2-0000-7000-8000-000000000001"`) {
		t.Errorf("token: %d %s", w.Code, w.Body)
	}
	w = s.get(t, "/open311/v2/requests.json?api_key=good-key&service_code=MZ-001,MZ-002&status=open")
	if w.Code != http.StatusOK || len(reqs.filters) != 2 || reqs.filters[1].ItemCode != "MZ-002" ||
		len(reqs.filters[0].States) != 5 || reqs.filters[0].From.IsZero() {
		t.Errorf("list: %d %+v\n%s", w.Code, reqs.filters, w.Body)
	}
}

func TestOpen311Filters(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		query   string
		err     string // a field in error
		n       int    // filters
		from    time.Time
		to      time.Time
		states  int
		ids     int
		orderBy bool
	}{
		{query: "", n: 1, from: now.Add(-90 * 24 * time.Hour), orderBy: true},
		{query: "end_date=2026-10-01T00:00:00%2B08:00", n: 1, from: time.Date(2026, 7, 2, 16, 0, 0, 0, time.UTC), to: time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC), orderBy: true},
		{query: "start_date=2026-11-01T00:00:00Z", n: 1, from: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), orderBy: true},
		{query: "status=closed", n: 1, from: now.Add(-90 * 24 * time.Hour), states: 4, orderBy: true},
		{query: "status=open,closed&service_code=a,b,a", n: 2, from: now.Add(-90 * 24 * time.Hour), states: 9, orderBy: true},
		{query: "service_request_id=x,y&status=bogus&start_date=bad", n: 1, ids: 2, orderBy: true},
		{query: "status=pending", err: "status"},
		{query: "start_date=2026-11-01", err: "start_date"},
		{query: "start_date=2026-11-02T00:00:00Z&end_date=2026-11-01T00:00:00Z", err: "end_date"},
	} {
		q, _ := url.ParseQuery(tc.query)
		fs, err := open311Filters(q, now)
		if tc.err != "" {
			e := shequ.AsError(err)
			if e.Code != shequ.EInvalid || len(e.Fields) == 0 || e.Fields[0].Field != tc.err {
				t.Errorf("%q: %v, want an error on %s", tc.query, err, tc.err)
			}
			continue
		}
		if err != nil || len(fs) != tc.n {
			t.Errorf("%q: %d filters, %v", tc.query, len(fs), err)
			continue
		}
		f := fs[0]
		if !f.From.Equal(tc.from) || !f.To.Equal(tc.to) || len(f.States) != tc.states || len(f.IDs) != tc.ids ||
			f.OrderByCreated != tc.orderBy || f.Limit != open311MaxRequests {
			t.Errorf("%q: %+v", tc.query, f)
		}
	}
}

func TestOpen311Attributes(t *testing.T) {
	form, _ := url.ParseQuery("attribute[a]=1&attribute[m][]=x&attribute[m][]=y&attribute[]=z&attribute[b[c]]=w&other=1&attribute[n]")
	got := open311Attributes(form)
	want := map[string][]string{"a": {"1"}, "m": {"x", "y"}, "attribute[]": {"z"}, "attribute[b[c]]": {"w"}, "n": {""}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for _, tc := range []struct{ file, name, format string }{
		{"services.xml", "services", "xml"}, {"MZ.001.json", "MZ.001", "json"}, {"x.csv", "x", "xml"}, {".json", ".json", "xml"},
	} {
		name, format, ok := splitFormat(tc.file)
		if name != tc.name || format != tc.format || ok != (tc.file == "services.xml" || tc.file == "MZ.001.json") {
			t.Errorf("splitFormat(%q) = %q %q %v", tc.file, name, format, ok)
		}
	}
}

// FuzzOpen311Query feeds arbitrary queries and forms to the parsers: they
// never panic, stay within the spec's bounds, and a window is always set
// unless ids are asked for.
func FuzzOpen311Query(f *testing.F) {
	for _, s := range []string{"", "status=open,closed", "service_request_id=a,b", "start_date=2026-11-01T00:00:00Z&end_date=2026-12-01T00:00:00%2B08:00",
		"attribute[a][]=1&attribute[b]=2", "service_code=,,,", "%zz", "attribute[[]]][]=1"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		q, _ := url.ParseQuery(s)
		fs, err := open311Filters(q, now)
		if err != nil && shequ.ErrorCode(err) != shequ.EInvalid {
			t.Fatalf("%q: %v", s, err)
		}
		for _, f := range fs {
			if f.Limit != open311MaxRequests || len(f.IDs) > open311MaxRequests || (len(f.IDs) == 0 && f.From.IsZero()) {
				t.Fatalf("%q: %+v", s, f)
			}
		}
		total := 0
		for _, vs := range q {
			total += len(vs)
		}
		n := 0
		for _, vs := range open311Attributes(q) {
			n += len(vs)
		}
		if n > total {
			t.Fatalf("%q: %d values out of %d", s, n, total)
		}
	})
}
