package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"shequ"
)

// UpdateResident changes the given fields of a resident (ResidentInput:
// nil fields stay) and returns the stored record. Only changed ID and phone
// numbers are sealed again and re-indexed. Moving a resident to another
// community needs the write permission in both. Audited "resident.update"
// with the names of the changed fields (never their values); a call that
// changes nothing writes nothing.
func (s *ResidentService) UpdateResident(ctx context.Context, id string, in shequ.ResidentInput) (*shequ.Resident, error) {
	if err := authorizeResident(ctx, shequ.ActionResidentWrite, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditResidentUpdate, objResident, clipID(id), "")
	}
	now := s.db.now()
	var out *shequ.Resident
	var moved []string // the communities a move leaves and joins
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		r, err := s.loadAuthorized(ctx, tx, id, shequ.ActionResidentWrite, auditResidentUpdate)
		if err != nil {
			return err
		}
		old := *r
		if err := in.Apply(r, now); err != nil {
			return err
		}
		// Apply's rules again on the whole record: normalization (sorted
		// tags, no relation without a household) and the household id form.
		if err := normalizeResident(r, now); err != nil {
			return err
		}
		changed := changedFields(&old, r)
		out = r
		if len(changed) == 0 {
			return nil
		}
		if r.Community != old.Community {
			if err := authorizeResident(ctx, shequ.ActionResidentWrite, residentObject(r)); err != nil {
				return refuse(err, auditResidentUpdate, objResident, id, r.Community)
			}
			moved = []string{old.Community, r.Community}
		}
		if err := s.checkPlacement(ctx, tx, r, nil); err != nil {
			return err
		}
		r.UpdatedAt = now
		if err := s.writeChanges(ctx, tx, r, changed); err != nil {
			return err
		}
		return s.audit(ctx, tx, auditResidentUpdate, objResident, r.ID, r.Community, "fields="+strings.Join(changed, ","))
	})
	if err != nil {
		return nil, s.settle(ctx, err)
	}
	notifyChange(s.OnChange, moved)
	return out, nil
}

// changedFields names the fields that differ between a and b, with the
// names of the API.
func changedFields(a, b *shequ.Resident) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("name", a.Name != b.Name)
	add("id_number", a.IDNumber != b.IDNumber)
	add("phone", a.Phone != b.Phone)
	add("community_code", a.Community != b.Community)
	add("household_id", a.HouseholdID != b.HouseholdID)
	add("relation", a.Relation != b.Relation)
	add("tags", !slices.Equal(a.Tags, b.Tags))
	return out
}

