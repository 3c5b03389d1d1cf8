package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"

	"shequ"
)

// Audited actions of bids and reviews.
const (
	auditBidSubmit   = "bid.submit"
	auditBidWithdraw = "bid.withdraw"
	auditReview      = "review.submit"
)

const bidColumns = `b.id, b.project_id, b.org_id, o.name, b.plan, b.price_fen, b.experience, b.status, b.submitted_by,
	b.submitted_at, b.updated_at`

// loadBids reads bids (with their teams) matching a condition on b.
func (s *LinkageService) loadBids(ctx context.Context, q querier, cond string, args ...any) ([]*shequ.Bid, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT `+bidColumns+` FROM bids b JOIN social_orgs o ON o.id = b.org_id
		WHERE `+cond+` ORDER BY b.submitted_at, b.id`), args...)
	if err != nil {
		return nil, translateError(err, "find bids")
	}
	defer rows.Close()
	var out []*shequ.Bid
	byID := map[string]*shequ.Bid{}
	var ids []any
	for rows.Next() {
		b := &shequ.Bid{}
		var st string
		if err := rows.Scan(&b.ID, &b.ProjectID, &b.OrgID, &b.OrgName, &b.Plan, &b.PriceFen, &b.Experience, &st,
			&b.SubmittedBy, scanTime(&b.SubmittedAt), scanTime(&b.UpdatedAt)); err != nil {
			return nil, translateError(err, "find bids")
		}
		b.Status = shequ.BidStatus(st)
		out = append(out, b)
		byID[b.ID] = b
		ids = append(ids, b.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "find bids")
	}
	rows.Close()
	err = loadPairs(ctx, s.db, q, "bid_team", "bid_id", "worker_id", ids, func(id, v string) {
		byID[id].Team = append(byID[id].Team, v)
	})
	return out, err
}

// setBidStatus moves a bid, with its event and a notice to its submitter.
func (s *LinkageService) setBidStatus(c *change, p *shequ.Project, b *shequ.Bid, to shequ.BidStatus) error {
	if err := b.CanTransition(to); err != nil {
		return err
	}
	_, err := c.tx.ExecContext(c.ctx, s.db.rebind(`UPDATE bids SET status = ?, updated_at = ? WHERE id = ?`),
		string(to), s.db.dialect.timeArg(c.now), b.ID)
	if err != nil {
		return translateError(err, "update bid")
	}
	c.event(objBid, b.ID, p.Community, "bid.transition", string(b.Status), string(to), "")
	if to == shequ.BidWon || to == shequ.BidLost {
		c.notify([]string{b.SubmittedBy}, "bid_"+string(to), objProject, p.ID, p.Title)
	}
	b.Status = to
	return nil
}

// ownsOrg reports whether the actor of ctx keeps the organization's profile
// (console work owns everything).
func (s *LinkageService) ownsOrg(ctx context.Context, q querier, orgID string) (bool, error) {
	if isConsole(ctx) {
		return true, nil
	}
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM social_org_owners WHERE org_id = ? AND user_id = ?`),
		orgID, a.UserID).Scan(&n)
	return n > 0, translateError(err, "check organization owner")
}

