package sqlstore

import (
	"context"
	"sort"
	"strconv"
	"time"

	"shequ"
)

// The time rules of the module, as plain functions on the module's clock
// (PropertyService.Now): Alerts answers what is coming up or late in a
// division; RunDeadlines applies the rules once — the scheduler (or the
// console) calls it periodically. Every effect is guarded so that it
// happens once however often it runs: alerts by property_alerts_sent,
// state moves by the state they leave, records by their source key.

// settingsCache reads each county's settings once per call.
type settingsCache struct {
	s    *PropertyService
	q    querier
	seen map[string]*shequ.PropertySettings
}

func (c *settingsCache) of(ctx context.Context, division string) (*shequ.PropertySettings, error) {
	county := shequ.CountyOf(division)
	if st, ok := c.seen[county]; ok {
		return st, nil
	}
	st, err := c.s.settings(ctx, c.q, division)
	if err != nil {
		return nil, err
	}
	c.seen[county] = st
	return st, nil
}

// maxAlertRows bounds each kind of alert read at once.
const maxAlertRows = 2000

// Alerts implements shequ.PropertyService: in the actor's scope (property
// staff: their company's contracts, orders, resolutions and complaints),
// soonest first. Residents get none.
func (s *PropertyService) Alerts(ctx context.Context, division string) ([]*shequ.PropertyAlert, error) {
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditPropertyAlert, "property", ""); err != nil {
		return nil, err
	}
	a := shequ.ActorFrom(ctx)
	if a != nil && a.Role == shequ.RoleResident {
		return nil, nil
	}
	prefix, ok, err := scopePrefix(a, division)
	if err != nil || !ok {
		return nil, err
	}
	company := ""
	if a != nil && a.Role == shequ.RolePropertyStaff {
		if company, err = s.myCompany(ctx, s.db.db); err != nil || company == "" {
			return nil, err
		}
	}
	return s.alerts(ctx, prefix, company)
}

