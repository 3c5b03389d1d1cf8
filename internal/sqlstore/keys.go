package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"shequ"
)

// The registry of personal-data keys (migration 0012): which keys exist, by
// fingerprint, and which one seals (data_keys), and which running servers
// hold which keys (key_holders, renewed by heartbeats). It lets a key be
// rotated while servers run without losing data:
//
//   - a process whose key file does not match the database (a key of
//     another installation, or a stale copy that lacks the key sealing
//     now) is refused at start (CheckKeyRing), instead of sealing values
//     nobody else can open;
//   - the registry says which key seals: every process seals with the
//     registry's current key, taken at start and at every heartbeat;
//   - `shequ keys rotate` introduces a key as "new", waits until every
//     running server holds it, makes it current in the registry (the old
//     one "old"), waits until every running server seals with it, then
//     re-seals what the old key sealed (cmd/shequ/keys.go);
//   - a server whose key file lacks the current key (it was not reached
//     in time) seals nothing — its writes of personal data answer 503 —
//     until it loads the current key file;
//   - a key is retired only when no sealed value and no running server
//     uses it (CountSealed, KeyHolders).

// States of a data key.
const (
	KeyNew     = "new"     // in key files, not sealing yet
	KeyCurrent = "current" // seals
	KeyOld     = "old"     // opens what it sealed, seals nothing
	KeyRetired = "retired" // removed from the key files
)

// DataKey is a key of the registry.
type DataKey struct {
	ID          uint32
	Fingerprint string
	State       string
	AddedAt     time.Time
	ChangedAt   time.Time
}

// KeyRingView is what the registry needs of a key ring (pii.KeyRing).
type KeyRingView interface {
	CurrentID() uint32
	KeyIDs() []uint32
	Fingerprint(id uint32) (string, bool)
}

// KeyHolder is a running server and the keys it holds.
type KeyHolder struct {
	Instance   string // random per process
	Host       string
	PID        int
	Addr       string // where it listens
	StartedAt  time.Time
	SeenAt     time.Time
	ExpiresAt  time.Time // without a heartbeat by then, it is gone
	CurrentKey uint32
	KeyIDs     []uint32
}

// Has reports whether the holder holds key id.
func (h KeyHolder) Has(id uint32) bool { return slices.Contains(h.KeyIDs, id) }

// Audit actions of the registry.
const (
	auditKeyAdd     = "keys.add"
	auditKeyCurrent = "keys.current"
	auditKeyRetire  = "keys.retire"
	objDataKey      = "data_key"
)

// DataKeys lists the registry, by id.
func (db *DB) DataKeys(ctx context.Context) ([]DataKey, error) {
	return db.dataKeys(ctx, db.db)
}

func (db *DB) dataKeys(ctx context.Context, q querier) ([]DataKey, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, fingerprint, state, added_at, changed_at FROM data_keys ORDER BY id`)
	if err != nil {
		return nil, translateError(err, "read data keys")
	}
	defer rows.Close()
	var out []DataKey
	for rows.Next() {
		var k DataKey
		var id int64
		if err := rows.Scan(&id, &k.Fingerprint, &k.State, scanTime(&k.AddedAt), scanTime(&k.ChangedAt)); err != nil {
			return nil, translateError(err, "read data keys")
		}
		k.ID = uint32(id)
		out = append(out, k)
	}
	return out, translateError(rows.Err(), "read data keys")
}

// errKeyMismatch refuses a key file whose key id differs from the
// registry's.
func errKeyMismatch(id uint32) error {
	return shequ.Errorf(shequ.EConflict, "keys.mismatch",
		"The key file does not belong to this database: its data key %d differs from the one the database registered. Use this installation's key file.", id).
		With(map[string]any{"ID": id})
}

// errKeyStale refuses a key file that lacks the key that seals now, or
// seals with one that is being retired.
func errKeyStale(current, want uint32) error {
	return shequ.Errorf(shequ.EConflict, "keys.stale",
		"The key file is older than the database: the database seals with data key %d, the file with %d. Copy the current key file from where `shequ keys rotate` ran.", want, current).
		With(map[string]any{"ID": want, "Current": current})
}

// CheckKeyRing checks a key ring against the registry, and registers it
// when the registry is empty (a database from before it): every key of the
// ring must have the registered fingerprint, and the ring must hold the key
// that seals now, whose id it returns: the registry, not the key file,
// says which key seals (a rotation switches every running process at once
// through it), so the caller seals with that key. Keys of the ring the
// registry lacks are registered as new (a rotation that stopped between
// saving the key file and registering its key).
func (db *DB) CheckKeyRing(ctx context.Context, ring KeyRingView) (uint32, error) {
	now := db.dialect.timeArg(db.now())
	var current uint32
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		keys, err := db.dataKeys(ctx, tx)
		if err != nil {
			return err
		}
		byID := map[uint32]DataKey{}
		for _, k := range keys {
			byID[k.ID] = k
			if k.State == KeyCurrent {
				current = k.ID
			}
		}
		for _, id := range ring.KeyIDs() {
			fp, _ := ring.Fingerprint(id)
			k, known := byID[id]
			switch {
			case known && k.Fingerprint != fp:
				return errKeyMismatch(id)
			case known:
				continue
			}
			state := KeyNew
			if len(keys) == 0 {
				// The first registration: the ring as it is.
				state = KeyOld
				if id == ring.CurrentID() {
					state = KeyCurrent
				}
			}
			if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO data_keys (id, fingerprint, state, added_at, changed_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`), int64(id), fp, state, now, now); err != nil {
				return translateError(err, "register data key")
			}
			if state == KeyCurrent {
				current = id
			}
		}
		if _, ok := ring.Fingerprint(current); !ok {
			return errKeyStale(ring.CurrentID(), current)
		}
		return nil
	})
	return current, err
}

