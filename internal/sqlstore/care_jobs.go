package sqlstore

import (
	"context"

	"github.com/riverqueue/river"
)

// CareSweepArgs is the periodic job of the care rules (CareService.Sweep):
// alerts unacknowledged after 24 hours escalate to the county, overdue
// visits past the grace period to the township supervisor, children
// reaching 16 are proposed for exit. Sweep is idempotent (each item is
// checked again in its own transaction), so a run repeated after a retry
// changes nothing twice.
type CareSweepArgs struct{}

// Kind implements river.JobArgs.
func (CareSweepArgs) Kind() string { return "care_sweep" }

// CareSweepWorker is the worker of CareSweepArgs.
func CareSweepWorker(s *CareService) river.Worker[CareSweepArgs] {
	return river.WorkFunc(func(ctx context.Context, _ *river.Job[CareSweepArgs]) error {
		_, err := s.Sweep(ctx)
		return err
	})
}
