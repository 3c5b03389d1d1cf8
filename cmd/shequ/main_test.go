package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to make test schemas

	"shequ/internal/auditseal"
	"shequ/internal/sqlstore"
	"shequ/internal/testenv"
)

// cli runs the command line as a user would and returns its exit code and
// output.
func cli(t testing.TB, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "SHEQU_DATA_DIR" && env[k] == "" {
			return dataDir(t)
		}
		return env[k]
	}
	code = run(context.Background(), args, getenv, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// dataDirs keeps one data folder (key file) per test, so that no test writes
// into the working directory. Parallel tests and their subtests call
// dataDir at once: the map is guarded, and a test's entry goes with its
// folder at cleanup.
var dataDirs = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

func dataDir(t testing.TB) string {
	t.Helper()
	dataDirs.Lock()
	defer dataDirs.Unlock()
	if d, ok := dataDirs.m[t.Name()]; ok {
		return d
	}
	d := t.TempDir()
	dataDirs.m[t.Name()] = d
	name := t.Name()
	t.Cleanup(func() {
		dataDirs.Lock()
		defer dataDirs.Unlock()
		delete(dataDirs.m, name)
	})
	return d
}

// engines runs f once on SQLite and once on PostgreSQL (skipped, or failed
// in strict mode, without a PostgreSQL server), each on a migrated database
// of the test's own: a copy of the one migrated once per test process
// (migratedDB). emptyEngines gives empty databases instead.
func engines(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, migratedSQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		dsn, _ := migratedDB.Postgres(t)
		f(t, dsn)
	})
}

// migratedSQLite returns the path of a copy of the migrated SQLite database
// (migratedDB) in the test's temporary folder, for a test on SQLite alone.
func migratedSQLite(t *testing.T) string {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "data", "shequ.db")
	migratedDB.SQLite(t, dsn)
	return dsn
}

// emptyEngines is engines on empty databases — a new SQLite file, a new
// PostgreSQL schema — for the tests of migrating one (TestMigrate) or of
// what the first command on one does.
func emptyEngines(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, filepath.Join(t.TempDir(), "data", "shequ.db")) })
	t.Run("postgres", func(t *testing.T) { f(t, postgresSchemaDSN(t)) })
}

// migratedDB is the database that `shequ migrate` leaves, made once per test
// process and engine; each engines test starts on a copy of it
// (testenv.DBTemplate). Migrating a fresh SQLite file costs about 3 s of CPU
// under the race detector and a PostgreSQL schema some seconds of the
// server's time, in each of some thirty tests on both engines; a copy, a few
// hundredths of a second on SQLite and a few tenths on PostgreSQL
// (docs/TESTING.md, "Test run time"). The server and every command still
// check the schema on the copy (ensureSchema) and find it current.
var migratedDB = &testenv.DBTemplate{Name: "cmd_migrated", Schema: "t_cmd_migrated",
	Prepare: func(ctx context.Context, _, dsn, _ string) error {
		db, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			return err
		}
		if _, err := db.Migrate(ctx); err != nil {
			db.Close()
			return err
		}
		return db.Close()
	}}

// postgresSchemaDSN creates an empty schema of its own for the test and
// returns a DSN whose search_path points at it; the schema is dropped at
// cleanup.
func postgresSchemaDSN(t *testing.T) string {
	t.Helper()
	base := testenv.PostgresDSN(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_cmd_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openTestDB opens a database the CLI wrote to, for checking its content.
func openTestDB(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// The server of the test keys the audit chain with the audit key file
	// of the test's data folder: writes through this handle extend the
	// chain with the same key.
	if ak, err := auditseal.Load(filepath.Join(dataDir(t), auditseal.KeyFileName), nil); err == nil {
		db.SetAuditKey(ak.HMACKey(), ak.ID())
	}
	return db
}

// countDivisions returns the number of stored divisions over all levels.
func countDivisions(t *testing.T, dsn string) int {
	t.Helper()
	counts, err := sqlstore.NewDivisionService(openTestDB(t, dsn)).CountDivisions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		contains string
	}{
		{nil, exitUsage, "serve"},
		{[]string{"frobnicate"}, exitUsage, "frobnicate"},
		{[]string{"help"}, exitOK, "migrate"},
		{[]string{"help", "import"}, exitOK, "-all-or-nothing"},
		{[]string{"help", "serve"}, exitOK, "-no-migrate"},
		{[]string{"version"}, exitOK, "shequ dev"},
		{[]string{"version", "extra"}, exitUsage, "shequ version"},
		{[]string{"serve", "-no-such-flag"}, exitUsage, "-no-such-flag"},
		{[]string{"import"}, exitUsage, "import divisions"},
		{[]string{"import", "frobs"}, exitUsage, "frobs"},
		{[]string{"import", "residents"}, exitUsage, "import residents"},
		{[]string{"user"}, exitUsage, "user add"},
		{[]string{"user", "disable"}, exitUsage, "user disable"},
		{[]string{"token", "create"}, exitUsage, "token create"},
		{[]string{"token", "revoke"}, exitUsage, "token revoke"},
		{[]string{"audit"}, exitUsage, "audit verify"},
		{[]string{"keys"}, exitUsage, "keys rotate"},
		{[]string{"migrate", "sideways"}, exitUsage, "migrate"},
	}
	// Commands that open a database get a throwaway one.
	dir := t.TempDir()
	env := map[string]string{"SHEQU_DB": filepath.Join(dir, "x.db"), "SHEQU_DATA_DIR": dir}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := cli(t, env, tt.args...)
			if code != tt.code || !strings.Contains(out+errs, tt.contains) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tt.code, tt.contains, out, errs)
			}
		})
	}
}

