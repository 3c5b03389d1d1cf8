package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// timeLayouts are the text forms a timestamp may come back in from SQLite:
// ours (RFC 3339 UTC), and SQLite's own datetime('now') form used by the
// goose version table.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// timeScanner scans a timestamp column on both engines: PostgreSQL returns
// time.Time, SQLite returns the stored text (or time.Time when a column is
// declared TIMESTAMP). NULL scans as the zero time. The result is in UTC.
type timeScanner struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s timeScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.t = time.Time{}
		return nil
	case time.Time:
		*s.t = v.UTC()
		return nil
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	}
	return fmt.Errorf("scan time: unsupported type %T", src)
}

// parse reads one of timeLayouts; a text without zone is taken as UTC.
func (s timeScanner) parse(v string) error {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			*s.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("scan time: cannot parse %q", v)
}

// scanTime returns a scanner that stores into t.
func scanTime(t *time.Time) sql.Scanner { return timeScanner{t: t} }

// nullString returns nil for "" so that empty optional text is stored as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ptrString returns nil for a nil pointer, else the pointed-to text as a
// plain string (drivers do not all accept named string types).
func ptrString[T ~string](p *T) any {
	if p == nil {
		return nil
	}
	return string(*p)
}

// ptrValue returns nil for a nil pointer, else the pointed-to value.
func ptrValue[T int64 | float64](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// queryStrings runs a query of one text column on q and reads every row
// (ids, account ids); what names it in errors.
func queryStrings(ctx context.Context, q querier, query, what string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translateError(err, what)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, translateError(err, what)
		}
		out = append(out, v)
	}
	return out, translateError(rows.Err(), what)
}
