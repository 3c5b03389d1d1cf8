package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"shequ"
	"shequ/internal/auditseal"
	"shequ/internal/config"
	"shequ/internal/pii"
	"shequ/internal/sqlstore"
)

// runVerifyBackup is `shequ verify-backup FILE`: the archive is whole and
// matches its manifest; a SQLite copy passes integrity_check, holds the
// counted rows and an intact audit chain; a PostgreSQL dump is readable by
// pg_restore and holds the data of every counted table; with -keys, the
// key file opens the backup's sealed data.
func runVerifyBackup(ctx context.Context, e *env, args []string) error {
	var keysPath, pgBin, auditKeys string
	cfg, fs, err := loadConfig(e, "verify-backup", args, func(c *config.Config, fs *flag.FlagSet) {
		fs.StringVar(&c.Lang, "lang", c.Lang, "language of messages: zh-CN or en (env SHEQU_LANG)")
		fs.StringVar(&auditKeys, "audit-keys", "", "the backup's audit key file (FILE.audit-keys.json), to verify a keyed audit chain")
		fs.StringVar(&keysPath, "keys", "", "the backup's key file, to check that it opens the sealed data")
		fs.StringVar(&pgBin, "pg-bin", "", "folder of pg_restore (default: found on PATH)")
	})
	if err != nil {
		return err
	}
	_ = cfg
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, e.loc.T("cli.verify-backup.usage"))
		return errUsage
	}
	dir, err := os.MkdirTemp("", "shequ-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if auditKeys == "" {
		if p := fs.Arg(0) + ".audit-keys.json"; fileExists(p) {
			auditKeys = p
		}
	}
	m, err := verifyBackup(ctx, fs.Arg(0), dir, pgBin, true, auditKeys)
	if err != nil {
		return err
	}
	if keysPath != "" {
		keys, err := keyFile(keysPath)
		if err != nil {
			return err
		}
		if !checkKeys(m, keys) {
			return keysMismatch(keysPath)
		}
	}
	fmt.Fprintln(e.stdout, e.loc.T("cli.verify-backup.done", map[string]any{"Path": fs.Arg(0), "Engine": m.Engine,
		"Created": m.Created.Format("2006-01-02 15:04:05 UTC"), "Tables": len(m.Tables), "Schema": m.Schema}))
	return nil
}

