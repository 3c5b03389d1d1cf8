package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"shequ"
)

// Audited actions of execution and evaluation.
const (
	auditActivity   = "activity.record"
	auditEvaluation = "evaluation.submit"
)

// onWinningTeam reports whether the actor may record activities of p: a
// keeper of the winning organization or a social worker of the winning
// team (console work may).
func (s *LinkageService) onWinningTeam(ctx context.Context, q querier, p *shequ.Project) (bool, error) {
	if isConsole(ctx) {
		return true, nil
	}
	a := shequ.ActorFrom(ctx)
	if a == nil || p.WinnerBidID == "" {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT
		(SELECT COUNT(*) FROM social_org_owners so JOIN bids b ON b.org_id = so.org_id WHERE b.id = ? AND so.user_id = ?)
		+ (SELECT COUNT(*) FROM bid_team t JOIN social_workers w ON w.id = t.worker_id WHERE t.bid_id = ? AND w.user_id = ?)`),
		p.WinnerBidID, a.UserID, p.WinnerBidID, a.UserID).Scan(&n)
	return n > 0, translateError(err, "check team")
}

// RecordActivity implements shequ.ExecutionService.
func (s *LinkageService) RecordActivity(ctx context.Context, act *shequ.Activity) error {
	if err := authorizeResident(ctx, shequ.ActionActivityRecord, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditActivity, objActivity, "", "")
	}
	slices.Sort(act.ResidentIDs)
	act.ResidentIDs = slices.Compact(act.ResidentIDs)
	return s.write(ctx, auditActivity, objActivity, func(c *change) (string, string, error) {
		p, err := s.loadProject(ctx, c.tx, act.ProjectID)
		if err != nil {
			return "", "", refuse(err, auditActivity, objProject, act.ProjectID, "")
		}
		if err := authorizeIn(ctx, shequ.ActionActivityRecord, p.Community, auditActivity, objProject, p.ID); err != nil {
			return "", "", err
		}
		if ok, err := s.onWinningTeam(ctx, c.tx, p); err != nil {
			return "", "", err
		} else if !ok {
			return "", "", refuse(shequ.Errorf(shequ.EForbidden, "activity.not_team", "Only the winning team records activities."),
				auditActivity, objProject, p.ID, p.Community)
		}
		if p.Status != shequ.ProjectInProgress {
			return "", "", shequ.Errorf(shequ.EConflict, "activity.state", "Activities are recorded while the project is in progress; it is %s.", p.Status).
				With(map[string]any{"From": p.Status.Label()})
		}
		if err := act.Validate(p, c.now); err != nil {
			return "", "", err
		}
		for i, idNumber := range act.ParticipantIDs {
			rid, err := s.residentByIDNumber(ctx, c.tx, idNumber, p.Community[:9])
			if err != nil {
				return "", "", err
			} else if rid == "" {
				var fe shequ.FieldErrors
				fe.Add("participant_id_numbers", "activity.participant_id.unknown",
					"A participant's ID number is not in the register near the project.", map[string]any{"Line": i + 1})
				return "", "", fe.Err()
			}
			act.ResidentIDs = append(act.ResidentIDs, rid)
		}
		slices.Sort(act.ResidentIDs)
		act.ResidentIDs = slices.Compact(act.ResidentIDs)
		for _, rid := range act.ResidentIDs {
			var comm string
			if !validID(rid) || c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT community FROM residents WHERE id = ?`), rid).Scan(&comm) != nil ||
				!strings.HasPrefix(comm, p.Community[:9]) {
				return "", "", fieldError("resident_ids", "activity.resident.invalid", "Every participant named is a resident of the register near the project.")
			}
		}
		fns := make([]string, len(act.Functions))
		for i, f := range act.Functions {
			fns[i] = string(f)
		}
		act.ID, act.RecordedBy, act.CreatedAt = newUUID7(), actorID(ctx), c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO activities (id, project_id, community, day, place, content,
			functions, participants, volunteers, volunteer_hours, recorded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), act.ID, p.ID, p.Community, dateArg(&act.Date), act.Place,
			act.Content, strings.Join(fns, ","), act.Participants, 0, 0, act.RecordedBy,
			s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "record activity")
		}
		if err := insertPairs(ctx, s.db, c.tx, "activity_residents", "activity_id, resident_id", act.ID, act.ResidentIDs); err != nil {
			return "", "", err
		}
		c.event(objProject, p.ID, p.Community, auditActivity, "", "", act.ID)
		return act.ID, p.Community, nil
	})
}

