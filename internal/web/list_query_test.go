package web

import (
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"shequ"
)

// listErrorKeys lists the (field, key) pairs of err, or nil when err is nil.
func listErrorKeys(t testing.TB, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e := shequ.AsError(err)
	if e == nil || e.Code != shequ.EInvalid {
		t.Fatalf("error %v is not a field error", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Key)
	}
	return out
}

func TestListQuery(t *testing.T) {
	type read struct {
		Limit, Offset int
		Community     string
		Text          string
		ID            string
		Flag, Bool    bool
		State         string
		States        []shequ.ComplaintState
	}
	readAll := func(l *listQuery) read {
		var got read
		got.Limit, got.Offset = l.Page(50, 200)
		got.Community = l.Community(l.Trim("community"))
		got.Text = l.Text(l.Get("q"))
		got.ID = l.ID("project_id")
		got.Flag = l.Flag("overdue")
		got.Bool = l.Bool("upcoming")
		got.State = string(listOneOf(l, "status", shequ.RectificationStatuses, "rectification.to.invalid", "Unknown state."))
		got.States = listAllOf(l, "state", shequ.ComplaintStates, "complaint.to.invalid", "Unknown complaint state.")
		return got
	}
	long := strings.Repeat("长", maxQueryRunes+1)
	cases := []struct {
		name  string
		query string
		want  read
		keys  []string
	}{
		{"defaults", "", read{Limit: 50}, nil},
		{"empty values take defaults", "limit=&offset=&upcoming=&status=", read{Limit: 50}, nil},
		{"paging", "limit=200&offset=40", read{Limit: 200, Offset: 40}, nil},
		{"limit above max", "limit=201", read{Limit: 50}, []string{"limit:param.range"}},
		{"limit zero", "limit=0", read{Limit: 50}, []string{"limit:param.range"}},
		{"negative offset", "offset=-1", read{Limit: 50}, []string{"offset:param.negative"}},
		{"offset past 32 bits", "offset=2147483648", read{Limit: 50}, []string{"offset:param.range"}},
		{"not a number", "limit=ten&offset=1.5", read{Limit: 50},
			[]string{"limit:param.integer", "offset:param.integer"}},
		{"community trimmed", "community=+110101001001+", read{Limit: 50, Community: "110101001001"}, nil},
		{"community malformed", "community=1101x", read{Limit: 50, Community: "1101x"},
			[]string{"community:division.code.malformed"}},
		{"text", "q=%E8%80%81%E4%BA%BA", read{Limit: 50, Text: "老人"}, nil},
		{"text too long", "q=" + long, read{Limit: 50, Text: long}, []string{"q:search.too_long"}},
		{"id too long", "project_id=" + strings.Repeat("a", maxIDLen+1),
			read{Limit: 50, ID: strings.Repeat("a", maxIDLen+1)}, []string{"project_id:param.too_long"}},
		{"flag only 1", "overdue=1&upcoming=true", read{Limit: 50, Flag: true, Bool: true}, nil},
		{"flag true is off", "overdue=true&upcoming=0", read{Limit: 50}, nil},
		{"bool malformed", "upcoming=yes", read{Limit: 50}, []string{"upcoming:param.boolean"}},
		{"one of", "status=open", read{Limit: 50, State: "open"}, nil},
		{"one of unknown", "status=nope", read{Limit: 50, State: "nope"}, []string{"status:rectification.to.invalid"}},
		{"all of", "state=accepted&state=forwarded",
			read{Limit: 50, States: []shequ.ComplaintState{"accepted", "forwarded"}}, nil},
		{"all of stops at the first unknown", "state=accepted&state=nope&state=closed",
			read{Limit: 50, States: []shequ.ComplaintState{"accepted"}}, []string{"state:complaint.to.invalid"}},
		{"every problem together, in reading order", "limit=x&community=1&q=" + long + "&upcoming=2",
			read{Limit: 50, Community: "1", Text: long},
			[]string{"limit:param.integer", "community:division.code.malformed", "q:search.too_long", "upcoming:param.boolean"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := readListQuery(httptest.NewRequest("GET", "/x?"+c.query, nil))
			got := readAll(l)
			if got.Limit != c.want.Limit || got.Offset != c.want.Offset || got.Community != c.want.Community ||
				got.Text != c.want.Text || got.ID != c.want.ID || got.Flag != c.want.Flag || got.Bool != c.want.Bool ||
				got.State != c.want.State || !slices.Equal(got.States, c.want.States) {
				t.Errorf("read %+v, want %+v", got, c.want)
			}
			if keys := listErrorKeys(t, l.Err()); !slices.Equal(keys, c.keys) {
				t.Errorf("errors %v, want %v", keys, c.keys)
			}
		})
	}
}

