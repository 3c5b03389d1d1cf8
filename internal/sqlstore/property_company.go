package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"shequ"
)

// Property companies, their staff accounts and their contracts. A company
// is supervised by a county or township (its division) and works in the
// communities below; it is visible to the accounts of its division and of
// the divisions below and above (a community worker picks the county's
// companies for a contract). Property staff see their own company alone.

const companyColumns = `id, name, credit_code, division, address, contact, contact_phone_enc, blacklisted,
	blacklist_reason, blacklisted_at, created_at, updated_at`

// companyAAD binds a sealed company field to its row.
func companyAAD(field, id string) string { return "property_company." + field + ":" + id }

func (s *PropertyService) scanCompany(row interface{ Scan(...any) error }) (*shequ.PropertyCompany, error) {
	c := &shequ.PropertyCompany{}
	var code string
	var phone sql.NullString
	var black time.Time
	err := row.Scan(&c.ID, &c.Name, &code, &c.Division, &c.Address, &c.Contact, &phone, &c.Blacklisted,
		&c.BlacklistReason, scanTime(&black), scanTime(&c.CreatedAt), scanTime(&c.UpdatedAt))
	if err != nil {
		return nil, err
	}
	c.CreditCode, c.BlacklistedAt = shequ.CreditCode(code), optTime(black)
	if phone.Valid && s.Sealer != nil {
		p, err := s.Sealer.Open(phone.String, companyAAD("contact_phone", c.ID))
		if err != nil {
			return nil, shequ.Wrap(err, "open contact phone")
		}
		c.ContactPhone = shequ.Phone(p)
	}
	return c, nil
}

// loadCompany reads a company; ErrNotFound when there is none.
func (s *PropertyService) loadCompany(ctx context.Context, q querier, id string) (*shequ.PropertyCompany, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	c, err := s.scanCompany(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+companyColumns+` FROM property_companies WHERE id = ?`), id))
	if err != nil {
		return nil, noRows(err, "find company")
	}
	return c, nil
}

// companyObject is what authorization sees of a company: visible from its
// division, the divisions below and those above (a company registered with
// the county serves its communities), owned by its staff.
func (s *PropertyService) companyObject(ctx context.Context, q querier, c *shequ.PropertyCompany) (*shequ.Object, error) {
	div := c.Division
	if a := shequ.ActorFrom(ctx); a != nil && shequ.IsAncestorOrSelf(c.Division, a.Scope) {
		div = a.Scope
	}
	return s.object(ctx, q, div, "", c.ID)
}

// sealCompanyPhone returns the stored form of the contact phone.
func (s *PropertyService) sealCompanyPhone(c *shequ.PropertyCompany) (string, error) {
	if c.ContactPhone == "" {
		return "", nil
	}
	if s.Sealer == nil {
		return "", shequ.Wrap(errNoSealer, "seal contact phone")
	}
	enc, err := s.Sealer.Seal(string(c.ContactPhone), companyAAD("contact_phone", c.ID))
	if err != nil {
		return "", shequ.Wrap(err, "seal contact phone")
	}
	return enc, nil
}

