package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// The change feed keeps several `shequ serve` processes on one database
// coherent. The in-memory engines (indicators, coverage) and caches (API
// token lookups) of a process follow the changes it commits itself; a
// change that feeds them is also published here, as a row of change_feed
// with an increasing sequence number, and on PostgreSQL announced with
// NOTIFY shequ_changes. Every other process LISTENs, reads the rows after the
// last one it applied and applies them to its own engines. A process that
// missed notifications (a lost connection, a restart) reads the rows it has
// not applied when it reconnects, and at least every feedPollInterval in
// any case, so it is never silently stale; one that finds rows pruned before
// it saw them reloads its engines in full (OnResync).
//
// Order: publishers on PostgreSQL take a transaction-scoped advisory lock,
// so sequence numbers become visible in their order and a reader that has
// seen N has seen everything below N. SQLite has one writer at a time.
//
// Bound: a change published by A is applied by B within the notification's
// round trip (milliseconds) plus B's refresh; without notifications (SQLite,
// or the listening connection down) within feedPollInterval.

// Kinds of change.
const (
	// ChangeAuth: accounts or API tokens changed (token caches).
	ChangeAuth = "auth"
	// ChangeIndicators: register figures of communities changed; Keys[0]
	// is the indicator module ("" for the registers), the rest communities.
	ChangeIndicators = "indicators"
	// ChangeTargets: the plan targets changed.
	ChangeTargets = "targets"
	// ChangeFacility: a facility changed; Keys[0] is its ID.
	ChangeFacility = "facility"
	// ChangeLocation: a community's location changed; Keys[0] is its code.
	ChangeLocation = "location"
)

// feedChannel is the NOTIFY channel.
const feedChannel = "shequ_changes"

// feedLockKey is the advisory lock that orders publishers on PostgreSQL.
const feedLockKey = 0x73686571 // "sheq"

// feedPollInterval is how often a process reads the feed without being
// notified.
const feedPollInterval = time.Second

// feedRetention is how long published changes are kept (PruneChanges).
const feedRetention = 24 * time.Hour

// Change is one published change.
type Change struct {
	Seq  int64
	Kind string
	Keys []string
}

// ChangeFeed publishes this process's changes and applies the others'.
type ChangeFeed struct {
	db     *DB
	origin string
	log    *slog.Logger
	// Apply applies another process's change to this process's engines.
	Apply func(ctx context.Context, c Change)
	// OnResync reloads the engines in full, when changes were pruned
	// before this process read them.
	OnResync func(ctx context.Context) error

	mu   sync.Mutex // one reader at a time
	last int64      // the highest sequence number applied
	wake chan struct{}
}

// NewChangeFeed returns the feed of db and makes db publish its own
// changes (accounts and tokens) to it. Call Mark before loading the engines
// and Run once they are loaded.
func NewChangeFeed(db *DB, log *slog.Logger) *ChangeFeed {
	var b [8]byte
	_, _ = rand.Read(b[:])
	f := &ChangeFeed{db: db, origin: hex.EncodeToString(b[:]), log: log, wake: make(chan struct{}, 1)}
	db.feed = f
	return f
}

// Mark remembers the newest change as applied: the engines loaded after it
// see everything committed before it.
func (f *ChangeFeed) Mark(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var last sql.NullInt64
	if err := f.db.db.QueryRowContext(ctx, `SELECT MAX(seq) FROM change_feed`).Scan(&last); err != nil {
		return translateError(err, "read the change feed")
	}
	f.last = last.Int64
	return nil
}

// StartAt sets the position of a process whose engines were restored from
// a snapshot of seq (engine_snapshot.go): CatchUp then applies every
// change after it, this process's own earlier ones included (they are
// another origin's now).
func (f *ChangeFeed) StartAt(seq int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = seq
}

// Hold calls fn with the sequence number of the last change applied, while
// no other change is applied: the engines' state then reflects every
// change up to it (a snapshot's sequence). This process's own changes are
// applied to its engines before they are published, so they are in it too;
// those published after it may be in it already, and applying them again
// (a refresh from the database) changes nothing.
func (f *ChangeFeed) Hold(fn func(seq int64) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fn(f.last)
}

// Publish records a committed change for the other processes. A failure is
// logged, not returned: the change itself has committed, and the others
// catch up at their next full load.
func (f *ChangeFeed) Publish(kind string, keys ...string) {
	if f == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := f.db.withTx(ctx, func(tx *sql.Tx) error {
		if f.db.dialect == postgresDialect {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, feedLockKey); err != nil {
				return translateError(err, "lock the change feed")
			}
		}
		var seq int64
		err := tx.QueryRowContext(ctx, f.db.rebind(`INSERT INTO change_feed (origin, kind, keys, at) VALUES (?, ?, ?, ?) RETURNING seq`),
			f.origin, kind, strings.Join(keys, ","), f.db.dialect.timeArg(f.db.now())).Scan(&seq)
		if err != nil {
			return translateError(err, "publish a change")
		}
		if f.db.dialect == postgresDialect {
			if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, feedChannel, f.origin); err != nil {
				return translateError(err, "notify a change")
			}
		}
		return nil
	})
	if err != nil && f.log != nil {
		f.log.Error("publish change", "kind", kind, "err", err)
	}
}

