package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestPrefs(t *testing.T) {
	s := newTestServer(t, nil, func(c *Config) { c.SecureCookies = true })
	tests := []struct {
		name     string
		form     url.Values
		location string
		cookies  map[string]string
	}{
		{"english", url.Values{"lang": {"en"}, "return": {"/divisions/33?page=2"}}, "/divisions/33?page=2", map[string]string{"lang": "en"}},
		{"chinese and large text", url.Values{"lang": {"zh-CN"}, "text": {"large"}, "return": {"/"}}, "/", map[string]string{"lang": "zh-CN", "text": "large"}},
		{"normal text", url.Values{"text": {"normal"}, "return": {"/divisions"}}, "/divisions", map[string]string{"text": "normal"}},
		{"unknown values ignored", url.Values{"lang": {"fr"}, "text": {"huge"}, "return": {"/divisions"}}, "/divisions", map[string]string{}},
		{"off-site return", url.Values{"lang": {"en"}, "return": {"https://evil.example/"}}, "/", map[string]string{"lang": "en"}},
		{"protocol-relative return", url.Values{"lang": {"en"}, "return": {"//evil.example/x"}}, "/", map[string]string{"lang": "en"}},
		{"backslash return", url.Values{"lang": {"en"}, "return": {`/\evil.example`}}, "/", map[string]string{"lang": "en"}},
		{"missing return", url.Values{"lang": {"en"}}, "/", map[string]string{"lang": "en"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := s.do(t, http.MethodPost, "/prefs", strings.NewReader(tt.form.Encode()),
				"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin")
			if w.Code != http.StatusSeeOther {
				t.Fatalf("status = %d:\n%s", w.Code, w.Body)
			}
			if got := w.Header().Get("Location"); got != tt.location {
				t.Errorf("Location = %q, want %q", got, tt.location)
			}
			got := map[string]string{}
			for _, c := range w.Result().Cookies() {
				got[c.Name] = c.Value
				if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 {
					t.Errorf("cookie %s attributes: %+v", c.Name, c)
				}
			}
			if len(got) != len(tt.cookies) {
				t.Errorf("cookies = %v, want %v", got, tt.cookies)
			}
			for k, v := range tt.cookies {
				if got[k] != v {
					t.Errorf("cookie %s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestPrefsCookiesApply(t *testing.T) {
	s := newTestServer(t, nil)
	body := s.get(t, "/", "Cookie", "lang=en; text=large").Body.String()
	if !strings.Contains(body, `<html lang="en" class="large-text">`) {
		t.Error("cookies must switch language and text size")
	}
	if !strings.Contains(body, `<button type="submit" id="lang-switch" lang="zh-CN"`) || !strings.Contains(body, ">Normal text</button>") {
		t.Error("the switches offer the other choice")
	}
	// The cookie wins over Accept-Language, and a bad cookie is ignored.
	if b := s.get(t, "/", "Cookie", "lang=zh-CN", "Accept-Language", "en").Body.String(); !strings.Contains(b, `<html lang="zh-CN">`) {
		t.Error("lang cookie must win over Accept-Language")
	}
	if b := s.get(t, "/", "Cookie", "lang=xx", "Accept-Language", "en").Body.String(); !strings.Contains(b, `<html lang="en">`) {
		t.Error("an unknown lang cookie falls back to Accept-Language")
	}
}

func TestSafeReturnPath(t *testing.T) {
	tests := map[string]string{
		"/":                                     "/",
		"/divisions/33?page=2":                  "/divisions/33?page=2",
		"/divisions/search?q=安吉":                "/divisions/search?q=安吉",
		"":                                      "/",
		"divisions":                             "/",
		"//evil.example":                        "/",
		"///evil.example":                       "/",
		`/\evil.example`:                        "/",
		`/a\b`:                                  "/",
		"https://evil.example/":                 "/",
		"javascript:alert(1)":                   "/",
		"/%2F%2Fevil.example":                   "/",
		"/%5Cevil.example":                      "/",
		"/a\nb":                                 "/",
		"/a\tb":                                 "/",
		" /leading-space":                       "/",
		"/" + strings.Repeat("a", maxReturnLen): "/",
	}
	for in, want := range tests {
		if got := safeReturnPath(in); got != want {
			t.Errorf("safeReturnPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeReturnPath checks the open-redirect guard: whatever comes in,
// what goes out is a path on this site.
func FuzzSafeReturnPath(f *testing.F) {
	for _, seed := range []string{"/", "/divisions/33", "//evil", `/\evil`, "http://x", "/%2f%2fx", "/a?b=//c", "\x00", "/\u3000"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := safeReturnPath(in)
		if out != "/" && out != in {
			t.Fatalf("safeReturnPath(%q) = %q: only the input or / may come out", in, out)
		}
		if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.Contains(out, `\`) {
			t.Fatalf("safeReturnPath(%q) = %q is not a local path", in, out)
		}
		u, err := url.Parse(out)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
			t.Fatalf("safeReturnPath(%q) = %q parses as %#v, %v", in, out, u, err)
		}
		// Resolved against our origin, the target stays on our origin.
		base, _ := url.Parse("https://shequ.example/divisions/33")
		if got := base.ResolveReference(u); got.Host != "shequ.example" {
			t.Fatalf("safeReturnPath(%q) = %q resolves to host %q", in, out, got.Host)
		}
		for _, c := range []byte(out) {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("safeReturnPath(%q) = %q has a control character", in, out)
			}
		}
	})
}
