package indicator

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"shequ"
)

// probe is a Module of two counters per community: 1 for each of its
// communities that has an entry, and the entry's value. Its Stats puts the
// sums in OrgsByKind under keys no real kind uses, so that the test can
// read them back from any report row.
type probe struct {
	mu     sync.Mutex
	values map[string]int32
	key    string
	width  int
	fail   error
}

func (p *probe) Key() string { return p.key }
func (p *probe) Width() int  { return p.width }
func (p *probe) Load(_ context.Context, cs []string, add func(string, []int32)) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	for c, v := range p.values {
		if in(cs, c) {
			// Two calls per community: the engine must add them up.
			add(c, []int32{1, v - 1}[:p.width])
			add(c, []int32{0, 1}[:p.width])
		}
	}
	return nil
}
func (p *probe) Stats(c []int32, s *shequ.IndicatorStats) {
	s.OrgsByKind["probe:n"] = int(c[0])
	s.OrgsByKind["probe:sum"] = int(c[1])
}

// probeSum is the brute-force figures of the probe under a node.
func (p *probe) sum(code string) (n, sum int) {
	for c, v := range p.values {
		if strings.HasPrefix(c, code) {
			n++
			sum += int(v)
		}
	}
	return
}

func TestModuleCountersAddUp(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	s := randomTree(r, []string{"33", "62"})
	p := &probe{key: "probe", width: 2, values: map[string]int32{}}
	var comms []string
	for _, d := range s.divs {
		if len(d.Code) == 12 {
			comms = append(comms, d.Code)
			if r.IntN(3) == 0 {
				p.values[d.Code] = int32(r.IntN(100))
			}
		}
	}
	e := New(s, &memTargets{}, p)
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		for _, code := range []string{"", "33", "3301", "330101", "330101101", comms[0], comms[len(comms)-1]} {
			rep := mustReport(t, e, code)
			n, sum := p.sum(code)
			if rep.Stats.OrgsByKind["probe:n"] != n || rep.Stats.OrgsByKind["probe:sum"] != sum {
				t.Errorf("%s %q: probe n=%d sum=%d, want %d %d", when, code, rep.Stats.OrgsByKind["probe:n"],
					rep.Stats.OrgsByKind["probe:sum"], n, sum)
			}
			if diff := brute(s, &memTargets{}, code).Orgs; diff != rep.Stats.Orgs {
				t.Errorf("%s %q: the core figures moved: %d orgs, want %d", when, code, rep.Stats.Orgs, diff)
			}
			for _, b := range shequ.Breakdowns {
				if b == shequ.ByChild && len(code) == 12 {
					continue
				}
				gotN, gotSum := 0, 0
				for _, row := range rep.Breakdowns[b] {
					gotN += row.Stats.OrgsByKind["probe:n"]
					gotSum += row.Stats.OrgsByKind["probe:sum"]
				}
				if gotN != n || gotSum != sum {
					t.Errorf("%s %q: breakdown %s adds up to %d %d, want %d %d", when, code, b, gotN, gotSum, n, sum)
				}
			}
		}
	}
	check("after load")
	// Memory (issue 18): only the communities with module data hold the
	// module's counters, the others and their townships just the core.
	d := e.data
	for i := range d.codes.Len() {
		code := d.codes.At(i)
		_, has := p.values[code]
		if want := map[bool]int{true: d.width, false: nCounters}[has]; len(d.vec(i)) != want {
			t.Fatalf("community %s (module data %v): vec of %d counters, want %d", code, has, len(d.vec(i)), want)
		}
	}
	for _, tw := range d.townships {
		for k, v := range tw.vecs {
			if len(v) != d.width && len(v) != nCounters {
				t.Fatalf("township %s cell %d: vec of %d counters", tw.code, tw.cells[k], len(v))
			}
		}
	}

	// A change in one community shows after Refresh, not before.
	c := comms[0]
	p.mu.Lock()
	old, had := p.values[c]
	p.values[c] = old + 50
	p.mu.Unlock()
	if _, sum := p.sum(""); mustReport(t, e, "").Stats.OrgsByKind["probe:sum"] == sum {
		t.Fatal("changed before Refresh")
	}
	if err := e.Refresh(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	check("after refresh")
	// And removing it clears its counters.
	p.mu.Lock()
	delete(p.values, c)
	p.mu.Unlock()
	if err := e.Refresh(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	check("after removal")

	// RefreshModule reloads just the module.
	p.mu.Lock()
	p.values[c] = 77
	p.mu.Unlock()
	if err := e.RefreshModule(context.Background(), "probe", c, "999999999999"); err != nil {
		t.Fatal(err)
	}
	check("after RefreshModule")
	if err := e.RefreshModule(context.Background(), "nope", c); err == nil {
		t.Error("RefreshModule of an unknown module")
	}
	_ = had

	// Snapshots carry the module's figures too.
	if err := e.Snapshot(cliCtx, "2026-11"); err != nil {
		t.Fatal(err)
	}
	snaps, _ := e.Trend(cliCtx, "33", 1)
	if _, sum := p.sum("33"); len(snaps) != 1 || snaps[0].Stats.OrgsByKind["probe:sum"] != sum {
		t.Errorf("snapshot: %+v", snaps)
	}
}

func TestModuleErrors(t *testing.T) {
	s := randomTree(rand.New(rand.NewPCG(9, 10)), []string{"33"})
	a, b := &probe{key: "x", width: 2}, &probe{key: "x", width: 2}
	if err := New(s, &memTargets{}, a, b).Load(context.Background()); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate key: %v", err)
	}
	var code string
	for _, d := range s.divs {
		if len(d.Code) == 12 {
			code = d.Code
			break
		}
	}
	// A module that gives the wrong number of counters fails the load.
	wrong := &probe{key: "wrong", width: 2, values: map[string]int32{code: 3}}
	e := New(s, &memTargets{}, &wrongWidth{wrong})
	if err := e.Load(context.Background()); err == nil || !strings.Contains(err.Error(), "want 3") {
		t.Errorf("wrong width: %v", err)
	}
	// A failing module fails the load and names itself.
	boom := &probe{key: "boom", width: 2, fail: errors.New("disk on fire")}
	if err := New(s, &memTargets{}, boom).Load(context.Background()); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing module: %v", err)
	}
}