// creditCodeFree refuses a credit code another company holds.
func (s *PropertyService) creditCodeFree(ctx context.Context, tx *sql.Tx, c *shequ.PropertyCompany) error {
	var n int
	err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM property_companies WHERE credit_code = ? AND id <> ?`),
		string(c.CreditCode), c.ID).Scan(&n)
	if err != nil {
		return translateError(err, "check credit code")
	}
	if n > 0 {
		return fieldError("credit_code", "company.credit_code.taken", "A company with this credit code is registered already.")
	}
	return nil
}

// CreateCompany implements shequ.CompanyService (officials). The company's
// base record (登记备案) is written with it.
func (s *PropertyService) CreateCompany(ctx context.Context, co *shequ.PropertyCompany) error {
	if err := s.guard(ctx, shequ.ActionPropertySupervise, auditCompanyCreate, shequ.ObjCompany, ""); err != nil {
		return err
	}
	if err := co.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditCompanyCreate, shequ.ObjCompany, func(c *change) (string, string, error) {
		return co.ID, "", s.insertCompany(c, co, newCommunityChecker(s.db), auditCompanyCreate)
	})
}

// insertCompany authorizes and writes a new company with its base record
// inside c.
func (s *PropertyService) insertCompany(c *change, co *shequ.PropertyCompany, cc *communityChecker, action string) error {
	ctx := c.ctx
	co.ID, co.StaffIDs, co.Blacklisted, co.BlacklistReason, co.BlacklistedAt = newUUID7(), nil, false, "", nil
	phone, err := s.sealCompanyPhone(co)
	if err != nil {
		return err
	}
	if err := authorizeIn(ctx, shequ.ActionPropertySupervise, co.Division, action, shequ.ObjCompany, co.ID); err != nil {
		return err
	}
	if missing, err := cc.missing(ctx, c.tx, co.Division); err != nil || missing != "" {
		if err == nil {
			err = fieldError("division", "division.not_found", "No such division.")
		}
		return err
	}
	if err := s.creditCodeFree(ctx, c.tx, co); err != nil {
		return err
	}
	co.CreatedAt, co.UpdatedAt = c.now, c.now
	_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO property_companies (id, name, credit_code, division, address,
		contact, contact_phone_enc, blacklisted, blacklist_reason, blacklisted_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', NULL, ?, ?)`), co.ID, co.Name, string(co.CreditCode), co.Division,
		co.Address, co.Contact, nullString(phone), boolArg(false), s.db.dialect.timeArg(c.now), s.db.dialect.timeArg(c.now))
	if err != nil {
		return translateError(err, "create company")
	}
	c.event(shequ.ObjCompany, co.ID, co.Division, action, "", "", co.Name)
	_, err = s.baseRecord(c, co)
	return err
}

// ImportCompanies implements shequ.CompanyService: all or nothing.
func (s *PropertyService) ImportCompanies(ctx context.Context, cs []*shequ.PropertyCompany) error {
	if err := s.guard(ctx, shequ.ActionPropertySupervise, auditCompanyImport, shequ.ObjCompany, ""); err != nil {
		return err
	}
	if err := prepareRows(cs, func(co *shequ.PropertyCompany) error { return co.Validate() },
		func(co *shequ.PropertyCompany) string { return string(co.CreditCode) }, "company.import.duplicate", "credit code"); err != nil {
		return err
	}
	cc := newCommunityChecker(s.db) // kept across a retried transaction: an import writes no division
	return writeImport(ctx, s.db, s.now(), cs, func(c *change, co *shequ.PropertyCompany) error {
		return s.insertCompany(c, co, cc, auditCompanyImport)
	}, func(co *shequ.PropertyCompany) (string, string) { return co.ID, co.Division }, auditCompanyImport, shequ.ObjCompany, nil)
}

// FindCompanyByID implements shequ.CompanyService, with the score and grade
// at the module's clock.
func (s *PropertyService) FindCompanyByID(ctx context.Context, id string) (*shequ.PropertyCompany, error) {
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditCompanyRead, shequ.ObjCompany, id); err != nil {
		return nil, err
	}
	co, err := s.loadCompany(ctx, s.db.db, id)
	if err != nil {
		return nil, err
	}
	obj, err := s.companyObject(ctx, s.db.db, co)
	if err != nil {
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionPropertyRead, obj); err != nil {
		return nil, s.denied(ctx, err, auditCompanyRead, shequ.ObjCompany, id, co.Division)
	}
	return co, s.completeCompanies(ctx, []*shequ.PropertyCompany{co})
}

