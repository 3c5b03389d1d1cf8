package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"shequ"
)

// ImportRunService keeps the history of import runs. It implements
// shequ.ImportRunService.
type ImportRunService struct {
	db *DB
}

var _ shequ.ImportRunService = (*ImportRunService)(nil)

// NewImportRunService returns an ImportRunService on db.
func NewImportRunService(db *DB) *ImportRunService { return &ImportRunService{db: db} }

// Limits of FindImportRuns.
const (
	defaultImportRunLimit = 20
	maxImportRunLimit     = 500
)

// CreateImportRun stores a finished run. It assigns a UUIDv7 when ID is
// empty, sets StartedAt and FinishedAt to the clock's time when zero, and
// leaves run holding the stored values (UTC, microseconds).
func (s *ImportRunService) CreateImportRun(ctx context.Context, run *shequ.ImportRun) error {
	if run.Kind == "" {
		return shequ.Errorf(shequ.EInvalid, "import_run.kind.empty", "The kind of import is missing.")
	}
	if run.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return shequ.Wrap(err, "generate import run id")
		}
		run.ID = id.String()
	} else if _, err := uuid.Parse(run.ID); err != nil {
		// PostgreSQL would reject it as uuid, SQLite would not: check here
		// so that both engines behave alike.
		return shequ.Errorf(shequ.EInvalid, "import_run.id.malformed", "The import run id is not a UUID.")
	}
	now := s.db.now()
	run.StartedAt = storedTime(run.StartedAt, now)
	run.FinishedAt = storedTime(run.FinishedAt, now)
	d := s.db.dialect
	_, err := s.db.db.ExecContext(ctx, s.db.rebind(`INSERT INTO import_runs
		(id, kind, source, atomic, status, total, written, rejected, started_at, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		run.ID, run.Kind, run.Source, run.Atomic, string(run.Status), run.Total, run.Written, run.Rejected,
		d.timeArg(run.StartedAt), d.timeArg(run.FinishedAt))
	return translateError(err, "create import run")
}

// storedTime is t as stored (UTC, microseconds), or def when t is zero.
func storedTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t.UTC().Truncate(time.Microsecond)
}

// FindImportRuns lists the latest runs of kind ("" for all kinds), newest
// first. limit defaults to 20 and is capped at 500.
func (s *ImportRunService) FindImportRuns(ctx context.Context, kind string, limit int) ([]*shequ.ImportRun, error) {
	limit = clamp(limit, defaultImportRunLimit, maxImportRunLimit)
	where, args := "", []any{}
	if kind != "" {
		where, args = `WHERE kind = ?`, append(args, kind)
	}
	// UUIDv7 ids order by creation time, so id breaks ties between runs
	// started in the same microsecond.
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, kind, source, atomic, status,
		total, written, rejected, started_at, finished_at
		FROM import_runs `+where+`
		ORDER BY started_at DESC, id DESC
		LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, translateError(err, "find import runs")
	}
	defer rows.Close()
	out := []*shequ.ImportRun{}
	for rows.Next() {
		var r shequ.ImportRun
		var status string
		if err := rows.Scan(&r.ID, &r.Kind, &r.Source, &r.Atomic, &status, &r.Total, &r.Written, &r.Rejected,
			scanTime(&r.StartedAt), scanTime(&r.FinishedAt)); err != nil {
			return nil, translateError(fmt.Errorf("scan: %w", err), "find import runs")
		}
		r.Status = shequ.ImportStatus(status)
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "find import runs")
	}
	return out, nil
}
