package main

import (
	"context"
	"log/slog"

	"shequ"
	"shequ/internal/config"
	"shequ/internal/sqlstore"
)

// migratePolicy says what openStore does with a schema that is behind.
type migratePolicy int

const (
	// migrateIfEmpty creates the schema on an empty database only; a schema
	// that is behind must be migrated on purpose with `shequ migrate`.
	migrateIfEmpty migratePolicy = iota
	// migrateAlways applies every pending migration (serve without -no-migrate).
	migrateAlways
	// migrateNever refuses any schema that is not current (serve -no-migrate).
	migrateNever
)

// openStore opens the database and brings its schema to the version this
// binary knows, as the policy allows. A schema newer than the binary is always
// refused: an older binary must not write into it.
func openStore(ctx context.Context, dsn string, policy migratePolicy, log *slog.Logger) (*sqlstore.DB, error) {
	return openStoreWith(ctx, dsn, sqlstore.Options{}, policy, log)
}

// storeOptions are the store's options of the configuration.
func storeOptions(cfg *config.Config) sqlstore.Options {
	return sqlstore.Options{SQLiteSync: cfg.Ops.SQLiteSync}
}

// openStoreWith is openStore with options.
func openStoreWith(ctx context.Context, dsn string, opts sqlstore.Options, policy migratePolicy, log *slog.Logger) (*sqlstore.DB, error) {
	db, err := sqlstore.OpenWith(ctx, dsn, opts)
	if err != nil {
		return nil, err
	}
	if err := ensureSchema(ctx, db, policy, log); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func ensureSchema(ctx context.Context, db *sqlstore.DB, policy migratePolicy, log *slog.Logger) error {
	st, err := db.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	data := map[string]any{"Current": st.Current, "Latest": st.Latest}
	switch {
	case st.Newer():
		// Migrate refuses a newer schema with the store's own error, which
		// names both versions, unless it only expanded this binary's
		// (a rolling upgrade under way).
		if _, err := db.Migrate(ctx); err != nil {
			return err
		}
		log.Warn("the database schema is newer than this program but compatible: upgrade this server",
			"current", st.Current, "latest", st.Latest, "floor", st.Floor)
		return nil
	case st.UpToDate():
		return nil
	case policy == migrateNever || (policy == migrateIfEmpty && st.Current != 0):
		return shequ.Errorf(shequ.EUnavailable, "schema.not_current",
			"The database schema is at version %d but this binary needs version %d; run `shequ migrate`.", st.Current, st.Latest).With(data)
	}
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	log.Info("schema migrated", "applied", n, "from", st.Current, "to", st.Latest, "engine", db.Engine())
	return nil
}