// completeCompanies fills staff, estate counts, scores and grades.
func (s *PropertyService) completeCompanies(ctx context.Context, cs []*shequ.PropertyCompany) error {
	if len(cs) == 0 {
		return nil
	}
	byID := map[string]*shequ.PropertyCompany{}
	ids := make([]any, 0, len(cs))
	for _, c := range cs {
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	srows, err := s.db.reader(ctx).QueryContext(ctx, s.db.rebind(`SELECT CAST(st.company_id AS TEXT), CAST(st.user_id AS TEXT), u.username
		FROM property_company_staff st JOIN users u ON u.id = st.user_id
		WHERE st.company_id IN (`+placeholders(len(ids))+`) ORDER BY u.username`), ids...)
	if err != nil {
		return translateError(err, "find company staff")
	}
	for srows.Next() {
		var cid, uid, name string
		if err := srows.Scan(&cid, &uid, &name); err != nil {
			srows.Close()
			return translateError(err, "find company staff")
		}
		byID[cid].StaffIDs, byID[cid].StaffNames = append(byID[cid].StaffIDs, uid), append(byID[cid].StaffNames, name)
	}
	srows.Close()
	if err := srows.Err(); err != nil {
		return translateError(err, "find company staff")
	}
	today := dayArg(s.now())
	rows, err := s.db.reader(ctx).QueryContext(ctx, s.db.rebind(`SELECT company_id, COUNT(*) FROM property_contracts
		WHERE company_id IN (`+placeholders(len(ids))+`) AND start_on <= ? AND end_on >= ? AND (ended_on IS NULL OR ended_on >= ?)
		GROUP BY company_id`), append(ids, today, today, today)...)
	if err != nil {
		return translateError(err, "count contracts")
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return translateError(err, "count contracts")
		}
		byID[id].Estates = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translateError(err, "count contracts")
	}
	records, err := s.loadRecords(ctx, s.db.reader(ctx), `company_id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return err
	}
	per := map[string][]*shequ.CreditRecord{}
	for _, r := range records {
		per[r.CompanyID] = append(per[r.CompanyID], r)
	}
	now := s.now()
	for _, c := range cs {
		sc := shequ.ScoreCredit(per[c.ID], now)
		c.Score, c.Grade = sc.Score, sc.Grade
	}
	return nil
}

// maxCompanyList bounds the companies FindCompanies reads before grading
// and paging them in Go (a county has hundreds).
const maxCompanyList = 5000

// FindCompanies implements shequ.CompanyService: the companies supervised
// at, below or above the division (property staff: their own), by name.
func (s *PropertyService) FindCompanies(ctx context.Context, f shequ.CompanyFilter) ([]*shequ.PropertyCompany, int, error) {
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditCompanyRead, shequ.ObjCompany, ""); err != nil {
		return nil, 0, err
	}
	prefix, ok, err := scopePrefix(shequ.ActorFrom(ctx), f.Division)
	if err != nil || !ok {
		return nil, 0, err
	}
	conds, args := []string{"1 = 1"}, []any{}
	if prefix != "" {
		// At or below the prefix, or one of its ancestors.
		related, rargs := relatedDivisions("division", prefix)
		conds, args = append(conds, related), append(args, rargs...)
	}
	if a := shequ.ActorFrom(ctx); a != nil && a.Role == shequ.RolePropertyStaff {
		mine, err := s.myCompany(ctx, s.db.db)
		if err != nil || mine == "" {
			return nil, 0, err
		}
		conds, args = append(conds, "id = ?"), append(args, mine)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		conds, args = append(conds, s.db.dialect.position("name", "?")+" > 0"), append(args, q)
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+companyColumns+` FROM property_companies WHERE `+
		strings.Join(conds, " AND ")+` ORDER BY name, id LIMIT ?`), append(args, maxCompanyList)...)
	if err != nil {
		return nil, 0, translateError(err, "find companies")
	}
	var all []*shequ.PropertyCompany
	for rows.Next() {
		c, err := s.scanCompany(rows)
		if err != nil {
			rows.Close()
			return nil, 0, translateError(err, "find companies")
		}
		all = append(all, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "find companies")
	}
	if err := s.completeCompanies(ctx, all); err != nil {
		return nil, 0, err
	}
	if f.Grade != "" {
		all = slices.DeleteFunc(all, func(c *shequ.PropertyCompany) bool { return c.Grade != f.Grade })
	}
	offset, limit := limits(f.Offset, f.Limit)
	total := len(all)
	if offset > total {
		offset = total
	}
	return all[offset:min(total, offset+limit)], total, nil
}

// UpdateCompany implements shequ.CompanyService (officials).
func (s *PropertyService) UpdateCompany(ctx context.Context, id string, u shequ.CompanyUpdate) (*shequ.PropertyCompany, error) {
	if err := s.guard(ctx, shequ.ActionPropertySupervise, auditCompanyUpdate, shequ.ObjCompany, id); err != nil {
		return nil, err
	}
	var co *shequ.PropertyCompany
	err := s.write(ctx, auditCompanyUpdate, shequ.ObjCompany, func(c *change) (string, string, error) {
		var err error
		if co, err = s.loadCompany(ctx, c.tx, id); err != nil {
			return "", "", refuse(err, auditCompanyUpdate, shequ.ObjCompany, id, "")
		}
		if err := s.superviseCompany(c, co, auditCompanyUpdate, shequ.ObjCompany, id); err != nil {
			return "", "", err
		}
		before := *co
		set(&co.Name, u.Name)
		set(&co.CreditCode, u.CreditCode)
		set(&co.Division, u.Division)
		set(&co.Address, u.Address)
		set(&co.Contact, u.Contact)
		set(&co.ContactPhone, u.ContactPhone)
		if err := co.Validate(); err != nil {
			return "", "", err
		}
		if co.Division != before.Division {
			// Moving the company is the new division's officials' too.
			if err := authorizeIn(ctx, shequ.ActionPropertySupervise, co.Division, auditCompanyUpdate, shequ.ObjCompany, id); err != nil {
				return "", "", err
			}
			if missing, err := newCommunityChecker(s.db).missing(ctx, c.tx, co.Division); err != nil || missing != "" {
				if err == nil {
					err = fieldError("division", "division.not_found", "No such division.")
				}
				return "", "", err
			}
		}
		if err := s.creditCodeFree(ctx, c.tx, co); err != nil {
			return "", "", err
		}
		phone, err := s.sealCompanyPhone(co)
		if err != nil {
			return "", "", err
		}
		co.UpdatedAt = c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE property_companies SET name = ?, credit_code = ?, division = ?,
			address = ?, contact = ?, contact_phone_enc = ?, updated_at = ? WHERE id = ?`), co.Name, string(co.CreditCode),
			co.Division, co.Address, co.Contact, nullString(phone), s.db.dialect.timeArg(c.now), co.ID)
		if err != nil {
			return "", "", translateError(err, "update company")
		}
		c.event(shequ.ObjCompany, co.ID, co.Division, auditCompanyUpdate, "", "", "")
		return co.ID, "", nil
	})
	if err != nil {
		return nil, err
	}
	return co, s.completeCompanies(ctx, []*shequ.PropertyCompany{co})
}

