package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"shequ"
)

// UpdateWorker replaces the editable fields of the stored worker named by
// w.ID with those of w, validated as a whole like a new one; CreatedAt is
// kept and w is filled with the stored result. Only a changed ID or phone
// number is sealed again. Moving the worker to another home community needs
// the write permission in both. A social_worker edits only their own record
// and may not change its link to an account (field error
// "worker.user.fixed"). Audited "worker.update" with the names of the
// changed fields (never their values); a call that changes nothing writes
// nothing.
func (s *SocialWorkerService) UpdateWorker(ctx context.Context, w *shequ.SocialWorker) error {
	if err := authorizeResident(ctx, shequ.ActionWorkerWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditWorkerUpdate, objWorker, clipID(w.ID), "")
	}
	now := s.db.now()
	var old *shequ.SocialWorker
	var changed []string
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if old, err = s.loadAuthorizedWorker(ctx, tx, w.ID); err != nil {
			return err
		}
		if err := normalizeWorker(w, now); err != nil {
			return err
		}
		if w.UserID != old.UserID && !isConsole(ctx) && shequ.ActorFrom(ctx).OwnOnly(shequ.ActionWorkerWrite) {
			var fe shequ.FieldErrors
			fe.Add("user_id", "worker.user.fixed", "Only the keepers of the register link a social worker to an account.", nil)
			return fe.Err()
		}
		w.CreatedAt, w.UpdatedAt = old.CreatedAt, old.UpdatedAt
		if changed = workerChanges(old, w); len(changed) == 0 {
			return nil
		}
		if w.Community != old.Community {
			if err := authorizeResident(ctx, shequ.ActionWorkerWrite, workerObject(w)); err != nil {
				return refuse(err, auditWorkerUpdate, objWorker, w.ID, w.Community)
			}
		}
		if err := s.checkWorkerRefs(ctx, tx, w, newCommunityChecker(s.db)); err != nil {
			return err
		}
		w.UpdatedAt = now
		if err := s.writeWorker(ctx, tx, w, changed); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditWorkerUpdate, objWorker, w.ID, w.Community, "fields="+strings.Join(changed, ","))
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	if len(changed) > 0 {
		notifyChange(s.OnChange, append(workerCommunities(old), workerCommunities(w)...))
	}
	return nil
}

// workerChanges names the fields that differ between a and b, with the
// names of the API.
func workerChanges(a, b *shequ.SocialWorker) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("name", a.Name != b.Name)
	add("id_number", a.IDNumber != b.IDNumber)
	add("phone", a.Phone != b.Phone)
	add("qualification", a.Qualification != b.Qualification)
	add("cert_number", a.CertNumber != b.CertNumber)
	add("cert_year", a.CertYear != b.CertYear)
	add("education", a.Education != b.Education)
	add("employer_kind", a.EmployerKind != b.EmployerKind)
	add("employer_org_id", a.EmployerOrgID != b.EmployerOrgID)
	add("employer_name", a.EmployerName != b.EmployerName)
	add("community_code", a.Community != b.Community)
	add("serves", !slices.Equal(a.Serves, b.Serves))
	add("functions", !slices.Equal(a.Functions, b.Functions))
	add("areas", !slices.Equal(a.Areas, b.Areas))
	add("user_id", a.UserID != b.UserID)
	add("status", a.Status != b.Status)
	add("left_on", dateArg(a.LeftOn) != dateArg(b.LeftOn))
	return out
}

