package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"shequ"
	"shequ/internal/pii"
)

// Every column that holds a value sealed with the personal-data keys
// (internal/pii) is listed here, so that a key rotation re-seals all of them
// and a key is retired only when none of them uses it any more
// (KeyRegistry.CountSealed). A module that adds a sealed column adds it to
// sealedTables; TestSealedTablesComplete looks for *_enc and *_sealed
// columns missing.

// sealedColumn is a sealed column and the field name of its associated
// data: the AAD of a value is prefix + field + ":" + row id.
type sealedColumn struct{ column, field string }

// sealedTable is a table with sealed columns, keyed by a text or uuid id.
type sealedTable struct {
	table, prefix string
	cols          []sealedColumn
	// action and objectType of the audit record of each re-sealed batch.
	action, objectType string
	// where, if set, keeps the rows that hold sealed values (a condition on
	// the table's columns).
	where string
	// key lists the columns of the primary key, "id" when empty; the row
	// part of the AAD is their values joined by ":".
	key []string
	// batch is the rows of one transaction, resealBatch when 0 (tests
	// take fewer to see the batches follow one another).
	batch int
}

// keyColumns returns the columns of t's primary key.
func (t sealedTable) keyColumns() []string {
	if len(t.key) == 0 {
		return []string{"id"}
	}
	return t.key
}

// sealedTables lists every sealed column of the schema.
var sealedTables = []sealedTable{
	{table: "residents", prefix: "resident.", cols: []sealedColumn{{"id_number_enc", "id_number"}, {"phone_enc", "phone"}},
		action: auditResidentReseal, objectType: objResident},
	{table: "social_orgs", prefix: "org.", cols: []sealedColumn{{"leader_phone_enc", "leader_phone"}},
		action: auditOrgReseal, objectType: objOrg},
	{table: "social_workers", prefix: "worker.", cols: []sealedColumn{{"id_number_enc", "id_number"}, {"phone_enc", "phone"}},
		action: auditWorkerReseal, objectType: objWorker},
	// A request's personal form values, one sealed JSON document ("" when
	// the request has none).
	{table: "service_requests", prefix: "service_request.", cols: []sealedColumn{{"attrs_sealed", "attrs"}},
		action: auditRequestReseal, objectType: objRequest, where: "attrs_sealed <> ''"},
	// The care module's records (careAAD: "care.<short>.<column>:<id>").
	careSealed("care_persons", "person", objCarePerson, "guardian_name", "guardian_phone", "parents", "school", "risk_reason", "exit_note"),
	careSealed("care_visits", "visit", objCareVisit, "notes"),
	careSealed("care_reports", "report", objCareReport, "reporter_name", "reporter_org", "phone", "child_name", "where", "details"),
	careSealed("care_alerts", "alert", objCareAlert, "outcome"),
	careSealed("care_alert_steps", "alert_step", objCareAlert, "note"),
	careSealed("care_cases", "case", objCase, "summary"),
	careSealed("care_case_notes", "case_note", objCase, "attendees", "body"),
	careSealed("care_approvals", "approval", objCase, "note", "reason"),
	careSealed("care_referrals", "referral", objReferral, "note"),
	careSealed("sw_work_logs", "worklog", objWorkLog, "notes"),
	careSealed("sw_supervisions", "supervision", objSupervisor, "notes"),
	// The volunteer module's (volAAD: "volunteer.<table>.<column>:<id>").
	volSealed("volunteers", "volunteers", "volunteer", "emergency_name", "emergency_phone"),
	volSealed("volunteer_opportunities", "opportunities", "opportunity", "scan"),
	volSealed("volunteer_certificates", "certificates", "certificate", "code"),
	// Property companies' contact phones (companyAAD).
	{table: "property_companies", prefix: "property_company.", cols: []sealedColumn{{"contact_phone_enc", "contact_phone"}},
		action: auditCompanyReseal, objectType: shequ.ObjCompany, where: "contact_phone_enc IS NOT NULL"},
	// The accounts' notification addresses (channelAAD).
	{table: "notification_channels", prefix: "notify.", cols: []sealedColumn{{"address_enc", "address"}},
		action: auditChannelsReseal, objectType: userObjectType, key: []string{"user_id", "channel"}},
}

// auditCareReseal is the audit action of re-sealing a care table.
const auditCareReseal = "care.reseal"

// auditVolunteerReseal is the audit action of re-sealing a volunteer table.
const auditVolunteerReseal = "volunteer.reseal"

