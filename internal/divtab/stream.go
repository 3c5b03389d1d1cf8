package divtab

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Writer and Reader are the binary stream of an engine's snapshot (issue
// 18: a server starts from the engines' persisted state instead of reading
// every division): unsigned and signed varints, strings with their length,
// and the packed Codes and Names as the blocks they are. The first error
// sticks; Err (Flush for the writer) returns it.

// Writer writes a snapshot stream.
type Writer struct {
	w   *bufio.Writer
	buf [binary.MaxVarintLen64]byte
	err error
}

// NewWriter writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriterSize(w, 1<<16)} }

// Uvarint writes an unsigned number.
func (w *Writer) Uvarint(x uint64) {
	if w.err == nil {
		_, w.err = w.w.Write(binary.AppendUvarint(w.buf[:0], x))
	}
}

// Varint writes a signed number.
func (w *Writer) Varint(x int64) {
	if w.err == nil {
		_, w.err = w.w.Write(binary.AppendVarint(w.buf[:0], x))
	}
}

// Bytes writes b as it is (the reader knows its length).
func (w *Writer) Bytes(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

// String writes s with its length.
func (w *Writer) String(s string) {
	w.Uvarint(uint64(len(s)))
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}

// Codes writes packed codes.
func (w *Writer) Codes(c Codes) {
	w.Uvarint(uint64(c.width))
	w.String(c.text)
}

// Names writes packed names.
func (w *Writer) Names(n Names) {
	w.String(n.text)
	w.Uvarint(uint64(len(n.ends)))
	prev := uint32(0)
	for _, e := range n.ends {
		w.Uvarint(uint64(e - prev))
		prev = e
	}
}

// Flush writes what is buffered and returns the first error.
func (w *Writer) Flush() error {
	if w.err == nil {
		w.err = w.w.Flush()
	}
	return w.err
}

// Reader reads a snapshot stream. It refuses lengths beyond what remains
// plausible (Limit), so a damaged stream never makes it allocate wildly.
type Reader struct {
	r   *bufio.Reader
	err error
	// Limit bounds any one length read (bytes or elements); 1 GiB unless
	// set.
	Limit uint64
}

// NewReader reads from r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 1<<16), Limit: 1 << 30} }

// ErrDamaged is the error of a stream that does not decode.
var ErrDamaged = errors.New("divtab: damaged snapshot stream")

func (r *Reader) fail(err error) {
	if r.err == nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: it ends early", ErrDamaged)
		}
		r.err = err
	}
}

// Uvarint reads an unsigned number.
func (r *Reader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	x, err := binary.ReadUvarint(r.r)
	if err != nil {
		r.fail(err)
	}
	return x
}

// Varint reads a signed number.
func (r *Reader) Varint() int64 {
	if r.err != nil {
		return 0
	}
	x, err := binary.ReadVarint(r.r)
	if err != nil {
		r.fail(err)
	}
	return x
}

// Len reads a length, at most Limit.
func (r *Reader) Len() int {
	n := r.Uvarint()
	if n > r.Limit || n > math.MaxInt32 {
		r.fail(fmt.Errorf("%w: a length of %d", ErrDamaged, n))
		return 0
	}
	return int(n)
}

// Bytes reads exactly len(b) bytes.
func (r *Reader) Bytes(b []byte) {
	if r.err == nil {
		if _, err := io.ReadFull(r.r, b); err != nil {
			r.fail(err)
		}
	}
}

// String reads a string written by Writer.String.
func (r *Reader) String() string {
	n := r.Len()
	if r.err != nil || n == 0 {
		return ""
	}
	b := make([]byte, n)
	r.Bytes(b)
	return string(b)
}

// Codes reads packed codes.
func (r *Reader) Codes() Codes {
	width := r.Len()
	text := r.String()
	if r.err != nil {
		return Codes{}
	}
	c, err := PackedCodes(text, width)
	if err != nil {
		r.fail(fmt.Errorf("%w: %v", ErrDamaged, err))
	}
	return c
}

// Names reads packed names.
func (r *Reader) Names() Names {
	text := r.String()
	n := r.Len()
	if r.err != nil {
		return Names{}
	}
	ends := make([]uint32, n)
	prev := uint64(0)
	for i := range ends {
		prev += r.Uvarint()
		if prev > uint64(len(text)) {
			r.fail(fmt.Errorf("%w: a name past the text", ErrDamaged))
			return Names{}
		}
		ends[i] = uint32(prev)
	}
	if r.err != nil {
		return Names{}
	}
	names, err := PackedNames(text, ends)
	if err != nil {
		r.fail(fmt.Errorf("%w: %v", ErrDamaged, err))
	}
	return names
}

// Expect reads len(magic) bytes and fails unless they are magic: the
// sections of a stream begin and end with one.
func (r *Reader) Expect(magic string) {
	b := make([]byte, len(magic))
	r.Bytes(b)
	if r.err == nil && string(b) != magic {
		r.fail(fmt.Errorf("%w: %q where %q belongs", ErrDamaged, b, magic))
	}
}

// Err is the first error met.
func (r *Reader) Err() error { return r.err }

// Fail records err (the caller's check of what it read) as the stream's.
func (r *Reader) Fail(err error) { r.fail(fmt.Errorf("%w: %v", ErrDamaged, err)) }
