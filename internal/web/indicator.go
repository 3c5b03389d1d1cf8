package web

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"shequ"
	"shequ/internal/i18n"
)

// indicatorColumn is one figure of an indicator row. The page tables, the
// XLSX and the CSV exports all take their columns from indicatorColumns,
// so the three cannot disagree; the figures come from the domain's indicator
// registry, shequ.IndicatorDefs.
type indicatorColumn struct {
	Key   string                              // catalogue key of the header
	Int   func(*shequ.IndicatorStats) int     // a count, or
	Rate  func(*shequ.IndicatorStats) float64 // a fraction 0–1, shown as a percentage, or
	Value func(*shequ.IndicatorStats) float64 // another value, NaN for none
	Unit  string                              // catalogue key of Value's unit
	Group string                              // the module, "" the registers
	Def   shequ.IndicatorDef                  // the registry's entry
	// Sensitive counts people (the care module): 1 to 4 show as "<5" on
	// the pages and in the exports, where a small village's count could
	// point at a child (shequ.SuppressSmall).
	Sensitive bool
}

// suppressedCount is what a suppressed small count shows.
const suppressedCount = "<5"

var indicatorColumns = columnsOf(shequ.IndicatorDefs)

// columnsOf turns the registry into table columns.
func columnsOf(defs []shequ.IndicatorDef) []indicatorColumn {
	cols := make([]indicatorColumn, len(defs))
	for i, d := range defs {
		cols[i] = indicatorColumn{Key: "ind.col." + d.Key, Int: d.Count, Rate: d.Rate, Value: d.Value, Unit: d.Unit, Group: d.Group,
			Sensitive: d.Sensitive, Def: d}
	}
	return cols
}

// groupColumns returns the columns of one group.
func groupColumns(group string) []indicatorColumn {
	var out []indicatorColumn
	for _, c := range indicatorColumns {
		if c.Group == group {
			out = append(out, c)
		}
	}
	return out
}

// header is the column's heading, with its unit.
func (c indicatorColumn) header(l *i18n.Localizer) string {
	if c.Unit != "" {
		return l.T(c.Key) + l.T("ind.unit", map[string]any{"Unit": l.T(c.Unit)})
	}
	return l.T(c.Key)
}

// number is the column's value for a spreadsheet: int, fraction, or value
// (nil when there is none).
func (c indicatorColumn) number(st *shequ.IndicatorStats) any {
	if !c.Def.Defined(st) {
		return nil // a rate of nothing: an empty cell, not 0 %
	}
	switch {
	case c.Rate != nil:
		return c.Rate(st)
	case c.Value != nil:
		if v := c.Value(st); !math.IsNaN(v) {
			return v
		}
		return nil
	}
	if n := c.Int(st); c.Sensitive && shequ.SuppressSmall(n) {
		return suppressedCount
	}
	return c.Int(st)
}

// ratePct shows part/whole as a percentage, — when whole is 0: a rate of
// nothing is no 0.0%.
func ratePct(part, whole int) string {
	if whole == 0 {
		return "—"
	}
	return percent(shequ.Rate(part, whole))
}

// valueDecimals is how many decimals a value of unit shows: two for
// kilometres, stars, 万元 and people per community (0.75 km, 4.67 星, 23.00
// 万元, 0.04 人/社区), none for whole years (the median tenure), one
// otherwise.
func valueDecimals(unit string) int {
	switch unit {
	case "unit.km", "unit.stars", "unit.wan_yuan", "unit.per_community":
		return 2
	case "unit.years":
		return 0
	}
	return 1
}

// percent shows a fraction as a percentage with one decimal: 0.8333 → 83.3%.
func percent(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }

// cellText is a column's value as the page and the CSV show it.
func (c indicatorColumn) cellText(st *shequ.IndicatorStats, grouped bool) string {
	if !c.Def.Defined(st) {
		return "—" // 0/0 is no 0.0%
	}
	if c.Rate != nil {
		return percent(c.Rate(st))
	}
	if c.Value != nil {
		return strconv.FormatFloat(c.Value(st), 'f', valueDecimals(c.Def.UnitKey()), 64)
	}
	if c.Sensitive && shequ.SuppressSmall(c.Int(st)) {
		return suppressedCount
	}
	if grouped {
		return formatNumber(c.Int(st))
	}
	return strconv.Itoa(c.Int(st))
}