// writeChanges updates the changed columns of r inside tx and replaces its
// tags when they changed. A changed ID number is checked for duplicates
// first.
func (s *ResidentService) writeChanges(ctx context.Context, tx *sql.Tx, r *shequ.Resident, changed []string) error {
	sets := map[string]any{"updated_at": s.db.dialect.timeArg(r.UpdatedAt)}
	for _, f := range changed {
		switch f {
		case "name":
			sets["name"] = r.Name
		case "id_number":
			enc, err := s.sealer.Seal(string(r.IDNumber), residentAAD("id_number", r.ID))
			if err != nil {
				return sealFailed(err, "seal ID number")
			}
			idx := s.sealer.Index(indexIDNumber, string(r.IDNumber))
			if err := s.checkDuplicate(ctx, tx, r, idx); err != nil {
				return refuse(err, auditResidentUpdate, objResident, r.ID, r.Community)
			}
			sets["id_number_enc"], sets["id_number_idx"] = enc, idx
			sets["birth_date"], sets["sex"] = r.BirthDate().Format("2006-01-02"), string(r.Sex())
		case "phone":
			sets["phone_enc"], sets["phone_idx"] = nil, nil
			if r.Phone != "" {
				enc, err := s.sealer.Seal(string(r.Phone), residentAAD("phone", r.ID))
				if err != nil {
					return sealFailed(err, "seal phone")
				}
				sets["phone_enc"], sets["phone_idx"] = enc, s.sealer.Index(indexPhone, string(r.Phone))
			}
		case "community_code":
			sets["community"] = r.Community
		case "household_id", "relation":
			sets["household_id"], sets["relation"] = nullString(r.HouseholdID), nullString(string(r.Relation))
		}
	}
	cols := slices.Sorted(maps.Keys(sets))
	args := make([]any, 0, len(cols)+1)
	for i, c := range cols {
		args = append(args, sets[c])
		cols[i] = c + " = ?"
	}
	_, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE residents SET `+strings.Join(cols, ", ")+` WHERE id = ?`),
		append(args, r.ID)...)
	if err != nil {
		return uniqueAsNeutral(translateError(err, "update resident"))
	}
	if slices.Contains(changed, "tags") {
		if _, err := tx.ExecContext(ctx, s.db.rebind(`DELETE FROM resident_tags WHERE resident_id = ?`), r.ID); err != nil {
			return translateError(err, "replace resident tags")
		}
		return s.insertTags(ctx, tx, r.ID, r.Tags)
	}
	return nil
}

// VerifyResident records that a community worker checked the resident's
// identity at the front desk (实名核验): verified, when and by whom (the
// worker's user id, or "cli"). A resident already verified answers
// EConflict. Audited "resident.verify".
func (s *ResidentService) VerifyResident(ctx context.Context, id string) (*shequ.Resident, error) {
	if err := authorizeResident(ctx, shequ.ActionResidentVerify, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditResidentVerify, objResident, clipID(id), "")
	}
	now := s.db.now()
	var out *shequ.Resident
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		r, err := s.loadAuthorized(ctx, tx, id, shequ.ActionResidentVerify, auditResidentVerify)
		if err != nil {
			return err
		}
		if r.Verified {
			return shequ.Errorf(shequ.EConflict, "resident.verify.already", "This resident's identity is already verified.")
		}
		r.Verified, r.VerifiedAt, r.VerifiedBy, r.UpdatedAt = true, &now, actorRef(ctx), now
		d := s.db.dialect
		_, err = tx.ExecContext(ctx, s.db.rebind(`UPDATE residents
			SET verified = ?, verified_at = ?, verified_by = ?, updated_at = ? WHERE id = ?`),
			true, d.timeArg(now), r.VerifiedBy, d.timeArg(now), r.ID)
		if err != nil {
			return translateError(err, "verify resident")
		}
		out = r
		return s.audit(ctx, tx, auditResidentVerify, objResident, r.ID, r.Community, "")
	})
	if err != nil {
		return nil, s.settle(ctx, err)
	}
	return out, nil
}

// ImportResidents creates residents in one transaction: all of them, or
// none when any row is refused. A refused row answers its own error (field
// errors, duplicate, out of scope) with "Row: n" (1-based index into rs)
// added to its Data and "Row n: " before its message; two rows with one ID
// number answer EConflict "resident.import.duplicate" naming both. Each
// resident is audited "resident.import" in the same transaction.
func (s *ResidentService) ImportResidents(ctx context.Context, rs []*shequ.Resident) error {
	if err := authorizeResident(ctx, shequ.ActionResidentImport, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditResidentImport, objResident, "", "")
	}
	now := s.db.now()
	if err := prepareRows(rs, func(r *shequ.Resident) error { return prepareNewResident(r, now) },
		func(r *shequ.Resident) string { return string(r.IDNumber) }, "resident.import.duplicate", "ID number"); err != nil {
		return err
	}
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		communities := map[string]bool{}
		for i, r := range rs {
			if err := authorizeResident(ctx, shequ.ActionResidentImport, residentObject(r)); err != nil {
				return rowError(i, refuse(err, auditResidentImport, objResident, r.ID, r.Community))
			}
			if err := s.insertResident(ctx, tx, r, communities, auditResidentImport); err != nil {
				return rowError(i, err)
			}
		}
		// The records go last: on PostgreSQL the first append takes the
		// chain's head lock until commit, and other audited writes wait.
		for _, r := range rs {
			if err := s.audit(ctx, tx, auditResidentImport, objResident, r.ID, r.Community, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err := s.settle(ctx, err); err != nil {
		return err
	}
	communities := make([]string, len(rs))
	for i, r := range rs {
		communities[i] = r.Community
	}
	notifyChange(s.OnChange, communities)
	return nil
}

// prepareRows readies every row of an all-or-nothing import with prepare,
// and refuses the first row whose key (rows with an empty key are skipped)
// repeats an earlier row's: EConflict errKey with both 1-based rows in Data.
// what names the key in the English message.
func prepareRows[T any](rows []T, prepare func(T) error, key func(T) string, errKey, what string) error {
	first := make(map[string]int, len(rows))
	for i, r := range rows {
		if err := prepare(r); err != nil {
			return rowError(i, err)
		}
		k := key(r)
		if k == "" {
			continue
		}
		if j, ok := first[k]; ok {
			return &shequ.Error{Code: shequ.EConflict, Key: errKey,
				Message: fmt.Sprintf("Row %d has the same %s as row %d.", i+1, what, j+1),
				Data:    map[string]any{"Row": i + 1, "FirstRow": j + 1}}
		}
		first[k] = i
	}
	return nil
}

// rowError adds the row number i+1 to an application error of an import
// row. A refusal inside stays recognizable to settle, which records the
// underlying refusal and returns the row error.
func rowError(i int, err error) error {
	inner := err
	var ref *refusal
	isRefusal := false
	if r, ok := err.(*refusal); ok {
		ref, inner, isRefusal = r, r.err, true
	}
	e := shequ.AsError(inner)
	if e.Code == shequ.EInternal {
		return err
	}
	c := *e
	c.Data = map[string]any{"Row": i + 1}
	for k, v := range e.Data {
		c.Data[k] = v
	}
	c.Message = fmt.Sprintf("Row %d: %s", i+1, e.Message)
	if isRefusal {
		return &refusal{err: &c, action: ref.action, objectType: ref.objectType, objectID: ref.objectID, division: ref.division}
	}
	return &c
}

// loadAuthorized loads a resident inside a write transaction and checks the
// actor may do act on it; a missing or forbidden record is refused (and
// audited as auditAction) before anything is written.
func (s *ResidentService) loadAuthorized(ctx context.Context, tx *sql.Tx, id string, act shequ.Action, auditAction string) (*shequ.Resident, error) {
	r, err := s.loadResident(ctx, tx, id)
	if err != nil {
		if shequ.ErrorCode(err) == shequ.ENotFound {
			return nil, refuse(err, auditAction, objResident, id, "")
		}
		return nil, err
	}
	if err := authorizeResident(ctx, act, residentObject(r)); err != nil {
		return nil, refuse(err, auditAction, objResident, id, r.Community)
	}
	return r, nil
}
