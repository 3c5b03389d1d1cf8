//go:build !race

package main

// The machinery of the route crawl (crawl_test.go): one visitor per role
// walks the pages from the route table's entry points, follows every link
// the platform shows (sampled by shape), and learns the ids and codes that
// fill the route table's wildcards.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"
)

// crawlResult is what one URL answered to one role.
type crawlResult struct {
	Status    int    // first answer
	Final     string // where redirects ended ("" without a redirect)
	FinalSt   int    // the status there
	Pattern   string // the route that served the URL
	Body      []byte // HTML or JSON bodies only
	IsHTML    bool
	IsJSON    bool
	Location  string
	RequestID string // of the last answer, to find what the server logged
}

// ok reports whether the role could open the page: 2xx, or a redirect
// that ends on a 2xx page other than the login form.
func (r *crawlResult) ok() bool {
	if r.Status >= 200 && r.Status < 300 {
		return true
	}
	if r.Status >= 300 && r.Status < 400 {
		return r.FinalSt >= 200 && r.FinalSt < 300 && !strings.HasPrefix(r.Final, "/login")
	}
	return false
}

// shownStatus is the status a person following a link sees: the first
// answer, or the end of the redirects (a redirect to the login form counts
// as 401).
func (r *crawlResult) shownStatus() int {
	if r.Status >= 300 && r.Status < 400 {
		if strings.HasPrefix(r.Final, "/login") {
			return http.StatusUnauthorized
		}
		return r.FinalSt
	}
	return r.Status
}

// routeMatcher finds the GET route that serves a path, with a mux that
// holds the route table's GET patterns only.
type routeMatcher struct {
	mux      *http.ServeMux
	patterns []string // "GET /x/{id}", table order
}

func newRouteMatcher(routes []string) *routeMatcher {
	m := &routeMatcher{mux: http.NewServeMux()}
	for _, p := range routes {
		if !strings.HasPrefix(p, http.MethodGet+" ") {
			continue
		}
		m.patterns = append(m.patterns, p)
		m.mux.Handle(p, http.NotFoundHandler())
	}
	return m
}

// match returns the GET pattern serving u (path and query), "" for none.
func (m *routeMatcher) match(u string) string {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return ""
	}
	_, p := m.mux.Handler(req)
	return p
}

// visitor walks the platform as one role.
type visitor struct {
	role   string
	base   string
	client *http.Client
	routes *routeMatcher
	mu     sync.Mutex
	seen   map[string]*crawlResult // URL (path?query) → answer
	shapes map[string]int          // pattern + shape → URLs fetched
	links  []shownLink
	limit  int // URLs fetched per pattern and shape
	// wide, when set, names the patterns fetched with every URL found
	// rather than limit per shape (the masking test reads every record
	// about a person).
	wide    func(pattern string) bool
	queue   []string
	via     map[string]string // URL → the page or answer that led to it
	fetched int
	// auth, when set, is sent as the Authorization header of every
	// request (the operator's metrics token); such a client is no person
	// and follows no links (noFollow).
	auth     string
	noFollow bool
}

// shownLink is a link (or resource, or GET form) a page showed.
type shownLink struct {
	From, To string
}

func newVisitor(t *testing.T, role, base string, routes *routeMatcher) *visitor {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &visitor{
		role: role, base: base, routes: routes, limit: 2,
		client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		seen: map[string]*crawlResult{}, shapes: map[string]int{}, via: map[string]string{},
	}
}

// signIn signs the visitor in through the login form.
func (v *visitor) signIn(t *testing.T, username, password string) {
	t.Helper()
	resp, err := v.client.PostForm(v.base+"/login", url.Values{"username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", username, resp.StatusCode)
	}
}

// fetch GETs u (path and query) once per visitor and follows redirects.
func (v *visitor) fetch(t *testing.T, u string) *crawlResult {
	t.Helper()
	if r, ok := v.seen[u]; ok {
		return r
	}
	res := &crawlResult{Pattern: v.routes.match(v.base + u)}
	v.seen[u] = res
	v.fetched++
	cur := u
	for hop := 0; hop < 5; hop++ {
		req, err := http.NewRequest(http.MethodGet, v.base+cur, nil)
		if err != nil {
			t.Fatalf("%s: GET %s: %v", v.role, cur, err)
		}
		if v.auth != "" {
			req.Header.Set("Authorization", v.auth)
		}
		resp, err := v.client.Do(req)
		if err != nil {
			t.Fatalf("%s: GET %s: %v", v.role, cur, err)
		}
		ct := resp.Header.Get("Content-Type")
		var body []byte
		if strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/json") {
			body, _ = io.ReadAll(resp.Body)
		} else {
			_, _ = io.Copy(io.Discard, resp.Body)
		}
		resp.Body.Close()
		if hop == 0 {
			res.Status, res.Location = resp.StatusCode, resp.Header.Get("Location")
		}
		res.FinalSt, res.RequestID = resp.StatusCode, resp.Header.Get("X-Request-Id")
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil || loc.Host != resp.Request.URL.Host {
				return res
			}
			cur = loc.RequestURI()
			res.Final = cur
			continue
		}
		res.Body = body
		res.IsHTML = strings.HasPrefix(ct, "text/html")
		res.IsJSON = strings.HasPrefix(ct, "application/json")
		if res.Final != "" {
			// Also what the landing page shows.
			v.seen[res.Final] = &crawlResult{Status: resp.StatusCode, FinalSt: resp.StatusCode,
				Pattern: v.routes.match(v.base + res.Final), Body: body, IsHTML: res.IsHTML, IsJSON: res.IsJSON}
		}
		return res
	}
	return res
}

