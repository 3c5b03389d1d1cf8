package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"shequ"
)

// Households (户) belong to ResidentService: a household is the set of
// residents that name it, with their relation to its head.

// maxAddressLength bounds a household's address, in characters.
const maxAddressLength = 100

// CreateHousehold stores a new household in an existing community. It
// assigns a UUIDv7 when ID is empty; Members are ignored (residents join a
// household through their own record). Audited "household.create".
func (s *ResidentService) CreateHousehold(ctx context.Context, h *shequ.Household) error {
	h.Community, h.Address = strings.TrimSpace(h.Community), strings.TrimSpace(h.Address)
	var fe shequ.FieldErrors
	if shequ.ValidateDivisionCode(h.Community) != nil || len(h.Community) != 12 {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	if utf8.RuneCountInString(h.Address) > maxAddressLength {
		fe.Add("address", "household.address.long", "The address has at most 100 characters.", nil)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if h.ID == "" {
		h.ID = newUUID7()
	} else if _, err := uuid.Parse(h.ID); err != nil {
		return shequ.Errorf(shequ.EInvalid, "household.id.malformed", "The household id is not a UUID.")
	}
	if err := authorizeResident(ctx, shequ.ActionResidentWrite, &shequ.Object{Division: h.Community}); err != nil {
		return s.db.recordDenied(ctx, err, auditHouseholdCreate, objHousehold, h.ID, h.Community)
	}
	now := s.db.now()
	h.CreatedAt, h.UpdatedAt, h.Members = now, now, nil
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.checkPlacement(ctx, tx, &shequ.Resident{Community: h.Community}, nil); err != nil {
			return err
		}
		d := s.db.dialect
		_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO households (id, community, address, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)`), h.ID, h.Community, h.Address, d.timeArg(now), d.timeArg(now))
		if err != nil {
			return translateError(err, "create household")
		}
		return s.audit(ctx, tx, auditHouseholdCreate, objHousehold, h.ID, h.Community, "")
	})
}

// FindHouseholdByID returns a household with its members, the head first,
// then by birth date. It needs ActionResidentRead in the household's
// community (a resident, who may read only their own record, gets
// ENotFound); reading the records of minor members is audited. The
// address is masked by shequ.Mask unless reveal, which needs
// ActionResidentReveal over the household and is audited
// "household.reveal".
func (s *ResidentService) FindHouseholdByID(ctx context.Context, id string, reveal bool) (*shequ.Household, error) {
	// The permission alone first, so that existence does not show.
	if err := authorizeResident(ctx, shequ.ActionResidentRead, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditHouseholdRead, objHousehold, clipID(id), "")
	}
	h, err := s.loadHousehold(ctx, id)
	if shequ.ErrorCode(err) == shequ.ENotFound {
		return nil, s.db.recordDenied(ctx, err, auditHouseholdRead, objHousehold, clipID(id), "")
	} else if err != nil {
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionResidentRead, &shequ.Object{Division: h.Community}); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditHouseholdRead, objHousehold, id, h.Community)
	}
	if reveal {
		if err := authorizeResident(ctx, shequ.ActionResidentReveal, &shequ.Object{Division: h.Community}); err != nil {
			return nil, s.db.recordDenied(ctx, err, auditHouseholdReveal, objHousehold, id, h.Community)
		}
		if err := s.db.withTx(ctx, func(tx *sql.Tx) error {
			return s.audit(ctx, tx, auditHouseholdReveal, objHousehold, h.ID, h.Community, "")
		}); err != nil {
			return nil, err
		}
	} else {
		h.Address = shequ.Mask(shequ.PersonalAddress, h.Address)
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+residentColumns+`
		FROM residents r WHERE r.household_id = ?
		ORDER BY CASE WHEN r.relation = 'head' THEN 0 ELSE 1 END, r.birth_date, r.id`), id)
	if err != nil {
		return nil, translateError(err, "find household members")
	}
	defer rows.Close()
	h.Members = []*shequ.Resident{}
	for rows.Next() {
		r, err := s.scanResident(rows)
		if err != nil {
			return nil, translateError(err, "find household members")
		}
		h.Members = append(h.Members, r)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "find household members")
	}
	if err := s.loadTags(ctx, s.db.db, h.Members); err != nil {
		return nil, err
	}
	if err := s.auditReads(ctx, h.Members, false, "household"); err != nil {
		return nil, err
	}
	return h, nil
}

// loadHousehold reads a household without members; ErrNotFound when there
// is none.
func (s *ResidentService) loadHousehold(ctx context.Context, id string) (*shequ.Household, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, shequ.ErrNotFound
	}
	var h shequ.Household
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT id, community, address, created_at, updated_at
		FROM households WHERE id = ?`), id).
		Scan(&h.ID, &h.Community, &h.Address, scanTime(&h.CreatedAt), scanTime(&h.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shequ.ErrNotFound
	}
	if err != nil {
		return nil, translateError(err, "find household")
	}
	return &h, nil
}
