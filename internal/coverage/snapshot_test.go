package coverage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

// noCommunities is a Source whose communities cannot be read: an engine
// loaded from a snapshot must not need them.
type noCommunities struct{ *memSource }

func (noCommunities) LoadCommunities(context.Context, func(*shequ.CommunityLocation) error) error {
	return errors.New("the communities were read")
}

// TestSnapshotRoundTrip: an engine loaded from another's snapshot and the
// facilities, without reading the communities, answers every report, gap
// list and map as the engine it was taken from; a stream cut short or of
// another format is an error that leaves the engine as it was.
func TestSnapshotRoundTrip(t *testing.T) {
	src := randomCounty(rand.New(rand.NewPCG(18, 1)))
	names := mapNames{}
	for code, n := range src.names {
		names[code] = n
	}
	for _, c := range src.comms {
		names[c.Code] = c.Name
	}
	src.comms = append(src.comms, &shequ.CommunityLocation{Code: "330523104399", Name: "空白村"})
	names["330523104399"] = "空白村"
	e := New(src, nil)
	e.Names = names
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := e.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	f := New(noCommunities{src}, nil)
	f.Names = names
	if err := f.LoadSnapshot(context.Background(), bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	same := func(a, b *Engine) {
		t.Helper()
		codes := []string{"33", "330523", "330523001", "330523104", "330523104399"}
		for _, c := range src.comms[:20] {
			codes = append(codes, c.Code)
		}
		for _, code := range codes {
			for what, read := range map[string]func(*Engine) (any, error){
				"report": func(e *Engine) (any, error) { return e.CoverageReport(cli, code) },
				"map":    func(e *Engine) (any, error) { return e.CoverageMap(cli, code) },
				"gaps": func(e *Engine) (any, error) {
					g, n, err := e.CoverageGaps(cli, code, 0, 1000)
					return fmt.Sprint(len(g), n, values(g)), err
				},
			} {
				want, werr := read(a)
				got, gerr := read(b)
				if diff := cmp.Diff(fmt.Sprintf("%+v %v", want, werr), fmt.Sprintf("%+v %v", got, gerr)); diff != "" {
					t.Fatalf("%s of %s from the snapshot (-want +got):\n%s", what, code, diff)
				}
			}
		}
	}
	same(e, f)

	good := buf.Bytes()
	other := bytes.Clone(good)
	other[len(snapshotMagic)] = SnapshotVersion + 1
	for i, d := range [][]byte{nil, good[:len(good)/2], good[:len(good)-1], other} {
		if err := f.LoadSnapshot(context.Background(), bytes.NewReader(d)); err == nil {
			t.Fatalf("damaged stream %d loaded", i)
		}
	}
	same(e, f)
}

// values are the values pointed to (printed, not their addresses).
func values[T any](ps []*T) []T {
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}
