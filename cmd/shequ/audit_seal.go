package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/riverqueue/river"

	"shequ"
	"shequ/internal/auditseal"
	"shequ/internal/config"
	"shequ/internal/sqlstore"
)

// The audit trail an insider cannot rewrite (issue 14; internal/auditseal
// explains the scheme): every process keys the chain with the audit key
// file, and servers write signed checkpoints of its head to the checkpoint
// file and the log — at start, every -audit-checkpoint-every (a periodic
// job of the queue, run once across servers by whichever works it), at
// shutdown, and on `shequ audit checkpoint`.

// auditSeal is a process's audit keys and checkpoint file.
type auditSeal struct {
	keys *auditseal.Keys
	file string
	db   *sqlstore.DB
	log  *slog.Logger
	mu   sync.Mutex
	last int64 // seq of this process's last checkpoint (-1: none)
}

// auditSealPaths returns the key file and the checkpoint file of cfg.
func auditSealPaths(cfg *config.Config) (keyFile, checkpoints string) {
	keyFile, checkpoints = cfg.Ops.AuditKeyFile, cfg.Ops.AuditCheckpoints
	if keyFile == "" {
		keyFile = filepath.Join(cfg.DataDirectory(), auditseal.KeyFileName)
	}
	if checkpoints == "" {
		checkpoints = filepath.Join(cfg.DataDirectory(), auditseal.CheckpointsFileName)
	}
	return keyFile, checkpoints
}

// openAuditSeal loads (or generates) the audit keys, keys the chain with
// them, and starts the keyed epoch on a trail not keyed yet.
func openAuditSeal(ctx context.Context, db *sqlstore.DB, cfg *config.Config, log *slog.Logger) (*auditSeal, error) {
	keyFile, checkpoints := auditSealPaths(cfg)
	keys, err := auditseal.Load(keyFile, func(format string, args ...any) { log.Warn(fmt.Sprintf(format, args...)) })
	if err != nil {
		return nil, err
	}
	db.SetAuditKey(keys.HMACKey(), keys.ID())
	if err := db.StartKeyedAudit(ctx); err != nil {
		return nil, err
	}
	return &auditSeal{keys: keys, file: checkpoints, db: db, log: log, last: -1}, nil
}

// checkpoint signs the head of the trail and appends it to the checkpoint
// file and the log, unless force is false and the head has not moved since
// this process's last checkpoint.
func (a *auditSeal) checkpoint(ctx context.Context, force bool) (*shequ.AuditCheckpoint, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cp, err := a.db.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	if !force && cp.Seq == a.last {
		return nil, nil
	}
	cp.Time = a.db.Now().UTC()
	cp.Host, _ = os.Hostname()
	a.keys.Sign(cp)
	if err := auditseal.Append(a.file, cp); err != nil {
		return nil, err
	}
	a.last = cp.Seq
	a.log.Info("audit checkpoint", "seq", cp.Seq, "hash", cp.Hash, "keyed_from", cp.KeyedFrom, "key_id", cp.KeyID,
		"time", cp.Time.Format("2006-01-02T15:04:05.999999999Z07:00"), "host", cp.Host, "public_key", cp.PublicKey,
		"signature", cp.Signature, "file", a.file)
	return cp, nil
}

// writable checks that the checkpoint file can be appended to (made, with
// its directory, when missing), without writing to it.
func (a *auditSeal) writable() error {
	if err := os.MkdirAll(filepath.Dir(a.file), 0o700); err != nil {
		return fmt.Errorf("audit checkpoints: %w", err)
	}
	f, err := os.OpenFile(a.file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit checkpoints: %w", err)
	}
	return f.Close()
}

// auditCheckpointArgs is the periodic job that writes a checkpoint.
type auditCheckpointArgs struct{}

// Kind names the job.
func (auditCheckpointArgs) Kind() string { return "audit_checkpoint" }

// registerAuditJobs registers the checkpoint job (jobs.go).
func (m *Main) registerAuditJobs() {
	s := m.svc
	if s.seal == nil {
		return
	}
	sqlstore.AddWorker(s.jobs, river.WorkFunc(func(ctx context.Context, _ *river.Job[auditCheckpointArgs]) error {
		_, err := s.seal.checkpoint(ctx, false)
		return err
	}))
	s.jobs.Every(m.Config.Ops.AuditCheckpointEvery, auditCheckpointArgs{})
}
