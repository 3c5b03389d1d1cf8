//go:build !race

// The route crawl loads the demo and makes some 2,600 requests per engine:
// eight minutes under the race detector on two cores instead of half a
// minute, so scripts/test runs it in its pass without -race (the server's
// concurrency is checked under -race by the other end-to-end tests).

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"shequ"
	"shequ/internal/config"
	"shequ/internal/demo"
	"shequ/internal/web"
)

// knownCrawlFailures are findings of the route crawl that are known and
// routed to the helper who owns the page (docs/TESTING.md, FINDING lines
// of the tests branch). Each is a finding's key: the role, what failed
// and the route. The crawl fails on any other finding, and on a listed
// one that no longer happens, so that the list cannot outlive its bugs:
// whoever fixes one removes its line.
var knownCrawlFailures = map[string]string{}

// TestRouteCrawl is the page test that cannot miss a route (issue 13 item
// 1). On the demo (the county 安吉县 with its registers, projects,
// requests and delegations) and on both engines, for anonymous and each
// demo role it:
//
//   - walks the pages from every GET route of the route table without a
//     wildcard, following every link, htmx GET, asset and GET form (with
//     its default values) a page shows, sampled by shape: two URLs per
//     route and shape (a province and a township are two shapes, the 15
//     townships of a county one);
//   - fails when a page answers 5xx, or when a page shows a link that
//     answers 401, 403 or 404 (or sends a signed-in role to the login
//     form) to the role it is shown to;
//   - fills the wildcards of every GET route with the ids and codes the
//     pages and JSON answers showed (the ids of /needs/{id} fill
//     /api/v1/needs/{id}), requests each such URL as every role, and
//     fails on a 5xx;
//   - fails, naming the route, when a GET route has no URL that answered
//     2xx to any role: new routes are covered without editing this test,
//     and one whose wildcard the demo cannot fill is loud.
func TestRouteCrawl(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, logs, m := startDemoServer(t, dsn)
		// No demo account sees the whole country: an official of the
		// ministry's scope opens the national pages and exports.
		hash, err := m.svc.hasher.Hash(demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.svc.users.CreateUser(cliContext(context.Background()), &shequ.User{Username: nationalOfficial,
			Role: shequ.RoleOfficial, Name: "民政部"}, hash); err != nil {
			t.Fatal(err)
		}
		routes := newRouteMatcher(web.Routes())
		f := &crawlFindings{seen: map[string]string{}}

		roles := []string{"anonymous"}
		for _, a := range demo.Accounts {
			roles = append(roles, a.Username)
		}
		roles = append(roles, nationalOfficial, operator)
		visitors := map[string]*visitor{}
		for _, role := range roles {
			v := newVisitor(t, role, base, routes)
			switch role {
			case "anonymous":
			case operator:
				// The monitoring system: the metrics token on every
				// request, no account, no links followed.
				v.auth, v.noFollow = "Bearer "+metricsToken, true
			default:
				v.signIn(t, role, demo.Password)
			}
			visitors[role] = v
		}
		// The entry points: every GET route without a wildcard, and a few
		// resources that are files rather than records.
		var entries []string
		for _, p := range routes.patterns {
			u := strings.TrimSuffix(strings.TrimPrefix(p, "GET "), "{$}")
			if !wildcardRE.MatchString(u) {
				entries = append(entries, u)
			}
		}
		entries = append(entries, crawlEntryFiles...)

		// Round 0 walks from the entry points; each later round walks from
		// URLs filled for the routes still without a URL that answered 2xx
		// (the ids their JSON answers list lead further, to bids for one).
		pools := map[string][]string{}
		var unfilled []string
		for round := 0; round < 4; round++ {
			starts := map[string][]string{}
			if round == 0 {
				for _, role := range roles {
					starts[role] = entries
				}
			} else {
				for _, p := range unfilled {
					for _, u := range fillPattern(p, pools) {
						if q, ok := crawlQueries[p]; ok {
							u += "?" + fillQuery(q, pools)
						}
						for _, role := range roles {
							starts[role] = append(starts[role], u)
						}
					}
				}
			}
			t.Run(fmt.Sprintf("walk-%d", round), func(t *testing.T) {
				for _, role := range roles {
					v := visitors[role]
					t.Run(role, func(t *testing.T) {
						t.Parallel()
						v.walk(t, starts[role])
					})
				}
			})
			// Learn the values of every link shown and URL fetched.
			for _, role := range roles {
				v := visitors[role]
				for u, res := range v.seen {
					if res.ok() {
						learnPools(pools, res.Pattern, u)
					}
				}
				for _, l := range v.links {
					learnPools(pools, routes.match(base+l.To), l.To)
				}
			}
			before := len(unfilled)
			unfilled = unfilled[:0]
			for _, p := range routes.patterns {
				if opened(visitors, roles, p) == "" {
					unfilled = append(unfilled, p)
				}
			}
			if round > 0 && len(unfilled) == before {
				break
			}
		}

		// Findings of the walks: 5xx anywhere, shown links that the role
		// may not open.
		for _, role := range roles {
			v := visitors[role]
			for u, res := range v.seen {
				if res.Status >= 500 || res.FinalSt >= 500 {
					f.add(role, "GET", res.Pattern, res.FinalSt, u, logs.about(res))
				}
			}
			for _, l := range v.links {
				res, ok := v.seen[l.To]
				if !ok {
					continue // a sample too many of its shape
				}
				switch st := res.shownStatus(); {
				case st == http.StatusUnauthorized && role == "anonymous" && strings.HasPrefix(l.To, "/login"):
				case st == http.StatusUnauthorized, st == http.StatusForbidden, st == http.StatusNotFound:
					f.add(role, "link", res.Pattern, st, l.From+" → "+l.To, "")
				}
			}
		}

		// Every GET route, with a URL that answered 2xx to some role,
		// requested as every role: no 5xx whoever asks.
		sample := map[string]string{}
		for _, p := range routes.patterns {
			sample[p] = opened(visitors, roles, p)
		}
		t.Run("every-route", func(t *testing.T) {
			for _, role := range roles {
				v := visitors[role]
				t.Run(role, func(t *testing.T) {
					t.Parallel()
					for _, p := range routes.patterns {
						if u := sample[p]; u != "" {
							if res := v.fetch(t, u); res.Status >= 500 || res.FinalSt >= 500 {
								f.add(role, "GET", p, res.FinalSt, u, logs.about(res))
							}
						}
					}
				})
			}
		})
		// A route that no role could open with any URL found: its
		// wildcard cannot be filled from the demo, or it fails everyone.
		for _, p := range unfilled {
			var tried []string
			for _, role := range roles {
				for u, res := range visitors[role].seen {
					if res.Pattern == p {
						tried = append(tried, fmt.Sprintf("%s %s: %d (from %s)", role, u, res.shownStatus(), visitors[role].via[u]))
					}
				}
			}
			sort.Strings(tried)
			f.add("every role", "unfilled", p, 0, strings.Join(tried, "\n"),
				"no page or JSON answer of any role led to a URL of this route that answered 2xx; "+
					"give the demo a record it can show (internal/demo) or a page a link to it")
		}
		total := 0
		for _, v := range visitors {
			total += v.fetched
		}
		t.Logf("%d requests over %d roles and %d GET routes", total, len(roles), len(routes.patterns))
		f.report(t)
	})
}

