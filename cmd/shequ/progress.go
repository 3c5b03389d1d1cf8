package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress draws a one-line progress bar on a terminal, redrawn at most ten
// times a second. On anything else (a log file, CI) it prints a plain line at
// every fifth of the work, so long runs still show that they move.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	tty     bool
	label   string
	unit    string
	total   int64
	started time.Time
	drawn   time.Time
	step    int64 // last fifth reported on a non-terminal
	done    bool
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgress starts a bar; quiet makes it print nothing.
func newProgress(w io.Writer, label, unit string, total int64, quiet bool) *progress {
	if quiet {
		w = io.Discard
	}
	return &progress{w: w, tty: isTerminal(w), label: label, unit: unit, total: total, started: time.Now()}
}

// Set records that n of total are done.
func (p *progress) Set(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done || p.total <= 0 {
		return
	}
	now := time.Now()
	if p.tty {
		if now.Sub(p.drawn) < 100*time.Millisecond && n < p.total {
			return
		}
		p.drawn = now
		fmt.Fprintf(p.w, "\r%s", p.line(n, now))
		return
	}
	if s := n * 5 / p.total; s > p.step {
		p.step = s
		fmt.Fprintln(p.w, p.line(n, now))
	}
}

// SetTotal sets the amount of work once it is known.
func (p *progress) SetTotal(n int64) {
	p.mu.Lock()
	p.total = n
	p.mu.Unlock()
}

// Done finishes the bar at 100%.
func (p *progress) Done() {
	p.Set(p.total)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.done && p.tty && p.total > 0 {
		fmt.Fprintln(p.w)
	}
	p.done = true
}

// line renders "label [#####-----]  52%  345,678/665,276 unit  3.1s".
func (p *progress) line(n int64, now time.Time) string {
	const width = 30
	if n > p.total {
		n = p.total
	}
	filled := int(n * width / p.total)
	return fmt.Sprintf("%s [%s%s] %3d%%  %s/%s %s  %.1fs", p.label,
		strings.Repeat("#", filled), strings.Repeat("-", width-filled),
		n*100/p.total, groupDigits(n), groupDigits(p.total), p.unit, now.Sub(p.started).Seconds())
}

// groupDigits writes 665276 as 665,276.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// countingReader reports the bytes read through it to a progress bar.
type countingReader struct {
	r io.Reader
	n int64
	p *progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	c.p.Set(c.n)
	return n, err
}
