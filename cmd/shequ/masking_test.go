//go:build !race

// Like the route crawl, this test walks the demo as every role: half a
// minute per engine, many times that under the race detector.

package main

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"shequ"
	"shequ/internal/demo"
	"shequ/internal/web"
)

// TestMaskedFieldsRevealNothing (issue 14 item 1): an official who could
// not reveal an ID number rebuilt all 23 of the demo from the mask
// (first 6 and last 4 digits) and the birth date the pages showed. On the
// demo and both engines, every role walks every page and JSON answer it
// can reach (the route crawl's walk, with every record of a kind rather
// than two samples), never asking to reveal; then, for every person of the
// demo whose ID or phone number the platform holds (residents, social
// workers, organizations' leaders, the phones typed into requests), the
// test computes what that role learned of the number from everything it
// received together, and fails when the number can be rebuilt: when it is
// shown whole, or when fewer than rebuildLimit numbers remain possible.
//
// The attacker assumed here knows more than the pages show by design: the
// county of every person (so an ID number's six-digit address code), their
// sex (its sequence digit's parity) and their age today (a window of a
// year for the birth date). From the pages it takes every digit a mask of
// the number shows (all masks of any person that fit the number count, as
// if attributed right), and the birth date wherever it appears in any
// format. An address must not appear in full either.
func TestMaskedFieldsRevealNothing(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, _, m := startDemoServer(t, dsn)
		people := demoPeople(t, m)
		if len(people.ids) < 10 || len(people.phones) < 5 || len(people.addresses) == 0 {
			t.Fatalf("the demo holds too few personal values to test: %d ID numbers, %d phones, %d addresses",
				len(people.ids), len(people.phones), len(people.addresses))
		}
		routes := newRouteMatcher(web.Routes())
		roles := []string{"anonymous"}
		for _, a := range demo.Accounts {
			roles = append(roles, a.Username)
		}
		today := time.Now()
		for _, role := range roles {
			v := newVisitor(t, role, base, routes)
			v.wide = aboutPeople // every record about people, not two of each shape
			if role != "anonymous" {
				v.signIn(t, role, demo.Password)
			}
			start := time.Now()
			walkEverything(t, v, routes)
			t.Logf("%s: %d fetched in %v", role, v.fetched, time.Since(start))
			var bodies []string
			for u, res := range v.seen {
				if strings.Contains(u, "reveal=") {
					continue // an explicit reveal (audited) is not a leak
				}
				if res.IsHTML {
					bodies = append(bodies, html.UnescapeString(string(res.Body)))
				} else if res.IsJSON {
					bodies = append(bodies, string(res.Body))
				}
			}
			for _, leak := range people.leaks(strings.Join(bodies, "\n\x00\n"), today) {
				t.Errorf("%s (%d pages and answers): %s", role, len(bodies), leak)
			}
		}
	})
}

// walkEverything walks from the route table's entry points, then fills
// every wildcard route with every id and code the walk found, twice over.
func walkEverything(t *testing.T, v *visitor, routes *routeMatcher) {
	t.Helper()
	var entries []string
	for _, p := range routes.patterns {
		u := strings.TrimSuffix(strings.TrimPrefix(p, "GET "), "{$}")
		if !wildcardRE.MatchString(u) {
			entries = append(entries, u)
		}
	}
	v.walk(t, append(entries, crawlEntryFiles...))
	for round := 0; round < 2; round++ {
		pools := map[string][]string{}
		for u, res := range v.seen {
			if res.ok() {
				learnPools(pools, res.Pattern, u)
			}
		}
		for _, l := range v.links {
			learnPools(pools, routes.match(v.base+l.To), l.To)
		}
		var next []string
		for _, p := range routes.patterns {
			switch {
			case !wildcardRE.MatchString(p):
			case aboutPeople(p):
				next = append(next, fillAll(p, pools)...)
			default:
				next = append(next, fillPattern(p, pools)...)
			}
		}
		v.walk(t, next)
	}
}

