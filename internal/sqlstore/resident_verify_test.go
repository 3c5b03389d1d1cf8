package sqlstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"shequ"
)

// registerVerified registers an account claiming r with phone and verifies
// it at the window as the console: a resident account linked to r, as the
// fixtures of other tests need. u is filled with its stored values.
func registerVerified(t *testing.T, s *ResidentService, r *shequ.Resident, phone string, u *shequ.User) *shequ.Resident {
	t.Helper()
	anon := shequ.WithRequestMeta(context.Background(), shequ.RequestMeta{ClientAddr: "192.0.2.9", RequestID: "register"})
	if err := s.RegisterAccount(anon, string(r.IDNumber), phone, u, testHash); err != nil {
		t.Fatalf("register account: %v", err)
	}
	got, err := s.VerifyAtWindow(cliContext(), r.ID, u.ID)
	if err != nil {
		t.Fatalf("verify account at the window: %v", err)
	}
	u.Scope, u.VerifyState = got.Community, shequ.VerifyWindow
	return got
}

// pendingCtx is the context of a signed-in pending account.
func pendingCtx(u *shequ.User) context.Context {
	ctx := shequ.WithRequestMeta(context.Background(), shequ.RequestMeta{ClientAddr: "192.0.2.9", RequestID: "verify"})
	return shequ.WithActor(ctx, u.Actor())
}

// userRow reads what verification changes of an account.
func userRow(t *testing.T, db *DB, id string) (state, scope string, claimed bool) {
	t.Helper()
	var idx *string
	if err := db.db.QueryRow(db.rebind(`SELECT verify_state, scope, claim_id_idx FROM users WHERE id = ?`), id).
		Scan(&state, &scope, &idx); err != nil {
		t.Fatal(err)
	}
	return state, scope, idx != nil
}

// TestRegisterAccount: self-registration makes a pending account linked to
// nothing, alike whether or not the pair matches a resident (issue 14.6).
func TestRegisterAccount(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		r := mustCreateResident(t, s, &shequ.Resident{Name: "张三", Phone: "13800138000",
			IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "001")), Community: tiaoxiu})
		other := mustCreateResident(t, s, &shequ.Resident{Name: "李四", Phone: "13900139000",
			IDNumber: shequ.IDNumber(idNumber("330523", "19900101", "003")), Community: tiaoxiu})
		anon := shequ.WithRequestMeta(t.Context(), shequ.RequestMeta{ClientAddr: "192.0.2.9", RequestID: "r9"})

		// The right pair (as the form may write it), a wrong phone, the
		// phone of someone else, an unknown number: one answer.
		for i, tc := range [][2]string{
			{strings.ToLower(string(r.IDNumber)), "138-0013-8000"},
			{string(r.IDNumber), "13800138001"},
			{string(r.IDNumber), "13900139000"},
			{idNumber("330523", "19700101", "001"), "13800138000"},
		} {
			u := &shequ.User{Username: "zhangsan" + string(rune('a'+i)), Name: "张三"}
			if err := s.RegisterAccount(anon, tc[0], tc[1], u, "$argon2id$x"); err != nil {
				t.Fatalf("register %d: %v", i, err)
			}
			if u.ID == "" || u.Role != shequ.RoleResident || u.Scope != "" || u.VerifyState != shequ.VerifyPending {
				t.Errorf("registered %d = %+v", i, u)
			}
			state, scope, claimed := userRow(t, db, u.ID)
			if state != shequ.VerifyPending || scope != "" || !claimed {
				t.Errorf("users row %d: %q %q %v", i, state, scope, claimed)
			}
			if n := auditCount(t, db, "resident.register", shequ.AuditAllowed, u.ID); n != 1 {
				t.Errorf("registration %d records = %d", i, n)
			}
		}
		// Nothing is linked, and the records say nothing of a match.
		for _, id := range []string{r.ID, other.ID} {
			got, err := s.FindResidentByID(cliContext(), id, false)
			if err != nil || got.UserID != "" {
				t.Errorf("resident %s linked to %q, %v", id, got.UserID, err)
			}
		}
		var details int
		if err := db.db.QueryRow(db.rebind(`SELECT COUNT(DISTINCT detail) FROM audit_log WHERE action = ?`),
			"resident.register").Scan(&details); err != nil || details != 1 {
			t.Errorf("registration records differ in detail: %d kinds, %v", details, err)
		}
		// The same work whatever the pair: registration never reads the
		// residents (it still works with their table renamed away).
		if _, err := db.db.Exec(`ALTER TABLE residents RENAME TO residents_away`); err != nil {
			t.Fatal(err)
		}
		regErr := s.RegisterAccount(anon, string(r.IDNumber), "13800138000", &shequ.User{Username: "nolookup"}, "$argon2id$x")
		if _, err := db.db.Exec(`ALTER TABLE residents_away RENAME TO residents`); err != nil {
			t.Fatal(err)
		}
		if regErr != nil {
			t.Errorf("registration looked at the residents: %v", regErr)
		}
		err := s.RegisterAccount(anon, "123", "456", &shequ.User{Username: "zhangsan"}, "$argon2id$x")
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || len(e.Fields) != 2 {
			t.Errorf("malformed numbers: %v", err)
		}
		err = s.RegisterAccount(anon, string(other.IDNumber), "13900139000", &shequ.User{Username: "ZhangSanA"}, "$argon2id$x")
		wantError(t, err, shequ.EConflict, "user.username.taken")
	})
}