// indicatorRowView is one row of a breakdown table.
type indicatorRowView struct {
	Key   string
	Label string
	Href  string // drill-down link, for children
	Cells []string
	Stats *shequ.IndicatorStats
}

// breakdownView is one breakdown table.
type breakdownView struct {
	Name  string // the breakdown's identifier, used in DOM ids
	Label string
	Rows  []indicatorRowView
}

// kpiView is one KPI card.
type kpiView struct {
	ID, Label, Value, Detail, Target string
	Met                              bool
}

// trendView is one month of the trend table.
type trendView struct {
	Month                      string
	OrgRate, Coverage, Certify string
}

// gapView is one community of the gap list.
type gapView struct {
	Code, Name, Path, Target string
	Want                     string
	Have                     int
}

// gapCount is how many communities miss one target.
type gapCount struct {
	Label string
	Total int
	Shown int
}

// chartData is embedded in the page as JSON for the optional charts.
type chartData struct {
	Children struct {
		Names  []string  `json:"names"`
		Codes  []string  `json:"codes"`
		Urban  []float64 `json:"urban"`
		Rural  []float64 `json:"rural"`
		Total  []float64 `json:"total"`
		Labels []string  `json:"labels"`
	} `json:"children"`
	Trend struct {
		Months    []string  `json:"months"`
		OrgRate   []float64 `json:"org_rate"`
		Coverage  []float64 `json:"coverage"`
		Certified []float64 `json:"certified"`
		Labels    []string  `json:"labels"`
	} `json:"trend"`
}

// indicatorPage is the data of templates/indicators.html, and what the
// exports write: built once from one report.
type indicatorPage struct {
	Code       string
	Name       string
	Path       []shequ.DivisionRef
	Period     string
	AsOf       time.Time
	Headers    []string
	Group      string      // the group of figures shown ("" the registers)
	RankLabel  string      // the figure the children are ranked by
	RankIndex  int         // its column among Headers, -1 by name
	Groups     []groupLink // the groups there are, to switch
	Summary    indicatorRowView
	KPIs       []kpiView
	Targets    []kpiView // the targets stated: Label and Value
	Breakdowns []breakdownView
	Trend      []trendView
	Gaps       []gapView
	GapCounts  []gapCount
	Chart      chartData
	ExportXLSX string
	ExportCSV  string
	CanTargets bool
	report     *shequ.IndicatorReport
}

// gapPageLimit bounds the communities listed per target on the page,
// gapExportLimit in the XLSX export.
const (
	gapPageLimit   = 50
	gapExportLimit = 10000
)

// trendMonths is how many monthly snapshots the trend shows.
const trendMonths = 12

// breakdownRowLabel names a row of a breakdown in the user's language.
func breakdownRowLabel(l *i18n.Localizer, b shequ.Breakdown, row *shequ.IndicatorRow) string {
	if b == shequ.ByChild && row.Name != "" {
		return row.Name
	}
	if row.Key == "" {
		return l.T("value.unknown")
	}
	prefix := map[shequ.Breakdown]string{shequ.ByRegion: "region", shequ.ByKind: "kind", shequ.ByUrbanRural: "urban_rural",
		shequ.ByUrbanClass: "ind.urban_class", shequ.ByTownshipKind: "kind", shequ.ByTerrain: "terrain"}[b]
	if prefix != "" {
		if k := prefix + "." + row.Key; l.T(k) != k {
			return l.T(k)
		}
	}
	if row.Name != "" {
		return row.Name
	}
	return row.Key
}

// groupLink switches the dashboard to one group of figures.
type groupLink struct {
	Label, Href string
	Current     bool
}

func newRowView(l *i18n.Localizer, cols []indicatorColumn, b shequ.Breakdown, row *shequ.IndicatorRow) indicatorRowView {
	v := indicatorRowView{Key: row.Key, Label: breakdownRowLabel(l, b, row), Stats: &row.Stats}
	if b == shequ.ByChild && shequ.ValidateDivisionCode(row.Key) == nil {
		v.Href = "/indicators/" + row.Key
	}
	for _, c := range cols {
		v.Cells = append(v.Cells, c.cellText(&row.Stats, true))
	}
	return v
}

// targetText states a target in words: "每个城市社区不少于 10 个".
func targetText(l *i18n.Localizer, k shequ.TargetKey, v float64) string {
	return l.T("target.text."+string(k), map[string]any{"Value": strconv.FormatFloat(v, 'f', -1, 64)})
}

