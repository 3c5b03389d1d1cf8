package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"shequ"
)

var _ shequ.ResidentMatcher = (*ResidentService)(nil)

// MatchResidentForImport implements shequ.ResidentMatcher: the resident of
// an import row's ID number, matched through the blind index within the
// actor's scope, with the number masked. A matching resident outside the
// actor's scope, or of a community where the actor may not do purpose,
// answers ENotFound like a number nobody has. Each lookup is audited
// "resident.match" with purpose as detail: a match as allowed (with the
// resident), a miss as denied — so an auditor sees a file of guesses.
func (s *ResidentService) MatchResidentForImport(ctx context.Context, idNumber string, purpose shequ.Action) (*shequ.Resident, error) {
	for _, act := range []shequ.Action{shequ.ActionResidentRead, purpose} {
		if err := authorizeResident(ctx, act, nil); err != nil {
			return nil, s.db.recordDenied(ctx, err, auditResidentMatch, objResident, "", "")
		}
	}
	n, err := shequ.ParseIDNumber(idNumber, s.db.now())
	if err != nil {
		var fe shequ.FieldErrors
		fe.Add("id_number", "id_number.invalid", shequ.ErrIDNumber.Message, nil)
		return nil, fe.Err()
	}
	scope := ""
	if a := shequ.ActorFrom(ctx); a != nil {
		scope = a.Scope
	}
	cond, args := "r.id_number_idx = ?", []any{s.sealer.Index(indexIDNumber, string(n))}
	if scope != "" {
		cond, args = cond+" AND r.community >= ? AND r.community < ?", append(args, scope, scope+":")
	}
	r, err := s.scanResident(s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT `+residentColumns+`
		FROM residents r WHERE `+cond), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.db.recordDenied(ctx, shequ.ErrNotFound, auditResidentMatch, objResident, "", scope)
	}
	if err != nil {
		return nil, translateError(err, "match resident")
	}
	for _, act := range []shequ.Action{shequ.ActionResidentRead, purpose} {
		if err := authorizeResident(ctx, act, &shequ.Object{Division: r.Community, OwnerID: r.UserID}); err != nil {
			return nil, s.db.recordDenied(ctx, shequ.ErrNotFound, auditResidentMatch, objResident, r.ID, r.Community)
		}
	}
	if err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		return auditAllowed(ctx, s.db, tx, auditResidentMatch, objResident, r.ID, r.Community, string(purpose))
	}); err != nil {
		return nil, err
	}
	r.IDNumber = shequ.IDNumber(r.IDNumber.Masked())
	r.Phone = ""
	return r, nil
}
