package main

import (
	"errors"
	iofs "io/fs"
	"os"
	"path/filepath"

	"shequ/internal/auditseal"
	"shequ/internal/config"
)

// A database's audit trail is chained with the audit key file (audit_seal.go)
// from its keyed epoch on, so a backup is verified, and a restored database
// served, only with that file: `shequ backup` copies it beside the backup
// (FILE.audit-keys.json, mode 0600), verify-backup and restore read it from
// -audit-keys, from beside the backup, or from this installation, and a
// restore installs it into a data directory that has none.

// backupAuditKeysPath is the audit key file written beside a backup.
func backupAuditKeysPath(backup string) string { return backup + ".audit-keys.json" }

// saveBackupAuditKeys copies this installation's audit key file to dest
// (mode 0600, never over a file); "" when there is none to copy.
func saveBackupAuditKeys(cfg *config.Config, dest string) (string, error) {
	src, _ := auditSealPaths(cfg)
	b, err := os.ReadFile(src)
	if errors.Is(err, iofs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return dest, writeNewFile(dest, b)
}

// writeNewFile writes b to a new file of mode 0600 and syncs it.
func writeNewFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// backupAuditKeys returns the audit keys to verify a backup's trail with,
// and the file they came from: -audit-keys (flagPath), else the file beside
// the backup, else this installation's; nil when none exists (a trail never
// keyed needs none). It never generates a key file.
func backupAuditKeys(cfg *config.Config, backup, flagPath string) (*auditseal.Keys, string, error) {
	own, _ := auditSealPaths(cfg)
	for _, p := range []string{flagPath, backupAuditKeysPath(backup), own} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			if p == flagPath {
				return nil, "", err
			}
			continue
		}
		k, err := auditseal.Load(p, nil)
		return k, p, err
	}
	return nil, "", nil
}

// installAuditKeys copies the audit key file from into this installation's
// place when there is none there yet; it returns where, or "".
func installAuditKeys(cfg *config.Config, from string) (string, error) {
	dest, _ := auditSealPaths(cfg)
	if from == "" || filepath.Clean(from) == filepath.Clean(dest) {
		return "", nil
	}
	if _, err := os.Stat(dest); err == nil {
		return "", nil
	}
	b, err := os.ReadFile(from)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
		return "", err
	}
	return dest, writeNewFile(dest, b)
}
