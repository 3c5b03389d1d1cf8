package geo

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Communities moved, added and hidden among facility changes must leave the
// same state as the brute-force definition and as a fresh NewCoverage of
// the visible communities.
func TestSetCommunityMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	x := NewIndex()
	fs := make(map[string]Facility)
	for _, f := range randFacilities(rng, 120) {
		x.Add(f)
		fs[f.ID] = f
	}
	comms := randCommunities(rng, 600)
	c := NewCoverage(x, comms)
	next := 0
	for round := range 4 {
		for range 80 {
			switch rng.IntN(5) {
			case 0: // move a community
				i := rng.IntN(c.Len())
				cm := c.Community(i)
				cm.Point = randPoint(rng)
				if got := c.SetCommunity(cm); got != i {
					t.Fatalf("SetCommunity of %s gave index %d, want %d", cm.Code, got, i)
				}
			case 1: // a new community
				cm := randCommunities(rng, 1)[0]
				cm.Code = fmt.Sprintf("new%06d", next)
				next++
				if i := c.SetCommunity(cm); c.Community(i).Code != cm.Code || c.Find(cm.Code) != i {
					t.Fatalf("new community %s not found at %d", cm.Code, i)
				}
			case 2: // one loses its location
				c.HideCommunity(c.Community(rng.IntN(c.Len())).Code)
			case 3: // a hidden one comes back somewhere else
				i := rng.IntN(c.Len())
				if c.Hidden(i) {
					cm := c.Community(i)
					cm.Point = randPoint(rng)
					c.SetCommunity(cm)
				}
			case 4: // and facilities keep changing
				f := randFacilities(rng, 1)[0]
				f.ID = fmt.Sprintf("f%d", next)
				next++
				c.AddFacility(f)
				fs[f.ID] = f
				ids := mapKeys(fs)
				id := ids[rng.IntN(len(ids))]
				c.RemoveFacility(id)
				delete(fs, id)
			}
		}
		t.Run(fmt.Sprint("round", round), func(t *testing.T) { checkCoverage(t, c, fs) })
	}
	var visible []Community
	for i := range c.Len() {
		if !c.Hidden(i) {
			visible = append(visible, c.Community(i))
		}
	}
	x2 := NewIndex()
	for _, f := range fs {
		x2.Add(f)
	}
	fresh := NewCoverage(x2, visible)
	if got, want := c.Stats(""), fresh.Stats(""); got != want {
		t.Errorf("incremental %+v, fresh %+v", got, want)
	}
	// Compute over the changed cells agrees as well.
	before := c.Stats("")
	c.Compute()
	if after := c.Stats(""); after != before {
		t.Errorf("Compute changed stats: %+v -> %+v", before, after)
	}
	checkCoverage(t, c, fs)
	if c.Find("no such code") != -1 {
		t.Error("Find of an unknown code")
	}
}

// StatsWith must equal the stats after actually adding the facilities, and
// leave the coverage unchanged.
func TestStatsWithEqualsAdding(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	x := NewIndex()
	for _, f := range randFacilities(rng, 60) {
		x.Add(f)
	}
	c := NewCoverage(x, randCommunities(rng, 700))
	extra := randFacilities(rng, 5)
	for k := range extra {
		extra[k].ID, extra[k].Active = fmt.Sprintf("plan%d", k), true
	}
	all := func(*Community) bool { return true }
	before := c.Stats("")
	with := c.StatsWith(extra, all)
	if c.Stats("") != before {
		t.Fatal("StatsWith changed the coverage")
	}
	for _, f := range extra {
		c.AddFacility(f)
	}
	if after := c.Stats(""); after != with {
		t.Errorf("StatsWith %+v, after adding %+v", with, after)
	}
	if with.Covered < before.Covered {
		t.Errorf("coverage fell: %d → %d", before.Covered, with.Covered)
	}
}
