package sqlstore

import (
	"context"
	"sync"
	"time"
)

// Background WAL checkpoints for SQLite. By default SQLite checkpoints in
// the connection whose commit makes the WAL pass 1000 pages: that commit
// then copies the WAL into the database file and waits for two fsyncs
// while every other writer waits for it (the group commit's one writer
// goroutine, tx_batch.go, stood still for them: `shequ bench requests`
// used a core and a half of two). Here a goroutine of its own runs a
// PASSIVE checkpoint every checkpointEvery instead, on its own connection;
// writers go on appending to the WAL meanwhile, and SQLite starts the WAL
// over from its beginning once a checkpoint has copied all of it.
// sqliteAutoCheckpoint stays as a safety net: should the goroutine fall
// behind, the writer that passes it checkpoints as before.

// checkpointEvery is how often the background checkpoint runs.
const checkpointEvery = 250 * time.Millisecond

// sqliteAutoCheckpoint is the WAL size in pages (4 KiB) past which a
// committing writer checkpoints itself.
const sqliteAutoCheckpoint = 16384

// checkpointer runs the background checkpoints of one database.
type checkpointer struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

// startCheckpointer starts the background checkpoints (SQLite only).
func (db *DB) startCheckpointer() {
	if db.dialect != sqliteDialect {
		return
	}
	db.ckpt = &checkpointer{stop: make(chan struct{})}
	db.ckpt.wg.Go(func() {
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-db.ckpt.stop:
				return
			case <-t.C:
				db.checkpoint()
			}
		}
	})
}

// checkpoint runs one PASSIVE checkpoint. A failure is not an error of
// anyone's write: the WAL keeps the data, and the next checkpoint (or the
// safety net) copies it.
func (db *DB) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy, logPages, done int
	_ = db.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &done)
}

// stopCheckpointer stops the background checkpoints and waits for the one
// running.
func (db *DB) stopCheckpointer() {
	if db.ckpt != nil {
		close(db.ckpt.stop)
		db.ckpt.wg.Wait()
		db.ckpt = nil
	}
}
