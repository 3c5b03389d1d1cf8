package shequ

import "context"

type contextKey int

const (
	actorKey contextKey = iota
	requestMetaKey
	idempotencyKeyKey
	staleReadsKey
)

// RequestMeta describes where a request came from, for the audit trail.
type RequestMeta struct {
	ClientAddr string
	RequestID  string
}

// WithActor returns a context carrying the signed-in actor. Services read it
// to authorize and to audit.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns the actor of the context, nil when nobody is signed in.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey).(*Actor)
	return a
}

// WithRequestMeta returns a context carrying the request's origin.
func WithRequestMeta(ctx context.Context, m RequestMeta) context.Context {
	return context.WithValue(ctx, requestMetaKey, m)
}

// RequestMetaFrom returns the request's origin; command-line work has
// ClientAddr "cli".
func RequestMetaFrom(ctx context.Context) RequestMeta {
	m, _ := ctx.Value(requestMetaKey).(RequestMeta)
	return m
}

// WithStaleReads returns a context whose reads may come from a standby a
// little behind the primary (the public pages; see the -db-read flag):
// only reads of data nobody is waiting to see change.
func WithStaleReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, staleReadsKey, true)
}

// StaleReadsOK reports whether the context's reads may be a little stale.
func StaleReadsOK(ctx context.Context) bool {
	ok, _ := ctx.Value(staleReadsKey).(bool)
	return ok
}
