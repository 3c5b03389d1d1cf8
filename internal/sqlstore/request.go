package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"shequ"
)

// RequestService keeps requests (办件). It implements shequ.RequestService.
//
// Authorization: ActionRequestSubmit to file, ActionRequestRead to see,
// ActionRequestHandle for a worker's transitions, ActionRequestRate for the
// resident's rating, all on the request's community with the resident's
// account as owner (read at the time of the check, so a resident who opens
// an account after a front-desk request sees it). An agent files under a
// delegation that must be active and cover the item at that instant.
//
// Every write is the request's row + a timeline event + the per-state count
// + an audit record, in one transaction. Readable numbers come from one
// counter (a row on SQLite, whose single writer holds the lock anyway; a
// sequence on PostgreSQL, which holds no lock to commit), so they never
// serialize writers beyond what the audit chain already does.
type RequestService struct {
	db      *DB
	catalog *ServiceItemService
	// sealer seals the personal values of forms (request_personal.go) and
	// computes the blind index of ID numbers, with which Lookup matches an
	// applicant (the residents' sealer).
	sealer shequ.Sealer

	// OnChange, when set, is called after every committed write with the
	// request's community (for the indicators).
	OnChange func(communities ...string)

	// countQueries, when set (tests), counts the queries of the reads.
	countQueries *atomic.Int64

	// moved, when set, runs inside the transaction of a worker's move of a
	// request (Transition; the other moves — hand-in, bulk transfer — are
	// of no interest to it): a care referral that filed the request follows
	// its acceptance or refusal (CareService.LinkRequests). It reports
	// whether it changed anything; followed is then told after the commit.
	moved    func(ctx context.Context, tx *sql.Tx, r *shequ.ServiceRequest, from, to shequ.RequestState, now time.Time) (bool, error)
	followed func(communities ...string)
}

var _ shequ.RequestService = (*RequestService)(nil)

// NewRequestService returns the requests on db, taking items and the
// holiday calendar from catalog and sealing the personal values of forms
// with sealer (nil refuses forms that have any).
func NewRequestService(db *DB, catalog *ServiceItemService, sealer shequ.Sealer) *RequestService {
	return &RequestService{db: db, catalog: catalog, sealer: sealer}
}

// Audited actions of requests.
const (
	auditRequestSubmit     = "request.submit"
	auditRequestRead       = "request.read"
	auditRequestList       = "request.list"
	auditRequestTransition = "request.transition"
	objRequest             = "service_request"
)

// requestColumns are read by scanRequest, with the request table aliased r
// and residents res (LEFT JOIN: the owner is the resident's account now).
const requestColumns = `r.id, r.number, r.token, r.item_code, r.community, r.resident_id, res.user_id, r.channel,
	r.description, r.attrs, r.lat, r.lng, r.address, r.state, r.department, r.delegation_id, r.agent_id,
	r.submitted_by, r.identity_note, r.materials, r.missing, r.result, r.reason, r.rating, r.rating_note,
	r.due_at, r.paused_at, r.completed_at, r.handling_days, r.created_at, r.updated_at, r.attrs_sealed`

// requestBriefColumns are the columns of a brief list row (QueuePage) of
// service_requests r.
const requestBriefColumns = `r.id, r.number, r.item_code, r.community, r.channel, r.state, r.due_at, r.paused_at,
	r.completed_at, r.created_at`

// requestFrom is the FROM clause of requestColumns.
const requestFrom = ` FROM service_requests r LEFT JOIN residents res ON res.id = r.resident_id `

