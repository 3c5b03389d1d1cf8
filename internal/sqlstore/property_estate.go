package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"shequ"
)

// The register of estates (小区). An estate's company is the one of the
// contract in force today: the join below takes it (contracts of an estate
// never overlap, CreateContract checks it).

const estateColumns = `e.id, e.name, e.community, e.address, e.lat, e.lng, e.households, e.buildings, e.year_built,
	e.old, e.mode, e.created_at, e.updated_at, COALESCE(CAST(k.company_id AS TEXT), ''), COALESCE(pc.name, '')`

// estateFrom joins the contract in force on the day given three times.
const estateFrom = ` FROM estates e
	LEFT JOIN property_contracts k ON k.estate_id = e.id AND k.start_on <= ? AND k.end_on >= ?
		AND (k.ended_on IS NULL OR k.ended_on >= ?)
	LEFT JOIN property_companies pc ON pc.id = k.company_id`

// todayArgs are the arguments of estateFrom.
func (s *PropertyService) todayArgs() []any {
	d := dayArg(s.now())
	return []any{d, d, d}
}

func scanEstate(row interface{ Scan(...any) error }) (*shequ.Estate, error) {
	e := &shequ.Estate{}
	var lat, lng sql.NullFloat64
	var mode string
	err := row.Scan(&e.ID, &e.Name, &e.Community, &e.Address, &lat, &lng, &e.Households, &e.Buildings, &e.YearBuilt,
		&e.Old, &mode, scanTime(&e.CreatedAt), scanTime(&e.UpdatedAt), &e.CompanyID, &e.CompanyName)
	if lat.Valid && lng.Valid {
		e.Lat, e.Lng = &lat.Float64, &lng.Float64
	}
	e.Mode = shequ.ManagementMode(mode)
	return e, err
}

// loadEstate reads an estate with its other communities; ErrNotFound when
// there is none.
func (s *PropertyService) loadEstate(ctx context.Context, q querier, id string) (*shequ.Estate, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	e, err := scanEstate(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+estateColumns+estateFrom+` WHERE e.id = ?`),
		append(s.todayArgs(), id)...))
	if err != nil {
		return nil, noRows(err, "find estate")
	}
	return e, s.loadEstateCommunities(ctx, q, []*shequ.Estate{e})
}

// loadEstateCommunities fills the other communities of estates.
func (s *PropertyService) loadEstateCommunities(ctx context.Context, q querier, es []*shequ.Estate) error {
	if len(es) == 0 {
		return nil
	}
	byID := make(map[string]*shequ.Estate, len(es))
	ids := make([]any, 0, len(es))
	for _, e := range es {
		byID[e.ID] = e
		ids = append(ids, e.ID)
	}
	return loadPairs(ctx, s.db, q, "estate_communities", "estate_id", "community", ids, func(id, c string) {
		byID[id].Communities = append(byID[id].Communities, c)
	})
}