// aboutPeople reports the routes whose records are about people (or hold
// what people typed): every one of them is read, not a sample.
func aboutPeople(pattern string) bool {
	for _, s := range []string{"resident", "household", "request", "delegation", "social-worker", "/orgs", "track",
		"/desk", "/needs", "/care", "/users", "/audit", "/account", "/activities", "/projects"} {
		if strings.Contains(pattern, s) {
			return true
		}
	}
	return false
}

// fillAll is fillPattern with every value of each pool (up to 100).
func fillAll(pattern string, pools map[string][]string) []string {
	wide := map[string][]string{}
	for k, vals := range pools {
		wide[k] = vals
	}
	var out []string
	// fillPattern keeps 3 values per wildcard; take them 3 at a time.
	segs := strings.Split(strings.SplitN(pattern, " ", 2)[1], "/")
	key := ""
	for i, s := range segs {
		if wildcardRE.MatchString(s) && i > 0 {
			key = segs[i-1]
			if len(pools[key]) == 0 {
				key = crawlPoolAliases[key]
			}
			break
		}
	}
	vals := pools[key]
	for i := 0; i < len(vals) && i < 100; i += 3 {
		wide[key] = vals[i:min(i+3, len(vals))]
		out = append(out, fillPattern(pattern, wide)...)
	}
	if len(vals) == 0 {
		out = fillPattern(pattern, pools)
	}
	return out
}

// rebuildLimit is how few candidates make a number rebuildable: an
// attacker can try a thousand guesses (calling phones, asking a service
// that checks an ID number and a name).
const rebuildLimit = 1000

// personalValues are the numbers and addresses the demo holds, in clear.
type personalValues struct {
	ids       map[string]string // ID number → whose
	phones    map[string]string // phone → whose
	addresses map[string]string // address → whose
}