// TestPendingAccountCanDoNothing: a pending account that gave a right pair
// cannot read the record it claims, nor file anything (the store's check,
// beside the web's gate).
func TestPendingAccountCanDoNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		r := mustCreateResident(t, s, &shequ.Resident{Name: "张三", Phone: "13800138000",
			IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "001")), Community: tiaoxiu,
			Tags: []shequ.Tag{shequ.TagLeftBehindWoman}})
		u := &shequ.User{Username: "zhangsan"}
		if err := s.RegisterAccount(t.Context(), string(r.IDNumber), string(r.Phone), u, testHash); err != nil {
			t.Fatal(err)
		}
		me := pendingCtx(u)
		_, err := s.FindResidentByID(me, r.ID, false)
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		_, _, err = s.FindResidents(me, shequ.ResidentFilter{Community: tiaoxiu})
		wantError(t, err, shequ.EForbidden, "error.forbidden")
		for _, act := range []shequ.Action{shequ.ActionRequestSubmit, shequ.ActionResidentRead, shequ.ActionRequestRead,
			shequ.ActionDelegationWrite, shequ.ActionNeedRaise, shequ.ActionComplaintSubmit} {
			if shequ.ActorFrom(me).Can(act) || shequ.Authorize(shequ.ActorFrom(me), act, nil) == nil {
				t.Errorf("a pending account may %s", act)
			}
		}
	})
}

