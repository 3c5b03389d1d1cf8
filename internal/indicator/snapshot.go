package indicator

import (
	"context"
	"fmt"
	"io"
	"math"

	"shequ/internal/divtab"
)

// Snapshots (issue 18: a server ready in under 5 s). Reading every
// division and counting every organization at start takes the national
// server 13–20 s; the server instead writes the engine's state now and then
// (WriteSnapshot) and starts from it (LoadSnapshot), then applies the
// changes published since. A snapshot holds what is slow to read: the
// communities (code, name, kind, attribute cell), their core counters and
// covering workers, and the divisions above them. The modules' counters
// and the targets are read again from the Source at LoadSnapshot (small
// queries), so they are never older than the start.

// SnapshotVersion is the format of WriteSnapshot's stream. A snapshot of
// another version is refused (the server then loads in full); change it
// whenever the stream or the meaning of a counter changes.
const SnapshotVersion = 2

const (
	snapshotMagic = "shequ-indicators\n"
	snapshotEnd   = "end\n"
)

// WriteSnapshot writes the engine's state to w. Writers (Refresh) wait
// meanwhile; readers do not.
func (e *Engine) WriteSnapshot(w io.Writer) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	d := e.data
	if d == nil {
		return errNotLoaded
	}
	sw := divtab.NewWriter(w)
	sw.Bytes([]byte(snapshotMagic))
	sw.Uvarint(SnapshotVersion)
	sw.Uvarint(nCounters)
	n := d.codes.Len()
	sw.Uvarint(uint64(n))
	sw.Codes(d.codes)
	sw.Names(d.names)
	sw.Bytes(d.kinds)
	for _, c := range d.cells {
		sw.Uvarint(uint64(c))
	}
	// Each community's core counters as a mask of those not zero, then
	// those: most are zero (two of 29 without registers).
	for i := range n {
		v := d.vec(i)[:nCounters]
		var mask uint64
		for k, x := range v {
			if x != 0 {
				mask |= 1 << k
			}
		}
		sw.Uvarint(mask)
		for _, x := range v {
			if x != 0 {
				sw.Varint(int64(x))
			}
		}
		sw.Varint(int64(d.cover[i]))
	}
	sw.Uvarint(uint64(len(d.upper)))
	for _, c := range d.upper {
		sw.String(c)
		sw.String(d.upperName[c])
	}
	sw.Bytes([]byte(snapshotEnd))
	return sw.Flush()
}

// LoadSnapshot replaces the engine's state with the one WriteSnapshot
// wrote to r, then reads the modules' counters and the targets from the
// Source (after wait, as LoadAfter). A stream that does not decode, or of
// another version, is an error and leaves the engine as it was.
func (e *Engine) LoadSnapshot(ctx context.Context, r io.Reader, wait func() error) error {
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	d := &data{upperName: map[string]string{}}
	var err error
	if d.modules, d.width, err = place(e.modules); err != nil {
		return err
	}
	sr := divtab.NewReader(r)
	sr.Expect(snapshotMagic)
	if v := sr.Uvarint(); sr.Err() == nil && v != SnapshotVersion {
		sr.Fail(fmt.Errorf("indicator snapshot version %d, want %d", v, SnapshotVersion))
	}
	if c := sr.Uvarint(); sr.Err() == nil && c != nCounters {
		sr.Fail(fmt.Errorf("indicator snapshot of %d counters, want %d", c, nCounters))
	}
	n := sr.Len()
	d.codes, d.names = sr.Codes(), sr.Names()
	if sr.Err() == nil && (d.codes.Len() != n || d.names.Len() != n || (n > 0 && d.codes.Width() != 12)) {
		sr.Fail(fmt.Errorf("%d communities, %d codes of %d digits, %d names", n, d.codes.Len(), d.codes.Width(), d.names.Len()))
	}
	if err := sr.Err(); err != nil {
		return err
	}
	d.kinds, d.cells = make([]uint8, n), make([]uint16, n)
	sr.Bytes(d.kinds)
	for i := range d.kinds {
		if int(d.kinds[i]) >= len(kindValues) {
			sr.Fail(fmt.Errorf("community kind %d", d.kinds[i]))
			break
		}
	}
	for i := range d.cells {
		c := sr.Uvarint()
		if c >= uint64(nCells) {
			sr.Fail(fmt.Errorf("attribute cell %d", c))
			break
		}
		d.cells[i] = uint16(c)
	}
	d.core, d.slot, d.cover = make([]int32, n*nCounters), make([]int32, n), make([]int32, n)
	for i := 0; i < n && sr.Err() == nil; i++ {
		v := d.core[i*nCounters : (i+1)*nCounters]
		mask := sr.Uvarint()
		if mask>>nCounters != 0 {
			sr.Fail(fmt.Errorf("counter mask %x", mask))
		}
		for k := range v {
			if mask&(1<<k) != 0 {
				v[k] = snapshotInt32(sr)
			}
		}
		d.cover[i] = snapshotInt32(sr)
	}
	nUpper := sr.Len()
	for range nUpper {
		if sr.Err() != nil {
			break
		}
		code, name := sr.String(), sr.String()
		if len(d.upper) > 0 && code <= d.upper[len(d.upper)-1] {
			sr.Fail(fmt.Errorf("divisions not in order at %q", code))
		}
		d.upper = append(d.upper, code)
		d.upperName[code] = name
	}
	sr.Expect(snapshotEnd)
	if err := sr.Err(); err != nil {
		return fmt.Errorf("read the indicator snapshot: %w", err)
	}
	d.wantOrgs, d.wantWorkers = make([]float64, n), make([]float64, n)
	return e.finish(ctx, d, wait)
}

// snapshotInt32 reads a counter.
func snapshotInt32(sr *divtab.Reader) int32 {
	x := sr.Varint()
	if x < math.MinInt32 || x > math.MaxInt32 {
		sr.Fail(fmt.Errorf("counter %d", x))
		return 0
	}
	return int32(x)
}