// scanRequest reads requestColumns; personal form values come masked.
func (s *RequestService) scanRequest(row rowScanner) (*shequ.ServiceRequest, error) {
	var r shequ.ServiceRequest
	var resident, owner, deleg, agent sql.NullString
	var lat, lng sql.NullFloat64
	var channel, state, attrs, materials, missing, sealed string
	var paused, completed time.Time
	var days sql.NullInt64
	if err := row.Scan(&r.ID, &r.Number, &r.Token, &r.ItemCode, &r.Community, &resident, &owner, &channel,
		&r.Description, &attrs, &lat, &lng, &r.Address, &state, &r.Department, &deleg, &agent,
		&r.SubmittedBy, &r.IdentityNote, &materials, &missing, &r.Result, &r.Reason, &r.Rating, &r.RatingNote,
		scanTime(&r.DueAt), scanTime(&paused), scanTime(&completed), &days, scanTime(&r.CreatedAt),
		scanTime(&r.UpdatedAt), &sealed); err != nil {
		return nil, err
	}
	r.ResidentID, r.OwnerUserID, r.DelegationID, r.AgentID = resident.String, owner.String, deleg.String, agent.String
	r.Channel, r.State = shequ.Channel(channel), shequ.RequestState(state)
	r.HandlingDays = int(days.Int64)
	if lat.Valid && lng.Valid {
		r.Lat, r.Lng = &lat.Float64, &lng.Float64
	}
	if !paused.IsZero() {
		r.PausedAt = &paused
	}
	if !completed.IsZero() {
		r.CompletedAt = &completed
	}
	for _, f := range []struct {
		src string
		dst any
	}{{attrs, &r.Values}, {materials, &r.Materials}, {missing, &r.Missing}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, fmt.Errorf("decode request %s: %w", r.ID, err)
		}
	}
	if err := s.maskSealed(&r, sealed); err != nil {
		return nil, err
	}
	if it, err := s.catalog.GetItem(context.Background(), r.ItemCode); err == nil {
		r.ItemName = it.Name
	}
	return &r, nil
}

// fillBrief completes a brief row read into r: its channel and state, its
// optional times (zero when NULL) and its item's name from the catalogue.
func (s *RequestService) fillBrief(r *shequ.ServiceRequest, channel, state string, paused, completed time.Time) {
	r.Channel, r.State = shequ.Channel(channel), shequ.RequestState(state)
	if !paused.IsZero() {
		r.PausedAt = &paused
	}
	if !completed.IsZero() {
		r.CompletedAt = &completed
	}
	if it, err := s.catalog.GetItem(context.Background(), r.ItemCode); err == nil {
		r.ItemName = it.Name
	}
}

// requestObject is what authorization sees of a request.
func requestObject(r *shequ.ServiceRequest) *shequ.Object {
	return &shequ.Object{Division: r.Community, OwnerID: r.OwnerUserID}
}

// jsonText encodes v as JSON text for a list column.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps and slices of strings are stored
	}
	return string(b)
}

// tokenLen is the length of a tracking token.
const tokenLen = 40

// newToken returns a tracking token of tokenLen hex digits: the second it
// was made (32 bits), then 128 random bits, which are the secret. The time
// first makes new tokens sort after the old ones, so the unique index of
// millions of tokens grows at its end instead of taking each new token at
// a random page (measured with `shequ bench requests`: a random page
// written back per submission); the second it reveals is the request's
// filing time, which its tracking page shows anyway.
func newToken(now time.Time) string {
	var b [20]byte
	binary.BigEndian.PutUint32(b[:4], uint32(now.Unix()))
	_, _ = rand.Read(b[4:])
	return hex.EncodeToString(b[:])
}

// residentRef is what a request needs of its resident.
type residentRef struct {
	id, community, userID string
}

// findResidentRef reads a resident's community and account; by user id
// when byUser is set. ENotFound when there is none.
func (s *RequestService) findResidentRef(ctx context.Context, q querier, key string, byUser bool) (*residentRef, error) {
	if _, err := uuid.Parse(key); err != nil {
		return nil, shequ.ErrNotFound
	}
	col := "id"
	if byUser {
		col = "user_id"
	}
	var ref residentRef
	var user sql.NullString
	err := q.QueryRowContext(ctx, s.db.rebind(`SELECT id, community, user_id FROM residents WHERE `+col+` = ?`), key).
		Scan(&ref.id, &ref.community, &user)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shequ.ErrNotFound
	}
	if err != nil {
		return nil, translateError(err, "find resident")
	}
	ref.userID = user.String
	return &ref, nil
}

