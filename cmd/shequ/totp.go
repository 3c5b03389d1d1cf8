package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"shequ"
	"shequ/internal/demo"
)

// runTOTP dispatches `shequ totp code`.
func runTOTP(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "code" {
		return runTOTPCode(ctx, e, args[1:])
	}
	fmt.Fprintln(e.stderr, e.loc.T("cli.totp.usage"))
	if len(args) > 0 && isHelpFlag(args[0]) {
		return flag.ErrHelp
	}
	return errUsage
}

// errNotDemoTOTP refuses `totp code` for an account that is not a demo
// account set up by -demo: the console must not become a way round a real
// account's second factor.
var errNotDemoTOTP = shequ.Errorf(shequ.EForbidden, "cli.totp.not_demo",
	"Codes are printed only for the demo accounts that -demo set up with their published secrets.")

// runTOTPCode prints the current code of a demo account (`shequ totp code
// -username demo-official`), and how long it stays valid.
func runTOTPCode(ctx context.Context, e *env, args []string) error {
	var username string
	return withServices(ctx, e, "totp", args, 0, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "a demo account with two-factor sign-in, e.g. demo-official")
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		if username == "" {
			fmt.Fprintln(e.stderr, e.loc.T("cli.totp.usage"))
			return errUsage
		}
		u, err := s.users.FindUserByUsername(ctx, username)
		if err != nil {
			return err
		}
		tf, err := s.twoFactor.TwoFactor(ctx, u.ID)
		if err != nil {
			return err
		}
		if !tf.Enabled() || tf.Secret != demo.TOTPSecret(u.Username) {
			return errNotDemoTOTP
		}
		// The wall clock, as the server checks codes and an app makes them.
		now := time.Now()
		code, err := s.otp.Code(tf.Secret, now)
		if err != nil {
			return err
		}
		left := 30 - now.Unix()%30
		fmt.Fprintln(e.stdout, code)
		fmt.Fprintln(e.stderr, e.loc.T("cli.totp.valid", map[string]any{"Seconds": left,
			"Until": now.Add(time.Duration(left) * time.Second).In(shequ.Shanghai).Format("15:04:05")}))
		return nil
	})
}

// runUserReset2FA serves `shequ user reset-2fa NAME`: the console resets
// any account's two-factor sign-in (the administrators' only here), audited
// "totp.reset"; the account sets it up again at its next sign-in.
func runUserReset2FA(ctx context.Context, e *env, args []string) error {
	return withServices(ctx, e, "user", args, 1, nil, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		u, err := s.users.FindUserByUsername(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		if err := s.twoFactor.ResetTwoFactor(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.user.reset_2fa", map[string]any{"Username": u.Username}))
		return nil
	})
}
