package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"shequ"
)

// Inspections by the environment and property management committee and
// the rectification orders (整改) they raise.

// companyOn returns the company whose contract for the estate is in force
// on day, "" when none.
func (s *PropertyService) companyOn(ctx context.Context, q querier, estateID string, on time.Time) (string, error) {
	d := dayArg(on)
	var id string
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT CAST(company_id AS TEXT) FROM property_contracts WHERE estate_id = ?
		AND start_on <= ? AND end_on >= ? AND (ended_on IS NULL OR ended_on >= ?) ORDER BY start_on DESC LIMIT 1`),
		estateID, d, d, d).Scan(&id)
	if errNoRowsIs(err) {
		return "", nil
	}
	return id, translateError(err, "find the estate's company")
}

const inspectionColumns = `i.id, i.estate_id, e.name, i.community, COALESCE(CAST(i.company_id AS TEXT), ''), i.day,
	i.inspectors, i.items, i.total, i.max_total, i.note, i.recorded_by, i.created_at,
	(SELECT COUNT(*) FROM property_inspection_photos p WHERE p.inspection_id = i.id)`

const inspectionFrom = ` FROM property_inspections i JOIN estates e ON e.id = i.estate_id`

func scanInspection(row interface{ Scan(...any) error }) (*shequ.Inspection, error) {
	in := &shequ.Inspection{}
	var d, items string
	err := row.Scan(&in.ID, &in.EstateID, &in.EstateName, &in.Community, &in.CompanyID, &d, &in.Inspectors, &items,
		&in.Total, &in.Max, &in.Note, &in.RecordedBy, scanTime(&in.CreatedAt), &in.Photos)
	if err != nil {
		return nil, err
	}
	if in.Day, err = scanDay(d); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(items), &in.Items); err != nil {
		return nil, shequ.Wrap(err, "decode inspection items")
	}
	return in, nil
}

// RecordInspection implements shequ.InspectionService (community workers
// of the estate).
func (s *PropertyService) RecordInspection(ctx context.Context, input *shequ.InspectionInput) (*shequ.Inspection, error) {
	if err := s.guard(ctx, shequ.ActionInspectionRecord, auditInspectionRecord, shequ.ObjInspection, ""); err != nil {
		return nil, err
	}
	var in *shequ.Inspection
	err := s.write(ctx, auditInspectionRecord, shequ.ObjInspection, func(c *change) (string, string, error) {
		id := newUUID7()
		e, err := s.loadEstate(ctx, c.tx, input.EstateID)
		if err != nil {
			return "", "", fieldError("estate_id", "contract.estate.required", "Pick the estate.")
		}
		if err := authorizeIn(ctx, shequ.ActionInspectionRecord, e.Community, auditInspectionRecord, shequ.ObjInspection, id); err != nil {
			return "", "", err
		}
		st, err := s.settings(ctx, c.tx, e.Community)
		if err != nil {
			return "", "", err
		}
		if in, err = input.Score(st.Checklist, c.now); err != nil {
			return "", "", err
		}
		if in.CompanyID, err = s.companyOn(ctx, c.tx, e.ID, in.Day); err != nil {
			return "", "", err
		}
		items, err := json.Marshal(in.Items)
		if err != nil {
			return "", "", shequ.Wrap(err, "encode inspection items")
		}
		in.ID, in.EstateName, in.Community, in.RecordedBy, in.CreatedAt = id, e.Name, e.Community, actorID(ctx), c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO property_inspections (id, estate_id, community, company_id, day,
			inspectors, items, total, max_total, passed, note, recorded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), in.ID, e.ID, e.Community, nullString(in.CompanyID), dayArg(in.Day),
			in.Inspectors, string(items), in.Total, in.Max, boolArg(in.Passed()), in.Note, in.RecordedBy, s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "record inspection")
		}
		due := shequ.DateOf(c.now).AddDate(0, 0, st.RectifyDays)
		if input.DueOn != nil {
			due = shequ.DateOf(*input.DueOn)
		}
		var failed []string
		for _, it := range in.Items {
			if !it.Failed() {
				continue
			}
			failed = append(failed, it.Name)
			r := &shequ.Rectification{ID: newUUID7(), InspectionID: in.ID, EstateID: e.ID, EstateName: e.Name,
				Community: e.Community, CompanyID: in.CompanyID, ItemKey: it.Key, ItemName: it.Name, Finding: it.Note,
				DueOn: due, Status: shequ.RectifyOpen, CreatedAt: c.now, UpdatedAt: c.now}
			_, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO rectifications (id, inspection_id, estate_id, community,
				company_id, item_key, item_name, finding, due_on, status, report, reported_at, follow_up, verified_at,
				overdue_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', NULL, '', NULL, NULL, ?, ?)`),
				r.ID, r.InspectionID, r.EstateID, r.Community, nullString(r.CompanyID), r.ItemKey, r.ItemName, r.Finding,
				dayArg(r.DueOn), string(r.Status), s.db.dialect.timeArg(c.now), s.db.dialect.timeArg(c.now))
			if err != nil {
				return "", "", translateError(err, "issue rectification")
			}
			c.event(shequ.ObjRectification, r.ID, e.Community, auditInspectionRecord, "", string(r.Status), r.ItemName)
			in.Rectifications = append(in.Rectifications, r)
		}
		c.event(shequ.ObjInspection, in.ID, e.Community, auditInspectionRecord, "", "", "")
		c.event(shequ.ObjEstate, e.ID, e.Community, auditInspectionRecord, "", "", in.ID)
		if len(failed) > 0 {
			if _, err := s.addRecord(c, &shequ.CreditRecord{CompanyID: in.CompanyID, Kind: shequ.CreditInspectionFailed,
				Note: strings.Join(failed, "、"), ObjectType: shequ.ObjInspection, ObjectID: in.ID, EstateID: e.ID,
				Community: e.Community}); err != nil {
				return "", "", err
			}
			staff, err := s.staffOf(ctx, c.tx, in.CompanyID)
			if err := tell(c, staff, err, "rectification_issued", shequ.ObjInspection, in.ID, e.Name); err != nil {
				return "", "", err
			}
		}
		return in.ID, e.Community, nil
	})
	return in, err
}

