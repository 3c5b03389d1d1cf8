package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"shequ"
)

// Audited actions of projects.
const (
	auditProjectCreate     = "project.create"
	auditProjectUpdate     = "project.update"
	auditProjectRead       = "project.read"
	auditProjectTransition = "project.transition"
	auditProjectReviewers  = "project.reviewers"
	auditObjectionLodge    = "objection.lodge"
	auditObjectionAnswer   = "objection.answer"
)

const projectColumns = `id, number, community, title, target_group, objectives, indicators, criteria, milestones, budget_fen, period_start,
	period_end, org_kinds, bid_deadline, require_certified, weight_residents, weight_community, weight_third,
	objection_days, status, comment, COALESCE(CAST(winner_bid_id AS TEXT), ''), awarded_at, objection_ends, created_by, created_at, updated_at`

// indicatorJSON and criterionJSON are the stored JSON forms.
type indicatorJSON struct {
	Measure string `json:"measure"`
	Target  int    `json:"target"`
}

type milestoneJSON struct {
	Name    string `json:"name"`
	Due     string `json:"due"`
	Measure string `json:"measure"`
	Target  int    `json:"target"`
}

type criterionJSON struct {
	Key    string `json:"key"`
	Weight int    `json:"weight"`
}

func (s *LinkageService) scanProject(row interface{ Scan(...any) error }) (*shequ.Project, error) {
	p := &shequ.Project{}
	var inds, crit, miles, kinds, status, start, end string
	var awarded, ends time.Time
	err := row.Scan(&p.ID, &p.Number, &p.Community, &p.Title, &p.TargetGroup, &p.Objectives, &inds, &crit, &miles, &p.BudgetFen, &start,
		&end, &kinds, scanTime(&p.BidDeadline), &p.RequireCertified, &p.Weights.Residents, &p.Weights.Community,
		&p.Weights.ThirdParty, &p.ObjectionDays, &status, &p.Comment, &p.WinnerBidID, scanTime(&awarded), scanTime(&ends),
		&p.CreatedBy, scanTime(&p.CreatedAt), scanTime(&p.UpdatedAt))
	if err != nil {
		return nil, err
	}
	p.Status = shequ.ProjectStatus(status)
	p.AwardedAt, p.ObjectionEnds = optTime(awarded), optTime(ends)
	var ij []indicatorJSON
	var cj []criterionJSON
	if err := json.Unmarshal([]byte(inds), &ij); err != nil {
		return nil, fmt.Errorf("scan indicators: %w", err)
	}
	if err := json.Unmarshal([]byte(crit), &cj); err != nil {
		return nil, fmt.Errorf("scan criteria: %w", err)
	}
	for _, i := range ij {
		p.Indicators = append(p.Indicators, shequ.ProjectIndicator{Measure: shequ.Measure(i.Measure), Target: i.Target})
	}
	for _, c := range cj {
		p.Criteria = append(p.Criteria, shequ.Criterion{Key: c.Key, Weight: c.Weight})
	}
	var mj []milestoneJSON
	if err := json.Unmarshal([]byte(miles), &mj); err != nil {
		return nil, fmt.Errorf("scan milestones: %w", err)
	}
	for _, m := range mj {
		due, err := scanDate(sql.NullString{String: m.Due, Valid: true})
		if err != nil {
			return nil, err
		}
		p.Milestones = append(p.Milestones, shequ.Milestone{Name: m.Name, Due: *due, Measure: shequ.Measure(m.Measure), Target: m.Target})
	}
	for _, k := range strings.Split(kinds, ",") {
		if k != "" {
			p.OrgKinds = append(p.OrgKinds, shequ.OrgKind(k))
		}
	}
	for i, d := range []string{start, end} {
		t, err := scanDate(sql.NullString{String: d, Valid: true})
		if err != nil {
			return nil, err
		}
		if i == 0 {
			p.PeriodStart = *t
		} else {
			p.PeriodEnd = *t
		}
	}
	return p, nil
}