// set stores *v in *dst when v is not nil.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// SetCompanyStaff implements shequ.CompanyService (officials): the accounts
// must be property staff whose scope covers the company's division.
func (s *PropertyService) SetCompanyStaff(ctx context.Context, companyID string, userIDs []string) error {
	if err := s.guard(ctx, shequ.ActionPropertySupervise, auditCompanyStaff, shequ.ObjCompany, companyID); err != nil {
		return err
	}
	ids := normalizeSet(userIDs)
	if len(ids) > 100 {
		return fieldError("staff", "company.staff.many", "A company has at most 100 staff accounts here.")
	}
	return s.write(ctx, auditCompanyStaff, shequ.ObjCompany, func(c *change) (string, string, error) {
		co, err := s.loadCompany(ctx, c.tx, companyID)
		if err != nil {
			return "", "", refuse(err, auditCompanyStaff, shequ.ObjCompany, companyID, "")
		}
		if err := s.superviseCompany(c, co, auditCompanyStaff, shequ.ObjCompany, co.ID); err != nil {
			return "", "", err
		}
		for _, id := range ids {
			var role, scope string
			err := sql.ErrNoRows
			if validID(id) {
				err = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT role, scope FROM users WHERE id = ?`), id).Scan(&role, &scope)
			}
			if err != nil || shequ.Role(role) != shequ.RolePropertyStaff {
				return "", "", fieldError("staff", "company.staff.role", "Only property staff accounts can belong to a company.")
			}
			if !shequ.IsAncestorOrSelf(scope, co.Division) {
				return "", "", fieldError("staff", "company.staff.scope", "A staff account's scope must cover the company's division.")
			}
			var other string
			err = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT CAST(company_id AS TEXT) FROM property_company_staff WHERE user_id = ?`), id).Scan(&other)
			if err == nil && other != co.ID {
				return "", "", fieldError("staff", "company.staff.taken", "The account belongs to another company.")
			}
		}
		if err := replacePairs(ctx, s.db, c.tx, "property_company_staff", "company_id", "user_id", co.ID, ids); err != nil {
			return "", "", err
		}
		c.event(shequ.ObjCompany, co.ID, co.Division, auditCompanyStaff, "", "", "")
		return co.ID, "", nil
	})
}

// auditCompanyReseal is the audited action of re-sealing after a key
// rotation.
const auditCompanyReseal = "property_company.reseal"

// Reseal seals the companies' contact phones again under the sealer's
// current key after a key rotation (see OrgService.Reseal). Only the
// console and ActionSecurityManage may run it.
func (s *PropertyService) Reseal(ctx context.Context, progress func(int)) (int, error) {
	if err := authorizeResident(ctx, shequ.ActionSecurityManage, nil); err != nil {
		return 0, s.db.recordDenied(ctx, err, auditCompanyReseal, shequ.ObjCompany, "", "")
	}
	return resealTable(ctx, s.db, s.Sealer, sealedTableNamed("property_companies"), progress)
}

