package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"shequ"
)

// decodeTarget is a body with the shapes the API uses: plain and pointer
// fields, a long-text field, nested objects in a list, a map of lists, a
// field whose null means "clear" and one declared nullable by its tag.
type decodeTarget struct {
	Name        string              `json:"name"`
	Nick        *string             `json:"nick"`
	Count       *int                `json:"count"`
	Description string              `json:"description"`
	Items       []decodeItem        `json:"items"`
	Attributes  map[string][]string `json:"attributes"`
	Lat         opt[float64]        `json:"lat"`
	Opened      *string             `json:"opened_on" null:"ok"`
	Since       *string             `json:"since" null:"empty"`
}

type decodeItem struct {
	Title string `json:"title"`
}

func decodeBody(t *testing.T, body string) error {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(body))
	var v decodeTarget
	return decodeJSON(httptest.NewRecorder(), r, &v)
}

// fieldKeys returns field → catalogue key of an error ("" for none).
func fieldKeys(err error) map[string]string {
	out := map[string]string{}
	if err == nil {
		return out
	}
	for _, f := range shequ.AsError(err).Fields {
		out[f.Field] = f.Key
	}
	return out
}

func TestDecodeJSONRefusesBadTextAndNull(t *testing.T) {
	for _, tt := range []struct {
		name string
		body string
		key  string            // the error's own key when it is not a field error
		want map[string]string // field → key
	}{
		{"good", `{"name":"王建国","description":"第一行\n第二行","items":[{"title":"a"}],"attributes":{"x":["1"]}}`, "", map[string]string{}},
		{"null body", `null`, "error.null_body", map[string]string{}},
		{"array body", `[]`, "error.null_body", map[string]string{}},
		{"string body", `"x"`, "error.null_body", map[string]string{}},
		{"empty body", ``, "error.bad_json", map[string]string{}},
		{"not json", `{"name":`, "error.bad_json", map[string]string{}},
		{"unknown field", `{"nope":1}`, "error.bad_json", map[string]string{}},
		{"escaped NUL", `{"name":"王\u0000国"}`, "", map[string]string{"name": "text.control"}},
		{"raw invalid utf-8", "{\"name\":\"王\xff国\"}", "", map[string]string{"name": "text.encoding"}},
		{"lone surrogate escape", `{"name":"\ud800"}`, "", map[string]string{"name": "text.replacement"}},
		{"bidi override", `{"name":"abc\u202eexe"}`, "", map[string]string{"name": "text.bidi"}},
		{"invisible name", `{"name":"\u200b\u200b"}`, "", map[string]string{"name": "text.invisible"}},
		{"newline in a name", `{"name":"a\nb"}`, "", map[string]string{"name": "text.line_break"}},
		{"newline in a pointer field", `{"nick":"a\tb"}`, "", map[string]string{"nick": "text.line_break"}},
		{"NUL in long text", `{"description":"a\u0000"}`, "", map[string]string{"description": "text.control"}},
		{"nested", `{"items":[{"title":"ok"},{"title":"\u0007"}]}`, "", map[string]string{"items[1].title": "text.control"}},
		{"map value", `{"attributes":{"phone":["1\u0000"]}}`, "", map[string]string{"attributes.phone[0]": "text.control"}},
		{"map value may have lines", `{"attributes":{"note":["a\nb"]}}`, "", map[string]string{}},
		{"map key", "{\"attributes\":{\"a\xffb\":[\"1\"]}}", "", map[string]string{"attributes.a\ufffdb": "text.encoding"}},
		{"case-insensitive field", `{"NAME":"\u0000"}`, "", map[string]string{"name": "text.control"}},
		{"null string", `{"name":null}`, "", map[string]string{"name": "field.null"}},
		{"null pointer", `{"count":null}`, "", map[string]string{"count": "field.null"}},
		{"null list", `{"items":null}`, "", map[string]string{"items": "field.null"}},
		{"null in a list", `{"items":[null]}`, "", map[string]string{"items[0]": "field.null"}},
		{"null that clears", `{"lat":null}`, "", map[string]string{}},
		{"null declared by the tag", `{"opened_on":null}`, "", map[string]string{}},
		{"two errors at once", `{"name":"\u0000","count":null}`, "", map[string]string{"name": "text.control", "count": "field.null"}},
	} {
		err := decodeBody(t, tt.body)
		got := fieldKeys(err)
		if len(tt.want) == 0 && tt.key == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if tt.key != "" {
			if e := shequ.AsError(err); err == nil || e.Key != tt.key {
				t.Errorf("%s: got %v, want %s", tt.name, err, tt.key)
			}
			continue
		}
		if shequ.ErrorCode(err) != shequ.EInvalid || len(got) != len(tt.want) {
			t.Errorf("%s: got %v (%v), want %v", tt.name, got, err, tt.want)
			continue
		}
		for f, k := range tt.want {
			if got[f] != k {
				t.Errorf("%s: field %q = %q, want %q (all: %v)", tt.name, f, got[f], k, got)
			}
		}
	}
}