// crawlEntryFiles are GET URLs whose wildcard is a file name rather than a
// record, which no page links to: the Open311 documents (their records
// are then found in their JSON).
var crawlEntryFiles = []string{
	"/open311/v2/discovery.json", "/open311/v2/services.json", "/open311/v2/requests.json",
	"/open311/v2/discovery.xml",
}

// opened returns a URL of the GET route p that answered 2xx to some role
// (the first in role order), "" when none did.
func opened(visitors map[string]*visitor, roles []string, p string) string {
	for _, role := range roles {
		var found []string
		for u, res := range visitors[role].seen {
			if res.Pattern == p && res.ok() {
				found = append(found, u)
			}
		}
		if len(found) > 0 {
			sort.Strings(found)
			return found[0]
		}
	}
	return ""
}

// fillQuery replaces each {segment} of a query template with a value seen
// after that segment: "resident={residents}" takes a resident's id.
func fillQuery(q string, pools map[string][]string) string {
	return wildcardRE.ReplaceAllStringFunc(q, func(w string) string {
		if vals := pools[strings.Trim(w, "{}")]; len(vals) > 0 {
			return url.QueryEscape(vals[0])
		}
		return ""
	})
}

// nationalOfficial is the one account the crawl adds to the demo: an
// official whose scope is the whole country.
const nationalOfficial = "crawl-national-official"

