package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"shequ"
)

// resealBatch is how many residents one transaction of ResealResidents
// handles: short write transactions, so that SQLite's single writer is not
// held for the whole register.
const resealBatch = 500

// ResealResidents opens every sealed ID and phone number and seals it again
// under the sealer's current key, after a key rotation (`shequ keys
// rotate`); afterwards the old data key can be retired. Blind indexes do not
// change: the index key does not rotate (see internal/pii). It works in
// batches of 500 residents in id order, one transaction each, audited
// "resident.reseal" once per batch with the count in Detail; it can be
// interrupted and run again. progress, if not nil, is called with the
// number done after each batch. Only the console and ActionSecurityManage
// (the security administrator) may run it.
func (s *ResidentService) ResealResidents(ctx context.Context, progress func(done int)) (int, error) {
	if err := authorizeResident(ctx, shequ.ActionSecurityManage, nil); err != nil {
		return 0, s.db.recordDenied(ctx, err, auditResidentReseal, objResident, "", "")
	}
	done, after := 0, ""
	for {
		n, last, err := s.resealBatch(ctx, after)
		if err != nil {
			return done, err
		}
		if n == 0 {
			return done, nil
		}
		done, after = done+n, last
		if progress != nil {
			progress(done)
		}
	}
}

// auditResidentReseal is the audit action of ResealResidents.
const auditResidentReseal = "resident.reseal"

// resealBatch re-seals up to resealBatch residents with ids after after and
// returns how many and the last id.
func (s *ResidentService) resealBatch(ctx context.Context, after string) (int, string, error) {
	type row struct {
		id, idEnc string
		phoneEnc  sql.NullString
	}
	var n int
	var last string
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		// Ids compare as text on SQLite and as uuid on PostgreSQL: both
		// orders agree for the canonical lower-case form Go writes.
		cond, args := "", []any{resealBatch}
		if after != "" {
			cond, args = "WHERE id > ?", []any{after, resealBatch}
		}
		rows, err := tx.QueryContext(ctx, s.db.rebind(`SELECT id, id_number_enc, phone_enc FROM residents `+cond+`
			ORDER BY id LIMIT ?`), args...)
		if err != nil {
			return translateError(err, "read residents to re-seal")
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.idEnc, &r.phoneEnc); err != nil {
				rows.Close()
				return translateError(err, "read residents to re-seal")
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translateError(err, "read residents to re-seal")
		}
		for _, r := range batch {
			idEnc, err := s.reseal(r.idEnc, residentAAD("id_number", r.id))
			if err != nil {
				return err
			}
			var phoneEnc any
			if r.phoneEnc.Valid {
				if phoneEnc, err = s.reseal(r.phoneEnc.String, residentAAD("phone", r.id)); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE residents SET id_number_enc = ?, phone_enc = ? WHERE id = ?`),
				idEnc, phoneEnc, r.id); err != nil {
				return translateError(err, "re-seal resident")
			}
		}
		if n = len(batch); n == 0 {
			return nil
		}
		last = batch[n-1].id
		return s.audit(ctx, tx, auditResidentReseal, objResident, "", "", fmt.Sprintf("count=%d", n))
	})
	return n, last, err
}

// reseal opens a ciphertext and seals its value again under the current key.
func (s *ResidentService) reseal(ciphertext, aad string) (string, error) {
	plain, err := s.sealer.Open(ciphertext, aad)
	if err != nil {
		return "", shequ.Wrap(err, "open sealed value")
	}
	out, err := s.sealer.Seal(plain, aad)
	if err != nil {
		return "", shequ.Wrap(err, "seal value")
	}
	return out, nil
}