// MyCompany implements shequ.CompanyService.
func (s *PropertyService) MyCompany(ctx context.Context) (*shequ.PropertyCompany, error) {
	id, err := s.myCompany(ctx, s.db.db)
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, shequ.ErrNotFound
	}
	return s.FindCompanyByID(ctx, id)
}

const contractColumns = `k.id, k.estate_id, e.name, k.company_id, pc.name, k.community, k.start_on, k.end_on, k.fee_fen,
	k.scope, k.selection, k.ended_on, k.end_reason, k.created_at, k.updated_at`

const contractFrom = ` FROM property_contracts k JOIN estates e ON e.id = k.estate_id
	JOIN property_companies pc ON pc.id = k.company_id`

func scanContract(row interface{ Scan(...any) error }) (*shequ.PropertyContract, error) {
	k := &shequ.PropertyContract{}
	var start, end, sel string
	var ended sql.NullString
	err := row.Scan(&k.ID, &k.EstateID, &k.EstateName, &k.CompanyID, &k.CompanyName, &k.Community, &start, &end, &k.FeeFen,
		&k.Scope, &sel, &ended, &k.EndReason, scanTime(&k.CreatedAt), scanTime(&k.UpdatedAt))
	if err != nil {
		return nil, err
	}
	k.Selection = shequ.ContractSelection(sel)
	if k.Start, err = scanDay(start); err != nil {
		return nil, err
	}
	if k.End, err = scanDay(end); err != nil {
		return nil, err
	}
	k.EndedOn, err = scanOptDay(ended)
	return k, err
}

