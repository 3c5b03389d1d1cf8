package sqlstore

import (
	"context"
	"testing"

	"shequ"
)

// TestSchemaCompat: after migrating, the database records the floor — the
// last migration not marked expand —; a program behind a newer schema that
// only expanded runs on it (Migrate does nothing, the server is ready),
// and refuses one that contracted.
func TestSchemaCompat(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		src, err := migrationSources(db.dialect.migrations)
		if err != nil {
			t.Fatal(err)
		}
		var floor int64
		for _, m := range src {
			if !m.Expand {
				floor = m.Version
			}
			if m.Name == "idempotency" && !m.Expand {
				t.Error("0024_idempotency only adds tables: it must be marked expand")
			}
		}
		st, err := db.SchemaStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Floor != floor || floor == 0 || floor >= st.Latest || !st.UpToDate() || !st.Compatible() {
			t.Fatalf("after migrating: %+v, want floor %d below latest", st, floor)
		}

		// A newer program added an expanding migration: this one runs.
		insertVersion := func(v int64) {
			t.Helper()
			if _, err := db.db.ExecContext(ctx, db.rebind(`INSERT INTO `+gooseTable+` (version_id, is_applied) VALUES (?, ?)`), v, true); err != nil {
				t.Fatal(err)
			}
		}
		insertVersion(st.Latest + 1)
		st, err = db.SchemaStatus(ctx)
		if err != nil || !st.Newer() || !st.Compatible() {
			t.Fatalf("newer, expanded: %+v %v", st, err)
		}
		if n, err := db.Migrate(ctx); n != 0 || err != nil {
			t.Errorf("Migrate on a newer expanded schema: %d, %v", n, err)
		}
		if err := db.Ready(ctx); err != nil {
			t.Errorf("not ready on a newer expanded schema: %v", err)
		}
		ms, err := db.MigrationStatus(ctx)
		if err != nil || ms[len(ms)-1].Version != st.Latest+1 || ms[len(ms)-1].Name != "" {
			t.Errorf("status of the unknown migration: %+v %v", ms[len(ms)-1], err)
		}

		// Then one that contracted: this program must stop.
		insertVersion(st.Latest + 2)
		if _, err := db.db.ExecContext(ctx, db.rebind(`UPDATE schema_compat SET floor = ?`), st.Latest+2); err != nil {
			t.Fatal(err)
		}
		st, err = db.SchemaStatus(ctx)
		if err != nil || st.Compatible() || st.Floor != st.Latest+2 {
			t.Fatalf("newer, contracted: %+v %v", st, err)
		}
		_, err = db.Migrate(ctx)
		wantError(t, err, shequ.EConflict, "schema.newer")
		if err := db.Ready(ctx); shequ.ErrorCode(err) != shequ.EUnavailable {
			t.Errorf("ready on a contracted newer schema: %v", err)
		}
	})
}
