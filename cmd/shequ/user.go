package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"shequ"
	"shequ/internal/config"
)

// runUser dispatches `shequ user add|list|disable|enable|passwd|unlock`.
func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(e.stderr, e.loc.T("cli.user.usage"))
		if len(args) > 0 && isHelpFlag(args[0]) {
			return flag.ErrHelp
		}
		return errUsage
	}
	switch args[0] {
	case "add":
		return runUserAdd(ctx, e, args[1:])
	case "list":
		return runUserList(ctx, e, args[1:])
	case "disable":
		return runUserDisable(ctx, e, args[1:])
	case "enable":
		return runUserEnable(ctx, e, args[1:])
	case "passwd":
		return runUserPasswd(ctx, e, args[1:])
	case "unlock":
		return runUserUnlock(ctx, e, args[1:])
	}
	fmt.Fprintln(e.stderr, e.loc.T("cli.user.usage"))
	return errUsage
}

func isHelpFlag(s string) bool { return s == "-h" || s == "-help" || s == "--help" }

// readPassword takes the password from the flag value: "-" reads one line
// of standard input (for scripts); "" prompts twice on a terminal without
// echo; anything else is the password itself.
func (e *env) readPassword(value string) (string, error) {
	switch value {
	case "-":
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", shequ.Errorf(shequ.EInvalid, "cli.password.stdin", "No password on standard input.")
		}
		return strings.TrimRight(line, "\r\n"), nil
	case "":
		f, ok := e.stdin.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return "", shequ.Errorf(shequ.EInvalid, "cli.password.missing", "Give -password, or -password - to read it from standard input.")
		}
		fmt.Fprint(e.stderr, e.loc.T("cli.password.prompt"))
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(e.stderr, e.loc.T("cli.password.again"))
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", shequ.Errorf(shequ.EInvalid, "password.mismatch", "The two passwords differ.")
		}
		return string(a), nil
	}
	return value, nil
}

// withServices parses the flags of a subcommand, checks that it got nargs
// positional arguments (before touching the database), opens the services
// and runs fn.
func withServices(ctx context.Context, e *env, name string, args []string, nargs int, bind func(*flag.FlagSet), fn func(ctx context.Context, s *services, fs *flag.FlagSet) error) error {
	cfg, fs, err := loadConfig(e, name, args, func(c *config.Config, fs *flag.FlagSet) {
		c.BindDB(fs)
		if bind != nil {
			bind(fs)
		}
	})
	if err != nil {
		return err
	}
	if fs.NArg() != nargs {
		fmt.Fprintln(e.stderr, e.loc.T("cli."+name+".usage"))
		return errUsage
	}
	log := newLogger(e.stderr, cfg)
	s, err := openServices(ctx, e.getenv, cfg, migrateIfEmpty, log)
	if err != nil {
		return err
	}
	defer s.Close()
	// A command that may seal personal data holds keys like a server
	// (keywatch.go); `shequ keys` changes them and is no holder.
	if name != "keys" {
		w, err := startKeyWatch(s, log, "shequ "+name, 0, 0)
		if err != nil {
			return err
		}
		defer w.close()
	}
	return fn(cliContext(ctx), s, fs)
}

func runUserAdd(ctx context.Context, e *env, args []string) error {
	var username, password, role, scope, name string
	var mustChange bool
	return withServices(ctx, e, "user", args, 0, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "user name (3–64 letters, digits, . _ -)")
		fs.StringVar(&password, "password", "", "password, or - to read it from standard input (prompted when omitted on a terminal)")
		fs.StringVar(&role, "role", "", "role: resident, community_worker, org_member, social_worker, property_staff, official, auditor, sysadmin, secadmin")
		fs.StringVar(&scope, "scope", "", "division code the account is bound to (empty: the whole country)")
		fs.StringVar(&name, "name", "", "姓名 (optional)")
		fs.BoolVar(&mustChange, "must-change", false, "force a password change at first login")
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		if username == "" || role == "" {
			fmt.Fprintln(e.stderr, e.loc.T("cli.user.usage"))
			return errUsage
		}
		pw, err := e.readPassword(password)
		if err != nil {
			return err
		}
		if err := shequ.ValidatePassword(pw, username); err != nil {
			return err
		}
		hash, err := s.hasher.Hash(pw)
		if err != nil {
			return err
		}
		u := &shequ.User{Username: username, Name: name, Role: shequ.Role(role), Scope: scope, MustChangePassword: mustChange}
		if err := s.users.CreateUser(ctx, u, hash); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.user.added", map[string]any{"Username": u.Username, "Role": e.loc.T("role." + string(u.Role)), "Scope": scopeLabel(e, u.Scope), "ID": u.ID}))
		return nil
	})
}