// CreateContract implements shequ.CompanyService (community workers and
// officials of the estate): no overlap with the estate's other contracts,
// no company on the black list. The estate is then managed by a company.
func (s *PropertyService) CreateContract(ctx context.Context, k *shequ.PropertyContract) error {
	if err := s.guard(ctx, shequ.ActionPropertyWrite, auditContractCreate, shequ.ObjContract, ""); err != nil {
		return err
	}
	k.Start, k.End = shequ.DateOf(k.Start), shequ.DateOf(k.End)
	if err := k.Validate(); err != nil {
		return err
	}
	k.EndedOn, k.EndReason = nil, ""
	return s.write(ctx, auditContractCreate, shequ.ObjContract, func(c *change) (string, string, error) {
		k.ID = newUUID7()
		e, err := s.loadEstate(ctx, c.tx, k.EstateID)
		if err != nil {
			return "", "", fieldError("estate_id", "contract.estate.required", "Pick the estate.")
		}
		if err := authorizeIn(ctx, shequ.ActionPropertyWrite, e.Community, auditContractCreate, shequ.ObjContract, k.ID); err != nil {
			return "", "", err
		}
		co, err := s.loadCompany(ctx, c.tx, k.CompanyID)
		if err != nil {
			return "", "", fieldError("company_id", "contract.company.required", "Pick the company.")
		}
		if co.Blacklisted {
			return "", "", fieldError("company_id", "contract.company.blacklisted", "The company is on the black list.")
		}
		var n int
		err = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM property_contracts WHERE estate_id = ?
			AND start_on <= ? AND COALESCE(ended_on, end_on) >= ?`), e.ID, dayArg(k.End), dayArg(k.Start)).Scan(&n)
		if err != nil {
			return "", "", translateError(err, "check contracts")
		}
		if n > 0 {
			return "", "", fieldError("start", "contract.overlap", "The estate has a contract for part of this time already.")
		}
		k.Community, k.EstateName, k.CompanyName, k.CreatedAt, k.UpdatedAt = e.Community, e.Name, co.Name, c.now, c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO property_contracts (id, estate_id, company_id, community,
			start_on, end_on, fee_fen, scope, selection, ended_on, end_reason, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', ?, ?)`), k.ID, e.ID, co.ID, e.Community, dayArg(k.Start), dayArg(k.End),
			k.FeeFen, k.Scope, string(k.Selection), s.db.dialect.timeArg(c.now), s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "create contract")
		}
		if e.Mode != shequ.ModeCompany {
			if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE estates SET mode = ?, updated_at = ? WHERE id = ?`),
				string(shequ.ModeCompany), s.db.dialect.timeArg(c.now), e.ID); err != nil {
				return "", "", translateError(err, "update estate mode")
			}
			c.event(shequ.ObjEstate, e.ID, e.Community, auditEstateUpdate, string(e.Mode), string(shequ.ModeCompany), co.Name)
		}
		c.event(shequ.ObjEstate, e.ID, e.Community, auditContractCreate, "", "", co.Name)
		staff, err := s.staffOf(ctx, c.tx, co.ID)
		if err := tell(c, staff, err, "contract_created", shequ.ObjEstate, e.ID, e.Name); err != nil {
			return "", "", err
		}
		return k.ID, e.Community, nil
	})
}

// loadContract reads a contract.
func (s *PropertyService) loadContract(ctx context.Context, q querier, id string) (*shequ.PropertyContract, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	k, err := scanContract(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+contractColumns+contractFrom+` WHERE k.id = ?`), id))
	if err != nil {
		return nil, noRows(err, "find contract")
	}
	return k, nil
}

// EndContract implements shequ.CompanyService.
func (s *PropertyService) EndContract(ctx context.Context, id string, on time.Time, reason string) (*shequ.PropertyContract, error) {
	if err := s.guard(ctx, shequ.ActionPropertyWrite, auditContractEnd, shequ.ObjContract, id); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < 2 || n > shequ.MaxReason {
		return nil, fieldError("reason", "contract.reason.invalid", "Say why the contract ends early (2 to 500 characters).")
	}
	var k *shequ.PropertyContract
	err := s.write(ctx, auditContractEnd, shequ.ObjContract, func(c *change) (string, string, error) {
		var err error
		if k, err = s.loadContract(ctx, c.tx, id); err != nil {
			return "", "", refuse(err, auditContractEnd, shequ.ObjContract, id, "")
		}
		if err := authorizeIn(ctx, shequ.ActionPropertyWrite, k.Community, auditContractEnd, shequ.ObjContract, id); err != nil {
			return "", "", err
		}
		d := shequ.DateOf(on)
		if k.EndedOn != nil {
			return "", "", shequ.Errorf(shequ.EConflict, "contract.ended", "The contract has ended already.")
		}
		if d.Before(k.Start) || !d.Before(k.End) {
			return "", "", fieldError("ended_on", "contract.end.invalid", "A contract ends early on a day within its term, before its end.")
		}
		k.EndedOn, k.EndReason, k.UpdatedAt = &d, reason, c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE property_contracts SET ended_on = ?, end_reason = ?, updated_at = ?
			WHERE id = ?`), dayArg(d), reason, s.db.dialect.timeArg(c.now), k.ID)
		if err != nil {
			return "", "", translateError(err, "end contract")
		}
		c.event(shequ.ObjEstate, k.EstateID, k.Community, auditContractEnd, "", "", k.CompanyName+"："+reason)
		return k.ID, k.Community, nil
	})
	return k, err
}

// FindContracts implements shequ.CompanyService.
func (s *PropertyService) FindContracts(ctx context.Context, estateID, companyID string) ([]*shequ.PropertyContract, error) {
	var cond, arg string
	switch {
	case estateID != "":
		if _, err := s.FindEstateByID(ctx, estateID); err != nil {
			return nil, err
		}
		cond, arg = "k.estate_id = ?", estateID
	case companyID != "":
		if _, err := s.FindCompanyByID(ctx, companyID); err != nil {
			return nil, err
		}
		cond, arg = "k.company_id = ?", companyID
	default:
		return nil, shequ.ErrNotFound
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+contractColumns+contractFrom+` WHERE `+cond+`
		ORDER BY k.start_on DESC, k.id`), arg)
	if err != nil {
		return nil, translateError(err, "find contracts")
	}
	defer rows.Close()
	a := shequ.ActorFrom(ctx)
	var out []*shequ.PropertyContract
	for rows.Next() {
		k, err := scanContract(rows)
		if err != nil {
			return nil, translateError(err, "find contracts")
		}
		// A company's contracts are listed for estates in the actor's
		// scope only (its staff: all of theirs).
		if estateID == "" && a != nil && a.Role != shequ.RolePropertyStaff && !shequ.IsAncestorOrSelf(a.Scope, k.Community) {
			continue
		}
		out = append(out, k)
	}
	return out, translateError(rows.Err(), "find contracts")
}
