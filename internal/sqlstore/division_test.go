package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

// fixture is a slice of the Anji county (安吉县) tree with some synthetic
// names for search ranking, and a second province.
var fixture = [][2]string{
	{"11", "北京市"},
	{"33", "浙江省"},
	{"3305", "湖州市"},
	{"330523", "安吉县"},
	{"330523001", "递铺街道"},
	{"330523001002", "苕秀社区居委会"},
	{"330523001205", "康山村委会"},
	{"330523001210", "湖州"},       // synthetic: exact match for 湖州
	{"330523001211", "南湖州村委会"},   // synthetic: contains 湖州
	{"330523001212", "湖州路社区居委会"}, // synthetic: starts with 湖州
	{"330523001248", "安城村委会"},
	{"330523002", "昌硕街道"},
	{"330523003", "灵峰街道"},
}

// divisionsOf builds derived divisions from code/name pairs.
func divisionsOf(pairs ...[2]string) []*shequ.Division {
	out := make([]*shequ.Division, len(pairs))
	for i, p := range pairs {
		d := &shequ.Division{Code: p[0], Name: p[1]}
		d.Derive()
		out[i] = d
	}
	return out
}

// mustImport imports rows with all columns, atomically, or fails the test.
func mustImport(tb testing.TB, db *DB, rows []*shequ.Division) {
	tb.Helper()
	err := NewDivisionService(db).ImportDivisions(context.Background(), rows,
		shequ.DivisionColumns{Name: true, UrbanRural: true, Terrain: true, Population: true, Households: true, LatLng: true},
		shequ.DivisionImportOptions{Atomic: true})
	if err != nil {
		tb.Fatalf("import: %v", err)
	}
}

// codes returns the codes of divisions, for compact comparisons.
func codes(divs []*shequ.Division) []string {
	out := make([]string, len(divs))
	for i, d := range divs {
		out[i] = d.Code
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// ref builds a path element.
func ref(code, name string) shequ.DivisionRef { return shequ.DivisionRef{Code: code, Name: name} }

func TestFindDivisionByCode(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		rows := divisionsOf(fixture...)
		rows[5].UrbanRural = ptr(shequ.UrbanRural("111"))
		rows[5].Terrain = ptr(shequ.TerrainHill)
		rows[5].Population, rows[5].Households = ptr(int64(5230)), ptr(int64(1980))
		rows[5].Lat, rows[5].Lng = ptr(30.6386), ptr(119.6803)
		mustImport(t, db, rows)
		s := NewDivisionService(db)

		got, err := s.FindDivisionByCode(ctx, "330523001002")
		if err != nil {
			t.Fatal(err)
		}
		want := &shequ.Division{
			Code: "330523001002", Name: "苕秀社区居委会", Level: shequ.LevelCommunity, ParentCode: "330523001",
			Kind: shequ.KindUrban, Region: shequ.RegionEast,
			UrbanRural: ptr(shequ.UrbanRural("111")), Terrain: ptr(shequ.TerrainHill),
			Population: ptr(int64(5230)), Households: ptr(int64(1980)), Lat: ptr(30.6386), Lng: ptr(119.6803),
			Path: []shequ.DivisionRef{ref("33", "浙江省"), ref("3305", "湖州市"), ref("330523", "安吉县"), ref("330523001", "递铺街道")},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("FindDivisionByCode (-want +got):\n%s", diff)
		}

		prov, err := s.FindDivisionByCode(ctx, "33")
		if err != nil {
			t.Fatal(err)
		}
		if prov.ParentCode != "" || prov.ChildrenCount != 1 || len(prov.Path) != 0 || prov.Population != nil {
			t.Errorf("province = %+v", prov)
		}
		town, err := s.FindDivisionByCode(ctx, "330523001")
		if err != nil {
			t.Fatal(err)
		}
		if town.ChildrenCount != 6 || town.Kind != shequ.KindSubdistrict {
			t.Errorf("township = %+v, want 6 children, subdistrict", town)
		}

		for _, code := range []string{"", "3", "33052300100", "33x5", "00"} {
			_, err := s.FindDivisionByCode(ctx, code)
			wantError(t, err, shequ.EInvalid, "division.code.malformed")
		}
		_, err = s.FindDivisionByCode(ctx, "330524")
		wantError(t, err, shequ.ENotFound, "division.not_found")
	})
}

