package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"shequ"
)

// runAuditPrune removes the audit records older than -before (at least
// shequ.AuditRetentionMonths ago) after writing them to the archive -o (JSON
// lines as `audit export` writes them, mode 0600, synced to disk before
// anything is removed). Nothing prunes the trail unless this is run.
func runAuditPrune(ctx context.Context, e *env, args []string) error {
	var before, out string
	return withServices(ctx, e, "audit", args, 0, func(fs *flag.FlagSet) {
		fs.StringVar(&before, "before", "", "remove the records older than this day, YYYY-MM-DD (Asia/Shanghai; six months ago at the latest)")
		fs.StringVar(&out, "o", "", "the archive the removed records are written to first (a new file)")
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		limit := shequ.AuditPruneLimit(time.Now()).Format(time.DateOnly)
		if before == "" || out == "" {
			return shequ.Errorf(shequ.EInvalid, "cli.audit.prune.args",
				"Give -before YYYY-MM-DD (%s at the latest) and -o FILE, the archive the records are written to first.", limit).
				With(map[string]any{"Limit": limit})
		}
		day, err := time.ParseInLocation(time.DateOnly, before, shequ.Shanghai)
		if err != nil {
			return shequ.Errorf(shequ.EInvalid, "cli.audit.date", "%q is not a date YYYY-MM-DD.", before).With(map[string]any{"Value": before})
		}
		file, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return shequ.Errorf(shequ.EInvalid, "import.file.create", "Cannot create %s: %v.", out, err).
				With(map[string]any{"File": out, "Reason": err.Error()})
		}
		a := &fileArchive{f: file, w: bufio.NewWriter(file)}
		a.enc = json.NewEncoder(a.w)
		a.enc.SetEscapeHTML(false)
		p, err := s.audit.PruneAudit(ctx, day, a)
		if !a.closed {
			file.Close()
		}
		if err != nil || p.Count == 0 {
			// Nothing was removed: the archive is not needed.
			os.Remove(out)
		}
		if err != nil {
			return err
		}
		if p.Count == 0 {
			fmt.Fprintln(e.stdout, e.loc.T("cli.audit.nothing_to_prune", map[string]any{"Before": before}))
			return nil
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.audit.pruned", map[string]any{"Count": p.Count, "First": p.First, "Through": p.Through,
			"Before": before, "File": out}))
		return nil
	})
}

// fileArchive writes the records a prune removes to a file, as JSON lines;
// Close syncs it to disk.
type fileArchive struct {
	f      *os.File
	w      *bufio.Writer
	enc    *json.Encoder
	closed bool
}

func (a *fileArchive) Write(r *shequ.AuditRecord) error { return a.enc.Encode(exportRecord(r)) }

func (a *fileArchive) Close() error {
	a.closed = true
	if err := a.w.Flush(); err != nil {
		a.f.Close()
		return err
	}
	if err := a.f.Sync(); err != nil {
		a.f.Close()
		return err
	}
	return a.f.Close()
}
