package sqlstore

import (
	"fmt"
	"testing"

	"shequ"
)

// The matrix rows of verified self-registration (issue 14.6): a worker of
// the community verifies a pending account at the window; and every row of
// the matrix refused to a pending account.

func init() { authzOps = append(authzOps, verifyAuthzOps...) }

var verifyAuthzOps = []authzOp{
	{
		// A fresh resident of the column, claimed by a fresh pending
		// account: only the community's worker links them.
		name: "account.verify_window", action: shequ.ActionResidentVerify, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			r := c.fx.residentFor(c.t, map[string]string{colIn: colPeer, colOut: colOut}[c.col], true)
			u := &shequ.User{Username: fmt.Sprintf("claimant%d", c.fx.next())}
			// The fixture's residents have no phone: the window checks
			// the ID card, not the phone.
			if err := c.fx.res.RegisterAccount(cliContext(), string(r.IDNumber), "13812345678", u, testHash); err != nil {
				c.t.Fatal(err)
			}
			if _, err := c.fx.res.PendingAccounts(c.ctx, r.ID); err != nil {
				return err
			}
			got, err := c.fx.res.VerifyAtWindow(c.ctx, r.ID, u.ID)
			if err == nil && got.UserID != u.ID {
				return fmt.Errorf("verified %+v", got)
			}
			return err
		},
	},
}

// TestAuthorizationPendingAccount: a pending account that claims the
// matrix's own resident with the right ID and phone numbers is refused
// every guarded row of the matrix (reading the record it claims, filing a
// request in its name, everything else), and each refusal is audited.
func TestAuthorizationPendingAccount(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := seedAuthz(t, db)
		u := &shequ.User{Username: "pending1"}
		if err := fx.res.RegisterAccount(cliContext(), string(fx.own.IDNumber), string(fx.own.Phone), u, testHash); err != nil {
			t.Fatal(err)
		}
		cases := 0
		for _, op := range authzOps {
			if op.self {
				continue // the account's own password and tokens: no permission involved
			}
			for _, col := range op.cols {
				label := fmt.Sprintf("pending × %s × %s", op.name, col)
				meta := shequ.RequestMeta{ClientAddr: "192.0.2.51", RequestID: "authz " + label}
				ctx := shequ.WithActor(shequ.WithRequestMeta(t.Context(), meta), u.Actor())
				err := op.run(&authzCase{t: t, fx: fx, ctx: ctx, actor: u, col: col})
				cases++
				switch out, ok := authzOutcome(err); {
				case !ok:
					t.Errorf("%s: unexpected error %v", label, err)
				case out != forbidden && out != notFound && out != hidden:
					t.Errorf("%s: a pending account got %v", label, out)
				case out != hidden && auditRows(t, db, meta.RequestID, shequ.AuditDenied) == 0:
					t.Errorf("%s: refused without a denied audit record", label)
				}
			}
		}
		t.Logf("%s: %d cases refused to a pending account", db.Engine(), cases)
	})
}
