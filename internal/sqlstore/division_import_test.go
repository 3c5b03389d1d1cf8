package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

// allColumns is an import that carries every attribute.
var allColumns = shequ.DivisionColumns{Name: true, UrbanRural: true, Terrain: true, Population: true,
	Households: true, LatLng: true}

// countRows returns the number of stored divisions.
func countRows(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM divisions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportDivisionsReimport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewDivisionService(db)
		rows := divisionsOf(fixture...)
		// Children first in the input: the import sorts parents first.
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
		first := rows[0].Code
		if err := s.ImportDivisions(ctx, rows, allColumns, shequ.DivisionImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if rows[0].Code != first {
			t.Errorf("the caller's slice was reordered")
		}
		if n := countRows(t, db); n != len(fixture) {
			t.Fatalf("%d rows after first import, want %d", n, len(fixture))
		}

		// Re-import renamed rows with attributes: updated in place.
		again := divisionsOf(fixture...)
		for _, d := range again {
			d.Name += "（新）"
			d.Population = ptr(int64(100))
		}
		db.Now = func() time.Time { return testNow.Add(time.Hour) }
		if err := s.ImportDivisions(ctx, again, allColumns, shequ.DivisionImportOptions{BatchSize: 4}); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db); n != len(fixture) {
			t.Fatalf("%d rows after re-import, want %d (no duplicates)", n, len(fixture))
		}
		got, err := s.FindDivisionByCode(ctx, "330523001002")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "苕秀社区居委会（新）" || got.Population == nil || *got.Population != 100 {
			t.Errorf("after re-import: %+v", got)
		}
		if got.Path[0].Name != "浙江省（新）" {
			t.Errorf("path after re-import: %v", got.Path)
		}
		var at time.Time
		if err := db.db.QueryRowContext(ctx, db.rebind(`SELECT updated_at FROM divisions WHERE code = ?`), "33").
			Scan(scanTime(&at)); err != nil {
			t.Fatal(err)
		}
		if want := testNow.Add(time.Hour); !at.Equal(want) || at.Location() != time.UTC {
			t.Errorf("updated_at = %v, want %v in UTC", at, want)
		}
	})
}

func TestImportDivisionsDuplicateCodes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewDivisionService(db)
		rows := divisionsOf([2]string{"33", "浙江"}, [2]string{"3305", "湖州市"}, [2]string{"33", "浙江省"})
		if err := s.ImportDivisions(ctx, rows, allColumns, shequ.DivisionImportOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindDivisionByCode(ctx, "33")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "浙江省" || countRows(t, db) != 2 {
			t.Errorf("the last of duplicate rows wins: got %q, %d rows", got.Name, countRows(t, db))
		}
	})
}

