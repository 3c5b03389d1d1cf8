package sqlstore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"shequ"
	"shequ/internal/pii"
)

// Personal data in the registers: sealed at rest, bound to row and field,
// re-sealed after a key rotation.

func TestOrgPhoneSealed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newOrgs(t, db)
		o := anOrg("甲", tiaoxiu)
		o.LeaderPhone = "13800138000"
		mustCreateOrg(t, s, o)
		var enc string
		if err := db.db.QueryRow(db.rebind(`SELECT leader_phone_enc FROM social_orgs WHERE id = ?`), o.ID).Scan(&enc); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(enc, "v1:1:") || strings.Contains(enc, "13800138000") {
			t.Errorf("stored phone %q", enc)
		}
		// Bound to its row: moved to another, it does not open.
		other := mustCreateOrg(t, s, anOrg("乙", tiaoxiu))
		if _, err := db.db.Exec(db.rebind(`UPDATE social_orgs SET leader_phone_enc = ? WHERE id = ?`), enc, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindOrgByID(cliContext(), other.ID); shequ.ErrorCode(err) != shequ.EInternal {
			t.Errorf("moved ciphertext: err = %v, want an internal error", err)
		}
	})
}

func TestResealOrgs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		mustImport(t, db, divisionsOf(fixture...))
		ring, err := pii.GenerateKeyRing()
		if err != nil {
			t.Fatal(err)
		}
		s := NewOrgService(db, ring)
		for i := range resealBatch + 2 {
			o := anOrg(fmt.Sprintf("协会%d", i), tiaoxiu)
			if i%2 == 0 {
				o.LeaderPhone = shequ.Phone(fmt.Sprintf("139%08d", i))
			}
			mustCreateOrg(t, s, o)
		}
		_, err = s.Reseal(worker(tiaoxiu), nil)
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		if _, err := ring.Rotate(); err != nil {
			t.Fatal(err)
		}
		var steps []int
		n, err := s.Reseal(asActor(shequ.RoleSecadmin, ""), func(done int) { steps = append(steps, done) })
		if err != nil || n != resealBatch+2 || !slices.Equal(steps, []int{resealBatch, resealBatch + 2}) {
			t.Fatalf("Reseal = %d, %v; progress %v", n, err, steps)
		}
		if err := ring.Retire(1); err != nil {
			t.Fatal(err)
		}
		phones := 0
		for offset := 0; offset < resealBatch+2; offset += maxRegisterLimit {
			os, _, err := s.FindOrgs(cliContext(), shequ.OrgFilter{Offset: offset, Limit: maxRegisterLimit})
			if err != nil {
				t.Fatalf("read after re-seal and retire: %v", err)
			}
			for _, o := range os {
				if o.LeaderPhone != "" {
					phones++
				}
			}
		}
		if phones != (resealBatch+3)/2 {
			t.Errorf("%d phones after re-seal, want %d", phones, (resealBatch+3)/2)
		}
		if n := auditCount(t, db, "org.reseal", shequ.AuditAllowed, ""); n != 2 {
			t.Errorf("re-seal records = %d, want 2", n)
		}
	})
}

