package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"shequ"
)

// Audited actions of the needs pool.
const (
	auditNeedCreate     = "need.create"
	auditNeedRead       = "need.read"
	auditNeedSupport    = "need.support"
	auditNeedTransition = "need.transition"
)

const needColumns = `id, community, category, title, description, channel, author_id, COALESCE(CAST(resident_id AS TEXT), ''),
	status, reason, COALESCE(CAST(merged_into AS TEXT), ''), COALESCE(CAST(project_id AS TEXT), ''), supports, created_at, updated_at`

func scanNeed(row interface{ Scan(...any) error }) (*shequ.Need, error) {
	n := &shequ.Need{}
	var cat, ch, st string
	err := row.Scan(&n.ID, &n.Community, &cat, &n.Title, &n.Description, &ch, &n.AuthorID, &n.ResidentID, &st,
		&n.Reason, &n.MergedInto, &n.ProjectID, &n.Supports, scanTime(&n.CreatedAt), scanTime(&n.UpdatedAt))
	n.Category, n.Channel, n.Status = shequ.NeedCategory(cat), shequ.NeedChannel(ch), shequ.NeedStatus(st)
	return n, err
}

// loadNeed reads one need; ErrNotFound when there is none.
func (s *LinkageService) loadNeed(ctx context.Context, q querier, id string) (*shequ.Need, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	n, err := scanNeed(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+needColumns+` FROM needs WHERE id = ?`), id))
	if err != nil {
		return nil, noRows(err, "find need")
	}
	return n, nil
}

// CreateNeed implements shequ.NeedService. A resident raises a need online
// for their own community; a community worker records one from the front
// desk or a visit (channel front_desk or visit), optionally linked to a
// resident of the community.
func (s *LinkageService) CreateNeed(ctx context.Context, n *shequ.Need) error {
	if err := authorizeResident(ctx, shequ.ActionNeedRaise, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditNeedCreate, objNeed, "", "")
	}
	a := shequ.ActorFrom(ctx)
	if a != nil && a.Role == shequ.RoleResident {
		n.Channel, n.ResidentID = shequ.NeedOnline, ""
	} else if n.Channel == "" {
		n.Channel = shequ.NeedFrontDesk
	}
	n.Status, n.Supports, n.Reason, n.MergedInto, n.ProjectID = shequ.NeedSubmitted, 0, "", "", ""
	if err := n.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditNeedCreate, objNeed, func(c *change) (string, string, error) {
		n.ID = newUUID7()
		if err := authorizeIn(ctx, shequ.ActionNeedRaise, n.Community, auditNeedCreate, objNeed, n.ID); err != nil {
			return "", "", err
		}
		if missing, err := newCommunityChecker(s.db).missing(ctx, c.tx, n.Community); err != nil || missing != "" {
			if err == nil {
				err = fieldError("community_code", "division.not_found", "No such community.")
			}
			return "", "", err
		}
		if n.ResidentID != "" {
			var comm string
			err := sql.ErrNoRows
			if validID(n.ResidentID) {
				err = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT community FROM residents WHERE id = ?`), n.ResidentID).Scan(&comm)
			}
			if err != nil || comm != n.Community {
				return "", "", fieldError("resident_id", "need.resident.invalid", "The resident is not one of this community.")
			}
		}
		n.AuthorID, n.CreatedAt, n.UpdatedAt = actorID(ctx), c.now, c.now
		_, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO needs (id, community, category, title, description,
			channel, author_id, resident_id, status, reason, merged_into, project_id, supports, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', NULL, NULL, 0, ?, ?)`),
			n.ID, n.Community, string(n.Category), n.Title, n.Description, string(n.Channel), n.AuthorID,
			nullString(n.ResidentID), string(n.Status), s.db.dialect.timeArg(n.CreatedAt), s.db.dialect.timeArg(n.UpdatedAt))
		if err != nil {
			return "", "", translateError(err, "create need")
		}
		c.event(objNeed, n.ID, n.Community, auditNeedCreate, "", string(n.Status), string(n.Channel))
		return n.ID, n.Community, nil
	})
}

