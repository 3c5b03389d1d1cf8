package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"shequ"
)

// UpdateOrg replaces the editable fields of the stored organization named by
// o.ID with those of o, validated as a whole like a new one; CreatedAt is
// kept and o is filled with the stored result. A change of status without a
// new status date dates it from today. Moving the organization to another
// home community needs the write permission in both. An org_member edits
// only an organization they own and may not change its owners (field error
// "org.owners.fixed"). Audited "org.update" with the names of the changed
// fields (never their values); a call that changes nothing writes nothing.
func (s *OrgService) UpdateOrg(ctx context.Context, o *shequ.SocialOrg) error {
	if err := authorizeResident(ctx, shequ.ActionOrgWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditOrgUpdate, objOrg, clipID(o.ID), "")
	}
	now := s.db.now()
	var old *shequ.SocialOrg
	var changed []string
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if old, err = s.loadAuthorizedOrg(ctx, tx, o.ID); err != nil {
			return err
		}
		if err := normalizeOrg(o, now); err != nil {
			return err
		}
		if !slices.Equal(o.OwnerUserIDs, old.OwnerUserIDs) && !isConsole(ctx) &&
			shequ.ActorFrom(ctx).OwnOnly(shequ.ActionOrgWrite) {
			var fe shequ.FieldErrors
			fe.Add("owners", "org.owners.fixed", "Only the keepers of the register change who keeps an organization's profile.", nil)
			return fe.Err()
		}
		switch {
		case o.Status != old.Status && (o.StatusSince == nil || sameDay(o.StatusSince, old.StatusSince)):
			o.StatusSince = dayOf(&now)
		case o.StatusSince == nil:
			o.StatusSince = old.StatusSince
		}
		o.CreatedAt, o.UpdatedAt = old.CreatedAt, old.UpdatedAt
		if changed = orgChanges(old, o); len(changed) == 0 {
			return nil
		}
		if o.Community != old.Community {
			if err := authorizeResident(ctx, shequ.ActionOrgWrite, orgObject(ctx, o)); err != nil {
				return refuse(err, auditOrgUpdate, objOrg, o.ID, o.Community)
			}
		}
		if err := s.checkOrgRefs(ctx, tx, o, newCommunityChecker(s.db)); err != nil {
			return err
		}
		if err := s.checkCreditCode(ctx, tx, o); err != nil {
			return err
		}
		o.UpdatedAt = now
		if err := s.writeOrg(ctx, tx, o, changed); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditOrgUpdate, objOrg, o.ID, o.Community, "fields="+strings.Join(changed, ","))
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	if len(changed) > 0 {
		notifyChange(s.OnChange, append(orgCommunities(old), orgCommunities(o)...))
	}
	return nil
}

// orgChanges names the fields that differ between a and b, with the names
// of the API.
func orgChanges(a, b *shequ.SocialOrg) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("name", a.Name != b.Name)
	add("kind", a.Kind != b.Kind)
	add("community_code", a.Community != b.Community)
	add("serves", !slices.Equal(a.Serves, b.Serves))
	add("legal_status", a.LegalStatus != b.LegalStatus)
	add("credit_code", a.CreditCode != b.CreditCode)
	add("filed_with", a.FiledWith != b.FiledWith)
	add("incubator", a.Incubator != b.Incubator)
	add("founded_on", !sameDay(a.FoundedOn, b.FoundedOn))
	add("leader", a.Leader != b.Leader)
	add("leader_phone", a.LeaderPhone != b.LeaderPhone)
	add("members", a.Members != b.Members)
	add("grade", a.Grade != b.Grade)
	add("graded_on", !sameDay(a.GradedOn, b.GradedOn))
	add("status", a.Status != b.Status)
	add("status_since", !sameDay(a.StatusSince, b.StatusSince))
	add("owners", !slices.Equal(a.OwnerUserIDs, b.OwnerUserIDs))
	return out
}