// TestDecodeJSONNullAsEmpty checks that a null in a field tagged
// `null:"empty"` reaches the handler as "" (an optional date cleared),
// wherever it stands in the body.
func TestDecodeJSONNullAsEmpty(t *testing.T) {
	for _, body := range []string{`{"since":null}`, `{ "name" : "a", "since" :null ,"count":1}`, "{\"since\":\n null}"} {
		var v decodeTarget
		r := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(body))
		if err := decodeJSON(httptest.NewRecorder(), r, &v); err != nil || v.Since == nil || *v.Since != "" {
			t.Errorf("%s: %v %v", body, v.Since, err)
		}
	}
	var v decodeTarget
	r := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(`{"since":"2026-01-02"}`))
	if err := decodeJSON(httptest.NewRecorder(), r, &v); err != nil || v.Since == nil || *v.Since != "2026-01-02" {
		t.Errorf("a date: %v %v", v.Since, err)
	}
}

func TestFormsRefuseBadText(t *testing.T) {
	post := func(v url.Values) error {
		r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(v.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return parseForm(httptest.NewRecorder(), r, maxFormBytes)
	}
	for _, tt := range []struct {
		name string
		form url.Values
		want map[string]string
	}{
		{"good", url.Values{"name": {"王建国"}, "description": {"a\r\nb"}, "attr_needs": {"a\nb"}}, map[string]string{}},
		{"NUL", url.Values{"name": {"王\x00"}}, map[string]string{"name": "text.control"}},
		{"invalid utf-8", url.Values{"name": {"\xff"}}, map[string]string{"name": "text.encoding"}},
		{"newline in a line", url.Values{"name": {"a\r\nb"}}, map[string]string{"name": "text.line_break"}},
		{"bidi in long text", url.Values{"reason": {"a\u202eb"}}, map[string]string{"reason": "text.bidi"}},
		{"bad name of a field", url.Values{"\x00": {"x"}}, map[string]string{"\x00": "text.control"}},
		{"open311 attribute", url.Values{"attribute[x]": {"\u200b"}}, map[string]string{"attribute[x]": "text.invisible"}},
	} {
		got := fieldKeys(post(tt.form))
		if len(got) != len(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
		for f, k := range tt.want {
			if got[f] != k {
				t.Errorf("%s: field %q = %q, want %q", tt.name, f, got[f], k)
			}
		}
	}

	// Multipart: values and file names.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("community_code", "3305230010\x002")
	fw, _ := mw.CreateFormFile("file", "invoice\u202egpj.exe")
	fw.Write([]byte("x"))
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/x", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	err := parseMultipart(httptest.NewRecorder(), r, 1<<20, errBadForm)
	if got := fieldKeys(err); got["community_code"] != "text.control" || got["file"] != "text.bidi" {
		t.Errorf("multipart: %v", got)
	}
}

func TestURLTextRefused(t *testing.T) {
	s := newTestServer(t, newTree().service())
	for _, target := range []string{"/divisions/search?q=%00", "/api/v1/divisions/search?q=%E7%8E%8B%FF",
		"/api/v1/divisions/33%00", "/divisions/search?q=%E2%80%AE1", "/open311/v2/requests.json?service_code=%00"} {
		w := s.get(t, target, "Accept", "application/json")
		if w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", target, w.Code, w.Body)
		}
	}
	if w := s.get(t, "/divisions/search?q=%E5%AE%89%E5%90%89"); w.Code != http.StatusOK {
		t.Errorf("a good search: %d", w.Code)
	}
	// Open311 answers in its own error format.
	w := s.get(t, "/open311/v2/requests.json?service_code=%00")
	if !strings.HasPrefix(strings.TrimSpace(w.Body.String()), `[{"code":400`) {
		t.Errorf("open311 error: %s", w.Body)
	}
}

// TestOneDecodingBoundary keeps request input behind the boundary: no file
// of the package but decoding.go parses a form or decodes a JSON body
// itself, so no handler can skip the text check.
func TestOneDecodingBoundary(t *testing.T) {
	banned := regexp.MustCompile(`\.ParseForm\(|\.ParseMultipartForm\(|json\.NewDecoder\(r\.Body|\.FormValue\(|\.PostFormValue\(|\.FormFile\(|io\.ReadAll\(r\.Body`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if f == "decoding.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if banned.MatchString(line) {
				t.Errorf("%s:%d reads request input outside decoding.go: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// FuzzDecodeJSON feeds any body to the boundary: it never panics, and what
// it accepts holds only text that shequ.CheckText accepts (lines where the
// field is one line).
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"王"}`, `null`, `{"items":[{"title":"\u0000"}]}`, "{\"name\":\"\xff\"}",
		`{"attributes":{"a":["b\nc"]},"lat":null,"since":null}`, `{"description":"a\r\nb"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(body))
		var v decodeTarget
		if err := decodeJSON(httptest.NewRecorder(), r, &v); err != nil {
			if shequ.ErrorCode(err) != shequ.EInvalid {
				t.Fatalf("%q: %v", body, err)
			}
			return
		}
		line := []string{v.Name, v.Name}
		if v.Nick != nil {
			line = append(line, *v.Nick)
		}
		for _, it := range v.Items {
			line = append(line, it.Title)
		}
		for _, s := range line {
			if err := shequ.CheckText(s, shequ.TextLine); err != nil {
				t.Fatalf("%q accepted with %q: %v", body, s, err)
			}
		}
		long := []string{v.Description}
		for k, vals := range v.Attributes {
			if err := shequ.CheckText(k, shequ.TextLine); err != nil {
				t.Fatalf("%q accepted with key %q: %v", body, k, err)
			}
			long = append(long, vals...)
		}
		for _, s := range long {
			if err := shequ.CheckText(s, shequ.TextLong); err != nil {
				t.Fatalf("%q accepted with %q: %v", body, s, err)
			}
		}
	})
}
