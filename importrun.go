package shequ

import (
	"context"
	"time"
)

// ImportRun records one run of an importer: what was read, how much was
// written and rejected, and how it ended. Runs are kept as history.
type ImportRun struct {
	ID         string // UUIDv7, set by the store when empty
	Kind       string // what was imported, e.g. "divisions"
	Source     string // file name, or "builtin" for the shipped data
	Atomic     bool   // all-or-nothing was asked for
	Status     ImportStatus
	Total      int // data rows read
	Written    int // rows inserted or updated
	Rejected   int // rows reported as bad
	StartedAt  time.Time
	FinishedAt time.Time
}

// ImportStatus is how an import run ended.
type ImportStatus string

// Import run outcomes.
const (
	ImportCompleted ImportStatus = "completed" // every row written
	ImportPartial   ImportStatus = "partial"   // good rows written, bad rows reported
	ImportRejected  ImportStatus = "rejected"  // all-or-nothing and some row was bad: nothing written
	ImportFailed    ImportStatus = "failed"    // an error stopped the run
)

// ImportRunService keeps the history of import runs.
type ImportRunService interface {
	// CreateImportRun stores a finished run, assigning its ID when empty.
	CreateImportRun(ctx context.Context, run *ImportRun) error
	// FindImportRuns lists the latest runs of a kind ("" for all), newest first.
	FindImportRuns(ctx context.Context, kind string, limit int) ([]*ImportRun, error)
}

// SchemaStatus compares the database schema with the migrations this binary
// carries.
type SchemaStatus struct {
	Current int64 // version applied to the database, 0 when empty
	Latest  int64 // highest version this binary knows
	// JobsBehind reports that the job queue's own tables (River's, with
	// their own version table) miss a migration this binary carries.
	JobsBehind bool
	// Floor is the oldest latest version a binary may have to run on this
	// database (rolling upgrades: the last migration that did more than
	// expand); 0 when the database does not say.
	Floor int64
}

// Compatible reports whether this binary may run on the schema: it is
// not newer, or newer only by migrations that expand (a rolling upgrade is
// under way and this binary is of the previous version).
func (s SchemaStatus) Compatible() bool {
	return !s.Newer() || (s.Floor > 0 && s.Floor <= s.Latest)
}

// UpToDate reports whether the schema is exactly the one this binary knows.
func (s SchemaStatus) UpToDate() bool { return s.Current == s.Latest && !s.JobsBehind }

// Newer reports whether the database was migrated by a newer binary.
func (s SchemaStatus) Newer() bool { return s.Current > s.Latest }

// Readiness tells whether the platform can serve: the database answers and its
// schema is current.
type Readiness interface {
	Ready(ctx context.Context) error
}
