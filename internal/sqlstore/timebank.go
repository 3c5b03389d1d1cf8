package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"shequ"
)

// The time bank (时间银行). An account's balance moves only through
// credit and debit below, each with its ledger entry in the same
// transaction: a debit is a conditional UPDATE (balance >= minutes) that
// the database serializes on the row on both engines, so concurrent
// withdrawals never take a balance below zero (the column's CHECK backs
// it), and a transfer's two entries sum to zero.

// policy returns a county's policy (the default when it set none).
func (s *VolunteerService) policy(ctx context.Context, q querier, county string) (shequ.TimeBankPolicy, error) {
	p := shequ.TimeBankPolicy{County: county}
	var eligible string
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT eligible, yearly_cap, updated_at, updated_by FROM timebank_policies
		WHERE county = ?`), county).Scan(&eligible, &p.YearlyCapMinutes, scanTime(&p.UpdatedAt), &p.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return shequ.DefaultTimeBankPolicy(county), nil
	} else if err != nil {
		return p, translateError(err, "read time-bank policy")
	}
	p.Eligible = asList[shequ.ServiceCategory](splitList(eligible))
	return p, nil
}

// TimeBankPolicyFor implements shequ.TimeBankService (anyone signed in may
// read the rules).
func (s *VolunteerService) TimeBankPolicyFor(ctx context.Context, county string) (shequ.TimeBankPolicy, error) {
	if len(county) != 6 || shequ.ValidateDivisionCode(county) != nil {
		return shequ.TimeBankPolicy{}, fieldError("county", "timebank.county.invalid", "The policy is a county's.")
	}
	return s.policy(ctx, s.db.db, county)
}

// SetTimeBankPolicy implements shequ.TimeBankService: an official of the
// county (or above) sets its eligible services and yearly cap.
func (s *VolunteerService) SetTimeBankPolicy(ctx context.Context, p *shequ.TimeBankPolicy) error {
	if err := authorizeResident(ctx, shequ.ActionTimeBankPolicy, nil); err != nil {
		return s.denied(ctx, err, auditTBPolicy, objTimeBankPol, p.County, "")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditTBPolicy, objTimeBankPol, func(c *change) (string, string, error) {
		if err := authorizeResident(ctx, shequ.ActionTimeBankPolicy, &shequ.Object{Division: p.County}); err != nil {
			return "", "", refuse(err, auditTBPolicy, objTimeBankPol, p.County, p.County)
		}
		p.UpdatedAt, p.UpdatedBy = c.now, actorName(ctx)
		res, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE timebank_policies SET eligible = ?, yearly_cap = ?,
			updated_at = ?, updated_by = ? WHERE county = ?`), joinList(p.Eligible), p.YearlyCapMinutes,
			s.db.dialect.timeArg(c.now), p.UpdatedBy, p.County)
		if err != nil {
			return "", "", translateError(err, "set time-bank policy")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO timebank_policies (county, eligible, yearly_cap,
				updated_at, updated_by) VALUES (?, ?, ?, ?, ?)`), p.County, joinList(p.Eligible), p.YearlyCapMinutes,
				s.db.dialect.timeArg(c.now), p.UpdatedBy); err != nil {
				return "", "", translateError(err, "set time-bank policy")
			}
		}
		c.event(objTimeBankPol, p.County, p.County, auditTBPolicy, "", joinList(p.Eligible), "")
		return p.County, p.County, nil
	})
}

// accountColumns are the columns scanAccount reads.
const accountColumns = `a.id, a.resident_id, r.name, a.community, a.balance, a.deposited, a.withdrawn, a.created_at, r.user_id`

// accountFrom is the FROM clause of accountColumns.
const accountFrom = `timebank_accounts a JOIN residents r ON r.id = a.resident_id`

// scanAccount reads a row of accountColumns; owner is the holder's account.
func scanAccount(row rowScanner, owner *string) (*shequ.TimeBankAccount, error) {
	x := &shequ.TimeBankAccount{}
	var user sql.NullString
	err := row.Scan(&x.ID, &x.ResidentID, &x.Name, &x.Community, &x.Balance, &x.Deposited, &x.Withdrawn,
		scanTime(&x.CreatedAt), &user)
	if owner != nil {
		*owner = user.String
	}
	x.HolderUser = user.String
	return x, err
}

// accountID returns the id of a resident's account, opening it inside c
// when there is none.
func (s *VolunteerService) accountID(c *change, residentID, community string) (string, error) {
	var id string
	err := c.tx.QueryRowContext(c.ctx, s.db.rebind(`SELECT id FROM timebank_accounts WHERE resident_id = ?`), residentID).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", translateError(err, "read account")
	}
	id = newUUID7()
	_, err = c.tx.ExecContext(c.ctx, s.db.rebind(`INSERT INTO timebank_accounts (id, resident_id, community, balance,
		deposited, withdrawn, created_at) VALUES (?, ?, ?, 0, 0, 0, ?)`), id, residentID, community, s.db.dialect.timeArg(c.now))
	return id, translateError(err, "open account")
}

// entry writes a ledger entry of the account with its balance after it;
// the account's community is touched (its hours owed and redeemed moved,
// though the change may concern another community: a deposit for service
// given elsewhere, a redemption beyond the county).
func (s *VolunteerService) entry(c *change, e *shequ.LedgerEntry) error {
	var community string
	if err := c.tx.QueryRowContext(c.ctx, s.db.rebind(`SELECT balance, community FROM timebank_accounts WHERE id = ?`), e.AccountID).
		Scan(&e.Balance, &community); err != nil {
		return translateError(err, "read balance")
	}
	c.touched = append(c.touched, community)
	e.ID, e.CreatedAt, e.By = newUUID7(), c.now, actorName(c.ctx)
	_, err := c.tx.ExecContext(c.ctx, s.db.rebind(`INSERT INTO timebank_entries (id, account_id, kind, minutes, balance,
		community, record_id, beneficiary_id, counterpart_id, service, note, by_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), e.ID, e.AccountID, string(e.Kind), e.Minutes, e.Balance,
		e.Community, nullString(e.RecordID), nullString(e.Beneficiary), nullString(e.Counterpart), e.Service, e.Note, e.By,
		s.db.dialect.timeArg(c.now))
	return translateError(err, "write ledger entry")
}

