package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"shequ"
	"shequ/internal/indicator"
)

// IndicatorSource reads what the indicator engine (internal/indicator)
// counts: the division tree and, per community, the registers grouped by
// the attributes the reports break down. It implements indicator.Source.
// Its methods check no permission: the engine authorizes every report, and
// it reads aggregates only, never a person's record.
type IndicatorSource struct {
	db *DB
}

var _ indicator.Source = (*IndicatorSource)(nil)

// NewIndicatorSource returns an IndicatorSource on db.
func NewIndicatorSource(db *DB) *IndicatorSource { return &IndicatorSource{db: db} }

// LoadDivisions streams every division with its urban-rural code and
// terrain, in code order.
func (s *IndicatorSource) LoadDivisions(ctx context.Context, fn func(indicator.DivisionRow) error) error {
	rows, err := s.db.db.QueryContext(ctx, `SELECT code, name, urban_rural, terrain FROM divisions ORDER BY code`)
	if err != nil {
		return translateError(err, "load divisions")
	}
	defer rows.Close()
	for rows.Next() {
		var r indicator.DivisionRow
		var ur, ter sql.NullString
		if err := rows.Scan(&r.Code, &r.Name, &ur, &ter); err != nil {
			return translateError(err, "load divisions")
		}
		r.UrbanRural, r.Terrain = shequ.UrbanRural(ur.String), shequ.Terrain(ter.String)
		if err := fn(r); err != nil {
			return err
		}
	}
	return translateError(rows.Err(), "load divisions")
}

// inCommunities runs query once for all communities (nil), with every
// marker {filter} removed, or once per batch of at most maxInList codes with
// each {filter} replaced by "WHERE community IN (…)"; every row goes to
// scan.
func (s *IndicatorSource) inCommunities(ctx context.Context, query string, communities []string, scan func(*sql.Rows) error) error {
	run := func(q string, args []any) error {
		rows, err := s.db.db.QueryContext(ctx, s.db.rebind(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if communities == nil {
		return run(strings.ReplaceAll(query, "{filter}", ""), nil)
	}
	for len(communities) > 0 {
		batch := communities[:min(len(communities), maxInList)]
		communities = communities[len(batch):]
		args := make([]any, 0, 2*len(batch))
		// Every {filter} of the query takes the batch once.
		for range strings.Count(query, "{filter}") {
			for _, c := range batch {
				args = append(args, c)
			}
		}
		if err := run(strings.ReplaceAll(query, "{filter}", "WHERE community IN ("+placeholders(len(batch))+")"), args); err != nil {
			return err
		}
	}
	return nil
}

// LoadOrgCounts streams the organizations per home community, kind and
// status. The grouping follows the (community, status, kind) index, which
// covers the query: neither engine reads the table itself.
func (s *IndicatorSource) LoadOrgCounts(ctx context.Context, communities []string, fn func(indicator.OrgCount) error) error {
	err := s.inCommunities(ctx, `SELECT community, status, kind, COUNT(*) FROM social_orgs
		{filter} GROUP BY community, status, kind`, communities, func(rows *sql.Rows) error {
		var r indicator.OrgCount
		var kind, status string
		if err := rows.Scan(&r.Community, &status, &kind, &r.N); err != nil {
			return err
		}
		r.Kind, r.Status = shequ.OrgKind(kind), shequ.OrgStatus(status)
		return fn(r)
	})
	return translateError(err, "load organization counts")
}

// LoadWorkerCounts streams the social workers per home community,
// qualification and education ("" when not recorded).
func (s *IndicatorSource) LoadWorkerCounts(ctx context.Context, communities []string, fn func(indicator.WorkerCount) error) error {
	err := s.inCommunities(ctx, `SELECT community, qualification, COALESCE(education, ''), COUNT(*)
		FROM (SELECT community, qualification, education FROM social_workers WHERE status = 'active') w {filter}
		GROUP BY community, qualification, education`,
		communities, func(rows *sql.Rows) error {
			var r indicator.WorkerCount
			var q, ed string
			if err := rows.Scan(&r.Community, &q, &ed, &r.N); err != nil {
				return err
			}
			r.Qualification, r.Education = shequ.Qualification(q), shequ.Education(ed)
			return fn(r)
		})
	return translateError(err, "load worker counts")
}

// LoadCoverCounts streams, per community, the distinct social workers who
// cover it: homed there or serving it. UNION (not UNION ALL) counts a
// worker who also lists their home community among those served once.
func (s *IndicatorSource) LoadCoverCounts(ctx context.Context, communities []string, fn func(indicator.CoverCount) error) error {
	err := s.inCommunities(ctx, `SELECT community, COUNT(*) FROM (
			SELECT community, worker_id FROM (SELECT community, id AS worker_id FROM social_workers
				WHERE status = 'active') w {filter}
			UNION
			SELECT community, worker_id FROM (SELECT v.community, v.worker_id FROM social_worker_serves v
				JOIN social_workers w ON w.id = v.worker_id WHERE w.status = 'active') v {filter}
		) c GROUP BY community`, communities, func(rows *sql.Rows) error {
		var r indicator.CoverCount
		if err := rows.Scan(&r.Community, &r.N); err != nil {
			return err
		}
		return fn(r)
	})
	return translateError(err, "load coverage counts")
}

// SaveSnapshots inserts or replaces snapshots by (division, month) in one
// transaction; the figures are stored as JSON.
func (s *IndicatorSource) SaveSnapshots(ctx context.Context, snaps []*shequ.IndicatorSnapshot) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.db.rebind(`INSERT INTO indicator_snapshots (division, month, stats)
			VALUES (?, ?, ?) ON CONFLICT (division, month) DO UPDATE SET stats = excluded.stats`))
		if err != nil {
			return translateError(err, "save snapshots")
		}
		defer stmt.Close()
		for _, sn := range snaps {
			b, err := json.Marshal(sn.Stats)
			if err != nil {
				return fmt.Errorf("encode snapshot: %w", err)
			}
			if _, err := stmt.ExecContext(ctx, sn.Division, sn.Month, string(b)); err != nil {
				return translateError(err, "save snapshots")
			}
		}
		return nil
	})
}

