package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"sync"
	"time"
)

// startupPhases times the phases of Main.Run (issue 18: ready in under
// 5 s): each phase's seconds are logged in one line once the server
// listens, so an operator sees what a slow start spent its time on.
type startupPhases struct {
	began, last time.Time
	phases      []startupPhase
	// notes are the times of work done concurrently within a phase
	// (the two engines' loads), logged beside the phases.
	mu    sync.Mutex
	notes []startupPhase
	// heap: also measure the live heap after each phase (`shequ bench
	// memory`; a full collection each, whose time no phase counts).
	heap bool
}

// startupPhase is one timed phase of the start.
type startupPhase struct {
	Name    string
	Seconds float64
	Heap    uint64 // live heap after it, bytes (heap mode only)
}

func newStartupPhases() *startupPhases {
	now := time.Now()
	return &startupPhases{began: now, last: now}
}

// done ends the phase name (begun when the previous one ended).
func (p *startupPhases) done(name string) {
	now := time.Now()
	ph := startupPhase{Name: name, Seconds: roundMillis(now.Sub(p.last))}
	if p.heap {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		ph.Heap = ms.HeapAlloc
		p.began = p.began.Add(time.Since(now)) // the collection is no phase's
		now = time.Now()
	}
	p.phases = append(p.phases, ph)
	p.last = now
}

// note records the time of work done concurrently within a phase.
func (p *startupPhases) note(name string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notes = append(p.notes, startupPhase{Name: name, Seconds: roundMillis(d)})
}

// total is the time since the start.
func (p *startupPhases) total() time.Duration { return p.last.Sub(p.began) }

// log writes the phases in one line.
func (p *startupPhases) log(l *slog.Logger) {
	attrs := make([]any, 0, 2*len(p.phases)+2)
	for _, ph := range p.phases {
		attrs = append(attrs, ph.Name+"_s", ph.Seconds)
	}
	p.mu.Lock()
	for _, ph := range p.notes {
		attrs = append(attrs, ph.Name+"_s", ph.Seconds)
	}
	p.mu.Unlock()
	attrs = append(attrs, "total_s", roundMillis(p.total()))
	l.Info("started", attrs...)
}

// roundMillis is d in seconds to the millisecond.
func roundMillis(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

// loadEngines loads the coverage engine, then the indicator engine (which
// reads the "facilities" counters from coverage). One after the other:
// side by side, their reads of every division held a national start's
// memory peak at 575–635 MB (issue 18's budget is 400 MB); a server that
// starts from the engines' snapshot (serve_snapshot.go) reads neither, and
// this full load is for the first start and an unusable snapshot. Each
// load's own time is logged with the phases (coverage_s, indicators_s).
func (m *Main) loadEngines(ctx context.Context) error {
	s := m.svc
	began := time.Now()
	if err := s.coverage.Load(ctx); err != nil {
		return fmt.Errorf("load coverage: %w", err)
	}
	m.startup.note("coverage", time.Since(began))
	began = time.Now()
	if err := s.indicators.Load(ctx); err != nil {
		return fmt.Errorf("load indicators: %w", err)
	}
	m.startup.note("indicators", time.Since(began))
	return nil
}
