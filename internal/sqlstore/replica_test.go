package sqlstore

import (
	"context"
	"testing"
	"time"

	"shequ"
)

// TestReadReplica sends the reads of a stale-tolerant context to the
// replica (here another schema on the test server, holding other rows, so
// that the answer tells where it came from) and every other read to the
// primary; a replica that lags beyond the bound or cannot be reached is
// not used; the public project list reads through it; SQLite refuses one.
func TestReadReplica(t *testing.T) {
	primary := mustOpenPostgres(t, true)
	copyDB := mustOpenPostgres(t, true)
	ctx := context.Background()
	for db, v := range map[*DB]string{primary: "primary", copyDB: "replica"} {
		if _, err := db.db.ExecContext(ctx, `CREATE TABLE where_from (v TEXT)`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.db.ExecContext(ctx, `INSERT INTO where_from (v) VALUES ($1)`, v); err != nil {
			t.Fatal(err)
		}
	}
	read := func(ctx context.Context) string {
		t.Helper()
		var v string
		if err := primary.reader(ctx).QueryRowContext(ctx, `SELECT v FROM where_from`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	stale := shequ.WithStaleReads(ctx)
	if got := read(stale); got != "primary" {
		t.Fatalf("no replica configured: read from %s", got)
	}
	if err := primary.OpenReplica(copyDB.source, 0); err != nil {
		t.Fatal(err)
	}
	if got := read(stale); got != "replica" {
		t.Errorf("stale-tolerant read: from %s, want replica", got)
	}
	if got := read(ctx); got != "primary" {
		t.Errorf("plain read: from %s, want primary", got)
	}
	if configured, inUse, lag, err := primary.ReplicaStatus(); !configured || !inUse || lag != 0 || err != nil {
		t.Errorf("status: configured %v, in use %v, lag %v, %v", configured, inUse, lag, err)
	}

	// The public project list reads through it: the copy has none.
	if _, err := primary.db.ExecContext(ctx, `DELETE FROM where_from`); err != nil {
		t.Fatal(err)
	}
	if _, total, err := NewLinkageService(primary).FindProjects(stale, shequ.ProjectFilter{Public: true}); err != nil || total != 0 {
		t.Errorf("public projects through the replica: %d, %v", total, err)
	}

	// Lagging beyond the bound: the primary again (at the next measure).
	primary.replica.maxLag = -time.Nanosecond
	primary.replica.checked = time.Time{}
	if _, err := primary.db.ExecContext(ctx, `INSERT INTO where_from (v) VALUES ('primary')`); err != nil {
		t.Fatal(err)
	}
	if got := read(stale); got != "primary" {
		t.Errorf("lagging replica: read from %s, want primary", got)
	}
	if _, inUse, _, _ := primary.ReplicaStatus(); inUse {
		t.Error("a lagging replica is reported in use")
	}

	// Unreachable: the primary.
	if err := primary.OpenReplica("postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=1", 0); err != nil {
		t.Fatal(err)
	}
	if got := read(stale); got != "primary" {
		t.Errorf("unreachable replica: read from %s, want primary", got)
	}
	if _, inUse, _, err := primary.ReplicaStatus(); inUse || err == nil {
		t.Errorf("unreachable replica: in use %v, error %v", inUse, err)
	}

	// SQLite has no replica.
	lite := mustOpenSQLite(t, false)
	err := lite.OpenReplica(copyDB.source, 0)
	wantError(t, err, shequ.EInvalid, "db.read.postgres")
}
