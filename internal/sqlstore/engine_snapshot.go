package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"hash/crc32"
	"time"
)

// Engine snapshots (issue 18: a server ready in under 5 s). The in-memory
// engines' state is stored here, in the database rather than in a server's
// data directory: every server on the database starts from the one
// snapshot, whichever server wrote it; the sequence number it reflects is
// one of this database's change feed, so a snapshot can never be applied to
// another database's feed (a data directory moved or shared by mistake);
// and a backup carries the snapshot with the feed it refers to. Each
// engine's row is written in one transaction with the others' of the same
// sequence, and only over an older one.
//
// A server may start from a snapshot only when it is of the engine's
// format (version) and of this schema, its checksum matches, the change
// feed still holds every change after it (not pruned past it, not behind
// it: a database restored from an older backup), and the full load (or the
// reconcile with the database, cmd/shequ serve_reconcile.go) it descends
// from is recent (EngineSnapshotMaxAge). A change that committed but was
// never published (its server died in between) is in no snapshot: the
// reconcile of a server started from one corrects it.
// Writers that change the engines' data without publishing (the division
// import, bulk loads) delete the snapshots (DropEngineSnapshots).

// EngineSnapshotMaxAge is how old the full load a snapshot descends from may
// be for a server to start from it.
const EngineSnapshotMaxAge = 24 * time.Hour

// EngineSnapshot is the stored state of one in-memory engine.
type EngineSnapshot struct {
	Engine  string // "indicators", "coverage"
	Version int    // the engine's snapshot format
	Schema  int64  // the schema version it was taken on
	Seq     int64  // the change feed's sequence number it reflects
	BaseAt  time.Time
	TakenAt time.Time
	Data    []byte
}

var snapshotTable = crc32.MakeTable(crc32.Castagnoli)

// snapshotLockKey is the advisory lock that orders saves of the engines'
// snapshots on PostgreSQL.
const snapshotLockKey = 0x736e6170 // "snap"

// SchemaVersion is the highest migration applied to the database.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM `+gooseTable+` WHERE is_applied`).Scan(&v)
	return v, translateError(err, "read schema version")
}

// SaveEngineSnapshots stores the snapshots, all of one sequence number, in
// one transaction, unless a stored one is newer (another server wrote it
// meanwhile): saved is false then.
func (db *DB) SaveEngineSnapshots(ctx context.Context, snaps ...*EngineSnapshot) (saved bool, err error) {
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		saved = false
		if db.dialect == postgresDialect {
			// One save at a time (SQLite has one writer anyway): two saves
			// at once (a server's stop beside its snapshot job, or two
			// servers) each deleted the row and inserted theirs, and the
			// second insert failed on the first's key.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, snapshotLockKey); err != nil {
				return translateError(err, "lock the engine snapshots")
			}
		}
		for _, s := range snaps {
			var stored int64
			err := tx.QueryRowContext(ctx, db.rebind(`SELECT seq FROM engine_snapshots WHERE engine = ?`), s.Engine).Scan(&stored)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return translateError(err, "read an engine snapshot")
			case stored > s.Seq:
				return nil
			}
		}
		for _, s := range snaps {
			if _, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM engine_snapshots WHERE engine = ?`), s.Engine); err != nil {
				return translateError(err, "replace an engine snapshot")
			}
			_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO engine_snapshots
				(engine, version, schema_version, seq, base_at, taken_at, checksum, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
				s.Engine, s.Version, s.Schema, s.Seq, db.dialect.timeArg(s.BaseAt), db.dialect.timeArg(s.TakenAt),
				int64(crc32.Checksum(s.Data, snapshotTable)), s.Data)
			if err != nil {
				return translateError(err, "save an engine snapshot")
			}
		}
		saved = true
		return nil
	})
	return saved, err
}

// Why a stored snapshot is not used (UsableEngineSnapshots).
const (
	SnapshotNone    = "none"        // no snapshot, or not of every engine
	SnapshotCorrupt = "corrupt"     // its checksum does not match
	SnapshotVersion = "version"     // another format of the engine
	SnapshotSchema  = "schema"      // taken on another schema version
	SnapshotSeq     = "seq"         // the engines' snapshots of different sequences
	SnapshotOld     = "old"         // its full load older than EngineSnapshotMaxAge
	SnapshotPruned  = "feed_pruned" // changes after it were pruned from the feed
	SnapshotBehind  = "feed_behind" // the feed has not reached it (an older copy of the database)
)

// UsableEngineSnapshots returns the stored snapshots of the engines, by
// name, when a server may start from them: versions gives each engine's
// format. Otherwise it returns nil and why not (Snapshot...).
func (db *DB) UsableEngineSnapshots(ctx context.Context, versions map[string]int) (map[string]*EngineSnapshot, string, error) {
	schema, err := db.SchemaVersion(ctx)
	if err != nil {
		return nil, "", err
	}
	out := map[string]*EngineSnapshot{}
	var seq int64 = -1
	for engine, version := range versions {
		s := &EngineSnapshot{Engine: engine}
		var sum int64
		err := db.db.QueryRowContext(ctx, db.rebind(`SELECT version, schema_version, seq, base_at, taken_at, checksum, data
			FROM engine_snapshots WHERE engine = ?`), engine).
			Scan(&s.Version, &s.Schema, &s.Seq, scanTime(&s.BaseAt), scanTime(&s.TakenAt), &sum, &s.Data)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, SnapshotNone, nil
		}
		if err != nil {
			return nil, "", translateError(err, "read an engine snapshot")
		}
		switch {
		case int64(crc32.Checksum(s.Data, snapshotTable)) != sum:
			return nil, SnapshotCorrupt, nil
		case s.Version != version:
			return nil, SnapshotVersion, nil
		case s.Schema != schema:
			return nil, SnapshotSchema, nil
		case seq >= 0 && s.Seq != seq:
			return nil, SnapshotSeq, nil
		case db.now().Sub(s.BaseAt) > EngineSnapshotMaxAge:
			return nil, SnapshotOld, nil
		}
		seq = s.Seq
		out[engine] = s
	}
	var upTo int64
	var last sql.NullInt64
	if err := db.db.QueryRowContext(ctx, `SELECT up_to, (SELECT MAX(seq) FROM change_feed) FROM change_feed_pruned WHERE id = 1`).
		Scan(&upTo, &last); err != nil {
		return nil, "", translateError(err, "read the change feed")
	}
	switch {
	case upTo > seq:
		return nil, SnapshotPruned, nil
	case seq > last.Int64 && seq > upTo:
		return nil, SnapshotBehind, nil
	}
	return out, "", nil
}

// DropEngineSnapshots deletes the stored snapshots: the engines' data
// changed without going through the change feed.
func (db *DB) DropEngineSnapshots(ctx context.Context) error {
	_, err := db.db.ExecContext(ctx, `DELETE FROM engine_snapshots`)
	return translateError(err, "delete the engine snapshots")
}
