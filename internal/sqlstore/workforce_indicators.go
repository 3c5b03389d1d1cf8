package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"shequ"
	"shequ/internal/indicator"
)

var (
	_ indicator.VolunteerSource = (*IndicatorSource)(nil)
	_ indicator.WorkforceSource = (*IndicatorSource)(nil)
)

// LoadVolunteer streams the volunteer aggregates per community (nil: all)
// for the indicator module "volunteer": residents registered in the
// platform, active volunteers and those with confirmed service in the
// last 12 months (where they are registered), the service minutes of the
// last 12 months by category (where they were served; corrections count as
// corrected), and the time bank's balances and withdrawals (where the
// account is). Counts only: no row names a person. The days are computed
// here and written into the statement (they are not input).
func (s *IndicatorSource) LoadVolunteer(ctx context.Context, communities []string, fn func(indicator.VolunteerRow) error) error {
	now := s.db.now()
	today, since := dayArg(now), dayArg(shequ.DateOf(now).AddDate(0, -shequ.RetentionWindow, 0))
	lit := func(q string) string {
		return strings.NewReplacer("{today}", "'"+today+"'", "{since}", "'"+since+"'").Replace(q)
	}
	count := func(key indicator.VolunteerKey) func(*sql.Rows) (indicator.VolunteerRow, error) {
		return func(rows *sql.Rows) (indicator.VolunteerRow, error) {
			r := indicator.VolunteerRow{Key: key}
			return r, rows.Scan(&r.Community, &r.N)
		}
	}
	queries := []struct {
		what, sql string
		scan      func(*sql.Rows) (indicator.VolunteerRow, error)
	}{
		{"residents", `SELECT community, COUNT(*) FROM residents {filter} GROUP BY community`, count(indicator.VolResidents)},
		{"volunteers", `SELECT community, COUNT(*) FROM (SELECT community FROM volunteers WHERE status = 'active') x
			{filter} GROUP BY community`, count(indicator.VolRegistered)},
		{"active volunteers", `SELECT community, COUNT(*) FROM (SELECT v.community FROM volunteers v WHERE v.status = 'active'
			AND EXISTS (SELECT 1 FROM volunteer_records r WHERE r.volunteer_id = v.id AND r.superseded_by IS NULL
			AND r.minutes > 0 AND r.day > {since} AND r.day <= {today})) x {filter} GROUP BY community`, count(indicator.VolActive12)},
		{"service minutes", `SELECT community, category, SUM(minutes) FROM (SELECT community, category, minutes
			FROM volunteer_records WHERE superseded_by IS NULL AND day > {since} AND day <= {today}) x {filter}
			GROUP BY community, category`,
			func(rows *sql.Rows) (indicator.VolunteerRow, error) {
				r := indicator.VolunteerRow{Key: indicator.VolMinutes}
				var cat string
				err := rows.Scan(&r.Community, &cat, &r.N)
				r.Category = shequ.ServiceCategory(cat)
				return r, err
			}},
		{"time bank owed", `SELECT community, SUM(balance) FROM timebank_accounts {filter} GROUP BY community`,
			count(indicator.VolOwed)},
		{"time bank redeemed", `SELECT community, SUM(withdrawn) FROM timebank_accounts {filter} GROUP BY community`,
			count(indicator.VolRedeemed)},
	}
	for _, q := range queries {
		err := s.inCommunities(ctx, lit(q.sql), communities, func(rows *sql.Rows) error {
			r, err := q.scan(rows)
			if err != nil {
				return err
			}
			if r.N == 0 {
				return nil
			}
			return fn(r)
		})
		if err != nil {
			return translateError(err, "load volunteer "+q.what)
		}
	}
	return nil
}

// LoadWorkforce streams the members of the workforce register of the
// communities (nil: all), every engagement with its dates (the module
// counts them as of its day), and the course minutes attended in the last
// 12 months by the members of each community (where they work now).
func (s *IndicatorSource) LoadWorkforce(ctx context.Context, communities []string, fn func(indicator.WorkforceRow) error) error {
	err := s.inCommunities(ctx, `SELECT `+memberColumns+` FROM workforce_members m {filter}`, communities,
		func(rows *sql.Rows) error {
			m, err := scanMember(rows)
			if err != nil {
				return err
			}
			return fn(indicator.WorkforceRow{Community: m.Community, Member: m})
		})
	if err != nil {
		return translateError(err, "load workforce")
	}
	now := s.db.now()
	q := strings.NewReplacer("{today}", "'"+dayArg(now)+"'",
		"{since}", "'"+dayArg(shequ.DateOf(now).AddDate(0, -shequ.RetentionWindow, 0))+"'").Replace(
		`SELECT community, SUM(minutes) FROM (SELECT m.community, a.minutes FROM course_attendance a
			JOIN courses c ON c.id = a.course_id JOIN workforce_members m ON m.id = a.member_id
			WHERE c.day > {since} AND c.day <= {today}) x {filter} GROUP BY community`)
	err = s.inCommunities(ctx, q, communities, func(rows *sql.Rows) error {
		var r indicator.WorkforceRow
		if err := rows.Scan(&r.Community, &r.TrainingMinutes); err != nil {
			return err
		}
		return fn(r)
	})
	return translateError(err, "load training minutes")
}

// ModuleCommunities lists the communities that have data of the indicator
// module "volunteer" or "workforce", for the day job that brings their
// figures to today (their counters depend on the day).
func (s *IndicatorSource) ModuleCommunities(ctx context.Context, module string) ([]string, error) {
	var q string
	switch module {
	case "workforce":
		q = `SELECT DISTINCT community FROM workforce_members ORDER BY community`
	case "volunteer":
		q = `SELECT community FROM volunteers UNION SELECT community FROM volunteer_records
			UNION SELECT community FROM timebank_accounts UNION SELECT community FROM residents ORDER BY 1`
	default:
		return nil, nil
	}
	rows, err := s.db.db.QueryContext(ctx, q)
	if err != nil {
		return nil, translateError(err, "list communities")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, translateError(err, "list communities")
		}
		out = append(out, c)
	}
	return out, translateError(rows.Err(), "list communities")
}
