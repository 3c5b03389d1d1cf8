package sqlstore

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"shequ"
)

// TransitionProject implements shequ.ProjectService. Beyond the table of
// states, each step has its own conditions:
//   - returned needs a comment, shown to the designer;
//   - bid_review only after the bid deadline; submitted bids are
//     shortlisted;
//   - awarded needs at least three appointed reviewers and a reviewed bid:
//     the top of the ranking wins (the others lose), and the objection
//     period (公示期) of the project's working days starts;
//   - in_progress only after the objection period, with every objection
//     answered;
//   - closed needs every party's evaluation; the project's needs become
//     fulfilled and their authors and supporters are told;
//   - cancelled closes the project's needs.
func (s *LinkageService) TransitionProject(ctx context.Context, id string, t shequ.ProjectTransition) (*shequ.Project, error) {
	if a := shequ.ActorFrom(ctx); a != nil && !a.Can(shequ.ActionProjectDesign) && !a.Can(shequ.ActionProjectApprove) {
		return nil, s.db.recordDenied(ctx, shequ.ErrForbidden, auditProjectTransition, objProject, clipID(id), "")
	} else if a == nil && !isConsole(ctx) {
		return nil, shequ.ErrUnauthorized
	}
	t.Comment = strings.TrimSpace(t.Comment)
	if !oneOfStatus(t.To) {
		return nil, fieldError("to", "project.to.invalid", "Unknown project state.")
	}
	if t.To == shequ.ProjectReturned && t.Comment == "" {
		return nil, fieldError("comment", "project.comment.required", "Say why the project is returned.")
	}
	if utf8.RuneCountInString(t.Comment) > shequ.MaxReason {
		return nil, fieldError("comment", "reason.long", "The reason has at most 500 characters.")
	}
	var p *shequ.Project
	err := s.write(ctx, auditProjectTransition, objProject, func(c *change) (string, string, error) {
		var err error
		if p, err = s.loadProject(ctx, c.tx, id); err != nil {
			return "", "", refuse(err, auditProjectTransition, objProject, id, "")
		}
		act := shequ.TransitionActor(t.To, p.Status)
		if err := authorizeIn(ctx, act, p.Community, auditProjectTransition, objProject, id); err != nil {
			// A designer who may read the project learns it is not theirs
			// to move; the scope check above already hid foreign ones.
			return "", "", err
		}
		if err := p.CanTransition(t.To); err != nil {
			return "", "", err
		}
		from := p.Status
		if err := s.transitionEffects(c, p, t); err != nil {
			return "", "", err
		}
		if t.To == shequ.ProjectReturned {
			p.Comment = t.Comment
		}
		p.Status, p.UpdatedAt = t.To, c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE projects SET status = ?, comment = ?, winner_bid_id = ?,
			awarded_at = ?, objection_ends = ?, updated_at = ? WHERE id = ?`), string(p.Status), p.Comment,
			nullString(p.WinnerBidID), s.optTimeArg(p.AwardedAt), s.optTimeArg(p.ObjectionEnds),
			s.db.dialect.timeArg(c.now), p.ID)
		if err != nil {
			return "", "", translateError(err, "update project")
		}
		c.event(objProject, p.ID, p.Community, auditProjectTransition, string(from), string(p.Status), t.Comment)
		if t.To == shequ.ProjectReturned || t.To == shequ.ProjectApproved {
			c.notify([]string{p.CreatedBy}, "project_"+string(t.To), objProject, p.ID, p.Title)
		}
		// Who waits for the project next (linkage_notify.go).
		if err := s.projectNotes(c, p); err != nil {
			return "", "", err
		}
		return p.ID, p.Community, nil
	})
	return p, err
}

func oneOfStatus(s shequ.ProjectStatus) bool {
	for _, x := range shequ.ProjectStatuses {
		if s == x {
			return true
		}
	}
	return false
}

// transitionEffects checks the conditions of a step and does its work on
// the other objects (bids, needs).
func (s *LinkageService) transitionEffects(c *change, p *shequ.Project, t shequ.ProjectTransition) error {
	ctx := c.ctx
	switch t.To {
	case shequ.ProjectBidReview:
		if c.now.Before(p.BidDeadline) {
			return shequ.Errorf(shequ.EConflict, "project.deadline.not_passed", "The call is open until its bid deadline.")
		}
		bids, err := s.loadBids(ctx, c.tx, `b.project_id = ? AND b.status = 'submitted'`, p.ID)
		if err != nil {
			return err
		}
		for _, b := range bids {
			if err := s.setBidStatus(c, p, b, shequ.BidShortlisted); err != nil {
				return err
			}
		}
	case shequ.ProjectAwarded:
		if len(p.Reviewers) < shequ.MinReviewers {
			return shequ.Errorf(shequ.EConflict, "project.reviewers.few", "Appoint at least three reviewers first.")
		}
		bids, err := s.loadBids(ctx, c.tx, `b.project_id = ?`, p.ID)
		if err != nil {
			return err
		}
		reviews, err := s.loadReviews(ctx, c.tx, p.ID)
		if err != nil {
			return err
		}
		ranking := shequ.RankBids(bids, reviews)
		if len(ranking) == 0 || ranking[0].Counted == 0 {
			return shequ.Errorf(shequ.EConflict, "project.award.no_reviews", "No bid has been reviewed yet.")
		}
		if t.BidID != "" && t.BidID != ranking[0].BidID {
			return shequ.Errorf(shequ.EConflict, "project.award.not_top", "Only the top of the ranking can be awarded.")
		}
		p.WinnerBidID = ranking[0].BidID
		now := c.now
		cal, err := s.calendar(ctx)
		if err != nil {
			return err
		}
		ends := cal.AddWorkdays(now, p.ObjectionDays).UTC().Truncate(time.Microsecond)
		p.AwardedAt, p.ObjectionEnds = &now, &ends
		for _, b := range bids {
			if b.Status != shequ.BidShortlisted {
				continue
			}
			to := shequ.BidLost
			if b.ID == p.WinnerBidID {
				to = shequ.BidWon
			}
			if err := s.setBidStatus(c, p, b, to); err != nil {
				return err
			}
		}
	case shequ.ProjectInProgress:
		if p.ObjectionEnds == nil || !c.now.After(*p.ObjectionEnds) {
			return shequ.Errorf(shequ.EConflict, "project.objection_period.running", "The objection period has not ended yet.")
		}
		var open int
		if err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM objections WHERE project_id = ? AND answered_at IS NULL`),
			p.ID).Scan(&open); err != nil {
			return translateError(err, "count objections")
		}
		if open > 0 {
			return shequ.Errorf(shequ.EConflict, "project.objections_open", "%d objections are not answered yet.", open).
				With(map[string]any{"Count": open})
		}
	case shequ.ProjectClosed:
		evs, err := s.loadEvaluations(ctx, c.tx, p.ID)
		if err != nil {
			return err
		}
		if !shequ.Evaluate(p, evs).Complete {
			return shequ.Errorf(shequ.EConflict, "project.evaluation.incomplete",
				"Residents, the community and the third party must all evaluate the project first.")
		}
		return s.moveNeeds(c, p, shequ.NeedFulfilled, "need_fulfilled")
	case shequ.ProjectCancelled:
		return s.moveNeeds(c, p, shequ.NeedClosed, "need_closed")
	}
	return nil
}