func TestConfigErrorsAreTranslated(t *testing.T) {
	code, _, errs := cli(t, nil, "serve", "-addr", "nowhere", "-db", filepath.Join(t.TempDir(), "x.db"))
	if code != exitError || !strings.Contains(errs, "主机:端口") {
		t.Errorf("exit %d, stderr %q: want the Chinese message", code, errs)
	}
	code, _, errs = cli(t, map[string]string{"SHEQU_LANG": "en"}, "serve", "-addr", "nowhere")
	if code != exitError || !strings.Contains(errs, "is not host:port") {
		t.Errorf("exit %d, stderr %q: want the English message", code, errs)
	}
	code, _, errs = cli(t, map[string]string{"SHEQU_DEMO": "perhaps"}, "serve")
	if code != exitError || !strings.Contains(errs, "SHEQU_DEMO") {
		t.Errorf("exit %d, stderr %q: want the variable named", code, errs)
	}
}

func TestMigrate(t *testing.T) {
	emptyEngines(t, func(t *testing.T, dsn string) {
		code, out, errs := cli(t, nil, "migrate", "status", "-db", dsn)
		if code != exitOK || !strings.Contains(out, "0001") || !strings.Contains(out, "待执行") {
			t.Fatalf("status on empty: exit %d\n%s%s", code, out, errs)
		}
		if code, out, errs = cli(t, nil, "migrate", "-db", dsn); code != exitOK {
			t.Fatalf("migrate: exit %d\n%s%s", code, out, errs)
		}
		code, out, _ = cli(t, map[string]string{"SHEQU_LANG": "en"}, "migrate", "status", "-db", dsn)
		if code != exitOK || strings.Contains(out, "pending") || !strings.Contains(out, "0001") {
			t.Fatalf("status after up: exit %d\n%s", code, out)
		}
		// A second run is a no-op.
		if code, out, errs = cli(t, nil, "migrate", "up", "-db", dsn); code != exitOK {
			t.Fatalf("migrate again: exit %d\n%s%s", code, out, errs)
		}
	})
}

func TestRefuseNewerSchema(t *testing.T) {
	emptyEngines(t, func(t *testing.T, dsn string) {
		if code, out, errs := cli(t, nil, "migrate", "-db", dsn); code != exitOK {
			t.Fatalf("migrate: %d %s%s", code, out, errs)
		}
		bumpSchema(t, dsn)
		for _, args := range [][]string{
			{"migrate", "-db", dsn},
			{"import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn},
			{"serve", "-addr", "127.0.0.1:0", "-db", dsn},
		} {
			code, _, errs := cli(t, nil, args...)
			if code != exitError || !strings.Contains(errs, "9999") {
				t.Errorf("%v on a newer schema: exit %d, stderr %q", args, code, errs)
			}
		}
	})
}

// bumpSchema records a migration this binary does not know, as a newer
// release of shequ would whose migration contracts (its floor is the new
// version: this binary must not run on it).
func bumpSchema(t *testing.T, dsn string) {
	t.Helper()
	driver, source := "sqlite", dsn
	if strings.HasPrefix(dsn, "postgres") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, TRUE)"); err != nil {
		t.Fatalf("bump schema: %v", err)
	}
	if _, err := db.Exec("UPDATE schema_compat SET floor = 9999"); err != nil {
		t.Fatalf("bump schema: %v", err)
	}
}