// TestVerifyCode: the code sent to the phone on record links the account;
// wrong codes, spent codes, sends and a claim matching nobody are refused
// alike and throttled.
func TestVerifyCode(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		clock := testNow
		db.Now = func() time.Time { return clock }
		s := newResidents(t, db)
		r := mustCreateResident(t, s, &shequ.Resident{Name: "张三", Phone: "13800138000",
			IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "001")), Community: tiaoxiu})
		register := func(name, id, phone string) *shequ.User {
			u := &shequ.User{Username: name}
			if err := s.RegisterAccount(t.Context(), id, phone, u, testHash); err != nil {
				t.Fatal(err)
			}
			return u
		}
		u := register("zhangsan", string(r.IDNumber), "13800138000")
		stranger := register("lisi", string(r.IDNumber), "13800138001") // right ID, wrong phone
		me, them := pendingCtx(u), pendingCtx(stranger)

		// A claim matching nobody: a code all the same, sent nowhere.
		vc, err := s.SendVerifyCode(them)
		if err != nil || vc.Phone != "" || len(vc.Code) != shequ.VerifyCodeDigits {
			t.Fatalf("send to no match = %+v, %v", vc, err)
		}
		_, err = s.CheckVerifyCode(them, vc.Code)
		wantError(t, err, shequ.EInvalid, "verify.code_wrong")

		vc, err = s.SendVerifyCode(me)
		if err != nil || vc.Phone != r.Phone || len(vc.Code) != 6 || !vc.ExpiresAt.Equal(clock.Add(shequ.VerifyCodeLife)) {
			t.Fatalf("send = %+v, %v", vc, err)
		}
		var stored string
		if err := db.db.QueryRow(db.rebind(`SELECT code_idx FROM verify_codes WHERE user_id = ?`), u.ID).Scan(&stored); err != nil ||
			strings.Contains(stored, vc.Code) {
			t.Errorf("stored code %q (%v): not a keyed hash", stored, err)
		}
		_, err = s.SendVerifyCode(me)
		wantError(t, err, shequ.ETooManyRequests, "verify.send_wait")

		// Five wrong tries spend the code: the right one is refused after.
		wrongCode := "000000"
		if vc.Code == wrongCode {
			wrongCode = "000001"
		}
		for i := 0; i < shequ.VerifyCodeTries; i++ {
			_, err = s.CheckVerifyCode(me, wrongCode)
			wantError(t, err, shequ.EInvalid, "verify.code_wrong")
		}
		_, err = s.CheckVerifyCode(me, vc.Code)
		wantError(t, err, shequ.EInvalid, "verify.code_wrong")
		if n := auditCount(t, db, "account.verify", shequ.AuditFailed, u.ID); n != shequ.VerifyCodeTries+1 {
			t.Errorf("wrong tries recorded = %d", n)
		}

		// An expired code is refused too.
		clock = clock.Add(shequ.VerifyCodeInterval)
		vc, err = s.SendVerifyCode(me)
		if err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(shequ.VerifyCodeLife + time.Second)
		_, err = s.CheckVerifyCode(me, vc.Code)
		wantError(t, err, shequ.EInvalid, "verify.code_wrong")

		// The right code in time links the account.
		vc, err = s.SendVerifyCode(me)
		if err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(time.Minute)
		got, err := s.CheckVerifyCode(me, " "+vc.Code+" ")
		if err != nil || got.ID != r.ID || got.UserID != u.ID {
			t.Fatalf("check = %+v, %v", got, err)
		}
		if state, scope, claimed := userRow(t, db, u.ID); state != shequ.VerifySMS || scope != tiaoxiu || claimed {
			t.Errorf("verified account: %q %q claimed=%v", state, scope, claimed)
		}
		if n := auditCount(t, db, "account.verify", shequ.AuditAllowed, r.ID); n != 1 {
			t.Errorf("verification records = %d", n)
		}
		events, err := readTimeline(t.Context(), db, objResident, r.ID)
		if err != nil || len(events) != 1 || events[0].Action != "account.verify" || events[0].To != shequ.VerifySMS {
			t.Errorf("timeline = %+v, %v", events, err)
		}
		var codes int
		if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM verify_codes WHERE user_id = ?`), u.ID).Scan(&codes); err != nil || codes != 0 {
			t.Errorf("codes left after verification = %d, %v", codes, err)
		}
		// Verified: the account reads its own record now.
		u.VerifyState, u.Scope = shequ.VerifySMS, tiaoxiu
		if mine, err := s.FindResidentByID(shequ.WithActor(t.Context(), u.Actor()), r.ID, false); err != nil || mine.ID != r.ID {
			t.Errorf("own record after verification: %v", err)
		}
		_, err = s.SendVerifyCode(shequ.WithActor(t.Context(), u.Actor()))
		wantError(t, err, shequ.EConflict, "verify.not_pending")

		// The other claimant can never link the resident now, and its
		// sends stop at five a day.
		for i := 1; i < shequ.VerifyCodeSends; i++ {
			clock = clock.Add(shequ.VerifyCodeInterval)
			if _, err := s.SendVerifyCode(them); err != nil {
				t.Fatalf("send %d: %v", i+1, err)
			}
		}
		clock = clock.Add(shequ.VerifyCodeInterval)
		_, err = s.SendVerifyCode(them)
		wantError(t, err, shequ.ETooManyRequests, "verify.send_limit")
		if ra := shequ.AsError(err).Data["RetryAfter"]; ra == nil || ra.(int) <= 0 {
			t.Errorf("send limit without a wait: %v", ra)
		}
		clock = clock.Add(24 * time.Hour)
		if _, err := s.SendVerifyCode(them); err != nil {
			t.Errorf("send the next day: %v", err)
		}
		_, err = s.SendVerifyCode(cliContext())
		wantError(t, err, shequ.EUnauthorized, "error.unauthorized")
	})
}

// TestVerifyAtWindow: the resident's page lists the accounts claiming it;
// a worker of the community links one after checking the ID card.
func TestVerifyAtWindow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		r := mustCreateResident(t, s, &shequ.Resident{Name: "张三", Phone: "13800138000",
			IDNumber: shequ.IDNumber(idNumber("330523", "19800101", "001")), Community: tiaoxiu})
		other := mustCreateResident(t, s, &shequ.Resident{Name: "李四", Phone: "13900139000",
			IDNumber: shequ.IDNumber(idNumber("330523", "19900101", "003")), Community: tiaoxiu})
		register := func(name, id, phone string) *shequ.User {
			u := &shequ.User{Username: name}
			if err := s.RegisterAccount(t.Context(), id, phone, u, testHash); err != nil {
				t.Fatal(err)
			}
			return u
		}
		same := register("zhangsan", string(r.IDNumber), "13800138000")
		differs := register("zhangsan2", string(r.IDNumber), "13700137000")
		elsewhere := register("lisi", string(other.IDNumber), "13900139000")

		// Only who may verify residents there sees the claims.
		for _, ctx := range []context.Context{asActor(shequ.RoleResident, tiaoxiu), asActor(shequ.RoleOfficial, dipu)} {
			_, err := s.PendingAccounts(ctx, r.ID)
			wantError(t, err, shequ.EForbidden, "error.forbidden")
		}
		_, err := s.PendingAccounts(worker(kangshan), r.ID)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		ps, err := s.PendingAccounts(worker(tiaoxiu), r.ID)
		if err != nil || len(ps) != 2 || ps[0].UserID != same.ID || !ps[0].PhoneMatch || ps[1].UserID != differs.ID || ps[1].PhoneMatch {
			t.Fatalf("pending accounts = %+v, %v", ps, err)
		}

		// Another community's worker, and an account claiming someone
		// else, are refused.
		_, err = s.VerifyAtWindow(worker(kangshan), r.ID, same.ID)
		wantError(t, err, shequ.ENotFound, "error.not_found")
		_, err = s.VerifyAtWindow(worker(tiaoxiu), r.ID, elsewhere.ID)
		wantError(t, err, shequ.ENotFound, "verify.account_not_found")
		_, err = s.VerifyAtWindow(worker(tiaoxiu), r.ID, "not-a-uuid")
		wantError(t, err, shequ.ENotFound, "verify.account_not_found")
		_, err = s.VerifyAtWindow(asActor(shequ.RoleResident, tiaoxiu), r.ID, same.ID)
		wantError(t, err, shequ.EForbidden, "error.forbidden")

		got, err := s.VerifyAtWindow(worker(tiaoxiu), r.ID, same.ID)
		if err != nil || got.UserID != same.ID {
			t.Fatalf("verify at window = %+v, %v", got, err)
		}
		if state, scope, claimed := userRow(t, db, same.ID); state != shequ.VerifyWindow || scope != tiaoxiu || claimed {
			t.Errorf("verified account: %q %q claimed=%v", state, scope, claimed)
		}
		var notes int
		if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?`),
			same.ID, "account_verified").Scan(&notes); err != nil || notes != 1 {
			t.Errorf("notifications to the account = %d, %v", notes, err)
		}
		events, err := readTimeline(t.Context(), db, objResident, r.ID)
		if err != nil || len(events) != 1 || events[0].To != shequ.VerifyWindow || events[0].ActorName == "" {
			t.Errorf("timeline = %+v, %v", events, err)
		}
		if n := auditCount(t, db, "account.verify", shequ.AuditAllowed, r.ID); n != 1 {
			t.Errorf("verification records = %d", n)
		}
		// The resident has an account now: the second claim is refused.
		_, err = s.VerifyAtWindow(worker(tiaoxiu), r.ID, differs.ID)
		wantError(t, err, shequ.EConflict, "verify.resident_linked")
		if state, _, _ := userRow(t, db, differs.ID); state != shequ.VerifyPending {
			t.Errorf("second claimant = %q", state)
		}
	})
}
