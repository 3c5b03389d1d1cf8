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

// Codes writes packed codes, each as the length of the prefix it shares
// with the one before and the rest (a community's code shares its
// township's nine digits with its neighbour: 4 bytes instead of 12).
func (w *Writer) Codes(c Codes) {
	w.Uvarint(uint64(c.width))
	w.Uvarint(uint64(c.Len()))
	prev := ""
	for i := range c.Len() {
		code := c.At(i)
		k := 0
		for k < len(prev) && prev[k] == code[k] {
			k++
		}
		w.Uvarint(uint64(k))
		w.Bytes([]byte(code[k:]))
		prev = code
	}
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

// Reader reads a snapshot stream. It reads the whole stream first and
// decodes from memory (the national indicator snapshot is tens of millions
// of varints: through an io.ByteReader each, they took seconds). It
// refuses lengths beyond what remains, so a damaged stream never makes it
// allocate wildly.
type Reader struct {
	buf []byte
	off int
	err error
}

// NewReader reads r to its end.
func NewReader(r io.Reader) *Reader {
	b, err := io.ReadAll(r)
	rd := &Reader{buf: b}
	if err != nil {
		rd.fail(err)
	}
	return rd
}

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
	x, n := binary.Uvarint(r.buf[r.off:])
	if n <= 0 {
		r.fail(fmt.Errorf("%w: a number cut short or too long", ErrDamaged))
		return 0
	}
	r.off += n
	return x
}

// Varint reads a signed number.
func (r *Reader) Varint() int64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Varint(r.buf[r.off:])
	if n <= 0 {
		r.fail(fmt.Errorf("%w: a number cut short or too long", ErrDamaged))
		return 0
	}
	r.off += n
	return x
}

// Len reads a length, at most what remains of the stream.
func (r *Reader) Len() int {
	n := r.Uvarint()
	if n > uint64(len(r.buf)-r.off) || n > math.MaxInt32 {
		r.fail(fmt.Errorf("%w: a length of %d", ErrDamaged, n))
		return 0
	}
	return int(n)
}

// Bytes reads exactly len(b) bytes.
func (r *Reader) Bytes(b []byte) {
	if r.err != nil {
		return
	}
	if len(b) > len(r.buf)-r.off {
		r.fail(io.ErrUnexpectedEOF)
		return
	}
	r.off += copy(b, r.buf[r.off:])
}

// String reads a string written by Writer.String.
func (r *Reader) String() string {
	n := r.Len()
	if r.err != nil || n == 0 {
		return ""
	}
	s := string(r.buf[r.off : r.off+n])
	r.off += n
	return s
}

// Codes reads packed codes.
func (r *Reader) Codes() Codes {
	width, n := r.Len(), r.Len()
	if r.err == nil && n > len(r.buf)-r.off { // at least a byte per code
		r.fail(fmt.Errorf("%w: %d codes of %d characters", ErrDamaged, n, width))
	}
	if r.err != nil {
		return Codes{}
	}
	text := make([]byte, width*n)
	for i := range n {
		k := r.Len()
		if k > width || (i == 0 && k > 0) {
			r.fail(fmt.Errorf("%w: a shared prefix of %d", ErrDamaged, k))
			return Codes{}
		}
		code := text[i*width : (i+1)*width]
		if k > 0 {
			copy(code, text[(i-1)*width:(i-1)*width+k])
		}
		r.Bytes(code[k:])
		if r.err != nil {
			return Codes{}
		}
	}
	c, err := PackedCodes(string(text), width)
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
