package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"shequ"
)

// AssignDuty implements shequ.CareService: an official (care.duty over the
// division) names an account 儿童主任 of a community or 儿童督导员 of a
// township. The account is told.
func (s *CareService) AssignDuty(ctx context.Context, userID string, kind shequ.CareDutyKind, division string) (*shequ.CareDuty, error) {
	if err := authorizeResident(ctx, shequ.ActionCareDuty, nil); err != nil {
		return nil, s.denied(ctx, err, auditDutyAssign, objCareDuty, userID, division)
	}
	var d *shequ.CareDuty
	err := s.write(ctx, auditDutyAssign, objCareDuty, func(c *change) (string, string, error) {
		if err := authorizeResident(ctx, shequ.ActionCareDuty, &shequ.Object{Division: division}); err != nil {
			return "", "", refuse(err, auditDutyAssign, objCareDuty, userID, division)
		}
		var u *shequ.User
		if wellFormedUUID(userID) {
			found, err := NewUserService(s.db).findUser(ctx, c.tx, `u.id = ?`, userID)
			if err != nil && !errors.Is(err, errUserNotFound) {
				return "", "", err
			}
			u = found
		}
		if err := shequ.ValidateDuty(kind, division, u); err != nil {
			return "", "", err
		}
		place, err := divisionName(ctx, s.db, c.tx, division)
		if err != nil {
			return "", "", err
		}
		var n int
		if err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM care_duties WHERE user_id = ? AND kind = ?
			AND division = ? AND ended_at IS NULL`), userID, string(kind), division).Scan(&n); err != nil {
			return "", "", translateError(err, "check duty")
		}
		if n > 0 {
			return "", "", shequ.Errorf(shequ.EConflict, "care.duty.exists", "The account already holds this duty.")
		}
		d = &shequ.CareDuty{ID: newUUID7(), UserID: userID, UserName: displayName(u), Kind: kind, Division: division,
			Since: c.now, AssignedBy: actorID(ctx)}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO care_duties (id, user_id, kind, division, since,
			ended_at, assigned_by) VALUES (?, ?, ?, ?, ?, NULL, ?)`), d.ID, d.UserID, string(d.Kind), d.Division,
			s.db.dialect.timeArg(d.Since), d.AssignedBy); err != nil {
			return "", "", translateError(err, "assign duty")
		}
		c.event(objCareDuty, d.ID, division, auditDutyAssign, "", string(kind), "")
		c.notify([]string{userID}, "care_duty_assigned", objCareDuty, d.ID, place)
		return d.ID, division, nil
	})
	return d, err
}

// displayName is an account's name, else its user name.
func displayName(u *shequ.User) string {
	if u == nil {
		return ""
	}
	if u.Name != "" {
		return u.Name
	}
	return u.Username
}

// divisionName is the name of the division code, for the messages that
// name it; a code not in the division table is a field error.
func divisionName(ctx context.Context, db *DB, q querier, code string) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, db.rebind(`SELECT name FROM divisions WHERE code = ?`), code).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fieldError("division", "care.duty.division.invalid",
			"A 儿童主任 is named for a village or community, a 儿童督导员 for a township.")
	}
	return name, translateError(err, "find division")
}

