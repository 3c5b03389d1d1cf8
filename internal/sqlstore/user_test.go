package sqlstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"shequ"
)

// testHash stands in for a password hash: the store never looks inside.
const testHash = "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$c29tZWhhc2hzb21laGFzaA"

// mustCreateUser creates an account from the console; its scope and the
// scope's ancestors are added to the division tree when missing (an
// account's scope must name a division).
func mustCreateUser(tb testing.TB, db *DB, username string, role shequ.Role, scope string) *shequ.User {
	tb.Helper()
	ensureDivisions(tb, db, scope)
	u := &shequ.User{Username: username, Name: "张三", Role: role, Scope: scope}
	if err := NewUserService(db).CreateUser(cliContext(), u, testHash); err != nil {
		tb.Fatalf("create user %s: %v", username, err)
	}
	return u
}

// ensureDivisions adds code and its ancestors to the tree when missing,
// named after their codes; stored ones are left as they are.
func ensureDivisions(tb testing.TB, db *DB, code string) {
	tb.Helper()
	if code == "" {
		return
	}
	var missing []*shequ.Division
	for _, c := range append(shequ.AncestorCodes(code), code) {
		var n int
		if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM divisions WHERE code = ?`), c).Scan(&n); err != nil {
			tb.Fatal(err)
		}
		if n == 0 {
			missing = append(missing, divisionsOf([2]string{c, "区划" + c})...)
		}
	}
	if len(missing) > 0 {
		err := NewDivisionService(db).ImportDivisions(context.Background(), missing, shequ.DivisionColumns{Name: true},
			shequ.DivisionImportOptions{Atomic: true})
		if err != nil {
			tb.Fatalf("import scope %s: %v", code, err)
		}
	}
}

// actorOf returns a context signed in as u.
func actorOf(u *shequ.User) context.Context {
	ctx := shequ.WithRequestMeta(context.Background(), shequ.RequestMeta{ClientAddr: "192.0.2.7", RequestID: "r"})
	return shequ.WithActor(ctx, u.Actor())
}

// lastAudit returns the newest audit record.
func lastAudit(t *testing.T, db *DB) *shequ.AuditRecord {
	t.Helper()
	rows, err := db.db.Query(`SELECT ` + auditColumns + ` FROM audit_log ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatal("no audit record")
	}
	r, err := scanAudit(rows)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCreateUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := NewUserService(db)
		u := mustCreateUser(t, db, "ZhangSan", shequ.RoleCommunityWorker, "330523001001")
		if u.ID == "" || !u.CreatedAt.Equal(testNow.Truncate(time.Microsecond)) {
			t.Errorf("created %+v", u)
		}
		rec := lastAudit(t, db)
		if rec.Action != "user.create" || rec.ObjectID != u.ID || rec.ActorName != "cli" || rec.Division != "330523001001" {
			t.Errorf("audit %+v", rec)
		}
		for _, name := range []string{"ZhangSan", "zhangsan", "ZHANGSAN"} {
			got, err := s.FindUserByUsername(context.Background(), name)
			if err != nil || got.ID != u.ID || got.Username != "ZhangSan" || got.Name != "张三" ||
				got.Role != shequ.RoleCommunityWorker || got.LockedUntil != nil || got.Disabled {
				t.Errorf("FindUserByUsername(%s) = %+v, %v", name, got, err)
			}
		}
		if got, err := s.FindUserByID(context.Background(), u.ID); err != nil || got.Username != "ZhangSan" {
			t.Errorf("FindUserByID = %+v, %v", got, err)
		}
		for _, id := range []string{"nope", newUUID7()} {
			if _, err := s.FindUserByID(context.Background(), id); shequ.ErrorCode(err) != shequ.ENotFound {
				t.Errorf("FindUserByID(%s) = %v", id, err)
			}
		}
		if h, err := s.PasswordHash(context.Background(), u.ID); err != nil || h != testHash {
			t.Errorf("PasswordHash = %q, %v", h, err)
		}
		err := s.CreateUser(cliContext(), &shequ.User{Username: "zhangSAN", Role: shequ.RoleOfficial, Scope: "33"}, testHash)
		wantError(t, err, shequ.EConflict, "user.username.taken")
		err = s.CreateUser(cliContext(), &shequ.User{Username: "x", Role: "king", Scope: "3"}, testHash)
		wantError(t, err, shequ.EInvalid, "error.invalid_fields")
		if n, err := s.CountUsers(context.Background(), shequ.RoleCommunityWorker); err != nil || n != 1 {
			t.Errorf("CountUsers = %d, %v", n, err)
		}
		if n, err := s.CountUsers(context.Background(), shequ.RoleSysadmin); err != nil || n != 0 {
			t.Errorf("CountUsers(sysadmin) = %d, %v", n, err)
		}
	})
}

