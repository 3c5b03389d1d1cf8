package sqlstore

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"testing"

	"shequ"
)

// loadDivisionFile reads the shipped NBS 2023 codes (CSV "code,name") as
// derived divisions, the way the importer hands them to the store.
func loadDivisionFile(tb testing.TB) []*shequ.Division {
	tb.Helper()
	f, err := os.Open(filepath.Join("..", "..", "data", "divisions-2023.csv.gz"))
	if err != nil {
		tb.Skipf("division file not available: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	r := csv.NewReader(zr)
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil { // header
		tb.Fatal(err)
	}
	var rows []*shequ.Division
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			tb.Fatal(err)
		}
		d := &shequ.Division{Code: rec[0], Name: rec[1]}
		d.Derive()
		rows = append(rows, d)
	}
	return rows
}

// BenchmarkImportDivisionsFull imports all 665,276 division codes into an
// empty database with the default options (batches committed one by one).
// The budget is under 10 s per import on 2 cores, on both engines:
//
//	SHEQU_TEST_POSTGRES=… go test -run '^$' -bench ImportDivisionsFull -benchtime 1x ./internal/sqlstore/
func BenchmarkImportDivisionsFull(b *testing.B) {
	benchmarkImportDivisionsFull(b, shequ.DivisionImportOptions{})
}

// BenchmarkImportDivisionsFullAtomic is the same import in one transaction,
// which on PostgreSQL runs on one backend, hence one core.
func BenchmarkImportDivisionsFullAtomic(b *testing.B) {
	benchmarkImportDivisionsFull(b, shequ.DivisionImportOptions{Atomic: true})
}

func benchmarkImportDivisionsFull(b *testing.B, opt shequ.DivisionImportOptions) {
	rows := loadDivisionFile(b)
	engines := []struct {
		name string
		open func(tb testing.TB, migrate bool) *DB
	}{
		{"sqlite", mustOpenSQLite},
		{"postgres", mustOpenPostgres},
	}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				db := e.open(b, true)
				s := NewDivisionService(db)
				b.StartTimer()
				if err := s.ImportDivisions(ctx, rows, shequ.DivisionColumns{Name: true}, opt); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if n := countRowsB(b, db); n != len(rows) {
					b.Fatalf("%d rows stored, want %d", n, len(rows))
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkImportDivisionsAttributesFull updates one attribute of all
// 665,276 stored divisions from a file without a name column, which the
// store writes with UPDATE only.
func BenchmarkImportDivisionsAttributesFull(b *testing.B) {
	rows := loadDivisionFile(b)
	upd := make([]*shequ.Division, len(rows))
	for i, d := range rows {
		t := shequ.TerrainHill
		upd[i] = &shequ.Division{Code: d.Code, Level: d.Level, ParentCode: d.ParentCode, Kind: d.Kind,
			Region: d.Region, Terrain: &t}
	}
	engines := []struct {
		name string
		open func(tb testing.TB, migrate bool) *DB
	}{
		{"sqlite", mustOpenSQLite},
		{"postgres", mustOpenPostgres},
	}
	for _, e := range engines {
		for _, atomic := range []bool{false, true} {
			name := e.name
			if atomic {
				name += "/atomic"
			}
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				for b.Loop() {
					b.StopTimer()
					db := e.open(b, true)
					s := NewDivisionService(db)
					if err := s.ImportDivisions(ctx, rows, shequ.DivisionColumns{Name: true}, shequ.DivisionImportOptions{}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					err := s.ImportDivisions(ctx, upd, shequ.DivisionColumns{Terrain: true}, shequ.DivisionImportOptions{Atomic: atomic})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

// countRowsB returns the number of stored divisions.
func countRowsB(tb testing.TB, db *DB) int {
	tb.Helper()
	var n int
	if err := db.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM divisions`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkDivisionReadsFull measures the reads on the full national tree:
// the province list, a county's children, a search and the per-level counts.
func BenchmarkDivisionReadsFull(b *testing.B) {
	rows := loadDivisionFile(b)
	engines := []struct {
		name string
		open func(tb testing.TB, migrate bool) *DB
	}{
		{"sqlite", mustOpenSQLite},
		{"postgres", mustOpenPostgres},
	}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			ctx := context.Background()
			db := e.open(b, true)
			s := NewDivisionService(db)
			if err := s.ImportDivisions(ctx, rows, shequ.DivisionColumns{Name: true}, shequ.DivisionImportOptions{}); err != nil {
				b.Fatal(err)
			}
			if db.Engine() == "postgres" {
				// Fresh statistics, as autovacuum would gather soon after.
				if _, err := db.db.ExecContext(ctx, `ANALYZE divisions`); err != nil {
					b.Fatal(err)
				}
			}
			reads := []struct {
				name string
				fn   func() error
			}{
				{"provinces", func() error { _, _, err := s.FindDivisionChildren(ctx, "", 0, 50); return err }},
				{"children", func() error { _, _, err := s.FindDivisionChildren(ctx, "330523", 0, 50); return err }},
				{"find", func() error { _, err := s.FindDivisionByCode(ctx, "330523001002"); return err }},
				{"search", func() error { _, err := s.SearchDivisions(ctx, "安吉", 20); return err }},
				{"count", func() error { _, err := s.CountDivisions(ctx); return err }},
			}
			for _, r := range reads {
				b.Run(r.name, func(b *testing.B) {
					for b.Loop() {
						if err := r.fn(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
