package coverage

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"shequ"
)

// mapNames is a Names of a map, standing for the indicator engine's.
type mapNames map[string]string

func (m mapNames) DivisionName(code string) (string, bool) {
	n, ok := m[code]
	return n, ok
}

// TestEngineNamesThroughNames: with Names set, the engine reads no names of
// its own (the server shares the indicator engine's) and names every
// division through it; a division Names does not know is not found, a
// community the engine holds is. Only communities with a location
// attribute or a facility keep anything besides their code (issue 18's
// memory budget).
func TestEngineNamesThroughNames(t *testing.T) {
	src := randomCounty(rand.New(rand.NewPCG(5, 6)))
	names := mapNames{}
	for code, n := range src.names {
		names[code] = n + "（共享）"
	}
	for _, c := range src.comms {
		names[c.Code] = c.Name + "（共享）"
	}
	// A community with nothing recorded and no facility.
	bare := &shequ.CommunityLocation{Code: "330523104399", Name: "空白村"}
	src.comms = append(src.comms, bare)
	names[bare.Code] = bare.Name + "（共享）"
	shared := src.names
	src.names = nil // the engine must not need them
	e := New(src, nil)
	e.Names = names
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e.names != nil {
		t.Errorf("the engine kept %d names of its own", len(e.names))
	}
	rep, err := e.CoverageReport(cli, "330523104")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Division.Name != "杭垓镇（共享）" || len(rep.Path) != 3 || rep.Path[0].Name != "浙江省（共享）" {
		t.Errorf("report names: %+v path %+v", rep.Division, rep.Path)
	}
	gaps, total, err := e.CoverageGaps(cli, "330523104", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 {
		t.Fatal("no gaps")
	}
	found := false
	for _, g := range gaps {
		if !strings.HasSuffix(g.Community.Name, "（共享）") || g.Township.Name != "杭垓镇（共享）" {
			t.Errorf("gap %s named %q in %q", g.Community.Code, g.Community.Name, g.Township.Name)
		}
		found = found || g.Community.Code == bare.Code
	}
	if !found {
		t.Errorf("the community with nothing recorded is no gap")
	}
	if _, ok := e.comms[bare.Code]; ok {
		t.Error("the community with nothing recorded is kept")
	}
	for code, cm := range e.comms {
		if cm.loc == nil && cm.all == 0 {
			t.Errorf("community %s kept with nothing recorded", code)
		}
	}
	// A community is known by its code alone; a division Names lacks is not.
	delete(names, bare.Code)
	if _, err := e.CoverageReport(cli, bare.Code); err != nil {
		t.Errorf("community without a name: %v", err)
	}
	delete(names, "330523001")
	if _, err := e.CoverageReport(cli, "330523001"); shequ.ErrorCode(err) != shequ.ENotFound {
		t.Errorf("a township the names lack: %v, want not found", err)
	}
	// The same figures as an engine with names of its own.
	src.names = shared
	own := mustLoad(t, src)
	want, err := own.CoverageReport(cli, "330523")
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.CoverageReport(cli, "330523")
	if err != nil {
		t.Fatal(err)
	}
	if got.CoverageFigures.Communities != want.CoverageFigures.Communities || got.Covered != want.Covered ||
		got.Facilities != want.Facilities || got.Population != want.Population {
		t.Errorf("figures with shared names %+v, with own names %+v", got.CoverageFigures, want.CoverageFigures)
	}
}
