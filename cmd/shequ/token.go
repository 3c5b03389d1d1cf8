package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"shequ"
)

// runToken dispatches `shequ token create|revoke`.
func runToken(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "create":
			return runTokenCreate(ctx, e, args[1:])
		case "revoke":
			return runTokenRevoke(ctx, e, args[1:])
		}
	}
	fmt.Fprintln(e.stderr, e.loc.T("cli.token.usage"))
	if len(args) > 0 && isHelpFlag(args[0]) {
		return flag.ErrHelp
	}
	return errUsage
}

// runTokenCreate prints a new API token alone on its last line, so that a
// script can take it with `tail -n 1`.
func runTokenCreate(ctx context.Context, e *env, args []string) error {
	var username, name string
	var expires time.Duration
	return withServices(ctx, e, "token", args, 0, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "the account the token acts as")
		fs.StringVar(&name, "name", "cli", "a name to recognise the token by")
		fs.DurationVar(&expires, "expires", 720*time.Hour, "validity, e.g. 720h; 0 for no expiry")
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		if username == "" || expires < 0 {
			fmt.Fprintln(e.stderr, e.loc.T("cli.token.usage"))
			return errUsage
		}
		u, err := s.users.FindUserByUsername(ctx, username)
		if err != nil {
			return err
		}
		secret, t, err := s.tokens.CreateToken(ctx, u.ID, strings.TrimSpace(name), expires)
		if err != nil {
			return err
		}
		until := e.loc.T("cli.token.no_expiry")
		if t.ExpiresAt != nil {
			until = t.ExpiresAt.In(shequ.Shanghai).Format("2006-01-02 15:04")
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.token.created", map[string]any{"ID": t.ID, "Username": u.Username, "Until": until}))
		fmt.Fprintln(e.stdout, secret)
		return nil
	})
}

func runTokenRevoke(ctx context.Context, e *env, args []string) error {
	return withServices(ctx, e, "token", args, 1, nil, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		if err := s.tokens.RevokeToken(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.token.revoked", map[string]any{"ID": fs.Arg(0)}))
		return nil
	})
}