// alerts lists the alerts below prefix ("" everywhere), of one company when
// company is set.
func (s *PropertyService) alerts(ctx context.Context, prefix, company string) ([]*shequ.PropertyAlert, error) {
	now := s.now()
	today := dayArg(now)
	sc := &settingsCache{s: s, q: s.db.db, seen: map[string]*shequ.PropertySettings{}}
	// The widest window any county may set bounds the query; each row is
	// then checked against its own county's window.
	horizon := dayArg(shequ.DateOf(now).AddDate(0, 0, 365))
	var out []*shequ.PropertyAlert
	add := func(kind shequ.AlertKind, objType, id, community, estate, title string, due time.Time, window bool) error {
		days := shequ.DaysUntil(now, due)
		if window {
			st, err := sc.of(ctx, community)
			if err != nil {
				return err
			}
			if days > st.AlertDays {
				return nil
			}
		}
		out = append(out, &shequ.PropertyAlert{Kind: kind, ObjectType: objType, ObjectID: id, Community: community,
			EstateID: estate, Title: title, Due: due, Days: days})
		return nil
	}
	scope, scopeArgs := "x.community >= ? AND x.community < ?", []any{prefix, prefix + ":"}
	byCompany := func(col string) (string, []any) {
		if company == "" {
			return "", nil
		}
		return " AND " + col + " = ?", []any{company}
	}
	type query struct {
		kind     shequ.AlertKind
		objType  string
		sql      string
		args     []any
		window   bool
		dateOnly bool
	}
	cc, ca := byCompany("x.company_id")
	queries := []query{
		{shequ.AlertContractEnding, shequ.ObjEstate, `SELECT CAST(x.estate_id AS TEXT), x.community, CAST(x.estate_id AS TEXT),
			e.name || ' · ' || pc.name, COALESCE(x.ended_on, x.end_on) FROM property_contracts x
			JOIN estates e ON e.id = x.estate_id JOIN property_companies pc ON pc.id = x.company_id
			WHERE ` + scope + cc + ` AND x.start_on <= ? AND COALESCE(x.ended_on, x.end_on) >= ? AND COALESCE(x.ended_on, x.end_on) <= ?`,
			append(append(append([]any{}, scopeArgs...), ca...), today, today, horizon), true, true},
		{shequ.AlertRectifyLate, shequ.ObjRectification, `SELECT CAST(x.id AS TEXT), x.community, CAST(x.estate_id AS TEXT),
			e.name || ' · ' || x.item_name, x.due_on FROM rectifications x JOIN estates e ON e.id = x.estate_id
			WHERE ` + scope + cc + ` AND x.status IN ('open', 'overdue') AND x.due_on < ?`,
			append(append(append([]any{}, scopeArgs...), ca...), today), false, true},
		{shequ.AlertResolutionLate, shequ.ObjMeeting, `SELECT CAST(x.meeting_id AS TEXT), x.community,
			COALESCE(CAST(x.estate_id AS TEXT), ''), x.text, x.due_on FROM resolutions x
			WHERE ` + scope + cc + ` AND x.status IN ('open', 'overdue') AND x.due_on < ?`,
			append(append(append([]any{}, scopeArgs...), ca...), today), false, true},
	}
	if company == "" {
		queries = append(queries, query{shequ.AlertTermEnding, shequ.ObjCommittee, `SELECT CAST(x.id AS TEXT), x.community,
			CAST(x.estate_id AS TEXT), e.name, x.term_end FROM owners_committees x JOIN estates e ON e.id = x.estate_id
			WHERE ` + scope + ` AND x.status = 'filed' AND x.term_end >= ? AND x.term_end <= ?
			AND NOT EXISTS (SELECT 1 FROM owners_committees y WHERE y.estate_id = x.estate_id AND y.term > x.term)`,
			append(append([]any{}, scopeArgs...), today, horizon), true, true})
	}
	// Complaints: a step past its time limit (the company's only once
	// forwarded to it).
	cstates := `'accepted', 'awaiting_info', 'forwarded', 'answered', 'escalated_street', 'escalated_housing'`
	if company != "" {
		cstates = `'forwarded', 'escalated_street'`
	}
	queries = append(queries, query{shequ.AlertComplaintLate, shequ.ObjComplaint, `SELECT CAST(x.id AS TEXT), x.community,
		CAST(x.estate_id AS TEXT), x.number, x.due_at FROM complaints x
		WHERE ` + scope + cc + ` AND x.state IN (` + cstates + `) AND x.paused_at IS NULL AND x.due_at < ?`,
		append(append(append([]any{}, scopeArgs...), ca...), s.db.dialect.timeArg(now)), false, false})
	for _, q := range queries {
		rows, err := s.db.db.QueryContext(ctx, s.db.rebind(q.sql+` LIMIT `+strconv.Itoa(maxAlertRows)), q.args...)
		if err != nil {
			return nil, translateError(err, "find alerts")
		}
		for rows.Next() {
			var id, community, estate, title, dueText string
			var due time.Time
			var scanErr error
			if q.dateOnly {
				scanErr = rows.Scan(&id, &community, &estate, &title, &dueText)
				if scanErr == nil {
					due, scanErr = scanDay(dueText)
				}
			} else {
				scanErr = rows.Scan(&id, &community, &estate, &title, scanTime(&due))
			}
			if scanErr == nil {
				scanErr = add(q.kind, q.objType, id, community, estate, title, due, q.window)
			}
			if scanErr != nil {
				rows.Close()
				return nil, translateError(scanErr, "find alerts")
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translateError(err, "find alerts")
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out, nil
}

// RunDeadlines implements shequ.PropertyService. Console (scheduler) only.
func (s *PropertyService) RunDeadlines(ctx context.Context) (*shequ.DeadlineRun, error) {
	if !isConsole(ctx) {
		return nil, s.denied(ctx, shequ.ErrForbidden, auditPropertyDeadlines, "property", "", "")
	}
	run := &shequ.DeadlineRun{}
	steps := []func(context.Context, *shequ.DeadlineRun) error{
		s.sendEndingAlerts, s.overdueResolutions, s.overdueRectifications, s.complaintDeadlines, s.renewBaseRecords,
		s.closeRatingPeriod,
	}
	for _, step := range steps {
		if err := step(ctx, run); err != nil {
			return run, err
		}
	}
	return run, nil
}

// markSent records that an alert went out and reports whether it is new.
func (s *PropertyService) markSent(c *change, kind, id string) (bool, error) {
	res, err := c.tx.ExecContext(c.ctx, s.db.rebind(`INSERT INTO property_alerts_sent (kind, object_id, sent_at) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`), kind, id, s.db.dialect.timeArg(c.now))
	if err != nil {
		return false, translateError(err, "record alert")
	}
	n, err := res.RowsAffected()
	return n == 1, translateError(err, "record alert")
}

// sendEndingAlerts tells the community (and the company, or the street) of
// contracts and committee terms ending within the alert window, once each.
func (s *PropertyService) sendEndingAlerts(ctx context.Context, run *shequ.DeadlineRun) error {
	alerts, err := s.alerts(ctx, "", "")
	if err != nil {
		return err
	}
	for _, al := range alerts {
		if al.Kind != shequ.AlertContractEnding && al.Kind != shequ.AlertTermEnding {
			continue
		}
		key := al.ObjectID + ":" + dayArg(al.Due)
		err := s.write(ctx, auditPropertyAlert, al.ObjectType, func(c *change) (string, string, error) {
			fresh, err := s.markSent(c, string(al.Kind), key)
			if err != nil || !fresh {
				return al.ObjectID, al.Community, err
			}
			run.Alerts++
			workers, err := s.workers(ctx, c.tx, al.Community)
			if err != nil {
				return "", "", err
			}
			var others []string
			if al.Kind == shequ.AlertContractEnding {
				company, err := s.companyOn(ctx, c.tx, al.EstateID, c.now)
				if err != nil {
					return "", "", err
				}
				others, err = s.staffOf(ctx, c.tx, company)
				if err != nil {
					return "", "", err
				}
			} else if others, err = s.street(ctx, c.tx, al.Community); err != nil {
				return "", "", err
			}
			c.notify(append(workers, others...), string(al.Kind), al.ObjectType, al.ObjectID, al.Title)
			c.event(al.ObjectType, al.ObjectID, al.Community, auditPropertyAlert, "", "", string(al.Kind)+" "+dayArg(al.Due))
			return al.ObjectID, al.Community, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// overdueResolutions moves open resolutions past their due date to
// overdue, escalates them to the street and gives the owner company its
// bad record.
func (s *PropertyService) overdueResolutions(ctx context.Context, run *shequ.DeadlineRun) error {
	list, err := s.loadResolutions(ctx, s.db.db, `status = ? AND due_on < ?`,
		[]any{string(shequ.ResolutionOpen), dayArg(s.now())}, `due_on, id`, 0, maxAlertRows)
	if err != nil {
		return err
	}
	for _, r := range list {
		err := s.write(ctx, auditResolutionOverdue, shequ.ObjResolution, func(c *change) (string, string, error) {
			now := c.now
			res, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE resolutions SET status = ?, escalated_at = ?, updated_at = ?
				WHERE id = ? AND status = ?`), string(shequ.ResolutionOverdue), s.db.dialect.timeArg(now), s.db.dialect.timeArg(now),
				r.ID, string(shequ.ResolutionOpen))
			if err != nil {
				return "", "", translateError(err, "mark resolution overdue")
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return r.ID, r.Community, nil
			}
			run.ResolutionsOverdue++
			c.event(shequ.ObjResolution, r.ID, r.Community, auditResolutionOverdue, string(shequ.ResolutionOpen),
				string(shequ.ResolutionOverdue), dayArg(r.DueOn))
			c.event(shequ.ObjMeeting, r.MeetingID, r.Community, auditResolutionOverdue, "", "", r.ID)
			told, err := s.lapseTold(ctx, c.tx, r.Community, r.CompanyID)
			if err != nil {
				return "", "", err
			}
			c.notify(told, "resolution_overdue", shequ.ObjMeeting, r.MeetingID, r.Text)
			if ok, err := s.addRecord(c, &shequ.CreditRecord{CompanyID: r.CompanyID, Kind: shequ.CreditResolutionOverdue,
				Note: r.Text, ObjectType: shequ.ObjResolution, ObjectID: r.ID, EstateID: r.EstateID, Community: r.Community}); err != nil {
				return "", "", err
			} else if ok {
				run.RecordsWritten++
			}
			return r.ID, r.Community, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// overdueRectifications moves open orders past their due date to overdue
// with the company's bad record, and tells the company, the community and
// the street.
func (s *PropertyService) overdueRectifications(ctx context.Context, run *shequ.DeadlineRun) error {
	list, err := s.loadRectifications(ctx, s.db.db, `r.status = ? AND r.due_on < ?`,
		[]any{string(shequ.RectifyOpen), dayArg(s.now())}, 0, maxAlertRows)
	if err != nil {
		return err
	}
	for _, r := range list {
		err := s.write(ctx, auditRectificationLate, shequ.ObjRectification, func(c *change) (string, string, error) {
			now := c.now
			res, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE rectifications SET status = ?, overdue_at = ?, updated_at = ?
				WHERE id = ? AND status = ?`), string(shequ.RectifyOverdue), s.db.dialect.timeArg(now), s.db.dialect.timeArg(now),
				r.ID, string(shequ.RectifyOpen))
			if err != nil {
				return "", "", translateError(err, "mark rectification overdue")
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return r.ID, r.Community, nil
			}
			run.RectificationsLate++
			c.event(shequ.ObjRectification, r.ID, r.Community, auditRectificationLate, string(shequ.RectifyOpen),
				string(shequ.RectifyOverdue), dayArg(r.DueOn))
			told, err := s.lapseTold(ctx, c.tx, r.Community, r.CompanyID)
			if err != nil {
				return "", "", err
			}
			c.notify(told, "rectification_overdue", shequ.ObjRectification, r.ID, r.EstateName)
			if ok, err := s.addRecord(c, &shequ.CreditRecord{CompanyID: r.CompanyID, Kind: shequ.CreditRectificationLate,
				Note: r.ItemName, ObjectType: shequ.ObjRectification, ObjectID: r.ID, EstateID: r.EstateID,
				Community: r.Community}); err != nil {
				return "", "", err
			} else if ok {
				run.RecordsWritten++
			}
			return r.ID, r.Community, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// complaintDeadlines escalates to the street the complaints the company
// left unanswered past the limit, confirms those the resident left
// unconfirmed past the limit, and alerts (once per step) the community or
// the street of their own steps past the limit.
func (s *PropertyService) complaintDeadlines(ctx context.Context, run *shequ.DeadlineRun) error {
	now := s.now()
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT CAST(id AS TEXT) FROM complaints WHERE state IN (?, ?, ?, ?, ?)
		AND paused_at IS NULL AND due_at < ? ORDER BY due_at LIMIT `+strconv.Itoa(maxAlertRows)),
		string(shequ.ComplaintAccepted), string(shequ.ComplaintForwarded), string(shequ.ComplaintAnswered),
		string(shequ.ComplaintEscalatedStreet), string(shequ.ComplaintEscalatedHousing), s.db.dialect.timeArg(now))
	if err != nil {
		return translateError(err, "find late complaints")
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return translateError(err, "find late complaints")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translateError(err, "find late complaints")
	}
	for _, id := range ids {
		err := s.write(ctx, auditComplaintEscalation, shequ.ObjComplaint, func(c *change) (string, string, error) {
			comp, err := s.loadComplaint(ctx, c.tx, id)
			if err != nil {
				return "", "", err
			}
			if !comp.Overdue(c.now) {
				return comp.ID, comp.Community, nil
			}
			switch comp.State {
			case shequ.ComplaintForwarded:
				run.ComplaintsEscalated++
				return comp.ID, comp.Community, s.moveComplaint(c, comp, shequ.ComplaintMove{To: shequ.ComplaintEscalatedStreet}, true)
			case shequ.ComplaintAnswered:
				run.ComplaintsConfirmed++
				return comp.ID, comp.Community, s.moveComplaint(c, comp, shequ.ComplaintMove{To: shequ.ComplaintConfirmed}, true)
			}
			fresh, err := s.markSent(c, string(shequ.AlertComplaintLate), comp.ID+":"+string(comp.State))
			if err != nil || !fresh {
				return comp.ID, comp.Community, err
			}
			run.Alerts++
			var to []string
			if comp.State == shequ.ComplaintAccepted {
				to, err = s.workers(ctx, c.tx, comp.Community)
			} else {
				to, err = s.street(ctx, c.tx, comp.Community)
			}
			if err != nil {
				return "", "", err
			}
			c.notify(to, string(shequ.AlertComplaintLate), shequ.ObjComplaint, comp.ID, comp.Number)
			return comp.ID, comp.Community, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// renewBaseRecords writes a new base record for every company whose base
// record (登记备案) no longer counts, unless it is on the black list.
func (s *PropertyService) renewBaseRecords(ctx context.Context, run *shequ.DeadlineRun) error {
	today := dayArg(s.now())
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+companyColumns+` FROM property_companies pc
		WHERE blacklisted = ? AND NOT EXISTS (SELECT 1 FROM credit_records r WHERE r.company_id = pc.id AND r.kind = ?
		AND r.withdrawn = ? AND r.recorded_on <= ? AND r.valid_until >= ?) ORDER BY id LIMIT `+strconv.Itoa(maxAlertRows)),
		boolArg(false), string(shequ.CreditBaseRegistered), boolArg(false), today, today)
	if err != nil {
		return translateError(err, "find companies to renew")
	}
	var list []*shequ.PropertyCompany
	for rows.Next() {
		co, err := s.scanCompany(rows)
		if err != nil {
			rows.Close()
			return translateError(err, "find companies to renew")
		}
		list = append(list, co)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translateError(err, "find companies to renew")
	}
	for _, co := range list {
		err := s.write(ctx, auditCreditRecord, shequ.ObjCompany, func(c *change) (string, string, error) {
			ok, err := s.baseRecord(c, co)
			if ok {
				run.RecordsWritten++
			}
			return co.ID, "", err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// closeRatingPeriod gives a good record to each company whose estates'
// residents rated it highly in the period that just ended, when the
// estate's result is shown (enough households rated).
func (s *PropertyService) closeRatingPeriod(ctx context.Context, run *shequ.DeadlineRun) error {
	now := s.now()
	sc := &settingsCache{s: s, q: s.db.db, seen: map[string]*shequ.PropertySettings{}}
	// The periods that ended are those of the day before the current
	// period began, per kind; every county uses one kind.
	periods := map[string]bool{}
	for _, p := range shequ.RatingPeriods {
		start, _, _ := shequ.PeriodBounds(p.PeriodOf(now))
		periods[p.PeriodOf(start.AddDate(0, 0, -1))] = true
	}
	keys := make([]string, 0, len(periods))
	for k := range periods {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ratings, err := s.loadRatings(ctx, s.db.db, `period IN (`+placeholders(len(keys))+`) AND company_id IS NOT NULL`, anys(keys)...)
	if err != nil {
		return err
	}
	type group struct{ estate, period, company, community string }
	groups := map[group][]*shequ.PropertyRating{}
	for _, r := range ratings {
		g := group{r.EstateID, r.Period, r.CompanyID, r.Community}
		groups[g] = append(groups[g], r)
	}
	order := make([]group, 0, len(groups))
	for g := range groups {
		order = append(order, g)
	}
	sort.Slice(order, func(i, j int) bool {
		return order[i].estate+order[i].period+order[i].company < order[j].estate+order[j].period+order[j].company
	})
	for _, g := range order {
		st, err := sc.of(ctx, g.community)
		if err != nil {
			return err
		}
		if st.RatingPeriod.PeriodOf(now) == g.period || !periods[g.period] {
			continue
		}
		e, err := s.loadEstate(ctx, s.db.db, g.estate)
		if err != nil {
			return err
		}
		sum := shequ.Summarize(g.estate, g.period, e.Households, groups[g])
		if !sum.Shown || sum.Overall*10 < float64(st.HighRating) {
			continue
		}
		err = s.write(ctx, auditCreditRecord, shequ.ObjCompany, func(c *change) (string, string, error) {
			ok, err := s.addRecord(c, &shequ.CreditRecord{CompanyID: g.company, Kind: shequ.CreditHighRating,
				Note: g.period, ObjectType: shequ.ObjEstate, ObjectID: g.estate + ":" + g.period + ":" + g.company,
				EstateID: g.estate, Community: g.community})
			if ok {
				run.RatingPeriodsClosed++
				run.RecordsWritten++
			}
			return g.company, g.community, err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// anys converts strings to arguments.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
