package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivermigrate"
)

// testJobArgs is a job of the tests: it records its Name when it runs, and
// fails while Fail is set.
type testJobArgs struct {
	Name string `json:"name"`
	Fail bool   `json:"fail"`
}

func (testJobArgs) Kind() string { return "test_job" }

// testPeriodicArgs is the periodic job of the tests.
type testPeriodicArgs struct{}

func (testPeriodicArgs) Kind() string { return "test_periodic" }

// jobLog records the jobs that ran.
type jobLog struct {
	mu   sync.Mutex
	ran  []string
	fail atomic.Bool // makes every job fail, whatever its arguments
}

func (l *jobLog) names() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ran...)
}

// startTestJobs starts a job queue on db with the test job's worker.
func startTestJobs(t *testing.T, db *DB, log *jobLog, setup func(j *Jobs)) *Jobs {
	t.Helper()
	j := NewJobs(db, JobsConfig{PollInterval: 20 * time.Millisecond})
	AddWorker(j, river.WorkFunc(func(ctx context.Context, job *river.Job[testJobArgs]) error {
		if job.Args.Fail || log.fail.Load() {
			return errors.New("refused by the test")
		}
		log.mu.Lock()
		log.ran = append(log.ran, job.Args.Name)
		log.mu.Unlock()
		return nil
	}))
	if setup != nil {
		setup(j)
	}
	if err := j.Start(context.Background()); err != nil {
		t.Fatalf("start jobs: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := j.Stop(ctx); err != nil {
			t.Errorf("stop jobs: %v", err)
		}
	})
	return j
}

// waitFor polls cond until it holds or 15 seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestJobsMigrated(t *testing.T) {
	forEachEmptyEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		st, err := db.SchemaStatus(ctx)
		if err != nil || st.UpToDate() {
			t.Fatalf("empty database: %+v, %v", st, err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if st, err = db.SchemaStatus(ctx); err != nil || !st.UpToDate() || st.JobsBehind {
			t.Fatalf("after Migrate: %+v, %v", st, err)
		}
		if err := db.Ready(ctx); err != nil {
			t.Fatalf("Ready: %v", err)
		}
		// River's last migration undone behind our back: behind, not
		// ready, and Migrate applies it again though goose's schema is
		// current.
		m, err := rivermigrate.New(db.jobsDriver(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{MaxSteps: 1}); err != nil {
			t.Fatal(err)
		}
		if st, err = db.SchemaStatus(ctx); err != nil || st.UpToDate() || !st.JobsBehind {
			t.Fatalf("without River's tables: %+v, %v", st, err)
		}
		if db.Ready(ctx) == nil {
			t.Fatal("ready without the job tables")
		}
		if n, err := db.Migrate(ctx); err != nil || n != 0 {
			t.Fatalf("Migrate applied %d, %v", n, err)
		}
		if st, err = db.SchemaStatus(ctx); err != nil || !st.UpToDate() {
			t.Fatalf("after the second Migrate: %+v, %v", st, err)
		}
	})
}

func TestJobsRunInTransaction(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		log := &jobLog{}
		startTestJobs(t, db, log, nil)
		// Committed: runs. Rolled back: never exists.
		if err := db.withTx(ctx, func(tx *sql.Tx) error {
			return db.enqueueTx(ctx, tx, testJobArgs{Name: "committed"}, nil)
		}); err != nil {
			t.Fatal(err)
		}
		rollback := errors.New("roll back")
		if err := db.withTx(ctx, func(tx *sql.Tx) error {
			if err := db.enqueueTx(ctx, tx, testJobArgs{Name: "rolled back"}, nil); err != nil {
				return err
			}
			return rollback
		}); !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		waitFor(t, "the committed job", func() bool { return len(log.names()) == 1 })
		// The rolled-back job was never stored: only one row exists.
		var n int
		if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("river_job rows = %d, %v", n, err)
		}
		if got := log.names(); got[0] != "committed" {
			t.Fatalf("ran %v", got)
		}
	})
}

