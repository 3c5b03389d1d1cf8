package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"shequ"
)

// A referral to a catalogue service item (issue 16, item 5) files a request
// for the person, in the referral's transaction:
//
//   - Who files it: the case's assigned worker, on the person's behalf. The
//     request's resident is the person (its owner their account, if any),
//     SubmittedBy the worker, its channel 窗口受理 (staff acting for a
//     resident) and its identity note names the case: the person's identity
//     was checked when they were taken into care. The worker need not hold
//     request.submit: assignment to the case (case.write) authorizes it.
//   - Where it goes: the community's queue like any other request — state
//     submitted, the item's department and time limit, the per-state and
//     indicator counts, the audit record "request.submit".
//   - The item's rules: it must be active, offered in the person's
//     community and take requests at the window. Its form's required fields
//     must be answered, as at the window (Referral.Values; the page shows the
//     item's form once the item is picked). Materials are not handed over
//     with a referral: the department asks for what is missing through
//     待补正, and the worker is told what (below).
//   - The answer: nobody answers such a referral by hand. The request's
//     acceptance (已受理) accepts it; its refusal (不予受理) refuses it with
//     the request's reason — in the request's transaction
//     (RequestService.moved, set by LinkRequests). Its later moves are
//     the request's own (its timeline; the worker is told, below).
//   - Who is told: the person's own account, if they have one, that a
//     request was filed for them; the case's worker when the request is
//     accepted or refused (the referral's notifications), when it awaits
//     materials (with what is missing) and when it is completed (with the
//     result).

// LinkRequests lets care referrals file requests through rs and follow
// them. Call it once when wiring the services.
func (s *CareService) LinkRequests(rs *RequestService) {
	s.requests = rs
	rs.moved = s.requestMoved
	// Read when called: OnChange is wired after the services are made.
	rs.followed = func(communities ...string) { notifyChange(s.OnChange, communities) }
}

// referralIdentityNote is the request's identity note: the case it comes
// from and the worker who filed it.
func referralIdentityNote(k *shequ.Case, worker string) string {
	return truncateText("个案转介 "+k.Number+"：由 "+worker+" 代为申请（身份已在关爱名册核实）", 200)
}

// referralRequestFields are the request's input fields that the referral
// form names service_item_id (the form's own answers keep their names).
var referralRequestFields = map[string]bool{"service_code": true, "channel": true, "community_code": true,
	"resident_id": true, "materials": true}

// fileReferralRequest files the request of a referral to a service item
// for the case's person inside c's transaction, and sets the referral's
// request and the notification of the person.
func (s *CareService) fileReferralRequest(c *change, k *shequ.Case, r *shequ.Referral) (*shequ.ServiceRequest, error) {
	if s.requests == nil {
		return nil, shequ.Errorf(shequ.EUnavailable, "error.unavailable", "The service is not available.")
	}
	in := &shequ.RequestInput{ItemCode: r.ServiceItemID, Community: k.Community, ResidentID: k.ResidentID,
		Channel: shequ.ChannelWindow, Description: r.Note, Values: r.Values,
		IdentityNote: referralIdentityNote(k, actorName(c.ctx))}
	req, err := s.requests.fileFor(c.ctx, c.tx, in)
	if err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid || len(e.Fields) == 0 {
			return nil, err
		}
		var fe shequ.FieldErrors
		for _, f := range e.Fields {
			if referralRequestFields[f.Field] {
				f.Field = "service_item_id"
			}
			fe = append(fe, f)
		}
		return nil, fe.Err()
	}
	r.RequestID, r.RequestNumber, r.RequestState = req.ID, req.Number, req.State
	r.ServiceName = req.ItemName
	c.notify([]string{req.OwnerUserID}, "request_filed_for_you", objRequest, req.ID, requestSubject(req))
	return req, nil
}