// TestRegisterNumbersNotInFile checks the raw SQLite files: no ID number or
// phone of the registers is stored in clear, in the database or its log.
func TestRegisterNumbersNotInFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "shequ.db")
	db := mustOpen(t, path, true)
	s, orgs := newWorkers(t, db)
	var secrets []string
	for i := range 10 {
		w := aWorker(fmt.Sprintf("社工%d", i), tiaoxiu, i)
		w.Phone = shequ.Phone(fmt.Sprintf("139%08d", 22345670+i))
		mustCreateWorker(t, s, w)
		o := anOrg(fmt.Sprintf("协会%d", i), tiaoxiu)
		o.LeaderPhone = shequ.Phone(fmt.Sprintf("137%08d", 32345670+i))
		mustCreateOrg(t, orgs, o)
		secrets = append(secrets, string(w.IDNumber), string(w.IDNumber[:17]), string(w.Phone), string(o.LeaderPhone))
	}
	// After updates too (old and new values), and a fixed line.
	w := mustCreateWorker(t, s, aWorker("改号", tiaoxiu, 40))
	w.Phone = "0572-5123456"
	if err := s.UpdateWorker(cliContext(), w); err != nil {
		t.Fatal(err)
	}
	o := mustCreateOrg(t, orgs, anOrg("改号协会", tiaoxiu))
	o.LeaderPhone = "13600002222"
	if err := orgs.UpdateOrg(cliContext(), o); err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, string(w.IDNumber), "5123456", "13600002222")
	check := func(when string) {
		for _, p := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(p)
			if os.IsNotExist(err) {
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s: %s contains %q in clear", when, filepath.Base(p), s)
				}
			}
		}
	}
	check("before checkpoint")
	if _, err := db.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	check("after checkpoint")
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte("社工7")) || !bytes.Contains(b, []byte("协会7")) {
		t.Error("names stored in clear were not found in the file: the check reads the wrong file")
	}
}

func TestWorkerStoredSealed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s, _ := newWorkers(t, db)
		w := aWorker("甲", tiaoxiu, 1)
		w.Phone = "13800138000"
		mustCreateWorker(t, s, w)
		var idEnc, idIdx, phoneEnc string
		if err := db.db.QueryRow(db.rebind(`SELECT id_number_enc, id_number_idx, phone_enc FROM social_workers WHERE id = ?`),
			w.ID).Scan(&idEnc, &idIdx, &phoneEnc); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(idEnc, "v1:1:") || strings.Contains(idEnc, string(w.IDNumber)) ||
			idIdx != s.sealer.Index("id_number", string(w.IDNumber)) || strings.Contains(phoneEnc, "13800138000") {
			t.Errorf("stored: %q %q %q", idEnc, idIdx, phoneEnc)
		}
		other := mustCreateWorker(t, s, aWorker("乙", tiaoxiu, 2))
		if _, err := db.db.Exec(db.rebind(`UPDATE social_workers SET phone_enc = ? WHERE id = ?`), phoneEnc, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindWorkerByID(cliContext(), other.ID, false); shequ.ErrorCode(err) != shequ.EInternal {
			t.Errorf("moved ciphertext: err = %v, want an internal error", err)
		}
	})
}

func TestResealWorkers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		mustImport(t, db, divisionsOf(fixture...))
		ring, err := pii.GenerateKeyRing()
		if err != nil {
			t.Fatal(err)
		}
		s := NewSocialWorkerService(db, ring)
		ws := make([]*shequ.SocialWorker, resealBatch+1)
		for i := range ws {
			ws[i] = aWorker(fmt.Sprintf("社工%d", i), tiaoxiu, i)
			if i%2 == 0 {
				ws[i].Phone = shequ.Phone(fmt.Sprintf("139%08d", i))
			}
		}
		if err := s.ImportWorkers(cliContext(), ws); err != nil {
			t.Fatal(err)
		}
		_, err = s.Reseal(asActor(shequ.RoleSysadmin, ""), nil)
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		if _, err := ring.Rotate(); err != nil {
			t.Fatal(err)
		}
		var steps []int
		n, err := s.Reseal(cliContext(), func(done int) { steps = append(steps, done) })
		if err != nil || n != resealBatch+1 || !slices.Equal(steps, []int{resealBatch, resealBatch + 1}) {
			t.Fatalf("Reseal = %d, %v; progress %v", n, err, steps)
		}
		if err := ring.Retire(1); err != nil {
			t.Fatal(err)
		}
		for _, w := range []*shequ.SocialWorker{ws[0], ws[1], ws[resealBatch]} {
			got, err := s.FindWorkerByID(cliContext(), w.ID, true)
			if err != nil || got.IDNumber != w.IDNumber || got.Phone != w.Phone {
				t.Errorf("after re-seal and retire: %+v, %v", got, err)
			}
		}
		if n := auditCount(t, db, "worker.reseal", shequ.AuditAllowed, ""); n != 2 {
			t.Errorf("re-seal records = %d, want 2", n)
		}
	})
}