// loadInspection reads an inspection with its orders.
func (s *PropertyService) loadInspection(ctx context.Context, q querier, id string) (*shequ.Inspection, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	in, err := scanInspection(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+inspectionColumns+inspectionFrom+` WHERE i.id = ?`), id))
	if err != nil {
		return nil, noRows(err, "find inspection")
	}
	in.Rectifications, err = s.loadRectifications(ctx, q, `r.inspection_id = ?`, []any{id}, 0, maxRegisterLimit)
	return in, err
}

// FindInspectionByID implements shequ.InspectionService: whoever may read
// the estate (its company's staff too).
func (s *PropertyService) FindInspectionByID(ctx context.Context, id string) (*shequ.Inspection, error) {
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditInspectionRead, shequ.ObjInspection, id); err != nil {
		return nil, err
	}
	in, err := s.loadInspection(ctx, s.db.db, id)
	if err != nil {
		return nil, err
	}
	obj, err := s.object(ctx, s.db.db, in.Community, "", in.CompanyID)
	if err != nil {
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionPropertyRead, obj); err != nil {
		return nil, s.denied(ctx, err, auditInspectionRead, shequ.ObjInspection, id, in.Community)
	}
	return in, nil
}

// FindInspections implements shequ.InspectionService: an estate's
// inspections, newest first.
func (s *PropertyService) FindInspections(ctx context.Context, estateID string, limit int) ([]*shequ.Inspection, error) {
	if _, err := s.FindEstateByID(ctx, estateID); err != nil {
		return nil, err
	}
	_, limit = limits(0, limit)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+inspectionColumns+inspectionFrom+` WHERE i.estate_id = ?
		ORDER BY i.day DESC, i.created_at DESC LIMIT ?`), estateID, limit)
	if err != nil {
		return nil, translateError(err, "find inspections")
	}
	defer rows.Close()
	var out []*shequ.Inspection
	for rows.Next() {
		in, err := scanInspection(rows)
		if err != nil {
			return nil, translateError(err, "find inspections")
		}
		out = append(out, in)
	}
	return out, translateError(rows.Err(), "find inspections")
}