// Submit files a request (see shequ.RequestService). The input's own
// fields, the item (active, offered in the community, open to the
// channel), the form's values and the materials handed over are checked
// before anything is written; every field error comes back at once.
func (s *RequestService) Submit(ctx context.Context, in *shequ.RequestInput) (*shequ.ServiceRequest, error) {
	a := shequ.ActorFrom(ctx)
	if err := authorizeResident(ctx, shequ.ActionRequestSubmit, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditRequestSubmit, objRequest, "", in.Community)
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	now := s.db.now()
	item, err := s.activeItem(ctx, in.ItemCode)
	if err != nil {
		return nil, err
	}
	r := newRequest(ctx, in, item, now)
	// Who the request is for.
	var ref *residentRef
	switch {
	case a != nil && a.Role == shequ.RoleResident:
		if in.Channel != shequ.ChannelOnline {
			return nil, channelError()
		}
		if ref, err = s.findResidentRef(ctx, s.db.db, a.UserID, true); err != nil {
			return nil, s.db.recordDenied(ctx, shequ.ErrForbidden, auditRequestSubmit, objRequest, "", "")
		}
		// A resident files only for themself: naming someone else is as
		// if that resident did not exist.
		if in.ResidentID != "" && in.ResidentID != ref.id {
			return nil, s.db.recordDenied(ctx, shequ.ErrNotFound, auditRequestSubmit, objRequest, "", "")
		}
	case in.Channel == shequ.ChannelAgency:
		d, err := loadDelegation(ctx, s.db, s.db.db, in.DelegationID)
		if err != nil || a == nil || d.AgentID != a.UserID || !d.Covers(item.Code, now) {
			return nil, s.db.recordDenied(ctx, shequ.ErrDelegationInactive, auditRequestSubmit, objRequest, clipID(in.DelegationID), "")
		}
		r.DelegationID, r.AgentID = d.ID, d.AgentID
		in.ResidentID = d.ResidentID
		fallthrough
	default:
		// 网上申请 is the resident's own channel: staff acting for a
		// resident file at the window, by phone or as an agent, so that the
		// identity check and the delegation are on record. (Staff may file
		// an online report with no resident named: an Open311 app.)
		if in.Channel == shequ.ChannelOnline && in.ResidentID != "" {
			var fe shequ.FieldErrors
			fe.Add("channel", "request.channel.staff_online",
				"Online applications are filed by residents themselves; for a resident, file at the window, by phone or as their agent.", nil)
			return nil, fe.Err()
		}
		if in.ResidentID != "" {
			if ref, err = s.findResidentRef(ctx, s.db.db, in.ResidentID, false); err != nil {
				if shequ.ErrorCode(err) != shequ.ENotFound {
					return nil, err
				}
				var fe shequ.FieldErrors
				fe.Add("resident_id", "request.resident.unknown", "No resident has this id.", nil)
				return nil, fe.Err()
			}
		}
	}
	if ref != nil {
		r.ResidentID, r.OwnerUserID, r.Community = ref.id, ref.userID, ref.community
	}
	p, err := s.prepare(ctx, r, in, item, now, func(r *shequ.ServiceRequest) error {
		if err := authorizeResident(ctx, shequ.ActionRequestSubmit, requestObject(r)); err != nil {
			return s.db.recordDenied(ctx, err, auditRequestSubmit, objRequest, r.ID, r.Community)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Group commit: concurrent submissions share a transaction, each with
	// its row, event, count and audit record (tx_batch.go); their rows are
	// written together at the group's end (writeSubmissions).
	err = s.db.withBatchTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if !s.db.batch.deferWrite(tx, "request.submit", p, s.writeSubmissions) {
			if err := s.writeSubmissions(ctx, tx, []any{p}); err != nil {
				return err
			}
		}
		return auditAllowed(ctx, s.db, tx, auditRequestSubmit, objRequest, r.ID, r.Community, string(r.Channel))
	})
	if err != nil {
		return nil, err
	}
	notifyChange(s.OnChange, []string{r.Community})
	return r, nil
}

func channelError() error {
	var fe shequ.FieldErrors
	fe.Add("channel", "request.channel.not_allowed", "This item does not take requests through this channel.", nil)
	return fe.Err()
}

// addEvent appends an event to the request's timeline inside tx.
func (s *RequestService) addEvent(ctx context.Context, tx *sql.Tx, r *shequ.ServiceRequest, kind string, from, to shequ.RequestState, note string) error {
	return s.db.insertRows(ctx, tx, "request_events", requestEventColumns, [][]any{s.eventRow(ctx, r, kind, from, to, note)})
}

// requestEventColumns are the columns of request_events in the order of
// eventRow's values.
var requestEventColumns = []string{"id", "request_id", "at", "actor_id", "actor_name", "kind", "from_state",
	"to_state", "note", "on_behalf"}

// eventRow is the row of an event of r's timeline by the context's actor,
// now.
func (s *RequestService) eventRow(ctx context.Context, r *shequ.ServiceRequest, kind string, from, to shequ.RequestState, note string) []any {
	id, name := "", ""
	if a := shequ.ActorFrom(ctx); a != nil {
		id, name = a.UserID, a.Username
	} else if isConsole(ctx) {
		name = cliActor
	}
	return []any{newUUID7(), r.ID, s.db.dialect.timeArg(s.db.now()), id, name, kind, string(from), string(to), note,
		r.DelegationID}
}

// count moves one request of community from state from ("" none) to state
// to in the per-state counts.
func (s *RequestService) count(ctx context.Context, tx *sql.Tx, community string, from, to shequ.RequestState) error {
	if from != "" {
		if err := s.addCount(ctx, tx, community, from, -1); err != nil {
			return err
		}
	}
	return s.addCount(ctx, tx, community, to, 1)
}

// addCount adds delta to the count of community's requests in state.
func (s *RequestService) addCount(ctx context.Context, tx *sql.Tx, community string, state shequ.RequestState, delta int) error {
	_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO request_state_counts (community, state, n) VALUES (?, ?, ?)
		ON CONFLICT (community, state) DO UPDATE SET n = request_state_counts.n + excluded.n`),
		community, string(state), delta)
	return translateError(err, "count requests")
}

// load reads one request; ENotFound when there is none.
func (s *RequestService) load(ctx context.Context, q querier, col, key string) (*shequ.ServiceRequest, error) {
	r, err := s.scanRequest(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+requestColumns+requestFrom+`WHERE r.`+col+` = ?`), key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shequ.ErrNotFound
	}
	if err != nil {
		return nil, translateError(err, "find request")
	}
	return r, nil
}

// Get returns a request the actor may see; out of scope (or not the
// resident's own, or not filed by the agent) answers ENotFound, recorded.
func (s *RequestService) Get(ctx context.Context, id string) (*shequ.ServiceRequest, error) {
	if err := authorizeResident(ctx, shequ.ActionRequestRead, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditRequestRead, objRequest, clipID(id), "")
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, s.db.recordDenied(ctx, shequ.ErrNotFound, auditRequestRead, objRequest, clipID(id), "")
	}
	r, err := s.load(ctx, s.db.db, "id", id)
	if err != nil {
		return nil, s.db.recordDenied(ctx, err, auditRequestRead, objRequest, clipID(id), "")
	}
	if err := authorizeResident(ctx, shequ.ActionRequestRead, requestObject(r)); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditRequestRead, objRequest, id, r.Community)
	}
	return r, nil
}

// GetByToken returns a request by its tracking token, without sign-in. The
// token is the secret: a wrong one answers ENotFound.
func (s *RequestService) GetByToken(ctx context.Context, token string) (*shequ.ServiceRequest, error) {
	if len(token) != tokenLen {
		return nil, shequ.ErrNotFound
	}
	return s.load(ctx, s.db.db, "token", token)
}

// TimelineByToken returns the timeline of the request with this tracking
// token, for the public tracking page.
func (s *RequestService) TimelineByToken(ctx context.Context, token string) ([]*shequ.RequestEvent, error) {
	r, err := s.GetByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.timeline(ctx, r.ID)
}

var _ shequ.RequestDesk = (*RequestService)(nil)

var _ shequ.HolidayCalendar = (*ServiceItemService)(nil)