// buildIndicatorPage turns one report (and its gaps and trend) into what
// the dashboard and the exports show.
// The page shows the figures of one group (the query's "group"), the
// exports all of them.
func (s *Server) buildIndicatorPage(r *http.Request, rep *shequ.IndicatorReport, withExtras bool) (*indicatorPage, error) {
	l := s.localizer(r)
	ctx := r.Context()
	code := rep.Division.Code
	p := &indicatorPage{Code: code, Name: rep.Division.Name, Path: rep.Path, Period: rep.Period, AsOf: rep.AsOf, report: rep}
	if p.Name == "" && code == "" {
		p.Name = l.T("divisions.country")
	}
	if code == "" {
		p.ExportXLSX, p.ExportCSV = "/indicators.xlsx", "/indicators.csv"
	} else {
		p.ExportXLSX, p.ExportCSV = "/indicators/"+code+".xlsx", "/indicators/"+code+".csv"
	}
	cols := indicatorColumns
	if withExtras {
		p.Group = r.URL.Query().Get("group")
		if cols = groupColumns(p.Group); cols == nil {
			p.Group, cols = "", groupColumns("")
		}
		base := r.URL.Path
		for _, g := range shequ.IndicatorGroups() {
			href := base
			if g != "" {
				href += "?group=" + g
			}
			p.Groups = append(p.Groups, groupLink{Label: l.T("ind.group." + groupName(g)), Href: href, Current: g == p.Group})
		}
	}
	for _, c := range cols {
		p.Headers = append(p.Headers, c.header(l))
	}
	// The children are ranked by a figure the table shows (the group's).
	var rankBy indicatorColumn
	rankBy, p.RankIndex = rankColumn(cols)
	if p.RankIndex >= 0 {
		p.RankLabel = l.T(rankBy.Key)
	}
	st := &rep.Stats
	p.Summary = newRowView(l, cols, "", &shequ.IndicatorRow{Key: code, Name: p.Name, Stats: rep.Stats})
	p.Summary.Label = p.Name
	for _, k := range gapTargets {
		if v, ok := rep.Targets[k]; ok {
			p.Targets = append(p.Targets, kpiView{ID: string(k), Label: l.T("target." + string(k)), Value: strconv.FormatFloat(v, 'f', -1, 64),
				Detail: targetText(l, k, v)})
		}
	}
	p.KPIs = []kpiView{
		{ID: "kpi-org-urban", Label: l.T("ind.kpi.org_urban"), Value: ratePct(st.UrbanMeetingOrgTarget, st.Urban), Met: st.Urban > 0 && st.UrbanMeetingOrgTarget == st.Urban,
			Detail: l.T("ind.kpi.org_urban.detail", map[string]any{"Have": formatNumber(st.UrbanMeetingOrgTarget), "Of": formatNumber(st.Urban)}),
			Target: targetText(l, shequ.TargetOrgsPerUrban, rep.Targets[shequ.TargetOrgsPerUrban])},
		{ID: "kpi-org-rural", Label: l.T("ind.kpi.org_rural"), Value: ratePct(st.RuralMeetingOrgTarget, st.Rural), Met: st.Rural > 0 && st.RuralMeetingOrgTarget == st.Rural,
			Detail: l.T("ind.kpi.org_rural.detail", map[string]any{"Have": formatNumber(st.RuralMeetingOrgTarget), "Of": formatNumber(st.Rural)}),
			Target: targetText(l, shequ.TargetOrgsPerRural, rep.Targets[shequ.TargetOrgsPerRural])},
		{ID: "kpi-worker-coverage", Label: l.T("ind.kpi.worker_coverage"), Value: ratePct(st.CommunitiesWithWorkers, st.Communities),
			Met:    st.Communities > 0 && st.CommunitiesWithWorkers == st.Communities,
			Detail: l.T("ind.kpi.worker_coverage.detail", map[string]any{"Have": formatNumber(st.CommunitiesWithWorkers), "Of": formatNumber(st.Communities)}),
			Target: targetText(l, shequ.TargetWorkersPerCommu, rep.Targets[shequ.TargetWorkersPerCommu])},
		{ID: "kpi-certified", Label: l.T("ind.kpi.certified"), Value: ratePct(st.WorkersCertified, st.Workers),
			Detail: l.T("ind.kpi.certified.detail", map[string]any{"Have": formatNumber(st.WorkersCertified), "Of": formatNumber(st.Workers)})},
	}
	if p.Group != "" {
		// Another group's tab shows its own figures, not the registers'.
		p.KPIs = nil
		for _, c := range cols {
			if c.Rate != nil || c.Value != nil {
				p.KPIs = append(p.KPIs, kpiView{ID: "kpi-" + c.Def.Key, Label: c.header(l), Value: c.cellText(st, true)})
			}
		}
	}
	for _, b := range shequ.Breakdowns {
		rows, ok := rep.Breakdowns[b]
		if !ok {
			continue
		}
		bv := breakdownView{Name: string(b), Label: l.T("ind.breakdown." + string(b))}
		if b == shequ.ByChild {
			rows = rankedChildrenBy(rep, rankBy)
		}
		for i := range rows {
			bv.Rows = append(bv.Rows, newRowView(l, cols, b, &rows[i]))
		}
		p.Breakdowns = append(p.Breakdowns, bv)
		if b == shequ.ByChild {
			cd := &p.Chart.Children
			cd.Labels = []string{l.T("ind.col.urban_rate"), l.T("ind.col.rural_rate"), l.T("ind.col.total_rate")}
			for i := range rows {
				rs := &rows[i].Stats
				cd.Names = append(cd.Names, bv.Rows[i].Label)
				cd.Codes = append(cd.Codes, rows[i].Key)
				cd.Urban = append(cd.Urban, round1(orgRateUrban(rs)))
				cd.Rural = append(cd.Rural, round1(orgRateRural(rs)))
				cd.Total = append(cd.Total, round1(orgRateTotal(rs)))
			}
		}
	}
	var err error
	limit := gapExportLimit
	if withExtras {
		limit = gapPageLimit
	}
	if p.Gaps, p.GapCounts, err = s.gapViews(r, l, code, limit); err != nil {
		return nil, err
	}
	if withExtras {
		snaps, err := s.cfg.Indicators.Trend(ctx, code, trendMonths)
		if err != nil {
			return nil, err
		}
		td := &p.Chart.Trend
		td.Labels = []string{l.T("ind.col.total_rate"), l.T("ind.col.coverage"), l.T("ind.col.certified_share")}
		for _, sn := range snaps {
			ss := &sn.Stats
			p.Trend = append(p.Trend, trendView{Month: sn.Month, OrgRate: percent(orgRateTotal(ss)),
				Coverage: percent(workerCoverage(ss)), Certify: percent(certifiedShare(ss))})
			td.Months = append(td.Months, sn.Month)
			td.OrgRate = append(td.OrgRate, round1(orgRateTotal(ss)))
			td.Coverage = append(td.Coverage, round1(workerCoverage(ss)))
			td.Certified = append(td.Certified, round1(certifiedShare(ss)))
		}
	}
	return p, nil
}

