package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"shequ"
	"shequ/internal/indicator"
)

var _ indicator.LinkageSource = (*IndicatorSource)(nil)

// LoadLinkage streams the 三社联动 aggregates per community (nil: all) for
// the indicator module "linkage": needs by category and status with their
// supports, projects by category (that of their first need) and status with
// their budget, residents' ratings by score, and one row per need that
// reached a project with the days it took (computed here from the two
// timestamps, which the engines store differently).
func (s *IndicatorSource) LoadLinkage(ctx context.Context, communities []string, fn func(indicator.LinkageRow) error) error {
	type query struct {
		what, sql string
		scan      func(*sql.Rows) (indicator.LinkageRow, error)
	}
	queries := []query{
		{"need counts", `SELECT community, category, status, COUNT(*), COALESCE(SUM(supports), 0) FROM needs
			{filter} GROUP BY community, category, status`,
			func(rows *sql.Rows) (indicator.LinkageRow, error) {
				r := indicator.LinkageRow{Kind: indicator.LinkNeeds}
				var cat string
				err := rows.Scan(&r.Community, &cat, &r.Status, &r.N, &r.Sum)
				r.Category = shequ.NeedCategory(cat)
				return r, err
			}},
		{"project counts", `SELECT community, cat, status, COUNT(*), SUM(budget_fen) FROM (
			SELECT p.community, p.status, p.budget_fen,
				COALESCE((SELECT MIN(n.category) FROM needs n WHERE n.project_id = p.id), 'other') AS cat
			FROM projects p) x {filter} GROUP BY community, cat, status`,
			func(rows *sql.Rows) (indicator.LinkageRow, error) {
				r := indicator.LinkageRow{Kind: indicator.LinkProjects}
				var cat string
				err := rows.Scan(&r.Community, &cat, &r.Status, &r.N, &r.Sum)
				r.Category = shequ.NeedCategory(cat)
				return r, err
			}},
		{"rating counts", `SELECT community, score, COUNT(*) FROM (SELECT community, score FROM evaluations
			WHERE kind = 'resident') x {filter} GROUP BY community, score`,
			func(rows *sql.Rows) (indicator.LinkageRow, error) {
				r := indicator.LinkageRow{Kind: indicator.LinkRatings}
				var score int
				err := rows.Scan(&r.Community, &score, &r.N)
				r.Status = strconv.Itoa(score)
				return r, err
			}},
		{"days to project", `SELECT community, need_at, project_at FROM (SELECT n.community, n.created_at AS need_at,
			p.created_at AS project_at FROM needs n JOIN projects p ON p.id = n.project_id) x {filter}`,
			func(rows *sql.Rows) (indicator.LinkageRow, error) {
				r := indicator.LinkageRow{Kind: indicator.LinkToProject, N: 1}
				var from, to time.Time
				err := rows.Scan(&r.Community, scanTime(&from), scanTime(&to))
				r.Sum = int64(to.Sub(from) / (24 * time.Hour))
				return r, err
			}},
	}
	for _, q := range queries {
		err := s.inCommunities(ctx, q.sql, communities, func(rows *sql.Rows) error {
			r, err := q.scan(rows)
			if err != nil {
				return err
			}
			return fn(r)
		})
		if err != nil {
			return translateError(err, "load linkage "+q.what)
		}
	}
	return nil
}
