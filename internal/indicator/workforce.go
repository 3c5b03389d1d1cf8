package indicator

import (
	"context"
	"time"

	"shequ"
)

// The indicator modules of issue 17: "volunteer" (volunteers, service
// hours, the time bank) and "workforce" (the community workforce's
// structure, retention, tenure, leavers and training). Both keep counters
// only for communities with data (the engine keeps a core-only vec for a
// community whose module rows are all zero).
//
// How retention and the median tenure stay correct in an incremental
// engine: every workforce figure is a sum over members, and a member
// counts in exactly one community (where they work), so the sum of the
// communities' counters over any node or breakdown is the figure of its
// members. The median tenure is read from a summed histogram with one
// counter per whole year (0 … TenureCapYears−1, then "cap or more"), so
// Quantile gives the exact lower median, not an estimate. The counters
// depend on today (who was employed a year ago, completed years, the
// leavers and training of the last year), so they are as of the day they
// were loaded: a write refreshes the communities it touches (the old and
// the new one of a move), and the workforce day job (cmd/shequ) refreshes
// every community with data once the day has changed.

// VolunteerKey names what a VolunteerRow counts.
type VolunteerKey int

// Keys of VolunteerRow.
const (
	VolResidents  VolunteerKey = iota // residents registered in the platform
	VolRegistered                     // active volunteers
	VolActive12                       // of them, with confirmed service in the last 12 months
	VolMinutes                        // confirmed service minutes of Category
	VolOwed                           // time-bank balances, minutes
	VolRedeemed                       // time-bank withdrawals, minutes
)

// VolunteerRow is one aggregate of a community.
type VolunteerRow struct {
	Community string
	Key       VolunteerKey
	Category  shequ.ServiceCategory
	N         int
}

// VolunteerSource reads the volunteer aggregates per community (nil: all).
type VolunteerSource interface {
	LoadVolunteer(ctx context.Context, communities []string, fn func(VolunteerRow) error) error
}

// Volunteer counter positions.
const (
	vlResidents  = 0
	vlRegistered = 1
	vlActive     = 2
	vlOwed       = 3
	vlRedeemed   = 4
	vlCategory   = 5 // minutes by category (len(shequ.ServiceCategories))
)

var volCategoryIndex = indexOf(shequ.ServiceCategories)

type volunteerModule struct{ src VolunteerSource }

// VolunteerModule returns the indicator module "volunteer" reading src.
func VolunteerModule(src VolunteerSource) Module { return volunteerModule{src} }

// Key names the module.
func (volunteerModule) Key() string { return "volunteer" }

// Width is the number of counters per community.
func (volunteerModule) Width() int { return vlCategory + len(shequ.ServiceCategories) }

// Load turns the source's rows into counters.
func (m volunteerModule) Load(ctx context.Context, communities []string, add func(string, []int32)) error {
	return m.src.LoadVolunteer(ctx, communities, func(r VolunteerRow) error {
		c := make([]int32, m.Width())
		n := int32(r.N)
		switch r.Key {
		case VolResidents:
			c[vlResidents] = n
		case VolRegistered:
			c[vlRegistered] = n
		case VolActive12:
			c[vlActive] = n
		case VolOwed:
			c[vlOwed] = n
		case VolRedeemed:
			c[vlRedeemed] = n
		case VolMinutes:
			k, ok := volCategoryIndex[r.Category]
			if !ok {
				return nil
			}
			c[vlCategory+k] = n
		default:
			return nil
		}
		add(r.Community, c)
		return nil
	})
}

// Stats sets the volunteer figures from the summed counters.
func (volunteerModule) Stats(c []int32, s *shequ.IndicatorStats) {
	f := &s.Volunteer
	f.Residents, f.Registered, f.Active12 = int(c[vlResidents]), int(c[vlRegistered]), int(c[vlActive])
	f.OwedMinutes, f.RedeemedMinutes = int(c[vlOwed]), int(c[vlRedeemed])
	f.MinutesByCategory = map[shequ.ServiceCategory]int{}
	for i, cat := range shequ.ServiceCategories {
		f.MinutesByCategory[cat] = int(c[vlCategory+i])
	}
}

// WorkforceRow is one member of the workforce register (Member set) or the
// training minutes of the last 12 months of a community's members.
type WorkforceRow struct {
	Community       string
	Member          *shequ.WorkforceMember
	TrainingMinutes int
}

// WorkforceSource reads the members and training per community (nil: all).
type WorkforceSource interface {
	LoadWorkforce(ctx context.Context, communities []string, fn func(WorkforceRow) error) error
}

