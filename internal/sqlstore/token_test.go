package sqlstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"shequ"
)

func TestTokens(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		c := useClock(db)
		s := NewTokenService(db)
		admin := mustCreateUser(t, db, "admin523", shequ.RoleSysadmin, "330523")
		u := mustCreateUser(t, db, "apiuser", shequ.RoleCommunityWorker, "330523001001")
		other := mustCreateUser(t, db, "apiuser522", shequ.RoleCommunityWorker, "330522001001")

		forever, tf, err := s.CreateToken(cliContext(), u.ID, "导入脚本", 0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(forever, "shq_") || len(forever) != 47 || tf.ExpiresAt != nil || tf.Name != "导入脚本" {
			t.Fatalf("CreateToken = %q, %+v", forever, tf)
		}
		if rec := lastAudit(t, db); rec.Action != "token.create" || rec.ObjectID != tf.ID || rec.ActorName != "cli" ||
			strings.Contains(rec.Detail, forever) {
			t.Errorf("audit %+v", rec)
		}
		daily, td, err := s.CreateToken(actorOf(u), u.ID, "daily", 24*time.Hour)
		if err != nil || td.ExpiresAt == nil || !td.ExpiresAt.Equal(td.CreatedAt.Add(24*time.Hour)) {
			t.Fatalf("CreateToken(24h) = %+v, %v", td, err)
		}
		revoked, tr, err := s.CreateToken(actorOf(admin), u.ID, "old", 0)
		if err != nil {
			t.Fatal(err)
		}

		// Who may make tokens for whom.
		if _, _, err := s.CreateToken(actorOf(admin), other.ID, "x", 0); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("CreateToken out of scope = %v", err)
		}
		if _, _, err := s.CreateToken(actorOf(other), u.ID, "x", 0); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("CreateToken for another = %v", err)
		}
		if err := s.RevokeToken(actorOf(other), tr.ID); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("RevokeToken of another = %v", err)
		}
		if err := s.RevokeToken(actorOf(admin), tr.ID); err != nil {
			t.Fatal(err)
		}
		if rec := lastAudit(t, db); rec.Action != "token.revoke" || rec.ObjectID != tr.ID || rec.ActorName != "admin523" {
			t.Errorf("audit %+v", rec)
		}
		if err := s.RevokeToken(actorOf(admin), tr.ID); err != nil {
			t.Errorf("second RevokeToken = %v", err)
		}
		for _, id := range []string{"x", newUUID7()} {
			if err := s.RevokeToken(actorOf(admin), id); shequ.ErrorCode(err) != shequ.ENotFound {
				t.Errorf("RevokeToken(%s) = %v", id, err)
			}
		}

		c.advance(25 * time.Hour)
		tests := []struct {
			name   string
			secret string
			ok     bool
		}{
			{"valid", forever, true},
			{"expired", daily, false},
			{"revoked", revoked, false},
			{"unknown", "shq_" + randomSecret(), false},
			{"no prefix", strings.TrimPrefix(forever, "shq_"), false},
			{"empty", "", false},
			{"huge", "shq_" + strings.Repeat("a", 10000), false},
		}
		for _, tt := range tests {
			gu, gt, err := s.FindTokenUser(ctx, tt.secret)
			if tt.ok {
				if err != nil || gu.ID != u.ID || gt.ID != tf.ID || gt.LastUsedAt == nil {
					t.Errorf("%s: FindTokenUser = %+v, %+v, %v", tt.name, gu, gt, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s: accepted", tt.name)
				continue
			}
			wantError(t, err, shequ.EUnauthorized, "token.invalid")
		}

		list, err := s.FindTokens(actorOf(u), u.ID)
		if err != nil || len(list) != 3 {
			t.Fatalf("FindTokens = %v, %v", list, err)
		}
		byID := map[string]*shequ.APIToken{}
		for _, x := range list {
			byID[x.ID] = x
		}
		if byID[tr.ID].RevokedAt == nil || byID[tf.ID].LastUsedAt == nil || byID[td.ID].ExpiresAt == nil {
			t.Errorf("FindTokens = %+v %+v %+v", byID[tr.ID], byID[tf.ID], byID[td.ID])
		}
		if _, err := s.FindTokens(actorOf(other), u.ID); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("FindTokens of another = %v", err)
		}

		// A disabled account's tokens stop working.
		disabled := true
		if _, err := NewUserService(db).UpdateUser(actorOf(admin), u.ID, shequ.UserUpdate{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.FindTokenUser(ctx, forever)
		wantError(t, err, shequ.EUnauthorized, "token.invalid")
		if v := mustVerify(t, NewAuditService(db)); v.BadSeq != 0 {
			t.Errorf("VerifyAudit = %+v", v)
		}
	})
}
