package sqlstore

import (
	"database/sql"
	"slices"
	"strconv"
	"time"

	"shequ"
)

// plannedVisit is what replan reads of a visit plan.
type plannedVisit struct {
	id, community string
	risk          shequ.RiskLevel
	registered    time.Time
	last          *time.Time
	due           time.Time
	every         int
}

// replan recomputes, in the policy's transaction, the visit plans of the
// county's people in care (not exited): the interval of their risk level
// and the next due date from their last visit (or registration), as a
// visit or registration would compute them. A plan whose due date moves
// later loses its escalation (it escalates again, if ever, from the new
// date). Every changed plan gets a timeline event; every duty holder of
// the people concerned (儿童主任 of the community, 儿童督导员 of the
// township) gets one notification saying how many of their plans changed,
// leading to the visits due (/care/visits). It returns the number changed.
func (s *CareService) replan(c *change, pol *shequ.VisitPolicy) (int, error) {
	ctx := c.ctx
	cond, args := prefixScope("community", pol.County)
	rows, err := c.tx.QueryContext(ctx, s.db.rebind(`SELECT id, community, risk, created_at, last_visit_on, next_visit_due,
		visit_every_days FROM care_persons WHERE status <> 'exited' AND `+cond+` ORDER BY community, id`), args...)
	if err != nil {
		return 0, translateError(err, "read visit plans")
	}
	var plans []plannedVisit
	for rows.Next() {
		var v plannedVisit
		var risk int
		var last sql.NullString
		var due string
		if err := rows.Scan(&v.id, &v.community, &risk, scanTime(&v.registered), &last, &due, &v.every); err != nil {
			rows.Close()
			return 0, translateError(err, "read visit plans")
		}
		v.risk, v.last, v.due = shequ.RiskLevel(risk), optDay(last), parseDay(due)
		plans = append(plans, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, translateError(err, "read visit plans")
	}
	// Plans changed by community, in the order read.
	changed := map[string]int{}
	var communities []string
	for _, v := range plans {
		every := pol.Interval(v.risk)
		due := shequ.PlannedVisitDue(v.registered, v.last, v.risk, every)
		if every == v.every && due.Equal(v.due) {
			continue
		}
		q := `UPDATE care_persons SET visit_every_days = ?, next_visit_due = ?, updated_at = ? WHERE id = ?`
		if due.After(v.due) {
			q = `UPDATE care_persons SET visit_every_days = ?, next_visit_due = ?, updated_at = ?,
				overdue_escalated_at = NULL WHERE id = ?`
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(q), every, dayArg(due), s.db.dialect.timeArg(c.now), v.id); err != nil {
			return 0, translateError(err, "replan visit")
		}
		c.event(objCarePerson, v.id, v.community, auditPolicySet, "", "", dayArg(v.due)+" → "+dayArg(due))
		if changed[v.community] == 0 {
			communities = append(communities, v.community)
		}
		changed[v.community]++
	}
	// One notification per duty holder, with the count of their plans.
	perUser := map[string]int{}
	var users []string
	for _, comm := range communities {
		to, err := s.dutyHolders(ctx, c.tx, comm)
		if err != nil {
			return 0, err
		}
		slices.Sort(to)
		to = slices.Compact(to)
		for _, u := range to {
			if perUser[u] == 0 {
				users = append(users, u)
			}
			perUser[u] += changed[comm]
		}
	}
	if len(users) > 0 {
		name := s.placeName(c, pol.County)
		for _, u := range users {
			c.notes.add(ctx, c.now, []string{u}, "care_visits_replanned", objCarePolicy, pol.County, name,
				strconv.Itoa(perUser[u]))
		}
	}
	total := 0
	for _, n := range changed {
		total += n
	}
	return total, nil
}
