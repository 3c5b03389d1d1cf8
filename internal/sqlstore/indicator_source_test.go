package sqlstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shequ"
	"shequ/internal/indicator"
)

// orgRow is a minimal organization row for BulkInsert.
func orgRow(id, community string, kind shequ.OrgKind, status shequ.OrgStatus) []any {
	return []any{id, "组织" + id[len(id)-4:], string(kind), community, "filed", community[:9], "", 0, 0, string(status),
		testNow, testNow}
}

var orgCols = []string{"id", "name", "kind", "community", "legal_status", "filed_with", "leader", "members", "grade", "status",
	"created_at", "updated_at"}

// workerRow is a minimal social worker row for BulkInsert.
func workerRow(id, community string, q shequ.Qualification, edu any) []any {
	var cert, year any
	if q != shequ.QualNone {
		cert, year = "C"+id[len(id)-4:], 2020
	}
	return []any{id, "社工", "sealed", "idx" + id, "1990-01-01", "female", string(q), cert, year, edu,
		"community", community, testNow, testNow}
}

var workerCols = []string{"id", "name", "id_number_enc", "id_number_idx", "birth_date", "sex", "qualification",
	"cert_number", "cert_year", "education", "employer_kind", "community", "created_at", "updated_at"}

func uid(n int) string { return fmt.Sprintf("0190a000-0000-7000-8000-%012d", n) }

func TestIndicatorSource(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		const u1, u2, r1 = "330523001001", "330523001002", "330523001201"
		mustDivisions(t, db, "33", "3305", "330523", "330523001", u1, u2, r1)
		src := NewIndicatorSource(db)
		var orgs [][]any
		for i := range 10 {
			orgs = append(orgs, orgRow(uid(i), u1, shequ.OrgKinds[i%6], shequ.OrgActive))
		}
		orgs = append(orgs, orgRow(uid(10), u2, shequ.OrgCharity, shequ.OrgDormant),
			orgRow(uid(11), r1, shequ.OrgRuralProduction, shequ.OrgActive))
		if err := src.BulkInsert(ctx, "social_orgs", orgCols, orgs); err != nil {
			t.Fatal(err)
		}
		workers := [][]any{
			workerRow(uid(20), u1, shequ.QualSocial, "bachelor"),
			workerRow(uid(21), u1, shequ.QualNone, nil),
			workerRow(uid(22), r1, shequ.QualAssistant, "high_school"),
		}
		if err := src.BulkInsert(ctx, "social_workers", workerCols, workers); err != nil {
			t.Fatal(err)
		}
		// uid(20) also serves u2 and (redundantly) its home u1.
		if err := src.BulkInsert(ctx, "social_worker_serves", []string{"worker_id", "community"},
			[][]any{{uid(20), u2}, {uid(20), u1}}); err != nil {
			t.Fatal(err)
		}
		if n, err := src.CountRows(ctx, "social_orgs"); err != nil || n != 12 {
			t.Fatalf("CountRows = %d, %v", n, err)
		}
		if err := src.BulkInsert(ctx, "users", []string{"id"}, [][]any{{"x"}}); shequ.ErrorCode(err) != shequ.EInternal {
			t.Errorf("BulkInsert into users: %v", err)
		}

		var divs int
		if err := src.LoadDivisions(ctx, func(indicator.DivisionRow) error { divs++; return nil }); err != nil || divs != 7 {
			t.Fatalf("LoadDivisions: %d, %v", divs, err)
		}
		orgCounts := map[string]int{}
		if err := src.LoadOrgCounts(ctx, []string{u2, r1}, func(r indicator.OrgCount) error {
			orgCounts[r.Community+"/"+string(r.Kind)+"/"+string(r.Status)] += r.N
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{u2 + "/charity/dormant": 1, r1 + "/rural_production/active": 1}
		if diff := cmp.Diff(want, orgCounts); diff != "" {
			t.Errorf("LoadOrgCounts (-want +got):\n%s", diff)
		}
		cover := map[string]int{}
		if err := src.LoadCoverCounts(ctx, nil, func(r indicator.CoverCount) error { cover[r.Community] = r.N; return nil }); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int{u1: 2, u2: 1, r1: 1}, cover); diff != "" {
			t.Errorf("LoadCoverCounts (-want +got):\n%s", diff)
		}
		edus := map[string]int{}
		if err := src.LoadWorkerCounts(ctx, []string{u1}, func(r indicator.WorkerCount) error {
			edus[string(r.Qualification)+"/"+string(r.Education)] += r.N
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int{"social/bachelor": 1, "none/": 1}, edus); diff != "" {
			t.Errorf("LoadWorkerCounts (-want +got):\n%s", diff)
		}

		// The engine over this source agrees with plain GROUP BY, and the
		// urban community with ten active organizations meets the target.
		cli := shequ.WithRequestMeta(ctx, shequ.RequestMeta{ClientAddr: "cli"})
		eng := indicator.New(src, NewTargetService(db))
		if err := eng.Load(ctx); err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{"", "33", "330523001"} {
			rep, err := eng.IndicatorReport(cli, code)
			if err != nil {
				t.Fatal(err)
			}
			sql, err := src.GroupByStats(ctx, code, shequ.PlanTargets)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(*sql, rep.Stats); diff != "" {
				t.Errorf("%q: GROUP BY (-) vs engine (+):\n%s", code, diff)
			}
			if rep.Stats.UrbanMeetingOrgTarget != 1 || rep.Stats.RuralMeetingOrgTarget != 0 || rep.Stats.CommunitiesWithWorkers != 3 {
				t.Errorf("%q: %+v", code, rep.Stats)
			}
		}

		// Snapshots: saved, replaced, read back oldest first.
		if err := eng.Snapshot(ctx, "2026-10"); err != nil {
			t.Fatal(err)
		}
		if err := eng.Snapshot(ctx, "2026-11"); err != nil {
			t.Fatal(err)
		}
		if err := eng.Snapshot(ctx, "2026-11"); err != nil {
			t.Fatal(err)
		}
		tr, err := eng.Trend(cli, "330523", 12)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr) != 2 || tr[0].Month != "2026-10" || tr[1].Month != "2026-11" || tr[1].Stats.OrgsActive != 11 ||
			tr[1].Stats.OrgsByKind[shequ.OrgRuralProduction] != 2 {
			t.Errorf("trend = %+v", tr)
		}
	})
}

// TestSettleRequests: on PostgreSQL every table a submission writes is
// vacuumed and analyzed; on SQLite the WAL is emptied into the database.
func TestSettleRequests(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		if _, err := fx.reqs.Submit(actorOf(fx.worker), windowInput(fx, "MZ-001")); err != nil {
			t.Fatal(err)
		}
		if err := NewIndicatorSource(db).SettleRequests(t.Context()); err != nil {
			t.Fatal(err)
		}
		if db.Engine() != "postgres" {
			var busy, frames, done int
			if err := db.db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done); err != nil {
				t.Fatal(err)
			}
			if frames != 0 {
				t.Errorf("%d frames left in the WAL after settling", frames)
			}
			return
		}
		for _, table := range requestTables {
			var vacuumed, analyzed bool
			if err := db.db.QueryRow(`SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables
				WHERE relname = $1 AND schemaname = current_schema()`, table).Scan(&vacuumed, &analyzed); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			if !vacuumed || !analyzed {
				t.Errorf("%s: vacuumed %v, analyzed %v", table, vacuumed, analyzed)
			}
		}
	})
}