// readEstate checks that the actor may read an estate: in scope through
// any of its communities (its company's staff: their company's estates).
func (s *PropertyService) readEstate(ctx context.Context, q querier, e *shequ.Estate, act shequ.Action) error {
	var first error
	for _, c := range append([]string{e.Community}, e.Communities...) {
		obj, err := s.object(ctx, q, c, "", e.CompanyID)
		if err != nil {
			return err
		}
		err = authorizeResident(ctx, act, obj)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// CreateEstate implements shequ.EstateService.
func (s *PropertyService) CreateEstate(ctx context.Context, e *shequ.Estate) error {
	if err := s.guard(ctx, shequ.ActionPropertyWrite, auditEstateCreate, shequ.ObjEstate, ""); err != nil {
		return err
	}
	if err := e.Validate(s.now()); err != nil {
		return err
	}
	return s.write(ctx, auditEstateCreate, shequ.ObjEstate, func(c *change) (string, string, error) {
		e.ID = newUUID7()
		if err := s.insertEstate(c, e, newCommunityChecker(s.db), auditEstateCreate); err != nil {
			return "", "", err
		}
		return e.ID, e.Community, nil
	})
}

// insertEstate authorizes and writes a new estate inside c.
func (s *PropertyService) insertEstate(c *change, e *shequ.Estate, cc *communityChecker, action string) error {
	ctx := c.ctx
	if err := authorizeIn(ctx, shequ.ActionPropertyWrite, e.Community, action, shequ.ObjEstate, e.ID); err != nil {
		return err
	}
	if missing, err := cc.missing(ctx, c.tx, append([]string{e.Community}, e.Communities...)...); err != nil || missing != "" {
		if err == nil {
			err = fieldError("community_code", "division.not_found", "No such community.")
		}
		return err
	}
	if err := s.nameFree(c, e); err != nil {
		return err
	}
	e.CreatedAt, e.UpdatedAt = c.now, c.now
	_, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO estates (id, name, community, address, lat, lng, households,
		buildings, year_built, old, mode, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		e.ID, e.Name, e.Community, e.Address, ptrValue(e.Lat), ptrValue(e.Lng), e.Households, e.Buildings, e.YearBuilt,
		boolArg(e.Old), string(e.Mode), s.db.dialect.timeArg(c.now), s.db.dialect.timeArg(c.now))
	if err != nil {
		return translateError(err, "create estate")
	}
	if err := insertPairs(ctx, s.db, c.tx, "estate_communities", "estate_id, community", e.ID, e.Communities); err != nil {
		return err
	}
	c.event(shequ.ObjEstate, e.ID, e.Community, action, "", string(e.Mode), e.Name)
	return nil
}

// nameFree refuses a second estate of the same name in a community.
func (s *PropertyService) nameFree(c *change, e *shequ.Estate) error {
	var n int
	err := c.tx.QueryRowContext(c.ctx, s.db.rebind(`SELECT COUNT(*) FROM estates WHERE community = ? AND name = ? AND id <> ?`),
		e.Community, e.Name, e.ID).Scan(&n)
	if err != nil {
		return translateError(err, "check estate name")
	}
	if n > 0 {
		return fieldError("name", "estate.name.taken", "The community has an estate of this name already.")
	}
	return nil
}

// ImportEstates implements shequ.EstateService: all or nothing.
func (s *PropertyService) ImportEstates(ctx context.Context, es []*shequ.Estate) error {
	if err := s.guard(ctx, shequ.ActionPropertyWrite, auditEstateImport, shequ.ObjEstate, ""); err != nil {
		return err
	}
	now := s.now()
	if err := prepareRows(es, func(e *shequ.Estate) error { return e.Validate(now) },
		func(e *shequ.Estate) string { return e.Community + "/" + e.Name }, "estate.import.duplicate", "community and name"); err != nil {
		return err
	}
	cc := newCommunityChecker(s.db) // kept across a retried transaction: an import writes no division
	return writeImport(ctx, s.db, now, es, func(c *change, e *shequ.Estate) error {
		e.ID = newUUID7()
		return s.insertEstate(c, e, cc, auditEstateImport)
	}, func(e *shequ.Estate) (string, string) { return e.ID, e.Community }, auditEstateImport, shequ.ObjEstate, s.OnChange)
}

// FindEstateByID implements shequ.EstateService.
func (s *PropertyService) FindEstateByID(ctx context.Context, id string) (*shequ.Estate, error) {
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditEstateRead, shequ.ObjEstate, id); err != nil {
		return nil, err
	}
	e, err := s.loadEstate(ctx, s.db.db, id)
	if err != nil {
		return nil, err
	}
	if err := s.readEstate(ctx, s.db.db, e, shequ.ActionPropertyRead); err != nil {
		return nil, s.denied(ctx, err, auditEstateRead, shequ.ObjEstate, id, e.Community)
	}
	return e, nil
}

// FindEstates implements shequ.EstateService: by community, then name.
func (s *PropertyService) FindEstates(ctx context.Context, f shequ.EstateFilter) ([]*shequ.Estate, int, error) {
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditEstateRead, shequ.ObjEstate, ""); err != nil {
		return nil, 0, err
	}
	prefix, ok, err := scopePrefix(shequ.ActorFrom(ctx), f.Division)
	if err != nil || !ok {
		return nil, 0, err
	}
	conds, args := []string{"1 = 1"}, s.todayArgs()
	if prefix != "" {
		conds = append(conds, `(e.community >= ? AND e.community < ? OR EXISTS (SELECT 1 FROM estate_communities ec
			WHERE ec.estate_id = e.id AND ec.community >= ? AND ec.community < ?))`)
		args = append(args, prefix, prefix+":", prefix, prefix+":")
	}
	company := f.CompanyID
	if a := shequ.ActorFrom(ctx); a != nil && a.OwnOnly(shequ.ActionPropertyRead) && a.Role == shequ.RolePropertyStaff {
		mine, err := s.myCompany(ctx, s.db.db)
		if err != nil || mine == "" || company != "" && company != mine {
			return nil, 0, err
		}
		company = mine
	}
	if company != "" {
		conds, args = append(conds, "k.company_id = ?"), append(args, company)
	}
	if f.Mode != "" {
		conds, args = append(conds, "e.mode = ?"), append(args, string(f.Mode))
	}
	if f.Old != nil {
		conds, args = append(conds, "e.old = ?"), append(args, boolArg(*f.Old))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		conds, args = append(conds, s.db.dialect.position("e.name", "?")+" > 0"), append(args, q)
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*)`+estateFrom+where), args...).Scan(&total); err != nil {
		return nil, 0, translateError(err, "count estates")
	}
	offset, limit := limits(f.Offset, f.Limit)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+estateColumns+estateFrom+where+
		` ORDER BY e.community, e.name, e.id LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, translateError(err, "find estates")
	}
	defer rows.Close()
	var out []*shequ.Estate
	for rows.Next() {
		e, err := scanEstate(rows)
		if err != nil {
			return nil, 0, translateError(err, "find estates")
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "find estates")
	}
	return out, total, s.loadEstateCommunities(ctx, s.db.db, out)
}

