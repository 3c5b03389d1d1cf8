package sqlstore

import (
	"context"

	"shequ"
)

// nearestStaff returns the enabled accounts of role whose scope covers
// community most closely: the community's own workers before the street's,
// the street's officials before the county's. Overdue requests go to the
// community's workers and to the officials who supervise them; a project
// waits for the approval of the officials of its street (or, without any,
// the nearest level above). None when no account of the role covers it.
func nearestStaff(ctx context.Context, db *DB, q querier, role shequ.Role, community string) ([]string, error) {
	scopes := []any{""}
	for _, n := range []int{2, 4, 6, 9, 12} {
		if len(community) >= n {
			scopes = append(scopes, community[:n])
		}
	}
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT id, scope FROM users WHERE role = ? AND NOT disabled
		AND scope IN (`+placeholders(len(scopes))+`) ORDER BY id`), append([]any{string(role)}, scopes...)...)
	if err != nil {
		return nil, translateError(err, "find recipients")
	}
	defer rows.Close()
	var out []string
	best := -1
	for rows.Next() {
		var id, scope string
		if err := rows.Scan(&id, &scope); err != nil {
			return nil, translateError(err, "find recipients")
		}
		switch {
		case len(scope) > best:
			out, best = []string{id}, len(scope)
		case len(scope) == best:
			out = append(out, id)
		}
	}
	return out, translateError(rows.Err(), "find recipients")
}
