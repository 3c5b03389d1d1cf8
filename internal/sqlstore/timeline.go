package sqlstore

import (
	"context"

	"shequ"
)

// readTimeline reads the timeline events of an object, oldest first. The
// caller has checked that the actor may read the object.
func readTimeline(ctx context.Context, db *DB, objectType, id string) ([]*shequ.TimelineEvent, error) {
	rows, err := db.db.QueryContext(ctx, db.rebind(`SELECT id, object_type, object_id, division, actor_id,
		actor_name, action, from_state, to_state, note, time FROM timeline_events
		WHERE object_type = ? AND object_id = ? ORDER BY time, id`), objectType, id)
	if err != nil {
		return nil, translateError(err, "read timeline")
	}
	defer rows.Close()
	var out []*shequ.TimelineEvent
	for rows.Next() {
		e := &shequ.TimelineEvent{}
		if err := rows.Scan(&e.ID, &e.ObjectType, &e.ObjectID, &e.Division, &e.ActorID, &e.ActorName, &e.Action,
			&e.From, &e.To, &e.Note, scanTime(&e.Time)); err != nil {
			return nil, translateError(err, "read timeline")
		}
		out = append(out, e)
	}
	return out, translateError(rows.Err(), "read timeline")
}
