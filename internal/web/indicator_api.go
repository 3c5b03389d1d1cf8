package web

import (
	"cmp"
	"net/http"
	"slices"

	"shequ"
)

// The JSON form of the indicator reports. Rates are fractions from 0 to 1;
// pages show them as percentages with one decimal.

type communitiesJSON struct {
	Total int `json:"total"`
	Urban int `json:"urban"`
	Rural int `json:"rural"`
	Other int `json:"other"`
}

type urbanRuralCount struct {
	Urban int `json:"urban"`
	Rural int `json:"rural"`
	Total int `json:"total"`
}

type urbanRuralRate struct {
	Urban float64 `json:"urban"`
	Rural float64 `json:"rural"`
	Total float64 `json:"total"`
}

type orgStatsJSON struct {
	Total                    int             `json:"total"`
	Active                   int             `json:"active"`
	ByKind                   map[string]int  `json:"by_kind"`
	ByStatus                 map[string]int  `json:"by_status"`
	CommunitiesMeetingTarget urbanRuralCount `json:"communities_meeting_target"`
	AttainmentRate           urbanRuralRate  `json:"attainment_rate"`
}

type workerStatsJSON struct {
	Total              int            `json:"total"`
	Certified          int            `json:"certified"`
	CertifiedShare     float64        `json:"certified_share"`
	ByQualification    map[string]int `json:"by_qualification"`
	ByEducation        map[string]int `json:"by_education"`
	CommunitiesCovered int            `json:"communities_covered"`
	CoverageRate       float64        `json:"coverage_rate"`
}

// statsJSON is the figures of one group of communities.
type statsJSON struct {
	Communities   communitiesJSON `json:"communities"`
	SocialOrgs    orgStatsJSON    `json:"social_orgs"`
	SocialWorkers workerStatsJSON `json:"social_workers"`
	// Figures holds the figures of the indicator modules (三社联动, 办件,
	// 设施覆盖…) by their registry key: a number, or null when there is
	// nothing to measure.
	Figures map[string]any `json:"figures"`
}

// rowJSON is one row of a breakdown: a child division or a group.
type rowJSON struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	statsJSON
}

type divisionJSONRef struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

// indicatorJSON is the answer of GET /api/v1/indicators/{code}.
type indicatorJSON struct {
	Division   divisionJSONRef      `json:"division"`
	Path       []refJSON            `json:"path"`
	Period     string               `json:"period"`
	AsOf       string               `json:"as_of"`
	Targets    map[string]float64   `json:"targets"`
	statsJSON                       //
	Breakdowns map[string][]rowJSON `json:"breakdowns"`
}

// Rates derived from the counts, shared by the API, the page and the
// exports so that all three show the same numbers.

func orgRateUrban(st *shequ.IndicatorStats) float64 { return st.UrbanAttainment() }
func orgRateRural(st *shequ.IndicatorStats) float64 { return st.RuralAttainment() }

// orgRateTotal is the attainment over urban and rural communities (others
// have no org target).
func orgRateTotal(st *shequ.IndicatorStats) float64 {
	return shequ.Rate(st.UrbanMeetingOrgTarget+st.RuralMeetingOrgTarget, st.Urban+st.Rural)
}
func workerCoverage(st *shequ.IndicatorStats) float64 { return st.WorkerCoverage() }
func certifiedShare(st *shequ.IndicatorStats) float64 { return st.CertifiedShare() }