func TestImportDivisionsPartialColumns(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewDivisionService(db)
		rows := divisionsOf(fixture...)
		for _, d := range rows {
			d.UrbanRural = ptr(shequ.UrbanRural("220"))
			d.Terrain = ptr(shequ.TerrainMountain)
			d.Population, d.Households = ptr(int64(1000)), ptr(int64(300))
			d.Lat, d.Lng = ptr(30.5), ptr(119.6)
		}
		mustImport(t, db, rows)

		// A file with code, name and population only: population changes,
		// or becomes NULL where the file left it empty; the columns the file
		// does not carry stay as they were, and so does the name, which
		// cols does not flag.
		upd := divisionsOf(fixture...)
		for _, d := range upd {
			d.Name = "改名"
			d.Population = ptr(int64(2000))
		}
		upd[0].Population = nil // 11 北京市
		err := s.ImportDivisions(ctx, upd, shequ.DivisionColumns{Population: true}, shequ.DivisionImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.FindDivisionByCode(ctx, "330523001205")
		if err != nil {
			t.Fatal(err)
		}
		want := &shequ.Division{Code: "330523001205", Name: "康山村委会", Level: shequ.LevelCommunity,
			ParentCode: "330523001", Kind: shequ.KindRural, Region: shequ.RegionEast,
			UrbanRural: ptr(shequ.UrbanRural("220")), Terrain: ptr(shequ.TerrainMountain),
			Population: ptr(int64(2000)), Households: ptr(int64(300)), Lat: ptr(30.5), Lng: ptr(119.6),
			Path: got.Path}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("partial update (-want +got):\n%s", diff)
		}
		bj, err := s.FindDivisionByCode(ctx, "11")
		if err != nil {
			t.Fatal(err)
		}
		if bj.Population != nil || bj.Households == nil {
			t.Errorf("flagged empty population should be NULL, households kept: %+v", bj)
		}

		// LatLng flagged and empty clears both coordinates.
		clear := divisionsOf([2]string{"11", "北京市"})
		if err := s.ImportDivisions(ctx, clear, shequ.DivisionColumns{LatLng: true}, shequ.DivisionImportOptions{}); err != nil {
			t.Fatal(err)
		}
		bj, err = s.FindDivisionByCode(ctx, "11")
		if err != nil {
			t.Fatal(err)
		}
		if bj.Lat != nil || bj.Lng != nil || bj.Terrain == nil {
			t.Errorf("after clearing coordinates: %+v", bj)
		}
	})
}

// orphanFixture is the fixture plus a row whose parent does not exist. It
// sorts last, so the batches before it are good.
func orphanFixture() []*shequ.Division {
	return divisionsOf(append(append([][2]string{}, fixture...), [2]string{"350100", "无父级"})...)
}

func TestImportDivisionsAtomicRollsBack(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewDivisionService(db)
		var progress []int
		err := s.ImportDivisions(ctx, orphanFixture(), allColumns, shequ.DivisionImportOptions{
			Atomic: true, BatchSize: 4, Progress: func(n int) { progress = append(progress, n) }})
		wantError(t, err, shequ.EInvalid, "db.reference")
		if n := countRows(t, db); n != 0 {
			t.Errorf("%d rows kept after a failed atomic import, want 0", n)
		}
		// Progress reports batches as they are written, before the commit.
		if diff := cmp.Diff([]int{4, 8, 12}, progress); diff != "" {
			t.Errorf("progress (-want +got):\n%s", diff)
		}
	})
}

func TestImportDivisionsNonAtomicKeepsBatches(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewDivisionService(db)
		var progress []int
		err := s.ImportDivisions(ctx, orphanFixture(), allColumns, shequ.DivisionImportOptions{
			BatchSize: 4, Progress: func(n int) { progress = append(progress, n) }})
		wantError(t, err, shequ.EInvalid, "db.reference")
		// 14 rows in batches of 4: the last batch (13th row and the orphan)
		// fails, the three before it stay.
		if n := countRows(t, db); n != 12 {
			t.Errorf("%d rows kept, want 12", n)
		}
		if diff := cmp.Diff([]int{4, 8, 12}, progress); diff != "" {
			t.Errorf("progress (-want +got):\n%s", diff)
		}
	})
}

func TestImportDivisionsProgress(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewDivisionService(db)
		for _, atomic := range []bool{false, true} {
			var progress []int
			err := s.ImportDivisions(ctx, divisionsOf(fixture...), allColumns, shequ.DivisionImportOptions{
				Atomic: atomic, BatchSize: 5, Progress: func(n int) { progress = append(progress, n) }})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int{5, 10, 13}, progress); diff != "" {
				t.Errorf("atomic=%v progress (-want +got):\n%s", atomic, diff)
			}
		}
		// Nothing to write: no batches, no calls.
		called := false
		err := s.ImportDivisions(ctx, nil, allColumns, shequ.DivisionImportOptions{Progress: func(int) { called = true }})
		if err != nil || called {
			t.Errorf("empty import: %v, progress called %v", err, called)
		}
		err = s.ImportDivisions(ctx, []*shequ.Division{nil}, allColumns, shequ.DivisionImportOptions{})
		wantError(t, err, shequ.EInvalid, "division.import.nil_row")
	})
}