// volSealed is the entry of a volunteer table whose columns are fields +
// "_enc" sealed under volAAD(short, field, id).
func volSealed(table, short, objectType string, fields ...string) sealedTable {
	t := careSealed(table, "", objectType, fields...)
	t.prefix, t.action = "volunteer."+short+".", auditVolunteerReseal
	return t
}

// careSealed is the entry of a care table whose columns are fields + "_enc"
// sealed under careAAD(short, field, id).
func careSealed(table, short, objectType string, fields ...string) sealedTable {
	t := sealedTable{table: table, prefix: "care." + short + ".", action: auditCareReseal, objectType: objectType}
	for _, f := range fields {
		t.cols = append(t.cols, sealedColumn{f + "_enc", f})
	}
	return t
}

// sealedTableNamed returns the entry of table.
func sealedTableNamed(table string) sealedTable {
	for _, t := range sealedTables {
		if t.table == table {
			return t
		}
	}
	panic("sqlstore: no sealed table " + table)
}

// sealFailed is the error of a Seal: an application error as it is (a key
// ring that refuses to seal while its key is being retired answers
// EUnavailable), anything else internal.
func sealFailed(err error, what string) error {
	var e *shequ.Error
	if errors.As(err, &e) {
		return err
	}
	return shequ.Wrap(err, what)
}

// currentKeyer is a sealer that names the key it seals with (pii.KeyRing):
// values already under it are not sealed again.
type currentKeyer interface{ CurrentID() uint32 }

// resealTable opens every sealed value of t and seals it again under the
// sealer's current key, in batches of resealBatch rows in id order, one
// transaction each, audited t.action once per batch with the count in
// Detail (once with count=0 when nothing needed it). Values already under
// the current key are left as they are, so an interrupted run can be run
// again. Each value is written only if it is
// still the one read (compare and set): a value a server changed meanwhile
// was sealed by that server, under the current key, and must not be
// overwritten with the old one. It returns the number of rows read.
func resealTable(ctx context.Context, db *DB, sealer shequ.Sealer, t sealedTable, progress func(int)) (int, error) {
	var current uint32
	if ck, ok := sealer.(currentKeyer); ok {
		current = ck.CurrentID()
	}
	keyCols := t.keyColumns()
	names := slices.Clone(keyCols)
	for _, c := range t.cols {
		names = append(names, c.column)
	}
	// The row's key is matched column by column.
	keyMatch := make([]string, len(keyCols))
	for i, k := range keyCols {
		keyMatch[i] = k + " = ?"
	}
	order := strings.Join(keyCols, ", ")
	rows, audited := 0, false
	var after []string
	for {
		n, count := 0, 0
		var last []string
		err := db.withTx(ctx, func(tx *sql.Tx) error {
			var conds []string
			args := []any{}
			if t.where != "" {
				conds = append(conds, t.where)
			}
			if after != nil {
				// Ids compare as text on SQLite and as uuid on PostgreSQL:
				// both orders agree for the canonical lower-case form Go
				// writes. A key of several columns compares as a row.
				conds = append(conds, "("+order+") > ("+strings.TrimSuffix(strings.Repeat("?, ", len(after)), ", ")+")")
				for _, v := range after {
					args = append(args, v)
				}
			}
			if t.batch > 0 {
				args = append(args, t.batch)
			} else {
				args = append(args, resealBatch)
			}
			cond := ""
			if len(conds) > 0 {
				cond = "WHERE " + strings.Join(conds, " AND ")
			}
			q, err := tx.QueryContext(ctx, db.rebind(`SELECT `+strings.Join(names, ", ")+` FROM `+t.table+` `+cond+`
				ORDER BY `+order+` LIMIT ?`), args...)
			if err != nil {
				return translateError(err, "read "+t.table+" to re-seal")
			}
			type row struct {
				key  []string
				vals []sql.NullString
			}
			var batch []row
			for q.Next() {
				r := row{key: make([]string, len(keyCols)), vals: make([]sql.NullString, len(t.cols))}
				var dest []any
				for i := range r.key {
					dest = append(dest, &r.key[i])
				}
				for i := range r.vals {
					dest = append(dest, &r.vals[i])
				}
				if err := q.Scan(dest...); err != nil {
					q.Close()
					return translateError(err, "read "+t.table+" to re-seal")
				}
				batch = append(batch, r)
			}
			q.Close()
			if err := q.Err(); err != nil {
				return translateError(err, "read "+t.table+" to re-seal")
			}
			for _, r := range batch {
				id := strings.Join(r.key, ":")
				for i, c := range t.cols {
					v := r.vals[i]
					if !v.Valid || v.String == "" {
						continue
					}
					if id, err := pii.KeyID(v.String); err == nil && current != 0 && id == current {
						continue
					}
					resealed, err := resealValue(sealer, v.String, t.prefix+c.field+":"+id)
					if err != nil {
						if shequ.ErrorCode(err) != shequ.EInternal {
							return err
						}
						return &shequ.Error{Code: shequ.EConflict, Key: "keys.reseal.unreadable",
							Message: fmt.Sprintf("A value of %s.%s (row %s) cannot be opened with the key file: it cannot be re-encrypted, and the key it names cannot be retired.", t.table, c.column, id),
							Data:    map[string]any{"Column": t.table + "." + c.column, "ID": id}, Err: err}
					}
					args := []any{resealed}
					for _, k := range r.key {
						args = append(args, k)
					}
					res, err := tx.ExecContext(ctx, db.rebind(`UPDATE `+t.table+` SET `+c.column+` = ? WHERE `+
						strings.Join(keyMatch, " AND ")+` AND `+c.column+` = ?`), append(args, v.String)...)
					if err != nil {
						return translateError(err, "re-seal "+t.table)
					}
					if k, _ := res.RowsAffected(); k == 1 {
						count++
					}
				}
			}
			if n = len(batch); n == 0 {
				return nil
			}
			last = batch[n-1].key
			if count == 0 {
				return nil
			}
			audited = true
			return auditAllowed(ctx, db, tx, t.action, t.objectType, "", "", fmt.Sprintf("count=%d", count))
		})
		if err == nil && n == 0 && !audited {
			// A run that found nothing to re-seal is on the trail too.
			err = db.withTx(ctx, func(tx *sql.Tx) error {
				return auditAllowed(ctx, db, tx, t.action, t.objectType, "", "", "count=0")
			})
		}
		if err != nil || n == 0 {
			return rows, err
		}
		rows, after = rows+n, last
		if progress != nil {
			progress(rows)
		}
	}
}

