package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"shequ"
)

// auditRequestLookup is the audited action of a lookup by number and ID
// number.
const auditRequestLookup = "request.lookup"

// Lookup implements shequ.RequestService: the public 办件查询. One query
// matches the number and the applicant's blind-indexed ID number together,
// so a number that exists and one that does not cost the same; the answer
// is the request or ENotFound, and both are audited (the number, never the
// ID number), so that someone trying numbers shows in the trail.
func (s *RequestService) Lookup(ctx context.Context, number, idNumber string) (*shequ.ServiceRequest, error) {
	if s.sealer == nil {
		return nil, errNoSealer
	}
	id, err := shequ.ParseIDNumber(idNumber, s.db.now())
	if err != nil || number == "" || len(number) > 40 {
		return nil, s.db.recordDenied(ctx, shequ.ErrNotFound, auditRequestLookup, objRequest, clipID(number), "")
	}
	var reqID string
	err = s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT r.id FROM service_requests r
		JOIN residents res ON res.id = r.resident_id
		WHERE r.number = ? AND res.id_number_idx = ?`), number, s.sealer.Index(indexIDNumber, string(id))).Scan(&reqID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.db.recordDenied(ctx, shequ.ErrNotFound, auditRequestLookup, objRequest, clipID(number), "")
	}
	if err != nil {
		return nil, translateError(err, "lookup request")
	}
	r, err := s.load(ctx, s.db.db, "id", reqID)
	if err != nil {
		return nil, err
	}
	rec := s.db.newAudit(ctx, auditRequestLookup, objRequest, r.ID, r.Community, shequ.AuditAllowed)
	if err := s.db.withTx(context.WithoutCancel(ctx), func(tx *sql.Tx) error { return s.db.appendAudit(ctx, tx, rec) }); err != nil {
		return nil, err
	}
	return r, nil
}