// loadProject reads a project with its needs and reviewers.
func (s *LinkageService) loadProject(ctx context.Context, q querier, id string) (*shequ.Project, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	p, err := s.scanProject(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+projectColumns+` FROM projects WHERE id = ?`), id))
	if err != nil {
		return nil, noRows(err, "find project")
	}
	if err := s.loadProjectSets(ctx, q, []*shequ.Project{p}); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *LinkageService) loadProjectSets(ctx context.Context, q querier, ps []*shequ.Project) error {
	byID := map[string]*shequ.Project{}
	ids := make([]any, len(ps))
	for i, p := range ps {
		byID[p.ID], ids[i] = p, p.ID
	}
	if err := loadPairs(ctx, s.db, q, "needs", "project_id", "id", ids, func(id, v string) {
		byID[id].NeedIDs = append(byID[id].NeedIDs, v)
	}); err != nil {
		return err
	}
	return loadPairs(ctx, s.db, q, "project_reviewers", "project_id", "user_id", ids, func(id, v string) {
		byID[id].Reviewers = append(byID[id].Reviewers, v)
	})
}

// CreateProject implements shequ.ProjectService: a draft from accepted needs
// of the project's community, which become planned in it.
func (s *LinkageService) CreateProject(ctx context.Context, p *shequ.Project) error {
	if err := authorizeResident(ctx, shequ.ActionProjectDesign, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditProjectCreate, objProject, "", "")
	}
	slices.Sort(p.NeedIDs)
	p.NeedIDs = slices.Compact(p.NeedIDs)
	p.Status, p.Comment, p.WinnerBidID, p.AwardedAt, p.ObjectionEnds, p.Reviewers = shequ.ProjectDraft, "", "", nil, nil, nil
	if err := p.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditProjectCreate, objProject, func(c *change) (string, string, error) {
		p.ID = newUUID7()
		if err := authorizeIn(ctx, shequ.ActionProjectDesign, p.Community, auditProjectCreate, objProject, p.ID); err != nil {
			return "", "", err
		}
		if !p.BidDeadline.After(c.now) {
			return "", "", fieldError("bid_deadline", "project.deadline.past", "The bid deadline lies in the future.")
		}
		var needs []*shequ.Need
		for _, id := range p.NeedIDs {
			n, err := s.loadNeed(ctx, c.tx, id)
			if err != nil || n.Community != p.Community || n.Status != shequ.NeedAccepted {
				return "", "", fieldError("need_ids", "project.need.invalid", "Every need is an accepted need of the project's community.")
			}
			needs = append(needs, n)
		}
		p.CreatedBy, p.CreatedAt, p.UpdatedAt = actorID(ctx), c.now, c.now
		county, year := p.Community[:6], c.now.In(shequ.Shanghai).Year()
		seq, err := nextNumber(ctx, s.db, c.tx, fmt.Sprintf("project:%s:%d", county, year))
		if err != nil {
			return "", "", err
		}
		p.Number = shequ.ProjectNumber(county, year, seq)
		inds, crit, miles := projectJSON(p)
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO projects (id, number, community, title, target_group,
			objectives, indicators, criteria, milestones, budget_fen, period_start, period_end, org_kinds, bid_deadline,
			require_certified, weight_residents, weight_community, weight_third, objection_days, status, comment,
			winner_bid_id, awarded_at, objection_ends, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', NULL, NULL, NULL, ?, ?, ?)`),
			p.ID, p.Number, p.Community, p.Title, p.TargetGroup, p.Objectives, inds, crit, miles, p.BudgetFen, dateArg(&p.PeriodStart),
			dateArg(&p.PeriodEnd), orgKindsText(p.OrgKinds), s.db.dialect.timeArg(p.BidDeadline), p.RequireCertified,
			p.Weights.Residents, p.Weights.Community, p.Weights.ThirdParty, p.ObjectionDays, string(p.Status),
			p.CreatedBy, s.db.dialect.timeArg(c.now), s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "create project")
		}
		for _, n := range needs {
			if err := s.setNeedStatus(c, n, shequ.NeedPlanned, p.ID, "need_planned", p.Title); err != nil {
				return "", "", err
			}
		}
		c.event(objProject, p.ID, p.Community, auditProjectCreate, "", string(p.Status), "")
		return p.ID, p.Community, nil
	})
}

