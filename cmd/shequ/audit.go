package main

import (
	"context"
	"flag"
	"fmt"

	"shequ"
)

// runAudit dispatches `shequ audit verify`.
func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(e.stderr, e.loc.T("cli.audit.usage"))
		if len(args) > 0 && isHelpFlag(args[0]) {
			return flag.ErrHelp
		}
		return errUsage
	}
	return withServices(ctx, e, "audit", args[1:], 0, nil, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		// Verification reads the whole trail: it runs as the auditor role,
		// the only one allowed to, on behalf of the operator at the console.
		ctx = shequ.WithActor(ctx, &shequ.Actor{Username: "cli", Role: shequ.RoleAuditor})
		v, err := s.audit.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		if v.BadSeq != 0 {
			return shequ.Errorf(shequ.EConflict, "audit.chain.broken", "The audit trail is broken at record %d (%s); %d records before it are intact.",
				v.BadSeq, v.Reason, v.Checked).With(map[string]any{"Seq": v.BadSeq, "Reason": e.loc.T("audit.reason." + v.Reason), "Checked": v.Checked})
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.audit.intact", map[string]any{"Checked": v.Checked}))
		return nil
	})
}