// rankKeys are the figures each group ranks the children by; a group
// without one ranks by its first rate.
var rankKeys = map[string]string{"": "org_rate", "facilities": "fac_radius_coverage", "services": "svc_on_time",
	"linkage": "lk_fulfilment_rate"}

// rankColumn picks the ranking figure among cols and its index (-1 and
// the zero column when cols has no rate: the children then go by name).
func rankColumn(cols []indicatorColumn) (indicatorColumn, int) {
	if len(cols) == 0 {
		return indicatorColumn{}, -1
	}
	want := rankKeys[cols[0].Group]
	first := -1
	for i, c := range cols {
		if c.Def.Key == want {
			return c, i
		}
		if first < 0 && c.Rate != nil {
			first = i
		}
	}
	if first < 0 {
		return indicatorColumn{}, -1
	}
	return cols[first], first
}

// rankedChildrenBy returns the children rows by the figure c, highest
// first, those without a value (a rate of nothing) last, then by code;
// with no figure, by code.
func rankedChildrenBy(rep *shequ.IndicatorReport, c indicatorColumn) []shequ.IndicatorRow {
	rows := slices.Clone(rep.Breakdowns[shequ.ByChild])
	value := func(st *shequ.IndicatorStats) (float64, bool) {
		switch {
		case c.Rate == nil && c.Value == nil && c.Int == nil, !c.Def.Defined(st):
			return 0, false
		case c.Rate != nil:
			return c.Rate(st), true
		case c.Value != nil:
			return c.Value(st), true
		}
		return float64(c.Int(st)), true
	}
	slices.SortStableFunc(rows, func(a, b shequ.IndicatorRow) int {
		va, oka := value(&a.Stats)
		vb, okb := value(&b.Stats)
		switch {
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		case oka && va != vb:
			return cmp.Compare(vb, va)
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return rows
}

// groupName is the catalogue suffix of a group: "registers" for "".
func groupName(g string) string {
	if g == "" {
		return "registers"
	}
	return g
}

// round1 turns a fraction into a percentage with one decimal, for charts.
func round1(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f*100, 'f', 1, 64), 64)
	return v
}

// gapViews lists up to limit communities per target that miss it.
func (s *Server) gapViews(r *http.Request, l *i18n.Localizer, code string, limit int) ([]gapView, []gapCount, error) {
	var out []gapView
	var counts []gapCount
	for _, k := range gapTargets {
		rows, total, err := s.cfg.Indicators.GapList(r.Context(), code, k, 0, limit)
		if err != nil {
			return nil, nil, err
		}
		counts = append(counts, gapCount{Label: l.T("target." + string(k)), Total: total, Shown: len(rows)})
		for _, g := range rows {
			var names []string
			for _, p := range g.Path {
				names = append(names, p.Name)
			}
			out = append(out, gapView{Code: g.Community.Code, Name: g.Community.Name, Path: strings.Join(names, " › "),
				Target: l.T("target." + string(g.Target)), Want: strconv.FormatFloat(g.Want, 'f', -1, 64), Have: g.Have})
		}
	}
	return out, counts, nil
}

// handleIndicatorIndex serves GET /indicators: the dashboard of the
// actor's scope (the whole country for a national account).
func (s *Server) handleIndicatorIndex(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionIndicatorRead, s.cfg.Indicators != nil)
	if !ok {
		return
	}
	if a.Scope != "" {
		http.Redirect(w, r, "/indicators/"+a.Scope, http.StatusSeeOther)
		return
	}
	s.indicatorDashboard(w, r, "", nil)
}