// divisionExists answers a field error when code is not in the division
// table.
func divisionExists(ctx context.Context, db *DB, q querier, code string) error {
	var n int
	if err := q.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM divisions WHERE code = ?`), code).Scan(&n); err != nil {
		return translateError(err, "find division")
	}
	if n == 0 {
		return fieldError("division", "care.duty.division.invalid",
			"A 儿童主任 is named for a village or community, a 儿童督导员 for a township.")
	}
	return nil
}

// EndDuty implements shequ.CareService.
func (s *CareService) EndDuty(ctx context.Context, id string) error {
	if err := authorizeResident(ctx, shequ.ActionCareDuty, nil); err != nil {
		return s.denied(ctx, err, auditDutyEnd, objCareDuty, id, "")
	}
	return s.write(ctx, auditDutyEnd, objCareDuty, func(c *change) (string, string, error) {
		var div, user string
		var ended sql.NullString
		err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT division, user_id, CAST(ended_at AS TEXT) FROM care_duties
			WHERE id = ?`), id).Scan(&div, &user, &ended)
		if !validID(id) || errors.Is(err, sql.ErrNoRows) {
			return "", "", refuse(shequ.ErrNotFound, auditDutyEnd, objCareDuty, id, "")
		} else if err != nil {
			return "", "", translateError(err, "find duty")
		}
		if err := authorizeResident(ctx, shequ.ActionCareDuty, &shequ.Object{Division: div}); err != nil {
			return "", "", refuse(err, auditDutyEnd, objCareDuty, id, div)
		}
		if ended.Valid {
			return "", "", shequ.Errorf(shequ.EConflict, "care.duty.ended", "The duty has already ended.")
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE care_duties SET ended_at = ? WHERE id = ?`),
			s.db.dialect.timeArg(c.now), id); err != nil {
			return "", "", translateError(err, "end duty")
		}
		c.event(objCareDuty, id, div, auditDutyEnd, "", "", "")
		place, err := divisionName(ctx, s.db, c.tx, div)
		if err != nil {
			return "", "", err
		}
		c.notify([]string{user}, "care_duty_ended", objCareDuty, id, place)
		return id, div, nil
	})
}

// FindDuties implements shequ.CareService: the duties held at and below a
// division, for officials who name them and for duty holders; the answer
// names accounts only.
func (s *CareService) FindDuties(ctx context.Context, division string) ([]*shequ.CareDuty, error) {
	a := shequ.ActorFrom(ctx)
	if !isConsole(ctx) && !a.Can(shequ.ActionCareDuty) && !a.Can(shequ.ActionCareRead) {
		return nil, s.denied(ctx, shequ.ErrForbidden, "care.duty.read", objCareDuty, "", division)
	}
	if a != nil {
		d, ok := narrowToScope(a.Scope, division)
		if !ok {
			return []*shequ.CareDuty{}, nil
		}
		division = d
	}
	cond, args := prefixScope("d.division", division)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT d.id, d.user_id, u.name, u.username, d.kind, d.division,
		d.since, d.assigned_by FROM care_duties d JOIN users u ON u.id = d.user_id
		WHERE d.ended_at IS NULL AND `+cond+` ORDER BY d.division, d.kind, d.since`), args...)
	if err != nil {
		return nil, translateError(err, "read duties")
	}
	defer rows.Close()
	var out []*shequ.CareDuty
	for rows.Next() {
		d := &shequ.CareDuty{}
		var name, username, kind string
		if err := rows.Scan(&d.ID, &d.UserID, &name, &username, &kind, &d.Division, scanTime(&d.Since), &d.AssignedBy); err != nil {
			return nil, translateError(err, "read duties")
		}
		d.Kind, d.UserName = shequ.CareDutyKind(kind), name
		if name == "" {
			d.UserName = username
		}
		out = append(out, d)
	}
	return out, translateError(rows.Err(), "read duties")
}

// MyCareAccess implements shequ.CareService.
func (s *CareService) MyCareAccess(ctx context.Context) (shequ.CareAccess, error) {
	return s.access(ctx, s.db.db)
}

