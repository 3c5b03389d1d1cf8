package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Background jobs (DESIGN §11: "background work through a job queue that
// runs once across servers") run on River, on both engines: its database/sql
// driver for PostgreSQL (our pool is database/sql over pgx, so a job is
// inserted in the very *sql.Tx of the change that causes it) and its SQLite
// driver over modernc.org/sqlite. River keeps its own tables (river_job,
// river_leader, …), migrated by Migrate after goose's.
//
// How a module uses it:
//
//   - A job is a pair: arguments (a struct with a Kind method, stored as
//     JSON: keep personal data out of it, store IDs) and a worker
//     (river.Worker[T], or river.WorkFunc for a function). Register the
//     worker before Start: AddWorker(jobs, w).
//   - Enqueue inside the transaction of the change that causes the job, so
//     that the job exists if and only if the change committed:
//     db.enqueueTx(ctx, tx, args, opts) from this package's services. Outside
//     a transaction, Jobs.Enqueue.
//   - A periodic job ("run the overdue escalation every 5 minutes") is
//     Jobs.Every(interval, args): only the elected leader among the servers
//     on one database schedules it, so it runs once across servers.
//   - A worker's error retries the job with River's exponential backoff
//     (attempt⁴ seconds) up to its MaxAttempts (default jobsMaxAttempts);
//     then it is discarded: Jobs.Discarded lists them, Jobs.Retry runs one
//     again.
//
// Polling, not LISTEN: the database/sql driver cannot listen, and SQLite's
// listener polls a table every 50 ms and makes every insert write a wake-up
// row besides the job. Producers look for available jobs every
// JobsConfig.PollInterval instead (1 s by default), a small delay for
// notifications and escalations.

// jobsMaxAttempts is how many times a job runs before it is discarded
// (River's default is 25, about three weeks of backoff; a notification a
// week late is worth nothing to its recipient). With attempt⁴ seconds
// between attempts, 10 attempts span about seven hours.
const jobsMaxAttempts = 10

// JobsConfig tunes the job queue.
type JobsConfig struct {
	// Workers is how many jobs of this process run at once (default 4:
	// deliveries mostly wait on the network).
	Workers int
	// PollInterval is how often this process looks for jobs to run
	// (default 1 s).
	PollInterval time.Duration
	// Logger receives River's own log; nil discards it.
	Logger *slog.Logger
}

// Jobs is the background job queue of one process: the workers it runs and
// the periodic jobs it schedules when it leads. Build it with NewJobs,
// register with AddWorker and Every, then Start; Stop before closing the
// database.
type Jobs struct {
	db       *DB
	cfg      JobsConfig
	workers  *river.Workers
	periodic []*river.PeriodicJob
	kinds    map[string]bool // periodic kinds, each scheduled once

	mu     sync.Mutex
	client *river.Client[*sql.Tx] // set by Start
	pool   *sql.DB                // SQLite: River's own one-connection pool
}

// NewJobs returns the job queue of db.
func NewJobs(db *DB, cfg JobsConfig) *Jobs {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	return &Jobs{db: db, cfg: cfg, workers: river.NewWorkers(), kinds: map[string]bool{}}
}

// AddWorker registers the worker of the job kind T. Call it before Start;
// a kind registered twice panics (a programming error).
func AddWorker[T river.JobArgs](j *Jobs, w river.Worker[T]) {
	river.AddWorker(j.workers, w)
}

// Every schedules args every interval while this process leads the servers
// on the database (one leader at a time: the job runs once across servers).
// The first run is one interval after the leader starts. Its worker must be
// registered with AddWorker. Call it before Start.
func (j *Jobs) Every(interval time.Duration, args river.JobArgs) {
	j.every(interval, args, false)
}

// EveryFromStart is Every with a first run as soon as a process becomes
// the leader (at the first start, and again after each change of leader).
func (j *Jobs) EveryFromStart(interval time.Duration, args river.JobArgs) {
	j.every(interval, args, true)
}

func (j *Jobs) every(interval time.Duration, args river.JobArgs, onStart bool) {
	kind := args.Kind()
	if j.kinds[kind] {
		panic("sqlstore: periodic job " + kind + " scheduled twice")
	}
	j.kinds[kind] = true
	j.periodic = append(j.periodic, river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return args, nil },
		&river.PeriodicJobOpts{ID: kind, RunOnStart: onStart}))
}

// Start starts working jobs and, when this process is elected leader,
// scheduling the periodic ones. It returns once started.
func (j *Jobs) Start(ctx context.Context) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.client != nil {
		return errors.New("start jobs: already started")
	}
	drv := j.db.jobsDriver()
	if j.db.dialect == sqliteDialect {
		// River's maintenance, producer and completer work in parallel;
		// on SQLite's single writer they would queue on the busy timeout.
		// Its own pool of one connection serializes them in Go instead,
		// and leaves the application's pool alone. The jobs themselves
		// write through the services, on the application's pool.
		pool, err := j.db.openSQLitePool(1)
		if err != nil {
			return err
		}
		j.pool, drv = pool, riversqlite.New(pool)
	}
	logger := j.cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c, err := river.NewClient(drv, &river.Config{
		Logger:            logger,
		Workers:           j.workers,
		PeriodicJobs:      j.periodic,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: j.cfg.Workers}},
		MaxAttempts:       jobsMaxAttempts,
		FetchPollInterval: j.cfg.PollInterval,
		FetchCooldown:     min(j.cfg.PollInterval, river.FetchCooldownDefault),
		PollOnly:          true,
		// Discarded jobs are the dead-letter list an administrator reads
		// and retries: kept a month (River's default is a week).
		DiscardedJobRetentionPeriod: 30 * 24 * time.Hour,
	})
	if err != nil {
		j.closePool()
		return fmt.Errorf("create job client: %w", err)
	}
	if err := c.Start(ctx); err != nil {
		j.closePool()
		return fmt.Errorf("start jobs: %w", err)
	}
	j.client = c
	return nil
}