// SubmitBid implements shequ.BidService. The deadline is checked inside the
// transaction against the workflow clock: a bid racing the deadline is
// stored whole before it or refused after it, never half-stored.
func (s *LinkageService) SubmitBid(ctx context.Context, b *shequ.Bid) error {
	if err := authorizeResident(ctx, shequ.ActionBidSubmit, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditBidSubmit, objBid, "", "")
	}
	return s.write(ctx, auditBidSubmit, objBid, func(c *change) (string, string, error) {
		p, err := s.loadProject(ctx, c.tx, b.ProjectID)
		if err != nil || !p.Public() {
			return "", "", refuse(shequ.ErrNotFound, auditBidSubmit, objProject, b.ProjectID, "")
		}
		if err := authorizeIn(ctx, shequ.ActionBidSubmit, p.Community, auditBidSubmit, objProject, p.ID); err != nil {
			return "", "", err
		}
		if p.Status != shequ.ProjectOpenForBids || !c.now.Before(p.BidDeadline) {
			return "", "", shequ.Errorf(shequ.EConflict, "bid.closed", "The call is closed: bids are taken before the deadline only.")
		}
		if err := b.Validate(p); err != nil {
			return "", "", err
		}
		if err := s.checkBidder(c, p, b); err != nil {
			return "", "", err
		}
		var old []*shequ.Bid
		if old, err = s.loadBids(ctx, c.tx, `b.project_id = ? AND b.org_id = ?`, p.ID, b.OrgID); err != nil {
			return "", "", err
		}
		ts := s.db.dialect.timeArg(c.now)
		switch {
		case len(old) == 0:
			b.ID, b.Status, b.SubmittedBy, b.SubmittedAt, b.UpdatedAt = newUUID7(), shequ.BidSubmitted, actorID(ctx), c.now, c.now
			_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO bids (id, project_id, org_id, plan, price_fen,
				experience, status, submitted_by, submitted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				b.ID, p.ID, b.OrgID, b.Plan, b.PriceFen, b.Experience, string(b.Status), b.SubmittedBy, ts, ts)
			if err != nil {
				return "", "", translateError(err, "submit bid")
			}
			c.event(objBid, b.ID, p.Community, auditBidSubmit, "", string(b.Status), "")
		case old[0].Status == shequ.BidSubmitted:
			// An edit before the deadline keeps the first submission time,
			// which breaks ties.
			b.ID, b.Status, b.SubmittedBy, b.SubmittedAt, b.UpdatedAt = old[0].ID, old[0].Status, old[0].SubmittedBy, old[0].SubmittedAt, c.now
			_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE bids SET plan = ?, price_fen = ?, experience = ?, updated_at = ?
				WHERE id = ?`), b.Plan, b.PriceFen, b.Experience, ts, b.ID)
			if err != nil {
				return "", "", translateError(err, "update bid")
			}
			c.event(objBid, b.ID, p.Community, "bid.edit", "", "", "")
		default:
			return "", "", shequ.Errorf(shequ.EConflict, "bid.exists", "This organization's bid is %s; it cannot be submitted again.", old[0].Status).
				With(map[string]any{"From": old[0].Status.Label()})
		}
		if err := replacePairs(ctx, s.db, c.tx, "bid_team", "bid_id", "worker_id", b.ID, b.Team); err != nil {
			return "", "", err
		}
		b.OrgName = ""
		return b.ID, p.Community, nil
	})
}

// checkBidder checks the organization (the actor's, active, of a kind the
// call admits) and the team (its social workers, certified if required).
func (s *LinkageService) checkBidder(c *change, p *shequ.Project, b *shequ.Bid) error {
	ctx := c.ctx
	var kind, status string
	if !validID(b.OrgID) {
		return fieldError("org_id", "bid.org.invalid", "Bid for an active organization you keep.")
	}
	err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT kind, status FROM social_orgs WHERE id = ?`), b.OrgID).Scan(&kind, &status)
	if err != nil {
		return fieldError("org_id", "bid.org.invalid", "Bid for an active organization you keep.")
	}
	own, err := s.ownsOrg(ctx, c.tx, b.OrgID)
	if err != nil {
		return err
	}
	if !own || status != string(shequ.OrgActive) {
		return fieldError("org_id", "bid.org.invalid", "Bid for an active organization you keep.")
	}
	if len(p.OrgKinds) > 0 && !slices.Contains(p.OrgKinds, shequ.OrgKind(kind)) {
		return fieldError("org_id", "bid.org.kind", "This call does not admit organizations of this kind.")
	}
	certified := false
	for _, w := range b.Team {
		var employer sql.NullString
		var qual string
		if !validID(w) {
			return fieldError("team", "bid.team.member", "Every team member is a social worker of the register employed by the organization.")
		}
		err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT employer_org_id, qualification FROM social_workers WHERE id = ?`), w).
			Scan(&employer, &qual)
		if err != nil || employer.String != b.OrgID {
			return fieldError("team", "bid.team.member", "Every team member is a social worker of the register employed by the organization.")
		}
		certified = certified || shequ.Qualification(qual).Certified()
	}
	if p.RequireCertified && !certified {
		return fieldError("team", "bid.team.certified", "This call needs at least one certified social worker in the team.")
	}
	return nil
}

// WithdrawBid implements shequ.BidService: before the deadline only.
func (s *LinkageService) WithdrawBid(ctx context.Context, bidID string) (*shequ.Bid, error) {
	if err := authorizeResident(ctx, shequ.ActionBidSubmit, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditBidWithdraw, objBid, clipID(bidID), "")
	}
	var b *shequ.Bid
	err := s.write(ctx, auditBidWithdraw, objBid, func(c *change) (string, string, error) {
		if !validID(bidID) {
			return "", "", refuse(shequ.ErrNotFound, auditBidWithdraw, objBid, bidID, "")
		}
		bids, err := s.loadBids(ctx, c.tx, `b.id = ?`, bidID)
		if err != nil {
			return "", "", err
		}
		if len(bids) == 0 {
			return "", "", refuse(shequ.ErrNotFound, auditBidWithdraw, objBid, bidID, "")
		}
		b = bids[0]
		p, err := s.loadProject(ctx, c.tx, b.ProjectID)
		if err != nil {
			return "", "", err
		}
		own, err := s.ownsOrg(ctx, c.tx, b.OrgID)
		if err != nil {
			return "", "", err
		}
		if !own {
			return "", "", refuse(shequ.ErrNotFound, auditBidWithdraw, objBid, bidID, p.Community)
		}
		if p.Status != shequ.ProjectOpenForBids || !c.now.Before(p.BidDeadline) {
			return "", "", shequ.Errorf(shequ.EConflict, "bid.closed", "The call is closed: bids are taken before the deadline only.")
		}
		if err := s.setBidStatus(c, p, b, shequ.BidWithdrawn); err != nil {
			return "", "", err
		}
		return b.ID, p.Community, nil
	})
	return b, err
}

// mayReadBids reports whether the actor sees every bid of p: console,
// officials and designers in scope, the appointed reviewers, and anyone who
// may read the project once it is awarded (the ranking is public).
func (s *LinkageService) mayReadBids(ctx context.Context, p *shequ.Project) bool {
	if isConsole(ctx) {
		return true
	}
	a := shequ.ActorFrom(ctx)
	switch {
	case p.Status == shequ.ProjectAwarded || p.Status == shequ.ProjectInProgress ||
		p.Status == shequ.ProjectFinalEvaluation || p.Status == shequ.ProjectClosed:
		return true
	case a == nil:
		return false
	case a.Can(shequ.ActionProjectApprove) || a.Can(shequ.ActionProjectDesign) && a.Role == shequ.RoleCommunityWorker:
		return true
	}
	return slices.Contains(p.Reviewers, a.UserID)
}

// FindBidByID implements shequ.BidService.
func (s *LinkageService) FindBidByID(ctx context.Context, id string) (*shequ.Bid, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	bids, err := s.loadBids(ctx, s.db.db, `b.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(bids) == 0 {
		return nil, shequ.ErrNotFound
	}
	b := bids[0]
	p, err := s.readableProject(ctx, b.ProjectID)
	if err != nil {
		return nil, err
	}
	if !s.mayReadBids(ctx, p) {
		if own, err := s.ownsOrg(ctx, s.db.db, b.OrgID); err != nil || !own {
			return nil, shequ.ErrNotFound
		}
	}
	return b, nil
}

// FindBids implements shequ.BidService.
func (s *LinkageService) FindBids(ctx context.Context, projectID string) ([]*shequ.Bid, error) {
	p, err := s.readableProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	bids, err := s.loadBids(ctx, s.db.db, `b.project_id = ?`, p.ID)
	if err != nil || s.mayReadBids(ctx, p) {
		return bids, err
	}
	var own []*shequ.Bid
	for _, b := range bids {
		if ok, err := s.ownsOrg(ctx, s.db.db, b.OrgID); err != nil {
			return nil, err
		} else if ok {
			own = append(own, b)
		}
	}
	return own, nil
}

// loadReviews reads the reviews of a project.
func (s *LinkageService) loadReviews(ctx context.Context, q querier, projectID string) ([]*shequ.Review, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT id, project_id, bid_id, reviewer_id, scores, total, created_at
		FROM reviews WHERE project_id = ? ORDER BY created_at, id`), projectID)
	if err != nil {
		return nil, translateError(err, "find reviews")
	}
	defer rows.Close()
	var out []*shequ.Review
	for rows.Next() {
		r := &shequ.Review{}
		var scores string
		if err := rows.Scan(&r.ID, &r.ProjectID, &r.BidID, &r.ReviewerID, &scores, &r.Total, scanTime(&r.CreatedAt)); err != nil {
			return nil, translateError(err, "find reviews")
		}
		if err := json.Unmarshal([]byte(scores), &r.Scores); err != nil {
			return nil, translateError(err, "find reviews")
		}
		out = append(out, r)
	}
	return out, translateError(rows.Err(), "find reviews")
}

// conflicted reports whether a reviewer is tied to the bidding
// organization: keeps its profile, or is one of its social workers.
func (s *LinkageService) conflicted(ctx context.Context, q querier, userID string, b *shequ.Bid) (bool, error) {
	if !validID(userID) {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT (SELECT COUNT(*) FROM social_org_owners WHERE org_id = ? AND user_id = ?)
		+ (SELECT COUNT(*) FROM social_workers WHERE user_id = ? AND (employer_org_id = ?
		   OR id IN (SELECT worker_id FROM bid_team WHERE bid_id = ?)))`), b.OrgID, userID, userID, b.OrgID, b.ID).Scan(&n)
	return n > 0, translateError(err, "check conflict of interest")
}