// SetVisitPolicy implements shequ.CareService: a county's visit frequency
// by risk level and its grace period (care.duty over the county). The
// visit plans of the county's people are recomputed in the same
// transaction and their duty holders told (replan).
func (s *CareService) SetVisitPolicy(ctx context.Context, p *shequ.VisitPolicy) error {
	if err := authorizeResident(ctx, shequ.ActionCareDuty, nil); err != nil {
		return s.denied(ctx, err, auditPolicySet, objCarePolicy, p.County, p.County)
	}
	return s.write(ctx, auditPolicySet, objCarePolicy, func(c *change) (string, string, error) {
		if len(p.County) != 6 || shequ.ValidateDivisionCode(p.County) != nil {
			return "", "", fieldError("county", "care.policy.county.invalid", "Pick a county.")
		}
		if err := authorizeResident(ctx, shequ.ActionCareDuty, &shequ.Object{Division: p.County}); err != nil {
			return "", "", refuse(err, auditPolicySet, objCarePolicy, p.County, p.County)
		}
		if err := p.Validate(); err != nil {
			return "", "", err
		}
		_, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO care_policies (county, low_days, medium_days, high_days,
			grace_days, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (county) DO UPDATE SET low_days = excluded.low_days, medium_days = excluded.medium_days,
			high_days = excluded.high_days, grace_days = excluded.grace_days, updated_at = excluded.updated_at,
			updated_by = excluded.updated_by`), p.County, p.Low, p.Medium, p.High, p.GraceDays,
			s.db.dialect.timeArg(c.now), actorID(ctx))
		if err != nil {
			return "", "", translateError(err, "set visit policy")
		}
		p.Replanned, err = s.replan(c, p)
		if err != nil {
			return "", "", err
		}
		return p.County, p.County, nil
	})
}

// VisitPolicyFor implements shequ.CareService: the policy of a community's
// county, the default when it has none. The policy is not personal data.
func (s *CareService) VisitPolicyFor(ctx context.Context, community string) (shequ.VisitPolicy, error) {
	return s.policy(ctx, s.db.db, community)
}

// policy reads the policy of community's county.
func (s *CareService) policy(ctx context.Context, q querier, community string) (shequ.VisitPolicy, error) {
	p := shequ.DefaultVisitPolicy
	if len(community) < 6 {
		return p, nil
	}
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT low_days, medium_days, high_days, grace_days FROM care_policies
		WHERE county = ?`), community[:6]).Scan(&p.Low, &p.Medium, &p.High, &p.GraceDays)
	if errors.Is(err, sql.ErrNoRows) {
		return shequ.DefaultVisitPolicy, nil
	}
	if err != nil {
		return p, translateError(err, "read visit policy")
	}
	p.County = community[:6]
	return p, nil
}

// DutyCandidates implements shequ.CareService: the active accounts of
// shequ.DutyRoles whose area lies within the actor's, for the form that
// names a duty (ValidateDuty still checks the pick).
func (s *CareService) DutyCandidates(ctx context.Context) ([]*shequ.User, error) {
	a := shequ.ActorFrom(ctx)
	if !isConsole(ctx) && !a.Can(shequ.ActionCareDuty) {
		return nil, s.denied(ctx, shequ.ErrForbidden, "care.duty.candidates", objCareDuty, "", "")
	}
	scope := ""
	if a != nil {
		scope = a.Scope
	}
	args := []any{}
	roles := make([]string, len(shequ.DutyRoles))
	for i, r := range shequ.DutyRoles {
		roles[i] = "?"
		args = append(args, string(r))
	}
	cond := `u.role IN (` + strings.Join(roles, ", ") + `) AND u.disabled = ?`
	args = append(args, false)
	if scope != "" {
		// Prefix range on the scope index, as FindUsers.
		cond += ` AND u.scope >= ? AND u.scope < ?`
		args = append(args, scope, scope+":")
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+userColumns+` FROM users u WHERE `+cond+`
		ORDER BY u.scope, u.username_key LIMIT ?`), append(args, shequ.MaxDutyCandidates)...)
	if err != nil {
		return nil, translateError(err, "duty candidates")
	}
	defer rows.Close()
	out := []*shequ.User{}
	for rows.Next() {
		u, err := scanUser(rows.Scan)
		if err != nil {
			return nil, translateError(err, "duty candidates")
		}
		out = append(out, u)
	}
	return out, translateError(rows.Err(), "duty candidates")
}