// TestImportDivisionsStatementTail covers batches that span several full
// multi-row statements plus a shorter tail, in one transaction and across
// many.
func TestImportDivisionsStatementTail(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewDivisionService(db)
		pairs := [][2]string{{"33", "浙江省"}, {"3305", "湖州市"}, {"330523", "安吉县"}}
		for town := 1; town <= 3; town++ {
			pairs = append(pairs, [2]string{fmt.Sprintf("330523%03d", town), fmt.Sprintf("镇%d", town)})
			for c := 1; c <= 399; c++ {
				pairs = append(pairs, [2]string{fmt.Sprintf("330523%03d%03d", town, c), fmt.Sprintf("村%d-%d", town, c)})
			}
		}
		for _, atomic := range []bool{true, false} {
			err := s.ImportDivisions(ctx, divisionsOf(pairs...), allColumns,
				shequ.DivisionImportOptions{Atomic: atomic, BatchSize: 1100})
			if err != nil {
				t.Fatal(err)
			}
			if n := countRows(t, db); n != len(pairs) {
				t.Errorf("atomic=%v: %d rows, want %d", atomic, n, len(pairs))
			}
		}
	})
}

func TestTranslateError(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustImport(t, db, divisionsOf(fixture...))
		now := db.dialect.timeArg(testNow)
		insert := db.rebind(`INSERT INTO divisions (code, name, level, parent_code, updated_at) VALUES (?, ?, ?, ?, ?)`)
		exec := func(args ...any) error {
			_, err := db.db.ExecContext(ctx, insert, args...)
			return translateError(err, "insert division")
		}
		wantError(t, exec("33", "浙江省", "province", nil, now), shequ.EConflict, "db.duplicate")
		wantError(t, exec("3301", "杭州市", "city", "34", now), shequ.EInvalid, "db.reference")
		wantError(t, exec("3301", "杭州市", "town", "33", now), shequ.EInvalid, "db.constraint")
		wantError(t, exec("3301", "杭州市", "city", nil, now), shequ.EInvalid, "db.constraint")
		wantError(t, exec("3301", nil, "city", "33", now), shequ.EInvalid, "db.constraint")

		// Other errors become internal ones, keeping the cause.
		_, err := db.db.ExecContext(ctx, `SELECT no_such_column FROM divisions`)
		if got := translateError(err, "select"); shequ.ErrorCode(got) != shequ.EInternal {
			t.Errorf("syntax error translated to %v", got)
		}
		if translateError(nil, "nothing") != nil {
			t.Error("translateError(nil) != nil")
		}
		if err := translateError(sql.ErrNoRows, "find"); shequ.ErrorCode(err) != shequ.EInternal {
			t.Errorf("ErrNoRows translated to %v", err)
		}
		app := shequ.Errorf(shequ.ENotFound, "x", "x")
		if got := translateError(app, "find"); got != error(app) {
			t.Errorf("application error changed: %v", got)
		}
	})
}

func TestSplitByProvince(t *testing.T) {
	t.Parallel()
	rows := divisionsOf(fixture...) // 11: 1 row, 33: 12 rows
	rows = append(rows, divisionsOf([2]string{"35", "福建省"}, [2]string{"3501", "福州市"})...)
	slices.SortFunc(rows, func(a, b *shequ.Division) int { return strings.Compare(a.Code, b.Code) })
	if got := splitByProvince(rows, 5, 2); len(got) != 1 {
		t.Errorf("fewer than 4 batches: %d streams, want 1", len(got))
	}
	got := splitByProvince(rows, 2, 2)
	want := [][]string{codes(rows[1:13]), append(codes(rows[:1]), codes(rows[13:])...)}
	if diff := cmp.Diff(want, [][]string{codes(got[0]), codes(got[1])}); diff != "" {
		t.Errorf("streams (-want +got):\n%s", diff)
	}
}

