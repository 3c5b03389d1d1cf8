package indicator

import (
	"context"
	"math"

	"shequ"
)

// ServicesModule is the indicator module "services": the request (办件)
// figures. Its counters per community are laid out below; handling days go
// into a histogram of whole working days (0–30, then wider buckets), whose
// summed buckets give the median of any node.
func ServicesModule(load func(ctx context.Context, communities []string, fn func(shequ.ServiceCountRow)) error) Module {
	return servicesModule{load: load}
}

type servicesModule struct {
	load func(ctx context.Context, communities []string, fn func(shequ.ServiceCountRow)) error
}

const (
	sRequests = iota
	sOnline
	sWindow
	sAgency
	sPhone
	sCompleted
	sOnTime
	sRated
	sRatingSum
	sSatisfied
	sRuralRequests
	sRuralAgency
	sHist // first bucket of the handling-days histogram
)

// dayEdges are the upper bounds of the handling-days buckets.
var dayEdges = func() []float64 {
	var e []float64
	for d := 0; d <= 30; d++ {
		e = append(e, float64(d))
	}
	return append(e, 40, 60, 90, 180, math.Inf(1))
}()

// Key names the module.
func (servicesModule) Key() string { return "services" }

// Width is the number of counters per community.
func (servicesModule) Width() int { return sHist + len(dayEdges) }

// Load turns the grouped rows of the requests into counters.
func (m servicesModule) Load(ctx context.Context, communities []string, add func(string, []int32)) error {
	buf := make([]int32, m.Width())
	return m.load(ctx, communities, func(r shequ.ServiceCountRow) {
		clear(buf)
		n := int32(r.N)
		buf[sRequests] = n
		switch r.Channel {
		case shequ.ChannelOnline:
			buf[sOnline] = n
		case shequ.ChannelWindow:
			buf[sWindow] = n
		case shequ.ChannelAgency:
			buf[sAgency] = n
		case shequ.ChannelPhone:
			buf[sPhone] = n
		}
		if r.Done {
			buf[sCompleted] = n
			if r.OnTime {
				buf[sOnTime] = n
			}
			buf[sHist+dayBucket(r.Days)] = n
		}
		if r.Rating > 0 {
			buf[sRated], buf[sRatingSum] = n, n*int32(r.Rating)
			if r.Rating >= 4 {
				buf[sSatisfied] = n
			}
		}
		if len(r.Community) == 12 && shequ.DivisionKind(r.Community) == shequ.KindRural {
			buf[sRuralRequests] = n
			if r.Channel == shequ.ChannelAgency {
				buf[sRuralAgency] = n
			}
		}
		add(r.Community, buf)
	})
}

func dayBucket(d int) int {
	for k, e := range dayEdges {
		if float64(d) <= e {
			return k
		}
	}
	return len(dayEdges) - 1
}

// Stats fills s.Services from summed counters.
func (servicesModule) Stats(c []int32, s *shequ.IndicatorStats) {
	v := &s.Services
	v.Requests, v.Online, v.Window, v.Agency, v.Phone = int(c[sRequests]), int(c[sOnline]), int(c[sWindow]),
		int(c[sAgency]), int(c[sPhone])
	v.Completed, v.OnTime = int(c[sCompleted]), int(c[sOnTime])
	v.Rated, v.RatingSum, v.Satisfied = int(c[sRated]), int(c[sRatingSum]), int(c[sSatisfied])
	v.RuralRequests, v.RuralAgency = int(c[sRuralRequests]), int(c[sRuralAgency])
	v.MedianDays = Quantile(c[sHist:sHist+len(dayEdges)], dayEdges, 0.5)
}