// fieldError is an EInvalid error on one field.
func fieldError(field, key, msg string) error {
	var fe shequ.FieldErrors
	fe.Add(field, key, msg, nil)
	return fe.Err()
}

// FindNeedByID implements shequ.NeedService.
func (s *LinkageService) FindNeedByID(ctx context.Context, id string) (*shequ.Need, error) {
	if err := authorizeResident(ctx, shequ.ActionNeedRead, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditNeedRead, objNeed, clipID(id), "")
	}
	n, err := s.loadNeed(ctx, s.db.db, id)
	if err != nil {
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionNeedRead, &shequ.Object{Division: n.Community}); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditNeedRead, objNeed, n.ID, n.Community)
	}
	if a := shequ.ActorFrom(ctx); a != nil {
		var one int
		err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT 1 FROM need_supports WHERE need_id = ? AND user_id = ?`), n.ID, a.UserID).Scan(&one)
		switch {
		case err == nil:
			n.Supported = true
		case !errors.Is(err, sql.ErrNoRows):
			return nil, translateError(err, "find need support")
		}
	}
	return n, nil
}

// FindNeeds implements shequ.NeedService: ranked by support, then newest.
func (s *LinkageService) FindNeeds(ctx context.Context, f shequ.NeedFilter) ([]*shequ.Need, int, error) {
	if err := authorizeResident(ctx, shequ.ActionNeedRead, nil); err != nil {
		return nil, 0, err
	}
	prefix, ok, err := scopePrefix(shequ.ActorFrom(ctx), f.Community)
	if err != nil || !ok {
		return nil, 0, err
	}
	var conds []string
	var args []any
	if prefix != "" {
		conds, args = append(conds, "community >= ? AND community < ?"), append(args, prefix, prefix+":")
	}
	if f.Status != "" {
		conds, args = append(conds, "status = ?"), append(args, string(f.Status))
	}
	if f.Category != "" {
		conds, args = append(conds, "category = ?"), append(args, string(f.Category))
	}
	if f.Query != "" {
		conds, args = append(conds, s.db.dialect.position("title", "?")+" > 0"), append(args, f.Query)
	}
	if f.Mine {
		a := shequ.ActorFrom(ctx)
		if a == nil {
			return []*shequ.Need{}, 0, nil
		}
		conds, args = append(conds, "author_id = ?"), append(args, a.UserID)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM needs`+where), args...).Scan(&total); err != nil {
		return nil, 0, translateError(err, "count needs")
	}
	limit := f.Limit
	if limit <= 0 || limit > maxRegisterLimit {
		limit = defaultRegisterLimit
	}
	list, err := s.queryNeeds(ctx, `SELECT `+needColumns+` FROM needs`+where+
		` ORDER BY supports DESC, created_at DESC, id LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	return list, total, err
}

func (s *LinkageService) queryNeeds(ctx context.Context, query string, args ...any) ([]*shequ.Need, error) {
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(query), args...)
	if err != nil {
		return nil, translateError(err, "find needs")
	}
	defer rows.Close()
	var out []*shequ.Need
	for rows.Next() {
		n, err := scanNeed(rows)
		if err != nil {
			return nil, translateError(err, "find needs")
		}
		out = append(out, n)
	}
	return out, translateError(rows.Err(), "find needs")
}

// SimilarNeeds implements shequ.NeedService: open needs of the community
// whose title or description contains one of the text's terms (Han
// character pairs, words), the most matching then most supported first.
func (s *LinkageService) SimilarNeeds(ctx context.Context, community, text string, limit int) ([]*shequ.Need, error) {
	if err := authorizeResident(ctx, shequ.ActionNeedRead, &shequ.Object{Division: community}); err != nil {
		return nil, err
	}
	terms := shequ.SimilarityTerms(text)
	if len(terms) == 0 || len(community) != 12 {
		return nil, nil
	}
	if limit <= 0 || limit > 20 {
		limit = 5
	}
	var score []string
	var args []any
	for _, t := range terms {
		score = append(score, "(CASE WHEN "+s.db.dialect.position("title", "?")+" > 0 THEN 2 ELSE 0 END + CASE WHEN "+
			s.db.dialect.position("description", "?")+" > 0 THEN 1 ELSE 0 END)")
		args = append(args, t, t)
	}
	args = append(args, community, limit)
	q := `SELECT ` + needColumns + ` FROM (SELECT n.*, ` + strings.Join(score, " + ") + ` AS score FROM needs n
		WHERE (n.status = 'submitted' OR n.status = 'accepted') AND n.community = ?) m
		WHERE score > 0 ORDER BY score DESC, supports DESC, created_at LIMIT ?`
	return s.queryNeeds(ctx, q, args...)
}

// SupportNeed implements shequ.NeedService: one support per account, not
// by the author, on an open need. The counter is advanced in SQL so that
// simultaneous supports all count.
func (s *LinkageService) SupportNeed(ctx context.Context, id string) (*shequ.Need, error) {
	if err := authorizeResident(ctx, shequ.ActionNeedRaise, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditNeedSupport, objNeed, clipID(id), "")
	}
	var n *shequ.Need
	err := s.write(ctx, auditNeedSupport, objNeed, func(c *change) (string, string, error) {
		var err error
		if n, err = s.loadNeed(ctx, c.tx, id); err != nil {
			return "", "", refuse(err, auditNeedSupport, objNeed, id, "")
		}
		if err := authorizeIn(ctx, shequ.ActionNeedRaise, n.Community, auditNeedSupport, objNeed, id); err != nil {
			return "", "", err
		}
		me := actorID(ctx)
		switch {
		case !n.Open():
			return "", "", shequ.Errorf(shequ.EConflict, "need.support.closed", "Only an open need can be supported; this one is %s.", n.Status).
				With(map[string]any{"From": n.Status.Label()})
		case me == n.AuthorID:
			return "", "", shequ.Errorf(shequ.EConflict, "need.support.own", "You raised this need yourself.")
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO need_supports (need_id, user_id, created_at) VALUES (?, ?, ?)`),
			n.ID, me, s.db.dialect.timeArg(c.now))
		if err != nil {
			if shequ.ErrorCode(translateError(err, "")) == shequ.EConflict {
				return "", "", shequ.Errorf(shequ.EConflict, "need.support.duplicate", "You already support this need.")
			}
			return "", "", translateError(err, "support need")
		}
		if err := c.tx.QueryRowContext(ctx, s.db.rebind(`UPDATE needs SET supports = supports + 1 WHERE id = ? RETURNING supports`),
			n.ID).Scan(&n.Supports); err != nil {
			return "", "", translateError(err, "support need")
		}
		c.event(objNeed, n.ID, n.Community, auditNeedSupport, "", "", "")
		return n.ID, n.Community, nil
	})
	return n, err
}

