package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// staticFile is one embedded asset with the hash that goes into its URL.
type staticFile struct {
	hash  string
	data  []byte
	ctype string
}

// staticFiles serves the embedded assets at content-hashed URLs,
// /static/{hash}/{name}. A changed file gets a new URL, so browsers may
// cache every URL forever, and an old page never gets a new file.
type staticFiles struct {
	files map[string]staticFile // by name relative to static/
}

// staticHashLen is the number of hex digits of SHA-256 kept in URLs: 64
// bits are plenty to tell versions of one file apart.
const staticHashLen = 16

func newStaticFiles() (*staticFiles, error) {
	sf := &staticFiles{files: map[string]staticFile{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(staticFS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "text/plain; charset=utf-8" // LICENSE files
		}
		name := strings.TrimPrefix(p, "static/")
		sf.files[name] = staticFile{hash: hex.EncodeToString(sum[:])[:staticHashLen], data: data, ctype: ctype}
		return nil
	})
	return sf, err
}

// url returns the hashed URL of an asset; the "static" template function.
// An unknown name is an error, so a typo fails the template at once.
func (sf *staticFiles) url(name string) (string, error) {
	f, ok := sf.files[name]
	if !ok {
		return "", fmt.Errorf("static: no file %q", name)
	}
	return "/static/" + f.hash + "/" + name, nil
}

// handleStatic serves an asset when the hash in the URL is the current one.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	f, ok := s.static.files[name]
	if !ok || r.PathValue("hash") != f.hash {
		s.error(w, r, errNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+f.hash+`"`)
	// ServeContent handles Range and If-None-Match.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
}

// handleFavicon serves GET /favicon.ico, which browsers ask for whatever
// the page says: the site's icon (an SVG, which they accept there too),
// cached for a day since its URL cannot change with it.
func (s *Server) handleFavicon(w http.ResponseWriter, r *http.Request) {
	f := s.static.files["favicon.svg"]
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("ETag", `"`+f.hash+`"`)
	http.ServeContent(w, r, "favicon.svg", time.Time{}, bytes.NewReader(f.data))
}
