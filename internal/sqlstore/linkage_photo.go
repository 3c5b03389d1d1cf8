package sqlstore

import (
	"context"
	"database/sql"

	"shequ"
)

const auditPhotoAdd = "photo.add"

// photoTarget checks that the actor may add a photo to a need (its author,
// or whoever manages needs there) or to an activity (the winning team), and
// returns the project or need timeline it goes on and the community.
func (s *LinkageService) photoTarget(c *change, p *shequ.LinkagePhoto) (objType, objID, community string, err error) {
	ctx := c.ctx
	switch p.ObjectType {
	case objNeed:
		n, err := s.loadNeed(ctx, c.tx, p.ObjectID)
		if err != nil {
			return "", "", "", refuse(err, auditPhotoAdd, objNeed, p.ObjectID, "")
		}
		act := shequ.ActionNeedManage
		if a := shequ.ActorFrom(ctx); a != nil && a.UserID == n.AuthorID {
			act = shequ.ActionNeedRaise
		}
		if err := authorizeIn(ctx, act, n.Community, auditPhotoAdd, objNeed, n.ID); err != nil {
			return "", "", "", err
		}
		return objNeed, n.ID, n.Community, nil
	case objActivity:
		var projectID string
		err := sql.ErrNoRows
		if validID(p.ObjectID) {
			err = c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT project_id FROM activities WHERE id = ?`), p.ObjectID).Scan(&projectID)
		}
		if err != nil {
			return "", "", "", refuse(noRows(err, "find activity"), auditPhotoAdd, objActivity, p.ObjectID, "")
		}
		pr, err := s.loadProject(ctx, c.tx, projectID)
		if err != nil {
			return "", "", "", err
		}
		if err := authorizeIn(ctx, shequ.ActionActivityRecord, pr.Community, auditPhotoAdd, objActivity, p.ObjectID); err != nil {
			return "", "", "", err
		}
		if ok, err := s.onWinningTeam(ctx, c.tx, pr); err != nil || !ok {
			if err == nil {
				err = refuse(shequ.Errorf(shequ.EForbidden, "activity.not_team", "Only the winning team records activities."),
					auditPhotoAdd, objActivity, p.ObjectID, pr.Community)
			}
			return "", "", "", err
		}
		return objProject, pr.ID, pr.Community, nil
	}
	return "", "", "", shequ.ErrNotFound
}

// AddPhoto implements shequ.PhotoService: a JPEG, PNG or WebP image of at
// most shequ.MaxPhotoBytes, at most shequ.MaxPhotos per object; audited
// "photo.add" and noted on the timeline of the need or the project.
func (s *LinkageService) AddPhoto(ctx context.Context, p *shequ.LinkagePhoto) error {
	var fe shequ.FieldErrors
	p.ContentType = shequ.SniffImage(p.Data)
	switch {
	case len(p.Data) == 0 || len(p.Data) > shequ.MaxPhotoBytes:
		fe.Add("photo", "facility.photo.size", "A photo has at most 5 MB.", nil)
	case p.ContentType == "":
		fe.Add("photo", "facility.photo.type", "A photo is a JPEG, PNG or WebP image.", nil)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.write(ctx, auditPhotoAdd, p.ObjectType, func(c *change) (string, string, error) {
		objType, objID, community, err := s.photoTarget(c, p)
		if err != nil {
			return "", "", err
		}
		var n int
		if err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM linkage_photos WHERE object_type = ? AND object_id = ?`),
			p.ObjectType, p.ObjectID).Scan(&n); err != nil {
			return "", "", translateError(err, "count photos")
		}
		if n >= shequ.MaxPhotos {
			return "", "", fieldError("photo", "facility.photo.many", "A facility has at most 10 photos.")
		}
		p.ID, p.CreatedAt = newUUID7(), c.now
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO linkage_photos (id, object_type, object_id, content_type, data, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`), p.ID, p.ObjectType, p.ObjectID, p.ContentType, p.Data, s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "add photo")
		}
		c.event(objType, objID, community, auditPhotoAdd, "", "", p.ID)
		return p.ObjectID, community, nil
	})
}

// FindPhotos implements shequ.PhotoService.
func (s *LinkageService) FindPhotos(ctx context.Context, objectType, objectID string) ([]*shequ.LinkagePhoto, error) {
	switch objectType {
	case objNeed:
		if _, err := s.FindNeedByID(ctx, objectID); err != nil {
			return nil, err
		}
	case objActivity:
		var projectID string
		err := sql.ErrNoRows
		if validID(objectID) {
			err = s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT project_id FROM activities WHERE id = ?`), objectID).Scan(&projectID)
		}
		if err != nil {
			return nil, noRows(err, "find activity")
		}
		if _, err := s.readableProject(ctx, projectID); err != nil {
			return nil, err
		}
	default:
		return nil, shequ.ErrNotFound
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, content_type, data, created_at FROM linkage_photos
		WHERE object_type = ? AND object_id = ? ORDER BY created_at, id`), objectType, objectID)
	if err != nil {
		return nil, translateError(err, "find photos")
	}
	defer rows.Close()
	var out []*shequ.LinkagePhoto
	for rows.Next() {
		p := &shequ.LinkagePhoto{ObjectType: objectType, ObjectID: objectID}
		if err := rows.Scan(&p.ID, &p.ContentType, &p.Data, scanTime(&p.CreatedAt)); err != nil {
			return nil, translateError(err, "find photos")
		}
		out = append(out, p)
	}
	return out, translateError(rows.Err(), "find photos")
}