func TestUserAuthorization(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := NewUserService(db)
		admin := mustCreateUser(t, db, "admin523", shequ.RoleSysadmin, "330523")
		sec := mustCreateUser(t, db, "sec523", shequ.RoleSecadmin, "330523")
		worker := mustCreateUser(t, db, "worker523", shequ.RoleCommunityWorker, "330523001001")
		other := mustCreateUser(t, db, "worker522", shequ.RoleCommunityWorker, "330522001001")

		tests := []struct {
			name string
			ctx  context.Context
			u    *shequ.User
			code string
		}{
			{"admin in scope", actorOf(admin), &shequ.User{Username: "new1", Role: shequ.RoleOfficial, Scope: "330523001"}, ""},
			{"admin own scope", actorOf(admin), &shequ.User{Username: "new2", Role: shequ.RoleOfficial, Scope: "330523"}, ""},
			{"admin above scope", actorOf(admin), &shequ.User{Username: "new3", Role: shequ.RoleOfficial, Scope: "3305"}, shequ.ENotFound},
			{"admin other county", actorOf(admin), &shequ.User{Username: "new4", Role: shequ.RoleOfficial, Scope: "330522"}, shequ.ENotFound},
			{"worker", actorOf(worker), &shequ.User{Username: "new5", Role: shequ.RoleOfficial, Scope: "330523001001"}, shequ.EForbidden},
			{"secadmin", actorOf(sec), &shequ.User{Username: "new6", Role: shequ.RoleOfficial, Scope: "330523"}, shequ.EForbidden},
			{"nobody", context.Background(), &shequ.User{Username: "new7", Role: shequ.RoleOfficial, Scope: "330523"}, shequ.EUnauthorized},
		}
		for _, tt := range tests {
			err := s.CreateUser(tt.ctx, tt.u, testHash)
			if shequ.ErrorCode(err) != tt.code {
				t.Errorf("%s: CreateUser = %v, want %q", tt.name, err, tt.code)
			}
			if tt.code != "" {
				if rec := lastAudit(t, db); rec.Action != "user.create" || rec.Result != shequ.AuditDenied {
					t.Errorf("%s: denial not recorded: %+v", tt.name, rec)
				}
			}
		}

		// The admin of 330523 sees the accounts of 330523 only.
		users, total, err := s.FindUsers(actorOf(admin), shequ.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range users {
			names = append(names, u.Username)
		}
		if total != 5 || len(users) != 5 {
			t.Errorf("FindUsers as admin523 = %v (%d)", names, total)
		}
		for _, u := range users {
			if u.ID == other.ID {
				t.Errorf("admin523 sees %s", u.Username)
			}
		}
		role := shequ.RoleCommunityWorker
		if users, total, err := s.FindUsers(cliContext(), shequ.UserFilter{Role: &role}); err != nil || total != 2 || len(users) != 2 {
			t.Errorf("FindUsers(role) from the console = %d, %v", total, err)
		}
		outside := "330522"
		if users, total, err := s.FindUsers(actorOf(admin), shequ.UserFilter{Scope: &outside}); err != nil || total != 0 || len(users) != 0 {
			t.Errorf("FindUsers(330522) as admin523 = %d, %v", total, err)
		}
		if _, _, err := s.FindUsers(actorOf(worker), shequ.UserFilter{}); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("FindUsers as worker = %v", err)
		}

		// Managing an account outside the scope: not found, as a missing one.
		disabled := true
		if _, err := s.UpdateUser(actorOf(admin), other.ID, shequ.UserUpdate{Disabled: &disabled}); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("UpdateUser out of scope = %v", err)
		}
		if err := s.SetPassword(actorOf(admin), other.ID, testHash, true); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("SetPassword out of scope = %v", err)
		}
		// Another user's password: not for a worker; for the security admin.
		if err := s.SetPassword(actorOf(worker), admin.ID, testHash, false); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("SetPassword of another as worker = %v", err)
		}
		if err := s.SetPassword(actorOf(sec), worker.ID, testHash, true); err != nil {
			t.Errorf("SetPassword as secadmin = %v", err)
		}
		name := "李四"
		got, err := s.UpdateUser(actorOf(admin), worker.ID, shequ.UserUpdate{Name: &name, Disabled: &disabled})
		if err != nil || got.Name != "李四" || !got.Disabled {
			t.Fatalf("UpdateUser = %+v, %v", got, err)
		}
		if rec := lastAudit(t, db); rec.Action != "user.disable" || rec.ActorName != "admin523" || rec.ObjectID != worker.ID {
			t.Errorf("audit %+v", rec)
		}
		if got, _ := s.FindUserByID(context.Background(), worker.ID); !got.Disabled || got.Name != "李四" {
			t.Errorf("stored %+v", got)
		}
		if v := mustVerify(t, NewAuditService(db)); v.BadSeq != 0 {
			t.Errorf("VerifyAudit = %+v", v)
		}
	})
}

