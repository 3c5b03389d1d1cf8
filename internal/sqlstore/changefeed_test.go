package sqlstore

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"
)

// feedRecorder records the changes a feed applies and its resyncs.
type feedRecorder struct {
	mu      sync.Mutex
	applied []Change
	resyncs int
}

func newRecordingFeed(db *DB) (*ChangeFeed, *feedRecorder) {
	f := NewChangeFeed(db, nil)
	r := &feedRecorder{}
	f.Apply = func(_ context.Context, c Change) {
		r.mu.Lock()
		defer r.mu.Unlock()
		c.Seq = 0
		r.applied = append(r.applied, c)
	}
	f.OnResync = func(context.Context) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.resyncs++
		return nil
	}
	return f, r
}

// TestChangeFeed: what one server publishes another applies, in order, once;
// a server never applies its own changes; an auth change drops the token
// cache; a server whose position was pruned reloads in full.
func TestChangeFeed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a, ra := newRecordingFeed(db)
		b, rb := newRecordingFeed(db)
		for _, f := range []*ChangeFeed{a, b} {
			if err := f.Mark(ctx); err != nil {
				t.Fatal(err)
			}
		}
		a.Publish(ChangeIndicators, "", "330523001002", "330523001003")
		a.Publish(ChangeFacility, "f-1")
		b.Publish(ChangeTargets)
		gen := db.authGen.Load()
		a.Publish(ChangeAuth)
		for _, f := range []*ChangeFeed{a, b} {
			if err := f.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
		}
		want := []Change{{Kind: ChangeIndicators, Keys: []string{"", "330523001002", "330523001003"}}, {Kind: ChangeFacility, Keys: []string{"f-1"}}}
		if !reflect.DeepEqual(rb.applied, want) {
			t.Errorf("B applied %+v, want %+v", rb.applied, want)
		}
		if !reflect.DeepEqual(ra.applied, []Change{{Kind: ChangeTargets}}) {
			t.Errorf("A applied %+v, want B's targets change only", ra.applied)
		}
		if db.authGen.Load() == gen {
			t.Error("an auth change from A did not drop B's token cache")
		}
		// Read again: nothing twice.
		if err := b.CatchUp(ctx); err != nil || len(rb.applied) != 2 {
			t.Errorf("second read applied %d changes (%v)", len(rb.applied), err)
		}

		// A server started later begins after what it loaded.
		c, rc := newRecordingFeed(db)
		if err := c.Mark(ctx); err != nil {
			t.Fatal(err)
		}
		b.Publish(ChangeLocation, "330523001002")
		if err := c.CatchUp(ctx); err != nil || len(rc.applied) != 1 || rc.applied[0].Kind != ChangeLocation {
			t.Errorf("late server applied %+v (%v)", rc.applied, err)
		}

		// Changes pruned before C read them: C reloads in full.
		a.Publish(ChangeTargets)
		a.Publish(ChangeTargets)
		db.Now = func() time.Time { return testNow.Add(2 * feedRetention) }
		n, err := db.PruneChanges(ctx)
		if err != nil || n == 0 {
			t.Fatalf("prune: %d %v", n, err)
		}
		a.Publish(ChangeTargets)
		if err := c.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if rc.resyncs != 1 {
			t.Errorf("C resynced %d times after a prune past its position, want 1", rc.resyncs)
		}
		// A had not read B's location change, which was pruned too.
		if err := a.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if ra.resyncs != 1 {
			t.Errorf("A resynced %d times, want 1 (it had not read past the pruned rows)", ra.resyncs)
		}
	})
}
