package sqlstore

import (
	"context"

	"shequ"
)

// maxReviewerCandidates bounds the accounts ReviewerCandidates returns.
const maxReviewerCandidates = 1000

// ReviewerCandidates implements shequ.ProjectService: the enabled accounts
// whose role may score bids and whose scope holds the project's community
// (at or above it), what AppointReviewers accepts, for the official who
// appoints to pick from. Only the account fields a picker shows are read.
func (s *LinkageService) ReviewerCandidates(ctx context.Context, projectID string) ([]*shequ.User, error) {
	if err := authorizeResident(ctx, shequ.ActionProjectApprove, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditProjectRead, objProject, clipID(projectID), "")
	}
	p, err := s.loadProject(ctx, s.db.db, projectID)
	if err != nil {
		return nil, err
	}
	if err := shequ.Authorize(shequ.ActorFrom(ctx), shequ.ActionProjectApprove, &shequ.Object{Division: p.Community}); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditProjectRead, objProject, p.ID, p.Community)
	}
	var roles []any
	for _, r := range shequ.Roles {
		if (&shequ.Actor{Role: r}).Can(shequ.ActionReviewScore) {
			roles = append(roles, string(r))
		}
	}
	// The scope is a prefix of the community: substr and length mean the
	// same on both engines.
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, username, name, role, scope FROM users
		WHERE disabled = ? AND role IN (`+placeholders(len(roles))+`) AND substr(?, 1, length(scope)) = scope
		ORDER BY length(scope) DESC, username LIMIT ?`), append(append([]any{false}, roles...), p.Community, maxReviewerCandidates)...)
	if err != nil {
		return nil, translateError(err, "find reviewer candidates")
	}
	defer rows.Close()
	var out []*shequ.User
	for rows.Next() {
		u := &shequ.User{}
		var role string
		if err := rows.Scan(&u.ID, &u.Username, &u.Name, &role, &u.Scope); err != nil {
			return nil, translateError(err, "find reviewer candidates")
		}
		u.Role = shequ.Role(role)
		out = append(out, u)
	}
	return out, translateError(rows.Err(), "find reviewer candidates")
}
