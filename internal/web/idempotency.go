package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"

	"shequ"
)

// Idempotency keys of submissions (shequ.IdempotencyKey): the JSON API
// takes the key in the Idempotency-Key header, the forms that create carry
// it in the hidden field idempotency_key (a fresh one each time the form
// is shown, {{idempotencyKey}}). Every POST gets a key slot in its context
// (idempotent); the store claims a filled slot in the transaction that
// creates. A repeat with a key already claimed gets the first answer,
// marked Idempotent-Replayed: true, and creates nothing.
const (
	idempotencyHeader = "Idempotency-Key"
	idempotencyField  = "idempotency_key"
	replayedHeader    = "Idempotent-Replayed"
	// maxSavedAnswer bounds the answer kept for a key; a larger one is not
	// kept (a repeat is then told the submission was received).
	maxSavedAnswer = 256 << 10
)

var (
	errIdempotencyKey = shequ.Errorf(shequ.EInvalid, "idempotency.invalid",
		"The idempotency key must be 8 to 128 letters, digits or - _ . : (at least 32 without an account; a UUID will do).")
	errIdempotencyReused = shequ.Errorf(shequ.EConflict, "idempotency.reused",
		"This idempotency key was used for another submission; use a new key for each submission.")
	errIdempotencyPending = shequ.Errorf(shequ.EConflict, "idempotency.pending",
		"This submission was received, but its answer is not available (yet); look for it in your list before submitting again.")
)

// idempotent gives a POST its key slot, replays the first answer of a
// header key already claimed, and keeps the answer of a key its handler
// claimed — unless it is an error of the server (a submission that
// committed and then failed to attach its files): a repeat is then told
// the submission was received (errIdempotencyPending).
func (s *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || s.cfg.Idempotency == nil || credentialPaths[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		k := &shequ.IdempotencyKey{Route: r.Method + " " + r.URL.Path}
		if u := currentUser(r.Context()); u != nil {
			k.Account = u.ID
		}
		if h := r.Header.Get(idempotencyHeader); h != "" {
			if !validKey(k, h) {
				s.error(w, r, errIdempotencyKey)
				return
			}
			k.Key = h
			if s.replayed(w, r, k) {
				return
			}
		}
		rec := &answerRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(shequ.WithIdempotencyKey(r.Context(), k)))
		if k.Key == "" || !k.Taken() || rec.overflow || rec.status >= 500 {
			return
		}
		a := shequ.IdempotentAnswer{Status: rec.status, ContentType: rec.Header().Get("Content-Type"),
			Location: rec.Header().Get("Location"), Body: rec.body.Bytes()}
		if a.Status == 0 {
			a.Status = http.StatusOK
		}
		// The submission committed: keep its answer even if the client
		// went away (that is when it will be asked for again).
		if err := s.cfg.Idempotency.SaveAnswer(context.WithoutCancel(r.Context()), k, a); err != nil {
			s.log.Warn("idempotency: answer not kept", "request_id", requestID(r.Context()), "err", err)
		}
	})
}

// credentialPaths answer with credentials (a session, a token, a changed
// password or second factor): their answers are never kept for a replay.
var credentialPaths = map[string]bool{
	"/login": true, "/login/code": true, "/logout": true, "/register": true, "/account/password": true,
	"/account/two-factor": true, "/api/v1/session": true,
}

// minAnonymousKey is the shortest key of a request without an account:
// there the key alone ties a repeat to the first answer, so it must be as
// hard to guess as 128 random bits (the forms' keys, a UUID).
const minAnonymousKey = 32

// validKey reports whether v may be k's key.
func validKey(k *shequ.IdempotencyKey, v string) bool {
	return shequ.ValidIdempotencyKey(v) && (k.Account != "" || len(v) >= minAnonymousKey)
}

// formKey reads the hidden key of a form that readForm or readMultipart
// parsed into the request's slot (a header key wins) and replays the first
// answer of a key already claimed; it reports whether the handler goes on.
func (s *Server) formKey(w http.ResponseWriter, r *http.Request) bool {
	v := r.PostForm.Get(idempotencyField)
	k := shequ.IdempotencySlot(r.Context())
	if v == "" || k == nil || k.Key != "" {
		return true
	}
	if !validKey(k, v) {
		s.error(w, r, errIdempotencyKey)
		return false
	}
	k.Key = v
	return !s.replayed(w, r, k)
}

// replayed answers a request whose key was claimed already with the first
// answer and reports whether it did; false means the key is new.
func (s *Server) replayed(w http.ResponseWriter, r *http.Request, k *shequ.IdempotencyKey) bool {
	a, err := s.cfg.Idempotency.FindAnswer(r.Context(), k.Account, k.Key)
	switch {
	case err != nil:
		s.error(w, r, err)
	case a == nil:
		return false
	case a.Route != k.Route:
		s.error(w, r, errIdempotencyReused)
	case a.Status == 0:
		w.Header().Set("Retry-After", "1")
		s.error(w, r, errIdempotencyPending)
	default:
		h := w.Header()
		if a.ContentType != "" {
			h.Set("Content-Type", a.ContentType)
		}
		if a.Location != "" {
			h.Set("Location", a.Location)
		}
		h.Set(replayedHeader, "true")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(a.Status)
		_, _ = w.Write(a.Body)
	}
	return true
}

// replayTaken answers a handler's shequ.ErrKeyTaken (the key was claimed
// between the lookup and the transaction: a concurrent repeat, or a retried
// transaction whose lost commit had committed) with the first answer, and
// reports whether it did.
func (s *Server) replayTaken(w http.ResponseWriter, r *http.Request, err error) bool {
	if !errors.Is(err, shequ.ErrKeyTaken) || s.cfg.Idempotency == nil {
		return false
	}
	k := shequ.IdempotencyKeyFrom(r.Context())
	if k == nil {
		return false
	}
	if !s.replayed(w, r, k) {
		// Claimed and gone since (expired): say it was received.
		w.Header().Set("Retry-After", "1")
		s.error(w, r, errIdempotencyPending)
	}
	return true
}

// newIdempotencyKey returns a fresh key for a form: 128 random bits.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// answerRecorder passes a response through and keeps a copy of it, up to
// maxSavedAnswer bytes.
type answerRecorder struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	overflow bool
}

func (w *answerRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *answerRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.overflow {
		if w.body.Len()+len(b) > maxSavedAnswer {
			w.overflow = true
			w.body = bytes.Buffer{}
		} else {
			w.body.Write(b)
		}
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *answerRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
