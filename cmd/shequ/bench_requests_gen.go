package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"shequ"
	"shequ/internal/config"
	"shequ/internal/indicator"
	"shequ/internal/sqlstore"
)

// benchRequestsKind is the import run kind that marks completed synthetic
// requests, so a second run reuses them.
const benchRequestsKind = "bench.requests"

// benchItemCode is the service item the benchmark files its requests for.
const benchItemCode = "BENCH-001"

// benchItem is the item of the synthetic requests: a form of two fields,
// like the catalogue's short items, open to every channel.
func benchItem() *shequ.ServiceItem {
	return &shequ.ServiceItem{
		Code: benchItemCode, Name: "基准测试事项", Department: "县民政局", Category: "民政",
		Audience: "本社区居民", Conditions: "无", Process: "受理、办理、办结",
		Materials:     []shequ.Material{{Name: "居民身份证", Form: shequ.MaterialOriginal, Copies: 1, Required: true}},
		TimeLimitDays: 10, Channels: shequ.Channels, Active: true,
		Form: []shequ.FormField{
			{Code: "contact_name", Label: "联系人", Type: shequ.FieldString, Required: true, Order: 1},
			{Code: "urgency", Label: "紧急程度", Type: shequ.FieldSingleChoice, Order: 2,
				Choices: []shequ.Choice{{Key: "normal", Label: "一般"}, {Key: "urgent", Label: "紧急"}}},
		},
	}
}

// benchRequestColumns are the columns of service_requests (migration 0008)
// the generator fills.
var benchRequestColumns = []string{"id", "number", "token", "item_code", "community", "resident_id",
	"owner_user_id", "channel", "description", "attrs", "lat", "lng", "address", "state", "department",
	"delegation_id", "agent_id", "submitted_by", "identity_note", "materials", "missing", "result", "reason",
	"rating", "rating_note", "due_at", "paused_at", "completed_at", "handling_days", "created_at", "updated_at"}

// benchStateWeights spreads the recent synthetic requests over the states
// (per 1000): the open states first, then the finished ones, whose weights
// alone apply to older requests.
var benchStateWeights = []struct {
	state  shequ.RequestState
	weight int
}{
	{shequ.RequestSubmitted, 150}, {shequ.RequestAccepted, 100}, {shequ.RequestInProcess, 200},
	{shequ.RequestAwaitingMaterials, 50}, {shequ.RequestTransferred, 50},
	{shequ.RequestRefused, 30}, {shequ.RequestCompleted, 100}, {shequ.RequestRated, 120}, {shequ.RequestClosed, 200},
}

// benchOpenWeight is the weight of the open states, the first ones of
// benchStateWeights.
const benchOpenWeight = 550

// benchRequestsPrepare opens the database, imports the county's divisions
// and the bench item when missing, and generates the stored requests unless
// a completed generation is there.
func benchRequestsPrepare(ctx context.Context, e *env, cfg config.Config, f benchReqFlags, log *slog.Logger) (err error) {
	db, err := openStore(ctx, cfg.DB, migrateAlways, log)
	if err != nil {
		return err
	}
	defer db.Close()
	// A database whose audit trail is keyed (any a server ran on) takes
	// records only with its audit key.
	if _, err := openAuditSeal(ctx, db, &cfg, log); err != nil {
		return err
	}
	if err := ensureDivisions(ctx, e, db, f.county, f.quiet); err != nil {
		return err
	}
	cctx := cliContext(ctx)
	items := sqlstore.NewServiceItemService(db)
	if _, err := items.GetItem(cctx, benchItemCode); err != nil {
		if err := items.SaveItems(cctx, []*shequ.ServiceItem{benchItem()}); err != nil {
			return err
		}
	}
	runs := sqlstore.NewImportRunService(db)
	done, err := runs.FindImportRuns(ctx, benchRequestsKind, 1)
	if err != nil {
		return err
	}
	src := sqlstore.NewIndicatorSource(db)
	// Fresh planner statistics before measuring (PostgreSQL; nothing on
	// SQLite), whether the rows were just written or are reused.
	defer func() {
		for _, t := range []string{"service_requests", "request_events", "audit_log"} {
			if err == nil {
				err = src.Analyze(ctx, t)
			}
		}
	}()
	if len(done) > 0 {
		// Requests generated before they had a history (each has at
		// least its submission event) would time the easy workload.
		if events, err := src.CountRows(ctx, "request_events"); err != nil {
			return err
		} else if events < done[0].Written {
			return shequ.Errorf(shequ.EConflict, "cli.bench.requests.no_history",
				"The synthetic requests in this database were generated without their events and audit records; use a fresh database.")
		}
		fmt.Fprintln(e.stderr, e.loc.T("cli.bench.requests.reused", map[string]any{"Requests": done[0].Written}))
		return nil
	}
	if have, err := src.CountRows(ctx, "service_requests"); err != nil {
		return err
	} else if have > 0 {
		return shequ.Errorf(shequ.EConflict, "cli.bench.requests.partial",
			"The database holds requests but no completed synthetic generation; use a fresh database.")
	}
	var comms []string
	if err := src.LoadDivisions(ctx, func(d indicator.DivisionRow) error {
		if len(d.Code) == 12 && strings.HasPrefix(d.Code, f.county) {
			comms = append(comms, d.Code)
		}
		return nil
	}); err != nil {
		return err
	}
	if len(comms) == 0 {
		return shequ.Errorf(shequ.EInvalid, "cli.bench.no_communities", "No community under %q in the database.", f.county).
			With(map[string]any{"Prefix": f.county})
	}
	started := time.Now()
	if err := generateRequests(ctx, e, src, comms, f); err != nil {
		return err
	}
	return runs.CreateImportRun(ctx, &shequ.ImportRun{Kind: benchRequestsKind, Source: fmt.Sprintf("seed=%d county=%s", f.seed, f.county),
		Status: shequ.ImportCompleted, Total: f.requests, Written: f.requests, StartedAt: started, FinishedAt: time.Now()})
}