// crawlUUIDRE, digitsRE and hexRE turn ids and codes into a URL's shape: two
// URLs of one shape are one kind of link (the 15 townships of a county),
// two shapes are two (a province and a township).
var (
	crawlUUIDRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	digitsRE    = regexp.MustCompile(`[0-9]+`)
	tokenRE     = regexp.MustCompile(`[A-Za-z0-9_-]{20,}`)
)

func urlShape(u string) string {
	s := crawlUUIDRE.ReplaceAllString(u, "U")
	s = tokenRE.ReplaceAllString(s, "T")
	return digitsRE.ReplaceAllStringFunc(s, func(d string) string { return fmt.Sprintf("#%d", len(d)) })
}

// admit reports whether u is to be fetched: a URL of a shape of its
// route already fetched limit times is a sample too many.
func (v *visitor) admit(u string) bool {
	if _, ok := v.seen[u]; ok {
		return false
	}
	p := v.routes.match(v.base + u)
	if p == "" {
		return true // the 404 of an unknown path is worth seeing once
	}
	k := p + " " + urlShape(u)
	if v.shapes[k] >= v.limit && (v.wide == nil || !v.wide(p) || v.shapes[k] >= 500) {
		return false
	}
	v.shapes[k]++
	return true
}

// walk fetches the entry points and every link they lead to, breadth
// first.
func (v *visitor) walk(t *testing.T, entries []string) {
	v.queue = append(v.queue, entries...)
	for len(v.queue) > 0 {
		u := v.queue[0]
		v.queue = v.queue[1:]
		res := v.fetch(t, u)
		body, isHTML, isJSON := res.Body, res.IsHTML, res.IsJSON
		if v.noFollow {
			continue
		}
		from := u
		if res.Final != "" {
			from = res.Final
		}
		switch {
		case isHTML:
			for _, l := range pageLinks(body) {
				to, ok := v.local(from, l)
				if !ok {
					continue
				}
				v.links = append(v.links, shownLink{From: from, To: to})
				if v.admit(to) {
					v.queue = append(v.queue, to)
					v.via[to] = from
				}
			}
		case isJSON && res.FinalSt >= 200 && res.FinalSt < 300:
			for _, to := range jsonCandidates(from, body) {
				if v.routes.match(v.base+to) != "" && v.admit(to) {
					v.queue = append(v.queue, to)
					v.via[to] = from
				}
			}
		}
	}
}

// local resolves href against the page at from and returns it as a path
// and query on this server (false for other hosts, fragments, scripts).
func (v *visitor) local(from, href string) (string, bool) {
	if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(href, "javascript:") ||
		strings.HasPrefix(href, "mailto:") || strings.HasPrefix(href, "tel:") || strings.HasPrefix(href, "data:") {
		return "", false
	}
	b, err := url.Parse(v.base + from)
	if err != nil {
		return "", false
	}
	u, err := b.Parse(href)
	if err != nil || u.Host != b.Host {
		return "", false
	}
	u.Fragment = ""
	return u.RequestURI(), true
}