// TestImportDivisionsParallelStreams imports enough batches for PostgreSQL
// to write provinces in parallel streams.
func TestImportDivisionsParallelStreams(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewDivisionService(db)
		pairs := append([][2]string{}, fixture...)
		for _, p := range []string{"12", "13", "14"} {
			pairs = append(pairs, [2]string{p, "省" + p}, [2]string{p + "01", "市" + p}, [2]string{p + "0101", "县" + p})
		}
		var progress []int
		err := s.ImportDivisions(ctx, divisionsOf(pairs...), allColumns, shequ.DivisionImportOptions{
			BatchSize: 2, Progress: func(n int) { progress = append(progress, n) }})
		if err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db); n != len(pairs) {
			t.Errorf("%d rows, want %d", n, len(pairs))
		}
		if len(progress) == 0 || progress[len(progress)-1] != len(pairs) || !slices.IsSorted(progress) {
			t.Errorf("progress = %v, want increasing to %d", progress, len(pairs))
		}
		// Again with an orphan: the error is the foreign key's, not the
		// cancellation of the other streams.
		orphan := divisionsOf(append(pairs, [2]string{"150101", "无父级"})...)
		err = s.ImportDivisions(ctx, orphan, allColumns, shequ.DivisionImportOptions{BatchSize: 2})
		wantError(t, err, shequ.EInvalid, "db.reference")
	})
}

// attributed returns the fixture with every attribute set.
func attributed() []*shequ.Division {
	rows := divisionsOf(fixture...)
	for _, d := range rows {
		d.UrbanRural = ptr(shequ.UrbanRural("220"))
		d.Terrain = ptr(shequ.TerrainMountain)
		d.Population, d.Households = ptr(int64(1000)), ptr(int64(300))
		d.Lat, d.Lng = ptr(30.5), ptr(119.6)
	}
	return rows
}

// attributesOnly returns rows for codes as a file without a name column
// gives them: no name, a new terrain and coordinates, and other attributes
// that the import must ignore because cols does not flag them.
func attributesOnly(codes ...string) []*shequ.Division {
	rows := make([]*shequ.Division, len(codes))
	for i, c := range codes {
		d := &shequ.Division{Code: c, Terrain: ptr(shequ.TerrainHill), Lat: ptr(30.64), Lng: ptr(119.68),
			Population: ptr(int64(1)), UrbanRural: ptr(shequ.UrbanRural("111"))}
		d.Derive()
		rows[i] = d
	}
	return rows
}

// terrainAndCoordinates is the columns of a file "code,terrain,lat,lng".
var terrainAndCoordinates = shequ.DivisionColumns{Terrain: true, LatLng: true}