// writeOrg updates the row of o inside tx, sealing the leader's phone again
// only when it changed, and replaces the changed sets.
func (s *OrgService) writeOrg(ctx context.Context, tx *sql.Tx, o *shequ.SocialOrg, changed []string) error {
	sets := `name = ?, kind = ?, community = ?, legal_status = ?, credit_code = ?, filed_with = ?, incubator = ?,
		founded_on = ?, leader = ?, members = ?, grade = ?, graded_on = ?, status = ?, status_since = ?, updated_at = ?`
	args := []any{o.Name, string(o.Kind), o.Community, string(o.LegalStatus), nullString(string(o.CreditCode)),
		nullString(o.FiledWith), nullString(o.Incubator), dateArg(o.FoundedOn), o.Leader, o.Members, o.Grade,
		dateArg(o.GradedOn), string(o.Status), dateArg(o.StatusSince), s.db.dialect.timeArg(o.UpdatedAt)}
	if slices.Contains(changed, "leader_phone") {
		phone, err := s.sealPhone(o)
		if err != nil {
			return err
		}
		sets, args = sets+`, leader_phone_enc = ?`, append(args, phone)
	}
	if _, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE social_orgs SET `+sets+` WHERE id = ?`), append(args, o.ID)...); err != nil {
		return creditCodeConflict(translateError(err, "update organization"), o)
	}
	if slices.Contains(changed, "serves") {
		if err := replacePairs(ctx, s.db, tx, "social_org_serves", "org_id", "community", o.ID, o.Serves); err != nil {
			return err
		}
	}
	if slices.Contains(changed, "owners") {
		return replacePairs(ctx, s.db, tx, "social_org_owners", "org_id", "user_id", o.ID, o.OwnerUserIDs)
	}
	return nil
}

// loadAuthorizedOrg loads an organization inside a write transaction and
// checks the actor may write it; a missing or forbidden one is refused (and
// audited "org.update") before anything is written.
func (s *OrgService) loadAuthorizedOrg(ctx context.Context, tx *sql.Tx, id string) (*shequ.SocialOrg, error) {
	o, err := s.loadOrg(ctx, tx, id)
	if err != nil {
		if shequ.ErrorCode(err) == shequ.ENotFound {
			return nil, refuse(err, auditOrgUpdate, objOrg, id, "")
		}
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionOrgWrite, orgObject(ctx, o)); err != nil {
		return nil, refuse(err, auditOrgUpdate, objOrg, id, o.Community)
	}
	return o, nil
}

// ImportOrgs creates organizations in one transaction: all of them, or none
// when any row is refused. A refused row answers its own error (field
// errors, duplicate credit code, out of scope) with "Row: n" (1-based index
// into orgs) in its Data and "Row n: " before its message; two rows with one
// credit code answer EConflict "org.import.duplicate" naming both. Each
// organization is audited "org.import" in the same transaction, and OnChange
// hears every community concerned once, after commit.
func (s *OrgService) ImportOrgs(ctx context.Context, orgs []*shequ.SocialOrg) error {
	if err := authorizeResident(ctx, shequ.ActionOrgWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditOrgImport, objOrg, "", "")
	}
	if err := ownOnlyCreate(ctx, shequ.ActionOrgWrite); err != nil {
		return s.db.recordDenied(ctx, err, auditOrgImport, objOrg, "", "")
	}
	now := s.db.now()
	if err := prepareRows(orgs, func(o *shequ.SocialOrg) error { return prepareNewOrg(o, now) },
		func(o *shequ.SocialOrg) string { return string(o.CreditCode) }, "org.import.duplicate", "credit code"); err != nil {
		return err
	}
	cc := newCommunityChecker(s.db) // kept across a retried transaction: an import writes no division
	return writeImport(ctx, s.db, now, orgs, func(c *change, o *shequ.SocialOrg) error {
		if err := authorizeResident(ctx, shequ.ActionOrgWrite, orgObject(ctx, o)); err != nil {
			return refuse(err, auditOrgImport, objOrg, o.ID, o.Community)
		}
		if err := s.insertOrg(ctx, c.tx, o, cc); err != nil {
			return err
		}
		c.touched = append(c.touched, o.Serves...) // orgCommunities
		return nil
	}, func(o *shequ.SocialOrg) (string, string) { return o.ID, o.Community }, auditOrgImport, objOrg, s.OnChange)
}