// Run applies the other processes' changes until ctx ends: on every
// notification (PostgreSQL) and every feedPollInterval.
func (f *ChangeFeed) Run(ctx context.Context) {
	if f.db.dialect == postgresDialect {
		go f.listen(ctx)
	}
	t := time.NewTicker(feedPollInterval)
	defer t.Stop()
	for {
		if err := f.CatchUp(ctx); err != nil && ctx.Err() == nil && f.log != nil {
			f.log.Warn("read the change feed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.wake:
		}
	}
}

// listen holds a connection that LISTENs to the feed's channel and wakes
// Run on every notification from another process, reconnecting (and
// catching up: a wake-up) after a lost connection.
func (f *ChangeFeed) listen(ctx context.Context) {
	for ctx.Err() == nil {
		err := f.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if f.log != nil {
			f.log.Warn("change feed connection lost; reconnecting", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(feedPollInterval):
		}
	}
}

func (f *ChangeFeed) listenOnce(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(f.db.source)
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = 5 * time.Second
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(ctx, "LISTEN "+feedChannel); err != nil {
		return err
	}
	f.poke() // what was published while not listening
	for {
		n, err := c.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload != f.origin {
			f.poke()
		}
	}
}

func (f *ChangeFeed) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// CatchUp applies the changes published by other processes since the last
// one applied.
func (f *ChangeFeed) CatchUp(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		rows, err := f.db.db.QueryContext(ctx, f.db.rebind(`SELECT seq, origin, kind, keys FROM change_feed
			WHERE seq > ? ORDER BY seq LIMIT 500`), f.last)
		if err != nil {
			return translateError(err, "read the change feed")
		}
		var changes []Change
		prev, first := f.last, true
		gap := false
		for rows.Next() {
			var c Change
			var origin, keys string
			if err := rows.Scan(&c.Seq, &origin, &c.Kind, &keys); err != nil {
				rows.Close()
				return translateError(err, "read the change feed")
			}
			if first && f.last > 0 && c.Seq > f.last+1 {
				gap = true
			}
			first = false
			f.last = c.Seq
			if origin == f.origin {
				continue
			}
			if keys != "" {
				c.Keys = strings.Split(keys, ",")
			}
			changes = append(changes, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translateError(err, "read the change feed")
		}
		if gap && f.pruned(ctx, prev) {
			// Some changes were deleted unread: reload everything.
			if f.OnResync != nil {
				if err := f.OnResync(ctx); err != nil {
					return err
				}
			}
			continue
		}
		for _, c := range changes {
			if c.Kind == ChangeAuth {
				f.db.authGen.Add(1) // every cached sign-in is stale
				continue
			}
			if f.Apply != nil {
				f.Apply(ctx, c)
			}
		}
		if len(changes) == 0 || len(changes) < 500 {
			return nil
		}
	}
}

// pruned reports whether a prune deleted changes after prev, the last one
// applied before this read (a gap between sequence numbers can also be a
// publication that rolled back, which lost nothing).
func (f *ChangeFeed) pruned(ctx context.Context, prev int64) bool {
	var upTo int64
	if err := f.db.db.QueryRowContext(ctx, `SELECT up_to FROM change_feed_pruned WHERE id = 1`).Scan(&upTo); err != nil {
		return true // unknown: reload rather than stay stale
	}
	return upTo > prev
}

// PruneChanges deletes the changes older than feedRetention (a periodic
// job), keeping the newest, and records the highest sequence number
// deleted, so that a process that had not read them reloads in full.
func (db *DB) PruneChanges(ctx context.Context) (int64, error) {
	var n int64
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var upTo sql.NullInt64
		err := tx.QueryRowContext(ctx, db.rebind(`SELECT MAX(seq) FROM change_feed WHERE at < ? AND seq < (SELECT MAX(seq) FROM change_feed)`),
			db.dialect.timeArg(db.now().Add(-feedRetention))).Scan(&upTo)
		if err != nil || !upTo.Valid {
			return translateError(err, "prune the change feed")
		}
		res, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM change_feed WHERE seq <= ?`), upTo.Int64)
		if err != nil {
			return translateError(err, "prune the change feed")
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, db.rebind(`UPDATE change_feed_pruned SET up_to = ? WHERE id = 1`), upTo.Int64)
		return translateError(err, "prune the change feed")
	})
	return n, err
}

// ChangePruneArgs is the periodic job that deletes published changes older
// than feedRetention.
type ChangePruneArgs struct{}

// Kind implements river.JobArgs.
func (ChangePruneArgs) Kind() string { return "change_prune" }

// ChangePruneWorker is the worker of ChangePruneArgs.
func ChangePruneWorker(db *DB) river.Worker[ChangePruneArgs] {
	return river.WorkFunc(func(ctx context.Context, _ *river.Job[ChangePruneArgs]) error {
		_, err := db.PruneChanges(ctx)
		return err
	})
}
