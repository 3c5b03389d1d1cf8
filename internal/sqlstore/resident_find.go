package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"shequ"
)

// FindResidents lists the residents the actor may read that match f, ordered
// by community, name and id, with the total count of matches. Community
// narrows the actor's scope (a disjoint one matches nothing); a resident
// sees only their own record. Query matches part of the name; IDNumber is
// parsed and matched exactly through the blind index; Tag matches a stored
// tag, or the birth date for the derived elderly_60. Limit defaults to 50
// and is capped at 500. Tags of the page are loaded with one query, and the
// minors on the page are audited "resident.read_minor".
func (s *ResidentService) FindResidents(ctx context.Context, f shequ.ResidentFilter) ([]*shequ.Resident, int, error) {
	a := shequ.ActorFrom(ctx)
	if err := authorizeResident(ctx, shequ.ActionResidentRead, nil); err != nil {
		return nil, 0, s.db.recordDenied(ctx, err, auditResidentList, objResident, "", f.Community)
	}
	if f.IDNumber != "" {
		// A match confirms a whole number: searching by one is revealing
		// it, so it needs the permission to reveal (otherwise a reader who
		// sees only masks could test candidates until one matches).
		if err := authorizeResident(ctx, shequ.ActionResidentReveal, nil); err != nil {
			return nil, 0, s.db.recordDenied(ctx, err, auditResidentSearchID, objResident, "", f.Community)
		}
	}
	now := s.db.now()
	where, args, ok, err := s.residentWhere(a, f, now)
	if err != nil || !ok {
		return []*shequ.Resident{}, 0, err
	}
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM residents r WHERE `+where), args...).
		Scan(&total); err != nil {
		return nil, 0, translateError(err, "count residents")
	}
	limit := clamp(f.Limit, defaultResidentLimit, maxResidentLimit)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+residentColumns+`
		FROM residents r WHERE `+where+`
		ORDER BY r.community, r.name, r.id
		LIMIT ? OFFSET ?`), append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, translateError(err, "find residents")
	}
	defer rows.Close()
	out := []*shequ.Resident{}
	for rows.Next() {
		r, err := s.scanResident(rows)
		if err != nil {
			return nil, 0, translateError(err, "find residents")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "find residents")
	}
	rows.Close()
	if err := s.loadTags(ctx, s.db.db, out); err != nil {
		return nil, 0, err
	}
	if err := s.auditReads(ctx, out, false, "list"); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// residentWhere builds the WHERE clause of FindResidents over residents r.
// ok is false when the filter cannot match anything the actor may see.
func (s *ResidentService) residentWhere(a *shequ.Actor, f shequ.ResidentFilter, now time.Time) (string, []any, bool, error) {
	conds, args := []string{"1 = 1"}, []any{}
	prefix := strings.TrimSpace(f.Community)
	if prefix != "" && shequ.ValidateDivisionCode(prefix) != nil {
		var fe shequ.FieldErrors
		fe.Add("community", "division.code.malformed", "A division code has 2, 4, 6, 9 or 12 digits.", nil)
		return "", nil, false, fe.Err()
	}
	if a != nil {
		// The deeper of the actor's scope and the requested division when
		// one contains the other; nothing when they are disjoint.
		switch {
		case shequ.IsAncestorOrSelf(a.Scope, prefix):
		case shequ.IsAncestorOrSelf(prefix, a.Scope):
			prefix = a.Scope
		default:
			return "", nil, false, nil
		}
		if a.OwnOnly(shequ.ActionResidentRead) {
			if _, err := uuid.Parse(a.UserID); err != nil {
				return "", nil, false, nil
			}
			conds, args = append(conds, "r.user_id = ?"), append(args, a.UserID)
		}
	}
	if prefix != "" {
		// A range rather than LIKE or substr, so that the index on
		// community serves it: codes are digits, and ':' sorts right after
		// '9' in byte order (the column is COLLATE "C" on PostgreSQL).
		conds, args = append(conds, "r.community >= ? AND r.community < ?"), append(args, prefix, prefix+":")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		conds, args = append(conds, s.db.dialect.position("r.name", "?")+" > 0"), append(args, q)
	}
	if f.IDNumber != "" {
		id, err := shequ.ParseIDNumber(f.IDNumber, now)
		if err != nil {
			var fe shequ.FieldErrors
			fe.Add("id_number", "id_number.invalid", shequ.ErrIDNumber.Message, nil)
			return "", nil, false, fe.Err()
		}
		conds, args = append(conds, "r.id_number_idx = ?"), append(args, s.sealer.Index(indexIDNumber, string(id)))
	}
	switch tag := shequ.Tag(strings.TrimSpace(string(f.Tag))); {
	case tag == "":
	case tag == shequ.TagElderly:
		// Born on or before this day 60 years ago, as AgeAt counts.
		cutoff := now.In(shequ.Shanghai).AddDate(-shequ.ElderlyAge, 0, 0).Format(time.DateOnly)
		conds, args = append(conds, "r.birth_date <= ?"), append(args, cutoff)
	default:
		conds = append(conds, "EXISTS (SELECT 1 FROM resident_tags t WHERE t.resident_id = r.id AND t.tag = ?)")
		args = append(args, string(tag))
	}
	return strings.Join(conds, " AND "), args, true, nil
}