// UpdateProject implements shequ.ProjectService: the community worker who
// may design in the project's community edits a draft or a returned
// project; the edit of a returned one moves it back to draft (DESIGN §6:
// returned → draft), from where it is submitted again.
func (s *LinkageService) UpdateProject(ctx context.Context, p *shequ.Project) error {
	if err := authorizeResident(ctx, shequ.ActionProjectDesign, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditProjectUpdate, objProject, clipID(p.ID), "")
	}
	return s.write(ctx, auditProjectUpdate, objProject, func(c *change) (string, string, error) {
		old, err := s.loadProject(ctx, c.tx, p.ID)
		if err != nil {
			return "", "", refuse(err, auditProjectUpdate, objProject, p.ID, "")
		}
		if err := authorizeIn(ctx, shequ.ActionProjectDesign, old.Community, auditProjectUpdate, objProject, old.ID); err != nil {
			return "", "", err
		}
		if !old.Editable() {
			return "", "", old.EditError()
		}
		// The needs were planned in the project when it was designed;
		// they stay with it.
		ids := slices.Clone(p.NeedIDs)
		slices.Sort(ids)
		if ids = slices.Compact(ids); len(ids) > 0 && !slices.Equal(ids, old.NeedIDs) {
			return "", "", fieldError("need_ids", "project.needs.fixed", "The needs of a project are fixed when it is designed.")
		}
		p.Community, p.NeedIDs = old.Community, old.NeedIDs
		if err := p.Validate(); err != nil {
			return "", "", err
		}
		if !p.BidDeadline.After(c.now) {
			return "", "", fieldError("bid_deadline", "project.deadline.past", "The bid deadline lies in the future.")
		}
		if err := old.CanTransition(shequ.ProjectDraft); old.Status != shequ.ProjectDraft && err != nil {
			return "", "", err
		}
		p.Number, p.Status, p.Comment, p.Reviewers = old.Number, shequ.ProjectDraft, old.Comment, old.Reviewers
		p.WinnerBidID, p.AwardedAt, p.ObjectionEnds = "", nil, nil
		p.CreatedBy, p.CreatedAt, p.UpdatedAt = old.CreatedBy, old.CreatedAt, c.now
		inds, crit, miles := projectJSON(p)
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE projects SET title = ?, target_group = ?, objectives = ?,
			indicators = ?, criteria = ?, milestones = ?, budget_fen = ?, period_start = ?, period_end = ?, org_kinds = ?,
			bid_deadline = ?, require_certified = ?, weight_residents = ?, weight_community = ?, weight_third = ?,
			objection_days = ?, status = ?, updated_at = ? WHERE id = ?`),
			p.Title, p.TargetGroup, p.Objectives, inds, crit, miles, p.BudgetFen, dateArg(&p.PeriodStart),
			dateArg(&p.PeriodEnd), orgKindsText(p.OrgKinds), s.db.dialect.timeArg(p.BidDeadline), p.RequireCertified,
			p.Weights.Residents, p.Weights.Community, p.Weights.ThirdParty, p.ObjectionDays, string(p.Status),
			s.db.dialect.timeArg(c.now), p.ID)
		if err != nil {
			return "", "", translateError(err, "update project")
		}
		from, to := "", ""
		if old.Status != p.Status {
			from, to = string(old.Status), string(p.Status)
		}
		c.event(objProject, p.ID, p.Community, auditProjectUpdate, from, to, "")
		return p.ID, p.Community, nil
	})
}

// setNeedStatus moves a need along with its project, with its event and a
// notification to its author and supporters.
func (s *LinkageService) setNeedStatus(c *change, n *shequ.Need, to shequ.NeedStatus, projectID, kind, subject string) error {
	if err := n.CanTransition(to); err != nil {
		return err
	}
	_, err := c.tx.ExecContext(c.ctx, s.db.rebind(`UPDATE needs SET status = ?, project_id = ?, updated_at = ? WHERE id = ?`),
		string(to), projectID, s.db.dialect.timeArg(c.now), n.ID)
	if err != nil {
		return translateError(err, "update need")
	}
	c.event(objNeed, n.ID, n.Community, "need.project", string(n.Status), string(to), projectID)
	people := []string{n.AuthorID}
	rows, err := c.tx.QueryContext(c.ctx, s.db.rebind(`SELECT user_id FROM need_supports WHERE need_id = ?`), n.ID)
	if err != nil {
		return translateError(err, "read supporters")
	}
	defer rows.Close()
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return translateError(err, "read supporters")
		}
		people = append(people, u)
	}
	if err := rows.Err(); err != nil {
		return translateError(err, "read supporters")
	}
	c.notify(people, kind, objNeed, n.ID, subject)
	n.Status = to
	return nil
}

// orgKindsText is the stored form of the kinds that may bid.
func orgKindsText(kinds []shequ.OrgKind) string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return strings.Join(out, ",")
}

// projectJSON is the stored form of the indicators, criteria and
// milestones.
func projectJSON(p *shequ.Project) (string, string, string) {
	ij := make([]indicatorJSON, len(p.Indicators))
	for i, in := range p.Indicators {
		ij[i] = indicatorJSON{string(in.Measure), in.Target}
	}
	cj := make([]criterionJSON, len(p.Criteria))
	for i, c := range p.Criteria {
		cj[i] = criterionJSON{c.Key, c.Weight}
	}
	mj := make([]milestoneJSON, len(p.Milestones))
	for i, m := range p.Milestones {
		mj[i] = milestoneJSON{strings.TrimSpace(m.Name), m.Due.In(shequ.Shanghai).Format(time.DateOnly), string(m.Measure), m.Target}
	}
	a, _ := json.Marshal(ij)
	b, _ := json.Marshal(cj)
	c, _ := json.Marshal(mj)
	return string(a), string(b), string(c)
}

// FindProjectByID implements shequ.ProjectService.
func (s *LinkageService) FindProjectByID(ctx context.Context, id string) (*shequ.Project, error) {
	if err := authorizeResident(ctx, shequ.ActionProjectRead, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditProjectRead, objProject, clipID(id), "")
	}
	p, err := s.loadProject(ctx, s.db.db, id)
	if err != nil {
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionProjectRead, &shequ.Object{Division: p.Community}); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditProjectRead, objProject, p.ID, p.Community)
	}
	// Residents and organizations see a project once its call is public.
	if a := shequ.ActorFrom(ctx); a != nil && !p.Public() && !a.Can(shequ.ActionProjectDesign) && !a.Can(shequ.ActionProjectApprove) {
		return nil, shequ.ErrNotFound
	}
	return p, nil
}

// PublicProject implements shequ.ProjectService.
func (s *LinkageService) PublicProject(ctx context.Context, id string) (*shequ.Project, error) {
	p, err := s.loadProject(ctx, s.db.db, id)
	if err != nil {
		return nil, err
	}
	if !p.Public() {
		return nil, shequ.ErrNotFound
	}
	return p, nil
}

// readableProject is the project for the actor of ctx: through
// FindProjectByID when signed in, PublicProject otherwise.
func (s *LinkageService) readableProject(ctx context.Context, id string) (*shequ.Project, error) {
	if shequ.ActorFrom(ctx) == nil && !isConsole(ctx) {
		return s.PublicProject(ctx, id)
	}
	return s.FindProjectByID(ctx, id)
}

// FindProjects implements shequ.ProjectService. Without an account, or
// with Public set, only public projects are listed.
func (s *LinkageService) FindProjects(ctx context.Context, f shequ.ProjectFilter) ([]*shequ.Project, int, error) {
	a := shequ.ActorFrom(ctx)
	if a != nil {
		if err := shequ.Authorize(a, shequ.ActionProjectRead, nil); err != nil {
			return nil, 0, err
		}
		if !a.Can(shequ.ActionProjectDesign) && !a.Can(shequ.ActionProjectApprove) {
			f.Public = true
		}
	} else if !isConsole(ctx) {
		f.Public = true
	}
	prefix, ok, err := scopePrefix(a, f.Community)
	if err != nil || !ok {
		return nil, 0, err
	}
	conds := []string{"community >= ? AND community < ?"}
	args := []any{prefix, prefix + ":"}
	if f.Status != "" {
		conds, args = append(conds, "status = ?"), append(args, string(f.Status))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		// A number is matched in capitals (xm330523 finds XM330523-…).
		conds = append(conds, "("+s.db.dialect.position("number", "?")+" > 0 OR "+s.db.dialect.position("title", "?")+" > 0)")
		args = append(args, strings.ToUpper(q), q)
	}
	if f.Public {
		conds = append(conds, `status NOT IN ('draft', 'under_review', 'returned', 'approved', 'cancelled')`)
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.db.reader(ctx).QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM projects`+where), args...).Scan(&total); err != nil {
		return nil, 0, translateError(err, "count projects")
	}
	limit := f.Limit
	if limit <= 0 || limit > maxRegisterLimit {
		limit = defaultRegisterLimit
	}
	rows, err := s.db.reader(ctx).QueryContext(ctx, s.db.rebind(`SELECT `+projectColumns+` FROM projects`+where+
		` ORDER BY created_at DESC, id LIMIT ? OFFSET ?`), append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, translateError(err, "find projects")
	}
	defer rows.Close()
	var out []*shequ.Project
	for rows.Next() {
		p, err := s.scanProject(rows)
		if err != nil {
			return nil, 0, translateError(err, "find projects")
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "find projects")
	}
	if len(out) > 0 {
		if err := s.loadProjectSets(ctx, s.db.reader(ctx), out); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// AppointReviewers implements shequ.ProjectService.
func (s *LinkageService) AppointReviewers(ctx context.Context, id string, userIDs []string) (*shequ.Project, error) {
	if err := authorizeResident(ctx, shequ.ActionProjectApprove, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditProjectReviewers, objProject, clipID(id), "")
	}
	slices.Sort(userIDs)
	userIDs = slices.Compact(userIDs)
	var p *shequ.Project
	err := s.write(ctx, auditProjectReviewers, objProject, func(c *change) (string, string, error) {
		var err error
		if p, err = s.loadProject(ctx, c.tx, id); err != nil {
			return "", "", refuse(err, auditProjectReviewers, objProject, id, "")
		}
		if err := authorizeIn(ctx, shequ.ActionProjectApprove, p.Community, auditProjectReviewers, objProject, id); err != nil {
			return "", "", err
		}
		if p.Status != shequ.ProjectOpenForBids && p.Status != shequ.ProjectBidReview {
			return "", "", shequ.Errorf(shequ.EConflict, "project.reviewers.state",
				"Reviewers are appointed while the call is open or in review; the project is %s.", p.Status).
				With(map[string]any{"From": p.Status.Label()})
		}
		if len(userIDs) < shequ.MinReviewers {
			return "", "", fieldError("reviewers", "project.reviewers.few", "Appoint at least three reviewers.")
		}
		for _, u := range userIDs {
			if !validID(u) {
				return "", "", fieldError("reviewers", "project.reviewer.invalid", "Every reviewer is an account that may score bids in the project's area.")
			}
			var role, scope string
			err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT role, scope FROM users WHERE id = ? AND disabled = ?`), u, false).
				Scan(&role, &scope)
			if err != nil || !(&shequ.Actor{Role: shequ.Role(role)}).Can(shequ.ActionReviewScore) ||
				!shequ.IsAncestorOrSelf(scope, p.Community) {
				return "", "", fieldError("reviewers", "project.reviewer.invalid", "Every reviewer is an account that may score bids in the project's area.")
			}
		}
		if err := replacePairs(ctx, s.db, c.tx, "project_reviewers", "project_id", "user_id", p.ID, userIDs); err != nil {
			return "", "", err
		}
		p.Reviewers = userIDs
		c.event(objProject, p.ID, p.Community, auditProjectReviewers, "", "", fmt.Sprintf("%d", len(userIDs)))
		c.notify(userIDs, "reviewer_appointed", objProject, p.ID, p.Title)
		return p.ID, p.Community, nil
	})
	return p, err
}

// ProjectNeeds implements shequ.ProjectService.
func (s *LinkageService) ProjectNeeds(ctx context.Context, projectID string) ([]*shequ.Need, error) {
	p, err := s.readableProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	needs, err := s.queryNeeds(ctx, `SELECT `+needColumns+` FROM needs WHERE project_id = ? ORDER BY supports DESC, created_at`, p.ID)
	for _, n := range needs {
		n.AuthorID, n.ResidentID = "", ""
	}
	return needs, err
}
