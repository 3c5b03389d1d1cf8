package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shequ"
	"shequ/internal/indicator"
	"shequ/internal/sqlstore"
)

// benchQueuePath is the worker queue page: the community's open requests
// in due-date order, as a worker opens it.
const benchQueuePath = "/requests"

// benchClient drives the running platform through HTTP as a community
// worker with an API token. Submissions and queue pages go over plain
// keep-alive HTTP/1.1 connections of its own (benchConn): net/http's client
// runs two goroutines per connection and hands every request and response
// between them, which on two cores took a sixth of the CPU time the
// platform itself needed per submission; the load generator's cost is not
// the platform's.
type benchClient struct {
	addr, token string
	community   string // the account's scope
}

// benchClientsFor creates n community workers, one in each of the county's
// first n communities (in code order), each with its own API token, and
// returns a client for each: submissions come from many accounts into many
// communities, and each worker reads its own community's queue.
func benchClientsFor(ctx context.Context, m *Main, f benchReqFlags, n int) ([]*benchClient, error) {
	var comms []string
	err := sqlstore.NewIndicatorSource(m.svc.db).LoadDivisions(ctx, func(d indicator.DivisionRow) error {
		if len(d.Code) == 12 && strings.HasPrefix(d.Code, f.county) {
			comms = append(comms, d.Code)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(comms) == 0 {
		return nil, shequ.Errorf(shequ.EInvalid, "cli.bench.no_communities", "No community under %q in the database.", f.county).
			With(map[string]any{"Prefix": f.county})
	}
	slices.Sort(comms)
	cctx := cliContext(ctx)
	var out []*benchClient
	for i := range n {
		b := make([]byte, 12)
		rand.Read(b)
		secret := hex.EncodeToString(b)
		hash, err := m.svc.hasher.Hash(secret)
		if err != nil {
			return nil, err
		}
		u := &shequ.User{Username: "bench-" + secret[:8], Name: "基准测试", Role: shequ.RoleCommunityWorker, Scope: comms[i%len(comms)]}
		if err := m.svc.users.CreateUser(cctx, u, hash); err != nil {
			return nil, err
		}
		token, _, err := m.svc.tokens.CreateToken(cctx, u.ID, "bench", time.Hour)
		if err != nil {
			return nil, err
		}
		out = append(out, &benchClient{addr: m.Addr(), token: token, community: u.Scope})
	}
	return out, nil
}

// submitRequest is the whole HTTP/1.1 request of one submission through
// Open311: the bench item, a location, the form's values and the key.
func (c *benchClient) submitRequest() []byte {
	body := url.Values{
		"api_key":                 {c.token},
		"service_code":            {benchItemCode},
		"address_string":          {"基准测试路1号"},
		"description":             {"基准测试：楼道灯不亮"},
		"attribute[contact_name]": {"基准测试"},
		"attribute[urgency]":      {"normal"},
	}.Encode()
	return fmt.Appendf(nil, "POST /open311/v2/requests.json HTTP/1.1\r\nHost: %s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", c.addr, len(body), body)
}

// benchConn is one keep-alive HTTP/1.1 connection of a client: the
// submitting clients and the queue's reader.
type benchConn struct {
	conn net.Conn
	r    *bufio.Reader
	body bytes.Buffer // the last response's body
}

// submit files one request over bc and checks that it was created.
func (c *benchClient) submit(ctx context.Context, bc *benchConn, req []byte) error {
	if err := c.roundTrip(ctx, bc, req, http.StatusCreated); err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	return nil
}

// roundTrip writes the whole HTTP/1.1 request req over bc (dialled first
// when needed), reads the response's body into bc.body and checks its
// status.
func (c *benchClient) roundTrip(ctx context.Context, bc *benchConn, req []byte, want int) error {
	if bc.conn == nil {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return err
		}
		bc.conn, bc.r = conn, bufio.NewReader(conn)
	}
	_ = bc.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := bc.conn.Write(req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bc.r, nil)
	if err != nil {
		return err
	}
	bc.body.Reset()
	_, err = bc.body.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, bytes.TrimSpace(bc.body.Bytes()))
	}
	if resp.Close {
		bc.close()
	}
	return nil
}

// close ends the connection; the next submit dials again.
func (bc *benchConn) close() {
	if bc.conn != nil {
		bc.conn.Close()
		bc.conn, bc.r = nil, nil
	}
}

// benchLoad is the clients of one engine's run: the submitting accounts
// and the workers who read their queues meanwhile.
type benchLoad struct {
	submitters []*benchClient // f.accounts, one per community
	readers    []*benchClient // f.queueWorkers, their communities among the submitters'
}