// AddInspectionPhoto implements shequ.InspectionService: a JPEG, PNG or
// WebP of at most shequ.MaxPhotoBytes, at most shequ.MaxPhotos per
// inspection, by the workers who may inspect the estate.
func (s *PropertyService) AddInspectionPhoto(ctx context.Context, inspectionID string, data []byte) error {
	if err := s.guard(ctx, shequ.ActionInspectionRecord, auditInspectionPhoto, shequ.ObjInspection, inspectionID); err != nil {
		return err
	}
	contentType := shequ.SniffImage(data)
	switch {
	case len(data) == 0 || len(data) > shequ.MaxPhotoBytes:
		return fieldError("photo", "facility.photo.size", "A photo has at most 5 MB.")
	case contentType == "":
		return fieldError("photo", "facility.photo.type", "A photo is a JPEG, PNG or WebP image.")
	}
	return s.write(ctx, auditInspectionPhoto, shequ.ObjInspection, func(c *change) (string, string, error) {
		var community string
		var n int
		err := sql.ErrNoRows
		if validID(inspectionID) {
			err = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT community, (SELECT COUNT(*) FROM property_inspection_photos p
				WHERE p.inspection_id = i.id) FROM property_inspections i WHERE i.id = ?`), inspectionID).Scan(&community, &n)
		}
		if err != nil {
			return "", "", refuse(noRows(err, "find inspection"), auditInspectionPhoto, shequ.ObjInspection, inspectionID, "")
		}
		if err := authorizeIn(ctx, shequ.ActionInspectionRecord, community, auditInspectionPhoto, shequ.ObjInspection, inspectionID); err != nil {
			return "", "", err
		}
		if n >= shequ.MaxPhotos {
			return "", "", fieldError("photo", "facility.photo.many", "A facility has at most 10 photos.")
		}
		id := newUUID7()
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO property_inspection_photos (id, inspection_id, content_type,
			data, created_at) VALUES (?, ?, ?, ?, ?)`), id, inspectionID, contentType, data, s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "add photo")
		}
		c.event(shequ.ObjInspection, inspectionID, community, auditInspectionPhoto, "", "", id)
		return inspectionID, community, nil
	})
}