// credit adds minutes to a resident's account (opened if needed).
func (s *VolunteerService) credit(c *change, residentID, community string, minutes int, kind shequ.LedgerKind, recordID, note string) (*shequ.LedgerEntry, error) {
	id, err := s.accountID(c, residentID, community)
	if err != nil {
		return nil, err
	}
	if err := s.add(c, id, minutes); err != nil {
		return nil, err
	}
	e := &shequ.LedgerEntry{AccountID: id, Kind: kind, Minutes: minutes, Community: community, RecordID: recordID, Service: note}
	return e, s.entry(c, e)
}

// add credits an account row.
func (s *VolunteerService) add(c *change, accountID string, minutes int) error {
	_, err := c.tx.ExecContext(c.ctx, s.db.rebind(`UPDATE timebank_accounts SET balance = balance + ?,
		deposited = deposited + ? WHERE id = ?`), minutes, minutes, accountID)
	return translateError(err, "credit account")
}

// debit takes minutes from an account if it holds them (ErrInsufficient
// otherwise); the conditional update is the guard.
func (s *VolunteerService) debit(c *change, accountID string, minutes int) error {
	res, err := c.tx.ExecContext(c.ctx, s.db.rebind(`UPDATE timebank_accounts SET balance = balance - ?,
		withdrawn = withdrawn + ? WHERE id = ? AND balance >= ?`), minutes, minutes, accountID, minutes)
	if err != nil {
		return translateError(err, "debit account")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return shequ.ErrInsufficient
	}
	return nil
}

