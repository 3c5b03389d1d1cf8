package sqlstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"shequ"
)

// auditTrail returns "action result detail" of the audit records about
// object id, in order.
func auditTrail(t *testing.T, db *DB, id string) []string {
	t.Helper()
	rows, err := db.db.Query(db.rebind(`SELECT action, result, detail FROM audit_log WHERE object_id = ? ORDER BY seq`), id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a, r, d string
		if err := rows.Scan(&a, &r, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimSpace(a+" "+r+" "+d))
	}
	return out
}

func TestTwoFactorStore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		c := useClock(db)
		s := NewTwoFactorService(db, testSealer(t))
		users := NewUserService(db)
		sessions := NewSessionService(db)
		u := mustCreateUser(t, db, "guanyuan", shequ.RoleOfficial, "330523")
		const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

		tf, err := s.TwoFactor(ctx, u.ID)
		if err != nil || tf.Enabled() || tf.Secret != "" || tf.RecoveryLeft != 0 {
			t.Fatalf("new account: %+v %v", tf, err)
		}
		if err := s.EnableTOTP(ctx, u.ID, 5, nil); shequ.ErrorCode(err) != shequ.EConflict {
			t.Errorf("enable without a set-up: %v", err)
		}
		if err := s.StartTOTP(ctx, u.ID, secret); err != nil {
			t.Fatal(err)
		}
		// Sealed: the column holds no trace of the secret.
		var stored string
		if err := db.db.QueryRow(db.rebind(`SELECT totp_secret FROM users WHERE id = ?`), u.ID).Scan(&stored); err != nil ||
			stored == "" || strings.Contains(stored, secret) {
			t.Fatalf("stored secret %q, %v", stored, err)
		}
		// Under another account's binding it does not open (copied rows).
		other := mustCreateUser(t, db, "guanyuan2", shequ.RoleOfficial, "330523")
		if _, err := db.db.Exec(db.rebind(`UPDATE users SET totp_secret = ? WHERE id = ?`), stored, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TwoFactor(ctx, other.ID); err == nil {
			t.Error("a secret copied to another account opened")
		}
		tf, _ = s.TwoFactor(ctx, u.ID)
		if tf.Secret != secret || tf.Enabled() {
			t.Fatalf("set-up in progress: %+v", tf)
		}
		if got, _ := users.FindUserByID(ctx, u.ID); got.TwoFactorOn {
			t.Error("TwoFactorOn before the set-up ended")
		}
		codes := []string{"ABCDE23456", "FGHJK23456", "MNPQR23456"}
		if err := s.EnableTOTP(ctx, u.ID, 100, codes); err != nil {
			t.Fatal(err)
		}
		if got, _ := users.FindUserByID(ctx, u.ID); !got.TwoFactorOn {
			t.Error("TwoFactorOn after the set-up")
		}
		if err := s.StartTOTP(ctx, u.ID, secret); shequ.ErrorCode(err) != shequ.EConflict {
			t.Errorf("a new set-up over an enabled one: %v", err)
		}
		tf, _ = s.TwoFactor(ctx, u.ID)
		if !tf.Enabled() || tf.LastStep != 100 || tf.RecoveryLeft != 3 {
			t.Fatalf("enabled: %+v", tf)
		}
		// Recovery codes are stored as keyed hashes only.
		var n int
		db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM user_recovery_codes WHERE code_idx LIKE ?`), "%ABCDE%").Scan(&n)
		if n != 0 {
			t.Error("a recovery code is stored in clear")
		}

		// Steps: each accepted once, never an earlier one.
		for _, c := range []struct {
			step int64
			want bool
		}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}, {102, false}} {
			if got, err := s.AcceptStep(ctx, u.ID, c.step); err != nil || got != c.want {
				t.Errorf("AcceptStep(%d) = %v, %v; want %v", c.step, got, err, c.want)
			}
		}
		// Recovery codes: any spelling, once each.
		for _, c := range []struct {
			code string
			want bool
		}{{"abcde-23456", true}, {"ABCDE23456", false}, {"ZZZZZ23456", false}, {"short", false}, {"fghjk 23456", true}} {
			if got, err := s.UseRecoveryCode(ctx, u.ID, c.code); err != nil || got != c.want {
				t.Errorf("UseRecoveryCode(%q) = %v, %v; want %v", c.code, got, err, c.want)
			}
		}
		// Another account's code does not work here.
		if got, _ := s.UseRecoveryCode(ctx, other.ID, "MNPQR23456"); got {
			t.Error("a recovery code worked for another account")
		}
		if tf, _ = s.TwoFactor(ctx, u.ID); tf.RecoveryLeft != 1 {
			t.Errorf("recovery codes left: %d", tf.RecoveryLeft)
		}

		// Wrong codes lock the account at the limit, recorded once.
		lockUntil := c.now().Add(15 * time.Minute)
		for i := 1; i <= 3; i++ {
			got, err := s.RecordCodeFailure(ctx, u.ID, 3, lockUntil)
			if err != nil {
				t.Fatal(err)
			}
			locked := got.LockedUntil != nil && got.LockedUntil.After(c.now())
			if locked != (i == 3) {
				t.Errorf("after %d wrong codes locked = %v", i, locked)
			}
		}

		// The security administrator resets it: secret, codes and sessions go.
		if _, _, err := sessions.CreateSession(ctx, u.ID, "192.0.2.1", shequ.SessionPolicy{}); err != nil {
			t.Fatal(err)
		}
		for _, ctx := range []context.Context{asActor(shequ.RoleSysadmin, ""), asActor(shequ.RoleSecadmin, "330521"),
			asActor(shequ.RoleOfficial, "330523"), context.Background()} {
			if err := s.ResetTwoFactor(ctx, u.ID); err == nil {
				t.Errorf("reset by %v allowed", shequ.ActorFrom(ctx))
			}
		}
		if err := s.ResetTwoFactor(asActor(shequ.RoleSecadmin, "330523"), u.ID); err != nil {
			t.Fatal(err)
		}
		tf, _ = s.TwoFactor(ctx, u.ID)
		if tf.Enabled() || tf.Secret != "" || tf.RecoveryLeft != 0 || tf.LastStep != 0 {
			t.Errorf("after reset: %+v", tf)
		}
		db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`), u.ID).Scan(&n)
		if n != 0 {
			t.Errorf("sessions after reset: %d", n)
		}
		// An administrator's account is the console's alone.
		admin := mustCreateUser(t, db, "xitong", shequ.RoleSysadmin, "")
		if err := s.ResetTwoFactor(asActor(shequ.RoleSecadmin, ""), admin.ID); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("secadmin resets the sysadmin: %v", err)
		}
		if err := s.ResetTwoFactor(cliContext(), admin.ID); err != nil {
			t.Errorf("console reset: %v", err)
		}
		want := []string{"totp.enrol allowed recovery_codes=3", "user.lock allowed wrong_codes=3 until=" +
			lockUntil.UTC().Format(time.RFC3339)}
		got := auditTrail(t, db, u.ID)[1:] // after user.create
		if len(got) < 2 || got[0] != want[0] || got[1] != want[1] || got[len(got)-1] != "totp.reset allowed" {
			t.Errorf("audit trail:\n%s", strings.Join(got, "\n"))
		}
		denied := 0
		for _, g := range got {
			if strings.HasPrefix(g, "totp.reset denied") {
				denied++
			}
		}
		if denied != 4 {
			t.Errorf("denied resets recorded: %d of 4\n%s", denied, strings.Join(got, "\n"))
		}
	})
}