// FindSnapshots returns the latest months snapshots of division, oldest
// first.
func (s *IndicatorSource) FindSnapshots(ctx context.Context, division string, months int) ([]*shequ.IndicatorSnapshot, error) {
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT division, month, stats FROM indicator_snapshots
		WHERE division = ? ORDER BY month DESC LIMIT ?`), division, months)
	if err != nil {
		return nil, translateError(err, "find snapshots")
	}
	defer rows.Close()
	out := []*shequ.IndicatorSnapshot{}
	for rows.Next() {
		var sn shequ.IndicatorSnapshot
		var stats string
		if err := rows.Scan(&sn.Division, &sn.Month, &stats); err != nil {
			return nil, translateError(err, "find snapshots")
		}
		if err := json.Unmarshal([]byte(stats), &sn.Stats); err != nil {
			return nil, shequ.Wrap(err, "decode snapshot")
		}
		out = append(out, &sn)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "find snapshots")
	}
	slices.Reverse(out)
	return out, nil
}

// GroupByStats computes the totals of a node (prefix "" the whole country)
// with plain GROUP BY queries over the registers, without the engine: the
// baseline that `shequ bench indicators` times against the engine, and a
// cross-check of its figures. It applies the same targets t to every
// community (the engine resolves local targets per community), and a
// target of 0 workers counts only communities that have a worker. It has
// no breakdowns, which the engine computes in the same pass.
func (s *IndicatorSource) GroupByStats(ctx context.Context, prefix string, t shequ.Targets) (*shequ.IndicatorStats, error) {
	st := &shequ.IndicatorStats{OrgsByKind: map[shequ.OrgKind]int{}, OrgsByStatus: map[shequ.OrgStatus]int{},
		WorkersByQual: map[shequ.Qualification]int{}, WorkersByEdu: map[shequ.Education]int{}}
	// Every value is listed, zeros included, as the engine lists them.
	for _, k := range shequ.OrgKinds {
		st.OrgsByKind[k] = 0
	}
	for _, k := range shequ.OrgStatuses {
		st.OrgsByStatus[k] = 0
	}
	for _, k := range shequ.Qualifications {
		st.WorkersByQual[k] = 0
	}
	for _, k := range shequ.Educations {
		st.WorkersByEdu[k] = 0
	}
	lo, hi := prefix, prefix+":"
	q := func(what, query string, scan func(*sql.Rows) error, args ...any) error {
		rows, err := s.db.db.QueryContext(ctx, s.db.rebind(query), args...)
		if err != nil {
			return translateError(err, what)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return translateError(err, what)
			}
		}
		return translateError(rows.Err(), what)
	}
	var key, key2 string
	var n int
	err := q("count communities", `SELECT kind, COUNT(*) FROM divisions
		WHERE level = 'community' AND code >= ? AND code < ? GROUP BY kind`, func(r *sql.Rows) error {
		if err := r.Scan(&key, &n); err != nil {
			return err
		}
		st.Communities += n
		switch shequ.Kind(key) {
		case shequ.KindUrban:
			st.Urban = n
		case shequ.KindRural:
			st.Rural = n
		default:
			st.Other += n
		}
		return nil
	}, lo, hi)
	if err != nil {
		return nil, err
	}
	err = q("count organizations", `SELECT kind, status, COUNT(*) FROM social_orgs
		WHERE community >= ? AND community < ? GROUP BY kind, status`, func(r *sql.Rows) error {
		if err := r.Scan(&key, &key2, &n); err != nil {
			return err
		}
		st.Orgs += n
		st.OrgsByStatus[shequ.OrgStatus(key2)] += n
		if shequ.OrgStatus(key2) == shequ.OrgActive {
			st.OrgsActive += n
			st.OrgsByKind[shequ.OrgKind(key)] += n
		}
		return nil
	}, lo, hi)
	if err != nil {
		return nil, err
	}
	err = q("count communities meeting the target", `SELECT d.kind, COUNT(*) FROM (
			SELECT community, COUNT(*) AS n FROM social_orgs
			WHERE status = 'active' AND community >= ? AND community < ? GROUP BY community
		) o JOIN divisions d ON d.code = o.community
		WHERE (d.kind = 'urban' AND o.n >= ?) OR (d.kind = 'rural' AND o.n >= ?)
		GROUP BY d.kind`, func(r *sql.Rows) error {
		if err := r.Scan(&key, &n); err != nil {
			return err
		}
		if shequ.Kind(key) == shequ.KindUrban {
			st.UrbanMeetingOrgTarget = n
		} else {
			st.RuralMeetingOrgTarget = n
		}
		return nil
	}, lo, hi, t[shequ.TargetOrgsPerUrban], t[shequ.TargetOrgsPerRural])
	if err != nil {
		return nil, err
	}
	err = q("count workers", `SELECT qualification, COALESCE(education, ''), COUNT(*) FROM social_workers
		WHERE community >= ? AND community < ? AND status = 'active' GROUP BY qualification, education`, func(r *sql.Rows) error {
		if err := r.Scan(&key, &key2, &n); err != nil {
			return err
		}
		st.Workers += n
		st.WorkersByQual[shequ.Qualification(key)] += n
		if shequ.Qualification(key).Certified() {
			st.WorkersCertified += n
		}
		if key2 != "" {
			st.WorkersByEdu[shequ.Education(key2)] += n
		}
		return nil
	}, lo, hi)
	if err != nil {
		return nil, err
	}
	err = q("count covered communities", `SELECT COUNT(*) FROM (
			SELECT community FROM (
				SELECT community, id AS worker_id FROM social_workers WHERE community >= ? AND community < ?
					AND status = 'active'
				UNION
				SELECT v.community, v.worker_id FROM social_worker_serves v JOIN social_workers w ON w.id = v.worker_id
					WHERE v.community >= ? AND v.community < ? AND w.status = 'active'
			) c GROUP BY community HAVING COUNT(*) >= ?
		) x`, func(r *sql.Rows) error {
		return r.Scan(&st.CommunitiesWithWorkers)
	}, lo, hi, lo, hi, t[shequ.TargetWorkersPerCommu])
	if err != nil {
		return nil, err
	}
	return st, nil
}

// bulkTables are the tables BulkInsert may write, for synthetic benchmark
// data: the registers (`shequ bench gen`) and the requests with their
// timelines and per-state counts (`shequ bench requests`).
var bulkTables = []string{"social_orgs", "social_org_serves", "social_workers", "social_worker_serves",
	"service_requests", "request_events", "request_state_counts", "request_indicator_counts"}

// BulkAudit appends records to the audit trail in one transaction, the way
// every service's writes are chained (appendAudits: the head advanced once,
// each hash chained to the one before, the head's hash set), for the
// synthetic history of `shequ bench requests`. Each record keeps its Time
// (stored to the microsecond) and gets an ID when it has none; the trail
// verifies afterwards like one written by the services.
func (s *IndicatorSource) BulkAudit(ctx context.Context, records []*shequ.AuditRecord) error {
	now := s.db.now()
	for _, r := range records {
		if r.Action == "" || r.Result == "" {
			return shequ.Wrap(fmt.Errorf("audit record without action or result"), "bulk audit")
		}
		if r.ID == "" {
			r.ID = newUUID7()
		}
		r.Time = storedTime(r.Time, now)
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		return s.db.appendAudits(ctx, tx, records)
	})
}

// BulkInsert writes rows into one of the registers' tables as fast as the
// engine allows, for synthetic benchmark data (`shequ bench gen`): COPY on
// PostgreSQL, multi-row INSERTs through one prepared statement on SQLite,
// all in one transaction. It bypasses the services (no authorization, no
// audit, no sealing): never use it for real records. time.Time values are
// stored in the engine's timestamp form. table must be one of bulkTables
// and cols are the table's column names as written in the migrations.
func (s *IndicatorSource) BulkInsert(ctx context.Context, table string, cols []string, rows [][]any) error {
	if !slices.Contains(bulkTables, table) {
		return shequ.Wrap(fmt.Errorf("table %q", table), "bulk insert")
	}
	for _, c := range cols {
		if strings.Trim(c, "abcdefghijklmnopqrstuvwxyz_") != "" {
			return shequ.Wrap(fmt.Errorf("column %q", c), "bulk insert")
		}
	}
	if len(rows) == 0 {
		return nil
	}
	// Rows written past the change feed: no engine snapshot holds them
	// (engine_snapshot.go).
	if err := s.db.DropEngineSnapshots(ctx); err != nil {
		return err
	}
	if s.db.dialect == postgresDialect && len(rows) > 1 {
		return translateError(s.db.withPgx(ctx, func(c *pgx.Conn) error {
			return pgxTx(ctx, c, func(tx pgx.Tx) error {
				_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
				return err
			})
		}), "bulk insert "+table)
	}
	per := max(1, min(500, 30000/len(cols)))
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var stmt *sql.Stmt
		defer func() {
			if stmt != nil {
				stmt.Close()
			}
		}()
		one := "(" + placeholders(len(cols)) + ")"
		for len(rows) > 0 {
			batch := rows[:min(per, len(rows))]
			rows = rows[len(batch):]
			query := s.db.rebind(`INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES ` +
				strings.TrimSuffix(strings.Repeat(one+", ", len(batch)), ", "))
			if stmt == nil || len(batch) != per {
				if stmt != nil {
					stmt.Close()
				}
				var err error
				if stmt, err = tx.PrepareContext(ctx, query); err != nil {
					return translateError(err, "bulk insert "+table)
				}
			}
			args := make([]any, 0, len(batch)*len(cols))
			for _, r := range batch {
				for _, v := range r {
					if t, ok := v.(time.Time); ok {
						v = s.db.dialect.timeArg(t)
					}
					args = append(args, v)
				}
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return translateError(err, "bulk insert "+table)
			}
		}
		return nil
	})
}

// Analyze refreshes the planner's statistics of one of the bulk tables on
// PostgreSQL, as autovacuum would some time after a bulk load: a plan made
// on the statistics of a table loaded halfway can be far off (the worker
// queue took an index that filtered thousands of rows). On SQLite it does
// nothing: the platform never runs ANALYZE there, because with its STAT4
// tables SQLite prepares every query with bound values in an indexed
// condition again at each run.
func (s *IndicatorSource) Analyze(ctx context.Context, table string) error {
	if !slices.Contains(bulkTables, table) && !slices.Contains(requestTables, table) {
		return shequ.Wrap(fmt.Errorf("table %q", table), "analyze")
	}
	if s.db.dialect != postgresDialect {
		return nil
	}
	_, err := s.db.db.ExecContext(ctx, `ANALYZE `+table)
	return translateError(err, "analyze "+table)
}

// requestTables are the tables a request submission writes.
var requestTables = []string{"service_requests", "request_events", "audit_log", "request_state_counts",
	"request_indicator_counts"}

// SettleRequests brings the tables request submissions write to the state
// the engine's own housekeeping would leave them in shortly after a burst
// of submissions, for `shequ bench requests` to time reads on a settled
// database: VACUUM (ANALYZE) of each on PostgreSQL (what autovacuum does
// within its next round), a WAL checkpoint on SQLite.
func (s *IndicatorSource) SettleRequests(ctx context.Context) error {
	if s.db.dialect != postgresDialect {
		_, err := s.db.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
		return translateError(err, "checkpoint")
	}
	for _, t := range requestTables {
		if _, err := s.db.db.ExecContext(ctx, `VACUUM (ANALYZE) `+t); err != nil {
			return translateError(err, "vacuum "+t)
		}
	}
	// And what the checkpointer would write within its next round: the
	// dirty pages, so that their writeback is not under way beside the
	// reads. It takes a superuser or pg_checkpoint (PostgreSQL 15); without
	// either, the checkpointer's own schedule stands.
	if _, err := s.db.db.ExecContext(ctx, `CHECKPOINT`); err != nil {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" { // insufficient_privilege
			return translateError(err, "checkpoint")
		}
	}
	return nil
}

// CountRows returns the number of rows of one of the registers' tables.
func (s *IndicatorSource) CountRows(ctx context.Context, table string) (int, error) {
	if !slices.Contains(bulkTables, table) && !slices.Contains(requestTables, table) {
		return 0, shequ.Wrap(fmt.Errorf("table %q", table), "count rows")
	}
	var n int
	if err := s.db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		return 0, translateError(err, "count rows")
	}
	return n, nil
}
