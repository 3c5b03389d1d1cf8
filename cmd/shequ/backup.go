package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"shequ"
	"shequ/internal/config"
	"shequ/internal/pii"
	"shequ/internal/sqlstore"
)

// A backup is one gzip-compressed tar file holding the database and a
// manifest, written last:
//
//	database.sqlite   SQLite: a VACUUM INTO copy, consistent while serving
//	database.pgdump   PostgreSQL: pg_dump --format=custom of the schema
//	manifest.json     what it is, the row count of every table as copied,
//	                  the size and SHA-256 of the database member, and a
//	                  value sealed with the data keys (key_check)
//
// The data keys are never inside the archive: `shequ backup` writes them to a
// file of their own (FILE.keys.json unless -keys-out says otherwise) and
// warns to keep it apart, since the archive and the keys together open every
// sealed ID number and phone.

// backupFormat names the layout above; restore refuses any other.
const backupFormat = "shequ-backup/1"

// Members of the archive.
const (
	backupManifestName = "manifest.json"
	backupSQLiteName   = "database.sqlite"
	backupPGName       = "database.pgdump"
	// maxManifestBytes bounds the manifest read from an archive.
	maxManifestBytes = 1 << 20
)

// keyCheckText is sealed with the data keys at backup time; the keys given
// at restore must open it.
const keyCheckText = "shequ backup key check"

// backupManifest describes a backup.
type backupManifest struct {
	Format  string    `json:"format"`
	Engine  string    `json:"engine"`
	Created time.Time `json:"created"`
	Version string    `json:"version"`
	// Schema is the migration version of the copied database.
	Schema int64 `json:"schema"`
	// PGSchema is the PostgreSQL schema copied (the first of search_path).
	PGSchema string                `json:"pg_schema,omitempty"`
	Tables   sqlstore.RowCounts    `json:"tables"`
	Files    map[string]backupFile `json:"files"`
	// KeyIDs are the data keys of the ring at backup time and KeyCheck a
	// value sealed with the current one ("" when no keys were configured).
	KeyIDs   []uint32 `json:"key_ids,omitempty"`
	KeyCheck string   `json:"key_check,omitempty"`
}

// backupFile is one member's size and digest.
type backupFile struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// databaseMember returns the name of the database member for the engine.
func (m *backupManifest) databaseMember() string {
	if m.Engine == "postgres" {
		return backupPGName
	}
	return backupSQLiteName
}

// keyCheckAAD binds the key check to its backup.
func (m *backupManifest) keyCheckAAD() string {
	return "backup:" + m.Created.UTC().Format(time.RFC3339Nano)
}

// runBackup is `shequ backup FILE`.
func runBackup(ctx context.Context, e *env, args []string) error {
	var keysOut, pgBin string
	cfg, fs, err := loadConfig(e, "backup", args, func(c *config.Config, fs *flag.FlagSet) {
		c.BindDB(fs)
		fs.StringVar(&keysOut, "keys-out", "", "where to write the data key file (default: FILE.keys.json); store it apart from the backup")
		fs.StringVar(&pgBin, "pg-bin", "", "folder of pg_dump and pg_restore (default: found on PATH)")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, e.loc.T("cli.backup.usage"))
		return errUsage
	}
	out := fs.Arg(0)
	if keysOut == "" {
		keysOut = out + ".keys.json"
	}
	for _, p := range []string{out, keysOut} {
		if _, err := os.Stat(p); err == nil {
			return shequ.Errorf(shequ.EConflict, "backup.exists", "The file %s exists already.", p).With(map[string]any{"Path": p})
		}
	}
	db, err := sqlstore.OpenWith(ctx, cfg.DB, storeOptions(cfg))
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := configuredKeys(e.getenv, cfg)
	if err != nil {
		return err
	}
	m, err := writeBackup(ctx, db, keys, out, pgBin)
	if err != nil {
		return err
	}
	rows := int64(0)
	for _, c := range m.Tables {
		rows += c
	}
	fmt.Fprintln(e.stdout, e.loc.T("cli.backup.done", map[string]any{"Path": out, "Engine": m.Engine, "Tables": len(m.Tables), "Rows": rows, "Schema": m.Schema}))
	if keys == nil {
		fmt.Fprintln(e.stderr, e.loc.T("cli.backup.no_keys"))
		return nil
	}
	if keys.FromEnv() {
		fmt.Fprintln(e.stderr, e.loc.T("cli.backup.env_keys"))
		return nil
	}
	if err := keys.Save(keysOut); err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, e.loc.T("cli.backup.keys_warning", map[string]any{"Path": keysOut}))
	return copyAuditKeys(e, cfg, out)
}

// copyAuditKeys writes the audit key file (which keys the audit chain,
// audit_seal.go) beside the backup as FILE.audit-keys.json, mode 0600,
// with the same warning; nothing when there is none.
func copyAuditKeys(e *env, cfg *config.Config, out string) error {
	src, _ := auditSealPaths(cfg)
	b, err := os.ReadFile(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	dest := out + ".audit-keys.json"
	if err := os.WriteFile(dest, b, 0o600); err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, e.loc.T("cli.backup.keys_warning", map[string]any{"Path": dest}))
	return nil
}

// configuredKeys loads the data keys the server would use, without
// generating a key file when there is none (nil then).
func configuredKeys(getenv func(string) string, cfg *config.Config) (*pii.KeyRing, error) {
	if getenv("SHEQU_DATA_KEY") == "" && getenv("SHEQU_DATA_KEY_FILE") == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDirectory(), pii.KeyFileName)); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	return pii.LoadKeyRing(getenv, cfg.DataDirectory(), nil)
}