// TestImportDivisionsAttributesOnly imports files without a name column:
// they update stored divisions only, and only the flagged columns.
func TestImportDivisionsAttributesOnly(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewDivisionService(db)
		for i, atomic := range []bool{true, false} {
			mustImport(t, db, attributed())
			upd := attributesOnly(codes(divisionsOf(fixture...))...)
			upd[0].Terrain = nil // 11 北京市: a flagged empty column clears it
			later := testNow.Add(time.Duration(i+1) * time.Hour)
			db.Now = func() time.Time { return later }
			var progress []int
			err := s.ImportDivisions(ctx, upd, terrainAndCoordinates, shequ.DivisionImportOptions{
				Atomic: atomic, BatchSize: 5, Progress: func(n int) { progress = append(progress, n) }})
			if err != nil {
				t.Fatalf("atomic=%v: %v", atomic, err)
			}
			if diff := cmp.Diff([]int{5, 10, 13}, progress); diff != "" {
				t.Errorf("atomic=%v progress (-want +got):\n%s", atomic, diff)
			}
			if n := countRows(t, db); n != len(fixture) {
				t.Errorf("atomic=%v: %d rows, want %d", atomic, n, len(fixture))
			}
			got, err := s.FindDivisionByCode(ctx, "330523001205")
			if err != nil {
				t.Fatal(err)
			}
			want := &shequ.Division{Code: "330523001205", Name: "康山村委会", Level: shequ.LevelCommunity,
				ParentCode: "330523001", Kind: shequ.KindRural, Region: shequ.RegionEast,
				UrbanRural: ptr(shequ.UrbanRural("220")), Terrain: ptr(shequ.TerrainHill),
				Population: ptr(int64(1000)), Households: ptr(int64(300)), Lat: ptr(30.64), Lng: ptr(119.68),
				Path: got.Path}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("atomic=%v: attribute-only update (-want +got):\n%s", atomic, diff)
			}
			bj, err := s.FindDivisionByCode(ctx, "11")
			if err != nil {
				t.Fatal(err)
			}
			if bj.Name != "北京市" || bj.Terrain != nil || bj.Lat == nil || *bj.Lat != 30.64 || bj.Population == nil || *bj.Population != 1000 {
				t.Errorf("atomic=%v: 11 after attribute-only update: %+v", atomic, bj)
			}
			var at time.Time
			if err := db.db.QueryRowContext(ctx, db.rebind(`SELECT updated_at FROM divisions WHERE code = ?`), "33").
				Scan(scanTime(&at)); err != nil {
				t.Fatal(err)
			}
			if !at.Equal(later) {
				t.Errorf("atomic=%v: updated_at = %v, want %v", atomic, at, later)
			}
		}
	})
}

// TestImportDivisionsAttributesOnlyUnknown imports a file without a name
// column that names a code not stored: an error, never a silent no-op.
func TestImportDivisionsAttributesOnlyUnknown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewDivisionService(db)
		mustImport(t, db, attributed())
		terrains := func() map[string]string {
			t.Helper()
			rows, err := db.db.QueryContext(ctx, `SELECT code, terrain FROM divisions ORDER BY code`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := map[string]string{}
			for rows.Next() {
				var code, terrain string
				if err := rows.Scan(&code, &terrain); err != nil {
					t.Fatal(err)
				}
				out[code] = terrain
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		before := terrains()
		// 330523001249 sorts twelfth, so two batches of four come before it.
		upd := attributesOnly(append(codes(divisionsOf(fixture...)), "330523001249")...)

		err := s.ImportDivisions(ctx, upd, terrainAndCoordinates, shequ.DivisionImportOptions{Atomic: true, BatchSize: 4})
		wantError(t, err, shequ.EInvalid, "division.import.unknown")
		var e *shequ.Error
		if errors.As(err, &e); e.Data["Code"] != "330523001249" {
			t.Errorf("error data = %v, want the unknown code", e.Data)
		}
		if diff := cmp.Diff(before, terrains()); diff != "" {
			t.Errorf("atomic import wrote before failing (-want +got):\n%s", diff)
		}
		if n := countRows(t, db); n != len(fixture) {
			t.Errorf("%d rows, want %d", n, len(fixture))
		}

		// Without Atomic the batches before the failing one stay.
		err = s.ImportDivisions(ctx, upd, terrainAndCoordinates, shequ.DivisionImportOptions{BatchSize: 4})
		wantError(t, err, shequ.EInvalid, "division.import.unknown")
		after := terrains()
		var changed int
		for _, terrain := range after {
			if terrain == string(shequ.TerrainHill) {
				changed++
			}
		}
		if changed != 8 || countRows(t, db) != len(fixture) {
			t.Errorf("non-atomic: %d rows updated, %d rows stored; want 8 and %d", changed, countRows(t, db), len(fixture))
		}
	})
}

