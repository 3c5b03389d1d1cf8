// Package divtab keeps the codes and names of many divisions packed, for the
// in-memory engines (indicator, coverage). The country has about 620,000
// communities: as separate strings, each code and each name costs a 16-byte
// header and an allocation rounded up to its size class, about 20 MB per
// list; packed, a list of codes is its bytes (12 per community) and a list of
// names its bytes and a 4-byte offset each (issue 18's memory budget). The
// strings handed out are substrings of one backing string: they allocate
// nothing and stay valid as long as anyone holds them.
package divtab

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Codes is a sorted list of division codes of one length, packed in one
// string. The zero Codes is empty.
type Codes struct {
	text  string
	width int
}

// NewCodes packs codes, which must be sorted, distinct and of one length.
func NewCodes(codes []string) (Codes, error) {
	if len(codes) == 0 {
		return Codes{}, nil
	}
	w := len(codes[0])
	if w == 0 {
		return Codes{}, fmt.Errorf("divtab: empty code")
	}
	var b strings.Builder
	b.Grow(w * len(codes))
	for i, c := range codes {
		if len(c) != w {
			return Codes{}, fmt.Errorf("divtab: code %q is not %d characters long", c, w)
		}
		if i > 0 && c <= codes[i-1] {
			return Codes{}, fmt.Errorf("divtab: codes not sorted and distinct at %q", c)
		}
		b.WriteString(c)
	}
	return Codes{text: b.String(), width: w}, nil
}

// Len is the number of codes.
func (c Codes) Len() int {
	if c.width == 0 {
		return 0
	}
	return len(c.text) / c.width
}

// At is the i-th code.
func (c Codes) At(i int) string { return c.text[i*c.width : (i+1)*c.width] }

// Search returns the position of code, or where it would be inserted, and
// whether it is there (as slices.BinarySearch).
func (c Codes) Search(code string) (int, bool) {
	n := c.Len()
	i := sort.Search(n, func(i int) bool { return c.At(i) >= code })
	return i, i < n && c.At(i) == code
}

// Span returns the range [lo, hi) of the codes starting with prefix (all
// of them for "").
func (c Codes) Span(prefix string) (lo, hi int) {
	if prefix == "" {
		return 0, c.Len()
	}
	lo, _ = c.Search(prefix)
	hi, _ = c.Search(prefix + ":") // ':' sorts right after the digits
	return lo, hi
}

// Names is a list of strings packed in one: the i-th is the text between
// the end of the one before and its own end.
type Names struct {
	text string
	ends []uint32
}

// NamesBuilder builds Names in order.
type NamesBuilder struct {
	b    strings.Builder
	ends []uint32
}

// Grow makes room for n more names of size bytes in all.
func (nb *NamesBuilder) Grow(n, size int) {
	nb.b.Grow(size)
	if cap(nb.ends)-len(nb.ends) < n {
		ends := make([]uint32, len(nb.ends), len(nb.ends)+n)
		copy(ends, nb.ends)
		nb.ends = ends
	}
}

// Add appends the next name. The packed text is limited to 4 GiB.
func (nb *NamesBuilder) Add(name string) error {
	if nb.b.Len()+len(name) > math.MaxUint32 {
		return fmt.Errorf("divtab: names longer than 4 GiB in all")
	}
	nb.b.WriteString(name)
	nb.ends = append(nb.ends, uint32(nb.b.Len()))
	return nil
}

// Names returns the names added; the builder is empty afterwards.
func (nb *NamesBuilder) Names() Names {
	n := Names{text: nb.b.String(), ends: nb.ends}
	*nb = NamesBuilder{}
	return n
}

// Len is the number of names.
func (n Names) Len() int { return len(n.ends) }

// At is the i-th name.
func (n Names) At(i int) string {
	start := uint32(0)
	if i > 0 {
		start = n.ends[i-1]
	}
	return n.text[start:n.ends[i]]
}

// Text is the packed codes and Width the length of each: with PackedCodes,
// how an engine's snapshot stores them (issue 18: start-up from a snapshot).
func (c Codes) Text() string { return c.text }

// Width is the length of every code (0 when empty).
func (c Codes) Width() int { return c.width }

// PackedCodes returns the Codes of text, codes of width characters one
// after the other, which must be sorted and distinct (Text's output).
func PackedCodes(text string, width int) (Codes, error) {
	if text == "" {
		return Codes{}, nil
	}
	if width <= 0 || len(text)%width != 0 {
		return Codes{}, fmt.Errorf("divtab: %d bytes are no list of codes of %d characters", len(text), width)
	}
	c := Codes{text: text, width: width}
	for i := 1; i < c.Len(); i++ {
		if c.At(i) <= c.At(i-1) {
			return Codes{}, fmt.Errorf("divtab: codes not sorted and distinct at %q", c.At(i))
		}
	}
	return c, nil
}

// Text is the names packed one after the other and Ends where each ends in
// it: with PackedNames, how an engine's snapshot stores them.
func (n Names) Text() string { return n.text }

// Ends is where each name ends in Text. The caller must not change it.
func (n Names) Ends() []uint32 { return n.ends }

// PackedNames returns the Names of text and ends (Text's and Ends' output),
// which must be ascending and within text.
func PackedNames(text string, ends []uint32) (Names, error) {
	prev := uint32(0)
	for _, e := range ends {
		if e < prev || int(e) > len(text) {
			return Names{}, fmt.Errorf("divtab: name ends out of order or past the text")
		}
		prev = e
	}
	if int(prev) != len(text) {
		return Names{}, fmt.Errorf("divtab: %d bytes of names after the last", len(text)-int(prev))
	}
	return Names{text: text, ends: ends}, nil
}
