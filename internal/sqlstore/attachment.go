package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/google/uuid"

	"shequ"
)

// Audited actions of attachments.
const (
	auditAttachmentAdd  = "attachment.add"
	auditAttachmentRead = "attachment.read"
	objAttachment       = "attachment"
)

// attachmentOwner checks that the actor may attach to (write) or read the
// object of an attachment, and returns its community. Requests need
// ActionRequestRead on the request (a resident: their own, to hand in
// missing materials); delegations ActionDelegationWrite or Read.
func (s *RequestService) attachmentOwner(ctx context.Context, objectType, objectID string, write bool) (string, error) {
	switch objectType {
	case "request":
		r, err := s.Get(ctx, objectID)
		if err != nil {
			return "", err
		}
		return r.Community, nil
	case "delegation":
		act, audit := shequ.ActionDelegationRead, auditDelegationRead
		if write {
			act, audit = shequ.ActionDelegationWrite, auditAttachmentAdd
		}
		d, err := (&DelegationService{db: s.db}).authorized(ctx, objectID, act, audit)
		if err != nil {
			return "", err
		}
		return d.Community, nil
	}
	return "", shequ.ErrNotFound
}

// AddAttachment stores a file for a request or a delegation. contentType
// is the sniffed type; shequ.CheckAttachment sets the limits. Audited
// "attachment.add"; a file on a request also goes on its timeline.
func (s *RequestService) AddAttachment(ctx context.Context, objectType, objectID, name, contentType string, data []byte) (*shequ.Attachment, error) {
	community, err := s.attachmentOwner(ctx, objectType, objectID, true)
	if err != nil {
		return nil, err
	}
	if err := shequ.CheckAttachment(name, contentType, len(data)); err != nil {
		return nil, err
	}
	now := s.db.now()
	at := &shequ.Attachment{ID: newUUID7(), ObjectType: objectType, ObjectID: objectID, Community: community,
		Name: strings.TrimSpace(name), ContentType: contentType, Size: len(data), CreatedAt: now}
	if a := shequ.ActorFrom(ctx); a != nil {
		at.UploadedBy = a.UserID
	}
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO attachments (id, object_type, object_id, community, name,
			content_type, size, data, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			at.ID, objectType, objectID, community, at.Name, contentType, at.Size, data, at.UploadedBy, s.db.dialect.timeArg(now))
		if err != nil {
			return translateError(err, "store attachment")
		}
		if objectType == "request" {
			if err := s.addEvent(ctx, tx, &shequ.ServiceRequest{ID: objectID}, "attachment", "", "", at.Name); err != nil {
				return err
			}
		}
		return auditAllowed(ctx, s.db, tx, auditAttachmentAdd, objAttachment, at.ID, community, objectType)
	})
	if err != nil {
		return nil, err
	}
	return at, nil
}

// Attachments lists the files of an object the actor may see (without data).
func (s *RequestService) Attachments(ctx context.Context, objectType, objectID string) ([]*shequ.Attachment, error) {
	if _, err := s.attachmentOwner(ctx, objectType, objectID, false); err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, object_type, object_id, community, name, content_type,
		size, uploaded_by, created_at FROM attachments WHERE object_type = ? AND object_id = ? ORDER BY created_at, id`),
		objectType, objectID)
	if err != nil {
		return nil, translateError(err, "list attachments")
	}
	defer rows.Close()
	out := []*shequ.Attachment{}
	for rows.Next() {
		var at shequ.Attachment
		if err := rows.Scan(&at.ID, &at.ObjectType, &at.ObjectID, &at.Community, &at.Name, &at.ContentType, &at.Size,
			&at.UploadedBy, scanTime(&at.CreatedAt)); err != nil {
			return nil, translateError(err, "list attachments")
		}
		out = append(out, &at)
	}
	return out, translateError(rows.Err(), "list attachments")
}

// OpenAttachment returns a file and its data, if the actor may see its
// object. Audited "attachment.read".
func (s *RequestService) OpenAttachment(ctx context.Context, id string) (*shequ.Attachment, []byte, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, nil, shequ.ErrNotFound
	}
	var at shequ.Attachment
	var data []byte
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT id, object_type, object_id, community, name, content_type,
		size, data, uploaded_by, created_at FROM attachments WHERE id = ?`), id).Scan(&at.ID, &at.ObjectType,
		&at.ObjectID, &at.Community, &at.Name, &at.ContentType, &at.Size, &data, &at.UploadedBy, scanTime(&at.CreatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, shequ.ErrNotFound
	}
	if err != nil {
		return nil, nil, translateError(err, "open attachment")
	}
	if _, err := s.attachmentOwner(ctx, at.ObjectType, at.ObjectID, false); err != nil {
		return nil, nil, err
	}
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		return auditAllowed(ctx, s.db, tx, auditAttachmentRead, objAttachment, at.ID, at.Community, "")
	})
	return &at, data, err
}