func TestFindDivisionChildren(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustImport(t, db, divisionsOf(fixture...))
		s := NewDivisionService(db)

		provs, total, err := s.FindDivisionChildren(ctx, "", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || !cmp.Equal(codes(provs), []string{"11", "33"}) {
			t.Errorf("provinces = %v (total %d)", codes(provs), total)
		}
		if provs[0].ChildrenCount != 0 || provs[1].ChildrenCount != 1 {
			t.Errorf("province children counts = %d, %d", provs[0].ChildrenCount, provs[1].ChildrenCount)
		}

		towns, total, err := s.FindDivisionChildren(ctx, "330523", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || !cmp.Equal(codes(towns), []string{"330523001", "330523002", "330523003"}) {
			t.Errorf("townships = %v (total %d)", codes(towns), total)
		}
		if towns[0].ChildrenCount != 6 || towns[1].ChildrenCount != 0 {
			t.Errorf("township children counts = %d, %d", towns[0].ChildrenCount, towns[1].ChildrenCount)
		}
		if towns[0].Path != nil {
			t.Errorf("children carry no Path, got %v", towns[0].Path)
		}

		// Paging: the total does not depend on the page.
		page, total, err := s.FindDivisionChildren(ctx, "330523001", 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		if total != 6 || !cmp.Equal(codes(page), []string{"330523001210", "330523001211", "330523001212"}) {
			t.Errorf("page = %v (total %d)", codes(page), total)
		}
		page, total, err = s.FindDivisionChildren(ctx, "330523001", -5, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if total != 6 || len(page) != 6 {
			t.Errorf("clamped page = %v (total %d)", codes(page), total)
		}
		page, total, err = s.FindDivisionChildren(ctx, "330523001", 100, 10)
		if err != nil || total != 6 || len(page) != 0 {
			t.Errorf("page past the end = %v, %d, %v", codes(page), total, err)
		}

		// A leaf has no children; it is not an error.
		leaf, total, err := s.FindDivisionChildren(ctx, "330523001002", 0, 10)
		if err != nil || total != 0 || leaf == nil || len(leaf) != 0 {
			t.Errorf("leaf children = %v, %d, %v", leaf, total, err)
		}
		_, _, err = s.FindDivisionChildren(ctx, "330599", 0, 10)
		wantError(t, err, shequ.ENotFound, "division.not_found")
		_, _, err = s.FindDivisionChildren(ctx, "33x", 0, 10)
		wantError(t, err, shequ.EInvalid, "division.code.malformed")
	})
}

func TestFindDivisionChildrenLimit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		pairs := [][2]string{{"33", "浙江省"}, {"3305", "湖州市"}, {"330523", "安吉县"}, {"330523001", "递铺街道"}}
		for i := 1; i <= 600; i++ {
			pairs = append(pairs, [2]string{fmt.Sprintf("330523001%03d", i%1000), fmt.Sprintf("社区%d", i)})
		}
		mustImport(t, db, divisionsOf(pairs[:len(pairs)-1]...)) // 599 children
		s := NewDivisionService(db)
		page, total, err := s.FindDivisionChildren(ctx, "330523001", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if total != 599 || len(page) != defaultChildrenLimit {
			t.Errorf("default limit: %d rows of %d", len(page), total)
		}
		page, _, err = s.FindDivisionChildren(ctx, "330523001", 0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != maxChildrenLimit {
			t.Errorf("max limit: %d rows", len(page))
		}
	})
}

func TestSearchDivisions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustImport(t, db, divisionsOf(fixture...))
		s := NewDivisionService(db)

		// Exact name first, then prefixes by level, then substrings.
		got, err := s.SearchDivisions(ctx, "  湖州 ", 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"330523001210", "3305", "330523001212", "330523001211"}
		if diff := cmp.Diff(want, codes(got)); diff != "" {
			t.Errorf("search 湖州 (-want +got):\n%s", diff)
		}
		wantPath := []shequ.DivisionRef{ref("33", "浙江省"), ref("3305", "湖州市"), ref("330523", "安吉县"), ref("330523001", "递铺街道")}
		if diff := cmp.Diff(wantPath, got[0].Path); diff != "" {
			t.Errorf("path of first result (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]shequ.DivisionRef{ref("33", "浙江省")}, got[1].Path); diff != "" {
			t.Errorf("path of 湖州市 (-want +got):\n%s", diff)
		}

		// Same rank: higher level first, then code.
		got, err = s.SearchDivisions(ctx, "街道", 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"330523001", "330523002", "330523003"}, codes(got)); diff != "" {
			t.Errorf("search 街道 (-want +got):\n%s", diff)
		}
		got, err = s.SearchDivisions(ctx, "安", 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"330523", "330523001248"}, codes(got)); diff != "" {
			t.Errorf("search 安 (-want +got):\n%s", diff)
		}

		got, err = s.SearchDivisions(ctx, "委会", 2)
		if err != nil || len(got) != 2 {
			t.Errorf("limit 2: %v, %v", codes(got), err)
		}
		got, err = s.SearchDivisions(ctx, "不存在", 0)
		if err != nil || len(got) != 0 {
			t.Errorf("no match: %v, %v", codes(got), err)
		}
		// LIKE wildcards are plain characters here.
		got, err = s.SearchDivisions(ctx, "%", 0)
		if err != nil || len(got) != 0 {
			t.Errorf("search %%: %v, %v", codes(got), err)
		}

		for _, q := range []string{"", "   ", "\t\n"} {
			_, err := s.SearchDivisions(ctx, q, 0)
			wantError(t, err, shequ.EInvalid, "division.search.empty")
		}
	})
}