// InspectionPhotos implements shequ.InspectionService.
func (s *PropertyService) InspectionPhotos(ctx context.Context, inspectionID string) ([]*shequ.LinkagePhoto, error) {
	if _, err := s.FindInspectionByID(ctx, inspectionID); err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, content_type, data, created_at FROM property_inspection_photos
		WHERE inspection_id = ? ORDER BY created_at, id`), inspectionID)
	if err != nil {
		return nil, translateError(err, "find photos")
	}
	defer rows.Close()
	var out []*shequ.LinkagePhoto
	for rows.Next() {
		p := &shequ.LinkagePhoto{ObjectType: shequ.ObjInspection, ObjectID: inspectionID}
		if err := rows.Scan(&p.ID, &p.ContentType, &p.Data, scanTime(&p.CreatedAt)); err != nil {
			return nil, translateError(err, "find photos")
		}
		out = append(out, p)
	}
	return out, translateError(rows.Err(), "find photos")
}

const rectificationColumns = `r.id, r.inspection_id, r.estate_id, e.name, r.community, COALESCE(CAST(r.company_id AS TEXT), ''),
	r.item_key, r.item_name, r.finding, r.due_on, r.status, r.report, r.reported_at, r.follow_up, r.verified_at, r.overdue_at,
	r.created_at, r.updated_at`

const rectificationFrom = ` FROM rectifications r JOIN estates e ON e.id = r.estate_id`

func scanRectification(row interface{ Scan(...any) error }) (*shequ.Rectification, error) {
	r := &shequ.Rectification{}
	var due, st string
	var reported, verified, overdue time.Time
	err := row.Scan(&r.ID, &r.InspectionID, &r.EstateID, &r.EstateName, &r.Community, &r.CompanyID, &r.ItemKey, &r.ItemName,
		&r.Finding, &due, &st, &r.Report, scanTime(&reported), &r.FollowUp, scanTime(&verified), scanTime(&overdue),
		scanTime(&r.CreatedAt), scanTime(&r.UpdatedAt))
	if err != nil {
		return nil, err
	}
	r.Status, r.ReportedAt, r.VerifiedAt, r.OverdueAt = shequ.RectificationStatus(st), optTime(reported), optTime(verified), optTime(overdue)
	r.DueOn, err = scanDay(due)
	return r, err
}

// loadRectifications reads orders matching cond, by due date.
func (s *PropertyService) loadRectifications(ctx context.Context, q querier, cond string, args []any, offset, limit int) ([]*shequ.Rectification, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT `+rectificationColumns+rectificationFrom+` WHERE `+cond+`
		ORDER BY r.due_on, r.id LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, translateError(err, "find rectifications")
	}
	defer rows.Close()
	var out []*shequ.Rectification
	for rows.Next() {
		r, err := scanRectification(rows)
		if err != nil {
			return nil, translateError(err, "find rectifications")
		}
		out = append(out, r)
	}
	return out, translateError(rows.Err(), "find rectifications")
}

// loadRectification reads one order.
func (s *PropertyService) loadRectification(ctx context.Context, q querier, id string) (*shequ.Rectification, error) {
	if !validID(id) {
		return nil, shequ.ErrNotFound
	}
	list, err := s.loadRectifications(ctx, q, `r.id = ?`, []any{id}, 0, 1)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, shequ.ErrNotFound
	}
	return list[0], nil
}

// FindRectificationByID implements shequ.InspectionService.
func (s *PropertyService) FindRectificationByID(ctx context.Context, id string) (*shequ.Rectification, error) {
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditRectificationRead, shequ.ObjRectification, id); err != nil {
		return nil, err
	}
	r, err := s.loadRectification(ctx, s.db.db, id)
	if err != nil {
		return nil, err
	}
	obj, err := s.object(ctx, s.db.db, r.Community, "", r.CompanyID)
	if err != nil {
		return nil, err
	}
	if err := authorizeResident(ctx, shequ.ActionPropertyRead, obj); err != nil {
		return nil, s.denied(ctx, err, auditRectificationRead, shequ.ObjRectification, id, r.Community)
	}
	return r, nil
}

// FindRectifications implements shequ.InspectionService: in the actor's
// scope (property staff: their company's), by due date.
func (s *PropertyService) FindRectifications(ctx context.Context, f shequ.RectificationFilter) ([]*shequ.Rectification, int, error) {
	if err := s.guard(ctx, shequ.ActionPropertyRead, auditRectificationRead, shequ.ObjRectification, ""); err != nil {
		return nil, 0, err
	}
	prefix, ok, err := scopePrefix(shequ.ActorFrom(ctx), f.Division)
	if err != nil || !ok {
		return nil, 0, err
	}
	conds, args := []string{"r.community >= ? AND r.community < ?"}, []any{prefix, prefix + ":"}
	company := f.CompanyID
	if a := shequ.ActorFrom(ctx); a != nil && a.Role == shequ.RolePropertyStaff {
		mine, err := s.myCompany(ctx, s.db.db)
		if err != nil || mine == "" || company != "" && company != mine {
			return nil, 0, err
		}
		company = mine
	}
	if company != "" {
		conds, args = append(conds, "r.company_id = ?"), append(args, company)
	}
	if f.EstateID != "" {
		if !validID(f.EstateID) {
			return nil, 0, nil
		}
		conds, args = append(conds, "r.estate_id = ?"), append(args, f.EstateID)
	}
	if f.Status != "" {
		conds, args = append(conds, "r.status = ?"), append(args, string(f.Status))
	}
	where := strings.Join(conds, " AND ")
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM rectifications r WHERE `+where), args...).Scan(&total); err != nil {
		return nil, 0, translateError(err, "count rectifications")
	}
	offset, limit := limits(f.Offset, f.Limit)
	out, err := s.loadRectifications(ctx, s.db.db, where, args, offset, limit)
	return out, total, err
}