// generateRequests writes f.requests synthetic requests spread evenly over
// comms, their timelines and audit records (one event and one record per
// state each went through), their per-state counts and their indicator
// counts. The rows hold no personal data (no resident, numbered
// descriptions).
//
// The rows are written in creation order, over the last three years, so
// that every index of the table grows at its end or at a few points (one per
// community and state) instead of at random places: random inserts into
// indexes of ten million rows cost a page read and a page write each and
// make the generation ten times slower. So ids (UUIDv7), numbers and tokens
// increase with the row (tokens begin with their second, like real ones,
// and need no secrecy here).
// Requests still open were filed in the last two months.
func generateRequests(ctx context.Context, e *env, src *sqlstore.IndicatorSource, comms []string, f benchReqFlags) error {
	r := rand.New(rand.NewPCG(f.seed, 0x0311))
	now := time.Now().UTC().Truncate(time.Second)
	span := 3 * 365 * 24 * time.Hour
	recent := now.Add(-60 * 24 * time.Hour)
	start := now.Add(-span)
	step := span / time.Duration(max(f.requests, 1))
	bar := newProgress(e.stderr, e.loc.T("cli.bench.requests.generating"), e.loc.T("cli.import.rows"), int64(f.requests), f.quiet)
	w := &writer{src: src, table: "service_requests", cols: benchRequestColumns, bar: bar}
	// Each request's timeline and audit records (bench_requests_history.go),
	// the events written right after the requests they refer to.
	hist := newBenchHistory(src)
	w.follow = hist.events
	counts := map[[2]string]int{}
	// The indicator counts of the rows (request_indicator_counts), as the
	// store keeps them for real requests; weekends alone are the calendar.
	tallies := map[shequ.ServiceCountRow]int{}
	var cal *shequ.Calendar
	for i := range f.requests {
		c := comms[i%len(comms)]
		created := start.Add(time.Duration(i) * step)
		n := r.IntN(1000)
		if created.Before(recent) {
			// Older requests are finished: skip the open states' weights.
			n = benchOpenWeight + r.IntN(1000-benchOpenWeight)
		}
		state := benchStateWeights[len(benchStateWeights)-1].state
		for _, sw := range benchStateWeights {
			if n < sw.weight {
				state = sw.state
				break
			}
			n -= sw.weight
		}
		counts[[2]string{c, string(state)}]++
		due := created.Add(14 * 24 * time.Hour)
		channel := shequ.Channels[r.IntN(len(shequ.Channels))]
		tally := shequ.ServiceCountRow{Community: c, ItemCode: benchItemCode, Channel: channel}
		var completed, days any
		if !state.Open() && state != shequ.RequestRefused {
			at := created.Add(time.Duration(r.Int64N(int64(20 * 24 * time.Hour))))
			d := cal.WorkdaysBetween(created, at)
			completed, days = at, d
			tally.Done, tally.OnTime, tally.Days = true, !at.After(due), d
		}
		rating := 0
		if state == shequ.RequestRated || (state == shequ.RequestClosed && r.IntN(3) == 0) {
			rating = 3 + r.IntN(3)
		}
		tally.Rating = rating
		tallies[tally]++
		id := uuid.Must(uuid.NewV7()).String()
		// The last state was reached at completion, or for a request
		// still open or refused some time after filing (within a day
		// for the states right after submission, up to ten for the
		// others), never after now.
		end := created
		switch {
		case completed != nil:
			end = completed.(time.Time)
		case state == shequ.RequestSubmitted:
		case state == shequ.RequestAccepted || state == shequ.RequestRefused:
			end = created.Add(time.Duration(r.Int64N(int64(24 * time.Hour))))
		default:
			end = created.Add(time.Duration(r.Int64N(int64(10 * 24 * time.Hour))))
		}
		if end.After(now) {
			end = now
		}
		path := benchPath(state, rating > 0, r.IntN(10) == 0, r.IntN(20) == 0)
		updated, err := hist.add(ctx, r, id, c, channel, path, created, end)
		if err != nil {
			return err
		}
		err = w.add(ctx, id, fmt.Sprintf("%s-BENCH-%09d", f.county, i+1), fmt.Sprintf("%08x%032x", created.Unix(), i+1),
			benchItemCode, c, nil, nil, string(channel),
			fmt.Sprintf("合成办件%09d", i+1), `{"contact_name":["合成"]}`, nil, nil, "", string(state), "县民政局",
			nil, nil, "", "", "[]", "[]", "", "", rating, "", due, nil, completed, days, created, updated)
		if err != nil {
			return err
		}
	}
	if err := w.flush(ctx); err != nil { // and the events after them
		return err
	}
	if err := hist.flush(ctx); err != nil {
		return err
	}
	bar.Done()
	cw := &writer{src: src, table: "request_state_counts", cols: []string{"community", "state", "n"}}
	for k, n := range counts {
		if err := cw.add(ctx, k[0], k[1], n); err != nil {
			return err
		}
	}
	if err := cw.flush(ctx); err != nil {
		return err
	}
	tw := &writer{src: src, table: "request_indicator_counts",
		cols: []string{"community", "item_code", "channel", "done", "on_time", "days", "rating", "n"}}
	b := map[bool]int{false: 0, true: 1}
	for g, n := range tallies {
		if err := tw.add(ctx, g.Community, g.ItemCode, string(g.Channel), b[g.Done], b[g.OnTime], g.Days, g.Rating, n); err != nil {
			return err
		}
	}
	return tw.flush(ctx)
}
