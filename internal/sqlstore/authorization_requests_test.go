package sqlstore

import (
	"fmt"
	"sync"
	"time"

	"shequ"
)

// The matrix rows of service items, requests and delegations (issue 6).
// Their fixtures are seeded lazily, once per engine, beside seedAuthz's.

// authzRequests holds the request fixtures of one authzFixture.
type authzRequests struct {
	items *ServiceItemService
	reqs  *RequestService
	dels  *DelegationService
	agent *shequ.User // a community worker of the whole province, agent of the fixtures' delegations
	// Requests and delegations of the own, peer and out residents.
	req map[string]*shequ.ServiceRequest
	del map[string]*shequ.Delegation
}

var (
	authzRequestsMu sync.Mutex
	authzRequestsOf = map[*authzFixture]*authzRequests{}
)

func init() {
	authzOps = append(authzOps, requestAuthzOps...)
}

// requestsFor returns (seeding on first use) the request fixtures of fx.
func requestsFor(c *authzCase) *authzRequests {
	c.t.Helper()
	authzRequestsMu.Lock()
	defer authzRequestsMu.Unlock()
	if rq, ok := authzRequestsOf[c.fx]; ok {
		return rq
	}
	t, fx := c.t, c.fx
	rq := &authzRequests{items: NewServiceItemService(fx.db), dels: NewDelegationService(fx.db),
		req: map[string]*shequ.ServiceRequest{}, del: map[string]*shequ.Delegation{}}
	rq.reqs = NewRequestService(fx.db, rq.items, testSealer(t))
	cli := cliContext()
	if err := rq.items.SaveItems(cli, []*shequ.ServiceItem{testItem("MZ-001", 5)}); err != nil {
		t.Fatal(err)
	}
	rq.agent = mustCreateUser(t, fx.db, "agent-zj", shequ.RoleCommunityWorker, "33")
	for _, col := range ownPeerOut {
		res := fx.residentFor(t, col, false)
		r, err := rq.reqs.Submit(cli, authzWindowInput(res.ID))
		if err != nil {
			t.Fatal(err)
		}
		rq.req[col] = r
		d := authzDelegation(res.ID, rq.agent.ID)
		if err := rq.dels.CreateDelegation(cli, d); err != nil {
			t.Fatal(err)
		}
		rq.del[col] = d
	}
	authzRequestsOf[fx] = rq
	return rq
}

func authzWindowInput(residentID string) *shequ.RequestInput {
	return &shequ.RequestInput{ItemCode: "MZ-001", ResidentID: residentID, Channel: shequ.ChannelWindow,
		IdentityNote: "身份证原件核验", Values: map[string][]string{"bank": {"农业银行"}}}
}

func authzDelegation(residentID, agentID string) *shequ.Delegation {
	return &shequ.Delegation{ResidentID: residentID, AgentID: agentID, Items: []string{"MZ-001"},
		ValidFrom: testNow, ValidUntil: testNow.Add(30 * 24 * time.Hour)}
}

// freshRequest files a request for the column's resident from the console,
// moved along to state to.
func freshRequest(c *authzCase, rq *authzRequests, path ...shequ.RequestState) *shequ.ServiceRequest {
	c.t.Helper()
	cli := cliContext()
	r, err := rq.reqs.Submit(cli, authzWindowInput(c.fx.residentFor(c.t, c.col, false).ID))
	if err != nil {
		c.t.Fatal(err)
	}
	for _, to := range path {
		in := shequ.TransitionInput{Result: "已办结"}
		if _, err := rq.reqs.Transition(cli, r.ID, to, in); err != nil {
			c.t.Fatal(err)
		}
	}
	return r
}

var requestAuthzOps = []authzOp{
	{
		name: "service.save", action: shequ.ActionServiceManage, write: true, cols: inOnly,
		want: perRole{"F", "F", "F", "F", "F", "A", "F", "F", "F"},
		run: func(c *authzCase) error {
			rq := requestsFor(c)
			return rq.items.SaveItems(c.ctx, []*shequ.ServiceItem{testItem(fmt.Sprintf("T-%d", c.fx.next()), 3)})
		},
	},
	{
		// A resident files online for themself; a worker at the window for
		// any resident of the scope.
		name: "request.submit", action: shequ.ActionRequestSubmit, write: true, cols: ownPeerOut,
		want: perRole{"ANN", "AAN", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			requestsFor(c)
			in := authzWindowInput(c.fx.residentFor(c.t, c.col, false).ID)
			if c.actor.Role == shequ.RoleResident {
				in.Channel, in.IdentityNote = shequ.ChannelOnline, ""
			}
			_, err := authzRequestsOf[c.fx].reqs.Submit(c.ctx, in)
			return err
		},
	},
	{
		name: "request.read", action: shequ.ActionRequestRead, cols: ownPeerOut,
		want: perRole{"ANN", "AAN", "FFF", "FFF", "FFF", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			rq := requestsFor(c)
			got, err := rq.reqs.Get(c.ctx, rq.req[c.col].ID)
			if err == nil && got.ID != rq.req[c.col].ID {
				return fmt.Errorf("read returned %+v", got)
			}
			return err
		},
	},
	{
		name: "request.list", action: shequ.ActionRequestRead, cols: ownPeerOut,
		want: perRole{"AHH", "AAH", "FFF", "FFF", "FFF", "AAH", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			rq := requestsFor(c)
			list, _, err := rq.reqs.Find(c.ctx, shequ.RequestFilter{Limit: 1000})
			if err != nil {
				return err
			}
			for _, r := range list {
				if r.ID == rq.req[c.col].ID {
					return nil
				}
			}
			return errHidden
		},
	},
	{
		name: "request.handle", action: shequ.ActionRequestHandle, write: true, cols: ownPeerOut,
		want: perRole{"FFF", "AAN", "FFF", "FFF", "FFF", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			rq := requestsFor(c)
			r := freshRequest(c, rq)
			_, err := rq.reqs.Transition(c.ctx, r.ID, shequ.RequestAccepted, shequ.TransitionInput{})
			return err
		},
	},
	{
		name: "request.rate", action: shequ.ActionRequestRate, write: true, cols: ownPeerOut,
		want: perRole{"ANN", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			rq := requestsFor(c)
			r := freshRequest(c, rq, shequ.RequestAccepted, shequ.RequestInProcess, shequ.RequestCompleted)
			_, err := rq.reqs.Transition(c.ctx, r.ID, shequ.RequestRated, shequ.TransitionInput{Rating: 4})
			return err
		},
	},
	{
		name: "delegation.read", action: shequ.ActionDelegationRead, cols: ownPeerOut,
		want: perRole{"ANN", "AAN", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			rq := requestsFor(c)
			_, err := rq.dels.GetDelegation(c.ctx, rq.del[c.col].ID)
			return err
		},
	},
	{
		name: "delegation.write", action: shequ.ActionDelegationWrite, write: true, cols: ownPeerOut,
		want: perRole{"ANN", "AAN", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			rq := requestsFor(c)
			return rq.dels.CreateDelegation(c.ctx, authzDelegation(c.fx.residentFor(c.t, c.col, false).ID, rq.agent.ID))
		},
	},
}