// CountSealed returns, for each key id given, how many sealed values of the
// schema name it, by "table.column" and in all ("" key). A key can be
// retired when its total is 0.
func (db *DB) CountSealed(ctx context.Context, ids []uint32) (map[uint32]map[string]int, error) {
	out := map[uint32]map[string]int{}
	for _, id := range ids {
		out[id] = map[string]int{}
		// "v1:<id>:" is the prefix of internal/pii's ciphertexts; ':'
		// ends the id, so key 1 does not count key 12's values.
		prefix := "v1:" + strconv.FormatUint(uint64(id), 10) + ":%"
		for _, t := range sealedTables {
			for _, c := range t.cols {
				var n int
				if err := db.db.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM `+t.table+` WHERE `+c.column+` LIKE ?`), prefix).
					Scan(&n); err != nil {
					return nil, translateError(err, "count sealed values")
				}
				out[id][t.table+"."+c.column] = n
				out[id][""] += n
			}
		}
	}
	return out, nil
}

// ResealAll re-seals every sealed column under the sealer's current key
// (after a rotation) and returns the rows read; progress, if set, gets the
// table and its rows done.
// Only the console and ActionSecurityManage may run it.
func (db *DB) ResealAll(ctx context.Context, sealer shequ.Sealer, progress func(table string, rows int)) (int, error) {
	if err := authorizeResident(ctx, shequ.ActionSecurityManage, nil); err != nil {
		return 0, db.recordDenied(ctx, err, auditResidentReseal, objResident, "", "")
	}
	total := 0
	for _, t := range sealedTables {
		var p func(int)
		if progress != nil {
			p = func(n int) { progress(t.table, n) }
		}
		n, err := resealTable(ctx, db, sealer, t, p)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// sealColumn seals the text of one column of a row under its associated
// data aad; "" is stored as NULL. what names the column in errors.
func sealColumn(sealer shequ.Sealer, text, what, aad string) (any, error) {
	if text == "" {
		return nil, nil
	}
	enc, err := sealer.Seal(text, aad)
	if err != nil {
		return nil, shequ.Wrap(err, "seal "+what)
	}
	return enc, nil
}

// openColumn opens a column sealed by sealColumn; NULL is "".
func openColumn(sealer shequ.Sealer, enc sql.NullString, what, aad string) (string, error) {
	if !enc.Valid || enc.String == "" {
		return "", nil
	}
	v, err := sealer.Open(enc.String, aad)
	if err != nil {
		return "", shequ.Wrap(err, "open "+what)
	}
	return v, nil
}