// syntheticTree returns a derived division tree in province 33 with at
// least n rows, parents before children.
func syntheticTree(n int) []*shequ.Division {
	perTownship := (n + 999) / 1000 // communities under each of 1,000 townships
	rows := make([]*shequ.Division, 0, 1111+1000*perTownship)
	add := func(code, name string) {
		d := &shequ.Division{Code: code, Name: name}
		d.Derive()
		rows = append(rows, d)
	}
	add("33", "浙江省")
	for c := 1; c <= 10; c++ {
		city := fmt.Sprintf("33%02d", c)
		add(city, "市"+city)
		for k := 1; k <= 10; k++ {
			county := fmt.Sprintf("%s%02d", city, k)
			add(county, "县"+county)
			for w := 1; w <= 10; w++ {
				town := fmt.Sprintf("%s%03d", county, w)
				add(town, "街道"+town)
				for v := 1; v <= perTownship; v++ {
					add(fmt.Sprintf("%s%03d", town, v), "社区")
				}
			}
		}
	}
	return rows
}

// TestImportDivisionsAtomicBulkLoad covers large atomic imports, which
// PostgreSQL loads without the parent foreign key and then re-creates it:
// a missing parent still fails the whole import, and the key is back
// afterwards, whether the import failed or not.
//
// The real threshold takes 100k rows, several seconds per engine and far
// more under the race detector, so the test lowers it. The test is not
// parallel: other top-level tests run before or after it, never while its
// (parallel) subtests see the lowered value, and Cleanup restores it once
// they are done.
func TestImportDivisionsAtomicBulkLoad(t *testing.T) {
	// Not defer: the parallel subtests run after this function returns.
	saved := bulkLoadRows
	t.Cleanup(func() { bulkLoadRows = saved })
	bulkLoadRows = 1000
	rows := syntheticTree(bulkLoadRows) // 2,111 rows
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewDivisionService(db)
		now := db.dialect.timeArg(testNow)
		orphan := func() error {
			_, err := db.db.ExecContext(ctx, db.rebind(`INSERT INTO divisions (code, name, level, parent_code, updated_at)
				VALUES (?, ?, ?, ?, ?)`), "3599", "无父级", "city", "35", now)
			return translateError(err, "insert orphan")
		}
		parentKey := func() {
			t.Helper()
			wantError(t, orphan(), shequ.EInvalid, "db.reference")
			if db.Engine() != enginePostgres {
				return
			}
			var name string
			var valid bool
			err := db.db.QueryRowContext(ctx, `SELECT conname, convalidated FROM pg_catalog.pg_constraint
				WHERE conrelid = 'divisions'::regclass AND contype = 'f'`).Scan(&name, &valid)
			if err != nil || name != "divisions_parent_code_fkey" || !valid {
				t.Errorf("parent key: %q, valid %v, %v", name, valid, err)
			}
		}

		// A township whose county is missing, in the middle of the codes.
		bad := append(slices.Clone(rows), divisionsOf([2]string{"330199001", "无父级街道"})...)
		err := s.ImportDivisions(ctx, bad, allColumns, shequ.DivisionImportOptions{Atomic: true})
		wantError(t, err, shequ.EInvalid, "db.reference")
		if n := countRows(t, db); n != 0 {
			t.Errorf("%d rows kept after a failed atomic import, want 0", n)
		}
		parentKey()

		if err := s.ImportDivisions(ctx, rows, allColumns, shequ.DivisionImportOptions{Atomic: true}); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db); n != len(rows) {
			t.Errorf("%d rows, want %d", n, len(rows))
		}
		parentKey()

		// Again over the stored rows, which the upsert updates.
		err = s.ImportDivisions(ctx, bad, allColumns, shequ.DivisionImportOptions{Atomic: true})
		wantError(t, err, shequ.EInvalid, "db.reference")
		if n := countRows(t, db); n != len(rows) {
			t.Errorf("%d rows after a failed re-import, want %d", n, len(rows))
		}
		parentKey()
	})
}
