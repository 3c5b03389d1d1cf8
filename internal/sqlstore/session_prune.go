package sqlstore

import (
	"context"

	"github.com/riverqueue/river"
)

// SessionPruneArgs is the periodic job that deletes the sessions past their
// absolute end. FindSession deletes an ended session when its cookie comes
// back; the sessions whose cookies never come back would stay forever.
type SessionPruneArgs struct{}

// Kind implements river.JobArgs.
func (SessionPruneArgs) Kind() string { return "session_prune" }

// PruneSessions deletes the sessions past their absolute end and returns how
// many.
func (s *SessionService) PruneSessions(ctx context.Context) (int, error) {
	res, err := s.db.db.ExecContext(ctx, s.db.rebind(`DELETE FROM sessions WHERE expires_at <= ?`),
		s.db.dialect.timeArg(s.db.now()))
	if err != nil {
		return 0, translateError(err, "prune sessions")
	}
	n, err := res.RowsAffected()
	return int(n), translateError(err, "prune sessions")
}

// SessionPruneWorker is the worker of SessionPruneArgs.
func SessionPruneWorker(s *SessionService) river.Worker[SessionPruneArgs] {
	return river.WorkFunc(func(ctx context.Context, _ *river.Job[SessionPruneArgs]) error {
		_, err := s.PruneSessions(ctx)
		return err
	})
}
