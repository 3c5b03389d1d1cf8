package sqlstore

import (
	"cmp"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"shequ"
)

// migrationsFS holds the SQL migrations of both engines. The folders are kept
// in step: the same numbers and names, one file per version (a test checks).
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

// gooseTable is goose's default version table.
const gooseTable = "goose_db_version"

// Migration is one schema migration this binary carries, or one the database
// records without this binary knowing it (a newer binary migrated it).
type Migration struct {
	Version   int64
	Name      string // descriptive part of the file name, "init" for 0001_init.sql; "" if unknown
	Applied   bool
	AppliedAt time.Time // UTC; zero when not applied
	// Expand reports a migration marked "-- compat: expand": programs of
	// the schema before it run on it (migrate_compat.go).
	Expand bool
}

// migrationSources lists the migrations embedded for the engine whose folder
// is dir, by version.
func migrationSources(dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		num, name, _ := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("read migrations: bad file name %q", path.Join(dir, e.Name()))
		}
		expand, err := migrationExpands(dir, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, Expand: expand})
	}
	slices.SortFunc(out, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}

// provider returns a goose provider over this engine's embedded migrations.
// The global registry of Go migrations is disabled: ours are all SQL, and a
// package elsewhere registering one must not change our schema. Do not call
// its Close: it would close db.db.
func (db *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationsFS, db.dialect.migrations)
	if err != nil {
		return nil, fmt.Errorf("open migrations: %w", err)
	}
	p, err := goose.NewProvider(db.dialect.goose, db.db, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("create migration provider: %w", err)
	}
	return p, nil
}

// Migrate applies the pending migrations, each in its own transaction, and
// returns how many it applied (0 when the schema is current); then the job
// queue's own migrations (jobs.go), which it does not count. It refuses,
// with an EConflict error keyed "schema.newer", a database migrated by a
// newer binary: running old code on a newer schema could lose data.
func (db *DB) Migrate(ctx context.Context) (applied int, err error) {
	st, err := db.SchemaStatus(ctx)
	if err != nil {
		return 0, err
	}
	if st.Newer() {
		if st.Compatible() {
			return 0, nil // a newer schema that only expanded what this program knows
		}
		return 0, errSchemaNewer(st)
	}
	if st.UpToDate() {
		return 0, nil
	}
	if st.Current == st.Latest {
		// Only the job queue's tables are behind.
		return 0, db.migrateJobs(ctx)
	}
	p, err := db.provider()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	for _, r := range res {
		if r.Error == nil {
			applied++
		}
	}
	if err != nil {
		return applied, translateError(err, "migrate database")
	}
	if err := db.writeCompatFloor(ctx, st.Latest); err != nil {
		return applied, err
	}
	// River's tables (jobs.go), after ours: River keeps its own version
	// table, river_migration, and applies each of its migrations once.
	// They are not counted: applied counts this binary's versions.
	return applied, db.migrateJobs(ctx)
}

// errSchemaNewer is the error for a database ahead of this binary.
func errSchemaNewer(st shequ.SchemaStatus) error {
	return shequ.Errorf(shequ.EConflict, "schema.newer",
		"The database schema is at version %d, newer than the version %d this program knows; upgrade the program.",
		st.Current, st.Latest).With(map[string]any{"Current": st.Current, "Latest": st.Latest})
}

// SchemaStatus compares the version recorded in the database with the latest
// migration this binary carries. Current is 0 on an empty database, and
// reading it never creates goose's table.
func (db *DB) SchemaStatus(ctx context.Context) (shequ.SchemaStatus, error) {
	var st shequ.SchemaStatus
	src, err := migrationSources(db.dialect.migrations)
	if err != nil {
		return st, err
	}
	if len(src) > 0 {
		st.Latest = src[len(src)-1].Version
	}
	ok, err := db.hasVersionTable(ctx)
	if err != nil || !ok {
		return st, err
	}
	if st.JobsBehind, err = db.jobsBehind(ctx); err != nil {
		return st, err
	}
	// goose records version 0 when it creates its table, and deletes a row
	// when it migrates down, so the highest applied row is the version.
	err = db.db.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version_id), 0) FROM `+gooseTable+` WHERE is_applied`).Scan(&st.Current)
	if err != nil {
		return st, translateError(err, "read schema version")
	}
	st.Floor, err = db.readCompatFloor(ctx)
	return st, err
}

// hasVersionTable reports whether goose's version table exists.
func (db *DB) hasVersionTable(ctx context.Context) (bool, error) {
	var n int
	if err := db.db.QueryRowContext(ctx, db.rebind(db.dialect.tableExists), gooseTable).Scan(&n); err != nil {
		return false, translateError(err, "look up schema version table")
	}
	return n > 0, nil
}

// MigrationStatus lists the migrations this binary carries, and any the
// database records beyond them, by version, with when each was applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]Migration, error) {
	out, err := migrationSources(db.dialect.migrations)
	if err != nil {
		return nil, err
	}
	ok, err := db.hasVersionTable(ctx)
	if err != nil || !ok {
		return out, err
	}
	rows, err := db.db.QueryContext(ctx,
		`SELECT version_id, `+db.dialect.gooseAppliedAt+` FROM `+gooseTable+`
		WHERE is_applied AND version_id > 0 ORDER BY id`)
	if err != nil {
		return nil, translateError(err, "list applied migrations")
	}
	defer rows.Close()
	applied := map[int64]time.Time{}
	for rows.Next() {
		var v int64
		var at time.Time
		if err := rows.Scan(&v, scanTime(&at)); err != nil {
			return nil, translateError(err, "list applied migrations")
		}
		applied[v] = at
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "list applied migrations")
	}
	for i := range out {
		if at, ok := applied[out[i].Version]; ok {
			out[i].Applied, out[i].AppliedAt = true, at
			delete(applied, out[i].Version)
		}
	}
	for v, at := range applied {
		out = append(out, Migration{Version: v, Applied: true, AppliedAt: at})
	}
	slices.SortFunc(out, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}
