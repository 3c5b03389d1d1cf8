package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/google/uuid"

	"shequ"
)

var _ shequ.RequestIntake = (*RequestService)(nil)

// Supplement hands in the missing materials of a request awaiting them
// (提交补正) and resumes it: the resident on their own request, having
// uploaded at least one file since it was paused, or a worker at the window
// for them. The due date moves on by the working days it waited (the SLA
// clock resumes where it stopped), the timeline records the hand-in and the
// state, the worker who asked is told, and the audit records
// "request.supplement", all in one transaction.
func (s *RequestService) Supplement(ctx context.Context, id, note string) (*shequ.ServiceRequest, error) {
	if err := authorizeResident(ctx, shequ.ActionRequestSupplement, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditRequestSupplement, objRequest, clipID(id), "")
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, s.db.recordDenied(ctx, shequ.ErrNotFound, auditRequestSupplement, objRequest, clipID(id), "")
	}
	r, err := s.load(ctx, s.db.db, "id", id)
	if err != nil {
		return nil, s.db.recordDenied(ctx, err, auditRequestSupplement, objRequest, clipID(id), "")
	}
	if err := authorizeResident(ctx, shequ.ActionRequestSupplement, requestObject(r)); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditRequestSupplement, objRequest, id, r.Community)
	}
	in := shequ.TransitionInput{Note: note}
	if err := in.Check(shequ.RequestInProcess); err != nil {
		return nil, err
	}
	if r.State != shequ.RequestAwaitingMaterials || r.PausedAt == nil {
		return nil, shequ.Errorf(shequ.EConflict, "request.supplement.state", "Only a request awaiting materials takes them.").
			With(map[string]any{"From": shequ.Label{Prefix: "request.state", Value: string(r.State)}})
	}
	files, err := s.filesSince(ctx, r.ID, *r.PausedAt)
	if err != nil {
		return nil, err
	}
	if a := shequ.ActorFrom(ctx); len(files) == 0 && a != nil && a.Role == shequ.RoleResident {
		var fe shequ.FieldErrors
		fe.Add("file", "request.supplement.files", "Upload the missing materials first.", nil)
		return nil, fe.Err()
	}
	cal, err := s.catalog.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	handedIn := strings.Join(files, "、")
	if in.Note != "" {
		handedIn = strings.TrimPrefix(handedIn+" — "+in.Note, " — ")
	}
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.addEvent(ctx, tx, r, "supplement", "", "", handedIn); err != nil {
			return err
		}
		if err := s.apply(ctx, tx, r, shequ.RequestInProcess, shequ.TransitionInput{}, cal); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditRequestSupplement, objRequest, r.ID, r.Community, "")
	})
	if err != nil {
		return nil, err
	}
	notifyChange(s.OnChange, []string{r.Community})
	return r, nil
}

// auditRequestSupplement is the audit action of Supplement.
const auditRequestSupplement = "request.supplement"

// filesSince lists the names of the request's files added at or after t.
func (s *RequestService) filesSince(ctx context.Context, id string, t time.Time) ([]string, error) {
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT name FROM attachments
		WHERE object_type = 'request' AND object_id = ? AND created_at >= ? ORDER BY created_at, id`), id, s.db.dialect.timeArg(t))
	if err != nil {
		return nil, translateError(err, "list attachments")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, translateError(err, "list attachments")
		}
		out = append(out, n)
	}
	return out, translateError(rows.Err(), "list attachments")
}

// AttachMaterials stores the files of an online application, handed in
// with it, in one transaction: each file with its timeline event, and one
// audit record "attachment.add" per file. The request must be the actor's
// to read (a resident: their own, just filed).
func (s *RequestService) AttachMaterials(ctx context.Context, id string, files []*shequ.MaterialUpload) error {
	r, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	uploader := ""
	if a := shequ.ActorFrom(ctx); a != nil {
		uploader = a.UserID
	}
	now := s.db.dialect.timeArg(s.db.now())
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		for _, f := range files {
			if err := shequ.CheckAttachment(f.Name, f.ContentType, len(f.Data)); err != nil {
				return err
			}
			atID := newUUID7()
			name := strings.TrimSpace(f.Name)
			_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO attachments (id, object_type, object_id, community, name,
				content_type, size, data, uploaded_by, created_at) VALUES (?, 'request', ?, ?, ?, ?, ?, ?, ?, ?)`),
				atID, r.ID, r.Community, name, f.ContentType, len(f.Data), f.Data, uploader, now)
			if err != nil {
				return translateError(err, "store attachment")
			}
			if err := s.addEvent(ctx, tx, r, "attachment", "", "", name); err != nil {
				return err
			}
			if err := auditAllowed(ctx, s.db, tx, auditAttachmentAdd, objAttachment, atID, r.Community, "request"); err != nil {
				return err
			}
		}
		return nil
	})
}
