package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"shequ"
)

// cliIn runs the command line with standard input.
func cliIn(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "SHEQU_DATA_DIR" && env[k] == "" {
			return dataDir(t)
		}
		return env[k]
	}
	code := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func TestUserAndTokenCommands(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		db := []string{"-db", dsn}
		// Account scopes name divisions of the tree.
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		must := func(want int, stdin string, args ...string) (string, string) {
			t.Helper()
			code, out, errs := cliIn(t, nil, stdin, append(args, db...)...)
			if code != want {
				t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, want, out, errs)
			}
			return out, errs
		}
		must(exitOK, "correct horse battery staple\n", "user", "add", "-username", "zhangsan", "-password", "-",
			"-role", "community_worker", "-scope", "330523001002", "-name", "张三")
		if _, errs := must(exitError, "", "user", "add", "-username", "lisi", "-password", "password1234", "-role", "official", "-scope", "330523"); !strings.Contains(errs, "常见") && !strings.Contains(errs, "password") {
			t.Errorf("common password: %s", errs)
		}
		if _, errs := must(exitError, "", "user", "add", "-username", "ZhangSan", "-password", "another long passphrase", "-role", "official"); !strings.Contains(errs, "已被使用") {
			t.Errorf("duplicate user: %s", errs)
		}
		if _, errs := must(exitError, "", "user", "add", "-username", "wangwu", "-password", "another long passphrase", "-role", "mayor"); !strings.Contains(errs, "role") {
			t.Errorf("bad role: %s", errs)
		}
		out, _ := must(exitOK, "", "user", "list")
		if !strings.Contains(out, "zhangsan") || !strings.Contains(out, "社区工作者") || !strings.Contains(out, "正常") {
			t.Errorf("user list:\n%s", out)
		}
		must(exitOK, "", "user", "passwd", "zhangsan", "-password", "a brand new passphrase")
		must(exitError, "", "user", "passwd", "nobody", "-password", "a brand new passphrase")

		out, _ = must(exitOK, "", "token", "create", "-username", "zhangsan", "-expires", "1h")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if secret := lines[len(lines)-1]; !strings.HasPrefix(secret, "shq_") || strings.Contains(secret, " ") {
			t.Errorf("the token is not alone on the last line:\n%s", out)
		}
		id := uuidRE.FindString(lines[0])
		if id == "" {
			t.Fatalf("no token id in %q", lines[0])
		}
		must(exitOK, "", "token", "revoke", id)

		must(exitOK, "", "user", "disable", "zhangsan")
		if out, _ := must(exitOK, "", "user", "list"); !strings.Contains(out, "已停用") {
			t.Errorf("disabled user:\n%s", out)
		}
		// Every change above is on the audit trail, and the chain holds.
		if out, _ := must(exitOK, "", "audit", "verify"); !strings.Contains(out, "审计日志完整") {
			t.Errorf("audit verify: %s", out)
		}
		tamper(t, dsn)
		_, errs := must(exitError, "", "audit", "verify")
		if !strings.Contains(errs, "第 2 条") || !strings.Contains(errs, "内容被修改") {
			t.Errorf("tampered audit trail: %s", errs)
		}
	})
}

// tamper changes the second audit record behind the application's back, as
// someone with database access might: the append-only trigger has to go
// first.
func tamper(t *testing.T, dsn string) {
	t.Helper()
	driver := "sqlite"
	if strings.HasPrefix(dsn, "postgres") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	drop := "DROP TRIGGER audit_log_no_update"
	if driver == "pgx" {
		drop += " ON audit_log"
	}
	for _, q := range []string{drop, "UPDATE audit_log SET actor_name = 'nobody' WHERE seq = 2"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// validID makes a valid ID number from 17 digits.
func validID(first17 string) string { return first17 + string(shequ.IDCheckChar(first17)) }

func TestImportResidentsAndKeys(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "shequ.db")
	env := map[string]string{"SHEQU_DATA_DIR": dir}
	if code, out, errs := cliIn(t, env, "", "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("divisions: %d %s%s", code, out, errs)
	}
	a, b := validID("33052319500101001"), validID("33052320120101002")
	bad := writeFile(t, "bad.csv", "姓名,身份证号,手机\n张三,"+a+",13812345678\n李四,110105194912310021,\n")
	code, out, errs := cliIn(t, env, "", "import", "residents", "-community", "330523001002", "-db", dsn, bad)
	if code != exitError || !strings.Contains(errs, "第 3 行") || !strings.Contains(errs, "身份证号") {
		t.Fatalf("bad file: exit %d\n%s%s", code, out, errs)
	}
	good := writeFile(t, "good.csv", "姓名,身份证号,手机,标签\n张三,"+a+",13812345678,低保\n李四,"+b+",13912345678,\n")
	if code, out, errs := cliIn(t, env, "", "import", "residents", "-community", "330523001002", "-db", dsn, good); code != exitOK || !strings.Contains(out, "2") {
		t.Fatalf("good file: exit %d\n%s%s", code, out, errs)
	}
	// Importing the same people again is refused as a whole.
	if code, _, errs := cliIn(t, env, "", "import", "residents", "-community", "330523001002", "-db", dsn, good); code != exitError || !strings.Contains(errs, "身份证号") {
		t.Fatalf("duplicate import: exit %d %s", code, errs)
	}

	// No ID or phone number in clear anywhere in the database files.
	assertNotInFiles(t, dir, a, b, a[:17], "13812345678", "13912345678")

	// Rotation: a new key, everything re-encrypted, the old key retired, and
	// the residents still readable.
	code, out, errs = cliIn(t, env, "", "keys", "rotate", "-retire", "-quiet", "-db", dsn)
	if code != exitOK || !strings.Contains(out, "2") {
		t.Fatalf("keys rotate: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := cliIn(t, env, "", "import", "residents", "-community", "330523001002", "-db", dsn, good); code != exitError || !strings.Contains(errs, "身份证号") {
		t.Fatalf("after rotation the index must still find duplicates: exit %d %s", code, errs)
	}
	if code, out, errs := cliIn(t, env, "", "audit", "verify", "-db", dsn); code != exitOK {
		t.Fatalf("audit verify: %d %s%s", code, out, errs)
	}
}

// assertNotInFiles checks the raw bytes of every file in dir (database, WAL,
// shared memory) for the given strings.
func assertNotInFiles(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "shequ.db") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q in clear", e.Name(), s)
			}
		}
	}
}
