package sqlstore

import (
	"context"

	"github.com/riverqueue/river"
)

// CESweepArgs is the periodic job of continuing education
// (WorkforceService.CESweep): members due soon are notified once per
// registration period. The sweep is idempotent (a conditional update
// marks each member in the transaction of its notifications), so a retry
// or a second server's run notifies nobody twice.
type CESweepArgs struct{}

// Kind implements river.JobArgs.
func (CESweepArgs) Kind() string { return "workforce_ce_sweep" }

// CESweepWorker is the worker of CESweepArgs.
func CESweepWorker(s *WorkforceService) river.Worker[CESweepArgs] {
	return river.WorkFunc(func(ctx context.Context, _ *river.Job[CESweepArgs]) error {
		_, err := s.CESweep(ctx)
		return err
	})
}
