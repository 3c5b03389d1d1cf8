package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
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
// (pgbench) accepts for database name: the same server and credentials,
// without the parameters only pgx knows (search_path and the like).
func libpqURL(dsn, database string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("pgbench: -postgres is not a postgres:// URL")
	}
	out := url.URL{Scheme: "postgres", User: u.User, Host: u.Host, Path: "/" + database}
	q := url.Values{}
	for _, k := range []string{"sslmode", "sslrootcert", "connect_timeout", "application_name"} {
		if v := u.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	out.RawQuery = q.Encode()
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
