package coverage

import (
	"context"
	"math"
	"slices"

	"shequ"
	"shequ/internal/indicator"
)

// The engine is the indicator module "facilities": per community, the
// counters below, which add up over any node and breakdown of the
// indicator dashboards. Nearest distances go into a histogram whose
// buckets are the upper bounds in distEdges, so medians and percentiles of
// a node are read from the summed histogram to within a bucket (the
// coverage page shows them exactly).
var _ indicator.Module = module{}

// module is the engine seen by the indicator engine.
type module struct{ e *Engine }

// Module returns the engine as the indicator module "facilities".
func (e *Engine) Module() indicator.Module { return module{e} }

const (
	mLocated = iota
	mUrbanComp
	mRuralComp
	mCovered
	mPopulation
	mCoveredPop
	mFacilities
	mInUse
	mPlanned
	mHist // first histogram bucket
)

// distEdges are the histogram's bucket upper bounds in metres.
var distEdges = []float64{250, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 7000, 8000,
	10000, 12000, 15000, 20000, 25000, 30000, 40000, 50000, 75000, 100000, 150000, 200000, math.Inf(1)}

// Key names the module.
func (module) Key() string { return "facilities" }

// Width is the number of counters per community.
func (module) Width() int { return mHist + len(distEdges) }

// Load gives the counters of the communities (nil: all) from memory.
func (m module) Load(_ context.Context, communities []string, add func(string, []int32)) error {
	e := m.e
	e.mu.RLock()
	defer e.mu.RUnlock()
	if !e.loaded {
		return nil
	}
	codes := communities
	if codes == nil {
		// Only the communities with something recorded have counters
		// other than zeros: those, in code order.
		codes = make([]string, 0, len(e.comms))
		for code := range e.comms {
			codes = append(codes, code)
		}
		slices.Sort(codes)
	}
	buf := make([]int32, m.Width())
	for _, code := range codes {
		cm := e.comms[code]
		if cm == nil {
			// Nothing recorded: all its counters are zeros, which the
			// indicator engine holds without being told.
			continue
		}
		clear(buf)
		buf[mFacilities], buf[mInUse], buf[mPlanned] = cm.all, cm.inUse, cm.planned
		if cm.comprehensive > 0 {
			switch shequ.DivisionKind(code) {
			case shequ.KindUrban:
				buf[mUrbanComp] = 1
			case shequ.KindRural:
				buf[mRuralComp] = 1
			}
		}
		if i := e.cov.Find(code); i >= 0 && !e.cov.Hidden(i) {
			pop := int32(min(cm.population(), math.MaxInt32))
			buf[mLocated], buf[mPopulation] = 1, pop
			if e.cov.Covered(i) {
				buf[mCovered], buf[mCoveredPop] = 1, pop
			}
			if _, d, ok := e.cov.Nearest(i); ok {
				buf[mHist+bucket(d)] = 1
			}
		}
		add(code, buf)
	}
	return nil
}

// bucket is the histogram bucket of a distance.
func bucket(d float64) int {
	for k, edge := range distEdges {
		if d <= edge {
			return k
		}
	}
	return len(distEdges) - 1
}

// Stats fills s.Facilities from summed counters.
func (module) Stats(c []int32, s *shequ.IndicatorStats) {
	f := &s.Facilities
	f.Communities, f.Urban, f.Rural = s.Communities, s.Urban, s.Rural
	f.Located, f.Covered = int(c[mLocated]), int(c[mCovered])
	f.UrbanWithComprehensive, f.RuralWithComprehensive = int(c[mUrbanComp]), int(c[mRuralComp])
	f.Population, f.CoveredPopulation = int64(c[mPopulation]), int64(c[mCoveredPop])
	f.Facilities, f.InUse, f.Planned = int(c[mFacilities]), int(c[mInUse]), int(c[mPlanned])
	hist := c[mHist : mHist+len(distEdges)]
	f.MedianNearest = indicator.Quantile(hist, distEdges, 0.5)
	f.P90Nearest = indicator.Quantile(hist, distEdges, 0.9)
}
