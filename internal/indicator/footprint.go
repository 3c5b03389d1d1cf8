package indicator

// Footprint tells what the engine holds, for `shequ bench memory` (issue
// 18: how memory grows with communities and with each module's counters).
type Footprint struct {
	Communities int // communities loaded
	Wide        int // of them, communities with module data (full-width counters)
	Core        int // core counters per community
	Width       int // counters of a full-width community: the core and every module's
	Townships   int
	Cells       int // township aggregates: one vector per township and cell
	WideCells   int // of them, full width
}

// Footprint returns the engine's footprint (zero before Load).
func (e *Engine) Footprint() Footprint {
	e.mu.RLock()
	defer e.mu.RUnlock()
	d := e.data
	if d == nil {
		return Footprint{}
	}
	f := Footprint{Communities: d.codes.Len(), Wide: len(d.wide), Core: nCounters, Width: d.width, Townships: len(d.townships)}
	for _, tw := range d.townships {
		f.Cells += len(tw.vecs)
		for _, v := range tw.vecs {
			if len(v) > nCounters {
				f.WideCells++
			}
		}
	}
	return f
}
