package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEverySubcommandHelp asks every subcommand and nested subcommand for
// -h in both languages: each answers with its usage text from the
// catalogue, never a bare message key (bench requests once printed
// "cli.bench requests.usage").
func TestEverySubcommandHelp(t *testing.T) {
	cases := subcommandCases()
	for _, lang := range []string{"zh-CN", "en"} {
		for _, args := range cases {
			t.Run(lang+"/"+strings.Join(args, "_"), func(t *testing.T) {
				_, stdout, stderr := cli(t, map[string]string{"SHEQU_LANG": lang}, args...)
				out := stdout + stderr
				if strings.TrimSpace(out) == "" {
					t.Fatalf("shequ %s printed nothing", strings.Join(args, " "))
				}
				for _, line := range strings.Split(out, "\n") {
					f := strings.Fields(line)
					if len(f) > 0 && strings.HasPrefix(f[0], "cli.") {
						t.Errorf("shequ %s shows a message key instead of its text: %q", strings.Join(args, " "), line)
					}
				}
			})
		}
	}
}

// TestReadmeDocumentsEveryFlag: every flag a subcommand's -h lists, and
// every SHEQU_ environment variable the program reads, is named in the
// README (a newcomer learns them there).
func TestReadmeDocumentsEveryFlag(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(readme)
	flagLine := regexp.MustCompile(`(?m)^  (-[a-z0-9-]+)`)
	seen := map[string]bool{}
	for _, args := range append(subcommandCases(), []string{"bench", "requests", "-h"}) {
		_, stdout, stderr := cli(t, nil, args...)
		for _, m := range flagLine.FindAllStringSubmatch(stdout+stderr, -1) {
			f := m[1]
			if seen[f] {
				continue
			}
			seen[f] = true
			if !regexp.MustCompile(regexp.QuoteMeta(f) + `\b`).MatchString(doc) {
				t.Errorf("flag %s (shequ %s) is not in the README", f, strings.Join(args[:len(args)-1], " "))
			}
		}
	}
	if len(seen) < 30 {
		t.Fatalf("only %d flags found in the -h outputs: the parsing is wrong", len(seen))
	}
	env := regexp.MustCompile(`"(SHEQU_[A-Z0-9_]+)"`)
	vars := map[string]bool{}
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.Contains(path, "/testenv/") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range env.FindAllStringSubmatch(string(b), -1) {
			vars[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(vars) < 10 {
		t.Fatalf("only %d SHEQU_ variables found in the code: the scan is wrong", len(vars))
	}
	for v := range vars {
		if !strings.Contains(doc, v) {
			t.Errorf("environment variable %s is read by the program but not in the README", v)
		}
	}
}

// subcommandCases are the -h invocations of every subcommand and of the
// nested ones that have flags of their own.
func subcommandCases() [][]string {
	var cases [][]string
	for _, c := range commands() {
		cases = append(cases, []string{c.name, "-h"})
	}
	for _, nested := range [][]string{
		{"bench", "gen"}, {"bench", "indicators"}, {"bench", "coverage"}, {"bench", "requests"},
		{"import", "divisions"}, {"import", "residents"}, {"import", "facilities"}, {"audit", "verify"},
		{"audit", "export"}, {"audit", "prune"}, {"user", "add"}, {"user", "list"}, {"user", "passwd"},
		{"token", "create"}, {"keys", "rotate"}, {"keys", "retire"}, {"totp", "code"},
	} {
		cases = append(cases, append(nested, "-h"))
	}
	return cases
}
