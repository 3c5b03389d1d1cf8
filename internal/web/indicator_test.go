package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"shequ"
	"shequ/internal/mock"
)

func stats(urban, rural, urbanMeet, ruralMeet, workers, certified, covered int) shequ.IndicatorStats {
	return shequ.IndicatorStats{Communities: urban + rural, Urban: urban, Rural: rural,
		Orgs: urbanMeet*10 + ruralMeet*5 + 3, OrgsActive: urbanMeet*10 + ruralMeet*5,
		OrgsByKind:            map[shequ.OrgKind]int{shequ.OrgCharity: urbanMeet*10 + ruralMeet*5},
		OrgsByStatus:          map[shequ.OrgStatus]int{shequ.OrgActive: urbanMeet*10 + ruralMeet*5, shequ.OrgDormant: 3},
		UrbanMeetingOrgTarget: urbanMeet, RuralMeetingOrgTarget: ruralMeet,
		Workers: workers, WorkersCertified: certified,
		WorkersByQual: map[shequ.Qualification]int{shequ.QualNone: workers - certified, shequ.QualAssistant: certified},
		WorkersByEdu:  map[shequ.Education]int{shequ.EduBachelor: workers}, CommunitiesWithWorkers: covered}
}

// anjiReport is the report of 安吉县 the mock returns: three townships.
func anjiReport() *shequ.IndicatorReport {
	return &shequ.IndicatorReport{
		Division: shequ.DivisionRef{Code: "330523", Name: "安吉县"}, Level: shequ.LevelCounty,
		Path:   []shequ.DivisionRef{{Code: "33", Name: "浙江省"}, {Code: "3305", Name: "湖州市"}},
		Period: shequ.DefaultPeriod, Targets: shequ.Targets(shequ.PlanTargets),
		Stats: stats(6, 12, 4, 3, 20, 5, 12),
		Breakdowns: map[shequ.Breakdown][]shequ.IndicatorRow{
			shequ.ByChild: {
				{Key: "330523001", Name: "递铺街道", Stats: stats(4, 2, 2, 0, 10, 3, 5)}, // 2/6
				{Key: "330523100", Name: "孝丰镇", Stats: stats(2, 6, 2, 3, 8, 2, 6)},   // 5/8
				{Key: "330523200", Name: "杭垓乡", Stats: stats(0, 4, 0, 0, 2, 0, 1)},   // 0/4
			},
			shequ.ByKind:       {{Key: "urban", Stats: stats(6, 0, 4, 0, 12, 3, 6)}, {Key: "rural", Stats: stats(0, 12, 0, 3, 8, 2, 6)}},
			shequ.ByUrbanClass: {{Key: "peri_urban", Stats: stats(2, 3, 1, 1, 4, 1, 3)}, {Key: "", Stats: stats(4, 9, 3, 2, 16, 4, 9)}},
		},
		AsOf: testNow,
	}
}

func anjiGaps() map[shequ.TargetKey][]*shequ.GapRow {
	path := []shequ.DivisionRef{{Code: "33", Name: "浙江省"}, {Code: "3305", Name: "湖州市"}, {Code: "330523", Name: "安吉县"}, {Code: "330523001", Name: "递铺街道"}}
	return map[shequ.TargetKey][]*shequ.GapRow{
		shequ.TargetOrgsPerUrban: {{Community: shequ.DivisionRef{Code: "330523001002", Name: "苕秀社区居委会"}, Path: path,
			Kind: shequ.KindUrban, Target: shequ.TargetOrgsPerUrban, Want: 10, Have: 9}},
		shequ.TargetOrgsPerRural: {{Community: shequ.DivisionRef{Code: "330523001201", Name: "马家村"}, Path: path,
			Kind: shequ.KindRural, Target: shequ.TargetOrgsPerRural, Want: 5, Have: 1}},
	}
}

type gapCall struct {
	Code          string
	Target        shequ.TargetKey
	Offset, Limit int
}