// SubmitReview implements shequ.BidService: an appointed reviewer without
// a conflict of interest scores a shortlisted bid once, while the project is
// in review. A refused conflict is recorded on the bid's timeline.
func (s *LinkageService) SubmitReview(ctx context.Context, r *shequ.Review) error {
	if err := authorizeResident(ctx, shequ.ActionReviewScore, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditReview, objReview, "", "")
	}
	var conflict *change
	err := s.write(ctx, auditReview, objReview, func(c *change) (string, string, error) {
		p, err := s.loadProject(ctx, c.tx, r.ProjectID)
		if err != nil {
			return "", "", refuse(err, auditReview, objProject, r.ProjectID, "")
		}
		if err := authorizeIn(ctx, shequ.ActionReviewScore, p.Community, auditReview, objProject, p.ID); err != nil {
			return "", "", err
		}
		me := actorID(ctx)
		if !isConsole(ctx) && !slices.Contains(p.Reviewers, me) {
			return "", "", refuse(shequ.Errorf(shequ.EForbidden, "review.not_reviewer", "Only the appointed reviewers score this call."),
				auditReview, objProject, p.ID, p.Community)
		}
		if p.Status != shequ.ProjectBidReview {
			return "", "", shequ.Errorf(shequ.EConflict, "review.state", "Bids are scored while the project is in review; it is %s.", p.Status).
				With(map[string]any{"From": p.Status.Label()})
		}
		if !validID(r.BidID) {
			return "", "", fieldError("bid_id", "review.bid.invalid", "Score a shortlisted bid of this project.")
		}
		bids, err := s.loadBids(ctx, c.tx, `b.id = ? AND b.project_id = ?`, r.BidID, p.ID)
		if err != nil {
			return "", "", err
		}
		if len(bids) == 0 || bids[0].Status != shequ.BidShortlisted {
			return "", "", fieldError("bid_id", "review.bid.invalid", "Score a shortlisted bid of this project.")
		}
		if bad, err := s.conflicted(ctx, c.tx, me, bids[0]); isConsole(ctx) {
			// The console is nobody's reviewer.
		} else if err != nil {
			return "", "", err
		} else if bad {
			conflict = &change{db: s.db, ctx: ctx, now: c.now}
			conflict.event(objBid, bids[0].ID, p.Community, "review.conflict_of_interest", "", "", me)
			return "", "", refuse(shequ.Errorf(shequ.EConflict, "review.conflict", "You are tied to this organization and cannot score its bid."),
				auditReview, objBid, bids[0].ID, p.Community)
		}
		if err := r.Validate(p); err != nil {
			return "", "", err
		}
		scores, _ := json.Marshal(r.Scores)
		r.ID, r.ReviewerID, r.CreatedAt = newUUID7(), me, c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO reviews (id, project_id, bid_id, reviewer_id, scores, total,
			created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`), r.ID, p.ID, r.BidID, r.ReviewerID, string(scores), r.Total,
			s.db.dialect.timeArg(c.now))
		if err != nil {
			if shequ.ErrorCode(translateError(err, "")) == shequ.EConflict {
				return "", "", shequ.Errorf(shequ.EConflict, "review.duplicate", "You have scored this bid already.")
			}
			return "", "", translateError(err, "submit review")
		}
		c.event(objBid, r.BidID, p.Community, auditReview, "", "", "")
		return r.ID, p.Community, nil
	})
	if conflict != nil {
		// The refusal itself is history: record it in a transaction of its
		// own after the rollback.
		_ = s.db.withTx(ctx, func(tx *sql.Tx) error { conflict.tx = tx; return conflict.flush() })
		s.db.notesGen.Add(1)
	}
	return err
}

// FindReviews implements shequ.BidService: the official, designers and the
// reviewers; everyone who may read the project once it is awarded.
func (s *LinkageService) FindReviews(ctx context.Context, projectID string) ([]*shequ.Review, error) {
	p, err := s.readableProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	if !s.mayReadBids(ctx, p) {
		return nil, nil
	}
	return s.loadReviews(ctx, s.db.db, p.ID)
}

// Ranking implements shequ.BidService.
func (s *LinkageService) Ranking(ctx context.Context, projectID string) ([]shequ.BidRank, error) {
	p, err := s.readableProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	if !s.mayReadBids(ctx, p) {
		return nil, nil
	}
	bids, err := s.loadBids(ctx, s.db.db, `b.project_id = ?`, p.ID)
	if err != nil {
		return nil, err
	}
	reviews, err := s.loadReviews(ctx, s.db.db, p.ID)
	if err != nil {
		return nil, err
	}
	return shequ.RankBids(bids, reviews), nil
}