// Workforce counter positions.
const (
	wfPost     = 0                                   // employed by post (6)
	wfEdu      = wfPost + 6                          // employed by education (5)
	wfQual     = wfEdu + 5                           // employed by qualification (4)
	wfBase     = wfQual + 4                          // employed a year ago
	wfRetained = wfBase + 1                          // of them, employed today
	wfLeft     = wfRetained + 1                      // leavers of the last year by reason (8)
	wfTenure   = wfLeft + 8                          // employed by completed years, 0 … cap
	wfTraining = wfTenure + shequ.TenureCapYears + 1 // training minutes of the last year
	wfWidth    = wfTraining + 1
)

var (
	postIndex   = indexOf(shequ.Posts)
	reasonIndex = indexOf(shequ.LeaveReasons)
	// tenureEdges are the upper bounds of the tenure histogram: whole
	// years, the last bucket holding the cap and more.
	tenureEdges = func() []float64 {
		out := make([]float64, shequ.TenureCapYears+1)
		for i := range out {
			out[i] = float64(i)
		}
		return out
	}()
)

type workforceModule struct {
	src WorkforceSource
	now func() time.Time
}

// WorkforceModule returns the indicator module "workforce" reading src;
// now is the clock of "today" (nil: the system's).
func WorkforceModule(src WorkforceSource, now func() time.Time) Module {
	if now == nil {
		now = time.Now
	}
	return workforceModule{src: src, now: now}
}

// Key names the module.
func (workforceModule) Key() string { return "workforce" }

// Width is the number of counters per community.
func (workforceModule) Width() int { return wfWidth }

// Load turns members into counters as of today: each member adds ones to
// the counters it falls in (the same rules as shequ.ComputeWorkforce).
func (m workforceModule) Load(ctx context.Context, communities []string, add func(string, []int32)) error {
	today := m.now()
	yearAgo := shequ.DateOf(today).AddDate(0, -shequ.RetentionWindow, 0)
	return m.src.LoadWorkforce(ctx, communities, func(r WorkforceRow) error {
		c := make([]int32, wfWidth)
		if r.Member == nil {
			c[wfTraining] = int32(r.TrainingMinutes)
			add(r.Community, c)
			return nil
		}
		w := r.Member
		if w.EmployedOn(today) {
			p, okP := postIndex[w.Post]
			e, okE := eduIndex[w.Education]
			q, okQ := qualIndex[w.Qualification]
			if !okP || !okE || !okQ {
				return nil // not a valid record: counted nowhere rather than in part
			}
			c[wfPost+p], c[wfEdu+e], c[wfQual+q] = 1, 1, 1
			c[wfTenure+min(w.TenureYears(today), shequ.TenureCapYears)] = 1
		}
		if w.EmployedOn(yearAgo) {
			c[wfBase] = 1
			if w.EmployedOn(today) {
				c[wfRetained] = 1
			}
		}
		if w.LeftInYearTo(today) {
			if k, ok := reasonIndex[w.LeaveReason]; ok {
				c[wfLeft+k] = 1
			}
		}
		add(r.Community, c)
		return nil
	})
}

// Stats sets the workforce figures from the summed counters.
func (workforceModule) Stats(c []int32, s *shequ.IndicatorStats) {
	f := &s.Workforce
	f.ByPost, f.ByEducation, f.ByQual = map[shequ.Post]int{}, map[shequ.Education]int{}, map[shequ.Qualification]int{}
	f.Employed = 0
	for i, p := range shequ.Posts {
		f.ByPost[p] = int(c[wfPost+i])
		f.Employed += int(c[wfPost+i])
	}
	for i, e := range shequ.Educations {
		f.ByEducation[e] = int(c[wfEdu+i])
	}
	for i, q := range shequ.Qualifications {
		f.ByQual[q] = int(c[wfQual+i])
	}
	f.Base12, f.Retained12 = int(c[wfBase]), int(c[wfRetained])
	f.LeaversByWhy, f.Leavers12 = map[shequ.LeaveReason]int{}, 0
	for i, r := range shequ.LeaveReasons {
		f.LeaversByWhy[r] = int(c[wfLeft+i])
		f.Leavers12 += int(c[wfLeft+i])
	}
	hist := c[wfTenure : wfTenure+len(tenureEdges)]
	f.TenureByYears = make([]int, len(hist))
	for i, n := range hist {
		f.TenureByYears[i] = int(n)
	}
	f.MedianTenure = -1
	if f.Employed > 0 {
		f.MedianTenure = int(Quantile(hist, tenureEdges, 0.5))
	}
	f.TrainingMinutes12 = int(c[wfTraining])
}