func TestLockout(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := NewUserService(db)
		u := mustCreateUser(t, db, "wangwu", shequ.RoleCommunityWorker, "330523001001")
		until := testNow.Add(15 * time.Minute).Truncate(time.Microsecond)
		for i := 1; i <= 4; i++ {
			got, err := s.RecordLoginFailure(context.Background(), u.ID, 5, until)
			if err != nil {
				t.Fatal(err)
			}
			if got.FailedLogins != i || got.LockedUntil != nil {
				t.Fatalf("after %d failures: %+v", i, got)
			}
		}
		got, err := s.RecordLoginFailure(context.Background(), u.ID, 5, until)
		if err != nil || got.FailedLogins != 5 || got.LockedUntil == nil || !got.LockedUntil.Equal(until) {
			t.Fatalf("after 5 failures: %+v, %v", got, err)
		}
		if rec := lastAudit(t, db); rec.Action != "user.lock" || rec.ObjectID != u.ID {
			t.Errorf("lock not recorded: %+v", rec)
		}
		// The user changes their password (e.g. after a reset): unlocked.
		if err := s.SetPassword(actorOf(u), u.ID, "$argon2id$new", false); err != nil {
			t.Fatal(err)
		}
		got, _ = s.FindUserByID(context.Background(), u.ID)
		if got.FailedLogins != 0 || got.LockedUntil != nil || got.MustChangePassword {
			t.Errorf("after SetPassword: %+v", got)
		}
		if h, _ := s.PasswordHash(context.Background(), u.ID); h != "$argon2id$new" {
			t.Errorf("hash %q", h)
		}
		// Concurrent failures all count.
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if _, err := s.RecordLoginFailure(context.Background(), u.ID, 0, until); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, _ = s.FindUserByID(context.Background(), u.ID)
		if got.FailedLogins != 10 || got.LockedUntil != nil {
			t.Errorf("after 10 concurrent failures without lockout: %+v", got)
		}
		if err := s.RecordLoginSuccess(context.Background(), u.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = s.FindUserByID(context.Background(), u.ID)
		if got.FailedLogins != 0 {
			t.Errorf("after success: %+v", got)
		}
		if _, err := s.RecordLoginFailure(context.Background(), newUUID7(), 5, until); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("RecordLoginFailure(unknown) = %v", err)
		}
	})
}
