package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"shequ"
)

// pendingSubmission is a submitted request waiting for the end of its
// group commit: the request (its number is given when written) and its
// first timeline event.
type pendingSubmission struct {
	r     *shequ.ServiceRequest
	event []any
	// attrs and sealed are the plain form values (JSON) and the sealed
	// personal ones (request_personal.go).
	attrs, sealed string
}

// requestInsertColumns are the columns a submission writes, in the order
// of submissionRow's values.
var requestInsertColumns = []string{"id", "number", "token", "item_code", "community", "resident_id",
	"owner_user_id", "channel", "description", "attrs", "lat", "lng", "address", "state", "department",
	"delegation_id", "agent_id", "submitted_by", "identity_note", "materials", "missing", "result", "reason",
	"rating", "rating_note", "due_at", "created_at", "updated_at", "attrs_sealed"}

// submissionRow is the row of a new request.
func (s *RequestService) submissionRow(p *pendingSubmission) []any {
	r := p.r
	d := s.db.dialect
	var lat, lng any
	if r.Lat != nil {
		lat, lng = *r.Lat, *r.Lng
	}
	return []any{r.ID, r.Number, r.Token, r.ItemCode, r.Community, nullString(r.ResidentID),
		nullString(r.OwnerUserID), string(r.Channel), r.Description, p.attrs, lat, lng, r.Address,
		string(r.State), r.Department, nullString(r.DelegationID), nullString(r.AgentID), r.SubmittedBy,
		r.IdentityNote, jsonText(r.Materials), "[]", "", "", 0, "", d.timeArg(r.DueAt), d.timeArg(r.CreatedAt),
		d.timeArg(r.UpdatedAt), p.sealed}
}

// writeSubmissions writes submitted requests (*pendingSubmission) inside
// tx, one or a whole group's: their readable numbers from one advance of
// the counter, the rows and the events with multi-row INSERTs, and the
// per-state and indicator counts once per community and group instead of
// once per request. Each request's number is set on it here.
func (s *RequestService) writeSubmissions(ctx context.Context, tx *sql.Tx, pending []any) error {
	seqs, err := s.db.dialect.nextRequestSeqs(ctx, tx, len(pending))
	if err != nil {
		return translateError(err, "number request")
	}
	requests := make([][]any, len(pending))
	events := make([][]any, len(pending))
	type stateKey struct {
		community string
		state     shequ.RequestState
	}
	states := map[stateKey]int{}
	tallies := map[shequ.ServiceCountRow]int{}
	var stateOrder []stateKey
	var tallyOrder []shequ.ServiceCountRow
	for i, x := range pending {
		p := x.(*pendingSubmission)
		r := p.r
		r.Number = fmt.Sprintf("%s-%s-%06d", r.Community[:6], r.CreatedAt.In(shequ.Shanghai).Format("20060102"), seqs[i])
		requests[i], events[i] = s.submissionRow(p), p.event
		k := stateKey{r.Community, r.State}
		if states[k] == 0 {
			stateOrder = append(stateOrder, k)
		}
		states[k]++
		g := countRow(r)
		if tallies[g] == 0 {
			tallyOrder = append(tallyOrder, g)
		}
		tallies[g]++
	}
	if err := s.db.insertRows(ctx, tx, "service_requests", requestInsertColumns, requests); err != nil {
		return err
	}
	if err := s.db.insertRows(ctx, tx, "request_events", requestEventColumns, events); err != nil {
		return err
	}
	// The counts in a fixed order, so that concurrent groups on PostgreSQL
	// take their row locks in the same order.
	for _, k := range stateOrder {
		if err := s.addCount(ctx, tx, k.community, k.state, states[k]); err != nil {
			return err
		}
	}
	for _, g := range tallyOrder {
		if err := s.addTally(ctx, tx, g, tallies[g]); err != nil {
			return err
		}
	}
	return nil
}
