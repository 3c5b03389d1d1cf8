package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"shequ"
)

// CareService keeps the 三留守 care register, visits, mandatory reports and
// alerts, cases, referrals and social-work service records (issue 16). It
// implements shequ.CareService.
//
// Need-to-know comes on top of shequ.Authorize (role × scope): the care
// register, its visits and alerts are readable by the community's care duty
// holders only (its 儿童主任, its township's 儿童督导员); a case and its
// notes by the assigned worker and the supervisor, and by an official who
// records a reason (break-the-glass, audited and reported to the auditors).
// A record the actor may not read answers ENotFound, as if missing, and the
// attempt is recorded as denied.
//
// Every free text and contact is sealed (AES-GCM through the shequ.Sealer,
// bound to its row and column); every read of a record is audited in a
// short write transaction before it is returned; every write commits the
// change, its timeline events, its notifications (with their outbox rows,
// as the linkage module writes them) and its audit record together.
type CareService struct {
	db     *DB
	sealer shequ.Sealer

	// Now is the clock of the rules (acknowledgement deadlines, due
	// visits, ages); nil means the database's. Tests and the browser test
	// move it forward.
	Now func() time.Time
	// OnChange, when set, is called after every committed write with the
	// communities concerned, for the indicator engine.
	OnChange func(communities ...string)
	// Needs files the needs raised from visit findings (RaiseCareNeed).
	Needs *LinkageService

	// requests files and follows the requests of referrals to service
	// items (LinkRequests); nil refuses such referrals.
	requests *RequestService
}

var _ shequ.CareService = (*CareService)(nil)

// NewCareService returns a CareService on db sealing with sealer.
func NewCareService(db *DB, sealer shequ.Sealer) *CareService {
	return &CareService{db: db, sealer: sealer}
}

// Object types of the timeline and the audit trail.
const (
	objCareDuty   = "care_duty"
	objCarePerson = "care_person"
	objCareVisit  = "care_visit"
	objCareReport = "care_report"
	objCareAlert  = "care_alert"
	objCase       = "case"
	objReferral   = "referral"
	objWorkLog    = "work_log"
	objSupervisor = "supervision"
	objCarePolicy = "care_policy"
)

// Audited actions of the care module; denied attempts are recorded under
// the action tried.
const (
	auditDutyAssign     = "care.duty.assign"
	auditDutyEnd        = "care.duty.end"
	auditPolicySet      = "care.policy.set"
	auditCareRegister   = "care.register"
	auditCareImport     = "care.import"
	auditCareUpdate     = "care.update"
	auditCareRead       = "care.read"
	auditCareExit       = "care.exit"
	auditCareCandidates = "care.candidates"
	auditVisitRecord    = "care.visit"
	auditReportSubmit   = "care.report"
	auditReportTrack    = "care.report.track"
	auditAlertRead      = "care.alert.read"
	auditAlertAck       = "care.alert.acknowledge"
	auditAlertStep      = "care.alert.step"
	auditSweep          = "care.sweep"
	auditCaseOpen       = "case.open"
	auditCaseRead       = "case.read"
	auditCaseBreakGlass = "case.break_glass"
	auditCaseNote       = "case.note"
	auditCaseMove       = "case.move"
	auditCaseSchedule   = "case.schedule"
	auditApprovalAsk    = "case.approval.request"
	auditApprovalDecide = "case.approval.decide"
	auditReferral       = "referral.create"
	auditReferralRead   = "referral.read"
	auditReferralAnswer = "referral.answer"
	auditWorkLog        = "worklog.record"
	auditWorkLogRead    = "worklog.read"
	auditSupervision    = "supervision.record"
	auditNeedFromCare   = "care.need"
	auditServedPeople   = "worklog.people"
)

// Limits of the lists.
const (
	defaultCareLimit = 50
	maxCareLimit     = 200
)

// systemActor is the name recorded for the periodic sweeps.
const systemActor = "system"

// now is the rules' clock in UTC at the stored precision.
func (s *CareService) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return s.db.now()
}

// dayArg is the stored form of a day (see dateArg, for a set day).
func dayArg(t time.Time) string { return t.In(shequ.Shanghai).Format(time.DateOnly) }

