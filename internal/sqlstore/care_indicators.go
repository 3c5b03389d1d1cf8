package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"shequ"
	"shequ/internal/indicator"
)

var _ indicator.CareSource = (*IndicatorSource)(nil)

// LoadCare streams the care aggregates per community (nil: all) for the
// indicator module "care": people under care by kind and risk, children
// with an assessed guardian, visit plans on time and overdue, the visits of
// the last 90 days, alerts with their response times, the 儿童主任 duty,
// cases, referrals, and social workers' service (the last 90 days' service
// and minutes by area and function). Counts only: no row names a person.
// Days are compared as 'YYYY-MM-DD' text, which both engines store alike;
// the dates are computed here and written into the statement (they are not
// input).
func (s *IndicatorSource) LoadCare(ctx context.Context, communities []string, fn func(indicator.CareRow) error) error {
	now := s.db.now()
	today, since := dayArg(now), dayArg(now.AddDate(0, 0, -90))
	lit := func(q string) string {
		return strings.NewReplacer("{today}", "'"+today+"'", "{since}", "'"+since+"'").Replace(q)
	}
	type query struct {
		what, sql string
		scan      func(*sql.Rows) (indicator.CareRow, error)
	}
	count := func(key indicator.CareKey) func(*sql.Rows) (indicator.CareRow, error) {
		return func(rows *sql.Rows) (indicator.CareRow, error) {
			r := indicator.CareRow{Key: key}
			return r, rows.Scan(&r.Community, &r.N)
		}
	}
	queries := []query{
		{"people", `SELECT community, kind, risk, COUNT(*) FROM (SELECT community, kind, risk FROM care_persons
			WHERE status <> 'exited') x {filter} GROUP BY community, kind, risk`,
			func(rows *sql.Rows) (indicator.CareRow, error) {
				r := indicator.CareRow{Key: indicator.CarePeople}
				var kind string
				err := rows.Scan(&r.Community, &kind, &r.Risk, &r.N)
				r.Kind = shequ.CareKind(kind)
				return r, err
			}},
		{"assessed guardians", `SELECT community, COUNT(*) FROM (SELECT community FROM care_persons WHERE status <> 'exited'
			AND kind = 'child' AND guardian_assessed_on IS NOT NULL) x {filter} GROUP BY community`, count(indicator.CareChildrenAsst)},
		{"plans on time", `SELECT community, COUNT(*) FROM (SELECT community FROM care_persons WHERE status <> 'exited'
			AND next_visit_due >= {today}) x {filter} GROUP BY community`, count(indicator.CarePlanOnTime)},
		{"plans overdue", `SELECT community, COUNT(*) FROM (SELECT community FROM care_persons WHERE status <> 'exited'
			AND next_visit_due < {today}) x {filter} GROUP BY community`, count(indicator.CarePlanOverdue)},
		{"visits", `SELECT community, COUNT(*) FROM (SELECT community FROM care_visits WHERE day >= {since}) x {filter}
			GROUP BY community`, count(indicator.CareVisits90)},
		{"visits on time", `SELECT community, COUNT(*) FROM (SELECT community FROM care_visits WHERE day >= {since}
			AND on_time = TRUE) x {filter} GROUP BY community`, count(indicator.CareVisits90Ok)},
		{"directors", `SELECT community, COUNT(*) FROM (SELECT division AS community FROM care_duties WHERE kind = 'child_director'
			AND ended_at IS NULL) x {filter} GROUP BY community`, count(indicator.CareDirector)},
		{"cases opened", `SELECT community, COUNT(*) FROM care_cases {filter} GROUP BY community`, count(indicator.CareCaseOpened)},
		{"cases closed", `SELECT community, COUNT(*) FROM (SELECT community FROM care_cases WHERE status = 'closed') x {filter}
			GROUP BY community`, count(indicator.CareCaseClosed)},
		{"referrals", `SELECT community, COUNT(*) FROM care_referrals {filter} GROUP BY community`, count(indicator.CareReferral)},
		{"referrals accepted", `SELECT community, COUNT(*) FROM (SELECT community FROM care_referrals WHERE status = 'accepted') x
			{filter} GROUP BY community`, count(indicator.CareReferralOk)},
		{"served", `SELECT community, COUNT(*) FROM (SELECT community FROM sw_work_logs WHERE day >= {since}) x {filter}
			GROUP BY community`, count(indicator.CareSWServed)},
		{"minutes", `SELECT community, area, function, SUM(minutes) FROM sw_work_logs {filter} GROUP BY community, area, function`,
			func(rows *sql.Rows) (indicator.CareRow, error) {
				r := indicator.CareRow{Key: indicator.CareMinutes}
				var area, fn string
				err := rows.Scan(&r.Community, &area, &fn, &r.N)
				r.Area, r.Function = shequ.ServiceArea(area), shequ.ServiceFunction(fn)
				return r, err
			}},
	}
	for _, q := range queries {
		err := s.inCommunities(ctx, lit(q.sql), communities, func(rows *sql.Rows) error {
			r, err := q.scan(rows)
			if err != nil {
				return err
			}
			return fn(r)
		})
		if err != nil {
			return translateError(err, "load care "+q.what)
		}
	}
	// Alerts one by one: the response time is computed here from the two
	// instants, which the engines store differently.
	err := s.inCommunities(ctx, `SELECT community, raised_at, acknowledged_at, escalated_at FROM care_alerts {filter}`,
		communities, func(rows *sql.Rows) error {
			var comm string
			var raised, acked, escalated time.Time
			if err := rows.Scan(&comm, scanTime(&raised), scanTime(&acked), scanTime(&escalated)); err != nil {
				return err
			}
			out := []indicator.CareRow{{Community: comm, Key: indicator.CareAlertRaised, N: 1}}
			if !acked.IsZero() {
				d := acked.Sub(raised)
				out = append(out, indicator.CareRow{Community: comm, Key: indicator.CareAlertHours, N: int(d / time.Hour)})
				if d <= shequ.AlertAckWindow {
					out = append(out, indicator.CareRow{Community: comm, Key: indicator.CareAlertAck24, N: 1})
				}
			}
			if !escalated.IsZero() {
				out = append(out, indicator.CareRow{Community: comm, Key: indicator.CareAlertEscal, N: 1})
			}
			for _, r := range out {
				if err := fn(r); err != nil {
					return err
				}
			}
			return nil
		})
	return translateError(err, "load care alerts")
}