// residentByIDNumber finds the register entry of an ID number (normalized)
// in the township prefix, through the blind index: its id, or "" when there
// is none there (or no sealer is set).
func (s *LinkageService) residentByIDNumber(ctx context.Context, q querier, idNumber, township string) (string, error) {
	if s.Sealer == nil {
		return "", nil
	}
	var id, community string
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT id, community FROM residents WHERE id_number_idx = ?`),
		s.Sealer.Index(indexIDNumber, idNumber)).Scan(&id, &community)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !strings.HasPrefix(community, township)) {
		return "", nil
	}
	return id, translateError(err, "find participant")
}

// FindActivities implements shequ.ExecutionService (public with the
// project; the residents named are not shown to the public).
func (s *LinkageService) FindActivities(ctx context.Context, projectID string) ([]*shequ.Activity, error) {
	p, err := s.readableProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	served, err := projectServiceDays(ctx, s.db, p.ID)
	if err != nil {
		return nil, err
	}
	// The legacy columns volunteers and volunteer_hours (typed before
	// issue 17) are no longer read: the figures come from service records.
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, project_id, day, place, content, functions, participants,
		recorded_by, created_at FROM activities WHERE project_id = ? ORDER BY day, created_at, id`), p.ID)
	if err != nil {
		return nil, translateError(err, "find activities")
	}
	defer rows.Close()
	var out []*shequ.Activity
	for rows.Next() {
		a := &shequ.Activity{}
		var day, fns string
		if err := rows.Scan(&a.ID, &a.ProjectID, &day, &a.Place, &a.Content, &fns, &a.Participants, &a.RecordedBy,
			scanTime(&a.CreatedAt)); err != nil {
			return nil, translateError(err, "find activities")
		}
		d, err := scanDate(sql.NullString{String: day, Valid: true})
		if err != nil {
			return nil, translateError(err, "find activities")
		}
		a.Date = *d
		if sv, ok := served[day]; ok {
			// The first activity of the day carries the day's service.
			a.Volunteers, a.VolunteerMinutes = sv.volunteers, sv.minutes
			delete(served, day)
		}
		for _, f := range strings.Split(fns, ",") {
			a.Functions = append(a.Functions, shequ.ServiceFunction(f))
		}
		out = append(out, a)
	}
	return out, translateError(rows.Err(), "find activities")
}

// evaluatorRole is the role that gives each kind of evaluation.
var evaluatorRole = map[shequ.EvaluationKind]shequ.Role{
	shequ.EvalResident:   shequ.RoleResident,
	shequ.EvalCommunity:  shequ.RoleCommunityWorker,
	shequ.EvalThirdParty: shequ.RoleOfficial, // the official records the third-party assessor's score
}