// parseDay reads a stored day; "" or a malformed one is the zero time.
func parseDay(s string) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, s, shequ.Shanghai)
	return t
}

// optDay is a nullable stored day, nil for NULL.
func optDay(s sql.NullString) *time.Time {
	if !s.Valid || s.String == "" {
		return nil
	}
	t := parseDay(s.String)
	return &t
}

// careAAD binds a sealed column to its row.
func careAAD(table, column, id string) string { return "care." + table + "." + column + ":" + id }

// seal seals a text for a column of a row; "" is stored as NULL.
func (s *CareService) seal(text, table, column, id string) (any, error) {
	return sealColumn(s.sealer, text, table+"."+column, careAAD(table, column, id))
}

// open opens a sealed column; NULL is "".
func (s *CareService) open(enc sql.NullString, table, column, id string) (string, error) {
	return openColumn(s.sealer, enc, table+"."+column, careAAD(table, column, id))
}

// opener opens several columns of one row, keeping the first error.
type opener struct {
	s     *CareService
	table string
	id    string
	err   error
}

// get opens column enc into dst.
func (o *opener) get(dst *string, enc sql.NullString, column string) {
	if o.err != nil {
		return
	}
	*dst, o.err = o.s.open(enc, o.table, column, o.id)
}

// access returns the care duties of the context's actor (none for the
// console and for nobody).
func (s *CareService) access(ctx context.Context, q querier) (shequ.CareAccess, error) {
	var out shequ.CareAccess
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT kind, division FROM care_duties
		WHERE user_id = ? AND ended_at IS NULL`), a.UserID)
	if err != nil {
		return out, translateError(err, "read care duties")
	}
	defer rows.Close()
	for rows.Next() {
		var kind, div string
		if err := rows.Scan(&kind, &div); err != nil {
			return out, translateError(err, "read care duties")
		}
		if shequ.CareDutyKind(kind) == shequ.DutyChildSupervisor {
			out.Supervisor = append(out.Supervisor, div)
		} else {
			out.Director = append(out.Director, div)
		}
	}
	return out, translateError(rows.Err(), "read care duties")
}

// authorizeCare checks act on a community of the care register: the role
// may (else EForbidden), the community is in scope and the actor holds a
// care duty over it (else ENotFound). The console may.
func (s *CareService) authorizeCare(ctx context.Context, q querier, act shequ.Action, community string) error {
	if isConsole(ctx) {
		return nil
	}
	if err := shequ.Authorize(shequ.ActorFrom(ctx), act, &shequ.Object{Division: community}); err != nil {
		return err
	}
	acc, err := s.access(ctx, q)
	if err != nil {
		return err
	}
	if !acc.Covers(community) {
		return shequ.ErrNotFound
	}
	return nil
}

// dutyScope is the SQL condition (and its arguments) limiting a column of
// community codes to those the duties cover; "1 = 0" when none.
func dutyScope(col string, acc shequ.CareAccess) (string, []any) {
	var parts []string
	var args []any
	if len(acc.Director) > 0 {
		parts = append(parts, col+" IN ("+placeholders(len(acc.Director))+")")
		for _, d := range acc.Director {
			args = append(args, d)
		}
	}
	if len(acc.Supervisor) > 0 {
		parts = append(parts, "substr("+col+", 1, 9) IN ("+placeholders(len(acc.Supervisor))+")")
		for _, d := range acc.Supervisor {
			args = append(args, d)
		}
	}
	if len(parts) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// prefixScope is the SQL condition limiting a column of division codes to
// those at or below code ("" everything).
func prefixScope(col, code string) (string, []any) {
	if code == "" {
		return "1 = 1", nil
	}
	return "substr(" + col + ", 1, ?) = ?", []any{len(code), code}
}

// clampLimit bounds a list's limit and offset.
func clampLimit(offset, limit int) (int, int) {
	if limit <= 0 {
		limit = defaultCareLimit
	}
	return max(offset, 0), min(limit, maxCareLimit)
}

// write runs fn in one care transaction: fn returns the object and the
// community it concerns; the change's events and notifications, then the
// audit record of action follow. A refusal is recorded after the rollback.
func (s *CareService) write(ctx context.Context, action, objType string, fn func(c *change) (id, community string, err error)) error {
	var community string
	defer s.db.notesGen.Add(1)
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		c := &change{db: s.db, ctx: ctx, tx: tx, now: s.now()}
		id, comm, err := fn(c)
		if err != nil {
			return err
		}
		community = comm
		if err := c.flush(); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, action, objType, id, comm, "")
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	notifyChange(s.OnChange, []string{community})
	return nil
}

// auditReads records, in one short write transaction, the read of each
// object of objType (id → community) with detail, before it is shown.
func (s *CareService) auditReads(ctx context.Context, action, objType string, ids []string, communities []string, detail string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		for i, id := range ids {
			if err := auditAllowed(ctx, s.db, tx, action, objType, id, communities[i], detail); err != nil {
				return err
			}
		}
		return nil
	})
}

// denied records a refusal outside a transaction and returns it.
func (s *CareService) denied(ctx context.Context, err error, action, objType, id, community string) error {
	return s.db.recordDenied(ctx, err, action, objType, clipID(id), community)
}

// holders returns the accounts holding a duty of kind over division (for
// a supervisor: the township of a community), for notifications.
func (s *CareService) holders(ctx context.Context, q querier, kind shequ.CareDutyKind, community string) ([]string, error) {
	div := community
	if kind == shequ.DutyChildSupervisor && len(community) >= 9 {
		div = community[:9]
	}
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT d.user_id FROM care_duties d JOIN users u ON u.id = d.user_id
		WHERE d.kind = ? AND d.division = ? AND d.ended_at IS NULL AND u.disabled = ? ORDER BY d.since`),
		string(kind), div, false)
	if err != nil {
		return nil, translateError(err, "read duty holders")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translateError(err, "read duty holders")
		}
		out = append(out, id)
	}
	return out, translateError(rows.Err(), "read duty holders")
}