// handleIndicatorShow serves GET /indicators/{code}, and its exports
// /indicators/{code}.xlsx and .csv (one path segment, so one route).
func (s *Server) handleIndicatorShow(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	for ext, export := range map[string]func(http.ResponseWriter, *http.Request, *indicatorPage){
		".xlsx": s.writeIndicatorXLSX, ".csv": s.writeIndicatorCSV} {
		if c, ok := strings.CutSuffix(code, ext); ok {
			s.indicatorExport(w, r, c, shequ.ValidateDivisionCode(c), export)
			return
		}
	}
	s.indicatorDashboard(w, r, code, shequ.ValidateDivisionCode(code))
}

// handleIndicatorCountryXLSX and handleIndicatorCountryCSV export the
// whole country.
func (s *Server) handleIndicatorCountryXLSX(w http.ResponseWriter, r *http.Request) {
	s.indicatorExport(w, r, "", nil, s.writeIndicatorXLSX)
}

// handleIndicatorCountryCSV serves GET /indicators.csv.
func (s *Server) handleIndicatorCountryCSV(w http.ResponseWriter, r *http.Request) {
	s.indicatorExport(w, r, "", nil, s.writeIndicatorCSV)
}

func (s *Server) indicatorDashboard(w http.ResponseWriter, r *http.Request, code string, codeErr error) {
	rep, ok := s.indicatorReportFor(w, r, code, codeErr)
	if !ok {
		return
	}
	p, err := s.buildIndicatorPage(r, rep, true)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p.CanTargets = shequ.ActorFrom(r.Context()).Can(shequ.ActionTargetWrite)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "indicators", s.localizer(r).T("ind.title", map[string]any{"Name": p.Name}), p)
}

func (s *Server) indicatorExport(w http.ResponseWriter, r *http.Request, code string, codeErr error,
	export func(http.ResponseWriter, *http.Request, *indicatorPage)) {
	rep, ok := s.indicatorReportFor(w, r, code, codeErr)
	if !ok {
		return
	}
	p, err := s.buildIndicatorPage(r, rep, false)
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	export(w, r, p)
}

// exportName is the download's file name, ASCII and UTF-8 forms.
func exportName(p *indicatorPage, ext string) string {
	base := "indicators"
	if p.Code != "" {
		base += "-" + p.Code
	}
	return fmt.Sprintf(`attachment; filename="%s.%s"`, base, ext)
}
