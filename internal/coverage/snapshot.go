package coverage

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"

	"shequ"
	"shequ/internal/divtab"
	"shequ/internal/geo"
)

// Snapshots (issue 18: a server ready in under 5 s; indicator/snapshot.go
// says how the server uses them). A snapshot holds what is slow to read,
// every community's code and the location attributes of those that have
// any; the facilities (a few per county) are read again from the Source at
// LoadSnapshot and the coverage computed from them, as Load does. Only an
// engine named by Names (the server's) writes and reads snapshots: the
// names are the indicator engine's.

// SnapshotVersion is the format of WriteSnapshot's stream; see the
// indicator engine's.
const SnapshotVersion = 2

const (
	snapshotMagic = "shequ-coverage\n"
	snapshotEnd   = "end\n"
)

// Bits of a located community's record in the stream.
const (
	hasLat = 1 << iota
	hasLng
	hasPopulation
	isRelocation
)

// WriteSnapshot writes the engine's state to w; changes wait meanwhile.
func (e *Engine) WriteSnapshot(w io.Writer) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if !e.loaded {
		return errNotLoaded
	}
	if e.Names == nil {
		return fmt.Errorf("coverage snapshot: the engine keeps its own names (no Names)")
	}
	sw := divtab.NewWriter(w)
	sw.Bytes([]byte(snapshotMagic))
	sw.Uvarint(SnapshotVersion)
	sw.Codes(e.codes)
	var located []string
	for code, cm := range e.comms {
		if cm.loc != nil {
			located = append(located, code)
		}
	}
	slices.Sort(located)
	sw.Uvarint(uint64(len(located)))
	for _, code := range located {
		l := e.comms[code].loc
		var bits uint64
		if l.Lat != nil {
			bits |= hasLat
		}
		if l.Lng != nil {
			bits |= hasLng
		}
		if l.Population != nil {
			bits |= hasPopulation
		}
		if l.Relocation {
			bits |= isRelocation
		}
		sw.String(code)
		sw.Uvarint(bits)
		if l.Lat != nil {
			sw.Uvarint(math.Float64bits(*l.Lat))
		}
		if l.Lng != nil {
			sw.Uvarint(math.Float64bits(*l.Lng))
		}
		if l.Population != nil {
			sw.Varint(*l.Population)
		}
		sw.String(string(l.Terrain))
	}
	sw.Bytes([]byte(snapshotEnd))
	return sw.Flush()
}

// LoadSnapshot replaces the engine's state with the one WriteSnapshot
// wrote to r and the facilities read from the Source. A stream that does
// not decode, or of another version, is an error and leaves the engine as
// it was. Names must be set.
func (e *Engine) LoadSnapshot(ctx context.Context, r io.Reader) error {
	if e.Names == nil {
		return fmt.Errorf("coverage snapshot: the engine keeps its own names (no Names)")
	}
	sr := divtab.NewReader(r)
	sr.Expect(snapshotMagic)
	if v := sr.Uvarint(); sr.Err() == nil && v != SnapshotVersion {
		sr.Fail(fmt.Errorf("coverage snapshot version %d, want %d", v, SnapshotVersion))
	}
	codes := sr.Codes()
	if sr.Err() == nil && codes.Len() > 0 && codes.Width() != 12 {
		sr.Fail(fmt.Errorf("community codes of %d digits", codes.Width()))
	}
	comms := map[string]*community{}
	var geoComms []geo.Community
	n := sr.Len()
	for range n {
		if sr.Err() != nil {
			break
		}
		l := &shequ.CommunityLocation{Code: sr.String()}
		bits := sr.Uvarint()
		if bits&hasLat != 0 {
			lat := math.Float64frombits(sr.Uvarint())
			l.Lat = &lat
		}
		if bits&hasLng != 0 {
			lng := math.Float64frombits(sr.Uvarint())
			l.Lng = &lng
		}
		if bits&hasPopulation != 0 {
			p := sr.Varint()
			l.Population = &p
		}
		l.Relocation = bits&isRelocation != 0
		l.Terrain = shequ.Terrain(sr.String())
		if _, ok := codes.Search(l.Code); sr.Err() == nil && (!ok || comms[l.Code] != nil) {
			sr.Fail(fmt.Errorf("located community %q unknown or twice", l.Code))
			break
		}
		comms[l.Code] = &community{loc: l}
		if g, ok := geoCommunity(l); ok {
			geoComms = append(geoComms, g)
		}
	}
	sr.Expect(snapshotEnd)
	if err := sr.Err(); err != nil {
		return fmt.Errorf("read the coverage snapshot: %w", err)
	}
	return e.install(ctx, codes, comms, nil, geoComms)
}