// balanceOf is the balance of a resident's account (0 without one).
func (s *VolunteerService) balanceOf(c *change, residentID string) (int, error) {
	var balance int
	err := c.tx.QueryRowContext(c.ctx, s.db.rebind(`SELECT balance FROM timebank_accounts WHERE resident_id = ?`),
		residentID).Scan(&balance)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return balance, translateError(err, "read account")
}

// takeBack takes back minutes of a corrected deposit (no more than the
// balance holds: the caller bounds it with balanceOf).
func (s *VolunteerService) takeBack(c *change, residentID string, minutes int, recordID, note string) error {
	var id, community string
	if err := c.tx.QueryRowContext(c.ctx, s.db.rebind(`SELECT id, community FROM timebank_accounts WHERE resident_id = ?`),
		residentID).Scan(&id, &community); err != nil {
		return translateError(err, "read account")
	}
	res, err := c.tx.ExecContext(c.ctx, s.db.rebind(`UPDATE timebank_accounts SET balance = balance - ?,
		deposited = deposited - ? WHERE id = ? AND balance >= ? AND deposited >= ?`), minutes, minutes, id, minutes, minutes)
	if err != nil {
		return translateError(err, "correct account")
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return shequ.ErrInsufficient
	}
	return s.entry(c, &shequ.LedgerEntry{AccountID: id, Kind: shequ.LedgerCorrection, Minutes: -minutes, Community: community,
		RecordID: recordID, Service: note})
}

// accountAccess is what authorization sees of an account for the actor of
// ctx: its community, owned by the holder, or by a registered family
// member for reads and withdrawals.
func (s *VolunteerService) accountObject(ctx context.Context, q querier, x *shequ.TimeBankAccount, holder string) (*shequ.Object, error) {
	obj := &shequ.Object{Division: x.Community, OwnerID: holder}
	a := shequ.ActorFrom(ctx)
	if a == nil || a.UserID == holder {
		return obj, nil
	}
	var n int
	if err := q.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM timebank_family f JOIN residents r ON r.id = f.resident_id
		WHERE f.account_id = ? AND r.user_id = ?`), x.ID, a.UserID).Scan(&n); err != nil {
		return nil, translateError(err, "read family")
	}
	if n > 0 {
		// A family member acts on the holder's account from anywhere.
		obj.OwnerID, obj.Division = a.UserID, a.Scope
		if obj.Division == "" {
			obj.Division = x.Community
		}
	}
	return obj, nil
}

// loadAccount reads an account and its holder's account id.
func (s *VolunteerService) loadAccount(ctx context.Context, q querier, id string) (*shequ.TimeBankAccount, string, error) {
	if !validID(id) {
		return nil, "", shequ.ErrNotFound
	}
	var holder string
	x, err := scanAccount(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+accountColumns+` FROM `+accountFrom+` WHERE a.id = ?`), id), &holder)
	if err != nil {
		return nil, "", noRows(err, "read account")
	}
	fam, err := s.family(ctx, q, id)
	if err != nil {
		return nil, "", err
	}
	x.Family = fam
	return x, holder, nil
}

// family reads an account's family members.
func (s *VolunteerService) family(ctx context.Context, q querier, accountID string) ([]shequ.FamilyMember, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT f.resident_id, r.name, f.relation, COALESCE(CAST(r.user_id AS TEXT), '') FROM timebank_family f
		JOIN residents r ON r.id = f.resident_id WHERE f.account_id = ? ORDER BY f.added_at`), accountID)
	if err != nil {
		return nil, translateError(err, "read family")
	}
	defer rows.Close()
	var out []shequ.FamilyMember
	for rows.Next() {
		var m shequ.FamilyMember
		if err := rows.Scan(&m.ResidentID, &m.Name, &m.Relation, &m.UserID); err != nil {
			return nil, translateError(err, "read family")
		}
		out = append(out, m)
	}
	return out, translateError(rows.Err(), "read family")
}

