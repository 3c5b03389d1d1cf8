package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"shequ"
	"shequ/internal/config"
	"shequ/internal/i18n"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed, or reported bad rows
	exitUsage = 2 // the command line was wrong
)

// errUsage marks command-line mistakes, answered with exit code 2.
var errUsage = errors.New("usage")

// env is what every subcommand receives.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	cat    *i18n.Catalog
	loc    *i18n.Localizer
}

// command is one subcommand.
type command struct {
	name    string
	summary string // catalogue key
	run     func(ctx context.Context, e *env, args []string) error
}

// commands lists the subcommands in the order help shows them.
func commands() []command {
	return []command{
		{"serve", "cli.serve.summary", runServe},
		{"migrate", "cli.migrate.summary", runMigrate},
		{"import", "cli.import.summary", runImport},
		{"user", "cli.user.summary", runUser},
		{"token", "cli.token.summary", runToken},
		{"totp", "cli.totp.summary", runTOTP},
		{"audit", "cli.audit.summary", runAudit},
		{"keys", "cli.keys.summary", runKeys},
		{"backup", "cli.backup.summary", runBackup},
		{"restore", "cli.restore.summary", runRestore},
		{"verify-backup", "cli.verify-backup.summary", runVerifyBackup},
		{"bench", "cli.bench.summary", runBench},
		{"version", "cli.version.summary", runVersion},
		{"help", "cli.help.summary", runHelp},
	}
}

// run dispatches to a subcommand and turns its error into an exit code and a
// message in the configured language.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cat, err := i18n.New()
	if err != nil {
		fmt.Fprintln(stderr, "shequ: load message catalogue:", err)
		return exitError
	}
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, cat: cat, loc: cat.Localizer(langFromEnv(getenv))}
	if len(args) == 0 {
		usage(e, stderr)
		return exitUsage
	}
	name := args[0]
	if name == "-h" || name == "-help" || name == "--help" {
		name = "help"
	}
	for _, c := range commands() {
		if c.name == name {
			err := c.run(ctx, e, args[1:])
			return report(e, err)
		}
	}
	fmt.Fprintln(stderr, e.loc.T("cli.unknown_command", map[string]any{"Name": name}))
	usage(e, stderr)
	return exitUsage
}

// report prints an error and returns the exit code for it.
func report(e *env, err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		return exitUsage
	}
	fmt.Fprintln(e.stderr, "shequ:", e.message(err))
	return exitError
}

// message renders an error for the operator in their language: application
// errors through the catalogue with their fields, anything else as it is
// (the operator is at the console, so the internal cause is theirs to see).
func (e *env) message(err error) string {
	var ae *shequ.Error
	if !errors.As(err, &ae) {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(e.loc.Error(ae))
	for _, f := range ae.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, e.loc.FieldError(f))
	}
	if ae.Err != nil {
		fmt.Fprintf(&b, " (%v)", ae.Err)
	}
	return b.String()
}

// langFromEnv picks the language of command-line output before flags are
// parsed: SHEQU_LANG, else zh-CN.
func langFromEnv(getenv func(string) string) string {
	if l := getenv("SHEQU_LANG"); l != "" {
		return l
	}
	return "zh-CN"
}

// loadConfig reads the environment, binds the subcommand's flags and parses
// args. The language of later messages follows -lang.
func loadConfig(e *env, name string, args []string, bind func(*config.Config, *flag.FlagSet)) (*config.Config, *flag.FlagSet, error) {
	cfg, err := config.FromEnv(e.getenv)
	if err != nil {
		return nil, nil, err
	}
	fs := flag.NewFlagSet("shequ "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	bind(&cfg, fs)
	// A nested subcommand (bench requests) shares its parent's usage text.
	usageKey := "cli." + strings.Fields(name)[0] + ".usage"
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "%s\n\n", e.loc.T(usageKey))
		fs.PrintDefaults()
	}
	// Flags may come before or after the positional arguments
	// (shequ import divisions my.csv -all-or-nothing).
	var positional []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, nil, err
			}
			return nil, nil, errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	_ = fs.Parse(append([]string{"--"}, positional...)) // leaves fs.Args() == positional
	e.loc = e.cat.Localizer(cfg.Lang)
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	return &cfg, fs, nil
}

// usage prints the list of subcommands.
func usage(e *env, w io.Writer) {
	fmt.Fprintln(w, e.loc.T("cli.usage"))
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, e.loc.T(c.summary))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, e.loc.T("cli.usage.more"))
}

// runHelp prints the list of subcommands, or one subcommand's flags.
func runHelp(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		usage(e, e.stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] && c.name != "help" {
			return c.run(ctx, &env{getenv: e.getenv, stdin: e.stdin, stdout: e.stdout, stderr: e.stdout, cat: e.cat, loc: e.loc}, []string{"-h"})
		}
	}
	fmt.Fprintln(e.stderr, e.loc.T("cli.unknown_command", map[string]any{"Name": args[0]}))
	return errUsage
}

// runVersion prints the version, the Go version and the commit when known.
func runVersion(_ context.Context, e *env, args []string) error {
	if len(args) > 0 {
		fmt.Fprintln(e.stderr, e.loc.T("cli.version.usage"))
		return errUsage
	}
	fmt.Fprintf(e.stdout, "shequ %s (%s %s/%s%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, vcsInfo())
	return nil
}

// vcsInfo returns the commit recorded by the Go toolchain, if any.
func vcsInfo() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	kv := map[string]string{}
	for _, s := range bi.Settings {
		kv[s.Key] = s.Value
	}
	rev := kv["vcs.revision"]
	if rev == "" {
		return ""
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if kv["vcs.modified"] == "true" {
		rev += "+dirty"
	}
	return ", commit " + rev
}

// sortedKeys returns the keys of a map in order, for stable output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