// operator is the crawl's monitoring client: it sends the server's metrics
// token (metricsToken, Config.Ops.MetricsToken of the demo server) as a
// bearer token with every request, as a scraper of /metrics does, and
// follows no links; every other page answers it 401.
const operator = "operator"

// metricsToken is the demo server's metrics token.
const metricsToken = "crawl-metrics-token-0123456789"

// crawlQueries are the query strings that routes no page links to need in
// order to answer 2xx; they are added to the URLs the crawl fills for them.
var crawlQueries = map[string]string{
	"GET /api/v1/divisions/search":       "q=" + url.QueryEscape("递铺"),
	"GET /api/v1/indicators/{code}/gaps": "target=" + string(shequ.TargetOrgsPerUrban),
	// The desk links the delegation form once a resident is found.
	"GET /delegations/new": "resident={residents}",
}

// crawlFindings collects the findings of one engine's crawl by key.
type crawlFindings struct {
	mu   sync.Mutex
	seen map[string]string // key → an example with details
}

// add records a finding: key "role kind pattern status", the example URL
// and what the server logged.
func (f *crawlFindings) add(role, kind, pattern string, status int, example, detail string) {
	key := fmt.Sprintf("%s %s %s %d", role, kind, pattern, status)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.seen[key]; !ok {
		f.seen[key] = strings.TrimSpace(example + "\n" + detail)
	}
}

// report fails on every finding not listed in knownCrawlFailures and on
// every listed one that did not happen.
func (f *crawlFindings) report(t *testing.T) {
	t.Helper()
	keys := make([]string, 0, len(f.seen))
	for k := range f.seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, known := knownCrawlFailures[k]; known {
			t.Logf("known failure (listed in knownCrawlFailures): %s\n\t%s", k, f.seen[k])
			continue
		}
		t.Errorf("FINDING %s\n\t%s", k, strings.ReplaceAll(f.seen[k], "\n", "\n\t"))
	}
	for k, why := range knownCrawlFailures {
		if _, ok := f.seen[k]; !ok {
			t.Errorf("known failure %q (%s) no longer happens: remove it from knownCrawlFailures", k, why)
		}
	}
}

// crawlLogs keeps the server's log lines, to show what a 5xx logged.
type crawlLogs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *crawlLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// about returns the error lines the server logged for the request of res.
func (l *crawlLogs) about(res *crawlResult) string {
	if res.RequestID == "" {
		return ""
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	re := regexp.MustCompile(`(?m)^.*level=ERROR.*request_id=` + regexp.QuoteMeta(res.RequestID) + `.*$`)
	return strings.Join(re.FindAllString(l.buf.String(), 3), "\n")
}

// startDemoServer runs `serve -demo` on dsn with the demo county alone
// and returns its URL and its log.
func startDemoServer(t *testing.T, dsn string) (string, *crawlLogs, *Main) {
	t.Helper()
	logs := &crawlLogs{}
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir, cfg.Demo = "127.0.0.1:0", dsn, dataDir(t), true
	cfg.Ops.MetricsToken = metricsToken
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(logs, nil)), Stdout: io.Discard, DemoPrefix: demo.County}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return "http://" + m.Addr(), logs, m
}