// requestMoved runs inside the transaction of every move of a request: if
// a care referral filed it, acceptance or refusal answers the referral
// (with the request's reason), and the case's worker is told of these and
// of missing materials and completion. A request of no referral costs one
// indexed lookup.
func (s *CareService) requestMoved(ctx context.Context, tx *sql.Tx, req *shequ.ServiceRequest, _, to shequ.RequestState, now time.Time) (bool, error) {
	switch to {
	case shequ.RequestAccepted, shequ.RequestRefused, shequ.RequestAwaitingMaterials, shequ.RequestCompleted:
	default:
		return false, nil
	}
	var id, caseID, community, status, number, worker string
	err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT r.id, r.case_id, r.community, r.status, c.number, c.worker_id
		FROM care_referrals r JOIN care_cases c ON c.id = r.case_id WHERE r.request_id = ?`), req.ID).
		Scan(&id, &caseID, &community, &status, &number, &worker)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, translateError(err, "find referral of request")
	}
	c := &change{db: s.db, ctx: ctx, tx: tx, now: now}
	switch to {
	case shequ.RequestAwaitingMaterials:
		c.notes.add(ctx, now, []string{worker}, "referral_request_materials", objCase, caseID, number,
			strings.Join(req.Missing, "；"))
		return false, c.flush()
	case shequ.RequestCompleted:
		c.notes.add(ctx, now, []string{worker}, "referral_request_completed", objCase, caseID, number, req.Result)
		return false, c.flush()
	}
	if shequ.ReferralStatus(status) != shequ.ReferralPending {
		return false, nil // answered already
	}
	answer, reason := shequ.ReferralAccepted, ""
	if to == shequ.RequestRefused {
		answer, reason = shequ.ReferralRefused, truncateText(req.Reason, shequ.MaxCareText)
	}
	if _, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE care_referrals SET status = ?, reason = ?, answered_at = ?,
		answered_by = ? WHERE id = ? AND status = ?`), string(answer), reason, s.db.dialect.timeArg(now), actorID(ctx), id,
		string(shequ.ReferralPending)); err != nil {
		return false, translateError(err, "answer referral")
	}
	c.event(objReferral, id, community, auditReferralAnswer, string(shequ.ReferralPending), string(answer), "request="+req.Number)
	c.event(objCase, caseID, community, auditReferralAnswer, "", "", string(shequ.ReferToService)+"="+string(answer))
	c.notify([]string{worker}, "referral_"+string(answer), objCase, caseID, number)
	if err := c.flush(); err != nil {
		return false, err
	}
	return true, auditAllowed(ctx, s.db, tx, auditReferralAnswer, objReferral, id, community, "request")
}

// ReferralWorkers implements shequ.CareService: the accounts checkWorker
// accepts for the case — active community and social workers whose scope
// is the case's community or above it — but its own worker, by name, for
// the referral form's list. Only the case's worker may ask.
func (s *CareService) ReferralWorkers(ctx context.Context, caseID string) ([]*shequ.User, error) {
	if err := authorizeResident(ctx, shequ.ActionCaseWrite, nil); err != nil {
		return nil, s.denied(ctx, err, auditReferral, objCase, caseID, "")
	}
	k, err := s.loadCase(ctx, s.db.db, caseID)
	if err != nil {
		return nil, s.denied(ctx, err, auditReferral, objCase, caseID, "")
	}
	worker, _, err := s.caseAccess(ctx, s.db.db, shequ.ActionCaseWrite, k)
	if err == nil && !worker {
		err = shequ.ErrNotFound
	}
	if err != nil {
		return nil, s.denied(ctx, err, auditReferral, objCase, caseID, k.Community)
	}
	scopes := []any{""}
	for _, n := range []int{2, 4, 6, 9, 12} {
		scopes = append(scopes, k.Community[:n])
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+userColumns+` FROM users u
		WHERE u.role IN (?, ?) AND u.disabled = ? AND u.id <> ? AND u.scope IN (`+placeholders(len(scopes))+`)
		ORDER BY u.scope DESC, u.name, u.username_key LIMIT 200`),
		append([]any{string(shequ.RoleCommunityWorker), string(shequ.RoleSocialWorker), false, k.WorkerID}, scopes...)...)
	if err != nil {
		return nil, translateError(err, "referral workers")
	}
	defer rows.Close()
	out := []*shequ.User{}
	for rows.Next() {
		u, err := scanUser(rows.Scan)
		if err != nil {
			return nil, translateError(err, "referral workers")
		}
		out = append(out, u)
	}
	return out, translateError(rows.Err(), "referral workers")
}