// UpdateEstate implements shequ.EstateService.
func (s *PropertyService) UpdateEstate(ctx context.Context, id string, u shequ.EstateUpdate) (*shequ.Estate, error) {
	if err := s.guard(ctx, shequ.ActionPropertyWrite, auditEstateUpdate, shequ.ObjEstate, id); err != nil {
		return nil, err
	}
	var e *shequ.Estate
	err := s.write(ctx, auditEstateUpdate, shequ.ObjEstate, func(c *change) (string, string, error) {
		var err error
		if e, err = s.loadEstate(ctx, c.tx, id); err != nil {
			return "", "", refuse(err, auditEstateUpdate, shequ.ObjEstate, id, "")
		}
		if err := authorizeIn(ctx, shequ.ActionPropertyWrite, e.Community, auditEstateUpdate, shequ.ObjEstate, id); err != nil {
			return "", "", err
		}
		from := e.Mode
		u.Apply(e)
		if err := e.Validate(c.now); err != nil {
			return "", "", err
		}
		if missing, err := newCommunityChecker(s.db).missing(ctx, c.tx, e.Communities...); err != nil || missing != "" {
			if err == nil {
				err = fieldError("communities", "division.not_found", "No such community.")
			}
			return "", "", err
		}
		if err := s.nameFree(c, e); err != nil {
			return "", "", err
		}
		e.UpdatedAt = c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE estates SET name = ?, address = ?, lat = ?, lng = ?,
			households = ?, buildings = ?, year_built = ?, old = ?, mode = ?, updated_at = ? WHERE id = ?`),
			e.Name, e.Address, ptrValue(e.Lat), ptrValue(e.Lng), e.Households, e.Buildings, e.YearBuilt, boolArg(e.Old),
			string(e.Mode), s.db.dialect.timeArg(c.now), e.ID)
		if err != nil {
			return "", "", translateError(err, "update estate")
		}
		if err := replacePairs(ctx, s.db, c.tx, "estate_communities", "estate_id", "community", e.ID, e.Communities); err != nil {
			return "", "", err
		}
		c.event(shequ.ObjEstate, e.ID, e.Community, auditEstateUpdate, string(from), string(e.Mode), "")
		return e.ID, e.Community, nil
	})
	return e, err
}

// householdOf returns the household and community of the signed-in
// resident's record; household "" when they are in none.
func (s *PropertyService) householdOf(ctx context.Context, q querier) (household, community string, err error) {
	a := shequ.ActorFrom(ctx)
	if a == nil || a.Role != shequ.RoleResident {
		return "", "", shequ.ErrForbidden
	}
	var h sql.NullString
	err = q.QueryRowContext(ctx, s.db.rebind(`SELECT CAST(household_id AS TEXT), community FROM residents WHERE user_id = ?`),
		a.UserID).Scan(&h, &community)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", shequ.Errorf(shequ.EConflict, "estate.resident.unlinked",
			"Your account is not linked to a resident record; ask your community.")
	}
	if err != nil {
		return "", "", translateError(err, "find the resident's household")
	}
	return h.String, community, nil
}

// errNoHousehold is the answer to a resident in no household.
func errNoHousehold() error {
	return shequ.Errorf(shequ.EConflict, "estate.household.none",
		"Your record belongs to no household yet; ask your community to register your household.")
}

// SetHouseholdEstate implements shequ.EstateService.
func (s *PropertyService) SetHouseholdEstate(ctx context.Context, householdID, estateID string) error {
	a := shequ.ActorFrom(ctx)
	act := shequ.ActionPropertyWrite
	if a != nil && a.Role == shequ.RoleResident {
		act = shequ.ActionPropertyRate
	}
	if err := s.guard(ctx, act, auditHouseholdEstate, shequ.ObjEstate, estateID); err != nil {
		return err
	}
	return s.write(ctx, auditHouseholdEstate, shequ.ObjEstate, func(c *change) (string, string, error) {
		e, err := s.loadEstate(ctx, c.tx, estateID)
		if err != nil {
			return "", "", refuse(err, auditHouseholdEstate, shequ.ObjEstate, estateID, "")
		}
		var community string
		err = sql.ErrNoRows
		if validID(householdID) {
			err = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT community FROM households WHERE id = ?`), householdID).Scan(&community)
		}
		if err != nil {
			return "", "", refuse(noRows(err, "find household"), auditHouseholdEstate, "household", householdID, "")
		}
		var current string
		err = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT CAST(estate_id AS TEXT) FROM estate_households WHERE household_id = ?`),
			householdID).Scan(&current)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", "", translateError(err, "find the household's estate")
		}
		if act == shequ.ActionPropertyRate {
			// A resident records their own household once; moving it is
			// the community's to do, so that a household cannot rate
			// several estates.
			mine, _, err := s.householdOf(ctx, c.tx)
			if err != nil {
				return "", "", err
			}
			if mine != householdID {
				return "", "", refuse(shequ.ErrNotFound, auditHouseholdEstate, "household", householdID, community)
			}
			if current != "" && current != estateID {
				return "", "", shequ.Errorf(shequ.EConflict, "estate.household.set",
					"Your household's estate is recorded already; ask your community to change it.")
			}
		} else if err := authorizeIn(ctx, act, community, auditHouseholdEstate, "household", householdID); err != nil {
			return "", "", err
		}
		if !e.InCommunity(community) {
			return "", "", fieldError("estate_id", "estate.household.elsewhere", "The estate does not lie in the household's community.")
		}
		if current == estateID {
			return e.ID, community, nil
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO estate_households (household_id, estate_id, set_by, set_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (household_id) DO UPDATE SET estate_id = excluded.estate_id,
			set_by = excluded.set_by, set_at = excluded.set_at`), householdID, e.ID, actorID(ctx), s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "record the household's estate")
		}
		c.event(shequ.ObjEstate, e.ID, e.Community, auditHouseholdEstate, "", "", "")
		return e.ID, community, nil
	})
}

// MyEstate implements shequ.EstateService.
func (s *PropertyService) MyEstate(ctx context.Context) (*shequ.Estate, string, error) {
	household, _, err := s.householdOf(ctx, s.db.db)
	if err != nil {
		return nil, "", err
	}
	if household == "" {
		return nil, "", errNoHousehold()
	}
	var id string
	err = s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT CAST(estate_id AS TEXT) FROM estate_households WHERE household_id = ?`),
		household).Scan(&id)
	if err != nil {
		return nil, household, noRows(err, "find the household's estate")
	}
	e, err := s.FindEstateByID(ctx, id)
	return e, household, err
}