func countMap[K ~string](m map[K]int, all []K) map[string]int {
	out := make(map[string]int, len(all))
	for _, k := range all {
		out[string(k)] = m[k]
	}
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

func newStatsJSON(st *shequ.IndicatorStats) statsJSON {
	return statsJSON{
		Communities: communitiesJSON{Total: st.Communities, Urban: st.Urban, Rural: st.Rural, Other: st.Other},
		SocialOrgs: orgStatsJSON{Total: st.Orgs, Active: st.OrgsActive,
			ByKind: countMap(st.OrgsByKind, shequ.OrgKinds), ByStatus: countMap(st.OrgsByStatus, shequ.OrgStatuses),
			CommunitiesMeetingTarget: urbanRuralCount{Urban: st.UrbanMeetingOrgTarget, Rural: st.RuralMeetingOrgTarget,
				Total: st.UrbanMeetingOrgTarget + st.RuralMeetingOrgTarget},
			AttainmentRate: urbanRuralRate{Urban: orgRateUrban(st), Rural: orgRateRural(st), Total: orgRateTotal(st)}},
		SocialWorkers: workerStatsJSON{Total: st.Workers, Certified: st.WorkersCertified, CertifiedShare: certifiedShare(st),
			ByQualification:    countMap(st.WorkersByQual, shequ.Qualifications),
			ByEducation:        countMap(st.WorkersByEdu, shequ.Educations),
			CommunitiesCovered: st.CommunitiesWithWorkers, CoverageRate: workerCoverage(st)},
		Figures: moduleFigures(st),
	}
}

// moduleFigures lists the registry's module figures (those outside the
// registers' group, which the fields above already carry).
func moduleFigures(st *shequ.IndicatorStats) map[string]any {
	out := map[string]any{}
	for i, c := range indicatorColumns {
		if c.Group != "" {
			out[shequ.IndicatorDefs[i].Key] = c.number(st)
		}
	}
	return out
}

func newRowJSON(row *shequ.IndicatorRow) rowJSON {
	return rowJSON{Key: row.Key, Name: row.Name, statsJSON: newStatsJSON(&row.Stats)}
}

// countryName names the root of the tree in the report when the service
// leaves it empty.
func (s *Server) newIndicatorJSON(rep *shequ.IndicatorReport, countryName string) indicatorJSON {
	j := indicatorJSON{
		Division: divisionJSONRef{Code: rep.Division.Code, Name: rep.Division.Name, Level: string(rep.Level)},
		Path:     []refJSON{}, Period: rep.Period, AsOf: apiTime(rep.AsOf), Targets: map[string]float64{},
		statsJSON: newStatsJSON(&rep.Stats), Breakdowns: map[string][]rowJSON{},
	}
	if j.Division.Code == "" {
		j.Division.Level = "country"
		if j.Division.Name == "" {
			j.Division.Name = countryName
		}
	}
	for _, p := range rep.Path {
		j.Path = append(j.Path, refJSON{p.Code, p.Name})
	}
	for k, v := range rep.Targets {
		j.Targets[string(k)] = v
	}
	for name, rows := range rep.Breakdowns {
		out := []rowJSON{}
		for i := range rows {
			out = append(out, newRowJSON(&rows[i]))
		}
		j.Breakdowns[string(name)] = out
	}
	return j
}

// rankedChildren returns the children rows by org attainment (highest
// first), then by worker coverage, then by code.
func rankedChildren(rep *shequ.IndicatorReport) []shequ.IndicatorRow {
	rows := slices.Clone(rep.Breakdowns[shequ.ByChild])
	slices.SortStableFunc(rows, func(a, b shequ.IndicatorRow) int {
		if c := cmp.Compare(orgRateTotal(&b.Stats), orgRateTotal(&a.Stats)); c != 0 {
			return c
		}
		if c := cmp.Compare(workerCoverage(&b.Stats), workerCoverage(&a.Stats)); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return rows
}

// indicatorCode reads the node of the indicator endpoints: the path's
// {code}, or "" (the whole country) on the routes without one.
func indicatorCode(r *http.Request) (string, error) {
	code := r.PathValue("code")
	if code == "" {
		return "", nil
	}
	if err := shequ.ValidateDivisionCode(code); err != nil {
		return "", err
	}
	return code, nil
}

// indicatorReport reads the report of the request's node.
func (s *Server) indicatorReport(w http.ResponseWriter, r *http.Request) (*shequ.IndicatorReport, bool) {
	code, err := indicatorCode(r)
	return s.indicatorReportFor(w, r, code, err)
}

// indicatorReportFor reads the report of code after checking the
// permission; err is a problem with the code itself.
func (s *Server) indicatorReportFor(w http.ResponseWriter, r *http.Request, code string, err error) (*shequ.IndicatorReport, bool) {
	if _, ok := s.guardService(w, r, shequ.ActionIndicatorRead, s.cfg.Indicators != nil); !ok {
		return nil, false
	}
	if err == nil {
		var rep *shequ.IndicatorReport
		if rep, err = s.cfg.Indicators.IndicatorReport(r.Context(), code); err == nil {
			return rep, true
		}
	}
	s.error(w, r, err)
	return nil, false
}

// handleAPIIndicators serves GET /api/v1/indicators and
// GET /api/v1/indicators/{code}.
func (s *Server) handleAPIIndicators(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.indicatorReport(w, r)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.newIndicatorJSON(rep, s.localizer(r).T("divisions.country")))
}

// childrenJSON is the answer of GET /api/v1/indicators/{code}/children.
type childrenJSON struct {
	Division divisionJSONRef `json:"division"`
	Items    []rowJSON       `json:"items"`
}

// handleAPIIndicatorChildren serves GET /api/v1/indicators/{code}/children:
// the children ranked by org attainment rate, highest first.
func (s *Server) handleAPIIndicatorChildren(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.indicatorReport(w, r)
	if !ok {
		return
	}
	j := s.newIndicatorJSON(rep, s.localizer(r).T("divisions.country"))
	out := childrenJSON{Division: j.Division, Items: []rowJSON{}}
	for _, row := range rankedChildren(rep) {
		out.Items = append(out.Items, newRowJSON(&row))
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// gapJSON is one community missing a target.
type gapJSON struct {
	Community refJSON   `json:"community"`
	Path      []refJSON `json:"path"`
	Kind      string    `json:"kind"`
	Target    string    `json:"target"`
	Want      float64   `json:"want"`
	Have      int       `json:"have"`
	Shortfall float64   `json:"shortfall"`
}

func newGapJSON(g *shequ.GapRow) gapJSON {
	j := gapJSON{Community: refJSON{g.Community.Code, g.Community.Name}, Path: []refJSON{}, Kind: string(g.Kind),
		Target: string(g.Target), Want: g.Want, Have: g.Have, Shortfall: g.Want - float64(g.Have)}
	for _, p := range g.Path {
		j.Path = append(j.Path, refJSON{p.Code, p.Name})
	}
	return j
}

// gapTargets are the targets the gap lists cover, in display order.
var gapTargets = []shequ.TargetKey{shequ.TargetOrgsPerUrban, shequ.TargetOrgsPerRural, shequ.TargetWorkersPerCommu}

// handleAPIIndicatorGaps serves GET /api/v1/indicators/{code}/gaps: the
// communities under code that miss ?target=, the largest shortfall first.
func (s *Server) handleAPIIndicatorGaps(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionIndicatorRead, s.cfg.Indicators != nil); !ok {
		return
	}
	code, err := indicatorCode(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	q := r.URL.Query()
	var fe shequ.FieldErrors
	target := shequ.TargetKey(q.Get("target"))
	if !slices.Contains(gapTargets, target) {
		fe.Add("target", "target.key.invalid", "Unknown target.", nil)
	}
	limit, offset, err := parseLimitOffset(q, registerAPIDefaultLimit, registerAPIMaxLimit)
	if err != nil {
		fe = append(fe, shequ.AsError(err).Fields...)
	}
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	rows, total, err := s.cfg.Indicators.GapList(r.Context(), code, target, offset, limit)
	answerList(s, w, r, rows, total, err, newGapJSON)
}