// FindAccountByID implements shequ.TimeBankService. Audited.
func (s *VolunteerService) FindAccountByID(ctx context.Context, id string) (*shequ.TimeBankAccount, error) {
	if err := authorizeResident(ctx, shequ.ActionTimeBankRead, nil); err != nil {
		return nil, s.denied(ctx, err, auditTBRead, objTimeBank, id, "")
	}
	x, holder, err := s.loadAccount(ctx, s.db.db, id)
	if err != nil {
		return nil, s.denied(ctx, err, auditTBRead, objTimeBank, id, "")
	}
	obj, err := s.accountObject(ctx, s.db.db, x, holder)
	if err != nil {
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionTimeBankRead, obj); err != nil {
		return nil, s.denied(ctx, err, auditTBRead, objTimeBank, id, x.Community)
	}
	return x, s.audited(ctx, auditTBRead, objTimeBank, x.ID, x.Community)
}

// AccountOf implements shequ.TimeBankService: the account of a resident,
// opened on first use.
func (s *VolunteerService) AccountOf(ctx context.Context, residentID string) (*shequ.TimeBankAccount, error) {
	if err := authorizeResident(ctx, shequ.ActionTimeBankRead, nil); err != nil {
		return nil, s.denied(ctx, err, auditTBRead, objTimeBank, residentID, "")
	}
	var id string
	err := s.write(ctx, auditTBRead, objTimeBank, func(c *change) (string, string, error) {
		comm, user, err := residentCommunity(ctx, s.db, c.tx, residentID, "resident_id")
		if err != nil {
			return "", "", refuse(shequ.ErrNotFound, auditTBRead, objTimeBank, residentID, "")
		}
		if err := authorizeResident(ctx, shequ.ActionTimeBankRead, &shequ.Object{Division: comm, OwnerID: user}); err != nil {
			return "", "", refuse(err, auditTBRead, objTimeBank, residentID, comm)
		}
		if id, err = s.accountID(c, residentID, comm); err != nil {
			return "", "", err
		}
		return id, comm, nil
	})
	if err != nil {
		return nil, err
	}
	x, _, err := s.loadAccount(ctx, s.db.db, id)
	return x, err
}

