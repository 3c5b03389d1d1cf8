package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"shequ"
	"shequ/internal/pii"
)

// cloneRing returns an independent copy of a ring (as another process that
// loaded the same key file would hold).
func cloneRing(t *testing.T, r *pii.KeyRing) *pii.KeyRing {
	t.Helper()
	path := t.TempDir() + "/keys.json"
	if err := r.Save(path); err != nil {
		t.Fatal(err)
	}
	c, err := pii.LoadKeyRing(func(k string) string {
		if k == "SHEQU_DATA_KEY_FILE" {
			return path
		}
		return ""
	}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The registry takes the first ring as it is, then refuses a ring of other
// keys and a stale ring that lacks the key sealing now; keys of a ring it
// lacks are registered as new; it names the key that seals, whatever the
// ring's file says.
func TestCheckKeyRing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ring, err := pii.GenerateKeyRing()
		if err != nil {
			t.Fatal(err)
		}
		if cur, err := db.CheckKeyRing(ctx, ring); err != nil || cur != 1 {
			t.Fatalf("first ring: %d, %v", cur, err)
		}
		fp1, _ := ring.Fingerprint(1)
		keys, err := db.DataKeys(ctx)
		if err != nil || len(keys) != 1 || keys[0].ID != 1 || keys[0].State != KeyCurrent || keys[0].Fingerprint != fp1 {
			t.Fatalf("DataKeys = %+v, %v", keys, err)
		}
		if _, err := db.CheckKeyRing(ctx, ring); err != nil {
			t.Errorf("the same ring again: %v", err)
		}
		other, _ := pii.GenerateKeyRing()
		_, err = db.CheckKeyRing(ctx, other)
		wantError(t, err, shequ.EConflict, "keys.mismatch")

		stale := cloneRing(t, ring)
		id, err := ring.AddKey()
		if err != nil {
			t.Fatal(err)
		}
		if cur, err := db.CheckKeyRing(ctx, ring); err != nil || cur != 1 {
			t.Fatalf("a ring with a new key: %d, %v", cur, err)
		}
		if st, _ := db.KeyState(ctx, id); st != KeyNew {
			t.Errorf("the added key is %q, want new", st)
		}
		if _, err := db.CheckKeyRing(ctx, stale); err != nil {
			t.Errorf("a ring without the new key, before it seals: %v", err)
		}
		if err := db.SetKeyState(ctx, id, KeyCurrent); err != nil {
			t.Fatal(err)
		}
		if st, _ := db.KeyState(ctx, 1); st != KeyOld {
			t.Errorf("the previous key is %q, want old", st)
		}
		_, err = db.CheckKeyRing(ctx, stale)
		wantError(t, err, shequ.EConflict, "keys.stale")
		// A ring whose file still names the old key: the registry's key
		// seals.
		if cur, err := db.CheckKeyRing(ctx, ring); err != nil || cur != id || ring.CurrentID() != 1 {
			t.Errorf("a file behind the registry: %d, %v", cur, err)
		}
		if cur, err := db.CurrentKey(ctx); err != nil || cur != id {
			t.Errorf("CurrentKey = %d, %v", cur, err)
		}
		if n := auditCount(t, db, "keys.current", shequ.AuditAllowed, fmt.Sprint(id)); n != 1 {
			t.Errorf("keys.current records = %d", n)
		}
		wantError(t, db.SetKeyState(ctx, 99, KeyRetired), shequ.ENotFound, "keys.unknown")
	})
}

// Heartbeats make a server a key holder until they stop; a released or
// expired holder is gone.
func TestKeyHolders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		now := testNow
		db.Now = func() time.Time { return now }
		h := KeyHolder{Instance: "a", Host: "web1", PID: 42, Addr: "127.0.0.1:8080", StartedAt: now, CurrentKey: 2, KeyIDs: []uint32{1, 2}}
		if err := db.HoldKeys(ctx, h, 15*time.Second); err != nil {
			t.Fatal(err)
		}
		if err := db.HoldKeys(ctx, KeyHolder{Instance: "b", Host: "web2", PID: 7, StartedAt: now, CurrentKey: 1, KeyIDs: []uint32{1}}, 15*time.Second); err != nil {
			t.Fatal(err)
		}
		hs, err := db.KeyHolders(ctx)
		if err != nil || len(hs) != 2 || hs[0].Instance != "a" || !hs[0].Has(2) || hs[0].CurrentKey != 2 || hs[1].Has(2) {
			t.Fatalf("KeyHolders = %+v, %v", hs, err)
		}
		if !strings.Contains(hs[0].String(), "web1 pid 42") {
			t.Errorf("String = %q", hs[0].String())
		}
		// b stops beating: gone 15 s later; a beats on.
		now = now.Add(10 * time.Second)
		if err := db.HoldKeys(ctx, h, 15*time.Second); err != nil {
			t.Fatal(err)
		}
		now = now.Add(10 * time.Second)
		if hs, _ := db.KeyHolders(ctx); len(hs) != 1 || hs[0].Instance != "a" {
			t.Errorf("after b expired: %+v", hs)
		}
		if err := db.ReleaseKeys(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if hs, _ := db.KeyHolders(ctx); len(hs) != 0 {
			t.Errorf("after release: %+v", hs)
		}
	})
}

