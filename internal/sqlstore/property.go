package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"shequ"
)

// PropertyService is the property oversight module (issue 15). It
// implements shequ.PropertyService.
//
// Every write runs in one transaction holding the change, the timeline
// events, the notifications (with their outbox rows) and the audit record,
// appended last — the change of the 三社联动 chain (linkage.go) carries
// them. Authorization is shequ.Authorize on the division of the object
// with the property actions; property staff act on their own company's
// objects only, which the object's OwnerID expresses (it is the actor's id
// when the object belongs to the actor's company). Console work is trusted.
type PropertyService struct {
	db *DB

	// Now is the clock of the module (time limits, due dates, periods,
	// validity of records, alerts); nil means the database's. Tests and the
	// browser test move it.
	Now func() time.Time
	// Holidays gives the working-day calendar of the complaints' time
	// limits: the requests' holiday table. Nil means weekends alone.
	Holidays shequ.HolidayCalendar
	// Sealer seals the companies' contact phone numbers; nil refuses to
	// store one.
	Sealer shequ.Sealer
	// OnChange, when set, is called after every committed write with the
	// communities concerned, for the indicator engine.
	OnChange func(communities ...string)
}

var _ shequ.PropertyService = (*PropertyService)(nil)

// NewPropertyService returns a PropertyService on db.
func NewPropertyService(db *DB, sealer shequ.Sealer) *PropertyService {
	return &PropertyService{db: db, Sealer: sealer}
}

// Audited actions of the module (also the timeline's actions).
const (
	auditEstateCreate        = "estate.create"
	auditEstateUpdate        = "estate.update"
	auditEstateImport        = "estate.import"
	auditEstateRead          = "estate.read"
	auditHouseholdEstate     = "estate.household"
	auditCompanyCreate       = "property_company.create"
	auditCompanyImport       = "property_company.import"
	auditCompanyUpdate       = "property_company.update"
	auditCompanyStaff        = "property_company.staff"
	auditCompanyRead         = "property_company.read"
	auditCompanyBlacklist    = "property_company.blacklist"
	auditContractCreate      = "property_contract.create"
	auditContractEnd         = "property_contract.end"
	auditCommitteeSubmit     = "owners_committee.submit"
	auditCommitteeFile       = "owners_committee.file"
	auditCommitteeRead       = "owners_committee.read"
	auditEPMCSet             = "epmc.set"
	auditInspectionRecord    = "inspection.record"
	auditInspectionRead      = "inspection.read"
	auditInspectionPhoto     = "inspection.photo"
	auditRectificationMove   = "rectification.transition"
	auditRectificationRead   = "rectification.read"
	auditMeetingRecord       = "joint_meeting.record"
	auditMeetingRead         = "joint_meeting.read"
	auditResolutionDone      = "resolution.done"
	auditComplaintFile       = "complaint.create"
	auditComplaintMove       = "complaint.transition"
	auditComplaintRead       = "complaint.read"
	auditRatingCreate        = "property_rating.create"
	auditCreditRecord        = "credit_record.create"
	auditCreditAppeal        = "credit_appeal.create"
	auditCreditAppealAnswer  = "credit_appeal.answer"
	auditPropertySettings    = "property_settings.save"
	auditPropertyDeadlines   = "property.deadlines"
	auditPropertyAlert       = "property.alert"
	auditResolutionOverdue   = "resolution.overdue"
	auditRectificationLate   = "rectification.overdue"
	auditComplaintEscalation = "complaint.escalate"
)

// now is the module's clock in UTC at the stored precision.
func (s *PropertyService) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return s.db.now()
}

// calendar is the working-day calendar of the complaints' time limits.
func (s *PropertyService) calendar(ctx context.Context) (*shequ.Calendar, error) {
	if s.Holidays == nil {
		return nil, nil
	}
	return s.Holidays.Calendar(ctx)
}

// write runs fn in one transaction; fn returns the object and the
// communities it concerns, and the change's events, notifications and the
// audit record of action follow it. A refusal is recorded after the
// rollback.
func (s *PropertyService) write(ctx context.Context, action, objType string, fn func(c *change) (id, community string, err error)) error {
	var community string
	var graded []string        // companies whose credit file changed
	defer s.db.notesGen.Add(1) // after the commit: counts read during it are stale
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		c := &change{db: s.db, ctx: ctx, tx: tx, now: s.now()}
		id, comm, err := fn(c)
		if err != nil {
			return err
		}
		community = comm
		for _, e := range c.events {
			if e.ObjectType == shequ.ObjCompany && (e.Action == auditCreditRecord || e.Action == auditCreditAppealAnswer) {
				graded = append(graded, e.ObjectID)
			}
		}
		if err := c.flush(); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, action, objType, id, comm, "")
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	communities := []string{community}
	if len(graded) > 0 && s.OnChange != nil {
		// A company's grade counts in every community it manages an
		// estate in.
		more, err := s.companyCommunities(ctx, graded)
		if err != nil {
			return err
		}
		communities = append(communities, more...)
	}
	notifyChange(s.OnChange, communities)
	return nil
}