// MyAccounts implements shequ.TimeBankService: the resident's own account
// (when they have one) and those they are family of.
func (s *VolunteerService) MyAccounts(ctx context.Context) ([]*shequ.TimeBankAccount, error) {
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return nil, shequ.ErrUnauthorized
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+accountColumns+` FROM `+accountFrom+`
		WHERE r.user_id = ? OR a.id IN (SELECT f.account_id FROM timebank_family f JOIN residents m ON m.id = f.resident_id
		WHERE m.user_id = ?) ORDER BY a.created_at, a.id`), a.UserID, a.UserID)
	if err != nil {
		return nil, translateError(err, "read accounts")
	}
	out, err := collectRows(rows, func(r rowScanner) (*shequ.TimeBankAccount, error) { return scanAccount(r, nil) }, "read accounts")
	if err != nil {
		return nil, err
	}
	for _, x := range out {
		if x.Family, err = s.family(ctx, s.db.db, x.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FindAccounts implements shequ.TimeBankService: the accounts of the
// actor's area, largest balance first.
func (s *VolunteerService) FindAccounts(ctx context.Context, community string, offset, limit int) ([]*shequ.TimeBankAccount, int, error) {
	q, ok, err := s.db.scopedList(ctx, shequ.ActionTimeBankRead, auditTBRead, objTimeBank, "a.community", community)
	if err != nil || !ok {
		return []*shequ.TimeBankAccount{}, 0, err
	}
	if a := shequ.ActorFrom(ctx); a.OwnOnly(shequ.ActionTimeBankRead) {
		q.equal("r.user_id", a.UserID)
	}
	return listPage(ctx, q, accountFrom, accountColumns, "a.balance DESC, a.id", offset, limit,
		func(r rowScanner) (*shequ.TimeBankAccount, error) { return scanAccount(r, nil) }, "accounts")
}

// Ledger implements shequ.TimeBankService: an account's entries, newest
// first.
func (s *VolunteerService) Ledger(ctx context.Context, accountID string, offset, limit int) ([]*shequ.LedgerEntry, int, error) {
	if _, err := s.FindAccountByID(ctx, accountID); err != nil {
		return nil, 0, err
	}
	q := &listQuery{db: s.db}
	q.equal("e.account_id", accountID)
	return listPage(ctx, q, "timebank_entries e JOIN timebank_accounts a ON a.id = e.account_id", `e.id, e.account_id,
		e.kind, e.minutes, e.balance, e.community, a.community, e.record_id, e.beneficiary_id, e.counterpart_id, e.service,
		e.note, e.by_name, e.created_at`, "e.created_at DESC, e.id DESC", offset, limit, scanEntry, "ledger entries")
}

// scanEntry reads a ledger entry.
func scanEntry(row rowScanner) (*shequ.LedgerEntry, error) {
	e := &shequ.LedgerEntry{}
	var kind string
	var rec, ben, cp sql.NullString
	err := row.Scan(&e.ID, &e.AccountID, &kind, &e.Minutes, &e.Balance, &e.Community, &e.HolderCommunity, &rec, &ben, &cp,
		&e.Service, &e.Note, &e.By, scanTime(&e.CreatedAt))
	e.Kind, e.RecordID, e.Beneficiary, e.Counterpart = shequ.LedgerKind(kind), rec.String, ben.String, cp.String
	return e, err
}

// AddFamily implements shequ.TimeBankService: the holder registers a
// member of their own household (as the resident register records it), or
// a community worker of the account's community any resident of the
// register; the member may then redeem the holder's hours for themself and
// is told so when they have an account.
func (s *VolunteerService) AddFamily(ctx context.Context, accountID string, m shequ.FamilyMember) error {
	if err := authorizeResident(ctx, shequ.ActionTimeBankWrite, nil); err != nil {
		return s.denied(ctx, err, auditTBFamily, objTimeBank, accountID, "")
	}
	m.Relation = strings.TrimSpace(m.Relation)
	if n := len([]rune(m.Relation)); n < 1 || n > 20 {
		return fieldError("relation", "timebank.relation.invalid", "Say how they are related (1 to 20 characters).")
	}
	return s.write(ctx, auditTBFamily, objTimeBank, func(c *change) (string, string, error) {
		x, holder, err := s.loadAccount(ctx, c.tx, accountID)
		if err != nil {
			return "", "", refuse(err, auditTBFamily, objTimeBank, accountID, "")
		}
		if err := authorizeResident(ctx, shequ.ActionTimeBankWrite, &shequ.Object{Division: x.Community, OwnerID: holder}); err != nil {
			return "", "", refuse(err, auditTBFamily, objTimeBank, accountID, x.Community)
		}
		_, user, err := residentCommunity(ctx, s.db, c.tx, m.ResidentID, "resident_id")
		if err != nil || m.ResidentID == x.ResidentID {
			return "", "", fieldError("resident_id", "timebank.family.invalid", "Pick a family member from the resident register.")
		}
		if shequ.ActorFrom(ctx).OwnOnly(shequ.ActionTimeBankWrite) {
			// The holder picks from their household only; anyone else is
			// registered by a worker, who checks the relation.
			same, err := s.sameHousehold(ctx, c.tx, x.ResidentID, m.ResidentID)
			if err != nil {
				return "", "", err
			}
			if !same {
				return "", "", fieldError("resident_id", "timebank.family.household",
					"Pick a member of your household; a community worker registers anyone else.")
			}
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO timebank_family (account_id, resident_id, relation, added_at)
			VALUES (?, ?, ?, ?)`), x.ID, m.ResidentID, m.Relation, s.db.dialect.timeArg(c.now))
		if err != nil {
			if shequ.ErrorCode(translateError(err, "")) == shequ.EConflict {
				return "", "", fieldError("resident_id", "timebank.family.already", "They are registered already.")
			}
			return "", "", translateError(err, "add family member")
		}
		c.event(objTimeBank, x.ID, x.Community, auditTBFamily, "", m.Relation, "")
		if user != "" {
			c.notify([]string{user}, "timebank_family_added", objTimeBank, x.ID, x.Name)
		}
		return x.ID, x.Community, nil
	})
}

// sameHousehold reports whether two residents belong to one household of
// the register.
func (s *VolunteerService) sameHousehold(ctx context.Context, q querier, a, b string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM residents x JOIN residents y
		ON y.household_id = x.household_id WHERE x.id = ? AND y.id = ? AND x.household_id IS NOT NULL`), a, b).Scan(&n)
	return n > 0, translateError(err, "read household")
}

// HouseholdCandidates implements shequ.TimeBankService: the members of the
// holder's household not yet registered as family, for the holder's
// picker (their names and register relations only). Readable by whoever
// may add family to the account.
func (s *VolunteerService) HouseholdCandidates(ctx context.Context, accountID string) ([]shequ.FamilyMember, error) {
	if err := authorizeResident(ctx, shequ.ActionTimeBankWrite, nil); err != nil {
		return nil, s.denied(ctx, err, auditTBRead, objTimeBank, accountID, "")
	}
	x, holder, err := s.loadAccount(ctx, s.db.db, accountID)
	if err != nil {
		return nil, s.denied(ctx, err, auditTBRead, objTimeBank, accountID, "")
	}
	if err := authorizeResident(ctx, shequ.ActionTimeBankWrite, &shequ.Object{Division: x.Community, OwnerID: holder}); err != nil {
		return nil, s.denied(ctx, err, auditTBRead, objTimeBank, accountID, x.Community)
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT y.id, y.name, COALESCE(y.relation, '') FROM residents x
		JOIN residents y ON y.household_id = x.household_id AND y.id <> x.id
		WHERE x.id = ? AND x.household_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM timebank_family f WHERE f.account_id = ? AND f.resident_id = y.id)
		ORDER BY y.name, y.id`), x.ResidentID, x.ID)
	if err != nil {
		return nil, translateError(err, "read household")
	}
	defer rows.Close()
	out := []shequ.FamilyMember{}
	for rows.Next() {
		var m shequ.FamilyMember
		if err := rows.Scan(&m.ResidentID, &m.Name, &m.Relation); err != nil {
			return nil, translateError(err, "read household")
		}
		out = append(out, m)
	}
	return out, translateError(rows.Err(), "read household")
}

// Withdraw implements shequ.TimeBankService: minutes redeemed as a service
// received by the holder or a registered family member, in any community
// (通存通兑). A community worker records it for the holder at the counter,
// or the holder (or family member) does themself.
func (s *VolunteerService) Withdraw(ctx context.Context, w *shequ.Withdrawal) (*shequ.LedgerEntry, error) {
	if err := authorizeResident(ctx, shequ.ActionTimeBankWrite, nil); err != nil {
		return nil, s.denied(ctx, err, auditTBWithdraw, objTimeBank, w.AccountID, "")
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	var out *shequ.LedgerEntry
	err := s.write(ctx, auditTBWithdraw, objTimeBank, func(c *change) (string, string, error) {
		x, holder, err := s.loadAccount(ctx, c.tx, w.AccountID)
		if err != nil {
			return "", "", refuse(err, auditTBWithdraw, objTimeBank, w.AccountID, "")
		}
		obj, err := s.accountObject(ctx, c.tx, x, holder)
		if err != nil {
			return "", "", err
		}
		if err := authorizeResident(ctx, shequ.ActionTimeBankWrite, obj); err != nil {
			// A worker of the community where the service is given may
			// record it for a holder of elsewhere (通兑).
			if err2 := authorizeResident(ctx, shequ.ActionTimeBankWrite, &shequ.Object{Division: w.Community}); err2 != nil ||
				shequ.ActorFrom(ctx).OwnOnly(shequ.ActionTimeBankWrite) {
				return "", "", refuse(err, auditTBWithdraw, objTimeBank, w.AccountID, x.Community)
			}
		}
		if w.BeneficiaryID == "" {
			w.BeneficiaryID = x.ResidentID
		}
		ok := w.BeneficiaryID == x.ResidentID
		for _, m := range x.Family {
			ok = ok || m.ResidentID == w.BeneficiaryID
		}
		if !ok {
			return "", "", fieldError("beneficiary_id", "timebank.beneficiary.invalid", "The service goes to the holder or a registered family member.")
		}
		if miss, err := newCommunityChecker(s.db).missing(ctx, c.tx, w.Community); err != nil {
			return "", "", err
		} else if miss != "" {
			return "", "", fieldError("community", "timebank.community.invalid", "Pick the community where the service was given.")
		}
		if err := s.debit(c, x.ID, w.Minutes); err != nil {
			return "", "", err
		}
		out = &shequ.LedgerEntry{AccountID: x.ID, Kind: shequ.LedgerWithdrawal, Minutes: -w.Minutes, Community: w.Community,
			HolderCommunity: x.Community, Beneficiary: w.BeneficiaryID, Service: w.Service}
		if err := s.entry(c, out); err != nil {
			return "", "", err
		}
		c.event(objTimeBank, x.ID, x.Community, auditTBWithdraw, "", "", w.Service)
		c.notify([]string{holder}, "timebank_withdrawn", objTimeBank, x.ID, w.Service)
		return x.ID, x.Community, nil
	})
	return out, err
}

// Transfer implements shequ.TimeBankService: the holder (or a worker for
// them) moves minutes to another account; the two entries sum to zero.
// The rows are updated in id order so that crossing transfers do not
// deadlock.
func (s *VolunteerService) Transfer(ctx context.Context, t *shequ.Transfer) (*shequ.LedgerEntry, error) {
	if err := authorizeResident(ctx, shequ.ActionTimeBankWrite, nil); err != nil {
		return nil, s.denied(ctx, err, auditTBTransfer, objTimeBank, t.From, "")
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	var out *shequ.LedgerEntry
	err := s.write(ctx, auditTBTransfer, objTimeBank, func(c *change) (string, string, error) {
		from, holder, err := s.loadAccount(ctx, c.tx, t.From)
		if err != nil {
			return "", "", refuse(err, auditTBTransfer, objTimeBank, t.From, "")
		}
		if err := authorizeResident(ctx, shequ.ActionTimeBankWrite, &shequ.Object{Division: from.Community, OwnerID: holder}); err != nil {
			return "", "", refuse(err, auditTBTransfer, objTimeBank, t.From, from.Community)
		}
		to, toHolder, err := s.loadAccount(ctx, c.tx, t.To)
		if err != nil {
			return "", "", fieldError("to", "timebank.to.invalid", "Pick another account to transfer to.")
		}
		first, second := func() error { return s.debit(c, from.ID, t.Minutes) }, func() error { return s.add(c, to.ID, t.Minutes) }
		if to.ID < from.ID {
			first, second = second, first
		}
		if err := first(); err != nil {
			return "", "", err
		}
		if err := second(); err != nil {
			return "", "", err
		}
		// A transfer in is not a deposit: take it back out of deposited.
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE timebank_accounts SET deposited = deposited - ? WHERE id = ?`),
			t.Minutes, to.ID); err != nil {
			return "", "", translateError(err, "transfer")
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE timebank_accounts SET withdrawn = withdrawn - ? WHERE id = ?`),
			t.Minutes, from.ID); err != nil {
			return "", "", translateError(err, "transfer")
		}
		out = &shequ.LedgerEntry{AccountID: from.ID, Kind: shequ.LedgerTransferOut, Minutes: -t.Minutes, Community: from.Community,
			HolderCommunity: from.Community, Counterpart: to.ID, Note: t.Note}
		if err := s.entry(c, out); err != nil {
			return "", "", err
		}
		if err := s.entry(c, &shequ.LedgerEntry{AccountID: to.ID, Kind: shequ.LedgerTransferIn, Minutes: t.Minutes,
			Community: to.Community, Counterpart: from.ID, Note: t.Note}); err != nil {
			return "", "", err
		}
		c.event(objTimeBank, from.ID, from.Community, auditTBTransfer, "", to.ID, t.Note)
		c.notify([]string{toHolder}, "timebank_received", objTimeBank, to.ID, t.Note)
		return from.ID, from.Community, nil
	})
	return out, err
}

// CountyBook implements shequ.TimeBankService: what a county owes (the
// balances of its residents' accounts) against its active volunteers.
func (s *VolunteerService) CountyBook(ctx context.Context, county string) (*shequ.TimeBankCounty, error) {
	if err := authorizeResident(ctx, shequ.ActionTimeBankRead, &shequ.Object{Division: county}); err != nil ||
		shequ.ActorFrom(ctx).OwnOnly(shequ.ActionTimeBankRead) {
		if err == nil {
			err = shequ.ErrForbidden
		}
		return nil, s.denied(ctx, err, auditTBRead, objTimeBank, county, county)
	}
	if len(county) != 6 {
		return nil, fieldError("county", "timebank.county.invalid", "The policy is a county's.")
	}
	b := &shequ.TimeBankCounty{County: county}
	lo, hi := county, county+":"
	db := s.db.db
	err := db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*), COALESCE(SUM(balance), 0), COALESCE(SUM(deposited), 0),
		COALESCE(SUM(withdrawn), 0) FROM timebank_accounts WHERE community >= ? AND community < ?`), lo, hi).
		Scan(&b.Accounts, &b.OwedMinutes, &b.Deposited, &b.Redeemed)
	if err != nil {
		return nil, translateError(err, "read county book")
	}
	err = db.QueryRowContext(ctx, s.db.rebind(`SELECT COALESCE(SUM(-e.minutes), 0) FROM timebank_entries e
		JOIN timebank_accounts a ON a.id = e.account_id WHERE e.kind = 'withdrawal' AND a.community >= ? AND a.community < ?
		AND (e.community < ? OR e.community >= ?)`), lo, hi, lo, hi).Scan(&b.RedeemedOutside)
	if err != nil {
		return nil, translateError(err, "read county book")
	}
	err = db.QueryRowContext(ctx, s.db.rebind(`SELECT COALESCE(SUM(-e.minutes), 0) FROM timebank_entries e
		JOIN timebank_accounts a ON a.id = e.account_id WHERE e.kind = 'withdrawal' AND e.community >= ? AND e.community < ?
		AND (a.community < ? OR a.community >= ?)`), lo, hi, lo, hi).Scan(&b.ServedForOthers)
	if err != nil {
		return nil, translateError(err, "read county book")
	}
	err = db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN `+
		s.db.dialect.position("(',' || skills || ',')", "',elderly_care,'")+` > 0 THEN 1 ELSE 0 END), 0)
		FROM volunteers WHERE status = 'active' AND community >= ? AND community < ?`), lo, hi).Scan(&b.Volunteers, &b.ServingSkill)
	if err != nil {
		return nil, translateError(err, "read county book")
	}
	since := s.now().AddDate(-1, 0, 0)
	pol, err := s.policy(ctx, db, county)
	if err != nil {
		return nil, err
	}
	for _, cat := range pol.Eligible {
		var n int
		if err := db.QueryRowContext(ctx, s.db.rebind(`SELECT COALESCE(SUM(minutes), 0) FROM volunteer_records
			WHERE superseded_by IS NULL AND category = ? AND community >= ? AND community < ? AND day >= ?`),
			string(cat), lo, hi, dayArg(since)).Scan(&n); err != nil {
			return nil, translateError(err, "read county book")
		}
		b.Served12m += n
	}
	return b, s.audited(ctx, auditTBRead, objTimeBank, county, county)
}
