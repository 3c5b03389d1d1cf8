package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// summaryResult is what the trigger-maintained summary of PostgreSQL
// measured beside the engine: the root's counts read from it, one register
// write with the triggers and the same write without them.
type summaryResult struct {
	read       time.Duration // median of reading the root's counts
	write      time.Duration // median of one organization inserted with the triggers
	plainWrite time.Duration // the same insert with the trigger disabled
	orgs       int64         // the root's organizations as the summary counts them
	active     int64
	workers    int64
}

// summaryDDL builds the strong PostgreSQL alternative to the engine: a table
// of counts per division at every level (the country "", province, city,
// county, township, community) kept by triggers on the registers, so that a
// node's figures are one primary-key read. Each register write updates the
// six rows of its community's ancestors in the writing transaction. %[1]s
// is a throwaway schema holding the table and the functions.
const summaryDDL = `
CREATE TABLE %[1]s.division_counts (code text COLLATE "C" PRIMARY KEY, orgs bigint NOT NULL DEFAULT 0,
  orgs_active bigint NOT NULL DEFAULT 0, workers bigint NOT NULL DEFAULT 0);
CREATE FUNCTION %[1]s.ancestors(c text) RETURNS text[] LANGUAGE sql IMMUTABLE AS
  $$ SELECT ARRAY['', substr(c, 1, 2), substr(c, 1, 4), substr(c, 1, 6), substr(c, 1, 9), c] $$;
CREATE FUNCTION %[1]s.count_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE %[1]s.division_counts SET orgs = orgs - 1, orgs_active = orgs_active - (OLD.status = 'active')::int
      WHERE code = ANY (%[1]s.ancestors(OLD.community));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO %[1]s.division_counts AS d (code, orgs, orgs_active)
      SELECT a, 1, (NEW.status = 'active')::int FROM unnest(%[1]s.ancestors(NEW.community)) AS a
      ON CONFLICT (code) DO UPDATE SET orgs = d.orgs + 1, orgs_active = d.orgs_active + excluded.orgs_active;
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION %[1]s.count_worker() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE %[1]s.division_counts SET workers = workers - 1 WHERE code = ANY (%[1]s.ancestors(OLD.community));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO %[1]s.division_counts AS d (code, workers)
      SELECT a, 1 FROM unnest(%[1]s.ancestors(NEW.community)) AS a
      ON CONFLICT (code) DO UPDATE SET workers = d.workers + 1;
  END IF;
  RETURN NULL;
END $$;
`

// benchSummary builds the summary table from the registers of dsn (in a
// throwaway schema), adds the triggers, times the root read and one
// organization insert with and without them, and drops everything, the
// triggers first. community is where the inserted organizations go.
func benchSummary(ctx context.Context, dsn, community string) (res summaryResult, err error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return res, fmt.Errorf("bench summary: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	b := make([]byte, 6)
	rand.Read(b)
	schema := "bench_summary_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		return res, fmt.Errorf("bench summary: create schema: %w", err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		for _, q := range []string{
			`DROP TRIGGER IF EXISTS ` + schema + `_orgs ON social_orgs`,
			`DROP TRIGGER IF EXISTS ` + schema + `_workers ON social_workers`,
			`DELETE FROM social_orgs WHERE name = '` + schema + `'`,
			`DROP SCHEMA ` + schema + ` CASCADE`,
		} {
			if _, derr := conn.Exec(dctx, q); derr != nil && err == nil {
				err = fmt.Errorf("bench summary: %s: %w", q, derr)
			}
		}
	}()
	if _, err := conn.Exec(ctx, fmt.Sprintf(summaryDDL, schema)); err != nil {
		return res, fmt.Errorf("bench summary: create: %w", err)
	}
	// The initial counts, as a migration adding the table would fill it.
	fill := fmt.Sprintf(`INSERT INTO %[1]s.division_counts (code, orgs, orgs_active, workers)
SELECT a, sum(o), sum(oa), sum(w) FROM (
  SELECT community, count(*) AS o, count(*) FILTER (WHERE status = 'active') AS oa, 0 AS w FROM social_orgs GROUP BY community
  UNION ALL SELECT community, 0, 0, count(*) FROM social_workers GROUP BY community) per,
  unnest(%[1]s.ancestors(per.community)) AS a GROUP BY a`, schema)
	if _, err := conn.Exec(ctx, fill); err != nil {
		return res, fmt.Errorf("bench summary: fill: %w", err)
	}
	for _, q := range []string{
		`CREATE TRIGGER ` + schema + `_orgs AFTER INSERT OR UPDATE OF community, status OR DELETE ON social_orgs FOR EACH ROW EXECUTE FUNCTION ` + schema + `.count_org()`,
		`CREATE TRIGGER ` + schema + `_workers AFTER INSERT OR UPDATE OF community OR DELETE ON social_workers FOR EACH ROW EXECUTE FUNCTION ` + schema + `.count_worker()`,
		`ANALYZE ` + schema + `.division_counts`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return res, fmt.Errorf("bench summary: %s: %w", q, err)
		}
	}
	read := `SELECT orgs, orgs_active, workers FROM ` + schema + `.division_counts WHERE code = ''`
	if res.read, err = median(21, func() error {
		return conn.QueryRow(ctx, read).Scan(&res.orgs, &res.active, &res.workers)
	}); err != nil {
		return res, fmt.Errorf("bench summary: read: %w", err)
	}
	// One organization per write, each its own transaction.
	insert := func(table string) func() error {
		return func() error {
			now := time.Now().UTC()
			_, err := conn.Exec(ctx, `INSERT INTO `+table+` (`+joinCols(orgColumns)+`) VALUES ($1, $2, 'resident_service', $3,
				'filed', NULL, $4, NULL, NULL, '', 8, 0, NULL, 'active', NULL, $5, $5)`,
				uuid.Must(uuid.NewV7()).String(), schema, community, community[:9], now)
			return err
		}
	}
	if res.write, err = median(51, insert("social_orgs")); err != nil {
		return res, fmt.Errorf("bench summary: write: %w", err)
	}
	// The triggers counted every insert: the root moved by 51.
	var after int64
	if err := conn.QueryRow(ctx, `SELECT orgs FROM `+schema+`.division_counts WHERE code = ''`).Scan(&after); err != nil {
		return res, err
	}
	if after != res.orgs+51 {
		return res, fmt.Errorf("bench summary: the summary counts %d organizations after 51 inserts to %d", after, res.orgs)
	}
	// The same insert with the trigger disabled: what the register write
	// costs without the summary.
	if _, err := conn.Exec(ctx, `ALTER TABLE social_orgs DISABLE TRIGGER `+schema+`_orgs`); err != nil {
		return res, fmt.Errorf("bench summary: disable trigger: %w", err)
	}
	if res.plainWrite, err = median(51, insert("social_orgs")); err != nil {
		return res, fmt.Errorf("bench summary: plain write: %w", err)
	}
	return res, nil
}

func joinCols(cols []string) string {
	out := ""
	for i, c := range cols {
		if i > 0 {
			out += ", "
		}
		out += c
	}
	return out
}
