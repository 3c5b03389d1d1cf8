package shequ

import (
	"context"
	"sync/atomic"
	"time"
)

// Idempotency keys (issue 18): a client that sent a submission and lost the
// answer (a timeout, a connection reset during a database failover) sends
// it again with the same key; the platform then answers what it answered
// the first time and creates nothing. The JSON API takes the key in the
// Idempotency-Key header, the forms that create (service requests, needs,
// reports) carry it in a hidden field. The key is claimed inside the
// transaction that creates, so a submission and its key commit together or
// not at all; the first answer is kept beside the key for a day.

// IdempotencyKey is the key of one submission, carried in its context.
// Account is the signed-in account ("" anonymous): keys are scoped to it,
// so nobody replays another account's answer; Route is the method and path
// the key was first used with.
type IdempotencyKey struct {
	Account, Key, Route string
	taken               atomic.Bool
}

// Take records that the key was claimed by a committed transaction; later
// transactions of the same request do not claim it again.
func (k *IdempotencyKey) Take() { k.taken.Store(true) }

// Taken reports whether a committed transaction claimed the key.
func (k *IdempotencyKey) Taken() bool { return k.taken.Load() }

// IdempotencyKeyTTL is how long a key and its first answer are kept: a
// repeat after that creates again.
const IdempotencyKeyTTL = 24 * time.Hour

// Bounds of a key's text: long enough for a UUID or 128 random bits,
// printable ASCII without spaces.
const (
	minIdempotencyKey = 8
	maxIdempotencyKey = 128
)

// ValidIdempotencyKey reports whether s may be an idempotency key: 8 to 128
// characters of letters, digits and - _ . : (a UUID fits).
func ValidIdempotencyKey(s string) bool {
	if len(s) < minIdempotencyKey || len(s) > maxIdempotencyKey {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			return false
		}
	}
	return true
}

// WithIdempotencyKey returns a context carrying k: the store claims it in
// the first transaction that commits under this context.
func WithIdempotencyKey(ctx context.Context, k *IdempotencyKey) context.Context {
	return context.WithValue(ctx, idempotencyKeyKey, k)
}

// IdempotencyKeyFrom returns the key of the context, nil when it has none
// or its Key is still empty.
func IdempotencyKeyFrom(ctx context.Context) *IdempotencyKey {
	k, _ := ctx.Value(idempotencyKeyKey).(*IdempotencyKey)
	if k == nil || k.Key == "" {
		return nil
	}
	return k
}

// IdempotentAnswer is the first answer to a keyed submission. Status 0
// means the submission committed but its answer was not saved (the server
// stopped between the two); the answer is then unknown.
type IdempotentAnswer struct {
	Route       string
	Status      int
	ContentType string
	Location    string
	Body        []byte
	Created     time.Time
}

// IdempotencyStore keeps the keys and their first answers.
type IdempotencyStore interface {
	// FindAnswer returns the answer kept for account's key, nil when the
	// key was never claimed (or expired).
	FindAnswer(ctx context.Context, account, key string) (*IdempotentAnswer, error)
	// SaveAnswer keeps the answer of a claimed key.
	SaveAnswer(ctx context.Context, k *IdempotencyKey, a IdempotentAnswer) error
}

// ErrKeyTaken is what a transaction gets when its submission's key was
// claimed by another one: a repeat. The web layer answers with the first
// answer.
var ErrKeyTaken = Errorf(EConflict, "idempotency.taken", "This submission was already received.")

// IdempotencySlot returns the key the context carries even while its Key
// is still empty (a form's key is read after the body, into the same
// slot); nil when it carries none.
func IdempotencySlot(ctx context.Context) *IdempotencyKey {
	k, _ := ctx.Value(idempotencyKeyKey).(*IdempotencyKey)
	return k
}
