package sqlstore

import (
	"context"

	"shequ"
)

// resealBatch is how many rows one transaction of a re-seal handles: short
// write transactions, so that SQLite's single writer is not held for the
// whole register.
const resealBatch = 500

// auditResidentReseal is the audit action of ResealResidents.
const auditResidentReseal = "resident.reseal"

// ResealResidents opens every sealed ID and phone number and seals it again
// under the sealer's current key, after a key rotation (`shequ keys
// rotate`); afterwards the old data key can be retired. Blind indexes do not
// change: the index key does not rotate (see internal/pii). It works in
// batches of 500 residents in id order, one transaction each, audited
// "resident.reseal" once per batch with the count in Detail; it can be
// interrupted and run again (see resealTable). progress, if not nil, is
// called with the number done after each batch. Only the console and
// ActionSecurityManage (the security administrator) may run it.
func (s *ResidentService) ResealResidents(ctx context.Context, progress func(done int)) (int, error) {
	if err := authorizeResident(ctx, shequ.ActionSecurityManage, nil); err != nil {
		return 0, s.db.recordDenied(ctx, err, auditResidentReseal, objResident, "", "")
	}
	return resealTable(ctx, s.db, s.sealer, sealedTableNamed("residents"), progress)
}
