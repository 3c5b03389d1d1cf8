package main

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"shequ"
	"shequ/internal/sqlstore"
)

// The synthetic requests of `shequ bench requests` carry the history a real
// request has: one timeline event (request_events) and one audit record
// (audit_log, on the hash chain) per state it went through, as
// RequestService.Submit and Transition write them. So the history tables are
// the size of the request table times the states per request (about four
// and a half: see benchPath), as in a store that filed those requests, and
// not a few hundred thousand rows beside ten million requests.

// benchAuditBatch is the number of audit records appended per transaction.
const benchAuditBatch = 4096

// benchPath returns the states a synthetic request went through to reach
// state, each allowed by the workflow from the one before (shequ.NextStates):
// submitted, accepted, in process, and on from there. rated puts a rating
// before a closed request's closing; a 补正 round trip (awaiting materials and
// back) and a transfer and back are added when materials and transfer say
// so, for requests that reached in_process.
func benchPath(state shequ.RequestState, rated, materials, transfer bool) []shequ.RequestState {
	p := []shequ.RequestState{shequ.RequestSubmitted}
	switch state {
	case shequ.RequestSubmitted:
		return p
	case shequ.RequestRefused:
		return append(p, shequ.RequestRefused)
	case shequ.RequestAccepted:
		return append(p, shequ.RequestAccepted)
	}
	p = append(p, shequ.RequestAccepted, shequ.RequestInProcess)
	if materials {
		p = append(p, shequ.RequestAwaitingMaterials, shequ.RequestInProcess)
	}
	if transfer {
		p = append(p, shequ.RequestTransferred, shequ.RequestInProcess)
	}
	switch state {
	case shequ.RequestInProcess:
		return p
	case shequ.RequestAwaitingMaterials, shequ.RequestTransferred:
		return append(p, state)
	}
	p = append(p, shequ.RequestCompleted)
	switch state {
	case shequ.RequestRated:
		return append(p, shequ.RequestRated)
	case shequ.RequestClosed:
		if rated {
			p = append(p, shequ.RequestRated)
		}
		return append(p, shequ.RequestClosed)
	}
	return p // completed
}

// benchHistory writes the events and audit records of the synthetic
// requests.
type benchHistory struct {
	src    *sqlstore.IndicatorSource
	events *writer
	audits []*shequ.AuditRecord
	n      int64 // events (and audit records) written
}

func newBenchHistory(src *sqlstore.IndicatorSource) *benchHistory {
	return &benchHistory{src: src, events: &writer{src: src, table: "request_events",
		cols: []string{"id", "request_id", "at", "actor_id", "actor_name", "kind", "from_state", "to_state", "note",
			"on_behalf"}}}
}

// add writes the history of request id of community c, filed through
// channel at created, whose states are path, the last one reached at end:
// the steps are spread evenly between the two. It returns the time of the
// last step.
func (h *benchHistory) add(ctx context.Context, r *rand.Rand, id, c string, channel shequ.Channel,
	path []shequ.RequestState, created, end time.Time) (time.Time, error) {
	// One worker account per community handles its requests; the
	// resident files online ones, the worker those at the window.
	worker, workerName := benchActor("w", c), "worker-"+c
	filer, filerName, filerRole := benchActor("r", c), "resident-"+c, shequ.RoleResident
	if channel == shequ.ChannelWindow || channel == shequ.ChannelAgency {
		filer, filerName, filerRole = worker, workerName, shequ.RoleCommunityWorker
	}
	var from shequ.RequestState
	at := created
	for i, to := range path {
		if i > 0 {
			at = created.Add(end.Sub(created) * time.Duration(i) / time.Duration(len(path)-1))
		}
		actor, name, role, action, detail := worker, workerName, shequ.RoleCommunityWorker, "request.transition", string(to)
		if i == 0 {
			actor, name, role, action, detail = filer, filerName, filerRole, "request.submit", string(channel)
		}
		if err := h.events.add(ctx, uuid.Must(uuid.NewV7()).String(), id, at, actor, name, "state", string(from),
			string(to), "", ""); err != nil {
			return at, err
		}
		h.audits = append(h.audits, &shequ.AuditRecord{Time: at, ActorID: actor, ActorName: name, Role: role,
			Action: action, ObjectType: "service_request", ObjectID: id, Division: c, Result: shequ.AuditAllowed,
			ClientAddr: "127.0.0.1", RequestID: benchRequestID(r), Detail: detail})
		if len(h.audits) >= benchAuditBatch {
			if err := h.flushAudits(ctx); err != nil {
				return at, err
			}
		}
		from = to
		h.n++
	}
	return at, nil
}

// flushAudits appends the pending audit records to the chain.
func (h *benchHistory) flushAudits(ctx context.Context) error {
	if len(h.audits) == 0 {
		return nil
	}
	if err := h.src.BulkAudit(ctx, h.audits); err != nil {
		return err
	}
	h.audits = h.audits[:0]
	return nil
}

// flush writes what is pending. The events go after the requests they
// refer to (the generator flushes its request writer first).
func (h *benchHistory) flush(ctx context.Context) error {
	if err := h.events.flush(ctx); err != nil {
		return err
	}
	return h.flushAudits(ctx)
}

// benchActor is the synthetic account id of a community's resident ("r") or
// worker ("w"): stable, so each community's records name the same accounts.
func benchActor(kind, community string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("shequ-bench-"+kind+community)).String()
}

// benchRequestID is a request id as the server's middleware gives one.
func benchRequestID(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return uuid.UUID(b).String()
}