// submitAll submits with f.clients concurrent clients, client i as account
// i mod f.accounts, until f.submit requests are filed or f.duration has
// passed, after a short warm-up that is not counted. Meanwhile each queue
// reader fetches its community's queue page over and over: the worker
// queue's latency under the submissions is recorded in res.
func (l *benchLoad) submitAll(ctx context.Context, e *env, f benchReqFlags, res *benchEngineResult) error {
	reqs := make([][]byte, len(l.submitters))
	for i, c := range l.submitters {
		reqs[i] = c.submitRequest()
	}
	warm := &benchConn{}
	for i := range min(50, f.submit) {
		if err := l.submitters[i%len(l.submitters)].submit(ctx, warm, reqs[i%len(reqs)]); err != nil {
			warm.close()
			return err
		}
	}
	warm.close()
	bar := newProgress(e.stderr, e.loc.T("cli.bench.requests.submitting", map[string]any{"Engine": res.engine}),
		e.loc.T("cli.bench.requests.unit"), int64(f.submit), f.quiet)
	var next, done atomic.Int64
	var firstErr error
	var once sync.Once
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fail := func(err error) { once.Do(func() { firstErr = err; cancel() }) }
	started := time.Now()
	deadline := started.Add(f.duration)
	var submitting sync.WaitGroup
	for i := range f.clients {
		c, req := l.submitters[i%len(l.submitters)], reqs[i%len(reqs)]
		submitting.Go(func() {
			bc := &benchConn{}
			defer bc.close()
			for next.Add(1) <= int64(f.submit) && time.Now().Before(deadline) {
				if err := c.submit(ctx, bc, req); err != nil {
					fail(err)
					return
				}
				if n := done.Add(1); n%500 == 0 {
					bar.Set(n)
				}
			}
		})
	}
	// The queue readers stop when the submissions end.
	loadDone := make(chan struct{})
	var reading sync.WaitGroup
	lats := make([][]time.Duration, len(l.readers))
	for i, c := range l.readers {
		reading.Go(func() {
			bc := &benchConn{}
			defer bc.close()
			req := c.queueRequest()
			for n := 0; ; n++ {
				select {
				case <-loadDone:
					return
				default:
				}
				t := time.Now()
				if err := c.roundTrip(ctx, bc, req, http.StatusOK); err != nil {
					if ctx.Err() == nil {
						fail(fmt.Errorf("queue page under load: %w", err))
					}
					return
				}
				if n >= 5 { // the first pages of each reader warm its connection and caches
					lats[i] = append(lats[i], time.Since(t))
				}
			}
		})
	}
	submitting.Wait()
	elapsed := time.Since(started)
	close(loadDone)
	reading.Wait()
	bar.Done()
	if firstErr != nil {
		return firstErr
	}
	res.submitted = int(done.Load())
	res.submitPerS = float64(done.Load()) / elapsed.Seconds()
	var lat []time.Duration
	for _, l := range lats {
		lat = append(lat, l...)
	}
	slices.Sort(lat)
	res.loadedPages = len(lat)
	res.queueP50, res.queueP99 = percentile(lat, 0.50), percentile(lat, 0.99)
	fmt.Fprintln(e.stderr, e.loc.T("cli.bench.requests.submitted", map[string]any{"Engine": res.engine,
		"N": res.submitted, "Seconds": fmt.Sprintf("%.1f", elapsed.Seconds()), "PerS": fmt.Sprintf("%.0f", res.submitPerS)}))
	fmt.Fprintf(e.stderr, "%s: %d queue pages by %d workers during the submissions: p50 %s ms, p99 %s ms\n",
		res.engine, len(lat), len(l.readers), ms(res.queueP50), ms(res.queueP99))
	return nil
}

// queueRequest is the HTTP/1.1 request of the client's queue page.
func (c *benchClient) queueRequest() []byte {
	return fmt.Appendf(nil, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nAccept: text/html\r\n\r\n",
		benchQueuePath, c.addr, c.token)
}

// queuePages fetches the worker queue page f.queue times in a row on an
// otherwise idle server, after a warm-up, and records the median and the
// 99th percentile of the time to the whole page: the easy figure, kept
// beside the one under load.
func (c *benchClient) queuePages(ctx context.Context, e *env, f benchReqFlags, res *benchEngineResult) error {
	// The same lean keep-alive HTTP/1.1 client as the submissions': the
	// client runs in the platform's process, and net/http's ran two
	// goroutines per connection.
	req := c.queueRequest()
	bc := &benchConn{}
	defer bc.close()
	fetch := func() (time.Duration, error) {
		t := time.Now()
		if err := c.roundTrip(ctx, bc, req, http.StatusOK); err != nil {
			return 0, fmt.Errorf("queue page: %w", err)
		}
		return time.Since(t), nil
	}
	for range min(100, f.queue) {
		if _, err := fetch(); err != nil {
			return err
		}
	}
	bar := newProgress(e.stderr, e.loc.T("cli.bench.requests.queue", map[string]any{"Engine": res.engine}),
		e.loc.T("cli.bench.requests.pages"), int64(f.queue), f.quiet)
	lat := make([]time.Duration, 0, f.queue)
	for i := range f.queue {
		d, err := fetch()
		if err != nil {
			return err
		}
		lat = append(lat, d)
		bar.Set(int64(i + 1))
	}
	bar.Done()
	slices.Sort(lat)
	res.settledP50 = percentile(lat, 0.50)
	res.settledP99 = percentile(lat, 0.99)
	return nil
}

// percentile returns the q-quantile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
