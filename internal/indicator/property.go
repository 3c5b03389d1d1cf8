package indicator

import (
	"context"
	"math"

	"shequ"
)

// The indicator module "property" (物业服务监管): per community, the
// counters below, read by a PropertySource (the store) and summed by the
// engine over any node and breakdown. Days from a complaint to its end go
// into a histogram whose buckets have the upper bounds of complaintDayEdges.

// PropertyKind is what a PropertyRow counts.
type PropertyKind int

// Kinds of PropertyRow.
const (
	PropEstates            PropertyKind = iota // estates of a management mode (Key); Flag: old
	PropCommittee                              // one estate with a current owners' committee; Flag: with a 兼任 member
	PropGrade                                  // estates under a contract in force whose company has grade Key
	PropComplaints                             // complaints filed
	PropComplaintDone                          // one finished complaint; Flag: on time; Sum: calendar days it took
	PropRatings                                // ratings; Sum: their scores; Flag false, or true for the satisfied ones alone
	PropMeetings                               // joint meetings held this quarter
	PropResolutionsLate                        // resolutions overdue
	PropRectificationsLate                     // rectification orders overdue
)

// PropertyRow is one aggregate row of the module for a community.
type PropertyRow struct {
	Community string
	Kind      PropertyKind
	Key       string
	Flag      bool
	N         int
	Sum       int64
}

// PropertySource reads the module's aggregates per community (nil: all)
// at its own clock (quarters, contracts and terms in force, grades).
type PropertySource interface {
	LoadProperty(ctx context.Context, communities []string, fn func(PropertyRow) error) error
}

// Counter positions of the module.
const (
	prEstates    = 0
	prMode       = 1          // one per management mode
	prOld        = prMode + 4 // len(shequ.ManagementModes)
	prOldSelf    = prOld + 1
	prCommittee  = prOldSelf + 1
	prConcurrent = prCommittee + 1
	prGrade      = prConcurrent + 1 // one per grade
	prComplaints = prGrade + 5      // len(shequ.Grades)
	prDone       = prComplaints + 1
	prOnTime     = prDone + 1
	prRatings    = prOnTime + 1
	prScoreSum   = prRatings + 1
	prSatisfied  = prScoreSum + 1
	prMeetings   = prSatisfied + 1
	prMeetingCom = prMeetings + 1
	prResLate    = prMeetingCom + 1
	prRectLate   = prResLate + 1
	prHist       = prRectLate + 1 // first bucket of the complaints' days
)

// complaintDayEdges are the upper bounds, in days, of the buckets of the
// complaints' durations.
var complaintDayEdges = []float64{1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60, 90, math.Inf(1)}

// prWidth is the number of counters per community.
var prWidth = prHist + len(complaintDayEdges)

var (
	modeIndex  = indexOf(shequ.ManagementModes)
	gradeIndex = indexOf(shequ.Grades)
)

type propertyModule struct{ src PropertySource }

// PropertyModule returns the indicator module "property" reading src.
func PropertyModule(src PropertySource) Module { return propertyModule{src} }

// Key names the module.
func (propertyModule) Key() string { return "property" }

// Width is the number of counters per community.
func (propertyModule) Width() int { return prWidth }

// Load turns the source's rows into counters.
func (m propertyModule) Load(ctx context.Context, communities []string, add func(string, []int32)) error {
	return m.src.LoadProperty(ctx, communities, func(r PropertyRow) error {
		c := make([]int32, prWidth)
		n := int32(r.N)
		switch r.Kind {
		case PropEstates:
			mode, ok := modeIndex[shequ.ManagementMode(r.Key)]
			if !ok {
				return nil
			}
			c[prEstates], c[prMode+mode] = n, n
			if r.Flag {
				c[prOld] = n
				if shequ.ManagementMode(r.Key).SelfManaged() {
					c[prOldSelf] = n
				}
			}
		case PropCommittee:
			c[prCommittee] = n
			if r.Flag {
				c[prConcurrent] = n
			}
		case PropGrade:
			g, ok := gradeIndex[shequ.Grade(r.Key)]
			if !ok {
				return nil
			}
			c[prGrade+g] = n
		case PropComplaints:
			c[prComplaints] = n
		case PropComplaintDone:
			c[prDone] = n
			if r.Flag {
				c[prOnTime] = n
			}
			b := 0
			for b < len(complaintDayEdges)-1 && float64(r.Sum) > complaintDayEdges[b] {
				b++
			}
			c[prHist+b] = n
		case PropRatings:
			if r.Flag {
				c[prSatisfied] = n
			} else {
				c[prRatings], c[prScoreSum] = n, int32(r.Sum)
			}
		case PropMeetings:
			c[prMeetings] = n
			if n > 0 {
				c[prMeetingCom] = 1
			}
		case PropResolutionsLate:
			c[prResLate] = n
		case PropRectificationsLate:
			c[prRectLate] = n
		default:
			return nil
		}
		add(r.Community, c)
		return nil
	})
}

// Stats sets the property figures from the summed counters.
func (propertyModule) Stats(c []int32, s *shequ.IndicatorStats) {
	f := &s.Property
	f.Estates, f.Old, f.OldSelfManaged = int(c[prEstates]), int(c[prOld]), int(c[prOldSelf])
	f.ByMode = map[shequ.ManagementMode]int{}
	for i, m := range shequ.ManagementModes {
		f.ByMode[m] = int(c[prMode+i])
	}
	f.WithCommittee, f.WithConcurrent = int(c[prCommittee]), int(c[prConcurrent])
	f.EstatesByGrade = map[shequ.Grade]int{}
	for i, g := range shequ.Grades {
		f.EstatesByGrade[g] = int(c[prGrade+i])
	}
	f.Complaints, f.ComplaintsDone, f.ComplaintsOnTime = int(c[prComplaints]), int(c[prDone]), int(c[prOnTime])
	f.MedianComplaintDays = 0
	if f.ComplaintsDone > 0 {
		f.MedianComplaintDays = Quantile(c[prHist:prHist+len(complaintDayEdges)], complaintDayEdges, 0.5)
	}
	f.Ratings, f.RatingScoreSum, f.RatingsSatisfied = int(c[prRatings]), int(c[prScoreSum]), int(c[prSatisfied])
	f.MeetingsQuarter, f.CommunitiesWithMeeting = int(c[prMeetings]), int(c[prMeetingCom])
	f.ResolutionsOverdue, f.RectificationsOverdue = int(c[prResLate]), int(c[prRectLate])
}
