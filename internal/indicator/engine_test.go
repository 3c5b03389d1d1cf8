package indicator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

// worker is a social worker of the in-memory source.
type worker struct {
	community string
	qual      shequ.Qualification
	edu       shequ.Education
	serves    []string
}

// memSource is an in-memory Source: divisions, organization rows (N = 1 for
// one organization) and workers, aggregated on every Load like the store's
// GROUP BY.
type memSource struct {
	mu      sync.Mutex
	divs    []DivisionRow
	orgs    []OrgCount
	workers []worker
	snaps   map[string]*shequ.IndicatorSnapshot
}

func in(communities []string, c string) bool {
	return communities == nil || slices.Contains(communities, c)
}

func (s *memSource) LoadDivisions(_ context.Context, fn func(DivisionRow) error) error {
	for _, d := range s.divs {
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

func (s *memSource) LoadOrgCounts(_ context.Context, cs []string, fn func(OrgCount) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	agg := map[OrgCount]int{}
	for _, o := range s.orgs {
		if in(cs, o.Community) {
			agg[OrgCount{Community: o.Community, Kind: o.Kind, Status: o.Status}] += o.N
		}
	}
	for k, n := range agg {
		k.N = n
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

func (s *memSource) LoadWorkerCounts(_ context.Context, cs []string, fn func(WorkerCount) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	agg := map[WorkerCount]int{}
	for _, w := range s.workers {
		if in(cs, w.community) {
			agg[WorkerCount{Community: w.community, Qualification: w.qual, Education: w.edu}]++
		}
	}
	for k, n := range agg {
		k.N = n
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

func (s *memSource) LoadCoverCounts(_ context.Context, cs []string, fn func(CoverCount) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	agg := map[string]int{}
	for _, w := range s.workers {
		for _, c := range coverOf(w) {
			if in(cs, c) {
				agg[c]++
			}
		}
	}
	for c, n := range agg {
		if err := fn(CoverCount{Community: c, N: n}); err != nil {
			return err
		}
	}
	return nil
}

// coverOf is the distinct communities a worker covers.
func coverOf(w worker) []string {
	out := []string{w.community}
	for _, c := range w.serves {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func (s *memSource) SaveSnapshots(_ context.Context, snaps []*shequ.IndicatorSnapshot) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snaps == nil {
		s.snaps = map[string]*shequ.IndicatorSnapshot{}
	}
	for _, sn := range snaps {
		s.snaps[sn.Division+"@"+sn.Month] = sn
	}
	return nil
}

func (s *memSource) FindSnapshots(_ context.Context, division string, months int) ([]*shequ.IndicatorSnapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*shequ.IndicatorSnapshot
	for _, sn := range s.snaps {
		if sn.Division == division {
			out = append(out, sn)
		}
	}
	slices.SortFunc(out, func(a, b *shequ.IndicatorSnapshot) int { return strings.Compare(a.Month, b.Month) })
	return out[max(0, len(out)-months):], nil
}

// memTargets is a TargetService over a slice, with the store's rule.
type memTargets struct{ rows []*shequ.Target }

func (m *memTargets) FindTargets(context.Context, string) ([]*shequ.Target, error) {
	return m.rows, nil
}
func (m *memTargets) SetTarget(_ context.Context, t *shequ.Target) error {
	m.rows = append(m.rows, t)
	return nil
}
func (m *memTargets) EffectiveTargets(_ context.Context, code, _ string) (shequ.Targets, error) {
	out := shequ.Targets{}
	for k, v := range shequ.PlanTargets {
		out[k] = v
		best := -1
		for _, t := range m.rows {
			if t.Key == k && strings.HasPrefix(code, t.Scope) && len(t.Scope) > best {
				best, out[k] = len(t.Scope), t.Value
			}
		}
	}
	return out, nil
}

// randomTree builds provinces × 2 cities × 2 counties × 3 townships (one
// of each kind) × 2–7 communities of mixed kinds, with random urban-rural
// codes and terrain (some unknown), and random organizations and workers.
func randomTree(r *rand.Rand, provinces []string) *memSource {
	s := &memSource{}
	var comms []string
	for _, p := range provinces {
		s.divs = append(s.divs, DivisionRow{Code: p, Name: "省" + p})
		for c := 1; c <= 2; c++ {
			city := fmt.Sprintf("%s%02d", p, c)
			s.divs = append(s.divs, DivisionRow{Code: city, Name: "市" + city})
			for k := 1; k <= 2; k++ {
				county := fmt.Sprintf("%s%02d", city, k)
				s.divs = append(s.divs, DivisionRow{Code: county, Name: "县" + county})
				for _, t := range []int{1, 101, 201} {
					tw := fmt.Sprintf("%s%03d", county, t)
					s.divs = append(s.divs, DivisionRow{Code: tw, Name: "乡" + tw})
					for j := 0; j < 2+r.IntN(5); j++ {
						code := fmt.Sprintf("%s%03d", tw, []int{1, 2, 3, 201, 202, 401}[j])
						row := DivisionRow{Code: code, Name: "村" + code}
						if u := r.IntN(len(shequ.UrbanRuralCodes) + 2); u < len(shequ.UrbanRuralCodes) {
							row.UrbanRural = shequ.UrbanRuralCodes[u]
						}
						if t := r.IntN(len(shequ.Terrains) + 1); t < len(shequ.Terrains) {
							row.Terrain = shequ.Terrains[t]
						}
						s.divs = append(s.divs, row)
						comms = append(comms, code)
					}
				}
			}
		}
	}
	// A county without communities still shows among its city's children.
	s.divs = append(s.divs, DivisionRow{Code: provinces[0] + "0199", Name: "空县"})
	r.Shuffle(len(s.divs), func(i, j int) { s.divs[i], s.divs[j] = s.divs[j], s.divs[i] })
	for _, c := range comms {
		for range r.IntN(15) {
			s.orgs = append(s.orgs, OrgCount{Community: c, N: 1,
				Kind:   shequ.OrgKinds[r.IntN(len(shequ.OrgKinds))],
				Status: []shequ.OrgStatus{shequ.OrgActive, shequ.OrgActive, shequ.OrgActive, shequ.OrgDormant, shequ.OrgDissolved}[r.IntN(5)]})
		}
		for range r.IntN(3) {
			w := worker{community: c, qual: shequ.Qualifications[r.IntN(4)]}
			if e := r.IntN(6); e < 5 {
				w.edu = shequ.Educations[e]
			}
			for range r.IntN(3) {
				w.serves = append(w.serves, comms[r.IntN(len(comms))])
			}
			s.workers = append(s.workers, w)
		}
	}
	return s
}

// brute recomputes the figures of the communities under code from the raw
// rows, resolving each community's targets on its own.
func brute(s *memSource, ts *memTargets, code string) shequ.IndicatorStats {
	st := shequ.IndicatorStats{OrgsByKind: map[shequ.OrgKind]int{}, OrgsByStatus: map[shequ.OrgStatus]int{},
		WorkersByQual: map[shequ.Qualification]int{}, WorkersByEdu: map[shequ.Education]int{}}
	for _, k := range shequ.OrgKinds {
		st.OrgsByKind[k] = 0
	}
	for _, k := range shequ.OrgStatuses {
		st.OrgsByStatus[k] = 0
	}
	for _, k := range shequ.Qualifications {
		st.WorkersByQual[k] = 0
	}
	for _, k := range shequ.Educations {
		st.WorkersByEdu[k] = 0
	}
	for _, d := range s.divs {
		c := d.Code
		if len(c) != 12 || !strings.HasPrefix(c, code) {
			continue
		}
		t, _ := ts.EffectiveTargets(context.Background(), c, "")
		st.Communities++
		kind := shequ.DivisionKind(c)
		switch kind {
		case shequ.KindUrban:
			st.Urban++
		case shequ.KindRural:
			st.Rural++
		default:
			st.Other++
		}
		active := 0
		for _, o := range s.orgs {
			if o.Community != c {
				continue
			}
			st.Orgs++
			st.OrgsByStatus[o.Status]++
			if o.Status == shequ.OrgActive {
				active++
				st.OrgsActive++
				st.OrgsByKind[o.Kind]++
			}
		}
		if kind == shequ.KindUrban && float64(active) >= t[shequ.TargetOrgsPerUrban] {
			st.UrbanMeetingOrgTarget++
		}
		if kind == shequ.KindRural && float64(active) >= t[shequ.TargetOrgsPerRural] {
			st.RuralMeetingOrgTarget++
		}
		cover := 0
		for _, w := range s.workers {
			if slices.Contains(coverOf(w), c) {
				cover++
			}
			if w.community != c {
				continue
			}
			st.Workers++
			st.WorkersByQual[w.qual]++
			if w.qual.Certified() {
				st.WorkersCertified++
			}
			if w.edu != "" {
				st.WorkersByEdu[w.edu]++
			}
		}
		if float64(cover) >= t[shequ.TargetWorkersPerCommu] {
			st.CommunitiesWithWorkers++
		}
	}
	return st
}

// sumStats adds figures, for checking that breakdowns add up.
func sumStats(rows []shequ.IndicatorRow) shequ.IndicatorStats {
	v := make(vec, nCounters)
	for _, r := range rows {
		s := r.Stats
		v[cCommunities] += int32(s.Communities)
		v[cUrban] += int32(s.Urban)
		v[cRural] += int32(s.Rural)
		v[cOther] += int32(s.Other)
		v[cOrgs] += int32(s.Orgs)
		v[cOrgsActive] += int32(s.OrgsActive)
		for i, k := range shequ.OrgKinds {
			v[cKind+i] += int32(s.OrgsByKind[k])
		}
		for i, k := range shequ.OrgStatuses {
			v[cStatus+i] += int32(s.OrgsByStatus[k])
		}
		v[cUrbanMeet] += int32(s.UrbanMeetingOrgTarget)
		v[cRuralMeet] += int32(s.RuralMeetingOrgTarget)
		v[cWorkers] += int32(s.Workers)
		v[cCertified] += int32(s.WorkersCertified)
		for i, k := range shequ.Qualifications {
			v[cQual+i] += int32(s.WorkersByQual[k])
		}
		for i, k := range shequ.Educations {
			v[cEdu+i] += int32(s.WorkersByEdu[k])
		}
		v[cWithWorker] += int32(s.CommunitiesWithWorkers)
	}
	return v.coreStats()
}

// cliCtx is console work, which reads everything.
var cliCtx = shequ.WithRequestMeta(context.Background(), shequ.RequestMeta{ClientAddr: "cli"})

func mustEngine(t testing.TB, s *memSource, ts *memTargets) *Engine {
	t.Helper()
	e := New(s, ts)
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEngineMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := randomTree(r, []string{"11", "33", "62"})
	ts := &memTargets{rows: []*shequ.Target{
		{Scope: "33", Key: shequ.TargetOrgsPerUrban, Value: 12},
		{Scope: "330101", Key: shequ.TargetOrgsPerRural, Value: 7},
		{Scope: "", Key: shequ.TargetWorkersPerCommu, Value: 2},
		{Scope: "62", Key: shequ.TargetWorkersPerCommu, Value: 1},
	}}
	// One community with a target of its own.
	for _, d := range s.divs {
		if len(d.Code) == 12 && strings.HasPrefix(d.Code, "3302") && shequ.DivisionKind(d.Code) == shequ.KindUrban {
			ts.rows = append(ts.rows, &shequ.Target{Scope: d.Code, Key: shequ.TargetOrgsPerUrban, Value: 3})
			break
		}
	}
	e := mustEngine(t, s, ts)
	nodes := []string{"", "11", "33", "62", "3301", "330101", "330101101", "620202201"}
	for _, d := range s.divs {
		if len(d.Code) == 12 && r.IntN(20) == 0 {
			nodes = append(nodes, d.Code)
		}
	}
	for _, code := range nodes {
		rep, err := e.IndicatorReport(cliCtx, code)
		if err != nil {
			t.Fatalf("%q: %v", code, err)
		}
		if diff := cmp.Diff(brute(s, ts, code), rep.Stats); diff != "" {
			t.Errorf("%q: engine differs from brute force (-want +got):\n%s", code, diff)
		}
		for _, b := range shequ.Breakdowns {
			rows := rep.Breakdowns[b]
			if b == shequ.ByChild && len(code) == 12 {
				continue
			}
			if diff := cmp.Diff(rep.Stats, sumStats(rows)); diff != "" {
				t.Errorf("%q: breakdown %s does not add up (-node +sum):\n%s", code, b, diff)
			}
		}
		want, _ := ts.EffectiveTargets(context.Background(), code, "")
		if diff := cmp.Diff(want, rep.Targets); diff != "" {
			t.Errorf("%q: targets (-want +got):\n%s", code, diff)
		}
	}
}

func TestReportShape(t *testing.T) {
	s := randomTree(rand.New(rand.NewPCG(3, 4)), []string{"33", "62"})
	e := mustEngine(t, s, &memTargets{})
	rep, err := e.IndicatorReport(cliCtx, "3301")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Division.Name != "市3301" || rep.Level != shequ.LevelCity || len(rep.Path) != 1 || rep.Path[0].Name != "省33" {
		t.Errorf("division %+v level %s path %+v", rep.Division, rep.Level, rep.Path)
	}
	var keys []string
	for _, r := range rep.Breakdowns[shequ.ByChild] {
		keys = append(keys, r.Key+" "+r.Name)
	}
	if want := []string{"330101 县330101", "330102 县330102", "330199 空县"}; !slices.Equal(keys, want) {
		t.Errorf("children = %q, want %q", keys, want)
	}
	root, err := e.IndicatorReport(cliCtx, "")
	if err != nil {
		t.Fatal(err)
	}
	if regions := root.Breakdowns[shequ.ByRegion]; len(regions) != 2 || regions[0].Key != "east" || regions[1].Key != "west" {
		t.Errorf("regions = %+v", regions)
	}
	for _, r := range root.Breakdowns[shequ.ByUrbanClass] {
		if !slices.Contains(UrbanRuralClasses, r.Key) {
			t.Errorf("urban_rural_class key %q", r.Key)
		}
	}
	tw := root.Breakdowns[shequ.ByTownshipKind]
	if len(tw) != 3 || tw[0].Key != "subdistrict" || tw[1].Key != "town" || tw[2].Key != "township" {
		t.Errorf("township kinds = %+v", tw)
	}
}

// urbanCommunity returns an urban community of s and its active orgs.
func urbanCommunity(s *memSource) (string, int) {
	for _, d := range s.divs {
		if len(d.Code) == 12 && shequ.DivisionKind(d.Code) == shequ.KindUrban {
			n := 0
			for _, o := range s.orgs {
				if o.Community == d.Code && o.Status == shequ.OrgActive {
					n++
				}
			}
			return d.Code, n
		}
	}
	return "", 0
}

func TestRefreshFlipsAttainment(t *testing.T) {
	s := randomTree(rand.New(rand.NewPCG(5, 6)), []string{"33"})
	c, _ := urbanCommunity(s)
	// Exactly nine active organizations, and some dormant ones.
	s.orgs = slices.DeleteFunc(s.orgs, func(o OrgCount) bool { return o.Community == c })
	for i := range 9 {
		s.orgs = append(s.orgs, OrgCount{Community: c, Kind: shequ.OrgKinds[i%6], Status: shequ.OrgActive, N: 1})
	}
	s.orgs = append(s.orgs, OrgCount{Community: c, Kind: shequ.OrgCharity, Status: shequ.OrgDormant, N: 1})
	e := mustEngine(t, s, &memTargets{})
	county := c[:6]
	before, _ := e.IndicatorReport(cliCtx, county)
	one, _ := e.IndicatorReport(cliCtx, c)
	if one.Stats.UrbanMeetingOrgTarget != 0 || one.Stats.OrgsActive != 9 {
		t.Fatalf("nine: %+v", one.Stats)
	}
	gaps, _, _ := e.GapList(cliCtx, c, shequ.TargetOrgsPerUrban, 0, 10)
	if len(gaps) != 1 || gaps[0].Have != 9 || gaps[0].Want != 10 {
		t.Fatalf("gap = %+v", gaps)
	}

	s.mu.Lock()
	s.orgs = append(s.orgs, OrgCount{Community: c, Kind: shequ.OrgHarmony, Status: shequ.OrgActive, N: 1})
	s.mu.Unlock()
	if got, _ := e.IndicatorReport(cliCtx, c); got.Stats.UrbanMeetingOrgTarget != 0 {
		t.Fatal("changed before Refresh")
	}
	if err := e.Refresh(context.Background(), c, "999999999999"); err != nil {
		t.Fatal(err)
	}
	after, _ := e.IndicatorReport(cliCtx, county)
	if after.Stats.UrbanMeetingOrgTarget != before.Stats.UrbanMeetingOrgTarget+1 || after.Stats.OrgsActive != before.Stats.OrgsActive+1 {
		t.Errorf("county meeting %d → %d, active %d → %d", before.Stats.UrbanMeetingOrgTarget,
			after.Stats.UrbanMeetingOrgTarget, before.Stats.OrgsActive, after.Stats.OrgsActive)
	}
	if diff := cmp.Diff(brute(s, &memTargets{}, ""), mustReport(t, e, "").Stats); diff != "" {
		t.Errorf("after refresh (-want +got):\n%s", diff)
	}
	if gaps, n, _ := e.GapList(cliCtx, c, shequ.TargetOrgsPerUrban, 0, 10); n != 0 || len(gaps) != 0 {
		t.Errorf("gap after the tenth: %+v", gaps)
	}
}

func mustReport(t *testing.T, e *Engine, code string) *shequ.IndicatorReport {
	t.Helper()
	rep, err := e.IndicatorReport(cliCtx, code)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestTargetChangesApply(t *testing.T) {
	s := randomTree(rand.New(rand.NewPCG(7, 8)), []string{"33", "62"})
	ts := &memTargets{}
	e := mustEngine(t, s, ts)
	before := mustReport(t, e, "33").Stats
	ts.rows = append(ts.rows, &shequ.Target{Scope: "33", Key: shequ.TargetOrgsPerUrban, Value: 13},
		&shequ.Target{Scope: "33", Key: shequ.TargetWorkersPerCommu, Value: 3})
	if err := e.RefreshTargets(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := mustReport(t, e, "33")
	if diff := cmp.Diff(brute(s, ts, "33"), after.Stats); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if after.Targets[shequ.TargetOrgsPerUrban] != 13 || after.Stats.UrbanMeetingOrgTarget > before.UrbanMeetingOrgTarget ||
		after.Stats.CommunitiesWithWorkers >= before.CommunitiesWithWorkers {
		t.Errorf("before %+v after %+v", before, after.Stats)
	}
	// Other provinces keep the plan's targets.
	if diff := cmp.Diff(brute(s, ts, "62"), mustReport(t, e, "62").Stats); diff != "" {
		t.Errorf("62 (-want +got):\n%s", diff)
	}
}

func TestGapListOrder(t *testing.T) {
	s := randomTree(rand.New(rand.NewPCG(9, 10)), []string{"33"})
	e := mustEngine(t, s, &memTargets{})
	for _, target := range []shequ.TargetKey{shequ.TargetOrgsPerUrban, shequ.TargetOrgsPerRural, shequ.TargetWorkersPerCommu} {
		all, total, err := e.GapList(cliCtx, "", target, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(all) || total == 0 {
			t.Fatalf("%s: total %d, rows %d", target, total, len(all))
		}
		for i, g := range all {
			if float64(g.Have) >= g.Want || len(g.Path) != 4 || g.Community.Name == "" || g.Target != target {
				t.Errorf("%s: row %+v", target, g)
			}
			if target == shequ.TargetOrgsPerRural && g.Kind != shequ.KindRural {
				t.Errorf("rural gap lists %s", g.Kind)
			}
			if i > 0 {
				p := all[i-1]
				if p.Want-float64(p.Have) < g.Want-float64(g.Have) ||
					(p.Want-float64(p.Have) == g.Want-float64(g.Have) && p.Community.Code > g.Community.Code) {
					t.Errorf("%s: %+v before %+v", target, p, g)
				}
			}
		}
		page, _, _ := e.GapList(cliCtx, "", target, 2, 3)
		if len(page) != min(3, max(0, total-2)) || (len(page) > 0 && page[0].Community != all[2].Community) {
			t.Errorf("%s: page %+v", target, page)
		}
	}
	_, _, err := e.GapList(cliCtx, "", "bogus", 0, 10)
	if shequ.ErrorCode(err) != shequ.EInvalid {
		t.Errorf("bogus target: %v", err)
	}
}

func TestAuthorization(t *testing.T) {
	s := randomTree(rand.New(rand.NewPCG(11, 12)), []string{"11", "33"})
	e := mustEngine(t, s, &memTargets{})
	as := func(role shequ.Role, scope string) context.Context {
		return shequ.WithActor(context.Background(), &shequ.Actor{UserID: "u", Role: role, Scope: scope})
	}
	for _, tc := range []struct {
		ctx  context.Context
		code string
		want string
	}{
		{as(shequ.RoleOfficial, "33"), "33", ""},
		{as(shequ.RoleOfficial, "33"), "330101", ""},
		{as(shequ.RoleCommunityWorker, "3301"), "3301", ""},
		{as(shequ.RoleOfficial, "33"), "11", shequ.ENotFound},
		{as(shequ.RoleOfficial, "33"), "", shequ.ENotFound},
		{as(shequ.RoleOfficial, "33"), "339999", shequ.ENotFound},
		{as(shequ.RoleOfficial, ""), "339999", shequ.ENotFound},
		{as(shequ.RoleOfficial, ""), "33x", shequ.EInvalid},
		{as(shequ.RoleResident, "33"), "33", shequ.EForbidden},
		{as(shequ.RoleSysadmin, ""), "33", shequ.EForbidden},
		{context.Background(), "33", shequ.EUnauthorized},
		{cliCtx, "", ""},
	} {
		_, err := e.IndicatorReport(tc.ctx, tc.code)
		if got := shequ.ErrorCode(err); got != tc.want {
			t.Errorf("report %q as %+v: %v, want %q", tc.code, shequ.ActorFrom(tc.ctx), err, tc.want)
		}
		_, _, err = e.GapList(tc.ctx, tc.code, shequ.TargetOrgsPerRural, 0, 1)
		if got := shequ.ErrorCode(err); got != tc.want {
			t.Errorf("gaps %q: %v, want %q", tc.code, err, tc.want)
		}
		_, err = e.Trend(tc.ctx, tc.code, 3)
		if got := shequ.ErrorCode(err); got != tc.want {
			t.Errorf("trend %q: %v, want %q", tc.code, err, tc.want)
		}
	}
}

func TestSnapshotTrend(t *testing.T) {
	s := randomTree(rand.New(rand.NewPCG(13, 14)), []string{"11", "33"})
	e := mustEngine(t, s, &memTargets{})
	for _, m := range []string{"2026-09", "2026-10", "2026-11"} {
		if err := e.Snapshot(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Snapshot(context.Background(), "2026-13"); shequ.ErrorCode(err) != shequ.EInvalid {
		t.Errorf("bad month: %v", err)
	}
	// Root, 2 provinces, 4+2 cities (none empty), counties.
	n := 0
	for _, sn := range s.snaps {
		if sn.Month == "2026-11" {
			n++
			if len(sn.Division) > 6 {
				t.Errorf("snapshot of %s", sn.Division)
			}
		}
	}
	if n != 1+2+4+9 {
		t.Errorf("%d snapshots a month", n)
	}
	tr, err := e.Trend(cliCtx, "33", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 2 || tr[0].Month != "2026-10" || tr[1].Month != "2026-11" {
		t.Fatalf("trend = %+v", tr)
	}
	if diff := cmp.Diff(mustReport(t, e, "33").Stats, tr[1].Stats); diff != "" {
		t.Errorf("snapshot differs from report:\n%s", diff)
	}
}