// scopeLabel shows the whole country for the empty scope.
func scopeLabel(e *env, scope string) string {
	if scope == "" {
		return e.loc.T("divisions.country")
	}
	return scope
}

func runUserList(ctx context.Context, e *env, args []string) error {
	var scope, role string
	return withServices(ctx, e, "user", args, 0, func(fs *flag.FlagSet) {
		fs.StringVar(&scope, "scope", "", "only accounts at or below this division")
		fs.StringVar(&role, "role", "", "only accounts of this role")
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		f := shequ.UserFilter{Limit: 500}
		if scope != "" {
			f.Scope = &scope
		}
		if role != "" {
			r := shequ.Role(role)
			f.Role = &r
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, e.loc.T("cli.user.list.header"))
		for {
			users, total, err := s.users.FindUsers(ctx, f)
			if err != nil {
				return err
			}
			for _, u := range users {
				state := e.loc.T("cli.user.state.active")
				switch {
				case u.Disabled:
					state = e.loc.T("cli.user.state.disabled")
				case u.LockedUntil != nil && u.LockedUntil.After(s.db.Now()):
					state = e.loc.T("cli.user.state.locked", map[string]any{"Until": u.LockedUntil.In(shequ.Shanghai).Format("2006-01-02 15:04")})
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.Name, e.loc.T("role."+string(u.Role)), scopeLabel(e, u.Scope), state)
			}
			f.Offset += len(users)
			if len(users) == 0 || f.Offset >= total {
				break
			}
		}
		return tw.Flush()
	})
}

func runUserDisable(ctx context.Context, e *env, args []string) error {
	return withServices(ctx, e, "user", args, 1, nil, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		u, err := s.users.FindUserByUsername(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		yes := true
		if _, err := s.users.UpdateUser(ctx, u.ID, shequ.UserUpdate{Disabled: &yes}); err != nil {
			return err
		}
		n, err := s.sessions.DeleteUserSessions(ctx, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.user.disabled", map[string]any{"Username": u.Username, "Sessions": n}))
		return nil
	})
}

// runUserEnable serves `shequ user enable NAME`: a disabled account may
// sign in again (its password and lock are as they were).
func runUserEnable(ctx context.Context, e *env, args []string) error {
	return withServices(ctx, e, "user", args, 1, nil, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		u, err := s.users.FindUserByUsername(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		no := false
		if _, err := s.users.UpdateUser(ctx, u.ID, shequ.UserUpdate{Disabled: &no}); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.user.enabled", map[string]any{"Username": u.Username}))
		return nil
	})
}

// runUserUnlock clears an account's failures and lock at the console: the
// only way for the three administrator roles, whose accounts the web's
// unlock refuses.
func runUserUnlock(ctx context.Context, e *env, args []string) error {
	return withServices(ctx, e, "user", args, 1, nil, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		u, err := s.users.FindUserByUsername(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		if err := s.users.RecordLoginSuccess(ctx, u.ID); err != nil {
			return err
		}
		if err := s.audit.RecordAudit(ctx, &shequ.AuditRecord{Action: "user.unlock", ObjectType: "user", ObjectID: u.ID,
			Division: u.Scope, Result: shequ.AuditAllowed}); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.user.unlocked", map[string]any{"Username": u.Username}))
		return nil
	})
}

func runUserPasswd(ctx context.Context, e *env, args []string) error {
	var password string
	var mustChange bool
	return withServices(ctx, e, "user", args, 1, func(fs *flag.FlagSet) {
		fs.StringVar(&password, "password", "", "new password, or - to read it from standard input (prompted when omitted on a terminal)")
		fs.BoolVar(&mustChange, "must-change", false, "force a password change at next login")
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		u, err := s.users.FindUserByUsername(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		pw, err := e.readPassword(password)
		if err != nil {
			return err
		}
		if err := shequ.ValidatePassword(pw, u.Username); err != nil {
			return err
		}
		hash, err := s.hasher.Hash(pw)
		if err != nil {
			return err
		}
		if err := s.users.SetPassword(ctx, u.ID, hash, mustChange); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.user.passwd", map[string]any{"Username": u.Username}))
		return nil
	})
}