// companyCommunities returns the communities of the estates the companies
// manage today.
func (s *PropertyService) companyCommunities(ctx context.Context, companies []string) ([]string, error) {
	today := dayArg(s.now())
	args := []any{today, today, today}
	for _, c := range companies {
		args = append(args, c)
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT DISTINCT community FROM property_contracts WHERE start_on <= ?
		AND end_on >= ? AND (ended_on IS NULL OR ended_on >= ?) AND company_id IN (`+placeholders(len(companies))+`)`), args...)
	if err != nil {
		return nil, translateError(err, "find the companies' communities")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, translateError(err, "find the companies' communities")
		}
		out = append(out, c)
	}
	return out, translateError(rows.Err(), "find the companies' communities")
}

// denied records a refusal before any transaction and returns it.
func (s *PropertyService) denied(ctx context.Context, err error, action, objType, id, division string) error {
	return s.db.recordDenied(ctx, err, action, objType, clipID(id), division)
}

// guard checks that the actor may do act at all (console trusted) and
// records a refusal.
func (s *PropertyService) guard(ctx context.Context, act shequ.Action, action, objType, id string) error {
	if err := authorizeResident(ctx, act, nil); err != nil {
		return s.denied(ctx, err, action, objType, id, "")
	}
	return nil
}

// myCompany returns the company id of the signed-in property staff, "" for
// anybody else or an account of no company.
func (s *PropertyService) myCompany(ctx context.Context, q querier) (string, error) {
	a := shequ.ActorFrom(ctx)
	if a == nil || a.Role != shequ.RolePropertyStaff {
		return "", nil
	}
	var id string
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT company_id FROM property_company_staff WHERE user_id = ?`), a.UserID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, translateError(err, "find the staff's company")
}

// object is what authorization sees of a module object of division:
// owned by the actor when it is a resident's own (ownerUser) or when it
// belongs to the property staff's company (company).
func (s *PropertyService) object(ctx context.Context, q querier, division, ownerUser, company string) (*shequ.Object, error) {
	obj := &shequ.Object{Division: division, OwnerID: ownerUser}
	a := shequ.ActorFrom(ctx)
	if a == nil || a.Role != shequ.RolePropertyStaff || company == "" {
		return obj, nil
	}
	mine, err := s.myCompany(ctx, q)
	if err != nil {
		return nil, err
	}
	if mine == company {
		obj.OwnerID = a.UserID
	}
	return obj, nil
}

// authorizeObj is authorizeResident on a module object, refused inside a
// transaction (recorded after it).
func (s *PropertyService) authorizeObj(ctx context.Context, q querier, act shequ.Action, division, ownerUser, company,
	action, objType, id string) error {
	obj, err := s.object(ctx, q, division, ownerUser, company)
	if err != nil {
		return err
	}
	if err := authorizeResident(ctx, act, obj); err != nil {
		return refuse(err, action, objType, id, division)
	}
	return nil
}

// recipients returns the active accounts of role whose scope is the
// nearest of the community's ancestors-or-self to have any: the
// community's own workers before the township's, the street's officials
// before the county's. Notifications of the module go to them.
func (s *PropertyService) recipients(ctx context.Context, q querier, role shequ.Role, community string, minLen int) ([]string, error) {
	for _, code := range ancestorsNearestFirst(community) {
		if len(code) < minLen {
			break
		}
		rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT id FROM users WHERE role = ? AND scope = ? AND disabled = ?`),
			string(role), code, false)
		if err != nil {
			return nil, translateError(err, "find recipients")
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, translateError(err, "find recipients")
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translateError(err, "find recipients")
		}
		if len(ids) > 0 {
			return ids, nil
		}
	}
	return nil, nil
}

// ancestorsNearestFirst lists code and its ancestors, the code first.
func ancestorsNearestFirst(code string) []string {
	if shequ.ValidateDivisionCode(code) != nil {
		return nil
	}
	all := shequ.AncestorCodes(code)
	out := []string{code}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i] != code {
			out = append(out, all[i])
		}
	}
	return out
}

// workers are the community workers to tell about a community's objects.
func (s *PropertyService) workers(ctx context.Context, q querier, community string) ([]string, error) {
	return s.recipients(ctx, q, shequ.RoleCommunityWorker, community, 9)
}

// street are the officials of the street (or, without any, the county) to
// tell about a community's escalations.
func (s *PropertyService) street(ctx context.Context, q querier, community string) ([]string, error) {
	return s.recipients(ctx, q, shequ.RoleOfficial, community, 6)
}

// lapseTold are the accounts told of a company's lapse in a community (a
// rectification or a resolution past its due date): the company's staff,
// the community's workers and the street's officials.
func (s *PropertyService) lapseTold(ctx context.Context, q querier, community, company string) ([]string, error) {
	staff, err := s.staffOf(ctx, q, company)
	if err != nil {
		return nil, err
	}
	workers, err := s.workers(ctx, q, community)
	if err != nil {
		return nil, err
	}
	street, err := s.street(ctx, q, community)
	if err != nil {
		return nil, err
	}
	return append(append(staff, workers...), street...), nil
}

// staffOf returns the staff accounts of a company.
func (s *PropertyService) staffOf(ctx context.Context, q querier, company string) ([]string, error) {
	if company == "" {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT user_id FROM property_company_staff WHERE company_id = ? ORDER BY user_id`), company)
	if err != nil {
		return nil, translateError(err, "find company staff")
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translateError(err, "find company staff")
		}
		ids = append(ids, id)
	}
	return ids, translateError(rows.Err(), "find company staff")
}

