package sqlstore

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"shequ"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// useClock makes db's clock settable, starting at testNow.
func useClock(db *DB) *clock {
	c := &clock{t: testNow}
	db.Now = c.now
	return c
}

func TestSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		c := useClock(db)
		s := NewSessionService(db)
		u := mustCreateUser(t, db, "zhaoliu", shequ.RoleCommunityWorker, "330523001001")
		p := shequ.SessionPolicy{Idle: 30 * time.Minute, Absolute: 2 * time.Hour}

		token, sess, err := s.CreateSession(ctx, u.ID, "192.0.2.9", p)
		if err != nil {
			t.Fatal(err)
		}
		if len(token) != 43 || sess.ID != secretHash(token) || strings.Contains(sess.ID, token) ||
			!sess.ExpiresAt.Equal(sess.CreatedAt.Add(2*time.Hour)) {
			t.Fatalf("CreateSession = %q, %+v", token, sess)
		}
		// The table holds the hash, never the token.
		var n int
		if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM sessions WHERE id = ?`), token).Scan(&n); err != nil || n != 0 {
			t.Fatalf("token stored in clear: %d %v", n, err)
		}
		token2, _, err := s.CreateSession(ctx, u.ID, "192.0.2.9", p)
		if err != nil || token2 == token {
			t.Fatalf("second session %q, %v", token2, err)
		}

		// Activity within the idle timeout keeps the session alive, and is
		// written at most once a minute.
		for _, step := range []time.Duration{20 * time.Minute, 20 * time.Minute, 20 * time.Second} {
			c.advance(step)
			got, gu, err := s.FindSession(ctx, token, p)
			if err != nil || gu.ID != u.ID || got.UserID != u.ID || got.ClientAddr != "192.0.2.9" {
				t.Fatalf("FindSession after %v = %+v, %+v, %v", step, got, gu, err)
			}
		}
		var seen time.Time
		if err := db.db.QueryRow(db.rebind(`SELECT last_seen_at FROM sessions WHERE id = ?`), secretHash(token)).
			Scan(scanTime(&seen)); err != nil || !seen.Equal(testNow.Add(40*time.Minute).Truncate(time.Microsecond)) {
			t.Errorf("last_seen_at = %v, %v; want the touch of 20 s ago kept", seen, err)
		}
		// The other session was idle for 40 minutes: ended and deleted.
		if _, _, err := s.FindSession(ctx, token2, p); err == nil {
			t.Fatal("idle session found")
		} else {
			wantError(t, err, shequ.EUnauthorized, "session.expired")
		}
		if err := db.db.QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil || n != 1 {
			t.Errorf("sessions left = %d, %v", n, err)
		}
		// Absolute end (2 h after sign-in), however active: 1 h 40 min now.
		for range 3 {
			c.advance(20 * time.Minute)
			if _, _, err := s.FindSession(ctx, token, p); err != nil {
				t.Fatalf("active session at %v: %v", c.now(), err)
			}
		}
		c.advance(20 * time.Minute)
		_, _, err = s.FindSession(ctx, token, p)
		wantError(t, err, shequ.EUnauthorized, "session.expired")
		_, _, err = s.FindSession(ctx, "not-a-token", p)
		wantError(t, err, shequ.EUnauthorized, "session.expired")

		// Signing out.
		token3, _, _ := s.CreateSession(ctx, u.ID, "", shequ.SessionPolicy{})
		if err := s.DeleteSession(ctx, token3); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSession(ctx, token3); err != nil {
			t.Fatalf("second DeleteSession: %v", err)
		}
		_, _, err = s.FindSession(ctx, token3, p)
		wantError(t, err, shequ.EUnauthorized, "session.expired")

		if _, _, err := s.CreateSession(ctx, newUUID7(), "", p); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("CreateSession(unknown user) = %v", err)
		}
	})
}

func TestDeleteUserSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewSessionService(db)
		admin := mustCreateUser(t, db, "admin523", shequ.RoleSysadmin, "330523")
		u := mustCreateUser(t, db, "sunqi", shequ.RoleCommunityWorker, "330523001001")
		other := mustCreateUser(t, db, "zhouba", shequ.RoleCommunityWorker, "330522001001")
		var tokens []string
		for range 3 {
			tok, _, err := s.CreateSession(ctx, u.ID, "", shequ.SessionPolicy{})
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, tok)
		}
		otherToken, _, _ := s.CreateSession(ctx, other.ID, "", shequ.SessionPolicy{})

		if _, err := s.DeleteUserSessions(actorOf(admin), other.ID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("DeleteUserSessions out of scope = %v", err)
		}
		if _, err := s.DeleteUserSessions(actorOf(other), u.ID); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("DeleteUserSessions of another = %v", err)
		}
		n, err := s.DeleteUserSessions(actorOf(u), u.ID)
		if err != nil || n != 3 {
			t.Fatalf("DeleteUserSessions = %d, %v", n, err)
		}
		if rec := lastAudit(t, db); rec.Action != "session.revoke_all" || rec.Detail != "sessions=3" || rec.ObjectID != u.ID {
			t.Errorf("audit %+v", rec)
		}
		for _, tok := range tokens {
			if _, _, err := s.FindSession(ctx, tok, shequ.SessionPolicy{}); err == nil {
				t.Error("session survived DeleteUserSessions")
			}
		}
		// Disabling an account ends its sessions, and a disabled account's
		// session is refused anyway.
		if _, _, err := s.FindSession(ctx, otherToken, shequ.SessionPolicy{}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.db.Exec(db.rebind(`UPDATE users SET disabled = ? WHERE id = ?`), true, other.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.FindSession(ctx, otherToken, shequ.SessionPolicy{})
		wantError(t, err, shequ.EUnauthorized, "user.disabled")
		tok, _, _ := s.CreateSession(ctx, u.ID, "", shequ.SessionPolicy{})
		disabled := true
		if _, err := NewUserService(db).UpdateUser(actorOf(admin), u.ID, shequ.UserUpdate{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM sessions WHERE id = ?`), secretHash(tok)).Scan(&left); err != nil || left != 0 {
			t.Errorf("sessions of disabled user left: %d, %v", left, err)
		}
	})
}

func TestPruneSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		u := mustCreateUser(t, db, "zhaoliu", shequ.RoleCommunityWorker, "330523001001")
		s := NewSessionService(db)
		p := shequ.SessionPolicy{Idle: time.Hour, Absolute: 2 * time.Hour}
		old, _, err := s.CreateSession(ctx, u.ID, "", p)
		if err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return testNow.Add(time.Hour) }
		live, _, err := s.CreateSession(ctx, u.ID, "", p)
		if err != nil {
			t.Fatal(err)
		}
		// Two hours after the first: it has ended, the second has not.
		db.Now = func() time.Time { return testNow.Add(2 * time.Hour) }
		if n, err := s.PruneSessions(ctx); err != nil || n != 1 {
			t.Fatalf("PruneSessions = %d, %v; want 1", n, err)
		}
		var left []string
		rows, err := db.db.QueryContext(ctx, `SELECT id FROM sessions`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			left = append(left, id)
		}
		if len(left) != 1 || left[0] != secretHash(live) || left[0] == secretHash(old) {
			t.Fatalf("sessions left = %v", left)
		}
	})
}