// writeBackup copies the database into the archive out (written under a
// temporary name and renamed when complete, mode 0600) and returns its
// manifest.
func writeBackup(ctx context.Context, db *sqlstore.DB, keys *pii.KeyRing, out, pgBin string) (*backupManifest, error) {
	st, err := db.SchemaStatus(ctx)
	if err != nil {
		return nil, err
	}
	if st.Current == 0 {
		return nil, shequ.Errorf(shequ.EInvalid, "backup.empty_database", "The database is empty: there is nothing to back up.")
	}
	m := &backupManifest{Format: backupFormat, Engine: db.Engine(), Created: time.Now().UTC(), Version: version,
		Schema: st.Current, Files: map[string]backupFile{}}
	if keys != nil {
		m.KeyIDs = keys.KeyIDs()
		if m.KeyCheck, err = keys.Seal(keyCheckText, m.keyCheckAAD()); err != nil {
			return nil, err
		}
	}
	tmpDir, err := os.MkdirTemp(filepath.Dir(out), ".shequ-backup-")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	copyPath := filepath.Join(tmpDir, m.databaseMember())
	if db.Engine() == "postgres" {
		if m.PGSchema, _, err = db.Schema(ctx); err != nil {
			return nil, err
		}
		err = db.ExportSnapshot(ctx, func(snapshot string, counts sqlstore.RowCounts) error {
			m.Tables = counts
			return pgDump(ctx, pgBin, db.DSN(), m.PGSchema, snapshot, copyPath)
		})
	} else {
		if err = db.SnapshotSQLite(ctx, copyPath); err == nil {
			// The counts are those of the copy: the live database has moved on.
			m.Tables, err = countSQLiteFile(ctx, copyPath)
		}
	}
	if err != nil {
		return nil, err
	}
	if m.Files[m.databaseMember()], err = digestFile(copyPath); err != nil {
		return nil, err
	}
	partial := filepath.Join(tmpDir, "archive")
	if err := writeArchive(partial, m, copyPath); err != nil {
		return nil, err
	}
	if err := os.Rename(partial, out); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// countSQLiteFile counts the rows of a SQLite file (a backup's copy).
func countSQLiteFile(ctx context.Context, path string) (sqlstore.RowCounts, error) {
	db, err := sqlstore.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.CountRows(ctx)
}

// digestFile returns a file's size and SHA-256.
func digestFile(path string) (backupFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return backupFile{}, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return backupFile{}, fmt.Errorf("backup: %w", err)
	}
	return backupFile{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// writeArchive writes the database copy and then the manifest into a new
// gzip-compressed tar file at path, synced to disk.
func writeArchive(path string, m *backupManifest, copyPath string) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("backup: %w", cerr)
		}
	}()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	src, err := os.Open(copyPath)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer src.Close()
	name := m.databaseMember()
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: m.Files[name].Size, ModTime: m.Created}); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := io.Copy(tw, src); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: backupManifestName, Mode: 0o600, Size: int64(len(mb)), ModTime: m.Created}); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := tw.Write(mb); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return f.Sync()
}

// readArchive extracts a backup into dir, checking every member against
// the manifest, and returns the manifest. Only the known members are
// accepted, each once.
func readArchive(path, dir string) (*backupManifest, error) {
	bad := func(reason string, args ...any) error {
		return shequ.Errorf(shequ.EInvalid, "backup.invalid", "%s is not a sound shequ backup: %s.", path, fmt.Sprintf(reason, args...)).
			With(map[string]any{"Path": path, "Reason": fmt.Sprintf(reason, args...)})
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, shequ.Errorf(shequ.ENotFound, "backup.not_found", "The backup %s does not exist.", path).With(map[string]any{"Path": path})
		}
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, bad("not gzip-compressed")
	}
	tr := tar.NewReader(zr)
	var m *backupManifest
	got := map[string]backupFile{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bad("damaged archive (%v)", err)
		}
		switch {
		case h.Name == backupManifestName && m == nil:
			b, err := io.ReadAll(io.LimitReader(tr, maxManifestBytes+1))
			if err != nil || len(b) > maxManifestBytes {
				return nil, bad("damaged manifest")
			}
			m = &backupManifest{}
			if err := json.Unmarshal(b, m); err != nil {
				return nil, bad("damaged manifest")
			}
		case (h.Name == backupSQLiteName || h.Name == backupPGName) && got[h.Name] == (backupFile{}):
			w, err := os.OpenFile(filepath.Join(dir, h.Name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return nil, fmt.Errorf("backup: %w", err)
			}
			hash := sha256.New()
			n, err := io.Copy(io.MultiWriter(w, hash), tr)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, bad("damaged archive (%v)", err)
			}
			got[h.Name] = backupFile{Size: n, SHA256: hex.EncodeToString(hash.Sum(nil))}
		default:
			return nil, bad("unexpected member %q", h.Name)
		}
	}
	if m == nil {
		return nil, bad("no manifest (an interrupted backup?)")
	}
	if m.Format != backupFormat {
		return nil, bad("format %q, this binary reads %q", m.Format, backupFormat)
	}
	if m.Engine != "sqlite" && m.Engine != "postgres" {
		return nil, bad("unknown engine %q", m.Engine)
	}
	name := m.databaseMember()
	want, ok := m.Files[name]
	if !ok || len(m.Files) != 1 || len(got) != 1 {
		return nil, bad("the members do not match the manifest")
	}
	if got[name] != want {
		return nil, bad("%s does not match its checksum", name)
	}
	return m, nil
}

// checkKeys reports whether keys open the manifest's key check (true when
// the backup was made without keys).
func checkKeys(m *backupManifest, keys *pii.KeyRing) bool {
	if m.KeyCheck == "" {
		return true
	}
	if keys == nil {
		return false
	}
	s, err := keys.Open(m.KeyCheck, m.keyCheckAAD())
	return err == nil && s == keyCheckText
}