func TestFindExistingDivisionCodes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustImport(t, db, divisionsOf(fixture...))
		s := NewDivisionService(db)
		// More than one IN batch, with duplicates.
		var ask []string
		for i := 0; i < 1200; i++ {
			ask = append(ask, fmt.Sprintf("330523%03d", i))
		}
		ask = append(ask, "33", "33", "11", "12", "330523001002")
		got, err := s.FindExistingDivisionCodes(ctx, ask)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"33": true, "11": true, "330523001": true, "330523002": true,
			"330523003": true, "330523001002": true}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("FindExistingDivisionCodes (-want +got):\n%s", diff)
		}
		got, err = s.FindExistingDivisionCodes(ctx, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("no codes: %v, %v", got, err)
		}
	})
}

func TestCountDivisions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewDivisionService(db)
		got, err := s.CountDivisions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		zero := map[shequ.Level]int{shequ.LevelProvince: 0, shequ.LevelCity: 0, shequ.LevelCounty: 0,
			shequ.LevelTownship: 0, shequ.LevelCommunity: 0}
		if diff := cmp.Diff(zero, got); diff != "" {
			t.Errorf("empty (-want +got):\n%s", diff)
		}
		mustImport(t, db, divisionsOf(fixture...))
		got, err = s.CountDivisions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[shequ.Level]int{shequ.LevelProvince: 2, shequ.LevelCity: 1, shequ.LevelCounty: 1,
			shequ.LevelTownship: 3, shequ.LevelCommunity: 6}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CountDivisions (-want +got):\n%s", diff)
		}
	})
}

// TestSQLiteLevelIndex checks that SQLite uses the partial level index for
// the province list: it applies only when the query's WHERE matches one of
// the index's terms, which the migration's comment relies on.
func TestSQLiteLevelIndex(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	rows, err := db.db.QueryContext(context.Background(),
		`EXPLAIN QUERY PLAN SELECT code FROM divisions d WHERE d.level = ? ORDER BY d.code LIMIT 50`, "province")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "divisions_level_idx") {
		t.Errorf("province list does not use divisions_level_idx:\n%s", strings.Join(plan, "\n"))
	}
}
