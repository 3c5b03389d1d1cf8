package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/google/uuid"

	"shequ"
)

// transitionNote is what the timeline says of a transition: the reason,
// the missing materials, the department, the result or the rating, and the
// note.
func transitionNote(to shequ.RequestState, in shequ.TransitionInput) string {
	var parts []string
	switch to {
	case shequ.RequestRefused:
		parts = append(parts, in.Reason)
	case shequ.RequestAwaitingMaterials:
		parts = append(parts, strings.Join(in.Missing, "；"))
	case shequ.RequestTransferred:
		parts = append(parts, in.Department)
	case shequ.RequestCompleted:
		parts = append(parts, in.Result)
	case shequ.RequestRated:
		parts = append(parts, strings.Repeat("★", in.Rating))
	}
	if in.Note != "" {
		parts = append(parts, in.Note)
	}
	return strings.Join(parts, " — ")
}

// Transition moves a request to state to (see shequ.RequestService). A
// resident may only rate their own completed request; every other move
// needs ActionRequestHandle in the request's community. Awaiting materials
// stops the SLA clock (PausedAt); going back in process moves the due date
// on by the working days it waited. The row is updated only if it is still
// in the state read, so two workers racing get one success and one
// EConflict.
func (s *RequestService) Transition(ctx context.Context, id string, to shequ.RequestState, in shequ.TransitionInput) (*shequ.ServiceRequest, error) {
	act := shequ.ActionRequestHandle
	if to == shequ.RequestRated {
		act = shequ.ActionRequestRate
	}
	if err := authorizeResident(ctx, act, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditRequestTransition, objRequest, clipID(id), "")
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, s.db.recordDenied(ctx, shequ.ErrNotFound, auditRequestTransition, objRequest, clipID(id), "")
	}
	r, err := s.load(ctx, s.db.db, "id", id)
	if err != nil {
		return nil, s.db.recordDenied(ctx, err, auditRequestTransition, objRequest, clipID(id), "")
	}
	if err := authorizeResident(ctx, act, requestObject(r)); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditRequestTransition, objRequest, id, r.Community)
	}
	if !to.Valid() {
		return nil, shequ.Errorf(shequ.EInvalid, "request.state.invalid", "Unknown state of a request.")
	}
	if err := r.CanTransition(to); err != nil {
		return nil, err
	}
	if err := in.Check(to); err != nil {
		return nil, err
	}
	cal, err := s.catalog.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	from, followed := r.State, false
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.apply(ctx, tx, r, to, in, cal); err != nil {
			return err
		}
		if s.moved != nil {
			var err error
			if followed, err = s.moved(ctx, tx, r, from, to, r.UpdatedAt); err != nil {
				return err
			}
		}
		return auditAllowed(ctx, s.db, tx, auditRequestTransition, objRequest, r.ID, r.Community, string(to))
	})
	if err != nil {
		return nil, err
	}
	notifyChange(s.OnChange, []string{r.Community})
	if followed {
		notifyChange(s.followed, []string{r.Community})
	}
	return r, nil
}

