package indicator

import (
	"context"
	"math"

	"shequ"
)

// The indicator module "care" (三留守 and social work, issue 16): per
// community, the counters below, read by a CareSource (the store) and summed
// by the engine over any node and breakdown. Aggregates only: the source
// gives counts, never a person.

// CareKey names what a CareRow counts.
type CareKey int

// Keys of CareRow.
const (
	CarePeople       CareKey = iota // people under care of Kind at Risk
	CareChildrenAsst                // children whose guardian is assessed
	CarePlanOnTime                  // visit plans not overdue
	CarePlanOverdue                 // visit plans overdue
	CareVisits90                    // visits of the last 90 days
	CareVisits90Ok                  // of them, made by their due day
	CareAlertRaised                 // alerts raised
	CareAlertAck24                  // acknowledged within 24 hours
	CareAlertEscal                  // escalated to the county
	CareAlertHours                  // one acknowledged alert; N is its response in whole hours
	CareDirector                    // the community has a 儿童主任 (N is 1)
	CareCaseOpened                  // cases opened
	CareCaseClosed                  // cases closed
	CareReferral                    // referrals made
	CareReferralOk                  // referrals accepted
	CareSWServed                    // a social worker logged service in the last 90 days (N is 1)
	CareMinutes                     // service minutes of Area and Function
)

// CareRow is one aggregate of a community.
type CareRow struct {
	Community string
	Key       CareKey
	Kind      shequ.CareKind
	Risk      shequ.RiskLevel
	Area      shequ.ServiceArea
	Function  shequ.ServiceFunction
	N         int
}

// CareSource reads the care aggregates per community (nil: all).
type CareSource interface {
	LoadCare(ctx context.Context, communities []string, fn func(CareRow) error) error
}

// Counter positions.
const (
	crPeople   = 0              // 3 kinds × 3 risks
	crChildAss = crPeople + 9   // children assessed
	crOnTime   = crChildAss + 1 // plans on time
	crOverdue  = crOnTime + 1
	crVisits   = crOverdue + 1
	crVisitsOk = crVisits + 1
	crAlerts   = crVisitsOk + 1
	crAck24    = crAlerts + 1
	crEscal    = crAck24 + 1
	crHist     = crEscal + 1 // response hours histogram
	crDirector = crHist + 9  // len(responseEdges)
	crOpened   = crDirector + 1
	crClosed   = crOpened + 1
	crRefs     = crClosed + 1
	crRefsOk   = crRefs + 1
	crServed   = crRefsOk + 1
	crArea     = crServed + 1 // minutes by area (7)
	crFunction = crArea + 7   // minutes by function (5)
	crWidth    = crFunction + 5
)

// responseEdges are the upper bounds, in hours, of the response histogram.
var responseEdges = []float64{1, 2, 4, 8, 12, 24, 48, 72, math.Inf(1)}

// careModule is the module over its source.
type careModule struct{ src CareSource }

// CareModule returns the indicator module "care" reading src.
func CareModule(src CareSource) Module { return careModule{src} }

// Key names the module.
func (careModule) Key() string { return "care" }

// Width is the number of counters per community.
func (careModule) Width() int { return crWidth }

var (
	careKindIndex = indexOf(shequ.CareKinds)
	areaIndex     = indexOf(shequ.ServiceAreas)
	functionIndex = indexOf(shequ.ServiceFunctions)
)

// Load turns the source's rows into counters.
func (m careModule) Load(ctx context.Context, communities []string, add func(string, []int32)) error {
	return m.src.LoadCare(ctx, communities, func(r CareRow) error {
		c := make([]int32, crWidth)
		n := int32(r.N)
		switch r.Key {
		case CarePeople:
			k, ok := careKindIndex[r.Kind]
			if !ok || !r.Risk.Valid() {
				return nil
			}
			c[crPeople+3*k+int(r.Risk)-1] = n
		case CareChildrenAsst:
			c[crChildAss] = n
		case CarePlanOnTime:
			c[crOnTime] = n
		case CarePlanOverdue:
			c[crOverdue] = n
		case CareVisits90:
			c[crVisits] = n
		case CareVisits90Ok:
			c[crVisitsOk] = n
		case CareAlertRaised:
			c[crAlerts] = n
		case CareAlertAck24:
			c[crAck24] = n
		case CareAlertEscal:
			c[crEscal] = n
		case CareAlertHours:
			b := 0
			for b < len(responseEdges)-1 && float64(r.N) >= responseEdges[b] {
				b++
			}
			c[crHist+b] = 1
		case CareDirector:
			c[crDirector] = min(n, 1)
		case CareCaseOpened:
			c[crOpened] = n
		case CareCaseClosed:
			c[crClosed] = n
		case CareReferral:
			c[crRefs] = n
		case CareReferralOk:
			c[crRefsOk] = n
		case CareSWServed:
			c[crServed] = min(n, 1)
		case CareMinutes:
			if a, ok := areaIndex[r.Area]; ok {
				c[crArea+a] = n
			}
			if f, ok := functionIndex[r.Function]; ok {
				c[crFunction+f] = n
			}
		default:
			return nil
		}
		add(r.Community, c)
		return nil
	})
}

// Stats sets the care figures from the summed counters.
func (careModule) Stats(c []int32, s *shequ.IndicatorStats) {
	f := &s.Care
	f.ByKindRisk = map[shequ.CareKind]map[shequ.RiskLevel]int{}
	for k, kind := range shequ.CareKinds {
		f.ByKindRisk[kind] = map[shequ.RiskLevel]int{}
		for _, r := range shequ.RiskLevels {
			f.ByKindRisk[kind][r] = int(c[crPeople+3*k+int(r)-1])
		}
	}
	f.Children = f.OfKind(shequ.CareChild)
	f.ChildrenAssessed, f.PlansOnTime, f.PlansOverdue = int(c[crChildAss]), int(c[crOnTime]), int(c[crOverdue])
	f.Visits90, f.Visits90OnTime = int(c[crVisits]), int(c[crVisitsOk])
	f.Alerts, f.AlertsAckIn24h, f.AlertsEscalated = int(c[crAlerts]), int(c[crAck24]), int(c[crEscal])
	hist := c[crHist : crHist+len(responseEdges)]
	f.AlertsAcknowledged = 0
	for _, n := range hist {
		f.AlertsAcknowledged += int(n)
	}
	f.MedianResponseHours = 0
	if f.AlertsAcknowledged > 0 {
		f.MedianResponseHours = Quantile(hist, responseEdges, 0.5)
	}
	f.WithDirector = int(c[crDirector])
	f.CasesOpened, f.CasesClosed = int(c[crOpened]), int(c[crClosed])
	f.CasesOpen = f.CasesOpened - f.CasesClosed
	f.Referrals, f.ReferralsAccepted, f.ServedBySocialWorker = int(c[crRefs]), int(c[crRefsOk]), int(c[crServed])
	f.MinutesByArea = map[shequ.ServiceArea]int{}
	for i, a := range shequ.ServiceAreas {
		f.MinutesByArea[a] = int(c[crArea+i])
	}
	f.MinutesByFunction = map[shequ.ServiceFunction]int{}
	for i, fn := range shequ.ServiceFunctions {
		f.MinutesByFunction[fn] = int(c[crFunction+i])
	}
}