// CountSealed counts the values each key seals, in every sealed column;
// ResealAll moves them all to the current key, leaving values already under
// it untouched, and they stay readable.
func TestCountSealedAndResealAll(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustImport(t, db, divisionsOf(fixture...))
		ring, err := pii.GenerateKeyRing()
		if err != nil {
			t.Fatal(err)
		}
		res := NewResidentService(db, ring)
		for i := range 3 {
			r := &shequ.Resident{Name: fmt.Sprintf("居民%d", i), Community: tiaoxiu,
				IDNumber: shequ.IDNumber(idNumber("330523", "19800101", fmt.Sprintf("%03d", i))), Phone: shequ.Phone(fmt.Sprintf("139%08d", i))}
			mustCreateResident(t, res, r)
		}
		orgs := NewOrgService(db, ring)
		o := anOrg("协会", tiaoxiu)
		o.LeaderPhone = "13900000099"
		mustCreateOrg(t, orgs, o)
		if _, err := ring.Rotate(); err != nil {
			t.Fatal(err)
		}
		// One more under key 2.
		mustCreateResident(t, res, &shequ.Resident{Name: "新居民", Community: tiaoxiu,
			IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "010"))})
		counts, err := db.CountSealed(ctx, []uint32{1, 2, 11})
		if err != nil {
			t.Fatal(err)
		}
		if counts[1][""] != 7 || counts[1]["residents.phone_enc"] != 3 || counts[1]["social_orgs.leader_phone_enc"] != 1 || counts[2][""] != 1 || counts[11][""] != 0 {
			t.Fatalf("counts = %v", counts)
		}
		_, err = db.ResealAll(worker(tiaoxiu), ring, nil)
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		var tables []string
		n, err := db.ResealAll(cliContext(), ring, func(table string, rows int) { tables = append(tables, table) })
		if err != nil || n != 5 || !slices.Equal(tables, []string{"residents", "social_orgs"}) {
			t.Fatalf("ResealAll = %d, %v; progress %v", n, err, tables)
		}
		if counts, _ := db.CountSealed(ctx, []uint32{1, 2}); counts[1][""] != 0 || counts[2][""] != 8 {
			t.Errorf("after: %v", counts)
		}
		// Again: nothing left under key 1, nothing written but the record
		// of the run.
		if _, err := db.ResealAll(cliContext(), ring, nil); err != nil {
			t.Fatal(err)
		}
		var detail string
		if err := db.db.QueryRow(db.rebind(`SELECT detail FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT 1`), "resident.reseal").
			Scan(&detail); err != nil || detail != "count=0" {
			t.Errorf("a second run: %q, %v; want count=0", detail, err)
		}
		if err := ring.Retire(1); err != nil {
			t.Fatal(err)
		}
		rs, _, err := res.FindResidents(cliContext(), shequ.ResidentFilter{Limit: 10})
		if err != nil || len(rs) != 4 {
			t.Fatalf("after retiring key 1: %d, %v", len(rs), err)
		}
	})
}

// A key ring that refuses to seal (its key is being retired) makes writes
// of personal data fail with its EUnavailable, not an internal error.
func TestSealRefusedIsUnavailable(t *testing.T) {
	db := MustOpenDB(t)
	mustImport(t, db, divisionsOf(fixture...))
	ring, err := pii.GenerateKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	ring.BlockSealing(shequ.Errorf(shequ.EUnavailable, "keys.retiring", "being retired"))
	err = NewResidentService(db, ring).CreateResident(cliContext(), &shequ.Resident{Name: "张三", Community: tiaoxiu,
		IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "001"))})
	wantError(t, err, shequ.EUnavailable, "keys.retiring")
}

// Every sealed column of the schema (named *_enc or *_sealed) is in sealedTables, so
// that rotations re-seal it and retiring a key counts it.
func TestSealedTablesComplete(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		q := `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND (p.name LIKE '%\_enc' ESCAPE '\' OR p.name LIKE '%\_sealed' ESCAPE '\')`
		if db.Engine() == enginePostgres {
			q = `SELECT table_name, column_name FROM information_schema.columns
				WHERE table_schema = current_schema() AND (column_name LIKE '%\_enc' ESCAPE '\' OR column_name LIKE '%\_sealed' ESCAPE '\')`
		}
		rows, err := db.db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var table, col string
			if err := rows.Scan(&table, &col); err != nil {
				t.Fatal(err)
			}
			n++
			found := false
			for _, st := range sealedTables {
				for _, c := range st.cols {
					found = found || st.table == table && c.column == col
				}
			}
			if !found {
				t.Errorf("%s.%s is sealed but not in sealedTables", table, col)
			}
		}
		if n < 6 {
			t.Errorf("found %d sealed columns, want at least 6", n)
		}
	})
}
