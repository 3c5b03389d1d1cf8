package sqlstore

import (
	"context"
	"testing"
	"time"

	"shequ"
)

// TestPrivilegedAccountsOnlyFromConsole checks the separation of duties at
// its weakest point: no administrator may create, reset, disable, sign out or
// mint a token for another administrator's account, so that the system
// administrator can never act as the auditor. The console can.
func TestPrivilegedAccountsOnlyFromConsole(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		users, tokens, sessions := NewUserService(db), NewTokenService(db), NewSessionService(db)
		sys := mustCreateUser(t, db, "sys", shequ.RoleSysadmin, "330523")
		sec := mustCreateUser(t, db, "sec", shequ.RoleSecadmin, "330523")
		aud := mustCreateUser(t, db, "aud", shequ.RoleAuditor, "330523")
		worker := mustCreateUser(t, db, "worker", shequ.RoleCommunityWorker, "330523001001")
		yes := true
		for _, c := range []struct {
			name  string
			actor *shequ.User
			op    func(ctx context.Context) error
		}{
			{"sysadmin creates an auditor", sys, func(ctx context.Context) error {
				return users.CreateUser(ctx, &shequ.User{Username: "aud2", Role: shequ.RoleAuditor, Scope: "330523"}, testHash)
			}},
			{"sysadmin creates a sysadmin", sys, func(ctx context.Context) error {
				return users.CreateUser(ctx, &shequ.User{Username: "sys2", Role: shequ.RoleSysadmin, Scope: "330523"}, testHash)
			}},
			{"sysadmin resets the auditor's password", sys, func(ctx context.Context) error { return users.SetPassword(ctx, aud.ID, testHash, false) }},
			{"sysadmin mints a token for the auditor", sys, func(ctx context.Context) error {
				_, _, err := tokens.CreateToken(ctx, aud.ID, "x", time.Hour)
				return err
			}},
			{"sysadmin disables the auditor", sys, func(ctx context.Context) error {
				_, err := users.UpdateUser(ctx, aud.ID, shequ.UserUpdate{Disabled: &yes})
				return err
			}},
			{"sysadmin signs the secadmin out", sys, func(ctx context.Context) error {
				_, err := sessions.DeleteUserSessions(ctx, sec.ID)
				return err
			}},
			{"secadmin resets the sysadmin's password", sec, func(ctx context.Context) error { return users.SetPassword(ctx, sys.ID, testHash, false) }},
		} {
			if err := c.op(actorOf(c.actor)); shequ.ErrorCode(err) != shequ.EForbidden {
				t.Errorf("%s: %v, want forbidden", c.name, err)
			}
		}
		// Ordinary accounts stay the sysadmin's to manage, and the
		// administrators' own passwords their own.
		if err := users.SetPassword(actorOf(sys), worker.ID, testHash, true); err != nil {
			t.Errorf("sysadmin resets a worker's password: %v", err)
		}
		if err := users.SetPassword(actorOf(aud), aud.ID, testHash, false); err != nil {
			t.Errorf("auditor changes their own password: %v", err)
		}
		// The console manages every account.
		if err := users.SetPassword(cliContext(), aud.ID, testHash, false); err != nil {
			t.Errorf("console resets the auditor's password: %v", err)
		}
		if _, _, err := tokens.CreateToken(cliContext(), aud.ID, "ops", time.Hour); err != nil {
			t.Errorf("console mints an auditor token: %v", err)
		}
	})
}
