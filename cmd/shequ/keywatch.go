package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"sync"
	"time"

	"shequ"
	"shequ/internal/sqlstore"
)

// A running server — and any command that may seal personal data — follows
// key rotations (issue 14): it reads its key file
// again when the file changes (checked every keyPoll) or when told to
// (SIGHUP, Main.ReloadKeys), takes the new ring only if the database's key
// registry accepts it, and tells the registry every keyHeartbeat which keys
// it holds, so that `shequ keys rotate` can wait for every server before it
// seals with a new key or retires an old one. When the registry says the
// key that seals now, per the registry, is not in its key file (the file
// did not reach it in time), the server seals nothing — writes of personal
// data answer 503 — until it loads the current key file.
//
// These loops run in every process, not once across servers: each holds
// its own key ring, so they are not jobs of the queue. Only `shequ keys`
// itself is no holder: it changes the key file and the registry.

// Defaults of the key watcher.
const (
	defaultKeyPoll      = 2 * time.Second
	defaultKeyHeartbeat = 5 * time.Second
)

// errKeyRetiring is what Seal answers while the key this server seals with
// is being retired and the new key file is not loaded yet.
var errKeyRetiring = shequ.Errorf(shequ.EUnavailable, "keys.retiring",
	"The data key this server seals with is being retired and the new key file is not loaded yet; try again shortly.")

// keyWatch is the state of a process's watcher.
type keyWatch struct {
	svc        *services
	log        *slog.Logger
	addr       string // the server's address, or the command's name
	poll, beat time.Duration
	instance   string
	started    time.Time
	poke       chan struct{}
	stop       context.CancelFunc
	done       chan struct{}
	once       sync.Once
}

// startKeyWatch records the process as a key holder and starts watching;
// poll and beat of 0 are the defaults.
func startKeyWatch(s *services, log *slog.Logger, addr string, poll, beat time.Duration) (*keyWatch, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	if poll <= 0 {
		poll = defaultKeyPoll
	}
	if beat <= 0 {
		beat = defaultKeyHeartbeat
	}
	ctx, stop := context.WithCancel(context.Background())
	w := &keyWatch{svc: s, log: log, addr: addr, poll: poll, beat: beat, instance: hex.EncodeToString(b[:]),
		started: time.Now(), poke: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	// The first heartbeat before any work: a rotation started now sees us.
	if err := w.heartbeat(ctx); err != nil {
		stop()
		return nil, err
	}
	go w.run(ctx)
	return w, nil
}

// startKeyWatch starts the server's watcher.
func (m *Main) startKeyWatch() error {
	w, err := startKeyWatch(m.svc, m.Logger, m.ln.Addr().String(), m.KeyPoll, m.KeyHeartbeat)
	if err != nil {
		return err
	}
	m.ops.keys = w
	return nil
}

// ReloadKeys makes the server read its key file again now (SIGHUP).
func (m *Main) ReloadKeys() {
	if w := m.ops.keys; w != nil {
		select {
		case w.poke <- struct{}{}:
		default:
		}
	}
}

func (w *keyWatch) run(ctx context.Context) {
	defer close(w.done)
	pt, bt := time.NewTicker(w.poll), time.NewTicker(w.beat)
	defer pt.Stop()
	defer bt.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-pt.C:
			w.reload(ctx, false)
		case <-w.poke:
			w.reload(ctx, true)
		case <-bt.C:
			if err := w.heartbeat(ctx); err != nil && ctx.Err() == nil {
				w.log.Warn("key heartbeat", "err", err)
			}
		}
	}
}

// reload reads the key file again if it changed (or always when forced),
// takes it when the registry accepts it, and says so at once.
func (w *keyWatch) reload(ctx context.Context, force bool) {
	ring, log := w.svc.keys, w.log
	n, changed, err := ring.ReadAgain(force)
	switch {
	case err != nil:
		log.Error("key file unreadable; the keys in memory stay", "err", err)
		return
	case !changed:
		return
	}
	if _, err := w.svc.db.CheckKeyRing(ctx, n); err != nil {
		log.Error("key file refused; the keys in memory stay", "err", err)
		return
	}
	if err := ring.Adopt(n); err != nil {
		log.Error("key file refused; the keys in memory stay", "err", err)
		return
	}
	log.Info("key file reloaded", "current", ring.CurrentID(), "keys", ring.KeyIDs())
	if err := w.heartbeat(ctx); err != nil {
		log.Warn("key heartbeat", "err", err)
	}
}

// heartbeat seals with the registry's current key when the ring holds it
// (a rotation switches every process through the registry), or seals
// nothing when it does not (the key file has not reached this process),
// and tells the registry which keys this process holds.
func (w *keyWatch) heartbeat(ctx context.Context) error {
	ring, db := w.svc.keys, w.svc.db
	current, err := db.CurrentKey(ctx)
	if err != nil {
		return err
	}
	if _, held := ring.Fingerprint(current); current != 0 && held {
		if ring.CurrentID() != current {
			_ = ring.SetCurrent(current)
			w.log.Info("sealing with the data key the registry names", "key", current)
		}
		ring.UnblockSealing()
	} else if current != 0 {
		w.once.Do(func() {
			w.log.Error("the key file lacks the data key that seals now; nothing is sealed until the current key file is loaded (copy it, or send SIGHUP)",
				"key", current)
		})
		ring.BlockSealing(errKeyRetiring)
	}
	host, _ := os.Hostname()
	return db.HoldKeys(ctx, sqlstore.KeyHolder{Instance: w.instance, Host: host, PID: os.Getpid(), Addr: w.addr,
		StartedAt: w.started, CurrentKey: ring.CurrentID(), KeyIDs: ring.KeyIDs()}, 3*w.beat)
}

// close stops the watcher and removes this server from the holders.
func (w *keyWatch) close() error {
	w.stop()
	<-w.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return w.svc.db.ReleaseKeys(ctx, w.instance)
}
