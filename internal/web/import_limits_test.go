package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// importBody is a multipart upload of a small CSV file to a community.
func importBody(t *testing.T) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("community_code", "330523001002")
	w, _ := mw.CreateFormFile("file", "list.csv")
	w.Write([]byte("姓名,身份证号\n张三,11010519491231002X\n"))
	mw.Close()
	return &b, mw.FormDataContentType()
}

// At most maxConcurrentImports imports run at once: each may hold what the
// reader's limits allow, so their number bounds memory too. One more is
// told to come back, with a 503 and Retry-After.
func TestImportsAreBounded(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, maxConcurrentImports+1)
	s, id := newIdentityServer(t, nil, func(c *Config) {
		c.ImportResidents = func(ctx context.Context, community string, r io.Reader, name string) (*ResidentImportReport, error) {
			started <- struct{}{}
			<-release
			return &ResidentImportReport{Total: 1, Written: 1}, nil
		}
	})
	cookie := id.session("worker")
	post := func() *httptest.ResponseRecorder {
		body, ct := importBody(t)
		return s.do(t, http.MethodPost, "/residents/import", body, "Content-Type", ct, "Cookie", cookie)
	}
	var wg sync.WaitGroup
	codes := make([]int, maxConcurrentImports)
	for i := range maxConcurrentImports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = post().Code
		}()
	}
	for range maxConcurrentImports {
		<-started
	}
	w := post()
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "5" || !strings.Contains(w.Body.String(), "其他导入正在进行") {
		t.Errorf("a third import: %d, Retry-After %q\n%s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	close(release)
	wg.Wait()
	for _, c := range codes {
		if c != http.StatusOK {
			t.Errorf("the running imports answered %v", codes)
		}
	}
	if w := post(); w.Code != http.StatusOK {
		t.Errorf("after they ended: %d", w.Code)
	}
}