// demoPeople reads every ID number, phone and address of the demo through
// the services, as the console (which sees them in clear).
func demoPeople(t *testing.T, m *Main) *personalValues {
	t.Helper()
	ctx := cliContext(context.Background())
	p := &personalValues{ids: map[string]string{}, phones: map[string]string{}, addresses: map[string]string{}}
	rs, _, err := m.svc.residents.FindResidents(ctx, shequ.ResidentFilter{Community: demo.County, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	households := map[string]bool{}
	for _, r := range rs {
		full, err := m.svc.residents.FindResidentByID(ctx, r.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		p.ids[string(full.IDNumber)] = "resident " + full.Name
		if full.Phone != "" {
			p.phones[string(full.Phone)] = "resident " + full.Name
		}
		if full.HouseholdID != "" {
			households[full.HouseholdID] = true
		}
	}
	for id := range households {
		h, err := m.svc.residents.FindHouseholdByID(ctx, id, true)
		if err != nil {
			t.Fatal(err)
		}
		if h.Address != "" {
			p.addresses[h.Address] = "household " + id
		}
	}
	// The requests' form values (a contact phone), as a worker reveals
	// them.
	reqs, _, err := m.svc.requests.Find(ctx, shequ.RequestFilter{Division: demo.County, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		full, err := m.svc.requests.RevealRequest(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for code, vals := range full.Values {
			for _, v := range vals {
				if ph, err := shequ.ParsePhone(v); err == nil && code == "contact_phone" {
					p.phones[string(ph)] = "request " + r.Number
				}
			}
		}
	}
	// The registers' sealed numbers: social workers (revealed one by
	// one), organizations' leaders (read in clear by the console).
	ws, _, err := m.svc.workers.FindWorkers(ctx, shequ.WorkerFilter{Community: demo.County, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		full, err := m.svc.workers.FindWorkerByID(ctx, w.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		p.ids[string(full.IDNumber)] = "social worker " + full.Name
		if full.Phone != "" {
			p.phones[string(full.Phone)] = "social worker " + full.Name
		}
	}
	os, _, err := m.svc.orgs.FindOrgs(ctx, shequ.OrgFilter{Community: demo.County, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range os {
		if o.LeaderPhone != "" && !strings.Contains(string(o.LeaderPhone), "*") {
			p.phones[string(o.LeaderPhone)] = "the leader of " + o.Name
		}
	}
	return p
}

// leaks lists what body (everything one role received) gives away.
func (p *personalValues) leaks(body string, today time.Time) []string {
	var out []string
	idMasks := idMaskRE.FindAllStringSubmatch(body, -1)
	phoneMasks := phoneMaskRE.FindAllStringSubmatch(body, -1)
	ids := make([]string, 0, len(p.ids))
	for id := range p.ids {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		who := p.ids[id]
		if strings.Contains(body, id) || strings.Contains(body, strings.ToLower(id)) {
			out = append(out, fmt.Sprintf("the ID number of %s is shown whole", who))
			continue
		}
		var known [18]bool
		for _, m := range idMasks {
			if fits(m[1], id) {
				for i := range 18 {
					known[i] = known[i] || m[1][i] != '*'
				}
			}
		}
		birth := shequ.IDNumber(id).BirthDate()
		birthShown := showsDate(body, birth)
		if n := idCandidates(id, known, birthShown, today); n < rebuildLimit {
			out = append(out, fmt.Sprintf("the ID number of %s can be rebuilt from %d candidates (digits shown %v, birth date shown %v)",
				who, n, shownPositions(known[:]), birthShown))
		}
	}
	phones := make([]string, 0, len(p.phones))
	for ph := range p.phones {
		phones = append(phones, ph)
	}
	sort.Strings(phones)
	for _, ph := range phones {
		who := p.phones[ph]
		digits := strings.ReplaceAll(ph, "-", "")
		if strings.Contains(body, ph) || strings.Contains(body, digits) {
			out = append(out, fmt.Sprintf("the phone of %s is shown whole", who))
			continue
		}
		known := make([]bool, len(ph))
		for _, m := range phoneMasks {
			if len(m[1]) == len(ph) && fits(m[1], ph) {
				for i := range ph {
					known[i] = known[i] || m[1][i] != '*'
				}
			}
		}
		hidden := 0
		for i := range ph {
			if ph[i] != '-' && !known[i] {
				hidden++
			}
		}
		if n := pow10(hidden); n < rebuildLimit {
			out = append(out, fmt.Sprintf("the phone of %s can be rebuilt from %d candidates (digits shown %v)",
				who, n, shownPositions(known)))
		}
	}
	for a, who := range p.addresses {
		// The street part of an address: what follows its administrative
		// part (Mask keeps that part).
		street := strings.TrimSuffix(a, "")
		if kept := strings.TrimSuffix(shequ.Mask(shequ.PersonalAddress, a), "****"); strings.HasPrefix(a, kept) {
			street = a[len(kept):]
		}
		if street != "" && strings.Contains(body, street) {
			out = append(out, fmt.Sprintf("the address of %s is shown in full (%s)", who, street))
		}
	}
	return out
}

// idMaskRE finds masked ID numbers: 18 characters of digits, X and stars
// with at least one star; phoneMaskRE masked mobiles and fixed lines.
var (
	idMaskRE    = regexp.MustCompile(`(?:^|[^0-9Xx*])([0-9Xx*]{18})(?:[^0-9Xx*]|$)`)
	phoneMaskRE = regexp.MustCompile(`(?:^|[^0-9*-])([0-9*]{11}|0[0-9]{2,3}-[0-9*]{7,8})(?:[^0-9*]|$)`)
)

// fits reports whether mask could be value: same length, every shown
// character equal, at least one hidden.
func fits(mask, value string) bool {
	if len(mask) != len(value) || !strings.Contains(mask, "*") {
		return false
	}
	for i := range mask {
		if mask[i] != '*' && !strings.EqualFold(mask[i:i+1], value[i:i+1]) {
			return false
		}
	}
	return true
}

// showsDate reports whether the day appears in body in a usual format.
func showsDate(body string, d time.Time) bool {
	for _, f := range []string{"2006-01-02", "2006年1月2日", "2006年01月02日", "2006/01/02", "2006/1/2", "2006.01.02", "20060102"} {
		if strings.Contains(body, d.Format(f)) {
			return true
		}
	}
	return false
}

// idCandidates counts the ID numbers an attacker who knows the address
// code, the sex and the age today, and the digits in known, cannot tell
// from id: every birth date that gives that age (only the true one when
// the birth date is shown) and fits the known digits, times every
// sequence number of that sex that fits them, with a check character that
// fits when it is shown. It stops counting at rebuildLimit.
func idCandidates(id string, known [18]bool, birthShown bool, today time.Time) int {
	birth := shequ.IDNumber(id).BirthDate()
	age := shequ.AgeAt(birth, today)
	var dates []string
	if birthShown {
		dates = []string{id[6:14]}
	} else {
		for d := birth.AddDate(-1, 0, -1); !d.After(birth.AddDate(1, 0, 1)); d = d.AddDate(0, 0, 1) {
			s := d.Format("20060102")
			if shequ.AgeAt(d, today) != age {
				continue
			}
			ok := true
			for i := range 8 {
				if known[6+i] && s[i] != id[6+i] {
					ok = false
				}
			}
			if ok {
				dates = append(dates, s)
			}
		}
	}
	parity := (id[16] - '0') % 2
	n := 0
	for _, d := range dates {
		for seq := range 1000 {
			s := fmt.Sprintf("%03d", seq)
			if (s[2]-'0')%2 != parity {
				continue
			}
			ok := true
			for i := range 3 {
				if known[14+i] && s[i] != id[14+i] {
					ok = false
				}
			}
			first17 := id[:6] + d + s
			if !ok || known[17] && shequ.IDCheckChar(first17) != id[17] {
				continue
			}
			if n++; n >= rebuildLimit {
				return n
			}
		}
	}
	return n
}

// shownPositions lists the positions marked known.
func shownPositions(known []bool) []int {
	var out []int
	for i, k := range known {
		if k {
			out = append(out, i)
		}
	}
	return out
}

func pow10(n int) int {
	out := 1
	for range n {
		out *= 10
		if out >= rebuildLimit {
			return out
		}
	}
	return out
}

// TestRebuildAnalysis checks the analysis of TestMaskedFieldsRevealNothing
// on what the platform used to show and what it shows now: it must call
// the old pages rebuildable and the new ones not.
func TestRebuildAnalysis(t *testing.T) {
	id := validID("33052319520312011")
	p := &personalValues{ids: map[string]string{id: "王建国"}, phones: map[string]string{"13857200001": "王建国"},
		addresses: map[string]string{"递铺街道苕秀路18号": "王建国家"}}
	today := time.Date(2026, 12, 6, 10, 0, 0, 0, shequ.Shanghai)
	oldMask := id[:6] + "********" + id[14:]
	newMask := shequ.Mask(shequ.PersonalIDNumber, id)
	for _, c := range []struct {
		name   string
		body   string
		leaked bool
	}{
		{"the old mask and the birth date (issue 14)", `{"id_number":"` + oldMask + `","birth_date":"1952-03-12","age":74}`, true},
		{"the old mask and the age", `{"id_number":"` + oldMask + `","age":74,"sex":"male"}`, true},
		{"the new mask, the age and the sex", `{"id_number":"` + newMask + `","age":74,"sex":"male","birth_date":null}`, false},
		{"the new mask with the birth date", `<dd>` + newMask + `</dd><dd>1952年3月12日</dd>`, true},
		{"the whole number", `<td>` + id + `</td>`, true},
		{"a mobile masked once", `138****0001`, false},
		{"a mobile masked two ways", `138****0001 … 1385720****`, true},
		{"the whole mobile", `电话 13857200001`, true},
		{"the masked address", `递铺街道****`, false},
		{"the whole address", `住址：递铺街道苕秀路18号`, true},
	} {
		leaks := p.leaks(c.body, today)
		if (len(leaks) > 0) != c.leaked {
			t.Errorf("%s: leaks %v, want leaked=%v", c.name, leaks, c.leaked)
		}
	}
	// The count itself, against a brute force over the dates and sequences.
	var known [18]bool
	known[0], known[17] = true, true
	if n := idCandidates(id, known, false, today); n < rebuildLimit {
		t.Errorf("first and last character with age and sex: %d candidates", n)
	}
	if n := idCandidates(id, known, true, today); n == 0 || n > 60 {
		t.Errorf("with the birth date: %d candidates, want about 500/11", n)
	}
}