// TransitionNeed implements shequ.NeedService: accept, reject (with the
// reason, shown to the author) or merge into another open need of the same
// community, whose supporters it joins (and its author with them).
func (s *LinkageService) TransitionNeed(ctx context.Context, id string, t shequ.NeedTransition) (*shequ.Need, error) {
	if err := authorizeResident(ctx, shequ.ActionNeedManage, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditNeedTransition, objNeed, clipID(id), "")
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	var n *shequ.Need
	err := s.write(ctx, auditNeedTransition, objNeed, func(c *change) (string, string, error) {
		var err error
		if n, err = s.loadNeed(ctx, c.tx, id); err != nil {
			return "", "", refuse(err, auditNeedTransition, objNeed, id, "")
		}
		if err := authorizeIn(ctx, shequ.ActionNeedManage, n.Community, auditNeedTransition, objNeed, id); err != nil {
			return "", "", err
		}
		if err := n.CanTransition(t.To); err != nil {
			return "", "", err
		}
		from := n.Status
		if t.To == shequ.NeedMerged {
			if err := s.mergeNeed(c, n, t.Into); err != nil {
				return "", "", err
			}
		}
		n.Status, n.UpdatedAt = t.To, c.now
		if t.To == shequ.NeedRejected {
			n.Reason = t.Reason
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE needs SET status = ?, reason = ?, merged_into = ?, updated_at = ?
			WHERE id = ?`), string(n.Status), n.Reason, nullString(n.MergedInto), s.db.dialect.timeArg(c.now), n.ID)
		if err != nil {
			return "", "", translateError(err, "update need")
		}
		c.event(objNeed, n.ID, n.Community, auditNeedTransition, string(from), string(n.Status), t.Reason)
		c.notify([]string{n.AuthorID}, "need_"+string(n.Status), objNeed, n.ID, n.Title)
		return n.ID, n.Community, nil
	})
	return n, err
}

// mergeNeed moves the supporters of n, and its author, onto the need into.
func (s *LinkageService) mergeNeed(c *change, n *shequ.Need, into string) error {
	ctx := c.ctx
	target, err := s.loadNeed(ctx, c.tx, into)
	if err != nil || target.ID == n.ID || target.Community != n.Community || !target.Open() {
		return fieldError("into", "need.into.invalid", "Merge into another open need of the same community.")
	}
	_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO need_supports (need_id, user_id, created_at)
		SELECT ?, user_id, created_at FROM need_supports WHERE need_id = ? AND user_id <> ?
		AND user_id NOT IN (SELECT user_id FROM need_supports WHERE need_id = ?)`), target.ID, n.ID, target.AuthorID, target.ID)
	if err != nil {
		return translateError(err, "merge supports")
	}
	if n.AuthorID != target.AuthorID && n.AuthorID != cliActor {
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO need_supports (need_id, user_id, created_at)
			SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM need_supports WHERE need_id = ? AND user_id = ?)`),
			target.ID, n.AuthorID, s.db.dialect.timeArg(c.now), target.ID, n.AuthorID)
		if err != nil {
			return translateError(err, "merge supports")
		}
	}
	_, err = c.tx.ExecContext(ctx, s.db.rebind(`UPDATE needs SET supports = (SELECT COUNT(*) FROM need_supports WHERE need_id = ?),
		updated_at = ? WHERE id = ?`), target.ID, s.db.dialect.timeArg(c.now), target.ID)
	if err != nil {
		return translateError(err, "merge supports")
	}
	n.MergedInto = target.ID
	c.event(objNeed, target.ID, target.Community, "need.merge_in", "", "", n.ID)
	return nil
}

// NeedHeat implements shequ.NeedService.
func (s *LinkageService) NeedHeat(ctx context.Context, scope string) ([]shequ.CategoryHeat, error) {
	if err := authorizeResident(ctx, shequ.ActionNeedRead, nil); err != nil {
		return nil, err
	}
	prefix, ok, err := scopePrefix(shequ.ActorFrom(ctx), scope)
	if err != nil || !ok {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT category, COUNT(*), COALESCE(SUM(supports), 0) FROM needs
		WHERE community >= ? AND community < ? AND status <> 'rejected' AND status <> 'merged' AND status <> 'closed'
		GROUP BY category`), prefix, prefix+":")
	if err != nil {
		return nil, translateError(err, "need heat")
	}
	defer rows.Close()
	byCat := map[shequ.NeedCategory]shequ.CategoryHeat{}
	for rows.Next() {
		var h shequ.CategoryHeat
		var cat string
		if err := rows.Scan(&cat, &h.Needs, &h.Supports); err != nil {
			return nil, translateError(err, "need heat")
		}
		h.Category = shequ.NeedCategory(cat)
		byCat[h.Category] = h
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "need heat")
	}
	out := make([]shequ.CategoryHeat, 0, len(shequ.NeedCategories))
	for _, c := range shequ.NeedCategories {
		h := byCat[c]
		h.Category = c
		out = append(out, h)
	}
	return out, nil
}