// wrongWidth claims one counter more than its probe gives.
type wrongWidth struct{ *probe }

func (w *wrongWidth) Width() int                           { return w.probe.width + 1 }
func (w *wrongWidth) Stats([]int32, *shequ.IndicatorStats) {}

func TestQuantile(t *testing.T) {
	days := []float64{0, 1, 2, 3, 5, 10, math.Inf(1)}
	tests := []struct {
		name string
		hist []int32
		q    float64
		want float64
	}{
		{"median of one bucket", []int32{0, 0, 4, 0, 0, 0, 0}, 0.5, 2},
		{"median between", []int32{1, 1, 1, 1, 0, 0, 0}, 0.5, 1}, // values 0,1,2,3: the 2nd
		{"odd count", []int32{1, 1, 1, 0, 0, 0, 0}, 0.5, 1},
		{"p90", []int32{9, 0, 0, 0, 0, 1, 0}, 0.9, 0},
		{"p91", []int32{9, 0, 0, 0, 0, 1, 0}, 0.91, 10},
		{"max", []int32{1, 0, 0, 0, 0, 0, 0}, 1, 0},
		{"overflow bucket gives the last bound", []int32{0, 0, 0, 0, 0, 0, 3}, 0.5, 10},
	}
	for _, tt := range tests {
		if got := Quantile(tt.hist, days, tt.q); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if !math.IsNaN(Quantile(make([]int32, 7), days, 0.5)) || !math.IsNaN(Quantile([]int32{1}, days, 0.5)) {
		t.Error("empty or mismatched histogram must be NaN")
	}
}
