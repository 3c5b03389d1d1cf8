package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shequ"
)

// TestMigrationsInStep checks that both engines carry the same migrations:
// same versions, same names, in increasing order. Numbers are handed out
// per branch of work (one each), so a gap while another branch's number has
// not landed yet is expected.
func TestMigrationsInStep(t *testing.T) {
	t.Parallel()
	lite, err := migrationSources(sqliteDialect.migrations)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := migrationSources(postgresDialect.migrations)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 {
		t.Fatal("no migrations embedded")
	}
	if diff := cmp.Diff(lite, pg); diff != "" {
		t.Errorf("sqlite and postgres migrations differ (-sqlite +postgres):\n%s", diff)
	}
	// Numbers are handed out per branch ahead of time (NEWS, 2026-12-05):
	// a branch may hold 0014 before 0010 lands, so gaps are allowed; the
	// numbers start at 1 and strictly increase.
	for i, m := range lite {
		if (i == 0 && m.Version != 1) || (i > 0 && m.Version <= lite[i-1].Version) {
			t.Errorf("migration %d has version %d: versions start at 1 and increase", i, m.Version)
		}
	}
}

func TestMigrate(t *testing.T) {
	forEachEmptyEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		st, err := db.SchemaStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Current != 0 || st.Latest < 1 || st.UpToDate() {
			t.Fatalf("empty SchemaStatus = %+v", st)
		}
		// Reading the status must not have created goose's table.
		if ok, err := db.hasVersionTable(ctx); err != nil || ok {
			t.Fatalf("version table exists after SchemaStatus: %v %v", ok, err)
		}
		wantError(t, db.Ready(ctx), shequ.EUnavailable, "schema.not_current")
		ms, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 || ms[0].Applied {
			t.Fatalf("MigrationStatus before migrating = %+v", ms)
		}

		n, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(ms) {
			t.Errorf("Migrate applied %d, want %d", n, len(ms))
		}
		// Idempotent: nothing left to apply.
		if n, err := db.Migrate(ctx); err != nil || n != 0 {
			t.Errorf("second Migrate = %d, %v; want 0, nil", n, err)
		}
		st2, err := db.SchemaStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st2.Current != st.Latest || !st2.UpToDate() {
			t.Errorf("SchemaStatus after Migrate = %+v", st2)
		}
		if err := db.Ready(ctx); err != nil {
			t.Errorf("Ready = %v", err)
		}
		ms, err = db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if !m.Applied || m.Name == "" {
				t.Errorf("migration after Migrate = %+v", m)
			}
			// goose stamps with the database's clock, not DB.Now.
			if d := time.Since(m.AppliedAt); d < -time.Minute || d > time.Minute || m.AppliedAt.Location() != time.UTC {
				t.Errorf("AppliedAt = %v, want about now in UTC", m.AppliedAt)
			}
		}
		if ms[0].Name != "init" {
			t.Errorf("first migration name = %q, want init", ms[0].Name)
		}
	})
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		// What a newer binary would leave behind after a migration that
		// contracts (drops what this one uses): its floor. A newer schema
		// that only expanded is run on (TestSchemaCompat).
		if _, err := db.db.ExecContext(ctx, db.rebind(`INSERT INTO `+gooseTable+` (version_id, is_applied) VALUES (?, ?)`),
			9999, true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.db.ExecContext(ctx, `UPDATE schema_compat SET floor = 9999`); err != nil {
			t.Fatal(err)
		}
		st, err := db.SchemaStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Current != 9999 || !st.Newer() {
			t.Errorf("SchemaStatus = %+v, want Current 9999 and Newer", st)
		}
		n, err := db.Migrate(ctx)
		wantError(t, err, shequ.EConflict, "schema.newer")
		if n != 0 {
			t.Errorf("Migrate applied %d", n)
		}
		wantError(t, db.Ready(ctx), shequ.EUnavailable, "schema.not_current")
		ms, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if last := ms[len(ms)-1]; last.Version != 9999 || !last.Applied || last.Name != "" {
			t.Errorf("last migration = %+v, want the unknown 9999 applied", last)
		}
	})
}