// CurrentKey returns the id of the key that seals, 0 when none is
// registered.
func (db *DB) CurrentKey(ctx context.Context) (uint32, error) {
	var id int64
	err := db.db.QueryRowContext(ctx, db.rebind(`SELECT id FROM data_keys WHERE state = ?`), KeyCurrent).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return uint32(id), translateError(err, "read the current data key")
}

// SetKeyState moves key id to state, audited; making a key current makes
// the current one old in the same transaction.
func (db *DB) SetKeyState(ctx context.Context, id uint32, state string) error {
	now := db.dialect.timeArg(db.now())
	action := map[string]string{KeyNew: auditKeyAdd, KeyCurrent: auditKeyCurrent, KeyRetired: auditKeyRetire, KeyOld: auditKeyCurrent}[state]
	return db.withTx(ctx, func(tx *sql.Tx) error {
		if state == KeyCurrent {
			if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE data_keys SET state = ?, changed_at = ? WHERE state = ? AND id <> ?`),
				KeyOld, now, KeyCurrent, int64(id)); err != nil {
				return translateError(err, "change data key state")
			}
		}
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE data_keys SET state = ?, changed_at = ? WHERE id = ?`), state, now, int64(id))
		if err != nil {
			return translateError(err, "change data key state")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return shequ.Errorf(shequ.ENotFound, "keys.unknown", "There is no data key %d.", id).With(map[string]any{"ID": id})
		}
		return auditAllowed(ctx, db, tx, action, objDataKey, strconv.FormatUint(uint64(id), 10), "", "state="+state)
	})
}

// KeyState returns the registered state of key id, "" when unregistered.
func (db *DB) KeyState(ctx context.Context, id uint32) (string, error) {
	var st string
	err := db.db.QueryRowContext(ctx, db.rebind(`SELECT state FROM data_keys WHERE id = ?`), int64(id)).Scan(&st)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return st, translateError(err, "read data key state")
}

// HoldKeys records a heartbeat of a running server: the keys it holds,
// valid until ttl from now. Rows of servers gone for an hour are removed.
func (db *DB) HoldKeys(ctx context.Context, h KeyHolder, ttl time.Duration) error {
	now := db.now()
	ids := make([]string, len(h.KeyIDs))
	for i, id := range h.KeyIDs {
		ids[i] = strconv.FormatUint(uint64(id), 10)
	}
	t := db.dialect.timeArg
	return db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO key_holders
			(instance, host, pid, addr, started_at, seen_at, expires_at, current_key, key_ids)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (instance) DO UPDATE SET seen_at = excluded.seen_at, expires_at = excluded.expires_at,
				current_key = excluded.current_key, key_ids = excluded.key_ids, addr = excluded.addr`),
			h.Instance, h.Host, h.PID, h.Addr, t(h.StartedAt), t(now), t(now.Add(ttl)), int64(h.CurrentKey), strings.Join(ids, ",")); err != nil {
			return translateError(err, "record key holder")
		}
		_, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM key_holders WHERE expires_at < ?`), t(now.Add(-time.Hour)))
		return translateError(err, "forget key holders")
	})
}

// ReleaseKeys removes a server's row as it stops.
func (db *DB) ReleaseKeys(ctx context.Context, instance string) error {
	_, err := db.db.ExecContext(ctx, db.rebind(`DELETE FROM key_holders WHERE instance = ?`), instance)
	return translateError(err, "remove key holder")
}

// KeyHolders lists the running servers: those whose last heartbeat has not
// expired.
func (db *DB) KeyHolders(ctx context.Context) ([]KeyHolder, error) {
	rows, err := db.db.QueryContext(ctx, db.rebind(`SELECT instance, host, pid, addr, started_at, seen_at, expires_at, current_key, key_ids
		FROM key_holders WHERE expires_at > ? ORDER BY host, pid`), db.dialect.timeArg(db.now()))
	if err != nil {
		return nil, translateError(err, "read key holders")
	}
	defer rows.Close()
	var out []KeyHolder
	for rows.Next() {
		var h KeyHolder
		var cur int64
		var ids string
		if err := rows.Scan(&h.Instance, &h.Host, &h.PID, &h.Addr, scanTime(&h.StartedAt), scanTime(&h.SeenAt), scanTime(&h.ExpiresAt), &cur, &ids); err != nil {
			return nil, translateError(err, "read key holders")
		}
		h.CurrentKey = uint32(cur)
		for _, f := range strings.Split(ids, ",") {
			if id, err := strconv.ParseUint(f, 10, 32); err == nil {
				h.KeyIDs = append(h.KeyIDs, uint32(id))
			}
		}
		out = append(out, h)
	}
	return out, translateError(rows.Err(), "read key holders")
}

// String names a holder for messages: host, process and address.
func (h KeyHolder) String() string {
	return fmt.Sprintf("%s pid %d (%s)", h.Host, h.PID, h.Addr)
}
