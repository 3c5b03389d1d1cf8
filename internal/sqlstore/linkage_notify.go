package sqlstore

import (
	"slices"

	"shequ"
)

// Who is told what of a project besides its designer (issue 13): the
// officials who approve it when it waits for approval, the keepers of the
// organizations that may bid when its call opens, and the designer and the
// approving officials when an objection is lodged during the 公示 period.

// projectNotes adds the notifications of p having just reached its status.
func (s *LinkageService) projectNotes(c *change, p *shequ.Project) error {
	switch p.Status {
	case shequ.ProjectUnderReview:
		officials, err := nearestStaff(c.ctx, s.db, c.tx, shequ.RoleOfficial, p.Community)
		if err != nil {
			return err
		}
		c.notify(officials, "project_under_review", objProject, p.ID, p.Title)
	case shequ.ProjectOpenForBids:
		keepers, err := s.callAudience(c, p)
		if err != nil {
			return err
		}
		c.notes.add(c.ctx, c.now, keepers, "project_call_open", objProject, p.ID, p.Title,
			p.BidDeadline.In(shequ.Shanghai).Format("2006-01-02 15:04"))
	}
	return nil
}

// objectionNotes tells the designer and the approving officials of p that
// an objection was lodged.
func (s *LinkageService) objectionNotes(c *change, p *shequ.Project) error {
	officials, err := nearestStaff(c.ctx, s.db, c.tx, shequ.RoleOfficial, p.Community)
	if err != nil {
		return err
	}
	c.notify(append([]string{p.CreatedBy}, officials...), "objection_lodged", objProject, p.ID, p.Title)
	return nil
}

// callAudience returns the accounts that keep an active organization that
// may bid for p: of a kind the call admits, based in or serving a community
// of p's county, the account's scope covering p's community (so that it
// can open the call).
func (s *LinkageService) callAudience(c *change, p *shequ.Project) ([]string, error) {
	// A prefix range (the index on community), the county's codes.
	county := p.Community[:6]
	rows, err := c.tx.QueryContext(c.ctx, s.db.rebind(`SELECT DISTINCT u.id, u.scope, o.kind FROM social_orgs o
		JOIN social_org_owners w ON w.org_id = o.id JOIN users u ON u.id = w.user_id
		WHERE o.status = 'active' AND NOT u.disabled AND ((o.community >= ? AND o.community < ?)
		OR o.id IN (SELECT org_id FROM social_org_serves WHERE community >= ? AND community < ?))
		ORDER BY u.id`), county, county+":", county, county+":")
	if err != nil {
		return nil, translateError(err, "find organizations for the call")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, scope, kind string
		if err := rows.Scan(&id, &scope, &kind); err != nil {
			return nil, translateError(err, "find organizations for the call")
		}
		if len(p.OrgKinds) > 0 && !slices.Contains(p.OrgKinds, shequ.OrgKind(kind)) {
			continue
		}
		if shequ.IsAncestorOrSelf(scope, p.Community) {
			out = append(out, id)
		}
	}
	return out, translateError(rows.Err(), "find organizations for the call")
}
