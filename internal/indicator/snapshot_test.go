package indicator

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

// noDivisions is a Source whose divisions cannot be read: an engine loaded
// from a snapshot must not need them.
type noDivisions struct{ *memSource }

func (noDivisions) LoadDivisions(context.Context, func(DivisionRow) error) error {
	return errors.New("the divisions were read")
}

// TestSnapshotRoundTrip: an engine loaded from another's snapshot, without
// reading the divisions, answers every report as the engine it was taken
// from, and follows a refresh the same way.
func TestSnapshotRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 18))
	s := randomTree(r, []string{"11", "33"})
	ts := &memTargets{rows: []*shequ.Target{{Scope: "33", Key: shequ.TargetOrgsPerUrban, Value: 12}}}
	e := mustEngine(t, s, ts)
	var buf bytes.Buffer
	if err := e.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	f := New(noDivisions{s}, ts)
	if err := f.LoadSnapshot(context.Background(), bytes.NewReader(buf.Bytes()), nil); err != nil {
		t.Fatal(err)
	}
	nodes := []string{"", "11", "33", "3301", "330101", "330101101"}
	for _, d := range s.divs {
		if len(d.Code) == 12 && r.IntN(10) == 0 {
			nodes = append(nodes, d.Code)
		}
	}
	same := func() {
		t.Helper()
		for _, code := range nodes {
			want, got := mustReport(t, e, code), mustReport(t, f, code)
			want.AsOf, got.AsOf = time.Time{}, time.Time{}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%q: from the snapshot (-want +got):\n%s", code, diff)
			}
		}
	}
	same()
	// A worker added after the snapshot: both refresh the same way.
	c := nodes[len(nodes)-1]
	s.workers = append(s.workers, worker{community: c, qual: shequ.QualSenior, edu: shequ.Educations[0]})
	for _, eng := range []*Engine{e, f} {
		if err := eng.Refresh(cliCtx, c); err != nil {
			t.Fatal(err)
		}
	}
	same()
	if len(nodes) < 10 {
		t.Fatalf("only %d nodes", len(nodes))
	}
}

// TestSnapshotDamaged: a stream cut short anywhere, or of another format,
// is an error and leaves the engine as it was.
func TestSnapshotDamaged(t *testing.T) {
	s := randomTree(rand.New(rand.NewPCG(5, 6)), []string{"33"})
	e := mustEngine(t, s, &memTargets{})
	var buf bytes.Buffer
	if err := e.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	before := mustReport(t, e, "33")
	damaged := [][]byte{nil, good[:10], good[:len(good)/2], good[:len(good)-1]}
	other := bytes.Clone(good)
	other[len(snapshotMagic)] = SnapshotVersion + 1
	damaged = append(damaged, other, append([]byte("x"), good[1:]...))
	for i, d := range damaged {
		if err := e.LoadSnapshot(context.Background(), bytes.NewReader(d), nil); err == nil {
			t.Fatalf("damaged stream %d loaded", i)
		}
	}
	after := mustReport(t, e, "33")
	before.AsOf = after.AsOf
	if diff := cmp.Diff(before, after); diff != "" {
		t.Fatalf("a damaged snapshot changed the engine:\n%s", diff)
	}
	fresh := New(s, &memTargets{})
	if err := fresh.LoadSnapshot(context.Background(), bytes.NewReader(good[:len(good)/3]), nil); err == nil {
		t.Fatal("a stream cut short loaded")
	}
	if _, err := fresh.IndicatorReport(cliCtx, "33"); shequ.ErrorCode(err) != shequ.EUnavailable {
		t.Fatalf("an engine whose snapshot failed answers: %v", err)
	}
}

// TestLoadOutOfOrder: divisions streamed out of code order load as in
// order (the packed load sorts them afterwards).
func TestLoadOutOfOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	s := randomTree(r, []string{"11", "33"})
	e := mustEngine(t, s, &memTargets{})
	shuffled := &memSource{divs: slices.Clone(s.divs), orgs: s.orgs, workers: s.workers}
	r.Shuffle(len(shuffled.divs), func(i, j int) { shuffled.divs[i], shuffled.divs[j] = shuffled.divs[j], shuffled.divs[i] })
	if slices.Equal(shuffled.divs, s.divs) {
		t.Fatal("not shuffled")
	}
	f := mustEngine(t, shuffled, &memTargets{})
	for _, code := range []string{"", "11", "33", "3301", "330101101"} {
		want, got := mustReport(t, e, code), mustReport(t, f, code)
		want.AsOf, got.AsOf = time.Time{}, time.Time{}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%q: loaded out of order (-want +got):\n%s", code, diff)
		}
	}
}

// TestReconcileCounts: Reconcile corrects the core counters of an engine
// started from a snapshot that missed changes (an organization added, a
// worker moved between two communities), counts the communities and
// counters it corrected, ends with the reports of an engine loaded in full,
// and corrects nothing the second time.
func TestReconcileCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 19))
	s := randomTree(r, []string{"33"})
	ts := &memTargets{}
	e := mustEngine(t, s, ts)
	var buf bytes.Buffer
	if err := e.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	var comms []string
	for _, d := range s.divs {
		if len(d.Code) == 12 {
			comms = append(comms, d.Code)
		}
	}
	if len(s.workers) == 0 || len(comms) < 3 {
		t.Fatalf("fixture: %d workers, %d communities", len(s.workers), len(comms))
	}
	// Missed by the snapshot: one organization more in a, a worker moved
	// from its community to b.
	a, b := comms[0], comms[len(comms)-1]
	s.orgs = append(s.orgs, OrgCount{Community: a, Kind: shequ.OrgKinds[0], Status: shequ.OrgActive, N: 1})
	w := &s.workers[0]
	from := w.community
	if from == b {
		b = comms[1]
	}
	w.community = b
	f := New(noDivisions{s}, ts)
	if err := f.LoadSnapshot(context.Background(), bytes.NewReader(buf.Bytes()), nil); err != nil {
		t.Fatal(err)
	}
	got, err := f.Reconcile(context.Background(), comms...)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{a: true, b: true, from: true}
	// An organization: all, active, its kind, its status (4); a worker
	// moved: workers, qualification, education, certified if so, and the
	// covering count, in each of its two communities.
	if got.Communities != len(want) || got.Counters < 4+2*3 {
		t.Fatalf("corrected %+v, want %d communities and at least 10 counters", got, len(want))
	}
	full := mustEngine(t, s, ts)
	for _, code := range append([]string{"", "33", a, b, from}, comms[1]) {
		w, g := mustReport(t, full, code), mustReport(t, f, code)
		w.AsOf, g.AsOf = time.Time{}, time.Time{}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Fatalf("%q after the reconcile (-full load +reconciled):\n%s", code, diff)
		}
	}
	if again, err := f.Reconcile(context.Background(), comms...); err != nil || again != (Corrected{}) {
		t.Fatalf("second reconcile corrected %+v, %v", again, err)
	}
	if _, err := New(s, ts).Reconcile(context.Background(), a); shequ.ErrorCode(err) != shequ.EUnavailable {
		t.Fatalf("reconcile before load: %v", err)
	}
}
