package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgisCoverageQuery counts the communities within the service radius of
// at least one facility, the engine's covered count. use_spheroid=false
// makes PostGIS measure on its sphere (mean radius 6,371,008.77 m, the
// engine's is 6,371,008.8 m) instead of the WGS-84 spheroid, so that both
// answer the same question; on the spheroid a few communities near a radius
// boundary would count differently.
//
// The join is driven from the facilities: ST_DWithin becomes an index
// condition on communities.geog expanded by each facility's own radius, and
// DISTINCT folds the communities that several facilities reach. The shape
// `… WHERE EXISTS (SELECT 1 FROM facilities f WHERE ST_DWithin(c.geog,
// f.geog, f.radius, false))` cannot use the facilities' index, since the
// radius comes from the indexed table itself.
const postgisCoverageQuery = `SELECT count(DISTINCT c.id) FROM %[1]s.facilities f
JOIN %[1]s.communities c ON ST_DWithin(c.geog, f.geog, f.radius, false)`

// postgisCoverage loads the data into a throwaway schema of the PostGIS
// database at dsn (creating the extension if missing), runs the coverage
// query once cold (its first run after the indexes were built) and runs
// times warm, and returns its covered count, the cold time and the warm
// median. The
// schema is dropped afterwards, also on failure.
func postgisCoverage(ctx context.Context, dsn string, d *coverageData, runs int, quiet bool, log *phaseLog) (covered int, cold, dur time.Duration, err error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("bench coverage: connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS postgis`); err != nil {
		return 0, 0, 0, fmt.Errorf("bench coverage: create extension postgis: %w", err)
	}
	var version string
	if err := conn.QueryRow(ctx, `SELECT postgis_lib_version()`).Scan(&version); err != nil {
		return 0, 0, 0, fmt.Errorf("bench coverage: postgis version: %w", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "bench_coverage_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		return 0, 0, 0, fmt.Errorf("bench coverage: create schema: %w", err)
	}
	defer func() {
		// Dropped even when ctx was cancelled (Ctrl-C), within a bound.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, derr := conn.Exec(dctx, `DROP SCHEMA `+schema+` CASCADE`); derr != nil && err == nil {
			err = fmt.Errorf("bench coverage: drop schema %s: %w", schema, derr)
		}
	}()
	log.printf("PostGIS %s: loading into schema %s", version, schema)

	// The geography columns are generated from lat/lng, so that COPY sends
	// plain doubles and PostGIS builds the points itself.
	const geog = `geog geography(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography) STORED`
	for _, ddl := range []string{
		`CREATE TABLE ` + schema + `.communities (id integer PRIMARY KEY, lat double precision NOT NULL, lng double precision NOT NULL, ` + geog + `)`,
		`CREATE TABLE ` + schema + `.facilities (id integer PRIMARY KEY, lat double precision NOT NULL, lng double precision NOT NULL, radius double precision NOT NULL, ` + geog + `)`,
	} {
		if _, err := conn.Exec(ctx, ddl); err != nil {
			return 0, 0, 0, fmt.Errorf("bench coverage: create table: %w", err)
		}
	}
	t0 := time.Now()
	total := int64(len(d.comms) + len(d.facs))
	var bar *progress
	if quiet {
		bar = newProgress(io.Discard, "", "", total, true)
	} else {
		bar = newProgress(log.w, "PostGIS COPY", "rows", total, false)
	}
	i := 0
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{schema, "communities"}, []string{"id", "lat", "lng"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == len(d.comms) {
				return nil, nil
			}
			c := d.comms[i]
			i++
			if i%10_000 == 0 {
				bar.Set(int64(i))
			}
			return []any{int32(i - 1), c.Point.Lat, c.Point.Lng}, nil
		})); err != nil {
		return 0, 0, 0, fmt.Errorf("bench coverage: copy communities: %w", err)
	}
	j := 0
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{schema, "facilities"}, []string{"id", "lat", "lng", "radius"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if j == len(d.facs) {
				return nil, nil
			}
			f := d.facs[j]
			j++
			if j%10_000 == 0 {
				bar.Set(int64(len(d.comms) + j))
			}
			return []any{int32(j - 1), f.Point.Lat, f.Point.Lng, f.Radius}, nil
		})); err != nil {
		return 0, 0, 0, fmt.Errorf("bench coverage: copy facilities: %w", err)
	}
	bar.Done()
	load := time.Since(t0)
	t0 = time.Now()
	for _, q := range []string{
		`CREATE INDEX ON ` + schema + `.communities USING gist (geog)`,
		`CREATE INDEX ON ` + schema + `.facilities USING gist (geog)`,
		`ANALYZE ` + schema + `.communities`,
		`ANALYZE ` + schema + `.facilities`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return 0, 0, 0, fmt.Errorf("bench coverage: %s: %w", q, err)
		}
	}
	log.printf("PostGIS: COPY %.1f s, GiST indexes and ANALYZE %.1f s", load.Seconds(), time.Since(t0).Seconds())

	q := fmt.Sprintf(postgisCoverageQuery, schema)
	t0 = time.Now()
	if err := conn.QueryRow(ctx, q).Scan(&covered); err != nil {
		return 0, 0, 0, fmt.Errorf("bench coverage: PostGIS coverage query: %w", err)
	}
	cold = time.Since(t0)
	var qerr error
	dur = medianOf(runs, func() {
		if qerr == nil {
			qerr = conn.QueryRow(ctx, q).Scan(&covered)
		}
	})
	if qerr != nil {
		return 0, 0, 0, fmt.Errorf("bench coverage: PostGIS coverage query: %w", qerr)
	}
	log.printf("PostGIS: coverage query cold %.2f ms, warm %.2f ms (median of %d): %s covered", msf(cold), msf(dur), runs, groupDigits(int64(covered)))
	return covered, cold, dur, nil
}
