package register

import (
	"context"
	"time"
)

// Store binds a register to its service. Every function authorizes the
// actor of ctx (the service's central check: role × scope × ownership),
// audits, and writes state, timeline and audit in one transaction. A
// function left nil is a capability the register does not offer (no
// Import: no upload page).
type Store[T any] struct {
	// Find returns one record; reveal asks for sealed fields in clear (the
	// service audits the read). One out of scope is ENotFound.
	Find func(ctx context.Context, id string, reveal bool) (*T, error)
	// List returns a page of the records matching q and their total.
	List func(ctx context.Context, q Query) ([]*T, int, error)
	// Create stores a new record, filling its id and times.
	Create func(ctx context.Context, x *T) error
	// Update replaces the editable fields of the stored record x names.
	Update func(ctx context.Context, x *T) error
	// Import creates records in one transaction, all or nothing; a
	// refused row names itself with Data["Row"] (1-based).
	Import func(ctx context.Context, xs []*T) error
}

// Query is a list request as the mechanism parsed it from a page's or the
// API's query string; a Store's List turns it into the service's filter.
type Query struct {
	// Community narrows to a division (default the actor's scope).
	Community string
	// Choice holds the FilterChoice values by field name.
	Choice map[string]string
	// Text is the FilterText search ("" none).
	Text string
	// From and To bound the FilterDateRange fields by name (inclusive days).
	From, To map[string]*time.Time
	// Sort is one of the schema's Sorts ("" the default); the store maps
	// it to its ORDER BY from a fixed table, never into the SQL text.
	Sort string
	// Offset and Limit are the page.
	Offset, Limit int
}

// Get returns the value of the choice filter name.
func (q Query) Get(name string) string { return q.Choice[name] }