// MoveRectification implements shequ.InspectionService: the company's
// staff report; the community's workers verify or reopen after the
// follow-up inspection. The other side is told.
func (s *PropertyService) MoveRectification(ctx context.Context, id string, m shequ.RectificationMove) (*shequ.Rectification, error) {
	act := shequ.ActionInspectionRecord
	if m.To == shequ.RectifyReported {
		act = shequ.ActionRectificationReport
	}
	if err := s.guard(ctx, act, auditRectificationMove, shequ.ObjRectification, id); err != nil {
		return nil, err
	}
	if err := m.Check(s.now()); err != nil {
		return nil, err
	}
	var r *shequ.Rectification
	err := s.write(ctx, auditRectificationMove, shequ.ObjRectification, func(c *change) (string, string, error) {
		var err error
		if r, err = s.loadRectification(ctx, c.tx, id); err != nil {
			return "", "", refuse(err, auditRectificationMove, shequ.ObjRectification, id, "")
		}
		if err := s.authorizeObj(ctx, c.tx, act, r.Community, "", r.CompanyID, auditRectificationMove,
			shequ.ObjRectification, id); err != nil {
			return "", "", err
		}
		if err := r.CanTransition(m.To); err != nil {
			return "", "", err
		}
		from, now := r.Status, c.now
		r.Status, r.UpdatedAt = m.To, now
		switch m.To {
		case shequ.RectifyReported:
			r.Report, r.ReportedAt = m.Text, &now
		case shequ.RectifyVerified:
			r.FollowUp, r.VerifiedAt = m.Text, &now
		case shequ.RectifyOpen:
			r.FollowUp, r.DueOn, r.ReportedAt = m.Text, shequ.DateOf(*m.DueOn), nil
		}
		res, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE rectifications SET status = ?, report = ?, reported_at = ?,
			follow_up = ?, verified_at = ?, due_on = ?, updated_at = ? WHERE id = ? AND status = ?`), string(r.Status), r.Report,
			s.optTimeArg(r.ReportedAt), r.FollowUp, s.optTimeArg(r.VerifiedAt), dayArg(r.DueOn), s.db.dialect.timeArg(now), r.ID,
			string(from))
		if err != nil {
			return "", "", translateError(err, "move rectification")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return "", "", shequ.Errorf(shequ.EConflict, "rectification.changed", "The rectification changed meanwhile; reload it.")
		}
		c.event(shequ.ObjRectification, r.ID, r.Community, auditRectificationMove, string(from), string(r.Status), m.Text)
		if m.To == shequ.RectifyReported {
			workers, err := s.workers(ctx, c.tx, r.Community)
			if err := tell(c, workers, err, "rectification_reported", shequ.ObjRectification, r.ID, r.EstateName); err != nil {
				return "", "", err
			}
		} else {
			staff, err := s.staffOf(ctx, c.tx, r.CompanyID)
			if err := tell(c, staff, err, "rectification_"+string(m.To), shequ.ObjRectification, r.ID, r.EstateName); err != nil {
				return "", "", err
			}
		}
		return r.ID, r.Community, nil
	})
	return r, err
}
