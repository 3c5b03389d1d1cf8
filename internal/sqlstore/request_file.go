package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"shequ"
)

// Filing a request is split in two so that another module's change can
// file one inside its own transaction (a care referral to a catalogue
// service item files a request for the person, issue 16): prepare checks
// the input against the item and builds the row, the first timeline event
// and the sealed form values without writing; writeSubmissions writes them
// (alone, or a group's at once). Submit runs both under the group commit;
// fileFor runs both inside the caller's transaction.

// activeItem returns the active catalogue item of code; a field error on
// service_code when there is none.
func (s *RequestService) activeItem(ctx context.Context, code string) (*shequ.ServiceItem, error) {
	item, err := s.catalog.GetItem(ctx, code)
	if err != nil && shequ.ErrorCode(err) != shequ.ENotFound {
		return nil, err // the catalogue could not be read: not the caller's fault
	}
	if err != nil || !item.Active {
		var fe shequ.FieldErrors
		fe.Add("service_code", "request.item.unknown", "No active service item has this code.", nil)
		return nil, fe.Err()
	}
	return item, nil
}

// newRequest is a new request of item from in, filed now by the actor of
// ctx (SubmittedBy).
func newRequest(ctx context.Context, in *shequ.RequestInput, item *shequ.ServiceItem, now time.Time) *shequ.ServiceRequest {
	r := &shequ.ServiceRequest{ID: newUUID7(), Token: newToken(now), ItemCode: item.Code, ItemName: item.Name,
		Community: in.Community, Channel: in.Channel, Description: in.Description, Address: in.Address,
		Lat: in.Lat, Lng: in.Lng, State: shequ.RequestSubmitted, Department: item.Department,
		IdentityNote: in.IdentityNote, Missing: []string{}, CreatedAt: now, UpdatedAt: now}
	if a := shequ.ActorFrom(ctx); a != nil {
		r.SubmittedBy = a.UserID
	}
	return r
}

// prepare checks r (its resident and community already set) against the
// item — offered in the community, open to the channel, the form's values
// (required fields included) and the materials named — and returns every
// field error at once; then allowed (nil: the caller authorized the filing)
// decides whether the actor may file it. It seals the personal values,
// sets the due date and returns the submission, written by nothing yet.
func (s *RequestService) prepare(ctx context.Context, r *shequ.ServiceRequest, in *shequ.RequestInput, item *shequ.ServiceItem,
	now time.Time, allowed func(*shequ.ServiceRequest) error) (*pendingSubmission, error) {
	var fe shequ.FieldErrors
	if r.Community == "" {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	} else if !item.Offers(r.Community) {
		fe.Add("service_code", "request.item.not_offered", "This item is not offered in the community.", nil)
	}
	if !item.Allows(in.Channel) {
		fe.Add("channel", "request.channel.not_allowed", "This item does not take requests through this channel.", nil)
	}
	values, verr := item.CheckValues(in.Values, now)
	plain, personal := splitPersonal(item, values)
	r.Values = plain
	for _, m := range in.Materials {
		if !slices.ContainsFunc(item.Materials, func(x shequ.Material) bool { return x.Name == m }) {
			fe.Add("materials", "request.material.unknown", "A material handed over is not on the item's checklist.", nil)
			break
		}
	}
	r.Materials = append([]string{}, in.Materials...)
	if err := mergeFieldErrors(verr, fe); err != nil {
		return nil, err
	}
	if allowed != nil {
		if err := allowed(r); err != nil {
			return nil, err
		}
	}
	sealed, err := s.sealPersonal(r.ID, personal)
	if err != nil {
		return nil, err
	}
	attrs := jsonText(r.Values)
	r.Values = withPersonal(plain, personal, false) // what the caller sees: masked
	cal, err := s.catalog.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	r.DueAt = shequ.DueDate(cal, now, item.TimeLimitDays).UTC().Truncate(time.Microsecond)
	note := ""
	if r.Channel == shequ.ChannelWindow {
		note = r.IdentityNote
	}
	return &pendingSubmission{r: r, event: s.eventRow(ctx, r, "state", "", r.State, note), attrs: attrs, sealed: sealed}, nil
}

// fileFor files a request for the resident in.ResidentID by the staff
// actor of ctx inside tx, the caller's transaction: the row, its first
// timeline event, the counts and the audit record "request.submit" commit
// or roll back with the caller's change. The caller has authorized the
// filing (a care referral: the case's assigned worker, who may not hold
// request.submit) and calls notifyChange(s.OnChange, …) once committed.
// The request lands in the community's queue like any other: state
// submitted, the item's department, its time limit. Errors are those of
// Submit (field errors name service_code, channel, resident_id and the
// form's attribute[CODE]).
func (s *RequestService) fileFor(ctx context.Context, tx *sql.Tx, in *shequ.RequestInput) (*shequ.ServiceRequest, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	now := s.db.now()
	item, err := s.activeItem(ctx, in.ItemCode)
	if err != nil {
		return nil, err
	}
	if in.Channel == shequ.ChannelOnline || in.Channel == shequ.ChannelAgency {
		return nil, channelError() // staff acting for a resident, with no delegation
	}
	ref, err := s.findResidentRef(ctx, tx, in.ResidentID, false)
	if err != nil {
		if shequ.ErrorCode(err) != shequ.ENotFound {
			return nil, err
		}
		var fe shequ.FieldErrors
		fe.Add("resident_id", "request.resident.unknown", "No resident has this id.", nil)
		return nil, fe.Err()
	}
	r := newRequest(ctx, in, item, now)
	r.ResidentID, r.OwnerUserID, r.Community = ref.id, ref.userID, ref.community
	p, err := s.prepare(ctx, r, in, item, now, nil)
	if err != nil {
		return nil, err
	}
	if err := s.writeSubmissions(ctx, tx, []any{p}); err != nil {
		return nil, err
	}
	if err := auditAllowed(ctx, s.db, tx, auditRequestSubmit, objRequest, r.ID, r.Community, string(r.Channel)); err != nil {
		return nil, err
	}
	return r, nil
}
