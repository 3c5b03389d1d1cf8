package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

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
	subs := make([]*pendingSubmission, len(pending))
	for i, x := range pending {
		p := x.(*pendingSubmission)
		r := p.r
		r.Number = fmt.Sprintf("%s-%s-%06d", r.Community[:6], r.CreatedAt.In(shequ.Shanghai).Format("20060102"), seqs[i])
		requests[i], events[i], subs[i] = s.submissionRow(p), p.event, p
	}
	if err := s.db.insertRows(ctx, tx, "service_requests", requestInsertColumns, requests); err != nil {
		return err
	}
	if err := s.db.insertRows(ctx, tx, "request_events", requestEventColumns, events); err != nil {
		return err
	}
	states, tallies := submissionCounts(subs)
	for _, k := range states {
		if err := s.addCount(ctx, tx, k.community, k.state, k.n); err != nil {
			return err
		}
	}
	for _, g := range tallies {
		if err := s.addTally(ctx, tx, g, g.N); err != nil {
			return err
		}
	}
	return nil
}

// compareCountRows orders indicator count rows by their key columns, the
// order in which a transaction that writes several takes their locks.
func compareCountRows(a, b shequ.ServiceCountRow) int {
	return cmp.Or(strings.Compare(a.Community, b.Community), strings.Compare(a.ItemCode, b.ItemCode),
		strings.Compare(string(a.Channel), string(b.Channel)), boolOrder(a.Done, b.Done),
		boolOrder(a.OnTime, b.OnTime), cmp.Compare(a.Days, b.Days), cmp.Compare(a.Rating, b.Rating))
}

// boolOrder orders false before true.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// stateCount is how many requests of a group move into one community's
// state.
type stateCount struct {
	community string
	state     shequ.RequestState
	n         int
}

// submissionCounts sums a group's submissions into per-state and indicator
// count rows, each list sorted by its key: concurrent groups on PostgreSQL
// then take the rows' locks in one order. (In the order of first
// appearance, a group holding community A's row and waiting for B's
// deadlocked with one holding B's and waiting for A's; PostgreSQL broke it
// after deadlock_timeout and both groups' members ran one transaction each:
// 74 submissions/s on 16 communities against 791/s sorted, docs/BENCHMARKS.md.)
func submissionCounts(subs []*pendingSubmission) ([]stateCount, []shequ.ServiceCountRow) {
	type stateKey struct {
		community string
		state     shequ.RequestState
	}
	states := map[stateKey]int{}
	tallies := map[shequ.ServiceCountRow]int{}
	for _, p := range subs {
		states[stateKey{p.r.Community, p.r.State}]++
		tallies[countRow(p.r)]++
	}
	sc := make([]stateCount, 0, len(states))
	for k, n := range states {
		sc = append(sc, stateCount{k.community, k.state, n})
	}
	slices.SortFunc(sc, func(a, b stateCount) int {
		return cmp.Or(strings.Compare(a.community, b.community), strings.Compare(string(a.state), string(b.state)))
	})
	tc := make([]shequ.ServiceCountRow, 0, len(tallies))
	for g, n := range tallies {
		g.N = n
		tc = append(tc, g)
	}
	slices.SortFunc(tc, compareCountRows)
	return sc, tc
}
