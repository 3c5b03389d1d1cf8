package main

import (
	"strings"
	"testing"
)

// TestEverySubcommandHelp asks every subcommand and nested subcommand for
// -h in both languages: each answers with its usage text from the
// catalogue, never a bare message key (bench requests once printed
// "cli.bench requests.usage").
func TestEverySubcommandHelp(t *testing.T) {
	var cases [][]string
	for _, c := range commands() {
		cases = append(cases, []string{c.name, "-h"})
	}
	for _, nested := range [][]string{
		{"bench", "gen"}, {"bench", "indicators"}, {"bench", "coverage"}, {"bench", "requests"},
		{"import", "divisions"}, {"audit", "verify"}, {"user", "add"}, {"token", "create"}, {"keys", "rotate"},
	} {
		cases = append(cases, append(nested, "-h"))
	}
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
