package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"shequ/internal/config"
	"shequ/internal/sqlstore"
)

// runMigrate applies pending migrations (`migrate` or `migrate up`) or lists
// them (`migrate status`).
func runMigrate(ctx context.Context, e *env, args []string) error {
	action := "up"
	if len(args) > 0 && (args[0] == "up" || args[0] == "status") {
		action, args = args[0], args[1:]
	}
	cfg, fs, err := loadConfig(e, "migrate", args, func(c *config.Config, fs *flag.FlagSet) { c.BindDB(fs) })
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, e.loc.T("cli.migrate.usage"))
		return errUsage
	}
	db, err := sqlstore.OpenWith(ctx, cfg.DB, storeOptions(cfg))
	if err != nil {
		return err
	}
	defer db.Close()
	if action == "status" {
		return e.printMigrationStatus(ctx, db)
	}
	before, err := db.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	if err := ensureSchema(ctx, db, migrateAlways, newLogger(e.stderr, cfg)); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, e.loc.T("cli.migrate.done", map[string]any{"From": before.Current, "To": before.Latest, "Engine": db.Engine()}))
	return nil
}

// printMigrationStatus lists every migration with whether and when it was applied.
func (e *env) printMigrationStatus(ctx context.Context, db *sqlstore.DB) error {
	ms, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	st, err := db.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.loc.T("cli.migrate.col.version"), e.loc.T("cli.migrate.col.name"), e.loc.T("cli.migrate.col.applied"),
		e.loc.T("cli.migrate.col.compat"))
	for _, m := range ms {
		applied := e.loc.T("cli.migrate.pending")
		if m.Applied {
			applied = m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		compat := e.loc.T("cli.migrate.compat.needs")
		switch {
		case m.Name == "": // applied by a newer program: this one cannot tell
			compat = "?"
		case m.Expand:
			compat = e.loc.T("cli.migrate.compat.expand")
		}
		fmt.Fprintf(tw, "%04d\t%s\t%s\t%s\n", m.Version, m.Name, applied, compat)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, e.loc.T("cli.migrate.status_line", map[string]any{"Current": st.Current, "Latest": st.Latest, "Engine": db.Engine()}))
	// Which programs may run on the schema (rolling upgrades).
	switch {
	case st.Floor == 0:
		fmt.Fprintln(e.stdout, e.loc.T("cli.migrate.compat.unknown"))
	case st.Compatible():
		fmt.Fprintln(e.stdout, e.loc.T("cli.migrate.compat.line", map[string]any{"Floor": st.Floor}))
	default:
		fmt.Fprintln(e.stdout, e.loc.T("cli.migrate.compat.refused", map[string]any{"Floor": st.Floor, "Latest": st.Latest}))
	}
	return nil
}