// writeWorker updates the row of w inside tx, sealing again only the changed
// numbers (a changed ID number is checked for duplicates first), and
// replaces the changed sets.
func (s *SocialWorkerService) writeWorker(ctx context.Context, tx *sql.Tx, w *shequ.SocialWorker, changed []string) error {
	sets := `name = ?, qualification = ?, cert_number = ?, cert_year = ?, education = ?, employer_kind = ?,
		employer_org_id = ?, employer_name = ?, community = ?, user_id = ?, status = ?, left_on = ?, updated_at = ?`
	args := []any{w.Name, string(w.Qualification), nullString(w.CertNumber), nullInt(w.CertYear),
		nullString(string(w.Education)), string(w.EmployerKind), nullString(w.EmployerOrgID),
		nullString(w.EmployerName), w.Community, nullString(w.UserID), workerStatus(w), dateArg(w.LeftOn),
		s.db.dialect.timeArg(w.UpdatedAt)}
	if slices.Contains(changed, "id_number") || slices.Contains(changed, "phone") {
		idEnc, idIdx, phone, err := s.sealWorker(w)
		if err != nil {
			return err
		}
		if slices.Contains(changed, "id_number") {
			if err := s.checkWorkerDuplicate(ctx, tx, w, idIdx); err != nil {
				return refuse(err, auditWorkerUpdate, objWorker, w.ID, w.Community)
			}
			sets += `, id_number_enc = ?, id_number_idx = ?, birth_date = ?, sex = ?`
			args = append(args, idEnc, idIdx, w.IDNumber.BirthDate().Format(time.DateOnly), string(w.IDNumber.Sex()))
		}
		if slices.Contains(changed, "phone") {
			sets, args = sets+`, phone_enc = ?`, append(args, phone)
		}
	}
	if _, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE social_workers SET `+sets+` WHERE id = ?`), append(args, w.ID)...); err != nil {
		return workerUniqueAsNeutral(translateError(err, "update social worker"))
	}
	for _, set := range []struct {
		field, table, col string
		values            []string
	}{
		{"serves", "social_worker_serves", "community", w.Serves},
		{"functions", "social_worker_functions", "function", strs(w.Functions)},
		{"areas", "social_worker_areas", "area", strs(w.Areas)},
	} {
		if slices.Contains(changed, set.field) {
			if err := replacePairs(ctx, s.db, tx, set.table, "worker_id", set.col, w.ID, set.values); err != nil {
				return err
			}
		}
	}
	return nil
}

// strs converts values of a string type to strings.
func strs[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

// loadAuthorizedWorker loads a worker inside a write transaction and checks
// the actor may write it; a missing or forbidden one is refused (and audited
// "worker.update") before anything is written.
func (s *SocialWorkerService) loadAuthorizedWorker(ctx context.Context, tx *sql.Tx, id string) (*shequ.SocialWorker, error) {
	w, err := s.loadWorker(ctx, tx, id)
	if err != nil {
		if shequ.ErrorCode(err) == shequ.ENotFound {
			return nil, refuse(err, auditWorkerUpdate, objWorker, id, "")
		}
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionWorkerWrite, workerObject(w)); err != nil {
		return nil, refuse(err, auditWorkerUpdate, objWorker, id, w.Community)
	}
	return w, nil
}

// ImportWorkers creates social workers in one transaction: all of them, or
// none when any row is refused. A refused row answers its own error (field
// errors, duplicate ID number, out of scope) with "Row: n" (1-based index
// into ws) in its Data and "Row n: " before its message; two rows with one
// ID number answer EConflict "worker.import.duplicate" naming both. Each
// worker is audited "worker.import" in the same transaction, and OnChange
// hears every community concerned once, after commit.
func (s *SocialWorkerService) ImportWorkers(ctx context.Context, ws []*shequ.SocialWorker) error {
	if err := authorizeResident(ctx, shequ.ActionWorkerWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditWorkerImport, objWorker, "", "")
	}
	if err := ownOnlyCreate(ctx, shequ.ActionWorkerWrite); err != nil {
		return s.db.recordDenied(ctx, err, auditWorkerImport, objWorker, "", "")
	}
	now := s.db.now()
	if err := prepareRows(ws, func(w *shequ.SocialWorker) error { return prepareNewWorker(w, now) },
		func(w *shequ.SocialWorker) string { return string(w.IDNumber) }, "worker.import.duplicate", "ID number"); err != nil {
		return err
	}
	cc := newCommunityChecker(s.db) // kept across a retried transaction: an import writes no division
	return writeImport(ctx, s.db, now, ws, func(c *change, w *shequ.SocialWorker) error {
		if err := authorizeResident(ctx, shequ.ActionWorkerWrite, workerObject(w)); err != nil {
			return refuse(err, auditWorkerImport, objWorker, w.ID, w.Community)
		}
		if err := s.insertWorker(ctx, c.tx, w, cc, auditWorkerImport); err != nil {
			return err
		}
		c.touched = append(c.touched, w.Serves...) // workerCommunities
		return nil
	}, func(w *shequ.SocialWorker) (string, string) { return w.ID, w.Community }, auditWorkerImport, objWorker, s.OnChange)
}