// SubmitEvaluation implements shequ.ExecutionService: residents recorded
// as participants of one of the project's activities rate once; the community worker and the official
// (for the third-party assessor) score, the latest score counting.
func (s *LinkageService) SubmitEvaluation(ctx context.Context, e *shequ.Evaluation) error {
	if err := authorizeResident(ctx, shequ.ActionEvaluate, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditEvaluation, objEvaluation, "", "")
	}
	if err := e.Validate(); err != nil {
		return err
	}
	if a := shequ.ActorFrom(ctx); a != nil && evaluatorRole[e.Kind] != a.Role {
		return fieldError("kind", "evaluation.kind.role", "Your role does not give this kind of evaluation.")
	}
	return s.write(ctx, auditEvaluation, objEvaluation, func(c *change) (string, string, error) {
		p, err := s.loadProject(ctx, c.tx, e.ProjectID)
		if err != nil {
			return "", "", refuse(err, auditEvaluation, objProject, e.ProjectID, "")
		}
		if err := authorizeIn(ctx, shequ.ActionEvaluate, p.Community, auditEvaluation, objProject, p.ID); err != nil {
			return "", "", err
		}
		if p.Status != shequ.ProjectFinalEvaluation {
			return "", "", shequ.Errorf(shequ.EConflict, "evaluation.state", "The project is evaluated in its final evaluation; it is %s.", p.Status).
				With(map[string]any{"From": p.Status.Label()})
		}
		if e.Kind == shequ.EvalResident && !isConsole(ctx) {
			if ok, err := s.participated(ctx, c.tx, p.ID); err != nil {
				return "", "", err
			} else if !ok {
				return "", "", refuse(shequ.Errorf(shequ.EForbidden, "evaluation.not_participant",
					"Only residents who took part in an activity of this project can rate it."),
					auditEvaluation, objProject, p.ID, p.Community)
			}
		}
		e.ID, e.EvaluatorID, e.CreatedAt = newUUID7(), actorID(ctx), c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO evaluations (id, project_id, community, kind, score, comment,
			assessor, evaluator_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), e.ID, p.ID, p.Community, string(e.Kind),
			e.Score, e.Comment, e.Assessor, e.EvaluatorID, s.db.dialect.timeArg(c.now))
		if err != nil {
			if shequ.ErrorCode(translateError(err, "")) == shequ.EConflict {
				return "", "", shequ.Errorf(shequ.EConflict, "evaluation.duplicate", "You have rated this project already.")
			}
			return "", "", translateError(err, "submit evaluation")
		}
		c.event(objProject, p.ID, p.Community, auditEvaluation, "", "", string(e.Kind))
		return e.ID, p.Community, nil
	})
}

// Participated implements shequ.ExecutionService, for whoever may read the
// project.
func (s *LinkageService) Participated(ctx context.Context, projectID string) (bool, error) {
	p, err := s.readableProject(ctx, projectID)
	if err != nil {
		return false, err
	}
	return s.participated(ctx, s.db.db, p.ID)
}

// participated reports whether the signed-in resident took part in an
// activity of the project: their account is linked to a resident of the
// register (residents.user_id) recorded among the activity's participants.
func (s *LinkageService) participated(ctx context.Context, q querier, projectID string) (bool, error) {
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM activity_residents ar
		JOIN activities x ON x.id = ar.activity_id
		JOIN residents r ON r.id = ar.resident_id
		WHERE x.project_id = ? AND r.user_id = ?`), projectID, a.UserID).Scan(&n)
	return n > 0, translateError(err, "check participation")
}

// loadEvaluations reads a project's evaluations, oldest first.
func (s *LinkageService) loadEvaluations(ctx context.Context, q querier, projectID string) ([]*shequ.Evaluation, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT id, project_id, kind, score, comment, assessor, evaluator_id, created_at
		FROM evaluations WHERE project_id = ? ORDER BY created_at, id`), projectID)
	if err != nil {
		return nil, translateError(err, "find evaluations")
	}
	defer rows.Close()
	var out []*shequ.Evaluation
	for rows.Next() {
		e := &shequ.Evaluation{}
		var kind string
		if err := rows.Scan(&e.ID, &e.ProjectID, &kind, &e.Score, &e.Comment, &e.Assessor, &e.EvaluatorID, scanTime(&e.CreatedAt)); err != nil {
			return nil, translateError(err, "find evaluations")
		}
		e.Kind = shequ.EvaluationKind(kind)
		out = append(out, e)
	}
	return out, translateError(rows.Err(), "find evaluations")
}

// FindEvaluations implements shequ.ExecutionService (public with the
// project; evaluator ids are for the caller to hide).
func (s *LinkageService) FindEvaluations(ctx context.Context, projectID string) ([]*shequ.Evaluation, error) {
	p, err := s.readableProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return s.loadEvaluations(ctx, s.db.db, p.ID)
}