// verifyBackup extracts and checks a backup into dir (see runVerifyBackup);
// audit says whether to verify a SQLite copy's audit chain, which records
// the verification in the copy.
func verifyBackup(ctx context.Context, path, dir, pgBin string, audit bool, auditKeys string) (*backupManifest, error) {
	m, err := readArchive(path, dir)
	if err != nil {
		return nil, err
	}
	copyPath := filepath.Join(dir, m.databaseMember())
	bad := func(reason string) error {
		return shequ.Errorf(shequ.EInvalid, "backup.invalid", "%s is not a sound shequ backup: %s.", path, reason).
			With(map[string]any{"Path": path, "Reason": reason})
	}
	if m.Engine == "postgres" {
		toc, err := pgRestoreList(ctx, pgBin, copyPath)
		if err != nil {
			return nil, err
		}
		have := pgDumpTables(toc)
		for _, t := range m.Tables.Tables() {
			if !have[t] {
				return nil, bad("the dump holds no data for table " + t)
			}
		}
		return m, nil
	}
	db, err := sqlstore.Open(ctx, copyPath)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if problems, err := db.IntegrityCheck(ctx); err != nil {
		return nil, err
	} else if len(problems) > 0 {
		return nil, bad("integrity check: " + strings.Join(problems, "; "))
	}
	counts, err := db.CountRows(ctx)
	if err != nil {
		return nil, err
	}
	if diff := counts.Diff(m.Tables); len(diff) > 0 {
		return nil, bad("row counts differ from the manifest: " + strings.Join(diff, ", "))
	}
	if audit {
		if err := useAuditKeys(db, auditKeys); err != nil {
			return nil, err
		}
		if err := verifyAuditChain(ctx, db); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// verifyAuditChain checks the hash chain of a database's audit trail.
func verifyAuditChain(ctx context.Context, db *sqlstore.DB) error {
	ctx = shequ.WithActor(cliContext(ctx), &shequ.Actor{Username: "cli", Role: shequ.RoleAuditor})
	v, err := sqlstore.NewAuditService(db).VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if v.BadSeq != 0 {
		return shequ.Errorf(shequ.EConflict, "audit.chain.broken", "The audit trail is broken at record %d (%s); %d records before it are intact.",
			v.BadSeq, v.Reason, v.Checked).With(map[string]any{"Seq": v.BadSeq, "Reason": v.Reason, "Checked": v.Checked})
	}
	return nil
}

// keyFile loads a key file given on the command line.
func keyFile(path string) (*pii.KeyRing, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, shequ.Errorf(shequ.ENotFound, "backup.keys_not_found", "The key file %s does not exist.", path).With(map[string]any{"Path": path})
	}
	return pii.LoadKeyRing(func(k string) string {
		if k == "SHEQU_DATA_KEY_FILE" {
			return path
		}
		return ""
	}, "", nil)
}

func keysMismatch(path string) error {
	return shequ.Errorf(shequ.EInvalid, "backup.keys_mismatch", "The keys of %s do not open this backup's sealed data: give the key file written with it.", path).
		With(map[string]any{"Path": path})
}

// runRestore is `shequ restore FILE`: checks the backup, the keys and that
// the target database is empty before writing anything, restores, and
// checks the restored row counts and audit chain.
func runRestore(ctx context.Context, e *env, args []string) error {
	var keysPath, pgBin, auditKeys string
	cfg, fs, err := loadConfig(e, "restore", args, func(c *config.Config, fs *flag.FlagSet) {
		c.BindDB(fs)
		fs.StringVar(&auditKeys, "audit-keys", "", "the backup's audit key file (default: FILE.audit-keys.json when present); installed when the data directory has none")
		fs.StringVar(&keysPath, "keys", "", "the backup's key file; installed as the data directory's key file when it has none")
		fs.StringVar(&pgBin, "pg-bin", "", "folder of pg_restore (default: found on PATH)")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, e.loc.T("cli.restore.usage"))
		return errUsage
	}
	path := fs.Arg(0)
	scratch, err := os.MkdirTemp(scratchDir(cfg), ".shequ-restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	// The audit chain is verified once restored: verifying it on the copy
	// would add a record to what is restored.
	m, err := verifyBackup(ctx, path, scratch, pgBin, false, "")
	if err != nil {
		return err
	}
	if (m.Engine == "postgres") != cfg.IsPostgres() {
		return shequ.Errorf(shequ.EInvalid, "backup.engine_mismatch", "This is a backup of a %s database; restore it into a database of the same engine.", m.Engine).
			With(map[string]any{"Engine": m.Engine})
	}
	install, err := restoreKeys(e, cfg, m, keysPath)
	if err != nil {
		return err
	}
	copyPath := filepath.Join(scratch, m.databaseMember())
	if m.Engine == "postgres" {
		err = restorePostgres(ctx, cfg, m, copyPath, pgBin)
	} else {
		err = restoreSQLite(ctx, cfg, copyPath)
	}
	if err != nil {
		return err
	}
	db, err := sqlstore.OpenWith(ctx, cfg.DB, storeOptions(cfg))
	if err != nil {
		return err
	}
	defer db.Close()
	if auditKeys == "" && fileExists(path+".audit-keys.json") {
		auditKeys = path + ".audit-keys.json"
	}
	if err := useAuditKeys(db, auditKeys); err != nil {
		return err
	}
	counts, err := db.CountRows(ctx)
	if err != nil {
		return err
	}
	if diff := counts.Diff(m.Tables); len(diff) > 0 {
		return shequ.Errorf(shequ.EConflict, "backup.restore_counts", "The restored row counts differ from the backup's: %s.", strings.Join(diff, ", ")).
			With(map[string]any{"Diff": strings.Join(diff, ", ")})
	}
	if err := verifyAuditChain(ctx, db); err != nil {
		return err
	}
	if install != nil {
		if err := install(); err != nil {
			return err
		}
	}
	// The audit key file goes where serve looks for it, unless one is there.
	if dest, _ := auditSealPaths(cfg); auditKeys != "" && !fileExists(dest) {
		b, err := os.ReadFile(auditKeys)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(dest, b, 0o600); err != nil {
			return err
		}
		fmt.Fprintln(e.stderr, e.loc.T("cli.restore.keys_installed", map[string]any{"Path": dest}))
	}
	rows := int64(0)
	for _, c := range counts {
		rows += c
	}
	fmt.Fprintln(e.stdout, e.loc.T("cli.restore.done", map[string]any{"Path": path, "Tables": len(counts), "Rows": rows, "Schema": m.Schema}))
	if st, err := db.SchemaStatus(ctx); err == nil && st.Current < st.Latest {
		fmt.Fprintln(e.stderr, e.loc.T("cli.restore.migrate", map[string]any{"Current": st.Current, "Latest": st.Latest}))
	}
	return nil
}

// scratchDir is where a restore extracts the archive: beside a SQLite
// target (the copy is then renamed into place), else the temporary folder.
func scratchDir(cfg *config.Config) string {
	if cfg.IsPostgres() {
		return ""
	}
	dir := filepath.Dir(cfg.DB)
	_ = os.MkdirAll(dir, 0o700)
	return dir
}

// restoreKeys checks the keys a restore will leave the server with: those
// of -keys, or else the configured ones, must open the backup's key check.
// When -keys is given and the data directory has no key file (and none is
// configured in the environment), it returns the step that installs it,
// run once the database is restored.
func restoreKeys(e *env, cfg *config.Config, m *backupManifest, keysPath string) (func() error, error) {
	configured, err := configuredKeys(e.getenv, cfg)
	if err != nil {
		return nil, err
	}
	if keysPath == "" {
		if m.KeyCheck != "" && configured == nil {
			return nil, shequ.Errorf(shequ.EInvalid, "backup.keys_needed", "This backup holds sealed personal data: give its key file with -keys.")
		}
		if !checkKeys(m, configured) {
			return nil, keysMismatch(filepath.Join(cfg.DataDirectory(), pii.KeyFileName))
		}
		return nil, nil
	}
	keys, err := keyFile(keysPath)
	if err != nil {
		return nil, err
	}
	if !checkKeys(m, keys) {
		return nil, keysMismatch(keysPath)
	}
	if configured != nil {
		// The server will use the configured keys, not the given file.
		if !checkKeys(m, configured) {
			where := configured.Path()
			if configured.FromEnv() {
				where = "SHEQU_DATA_KEY"
			}
			return nil, shequ.Errorf(shequ.EConflict, "backup.keys_configured", "Keys are configured already (%s) and do not open this backup; remove them or restore elsewhere.", where).
				With(map[string]any{"Path": where})
		}
		return nil, nil
	}
	dest := filepath.Join(cfg.DataDirectory(), pii.KeyFileName)
	return func() error {
		if err := os.MkdirAll(cfg.DataDirectory(), 0o700); err != nil {
			return err
		}
		if err := keys.Save(dest); err != nil {
			return err
		}
		fmt.Fprintln(e.stderr, e.loc.T("cli.restore.keys_installed", map[string]any{"Path": dest}))
		return nil
	}, nil
}

// restoreSQLite moves the backup's copy into place at cfg.DB, which must
// not exist or be an empty database.
func restoreSQLite(ctx context.Context, cfg *config.Config, copyPath string) error {
	if fi, err := os.Stat(cfg.DB); err == nil && fi.Size() > 0 {
		db, err := sqlstore.Open(ctx, cfg.DB)
		if err != nil {
			return err
		}
		empty, err := db.IsEmpty(ctx)
		db.Close()
		if err != nil {
			return err
		}
		if !empty {
			return notEmpty(cfg.DB)
		}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(cfg.DB + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return os.Rename(copyPath, cfg.DB)
}

func notEmpty(where string) error {
	return shequ.Errorf(shequ.EConflict, "backup.target_not_empty", "The database %s is not empty: restore only into an empty database.", where).
		With(map[string]any{"DB": where})
}

// restorePostgres restores a dump into the schema of cfg.DB, which must be
// the dump's schema and hold no table.
func restorePostgres(ctx context.Context, cfg *config.Config, m *backupManifest, dump, pgBin string) error {
	db, err := sqlstore.OpenWith(ctx, cfg.DB, storeOptions(cfg))
	if err != nil {
		return err
	}
	defer db.Close()
	schema, exists, err := db.Schema(ctx)
	if err != nil {
		return err
	}
	want := m.PGSchema
	if want == "" {
		want = "public"
	}
	if schema != want {
		return shequ.Errorf(shequ.EInvalid, "backup.schema_mismatch", "The backup is of schema %s but the database URL uses schema %s; set search_path=%s.", want, schema, want).
			With(map[string]any{"Want": want, "Got": schema})
	}
	if empty, err := db.IsEmpty(ctx); err != nil {
		return err
	} else if !empty {
		return notEmpty(schema)
	}
	return pgRestore(ctx, pgBin, db.DSN(), dump, want, exists)
}

// useAuditKeys keys db's audit chain with the audit key file at path ("":
// none, for a chain that is not keyed).
func useAuditKeys(db *sqlstore.DB, path string) error {
	if path == "" {
		return nil
	}
	if !fileExists(path) {
		return shequ.Errorf(shequ.ENotFound, "backup.keys_not_found", "The key file %s does not exist.", path).With(map[string]any{"Path": path})
	}
	k, err := auditseal.Load(path, nil)
	if err != nil {
		return err
	}
	db.SetAuditKey(k.HMACKey(), k.ID())
	return nil
}

// fileExists reports whether path names an existing file.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