// Staged sessions carry their stage, end after StagedSessionLife, and an
// unknown stage is refused.
func TestStagedSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		c := useClock(db)
		s := NewSessionService(db)
		u := mustCreateUser(t, db, "guanyuan", shequ.RoleOfficial, "330523")
		tok, sess, err := s.StageSession(ctx, u.ID, "192.0.2.1", shequ.SessionCodeDue, shequ.SessionPolicy{})
		if err != nil || sess.Stage != shequ.SessionCodeDue || !sess.ExpiresAt.Equal(sess.CreatedAt.Add(shequ.StagedSessionLife)) {
			t.Fatalf("StageSession = %+v, %v", sess, err)
		}
		got, _, err := s.FindSession(ctx, tok, shequ.SessionPolicy{})
		if err != nil || got.Stage != shequ.SessionCodeDue {
			t.Fatalf("FindSession = %+v, %v", got, err)
		}
		if _, _, err := s.StageSession(ctx, u.ID, "192.0.2.1", "", shequ.SessionPolicy{}); err == nil {
			t.Error("a signed-in session through StageSession")
		}
		c.advance(shequ.StagedSessionLife)
		if _, _, err := s.FindSession(ctx, tok, shequ.SessionPolicy{}); shequ.ErrorCode(err) != shequ.EUnauthorized {
			t.Errorf("staged session after its life: %v", err)
		}
		full, _, err := s.CreateSession(ctx, u.ID, "192.0.2.1", shequ.SessionPolicy{})
		if err != nil {
			t.Fatal(err)
		}
		if got, _, err := s.FindSession(ctx, full, shequ.SessionPolicy{}); err != nil || got.Stage != shequ.SessionSignedIn {
			t.Errorf("signed-in session: %+v %v", got, err)
		}
	})
}