// tell notifies the accounts of a lookup, ignoring none found.
func tell(c *change, ids []string, err error, kind, objType, objID, subject string) error {
	if err != nil {
		return err
	}
	c.notify(ids, kind, objType, objID, subject)
	return nil
}

// scanDay reads a stored date back.
func scanDay(s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, shequ.Shanghai)
	if err != nil {
		return time.Time{}, fmt.Errorf("scan date %q: %w", s, err)
	}
	return t, nil
}

// scanOptDay reads an optional stored date.
func scanOptDay(s sql.NullString) (*time.Time, error) { return scanDate(s) }

// optDayArg is the stored form of an optional date.
func optDayArg(t *time.Time) any { return dateArg(t) }

// optTimeArg is the stored form of an optional instant.
func (s *PropertyService) optTimeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.db.dialect.timeArg(*t)
}

// boolArg stores a boolean (both drivers take Go bools).
func boolArg(b bool) any { return b }

// Settings implements shequ.PropertyService: the county's settings, the
// defaults when it saved none. Anyone may read them (they are the public
// rules of the credit score).
func (s *PropertyService) Settings(ctx context.Context, division string) (*shequ.PropertySettings, error) {
	return s.settings(ctx, s.db.reader(ctx), division)
}

// settings reads a county's settings inside or outside a transaction.
func (s *PropertyService) settings(ctx context.Context, q querier, division string) (*shequ.PropertySettings, error) {
	county := shequ.CountyOf(division)
	def := shequ.DefaultPropertySettings(county)
	if county == "" {
		return def, nil
	}
	var data string
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT data FROM property_settings WHERE county = ?`), county).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return def, nil
	}
	if err != nil {
		return nil, translateError(err, "read property settings")
	}
	out := shequ.DefaultPropertySettings(county)
	if err := json.Unmarshal([]byte(data), out); err != nil {
		return nil, shequ.Wrap(err, "decode property settings")
	}
	out.County = county
	// Kinds added after the settings were saved keep their defaults.
	for k, v := range def.Points {
		if _, ok := out.Points[k]; !ok {
			out.Points[k] = v
		}
	}
	return out, nil
}

// SaveSettings implements shequ.PropertyService.
func (s *PropertyService) SaveSettings(ctx context.Context, st *shequ.PropertySettings) error {
	if err := s.guard(ctx, shequ.ActionPropertySupervise, auditPropertySettings, "property_settings", st.County); err != nil {
		return err
	}
	if err := st.Validate(); err != nil {
		return err
	}
	data, err := json.Marshal(st)
	if err != nil {
		return shequ.Wrap(err, "encode property settings")
	}
	return s.write(ctx, auditPropertySettings, "property_settings", func(c *change) (string, string, error) {
		if err := authorizeIn(ctx, shequ.ActionPropertySupervise, st.County, auditPropertySettings, "property_settings", st.County); err != nil {
			return "", "", err
		}
		_, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO property_settings (county, data, updated_by, updated_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (county) DO UPDATE SET data = excluded.data, updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`), st.County, string(data), actorID(ctx), s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "save property settings")
		}
		return st.County, "", nil
	})
}

// PropertyTimeline implements shequ.PropertyService: the history of an
// object for whoever may read it.
func (s *PropertyService) PropertyTimeline(ctx context.Context, objectType, id string) ([]*shequ.TimelineEvent, error) {
	var err error
	switch objectType {
	case shequ.ObjEstate:
		_, err = s.FindEstateByID(ctx, id)
	case shequ.ObjCompany:
		_, err = s.FindCompanyByID(ctx, id)
	case shequ.ObjCommittee:
		_, err = s.FindCommitteeByID(ctx, id)
	case shequ.ObjInspection:
		_, err = s.FindInspectionByID(ctx, id)
	case shequ.ObjRectification:
		_, err = s.FindRectificationByID(ctx, id)
	case shequ.ObjMeeting:
		_, err = s.FindMeetingByID(ctx, id)
	case shequ.ObjComplaint:
		return s.ComplaintTimeline(ctx, id)
	default:
		return nil, shequ.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return readTimeline(ctx, s.db, objectType, id)
}

// limits bounds a list's paging.
func limits(offset, limit int) (int, int) {
	if limit <= 0 {
		limit = defaultRegisterLimit
	}
	return max(offset, 0), min(limit, maxRegisterLimit)
}