func newIndicatorServer(t *testing.T, calls *[]gapCall) (*testServer, *identity) {
	t.Helper()
	ind := &mock.IndicatorService{
		IndicatorReportFn: func(_ context.Context, code string) (*shequ.IndicatorReport, error) {
			if code != "330523" {
				return nil, shequ.ErrNotFound
			}
			return anjiReport(), nil
		},
		GapListFn: func(_ context.Context, code string, k shequ.TargetKey, off, lim int) ([]*shequ.GapRow, int, error) {
			if calls != nil {
				*calls = append(*calls, gapCall{code, k, off, lim})
			}
			rows := anjiGaps()[k]
			return rows, len(rows) * 7, nil
		},
		TrendFn: func(_ context.Context, code string, months int) ([]*shequ.IndicatorSnapshot, error) {
			return []*shequ.IndicatorSnapshot{{Division: code, Month: "2026-10", Stats: stats(6, 12, 3, 3, 18, 4, 11)},
				{Division: code, Month: "2026-11", Stats: anjiReport().Stats}}, nil
		},
	}
	return newIdentityServer(t, nil, func(c *Config) { c.Indicators = ind })
}

func TestAPIIndicatorShape(t *testing.T) {
	s, id := newIndicatorServer(t, nil)
	w := s.get(t, "/api/v1/indicators/330523", "Cookie", id.session("official"))
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var got struct {
		Division    map[string]string   `json:"division"`
		Path        []map[string]string `json:"path"`
		Period      string              `json:"period"`
		AsOf        string              `json:"as_of"`
		Targets     map[string]float64  `json:"targets"`
		Communities map[string]int      `json:"communities"`
		SocialOrgs  struct {
			Total, Active int
			ByKind        map[string]int     `json:"by_kind"`
			ByStatus      map[string]int     `json:"by_status"`
			Meeting       map[string]int     `json:"communities_meeting_target"`
			Rate          map[string]float64 `json:"attainment_rate"`
		} `json:"social_orgs"`
		SocialWorkers struct {
			Total, Certified int
			Share            float64        `json:"certified_share"`
			ByQual           map[string]int `json:"by_qualification"`
			Covered          int            `json:"communities_covered"`
			Coverage         float64        `json:"coverage_rate"`
		} `json:"social_workers"`
		Breakdowns map[string][]map[string]any `json:"breakdowns"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"code": "330523", "name": "安吉县", "level": "county"}, got.Division); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff(map[string]int{"total": 18, "urban": 6, "rural": 12, "other": 0}, got.Communities); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff(map[string]int{"urban": 4, "rural": 3, "total": 7}, got.SocialOrgs.Meeting); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff(map[string]float64{"urban": 4.0 / 6, "rural": 3.0 / 12, "total": 7.0 / 18}, got.SocialOrgs.Rate); diff != "" {
		t.Error(diff)
	}
	if got.SocialOrgs.ByKind["charity"] != 55 || got.SocialOrgs.ByKind["elderly_care"] != 0 || got.SocialOrgs.ByStatus["dormant"] != 3 {
		t.Errorf("orgs %+v", got.SocialOrgs)
	}
	if got.SocialWorkers.Total != 20 || got.SocialWorkers.Share != 0.25 || got.SocialWorkers.Coverage != 12.0/18 ||
		got.SocialWorkers.ByQual["assistant"] != 5 || got.SocialWorkers.Covered != 12 {
		t.Errorf("workers %+v", got.SocialWorkers)
	}
	if got.Targets["orgs_per_urban_community"] != 10 || got.Period != "2016-2020" || got.AsOf != "2026-11-29T06:00:00Z" || len(got.Path) != 2 {
		t.Errorf("%+v", got)
	}
	if len(got.Breakdowns["children"]) != 3 || got.Breakdowns["children"][0]["key"] != "330523001" ||
		got.Breakdowns["urban_rural_class"][0]["social_orgs"] == nil {
		t.Errorf("breakdowns %v", got.Breakdowns)
	}
	if w := s.get(t, "/api/v1/indicators/110105", "Cookie", id.session("official")); w.Code != 404 {
		t.Errorf("out of scope: %d", w.Code)
	}
	if w := s.get(t, "/api/v1/indicators/33x", "Cookie", id.session("official")); w.Code != 400 {
		t.Errorf("bad code: %d", w.Code)
	}
	if w := s.get(t, "/api/v1/indicators/330523", "Cookie", id.session("auditor")); w.Code != 403 {
		t.Errorf("auditor: %d", w.Code)
	}
}

func TestAPIIndicatorChildrenRanked(t *testing.T) {
	s, id := newIndicatorServer(t, nil)
	m := s.json(t, http.MethodGet, "/api/v1/indicators/330523/children", "", "Cookie", id.session("official"))
	var codes []string
	for _, it := range m["items"].([]any) {
		codes = append(codes, it.(map[string]any)["key"].(string))
	}
	if diff := cmp.Diff([]string{"330523100", "330523001", "330523200"}, codes); diff != "" {
		t.Errorf("ranking (-want +got):\n%s", diff)
	}
}

func TestAPIIndicatorGaps(t *testing.T) {
	var calls []gapCall
	s, id := newIndicatorServer(t, &calls)
	m := s.json(t, http.MethodGet, "/api/v1/indicators/330523/gaps?target=orgs_per_rural_community&limit=10&offset=20", "",
		"Cookie", id.session("official"))
	items := m["items"].([]any)
	if m["total"] != 7.0 || len(items) != 1 {
		t.Fatalf("%v", m)
	}
	g := items[0].(map[string]any)
	if g["community"].(map[string]any)["code"] != "330523001201" || g["want"] != 5.0 || g["have"] != 1.0 || g["shortfall"] != 4.0 {
		t.Errorf("%v", g)
	}
	if diff := cmp.Diff([]gapCall{{"330523", shequ.TargetOrgsPerRural, 20, 10}}, calls); diff != "" {
		t.Error(diff)
	}
	if m := s.json(t, http.MethodGet, "/api/v1/indicators/330523/gaps?target=x", "", "Cookie", id.session("official")); m["_status"] != 400.0 {
		t.Errorf("%v", m)
	}
}

func TestIndicatorDashboard(t *testing.T) {
	s, id := newIndicatorServer(t, nil)
	w := s.get(t, "/indicators/330523", "Cookie", id.session("official"))
	body := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("%d\n%s", w.Code, body)
	}
	for _, want := range []string{`id="kpi-org-urban"`, `data-value="66.7%"`, `id="kpi-org-rural"`, `data-value="25.0%"`,
		`id="kpi-worker-coverage"`, `id="kpi-certified"`, `id="gap-list"`, `<tr data-code="330523001002">`,
		`<a href="/divisions/330523001201">马家村</a>`, `id="export-xlsx" href="/indicators/330523.xlsx"`,
		`id="export-csv" href="/indicators/330523.csv"`, `id="children-chart"`, `id="breakdown-children"`,
		`id="breakdown-community_kind"`, `id="breakdown-urban_rural_class"`, "城乡接合部", `href="/indicators/330523100"`,
		"每个城市社区不少于 10 个社区社会组织", `id="trend-table"`, "2026-10", `id="indicator-chart-data"`, "echarts.min.js",
		`id="nav-indicators"`, `id="nav-targets"`} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	// The ranked children table: 孝丰镇 first.
	if i, j := strings.Index(body, ">孝丰镇<"), strings.Index(body, ">递铺街道<"); i < 0 || j < 0 || i > j {
		t.Errorf("children not ranked: %d %d", i, j)
	}
	// A worker sees the dashboard but not the targets link in the nav.
	w = s.get(t, "/indicators", "Cookie", id.session("official"))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/indicators/330523" {
		t.Errorf("index: %d %s", w.Code, w.Header().Get("Location"))
	}
}

func TestIndicatorXLSXEqualsReport(t *testing.T) {
	s, id := newIndicatorServer(t, nil)
	w := s.get(t, "/indicators/330523.xlsx", "Cookie", id.session("official"))
	if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Disposition"), "indicators-330523.xlsx") {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	f, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if diff := cmp.Diff([]string{"概况", "下级区划", "按社区类型", "城乡接合部与纯农村", "差距清单"}, sheets); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	rows, err := f.GetRows("概况")
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]string{}
	for _, r := range rows {
		if len(r) >= 2 {
			vals[r[0]] = r[1]
		}
	}
	rep := anjiReport()
	want := map[string]string{"社区数": "18", "城市社区": "6", "达标城市社区": "4", "城市社区达标率": percent(4.0 / 6),
		"农村社区达标率": percent(0.25), "社会工作者": "20", "持证比例": percent(certifiedShare(&rep.Stats)),
		"社会工作者覆盖率": percent(workerCoverage(&rep.Stats)), "城市社区社会组织数": "10", "农村社区社会组织数": "5", "区划代码": "330523"}
	for k, v := range want {
		if vals[k] != v {
			t.Errorf("summary %s = %q, want %q", k, vals[k], v)
		}
	}
	if !strings.Contains(rows[0][0], "安吉县") {
		t.Errorf("title %v", rows[0])
	}
	gaps, _ := f.GetRows("差距清单")
	if len(gaps) != 3 || gaps[1][1] != "330523001002" || gaps[2][5] != "1" {
		t.Errorf("gaps %v", gaps)
	}
	children, _ := f.GetRows("下级区划")
	if len(children) != 4 || children[1][0] != "孝丰镇" || children[0][2] != "社区数" {
		t.Errorf("children %v", children)
	}
}

func TestIndicatorCSV(t *testing.T) {
	s, id := newIndicatorServer(t, nil)
	w := s.get(t, "/indicators/330523.csv", "Cookie", id.session("official"))
	b := w.Body.String()
	if w.Code != 200 || !strings.HasPrefix(b, "\ufeff名称,代码,社区数") || !strings.Contains(b, "安吉县,330523,18,6,12") ||
		!strings.Contains(b, "孝丰镇,330523100,8") || !strings.Contains(w.Header().Get("Content-Type"), "text/csv") {
		t.Errorf("%d\n%s", w.Code, b)
	}
	if lines := strings.Count(b, "\n"); lines != 5 {
		t.Errorf("%d lines", lines)
	}
}

func TestTargetsPage(t *testing.T) {
	var set []*shequ.Target
	tg := &mock.TargetService{
		EffectiveTargetsFn: func(_ context.Context, code, period string) (shequ.Targets, error) {
			return shequ.Targets{shequ.TargetOrgsPerUrban: 12, shequ.TargetOrgsPerRural: 5, shequ.TargetWorkersPerCommu: 1}, nil
		},
		FindTargetsFn: func(_ context.Context, period string) ([]*shequ.Target, error) {
			return []*shequ.Target{{Scope: "33", Key: shequ.TargetOrgsPerUrban, Value: 12}, {Scope: "330523", Key: shequ.TargetOrgsPerUrban, Value: 12, SetAt: testNow}}, nil
		},
		SetTargetFn: func(_ context.Context, t *shequ.Target) error {
			if t.Value < 12 {
				e := shequ.Errorf(shequ.EInvalid, "error.invalid_fields", "below")
				e.Fields = []shequ.FieldError{{Field: "value", Key: "target.value.invalid", Message: "below"}}
				return e
			}
			set = append(set, t)
			return nil
		},
	}
	s, id := newIdentityServer(t, nil, func(c *Config) { c.Targets = tg })
	w := s.get(t, "/targets", "Cookie", id.session("official"))
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, `id="targets-local"`) || !strings.Contains(body, `data-scope="330523"`) ||
		strings.Contains(body, `data-scope="33"`) || !strings.Contains(body, "每个城市社区不少于 12 个") || !strings.Contains(body, `id="target-form"`) {
		t.Errorf("%d\n%s", w.Code, body)
	}
	w = s.form(t, "/targets", map[string][]string{"scope": {"330523001"}, "key": {"orgs_per_urban_community"}, "value": {"8"}}, "Cookie", id.session("official"))
	if w.Code != 400 || !strings.Contains(w.Body.String(), `id="target-value-error"`) {
		t.Errorf("%d\n%s", w.Code, w.Body)
	}
	w = s.form(t, "/targets", map[string][]string{"scope": {"11"}, "key": {"orgs_per_urban_community"}, "value": {"20"}}, "Cookie", id.session("official"))
	if w.Code != 400 || !strings.Contains(w.Body.String(), `id="target-scope-error"`) {
		t.Errorf("out of scope %d", w.Code)
	}
	w = s.form(t, "/targets", map[string][]string{"scope": {"330523001"}, "key": {"orgs_per_urban_community"}, "value": {"15"}}, "Cookie", id.session("official"))
	if w.Code != http.StatusSeeOther || len(set) != 1 || set[0].Scope != "330523001" || set[0].SetBy != "u-official" {
		t.Errorf("%d %+v", w.Code, set)
	}
	// A community worker reads the targets but has no form.
	if w := s.get(t, "/targets", "Cookie", id.session("worker")); strings.Contains(w.Body.String(), `id="target-form"`) {
		t.Error("form shown to a worker")
	}
}
