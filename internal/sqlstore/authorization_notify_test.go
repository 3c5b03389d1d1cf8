package sqlstore

import (
	"shequ"
)

// The matrix rows of notifications (issue 13): handing in the missing
// materials of a request (补正), and the dead-letter list of deliveries.

func init() {
	authzOps = append(authzOps, notifyAuthzOps...)
}

var notifyAuthzOps = []authzOp{
	{
		// A resident hands in for their own request; a worker at the
		// window for any request of the scope.
		name: "request.supplement", action: shequ.ActionRequestSupplement, write: true, cols: ownPeerOut,
		want: perRole{"ANN", "AAN", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			rq := requestsFor(c)
			r := freshRequest(c, rq, shequ.RequestAccepted)
			cli := cliContext()
			if _, err := rq.reqs.Transition(cli, r.ID, shequ.RequestAwaitingMaterials,
				shequ.TransitionInput{Missing: []string{"户口簿复印件"}}); err != nil {
				c.t.Fatal(err)
			}
			if _, err := rq.reqs.AddAttachment(cli, "request", r.ID, "户口簿.pdf", "application/pdf", []byte("%PDF-1.4 x")); err != nil {
				c.t.Fatal(err)
			}
			_, err := rq.reqs.Supplement(c.ctx, r.ID, "")
			return err
		},
	},
	{
		name: "delivery.failed", action: shequ.ActionDeliveryManage, cols: inOnly,
		want: perRole{"F", "F", "F", "F", "F", "F", "F", "A", "F"},
		run: func(c *authzCase) error {
			_, err := NewNotificationService(c.fx.db, nil).FailedDeliveries(c.ctx, 10)
			return err
		},
	},
}