// pageLinks returns what a page offers to GET: links, htmx GETs, assets
// and GET forms (submitted with their default values).
func pageLinks(body []byte) []string {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil
	}
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "a", "link":
				out = append(out, attr(n, "href"))
			case "script", "img":
				out = append(out, attr(n, "src"))
			case "form":
				if m := strings.ToLower(attr(n, "method")); m == "" || m == "get" {
					out = append(out, formURL(n))
				}
			}
			if g := attr(n, "hx-get"); g != "" {
				out = append(out, g)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// formURL is the URL a GET form submits with its default values, as a
// browser would build it.
func formURL(form *html.Node) string {
	q := url.Values{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name := attr(n, "name")
			switch n.Data {
			case "input":
				typ := strings.ToLower(attr(n, "type"))
				switch {
				case name == "" || typ == "submit" || typ == "button" || typ == "image" || typ == "file" || typ == "reset":
				case typ == "checkbox" || typ == "radio":
					if hasAttr(n, "checked") {
						v := attr(n, "value")
						if v == "" && !hasAttr(n, "value") {
							v = "on"
						}
						q.Add(name, v)
					}
				default:
					q.Add(name, attr(n, "value"))
				}
			case "select":
				if name != "" {
					q.Add(name, selectedOption(n))
				}
			case "textarea":
				if name != "" {
					q.Add(name, textOf(n))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	action := attr(form, "action")
	if len(q) == 0 {
		return action
	}
	if action == "" {
		action = "?"
	} else {
		action = strings.SplitN(action, "?", 2)[0] + "?"
	}
	return action + q.Encode()
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// selectedOption is the value a select submits: the selected option, else
// the first.
func selectedOption(sel *html.Node) string {
	var first, chosen *html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "option" {
			if first == nil {
				first = n
			}
			if chosen == nil && hasAttr(n, "selected") {
				chosen = n
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(sel)
	if chosen == nil {
		chosen = first
	}
	if chosen == nil {
		return ""
	}
	if hasAttr(chosen, "value") {
		return attr(chosen, "value")
	}
	return strings.TrimSpace(textOf(chosen))
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// jsonCandidates guesses the URLs of the records a JSON answer lists: for
// the answer of /api/v1/projects/X/bids (or /open311/v2/requests.json)
// whose records have "id": "B" (or "bid_id", "bid_code", "code"), both /api/v1/projects/X/bids/B and
// /api/v1/bids/B (with the answer's extension); for a field "org_id": "O"
// anywhere, /api/v1/orgs/O. Guesses that no route serves are dropped by the
// caller.
func jsonCandidates(from string, body []byte) []string {
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	p := strings.SplitN(from, "?", 2)[0]
	ext := path.Ext(p)
	p = strings.TrimSuffix(p, ext)
	last := path.Base(p)
	prefix := "/api/v1/"
	if strings.HasPrefix(p, "/open311/v2/") {
		prefix = "/open311/v2/"
	}
	one := strings.TrimSuffix(last, "s") // "requests" → the key "service_request_id"
	set := map[string]bool{}
	// record is true for the answer itself and the elements of its list:
	// their "id" is the id of this resource, deeper ones of others.
	var walk func(x any, record bool)
	walk = func(x any, record bool) {
		switch x := x.(type) {
		case map[string]any:
			for k, val := range x {
				s, ok := val.(string)
				if !ok || s == "" || strings.ContainsAny(s, "/?# ") {
					walk(val, record && k == "items")
					continue
				}
				esc := url.PathEscape(s)
				if record && (k == "id" || k == "code" || k == "token" || strings.HasSuffix(k, one+"_id") || strings.HasSuffix(k, one+"_code")) {
					set[p+"/"+esc+ext] = true
					set[prefix+last+"/"+esc+ext] = true
				}
				for _, suffix := range []string{"_id", "_code"} {
					if kind, ok := strings.CutSuffix(k, suffix); ok && kind != "" {
						set[prefix+kind+"s/"+esc+ext] = true
					}
				}
			}
		case []any:
			for _, e := range x {
				walk(e, record)
			}
		}
	}
	walk(doc, true)
	out := make([]string, 0, len(set))
	for u := range set {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// wildcardRE finds a pattern's wildcards.
var wildcardRE = regexp.MustCompile(`\{[^}]+\}`)

// fillPattern returns URLs for a pattern's path with each wildcard taken
// from the values seen after the same literal segment elsewhere ("needs"
// → the ids of /needs/{id} fill /api/v1/needs/{id}); nil when a wildcard
// has none.
func fillPattern(pattern string, pools map[string][]string) []string {
	p := strings.SplitN(pattern, " ", 2)[1]
	p = strings.TrimSuffix(p, "{$}")
	segs := strings.Split(p, "/")
	urls := []string{""}
	for i, s := range segs {
		if i == 0 {
			continue
		}
		if !wildcardRE.MatchString(s) {
			for j := range urls {
				urls[j] += "/" + s
			}
			continue
		}
		vals := pools[segs[i-1]]
		if len(vals) == 0 {
			vals = pools[crawlPoolAliases[segs[i-1]]]
		}
		if len(vals) == 0 {
			return nil
		}
		if strings.HasPrefix(p, "/open311/") {
			// Open311 resources are "{id}.json".
			vals = append([]string(nil), vals...)
			for j, val := range vals {
				if path.Ext(val) == "" {
					vals[j] = val + ".json"
				}
			}
		}
		if len(vals) > 3 {
			vals = vals[:3]
		}
		var next []string
		for _, u := range urls {
			for _, val := range vals {
				next = append(next, u+"/"+val)
			}
		}
		urls = next
	}
	return urls
}

// crawlPoolAliases name the segment whose values fill a wildcard after
// another segment: an Open311 token is the tracking token of /track/{token}.
var crawlPoolAliases = map[string]string{"tokens": "track"}

// learnPools records, for every URL that answered 2xx, the value after
// each literal segment in the places where its route has a wildcard.
func learnPools(pools map[string][]string, pattern, u string) {
	if pattern == "" {
		return
	}
	pp := strings.Split(strings.SplitN(pattern, " ", 2)[1], "/")
	up := strings.Split(strings.SplitN(u, "?", 2)[0], "/")
	for i := 1; i < len(pp) && i < len(up); i++ {
		if !wildcardRE.MatchString(pp[i]) || strings.Contains(pp[i], "...") {
			continue
		}
		if !contains(pools[pp[i-1]], up[i]) {
			pools[pp[i-1]] = append(pools[pp[i-1]], up[i])
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
