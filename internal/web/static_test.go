package web

import (
	"net/http"
	"strings"
	"testing"
)

func TestStaticHashedURLs(t *testing.T) {
	s := newTestServer(t, nil)
	for _, name := range []string{"app.css", "vendor/htmx-2.0.11/htmx.min.js"} {
		u, err := s.static.url(name)
		if err != nil {
			t.Fatal(err)
		}
		hash := strings.Split(u, "/")[2]
		if len(hash) != staticHashLen || !strings.HasSuffix(u, "/"+name) {
			t.Errorf("url(%s) = %s", name, u)
		}
		w := s.get(t, u)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", u, w.Code)
		}
		if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", u, cc)
		}
		if w.Body.Len() == 0 || w.Header().Get("Content-Type") == "" {
			t.Errorf("%s: empty or untyped", u)
		}
		// A stale or forged hash is a 404, so no old URL serves new bytes.
		wrong := strings.Replace(u, hash, strings.Repeat("0", staticHashLen), 1)
		if w := s.get(t, wrong); w.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", wrong, w.Code)
		}
		// The page links the hashed URL.
		if name == "app.css" && !strings.Contains(s.get(t, "/").Body.String(), `href="`+u+`"`) {
			t.Error("the layout does not link the hashed stylesheet")
		}
		// Revalidation with the ETag is answered without a body.
		if w := s.get(t, u, "If-None-Match", w.Header().Get("ETag")); w.Code != http.StatusNotModified {
			t.Errorf("%s: If-None-Match gave %d", u, w.Code)
		}
	}
	if w := s.get(t, "/static/x/missing.css"); w.Code != http.StatusNotFound {
		t.Errorf("missing file: %d", w.Code)
	}
	if _, err := s.static.url("nope.css"); err == nil {
		t.Error("an unknown asset must be an error")
	}
}

func TestVendoredHTMXHasLicence(t *testing.T) {
	s := newTestServer(t, nil)
	if _, ok := s.static.files["vendor/htmx-2.0.11/LICENSE"]; !ok {
		t.Error("the htmx licence must sit beside the vendored file")
	}
}

// TestFavicon: /favicon.ico, which browsers ask for on every site, is the
// site's icon, not a 404.
func TestFavicon(t *testing.T) {
	s := newTestServer(t, nil)
	w := s.get(t, "/favicon.ico")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "image/svg+xml" || !strings.Contains(w.Body.String(), "<svg") {
		t.Errorf("favicon: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if body := s.get(t, "/").Body.String(); !strings.Contains(body, `rel="icon"`) {
		t.Error("the pages name no icon")
	}
}
