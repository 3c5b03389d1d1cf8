package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// pgbenchTPS finds the throughput in pgbench's report, e.g.
// "tps = 1934.123456 (without initial connection time)".
var pgbenchTPS = regexp.MustCompile(`(?m)^tps = ([0-9]+(?:\.[0-9]+)?) \(without initial connection time\)`)

// parsePgbenchTPS returns the tps of a pgbench report.
func parsePgbenchTPS(out []byte) (float64, error) {
	m := pgbenchTPS.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench: no tps in its report:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// libpqURL turns the DSN of -postgres into a connection URI that libpq
// (pgbench) accepts for database name ("" for the DSN's own, with its
// search_path): the same server and credentials, without the parameters
// only pgx knows.
func libpqURL(dsn, database string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("pgbench: -postgres is not a postgres:// URL")
	}
	q := url.Values{}
	if database == "" {
		// The DSN's own database, and its schema when it names one
		// (search_path, as the tests' DSNs do), through libpq's options.
		database = strings.TrimPrefix(u.Path, "/")
		if sp := u.Query().Get("search_path"); sp != "" {
			q.Set("options", "-c search_path="+sp)
		}
	}
	out := url.URL{Scheme: "postgres", User: u.User, Host: u.Host, Path: "/" + database}
	for _, k := range []string{"sslmode", "sslrootcert", "connect_timeout", "application_name", "target_session_attrs"} {
		if v := u.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	// libpq decodes %20, not "+", as a space (options holds one).
	out.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return out.String(), nil
}

// pgbenchTPCB runs pgbench's TPC-B on the PostgreSQL server of -postgres,
// in a throwaway database created for the run and dropped after it: -i at
// -pgbench-scale, then -pgbench-time with as many clients as there are
// submission clients (at most 32) on two threads.
func pgbenchTPCB(ctx context.Context, e *env, f benchReqFlags) (float64, error) {
	if _, err := exec.LookPath(f.pgbench); err != nil {
		return 0, fmt.Errorf("pgbench: %s not found (install postgresql-15 or give -pgbench): %w", f.pgbench, err)
	}
	admin, err := sql.Open("pgx", f.postgres)
	if err != nil {
		return 0, err
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "shequ_pgbench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return 0, fmt.Errorf("pgbench: create a throwaway database: %w", err)
	}
	defer func() {
		// The run's connections are gone once pgbench exits; FORCE covers
		// an interrupted run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}()
	uri, err := libpqURL(f.postgres, name)
	if err != nil {
		return 0, err
	}
	fmt.Fprintln(e.stderr, e.loc.T("cli.bench.requests.pgbench_init", map[string]any{"Scale": f.pgbenchScale}))
	if out, err := exec.CommandContext(ctx, f.pgbench, "-i", "-q", "-s", strconv.Itoa(f.pgbenchScale), uri).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("pgbench -i: %w\n%s", err, out)
	}
	clients := min(f.clients, 32)
	secs := int(f.pgbenchTime.Round(time.Second) / time.Second)
	fmt.Fprintln(e.stderr, e.loc.T("cli.bench.requests.pgbench_run", map[string]any{"Seconds": secs, "Clients": clients}))
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, f.pgbench, "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(secs), uri)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("pgbench: %w\n%s", err, out.Bytes())
	}
	return parsePgbenchTPS(out.Bytes())
}

// pgbenchSubmissionScript is one submission's statements as the store runs
// them for a single request (request_write.go, tx_batch.go): the county's
// number counter, the request, its first timeline event, the audit record
// appended to the hash chain's head, and the per-state and indicator
// counts, in one transaction. The hash is SQL's sha256 of the previous one
// and the request's id: the same row locks and writes as the store's chain,
// not its exact hash.
const pgbenchSubmissionScript = `BEGIN;
INSERT INTO number_counters (scope, n) VALUES ('pgbench-' || :community, 1)
  ON CONFLICT (scope) DO UPDATE SET n = number_counters.n + 1 RETURNING n AS num \gset
INSERT INTO service_requests (id, number, token, item_code, community, channel, description, attrs, address, state,
  department, submitted_by, identity_note, materials, missing, result, reason, rating, rating_note, due_at, created_at, updated_at)
  VALUES (gen_random_uuid(), 'PGB-' || :community || '-' || :num, md5(random()::text) || md5(random()::text), 'BENCH-001',
  :community, 'online', '基准测试：楼道灯不亮', '{"contact_name":["基准测试"],"urgency":["normal"]}', '基准测试路1号', 'submitted',
  '', 'pgbench', '', '[]', '[]', '', '', 0, '', now() + interval '14 days', now(), now()) RETURNING id AS rid \gset
INSERT INTO request_events (id, request_id, at, actor_id, actor_name, kind, from_state, to_state, note, on_behalf)
  VALUES (gen_random_uuid(), :rid, now(), 'pgbench', 'pgbench', 'submitted', '', 'submitted', '', '');
UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq AS aseq, hash AS prev \gset
INSERT INTO audit_log (seq, id, time, actor_id, actor_name, role, action, object_type, object_id, division, result,
  client_addr, request_id, detail, prev_hash, hash)
  VALUES (:aseq, gen_random_uuid()::text, now(), 'pgbench', 'pgbench', 'community_worker', 'request.submit', 'request',
  :rid, :community, 'allowed', '127.0.0.1', '', '', :prev, encode(sha256(convert_to(:prev::text || :rid::text, 'UTF8')), 'hex'));
UPDATE audit_head SET hash = encode(sha256(convert_to(:prev::text || :rid::text, 'UTF8')), 'hex') WHERE id = 1;
INSERT INTO request_state_counts (community, state, n) VALUES (:community, 'submitted', 1)
  ON CONFLICT (community, state) DO UPDATE SET n = request_state_counts.n + excluded.n;
INSERT INTO request_indicator_counts (community, item_code, channel, done, on_time, days, rating, n)
  VALUES (:community, 'BENCH-001', 'online', 0, 0, 0, 0, 1)
  ON CONFLICT (community, item_code, channel, done, on_time, days, rating) DO UPDATE SET n = request_indicator_counts.n + 1;
COMMIT;
`

// pgbenchSubmissions runs pgbenchSubmissionScript on the benchmark's own
// PostgreSQL database (the shequ schema with the generated requests, so the
// tables and indexes are those the HTTP submissions wrote into) for
// -pgbench-time with the same number of clients as TPC-B, each transaction
// committed alone: the yardstick of one submission in plain SQL. Its rows
// stay (marked "pgbench"); the audit chain of a benchmark database is not
// meant to verify.
func pgbenchSubmissions(ctx context.Context, e *env, f benchReqFlags, community string) (float64, error) {
	uri, err := libpqURL(f.postgres, "")
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "shequ-pgbench")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "submission.sql")
	if err := os.WriteFile(script, []byte(pgbenchSubmissionScript), 0o600); err != nil {
		return 0, err
	}
	clients := min(f.clients, 32)
	secs := int(f.pgbenchTime.Round(time.Second) / time.Second)
	fmt.Fprintf(e.stderr, "pgbench: one submission's statements as a script, %d s, %d clients\n", secs, clients)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, f.pgbench, "-n", "-M", "prepared", "-f", script, "-D", "community="+community,
		"-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(secs), uri)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("pgbench submission script: %w\n%s", err, out.Bytes())
	}
	return parsePgbenchTPS(out.Bytes())
}