// moveNeeds moves the planned needs of p.
func (s *LinkageService) moveNeeds(c *change, p *shequ.Project, to shequ.NeedStatus, kind string) error {
	for _, id := range p.NeedIDs {
		n, err := s.loadNeed(c.ctx, c.tx, id)
		if err != nil {
			return err
		}
		if n.Status == shequ.NeedPlanned {
			if err := s.setNeedStatus(c, n, to, p.ID, kind, p.Title); err != nil {
				return err
			}
		}
	}
	return nil
}

const objectionColumns = `id, project_id, author_id, text, answer, answered_by, created_at, answered_at`

func scanObjection(row interface{ Scan(...any) error }) (*shequ.Objection, error) {
	o := &shequ.Objection{}
	var at time.Time
	err := row.Scan(&o.ID, &o.ProjectID, &o.AuthorID, &o.Text, &o.Answer, &o.AnsweredBy, scanTime(&o.CreatedAt), scanTime(&at))
	o.AnsweredAt = optTime(at)
	return o, err
}

// LodgeObjection implements shequ.ProjectService: anyone signed in, during
// the objection period of an awarded project they can see.
func (s *LinkageService) LodgeObjection(ctx context.Context, projectID, text string) (*shequ.Objection, error) {
	if shequ.ActorFrom(ctx) == nil && !isConsole(ctx) {
		return nil, shequ.ErrUnauthorized
	}
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n < 5 || n > 2000 {
		return nil, fieldError("text", "objection.text.invalid", "State the objection in 5 to 2000 characters.")
	}
	o := &shequ.Objection{Text: text}
	err := s.write(ctx, auditObjectionLodge, objObjection, func(c *change) (string, string, error) {
		p, err := s.loadProject(ctx, c.tx, projectID)
		if err != nil || !p.Public() {
			return "", "", refuse(shequ.ErrNotFound, auditObjectionLodge, objProject, projectID, "")
		}
		if p.Status != shequ.ProjectAwarded || p.ObjectionEnds == nil || c.now.After(*p.ObjectionEnds) {
			return "", "", shequ.Errorf(shequ.EConflict, "objection.closed", "Objections are lodged during the objection period only.")
		}
		o.ID, o.ProjectID, o.AuthorID, o.CreatedAt = newUUID7(), p.ID, actorID(ctx), c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO objections (`+objectionColumns+`)
			VALUES (?, ?, ?, ?, '', '', ?, NULL)`), o.ID, o.ProjectID, o.AuthorID, o.Text, s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "lodge objection")
		}
		c.event(objProject, p.ID, p.Community, auditObjectionLodge, "", "", o.ID)
		if err := s.objectionNotes(c, p); err != nil {
			return "", "", err
		}
		return o.ID, p.Community, nil
	})
	return o, err
}

// AnswerObjection implements shequ.ProjectService.
func (s *LinkageService) AnswerObjection(ctx context.Context, objectionID, answer string) (*shequ.Objection, error) {
	if err := authorizeResident(ctx, shequ.ActionProjectApprove, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditObjectionAnswer, objObjection, clipID(objectionID), "")
	}
	answer = strings.TrimSpace(answer)
	if n := utf8.RuneCountInString(answer); n < 2 || n > 2000 {
		return nil, fieldError("answer", "objection.answer.invalid", "Answer in 2 to 2000 characters.")
	}
	var o *shequ.Objection
	err := s.write(ctx, auditObjectionAnswer, objObjection, func(c *change) (string, string, error) {
		var err error
		if !validID(objectionID) {
			return "", "", refuse(shequ.ErrNotFound, auditObjectionAnswer, objObjection, objectionID, "")
		}
		o, err = scanObjection(c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT `+objectionColumns+` FROM objections WHERE id = ?`), objectionID))
		if err != nil {
			return "", "", refuse(noRows(err, "find objection"), auditObjectionAnswer, objObjection, objectionID, "")
		}
		p, err := s.loadProject(ctx, c.tx, o.ProjectID)
		if err != nil {
			return "", "", err
		}
		if err := authorizeIn(ctx, shequ.ActionProjectApprove, p.Community, auditObjectionAnswer, objObjection, o.ID); err != nil {
			return "", "", err
		}
		if o.AnsweredAt != nil {
			return "", "", shequ.Errorf(shequ.EConflict, "objection.answered", "This objection is answered already.")
		}
		now := c.now
		o.Answer, o.AnsweredBy, o.AnsweredAt = answer, actorID(ctx), &now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE objections SET answer = ?, answered_by = ?, answered_at = ? WHERE id = ?`),
			o.Answer, o.AnsweredBy, s.db.dialect.timeArg(now), o.ID)
		if err != nil {
			return "", "", translateError(err, "answer objection")
		}
		c.event(objProject, p.ID, p.Community, auditObjectionAnswer, "", "", o.ID)
		c.notify([]string{o.AuthorID}, "objection_answered", objProject, p.ID, p.Title)
		return o.ID, p.Community, nil
	})
	return o, err
}

// FindObjections implements shequ.ProjectService (public with the project).
func (s *LinkageService) FindObjections(ctx context.Context, projectID string) ([]*shequ.Objection, error) {
	if _, err := s.readableProject(ctx, projectID); err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+objectionColumns+` FROM objections WHERE project_id = ?
		ORDER BY created_at, id`), projectID)
	if err != nil {
		return nil, translateError(err, "find objections")
	}
	defer rows.Close()
	var out []*shequ.Objection
	for rows.Next() {
		o, err := scanObjection(rows)
		if err != nil {
			return nil, translateError(err, "find objections")
		}
		out = append(out, o)
	}
	return out, translateError(rows.Err(), "find objections")
}
