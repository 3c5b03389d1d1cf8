package indicator

import (
	"context"
	"math/rand/v2"
	"testing"
)

// TestDivisionName: the engine names every division it loaded, from its
// packed community names and its names above the communities, and knows
// no other code; before Load it knows none.
func TestDivisionName(t *testing.T) {
	s := randomTree(rand.New(rand.NewPCG(3, 4)), []string{"33", "65"})
	e := New(s, &memTargets{})
	if _, ok := e.DivisionName(s.divs[0].Code); ok {
		t.Error("a name before Load")
	}
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	communities := 0
	for _, d := range s.divs {
		name, ok := e.DivisionName(d.Code)
		if !ok || name != d.Name {
			t.Errorf("DivisionName(%s) = %q, %v; want %q", d.Code, name, ok, d.Name)
		}
		if len(d.Code) == 12 {
			communities++
		}
	}
	if communities == 0 || e.data.names.Len() != communities || e.data.codes.Len() != communities {
		t.Errorf("%d communities, %d names and %d codes kept", communities, e.data.names.Len(), e.data.codes.Len())
	}
	for _, code := range []string{"", "11", "3399", "339999999999", "33010110199"} {
		if name, ok := e.DivisionName(code); ok {
			t.Errorf("DivisionName(%q) = %q, known", code, name)
		}
	}
}