// accountsOf returns the active accounts of a role whose scope is exactly
// one of scopes (for the county's officials) or, when ancestors is set,
// any ancestor of scopes[0] (for the auditors over a case).
func (s *CareService) accountsOf(ctx context.Context, q querier, role shequ.Role, scope string, ancestors bool) ([]string, error) {
	scopes := []string{scope}
	if ancestors {
		scopes = []string{""}
		for _, n := range []int{2, 4, 6, 9, 12} {
			if len(scope) >= n {
				scopes = append(scopes, scope[:n])
			}
		}
	}
	args := []any{string(role), false}
	for _, sc := range scopes {
		args = append(args, sc)
	}
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT id FROM users WHERE role = ? AND disabled = ?
		AND scope IN (`+placeholders(len(scopes))+`) ORDER BY id`), args...)
	if err != nil {
		return nil, translateError(err, "read accounts")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translateError(err, "read accounts")
		}
		out = append(out, id)
	}
	return out, translateError(rows.Err(), "read accounts")
}

// userName returns an account's display name (its name, else its user
// name), "" when unknown.
func (s *CareService) userName(ctx context.Context, q querier, id string) string {
	var name, username string
	if err := q.QueryRowContext(ctx, s.db.rebind(`SELECT name, username FROM users WHERE id = ?`), id).
		Scan(&name, &username); err != nil {
		return ""
	}
	if name != "" {
		return name
	}
	return username
}

// actorName is the display name of the context's actor.
func actorName(ctx context.Context) string {
	if a := shequ.ActorFrom(ctx); a != nil {
		return a.Username
	}
	if isConsole(ctx) {
		return cliActor
	}
	return systemActor
}

// number returns the next readable number of prefix in the community's
// county and the year of now.
func (s *CareService) number(c *change, prefix, community string) (string, error) {
	county, year := community[:6], c.now.In(shequ.Shanghai).Year()
	seq, err := nextNumber(c.ctx, s.db, c.tx, fmt.Sprintf("care:%s:%s:%d", prefix, county, year))
	if err != nil {
		return "", err
	}
	return shequ.CareNumber(prefix, county, year, seq), nil
}
