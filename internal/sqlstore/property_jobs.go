package sqlstore

import (
	"context"

	"github.com/riverqueue/river"

	"shequ"
)

// PropertyDeadlinesArgs is the periodic job that applies the property
// module's time rules (PropertyService.RunDeadlines): alerts before
// contracts and committee terms end, overdue resolutions and
// rectifications, complaint steps past their limits, rating periods that
// ended. Each effect happens once however often it runs.
type PropertyDeadlinesArgs struct{}

// Kind implements river.JobArgs.
func (PropertyDeadlinesArgs) Kind() string { return "property_deadlines" }

// PropertyDeadlinesWorker is the worker of PropertyDeadlinesArgs. It works
// as the console does (audited as "cli"): the rules act for nobody in
// particular.
func PropertyDeadlinesWorker(s *PropertyService) river.Worker[PropertyDeadlinesArgs] {
	return river.WorkFunc(func(ctx context.Context, job *river.Job[PropertyDeadlinesArgs]) error {
		ctx = shequ.WithRequestMeta(ctx, shequ.RequestMeta{ClientAddr: cliActor, RequestID: "job-property-deadlines"})
		_, err := s.RunDeadlines(ctx)
		return err
	})
}