func TestJobsDiscardedAndRetried(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		log := &jobLog{}
		j := startTestJobs(t, db, log, nil)
		log.fail.Store(true)
		if err := j.Enqueue(ctx, testJobArgs{Name: "flaky"}, &river.InsertOpts{MaxAttempts: 1}); err != nil {
			t.Fatal(err)
		}
		var dead []*DiscardedJob
		waitFor(t, "the job to be discarded", func() bool {
			var err error
			dead, err = j.Discarded(ctx, 10, "test_job")
			if err != nil {
				t.Fatal(err)
			}
			return len(dead) == 1
		})
		d := dead[0]
		if d.Kind != "test_job" || d.Attempts != 1 || len(d.Errors) != 1 || !strings.Contains(d.Errors[0], "refused by the test") ||
			!strings.Contains(string(d.Args), `"flaky"`) || d.Failed.IsZero() {
			t.Fatalf("discarded job = %+v", d)
		}
		if other, err := j.Discarded(ctx, 10, "no_such_kind"); err != nil || len(other) != 0 {
			t.Fatalf("other kinds: %v, %v", other, err)
		}
		// Retried once the cause is gone: it runs and leaves the list.
		log.fail.Store(false)
		if err := j.Retry(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the retried job", func() bool { return len(log.names()) == 1 })
		if dead, err := j.Discarded(ctx, 10); err != nil || len(dead) != 0 {
			t.Fatalf("still discarded: %v, %v", dead, err)
		}
		if err := j.Retry(ctx, 987654321); !errors.Is(err, errJobNotFound) {
			t.Fatalf("retry of an unknown job: %v", err)
		}
	})
}

func TestJobsPeriodicOnceAcrossServers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		const interval = 100 * time.Millisecond
		var runs atomic.Int64
		periodic := func(j *Jobs) {
			AddWorker(j, river.WorkFunc(func(ctx context.Context, job *river.Job[testPeriodicArgs]) error {
				runs.Add(1)
				return nil
			}))
			j.Every(interval, testPeriodicArgs{})
		}
		// Each periodic job is inserted with its slot of the schedule as
		// scheduled_at: one scheduler fills one slot per interval between
		// the first and the last; two fill about twice as many. (Counting
		// against the time since the first run failed on a loaded machine:
		// the jobs inserted before a slow worker's first run were counted,
		// and River's scheduler, when late, catches up on the missed slots
		// in a burst.)
		span := `SELECT COUNT(*), COALESCE(EXTRACT(EPOCH FROM MAX(scheduled_at) - MIN(scheduled_at)), 0)
			FROM river_job WHERE kind = 'test_periodic'`
		if db.dialect == sqliteDialect {
			span = `SELECT COUNT(*), COALESCE((julianday(MAX(scheduled_at)) - julianday(MIN(scheduled_at))) * 86400, 0)
				FROM river_job WHERE kind = 'test_periodic'`
		}
		slots := func() (n int64, seconds float64) {
			if err := db.db.QueryRowContext(ctx, span).Scan(&n, &seconds); err != nil {
				t.Fatal(err)
			}
			return n, seconds
		}
		// Two servers on one database, each scheduling the job.
		startTestJobs(t, db, &jobLog{}, periodic)
		startTestJobs(t, db, &jobLog{}, periodic)
		waitFor(t, "a periodic run", func() bool { return runs.Load() > 0 })
		waitFor(t, "15 slots of the schedule", func() bool { n, _ := slots(); return n >= 15 })
		n, seconds := slots()
		t.Logf("%d jobs over %.3f s", n, seconds)
		// Slots one interval apart from the first to the last, plus one
		// for rounding of the stored times.
		if most := int64(seconds/interval.Seconds()+0.5) + 1; n > most {
			t.Fatalf("%d periodic jobs scheduled over %.2f s (at most %d from one scheduler)", n, seconds, most)
		}
	})
}
