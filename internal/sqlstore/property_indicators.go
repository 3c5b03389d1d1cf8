package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"shequ"
	"shequ/internal/indicator"
)

var _ indicator.PropertySource = (*PropertyService)(nil)

// LoadProperty streams the property aggregates per community (nil: all)
// for the indicator module "property", at the module's clock: estates by
// mode and age, estates with a current owners' committee (and a 兼任
// member), estates by the grade of their company today, complaints filed and
// finished (with their days and lateness), ratings of the current and the
// previous period, meetings this quarter, and what is overdue. Like the
// other sources it checks no permission: the engine authorizes the reports
// and reads aggregates only.
//
// The day, quarter and period bounds are written into the queries as
// literals: they are formatted here from the clock (digits, dashes and
// period keys only), and the dates are stored as the same text on both
// engines.
func (s *PropertyService) LoadProperty(ctx context.Context, communities []string, fn func(indicator.PropertyRow) error) error {
	now := s.now()
	today := dayArg(now)
	quarter := shequ.PeriodQuarter.PeriodOf(now)
	qStart, qEnd, _ := shequ.PeriodBounds(quarter)
	var periods []string
	for _, p := range shequ.RatingPeriods {
		start, _, _ := shequ.PeriodBounds(p.PeriodOf(now))
		periods = append(periods, "'"+p.PeriodOf(now)+"'", "'"+p.PeriodOf(start.AddDate(0, 0, -1))+"'")
	}
	grades, err := s.companyGrades(ctx, now)
	if err != nil {
		return err
	}
	src := &IndicatorSource{db: s.db}
	scores := strings.Join(scoreColumns, " + ")
	type query struct {
		what, sql string
		scan      func(*sql.Rows) (indicator.PropertyRow, error)
	}
	counted := func(kind indicator.PropertyKind) func(*sql.Rows) (indicator.PropertyRow, error) {
		return func(rows *sql.Rows) (indicator.PropertyRow, error) {
			r := indicator.PropertyRow{Kind: kind}
			return r, rows.Scan(&r.Community, &r.N)
		}
	}
	queries := []query{
		{"estates", `SELECT community, mode, old, COUNT(*) FROM estates {filter} GROUP BY community, mode, old`,
			func(rows *sql.Rows) (indicator.PropertyRow, error) {
				r := indicator.PropertyRow{Kind: indicator.PropEstates}
				return r, rows.Scan(&r.Community, &r.Key, &r.Flag, &r.N)
			}},
		// One row per estate with a filed committee in its term (the
		// newest term when two overlap).
		{"committees", `SELECT community, MAX(concurrent) FROM (SELECT c.community, c.estate_id,
			CASE WHEN EXISTS (SELECT 1 FROM owners_committee_members m WHERE m.committee_id = c.id AND m.concurrent)
				THEN 1 ELSE 0 END AS concurrent
			FROM owners_committees c WHERE c.status = 'filed' AND c.elected_on <= '` + today + `' AND c.term_end >= '` + today + `') x
			{filter} GROUP BY community, estate_id`,
			func(rows *sql.Rows) (indicator.PropertyRow, error) {
				r := indicator.PropertyRow{Kind: indicator.PropCommittee, N: 1}
				var conc int
				err := rows.Scan(&r.Community, &conc)
				r.Flag = conc == 1
				return r, err
			}},
		{"contracts", `SELECT community, company_id FROM (SELECT e.community, CAST(k.company_id AS TEXT) AS company_id
			FROM property_contracts k JOIN estates e ON e.id = k.estate_id WHERE k.start_on <= '` + today + `'
			AND k.end_on >= '` + today + `' AND (k.ended_on IS NULL OR k.ended_on >= '` + today + `')) x {filter}`,
			func(rows *sql.Rows) (indicator.PropertyRow, error) {
				r := indicator.PropertyRow{Kind: indicator.PropGrade, N: 1}
				var company string
				err := rows.Scan(&r.Community, &company)
				g, ok := grades[company]
				if !ok {
					g = shequ.GradeOf(0) // no record counts: no point either
				}
				r.Key = string(g)
				return r, err
			}},
		{"complaints", `SELECT community, COUNT(*) FROM complaints {filter} GROUP BY community`, counted(indicator.PropComplaints)},
		{"finished complaints", `SELECT community, was_late, created_at, closed_at FROM (SELECT community, was_late, created_at,
			closed_at FROM complaints WHERE state IN ('confirmed', 'closed') AND closed_at IS NOT NULL) x {filter}`,
			func(rows *sql.Rows) (indicator.PropertyRow, error) {
				r := indicator.PropertyRow{Kind: indicator.PropComplaintDone, N: 1}
				var late bool
				var from, to time.Time
				err := rows.Scan(&r.Community, &late, scanTime(&from), scanTime(&to))
				r.Flag, r.Sum = !late, int64(shequ.DaysUntil(from, to))
				return r, err
			}},
		{"ratings", `SELECT community, COUNT(*), SUM(total) FROM (SELECT community, ` + scores + ` AS total FROM property_ratings
			WHERE period IN (` + strings.Join(periods, ", ") + `)) x {filter} GROUP BY community`,
			func(rows *sql.Rows) (indicator.PropertyRow, error) {
				r := indicator.PropertyRow{Kind: indicator.PropRatings}
				return r, rows.Scan(&r.Community, &r.N, &r.Sum)
			}},
		{"satisfied ratings", `SELECT community, COUNT(*) FROM (SELECT community FROM (SELECT community, ` + scores + ` AS total
			FROM property_ratings WHERE period IN (` + strings.Join(periods, ", ") + `)) y WHERE total >= ` + strconv.Itoa(4*len(shequ.RatingDimensions)) + `) x {filter}
			GROUP BY community`,
			func(rows *sql.Rows) (indicator.PropertyRow, error) {
				r := indicator.PropertyRow{Kind: indicator.PropRatings, Flag: true}
				return r, rows.Scan(&r.Community, &r.N)
			}},
		{"meetings", `SELECT community, COUNT(*) FROM (SELECT community FROM joint_meetings WHERE day >= '` + dayArg(qStart) +
			`' AND day < '` + dayArg(qEnd) + `') x {filter} GROUP BY community`, counted(indicator.PropMeetings)},
		{"overdue resolutions", `SELECT community, COUNT(*) FROM (SELECT community FROM resolutions WHERE status = 'overdue') x
			{filter} GROUP BY community`, counted(indicator.PropResolutionsLate)},
		{"overdue rectifications", `SELECT community, COUNT(*) FROM (SELECT community FROM rectifications WHERE status = 'overdue') x
			{filter} GROUP BY community`, counted(indicator.PropRectificationsLate)},
	}
	for _, q := range queries {
		err := src.inCommunities(ctx, q.sql, communities, func(rows *sql.Rows) error {
			r, err := q.scan(rows)
			if err != nil {
				return err
			}
			return fn(r)
		})
		if err != nil {
			return translateError(err, "load property "+q.what)
		}
	}
	return nil
}

// companyGrades returns every company's grade at now.
func (s *PropertyService) companyGrades(ctx context.Context, now time.Time) (map[string]shequ.Grade, error) {
	records, err := s.loadRecords(ctx, s.db.db, `withdrawn = ? AND valid_until >= ?`, boolArg(false), dayArg(now))
	if err != nil {
		return nil, err
	}
	per := map[string][]*shequ.CreditRecord{}
	for _, r := range records {
		per[r.CompanyID] = append(per[r.CompanyID], r)
	}
	out := map[string]shequ.Grade{}
	for id, rs := range per {
		out[id] = shequ.ScoreCredit(rs, now).Grade
	}
	return out, nil
}