// TestListQueryPages: the readers the HTML lists and the request and need
// filters use — a page number, limit alone, cleaned text, a community or
// text under its own parameter name, an enum value as read, a repeatable
// parameter and a problem only the endpoint knows.
func TestListQueryPages(t *testing.T) {
	long := strings.Repeat("长", maxQueryRunes+1)
	cases := []struct {
		name, query string
		page, limit int
		clean       string
		keys        []string
	}{
		{"defaults", "", 1, 50, "", nil},
		{"empty values take defaults", "page=&limit=", 1, 50, "", nil},
		{"page and limit", "page=3&limit=1000", 3, 1000, "", nil},
		{"page zero", "page=0", 1, 50, "", []string{"page:param.range"}},
		{"page past the last", "page=" + strings.Repeat("9", 12), 1, 50, "", []string{"page:param.range"}},
		{"page negative, limit not a number", "page=-2&limit=x", 1, 50, "", []string{"limit:param.integer", "page:param.negative"}},
		{"cleaned text", "name=+%E8%80%81%FF%E4%BA%BA+", 1, 50, "老人", nil},
		{"community under its name", "community_code=1101x", 1, 50, "", []string{"community_code:division.code.malformed"}},
		{"text under its name", "name=" + long, 1, 50, long, []string{"name:search.too_long"}},
		{"enum as read", "kind=+x+", 1, 50, "", []string{"kind:need.category.invalid"}},
		{"an endpoint's own problem", "after=bad", 1, 50, "", []string{"after:request.cursor.invalid"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := readListQuery(httptest.NewRequest("GET", "/x?"+c.query, nil))
			limit := l.Limit(50, 1000)
			page := l.PageNo()
			clean := l.TextAs("name", l.Clean("name"))
			l.CommunityAs("community_code", l.Trim("community_code"))
			kind := listChoice(l, "kind", l.Trim("kind"), shequ.NeedCategories, "need.category.invalid", "Unknown.",
				map[string]any{"Value": l.Trim("kind")})
			if l.Get("after") != "" {
				l.Add("after", "request.cursor.invalid", "The page cursor is malformed.", nil)
			}
			if page != c.page || limit != c.limit || clean != c.clean || kind != shequ.NeedCategory(l.Trim("kind")) {
				t.Errorf("page %d limit %d clean %q kind %q", page, limit, clean, kind)
			}
			if keys := listErrorKeys(t, l.Err()); !slices.Equal(keys, c.keys) {
				t.Errorf("errors %v, want %v", keys, c.keys)
			}
		})
	}
	l := readListQuery(httptest.NewRequest("GET", "/x?state=a&state=+b", nil))
	if v := l.Values("state"); !slices.Equal(v, []string{"a", " b"}) {
		t.Errorf("values %q", v)
	}
	if page, err := parsePage(url.Values{"page": {"2"}}); page != 2 || err != nil {
		t.Errorf("parsePage: %d %v", page, err)
	}
	if _, err := parsePage(url.Values{"page": {"x"}}); !slices.Equal(listErrorKeys(t, err), []string{"page:param.integer"}) {
		t.Errorf("parsePage of x: %v", err)
	}
}

// TestListQueryPagingFirst: a handler that answers the paging before it
// reads its filters reports only the paging problems.
func TestListQueryPagingFirst(t *testing.T) {
	l := readListQuery(httptest.NewRequest("GET", "/x?limit=0&community=1", nil))
	l.Page(50, 500)
	if keys := listErrorKeys(t, l.Err()); !slices.Equal(keys, []string{"limit:param.range"}) {
		t.Fatalf("paging errors %v", keys)
	}
	l.Community(l.Trim("community"))
	if keys := listErrorKeys(t, l.Err()); len(keys) != 2 {
		t.Fatalf("after the filters %v", keys)
	}
}

// FuzzListQuery: any query string reads without panic into values in
// range, and every problem is a field error of a parameter it read.
func FuzzListQuery(f *testing.F) {
	for _, s := range []string{"", "limit=10&offset=5", "limit=-1", "offset=99999999999999999999", "community=%zz",
		"q=%FF%FE", "state=accepted&state=x", "upcoming=maybe", "limit=1&limit=2", "status=open&overdue=1"} {
		f.Add(s)
	}
	read := map[string]bool{"limit": true, "offset": true, "page": true, "community": true, "q": true, "project_id": true,
		"upcoming": true, "status": true, "state": true}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/x", nil)
		r.URL.RawQuery = raw
		l := readListQuery(r)
		limit, offset := l.Page(50, 200)
		if limit < 1 || limit > 200 || offset < 0 || offset > maxOffset {
			t.Fatalf("limit %d offset %d out of range for %q", limit, offset, raw)
		}
		if page := l.PageNo(); page < 1 || page > maxPage {
			t.Fatalf("page %d out of range for %q", page, raw)
		}
		c := l.Community(l.Trim("community"))
		l.Text(l.Get("q"))
		l.ID("project_id")
		l.Bool("upcoming")
		listOneOf(l, "status", shequ.RectificationStatuses, "rectification.to.invalid", "Unknown state.")
		states := listAllOf(l, "state", shequ.ComplaintStates, "complaint.to.invalid", "Unknown complaint state.")
		for _, st := range states {
			if !oneOfStr(string(st), shequ.ComplaintStates) {
				t.Fatalf("unknown state %q kept", st)
			}
		}
		var fields []string
		for _, k := range listErrorKeys(t, l.Err()) {
			field, _, _ := strings.Cut(k, ":")
			if !read[field] {
				t.Fatalf("error on %q, a parameter not read", field)
			}
			fields = append(fields, field)
		}
		if c != "" && shequ.ValidateDivisionCode(c) != nil && !slices.Contains(fields, "community") {
			t.Fatalf("malformed community %q passed", c)
		}
	})
}