// Stop stops fetching jobs and waits for the running ones, at most until
// ctx ends (then they are cancelled and retried later).
func (j *Jobs) Stop(ctx context.Context) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.client == nil {
		return nil
	}
	err := j.client.Stop(ctx)
	if err != nil {
		err = errors.Join(err, j.client.StopAndCancel(context.Background()))
	}
	j.client = nil
	j.closePool()
	if err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	return nil
}

func (j *Jobs) closePool() {
	if j.pool != nil {
		_ = j.pool.Close()
		j.pool = nil
	}
}

// Enqueue adds a job outside any transaction (within one, a service of this
// package calls db.enqueueTx).
func (j *Jobs) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	return j.db.withTx(ctx, func(tx *sql.Tx) error { return j.db.enqueueTx(ctx, tx, args, opts) })
}

// DiscardedJob is a job that failed every attempt (the dead-letter list).
type DiscardedJob struct {
	ID       int64
	Kind     string
	Args     []byte // the job's arguments as JSON
	Attempts int
	Errors   []string // the error of each attempt, oldest first
	Created  time.Time
	Failed   time.Time
}

// Discarded lists the discarded jobs of kinds (all kinds when none), newest
// first, at most limit.
func (j *Jobs) Discarded(ctx context.Context, limit int, kinds ...string) ([]*DiscardedJob, error) {
	c, err := j.db.jobsInserter()
	if err != nil {
		return nil, err
	}
	p := river.NewJobListParams().States(rivertype.JobStateDiscarded).
		OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).First(max(1, min(limit, 1000)))
	if len(kinds) > 0 {
		p = p.Kinds(kinds...)
	}
	res, err := c.JobList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list discarded jobs: %w", err)
	}
	out := make([]*DiscardedJob, 0, len(res.Jobs))
	for _, r := range res.Jobs {
		d := &DiscardedJob{ID: r.ID, Kind: r.Kind, Args: r.EncodedArgs, Attempts: r.Attempt, Created: r.CreatedAt.UTC()}
		if r.FinalizedAt != nil {
			d.Failed = r.FinalizedAt.UTC()
		}
		for _, e := range r.Errors {
			d.Errors = append(d.Errors, e.Error)
		}
		out = append(out, d)
	}
	return out, nil
}

// Retry makes a discarded (or any finished) job available again now, with
// a fresh set of attempts.
func (j *Jobs) Retry(ctx context.Context, id int64) error {
	c, err := j.db.jobsInserter()
	if err != nil {
		return err
	}
	if _, err := c.JobRetry(ctx, id); err != nil {
		if errors.Is(err, rivertype.ErrNotFound) {
			return fmt.Errorf("retry job %d: %w", id, errJobNotFound)
		}
		return fmt.Errorf("retry job %d: %w", id, err)
	}
	return nil
}

// errJobNotFound is the not-found answer about a job.
var errJobNotFound = errors.New("no such job")

// enqueueTx adds a job inside tx: it exists if and only if tx commits.
func (db *DB) enqueueTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	c, err := db.jobsInserter()
	if err != nil {
		return err
	}
	if _, err := c.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("enqueue %s job: %w", args.Kind(), err)
	}
	return nil
}

// jobsDriver is River's driver for this engine on the application's pool.
func (db *DB) jobsDriver() riverdriver.Driver[*sql.Tx] {
	if db.dialect == sqliteDialect {
		return riversqlite.New(db.db)
	}
	return riverdatabasesql.New(db.db)
}

// jobsInserter is an insert-only River client on the application's pool: it
// inserts into the caller's transaction, lists and retries jobs, and works
// none (Jobs.Start's client does). Made once, on first use.
func (db *DB) jobsInserter() (*river.Client[*sql.Tx], error) {
	db.inserterOnce.Do(func() {
		db.inserter, db.inserterErr = river.NewClient(db.jobsDriver(), &river.Config{
			MaxAttempts: jobsMaxAttempts,
		})
	})
	if db.inserterErr != nil {
		return nil, fmt.Errorf("create job inserter: %w", db.inserterErr)
	}
	return db.inserter, nil
}

// migrateJobs applies River's pending migrations.
func (db *DB) migrateJobs(ctx context.Context) error {
	m, err := rivermigrate.New(db.jobsDriver(), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("migrate jobs: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate jobs: %w", err)
	}
	return nil
}

// jobsBehind reports whether River's tables miss a migration this binary
// carries.
func (db *DB) jobsBehind(ctx context.Context) (bool, error) {
	m, err := rivermigrate.New(db.jobsDriver(), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return false, fmt.Errorf("read job schema: %w", err)
	}
	have, err := m.ExistingVersions(ctx)
	if err != nil {
		return false, fmt.Errorf("read job schema: %w", err)
	}
	all := m.AllVersions()
	return len(all) > 0 && (len(have) == 0 || have[len(have)-1].Version < all[len(all)-1].Version), nil
}