// apply moves r to state to inside tx: the row (if still in r's state), the
// timeline event, the counts and the notifications. r is updated in place.
func (s *RequestService) apply(ctx context.Context, tx *sql.Tx, r *shequ.ServiceRequest, to shequ.RequestState, in shequ.TransitionInput, cal *shequ.Calendar) error {
	now := s.db.now()
	from := r.State
	// The request leaves its group of the indicator counts, and joins
	// its new one below.
	if err := s.tally(ctx, tx, r, -1); err != nil {
		return err
	}
	switch to {
	case shequ.RequestRefused:
		r.Reason = in.Reason
		r.CompletedAt = &now
	case shequ.RequestAwaitingMaterials:
		r.Missing, r.PausedAt = in.Missing, &now
	case shequ.RequestTransferred:
		r.Department = in.Department
	case shequ.RequestCompleted:
		r.Result, r.CompletedAt = in.Result, &now
	case shequ.RequestRated:
		r.Rating, r.RatingNote = in.Rating, in.Note
	}
	if from == shequ.RequestAwaitingMaterials && r.PausedAt != nil {
		r.DueAt = shequ.Resume(cal, r.DueAt, *r.PausedAt, now).UTC().Truncate(time.Microsecond)
		r.PausedAt = nil
	}
	r.State, r.UpdatedAt = to, now
	d := s.db.dialect
	timeOrNil := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return d.timeArg(*t)
	}
	res, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE service_requests SET state = ?, department = ?, missing = ?,
		result = ?, reason = ?, rating = ?, rating_note = ?, due_at = ?, paused_at = ?, completed_at = ?, updated_at = ?
		WHERE id = ? AND state = ?`),
		string(to), r.Department, jsonText(nonNil(r.Missing)), r.Result, r.Reason, r.Rating, r.RatingNote,
		d.timeArg(r.DueAt), timeOrNil(r.PausedAt), timeOrNil(r.CompletedAt), d.timeArg(now), r.ID, string(from))
	if err != nil {
		return translateError(err, "update request")
	}
	if n, err := res.RowsAffected(); err != nil {
		return translateError(err, "update request")
	} else if n != 1 {
		return shequ.Errorf(shequ.EConflict, "request.changed", "The request was changed by someone else; reload it.")
	}
	if to == shequ.RequestCompleted {
		// Working days from filing to completion, for the median of the
		// indicators (paused days included: the resident waited too).
		r.HandlingDays = cal.WorkdaysBetween(r.CreatedAt, now)
		if _, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE service_requests SET handling_days = ? WHERE id = ?`), r.HandlingDays, r.ID); err != nil {
			return translateError(err, "update request")
		}
	}
	if err := s.tally(ctx, tx, r, 1); err != nil {
		return err
	}
	if err := s.addEvent(ctx, tx, r, "state", from, to, transitionNote(to, in)); err != nil {
		return err
	}
	if err := s.count(ctx, tx, r.Community, from, to); err != nil {
		return err
	}
	// Whoever waits for this change is told (request_notify.go).
	notes, err := s.transitionNotes(ctx, tx, r, from, to, now)
	if err != nil {
		return err
	}
	return s.db.addNotifications(ctx, tx, notes)
}

// BulkTransfer transfers every listed request the actor may handle to a
// department with a note, in one transaction (all or nothing): one
// request that may not be transferred (out of scope, wrong state) refuses
// the lot. It returns the number transferred.
func (s *RequestService) BulkTransfer(ctx context.Context, ids []string, department, note string) (int, error) {
	if err := authorizeResident(ctx, shequ.ActionRequestHandle, nil); err != nil {
		return 0, s.db.recordDenied(ctx, err, auditRequestTransition, objRequest, "", "")
	}
	in := shequ.TransitionInput{Department: department, Note: note}
	if err := in.Check(shequ.RequestTransferred); err != nil {
		return 0, err
	}
	if len(ids) == 0 || len(ids) > maxRequestLimit {
		return 0, shequ.Errorf(shequ.EInvalid, "request.bulk.count", "Choose 1 to %d requests.", maxRequestLimit)
	}
	var reqs []*shequ.ServiceRequest
	for _, id := range ids {
		if _, err := uuid.Parse(id); err != nil {
			return 0, shequ.ErrNotFound
		}
		r, err := s.load(ctx, s.db.db, "id", id)
		if err != nil {
			return 0, s.db.recordDenied(ctx, err, auditRequestTransition, objRequest, clipID(id), "")
		}
		if err := authorizeResident(ctx, shequ.ActionRequestHandle, requestObject(r)); err != nil {
			return 0, s.db.recordDenied(ctx, err, auditRequestTransition, objRequest, id, r.Community)
		}
		if err := r.CanTransition(shequ.RequestTransferred); err != nil {
			return 0, shequ.AsError(err).With(map[string]any{"From": string(r.State), "To": "transferred", "Number": r.Number})
		}
		reqs = append(reqs, r)
	}
	cal, err := s.catalog.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	var communities []string
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		for _, r := range reqs {
			if err := s.apply(ctx, tx, r, shequ.RequestTransferred, in, cal); err != nil {
				return err
			}
			communities = append(communities, r.Community)
		}
		for _, r := range reqs {
			if err := auditAllowed(ctx, s.db, tx, auditRequestTransition, objRequest, r.ID, r.Community, "transferred"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	notifyChange(s.OnChange, communities)
	return len(reqs), nil
}
