package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"shequ"
)

// PostgreSQL backups are logical copies made by PostgreSQL's own client
// programs: pg_dump in its custom format from an exported snapshot, and
// pg_restore into an empty schema. Physical backups with point-in-time
// recovery (pg_basebackup + WAL archiving) are the server's and are
// described in the README.

// pgTool returns the path of one of PostgreSQL's client programs: in dir
// when given, else on PATH.
func pgTool(dir, name string) (string, error) {
	if dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			return "", shequ.Errorf(shequ.EUnavailable, "backup.pg_tool", "%s was not found; install the PostgreSQL client programs or give -pg-bin.", name).
				With(map[string]any{"Tool": name})
		}
		return p, nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", shequ.Errorf(shequ.EUnavailable, "backup.pg_tool", "%s was not found; install the PostgreSQL client programs or give -pg-bin.", name).
			With(map[string]any{"Tool": name})
	}
	return p, nil
}

// pgToolCmd prepares a PostgreSQL client program for the database of dsn:
// the connection URI goes on the command line without its password, which
// goes in PGPASSWORD (the command line is visible to every local user).
func pgToolCmd(ctx context.Context, dir, name, dsn string, args ...string) (*exec.Cmd, string, error) {
	tool, err := pgTool(dir, name)
	if err != nil {
		return nil, "", err
	}
	uri, err := libpqURL(dsn, "")
	if err != nil {
		return nil, "", err
	}
	u, err := url.Parse(uri)
	if err != nil {
		return nil, "", err
	}
	env := os.Environ()
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Env = env
	return cmd, u.String(), nil
}

// runPGTool runs cmd and turns a failure into an error naming the program
// and its last words.
func runPGTool(cmd *exec.Cmd) ([]byte, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[len(msg)-2000:]
		}
		name := filepath.Base(cmd.Path)
		return out, shequ.Errorf(shequ.EUnavailable, "backup.pg_tool_failed", "%s failed: %s", name, msg).
			With(map[string]any{"Tool": name, "Detail": msg})
	}
	return out, nil
}

// pgDump writes the schema of dsn, as of snapshot, to path in pg_dump's
// custom format (compressed, restorable table by table).
func pgDump(ctx context.Context, dir, dsn, schema, snapshot, path string) error {
	args := []string{"--format=custom", "--no-owner", "--no-privileges", "--snapshot=" + snapshot, "--file=" + path}
	if schema != "" && schema != "public" {
		args = append(args, "--schema="+schema)
	}
	cmd, uri, err := pgToolCmd(ctx, dir, "pg_dump", dsn, args...)
	if err != nil {
		return err
	}
	cmd.Args = append(cmd.Args, "--dbname="+uri)
	if _, err := runPGTool(cmd); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

// pgRestoreList returns the table of contents of a dump (pg_restore
// --list), which also proves that pg_restore can read it.
func pgRestoreList(ctx context.Context, dir, path string) ([]string, error) {
	tool, err := pgTool(dir, "pg_restore")
	if err != nil {
		return nil, err
	}
	out, err := runPGTool(exec.CommandContext(ctx, tool, "--list", path))
	if err != nil {
		return nil, err
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, ";") {
			lines = append(lines, l)
		}
	}
	return lines, sc.Err()
}

// pgDumpTables returns the tables whose rows a dump holds (its TABLE DATA
// entries): "<id>; <oid> <oid> TABLE DATA <schema> <table> <owner>".
func pgDumpTables(toc []string) map[string]bool {
	tables := map[string]bool{}
	for _, l := range toc {
		i := strings.Index(l, " TABLE DATA ")
		if i < 0 {
			continue
		}
		if f := strings.Fields(l[i+len(" TABLE DATA "):]); len(f) >= 2 {
			tables[f[1]] = true
		}
	}
	return tables
}

// pgRestore restores a dump into the database of dsn in one transaction,
// stopping at the first error. When the dump's schema exists already (an
// empty one: the caller checked) its CREATE SCHEMA entry is left out.
func pgRestore(ctx context.Context, dir, dsn, path, schema string, schemaExists bool) error {
	args := []string{"--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"}
	if schemaExists {
		toc, err := pgRestoreList(ctx, dir, path)
		if err != nil {
			return err
		}
		var keep []string
		for _, l := range toc {
			if strings.Contains(l, " SCHEMA - "+schema+" ") {
				continue
			}
			keep = append(keep, l)
		}
		list := path + ".list"
		if err := os.WriteFile(list, []byte(strings.Join(keep, "\n")+"\n"), 0o600); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer os.Remove(list)
		args = append(args, "--use-list="+list)
	}
	cmd, uri, err := pgToolCmd(ctx, dir, "pg_restore", dsn, args...)
	if err != nil {
		return err
	}
	cmd.Args = append(cmd.Args, "--dbname="+uri, path)
	_, err = runPGTool(cmd)
	return err
}
