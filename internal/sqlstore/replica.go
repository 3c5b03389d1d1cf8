package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"shequ"
)

// A read replica (serve -db-read): a PostgreSQL standby, or a multi-host
// URL preferring one (target_session_attrs=prefer-standby), that serves the
// reads a context marks stale-tolerant (shequ.WithStaleReads: the public
// pages). Its replay lag is checked at most once a second; while it lags
// more than the bound, cannot be reached or fails a read check, those reads
// go to the primary. A page read through it is therefore at most
// maxLag + replicaCheckEvery behind the primary.

// DefaultReplicaMaxLag is the default bound of -db-read-max-lag.
const DefaultReplicaMaxLag = 2 * time.Second

// replicaCheckEvery is how often the replica's lag is measured.
const replicaCheckEvery = time.Second

// replicaCheckTimeout bounds one measure (a new connection included): a
// standby that does not answer in time is not used until the next one.
const replicaCheckTimeout = time.Second

// replicaLagSQL is the replay lag in seconds: 0 on a primary (a failover
// made the standby one) or on a standby that replayed all it received,
// otherwise the time since the last transaction it replayed committed.
const replicaLagSQL = `SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
	ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9) END`

// replica is the read pool and what its last measure found.
type replica struct {
	db     *sql.DB
	maxLag time.Duration

	mu      sync.Mutex
	checked time.Time
	usable  bool
	lag     time.Duration
	err     error // of the last measure
}

// OpenReplica opens the read pool on dsn (PostgreSQL only, the primary's
// schema) for the reads marked stale-tolerant, used while its replay lag is
// at most maxLag (0: DefaultReplicaMaxLag). A replica unreachable now is
// not an error: the reads go to the primary until it answers.
func (db *DB) OpenReplica(dsn string, maxLag time.Duration) error {
	d, source, err := resolveDSN(dsn, Options{})
	if err != nil {
		return err
	}
	if d != postgresDialect || db.dialect != postgresDialect {
		return shequ.Errorf(shequ.EInvalid, "db.read.postgres", "A read replica (-db-read) needs PostgreSQL for both URLs.")
	}
	c, err := newSlotConnector(source)
	if err != nil {
		return &shequ.Error{Code: shequ.EInvalid, Key: "db.dsn.invalid", Message: "The database URL is not valid.",
			Err: fmt.Errorf("open read replica: %w", err)}
	}
	p := sql.OpenDB(c)
	p.SetMaxOpenConns(maxPostgresConns / 2)
	p.SetMaxIdleConns(4)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if maxLag <= 0 {
		maxLag = DefaultReplicaMaxLag
	}
	if db.replica != nil {
		_ = db.replica.db.Close()
	}
	db.replica = &replica{db: p, maxLag: maxLag}
	return nil
}

// reader is where a read of ctx goes: the replica when ctx allows stale
// reads and the replica is usable, the primary otherwise.
func (db *DB) reader(ctx context.Context) querier {
	if r := db.replica; r != nil && shequ.StaleReadsOK(ctx) && r.use(ctx) {
		return r.db
	}
	return db.db
}

// use reports whether the replica may serve reads now, measuring its lag
// when the last measure is older than replicaCheckEvery.
func (r *replica) use(ctx context.Context) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checked) < replicaCheckEvery {
		return r.usable
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), replicaCheckTimeout)
	defer cancel()
	var secs float64
	err := r.db.QueryRowContext(cctx, replicaLagSQL).Scan(&secs)
	r.checked, r.err = time.Now(), err
	r.lag = time.Duration(secs * float64(time.Second))
	r.usable = err == nil && r.lag <= r.maxLag
	return r.usable
}

// ReplicaStatus reports whether a replica is configured, whether reads go
// to it now, its last measured lag and the error of the last measure.
func (db *DB) ReplicaStatus() (configured, inUse bool, lag time.Duration, err error) {
	r := db.replica
	if r == nil {
		return false, false, 0, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return true, r.usable, r.lag, r.err
}
