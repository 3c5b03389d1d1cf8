package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"shequ"
)

// The property rows of the authorization matrix (issue 15): community
// workers keep estates, contracts and committees, inspect and hold joint
// meetings in their scope; officials supervise companies, file committees,
// decide escalated complaints, appeals and the black list; property staff
// see and act on their own company's estates, orders, complaints and
// records only; residents complain, confirm and rate for themselves. For
// the rows with ownPeerOut columns, "own" is the property staff's company
// (and the resident's own complaint), "peer" another company in scope,
// "out" a company of 长兴县.
func init() { authzOps = append(authzOps, authzPropertyOps...) }

// propAuthz is the property part of an authorization fixture.
type propAuthz struct {
	s                                *PropertyService
	companies                        map[string]*shequ.PropertyCompany // by column
	estates                          map[string]*shequ.Estate          // by column, under that column's company
	committees, inspections, meeting map[string]string                 // by column: ids to read
}

var (
	propAuthzMu sync.Mutex
	propAuthzOf = map[*authzFixture]*propAuthz{}
)

// communityOfCol is the community of a column of ownPeerOut or inOut.
func communityOfCol(col string) string {
	if col == colOut {
		return authzOtherCommunity
	}
	return authzInCommunity
}

// prop returns the property fixture, seeding it on first use.
func (fx *authzFixture) prop(t *testing.T) *propAuthz {
	t.Helper()
	propAuthzMu.Lock()
	defer propAuthzMu.Unlock()
	if p := propAuthzOf[fx]; p != nil {
		return p
	}
	p := &propAuthz{s: NewPropertyService(fx.db, testSealer(t)), companies: map[string]*shequ.PropertyCompany{},
		estates: map[string]*shequ.Estate{}, committees: map[string]string{}, inspections: map[string]string{},
		meeting: map[string]string{}}
	t.Cleanup(func() { propAuthzMu.Lock(); delete(propAuthzOf, fx); propAuthzMu.Unlock() })
	propAuthzOf[fx] = p
	cli := cliContext()
	for _, col := range []string{colOwn, colPeer, colOut} {
		p.companies[col] = fx.freshCompany(t, p, col)
		p.estates[col] = fx.freshEstate(t, p, col, true)
	}
	mustDo(t, p.s.SetCompanyStaff(cli, p.companies[colOwn].ID, []string{fx.actors[shequ.RolePropertyStaff].ID}))
	// The resident actor lives in a household of their own.
	h := &shequ.Household{Community: authzInCommunity, Address: "苕溪路9号"}
	mustDo(t, fx.res.CreateHousehold(cli, h))
	hid, rel := h.ID, string(shequ.RelationHead)
	if _, err := fx.res.UpdateResident(cli, fx.own.ID, shequ.ResidentInput{HouseholdID: &hid, Relation: &rel}); err != nil {
		t.Fatalf("place the resident in a household: %v", err)
	}
	for _, col := range []string{colOwn, colPeer, colOut} {
		p.committees[col] = fx.submittedCommittee(t, p, p.estates[col]).ID
		in := must(p.s.RecordInspection(cli, passingInspection(p.estates[col].ID, p.s.now())))(t)
		p.inspections[col] = in.ID
		p.meeting[col] = fx.recordedMeeting(t, p, col).ID
	}
	return p
}

// freshCompany registers a company of the column's county from the console.
func (fx *authzFixture) freshCompany(t *testing.T, p *propAuthz, col string) *shequ.PropertyCompany {
	t.Helper()
	county := authzCounty
	if col == colOut {
		county = authzOtherCounty
	}
	n := fx.next()
	c := &shequ.PropertyCompany{Name: fmt.Sprintf("物业公司%d", n), Division: county,
		CreditCode: companyCode(county, fmt.Sprintf("2%07d", n))}
	mustDo(t, p.s.CreateCompany(cliContext(), c))
	return c
}

// freshEstate registers an estate of the column's community, under a
// contract of the column's company when contracted.
func (fx *authzFixture) freshEstate(t *testing.T, p *propAuthz, col string, contracted bool) *shequ.Estate {
	t.Helper()
	e := &shequ.Estate{Name: fmt.Sprintf("小区%d", fx.next()), Community: communityOfCol(col), Households: 100, Mode: shequ.ModeNone}
	mustDo(t, p.s.CreateEstate(cliContext(), e))
	if contracted {
		start := shequ.DateOf(p.s.now()).AddDate(0, -1, 0)
		mustDo(t, p.s.CreateContract(cliContext(), &shequ.PropertyContract{EstateID: e.ID, CompanyID: p.companies[col].ID,
			Start: start, End: start.AddDate(3, 0, 0), FeeFen: 100, Scope: "全部服务", Selection: shequ.SelectedByOwners}))
		e = must(p.s.FindEstateByID(cliContext(), e.ID))(t)
	}
	return e
}

// submittedCommittee submits a committee of five fresh residents for e.
func (fx *authzFixture) submittedCommittee(t *testing.T, p *propAuthz, e *shequ.Estate) *shequ.OwnersCommittee {
	t.Helper()
	var ms []shequ.CommitteeMember
	for i := range 5 {
		post := shequ.OCMember
		if i == 0 {
			post = shequ.OCDirector
		}
		ms = append(ms, shequ.CommitteeMember{ResidentID: fx.createdResident(t, e.Community).ID, Post: post})
	}
	oc := &shequ.OwnersCommittee{EstateID: e.ID, ElectedOn: shequ.DateOf(p.s.now()).AddDate(0, -1, 0), Members: ms}
	mustDo(t, p.s.SubmitCommittee(cliContext(), oc))
	return oc
}

// passingInspection is an inspection input of estate with every item passed.
func passingInspection(estate string, now time.Time) *shequ.InspectionInput {
	scores := map[string]int{}
	for _, it := range shequ.DefaultChecklist {
		scores[it.Key] = it.Max
	}
	return &shequ.InspectionInput{EstateID: estate, Day: now, Inspectors: "环境和物业管理委员会", Scores: scores}
}

// failedInspection raises one order on estate and returns it.
func (p *propAuthz) failedInspection(t *testing.T, estate string) *shequ.Rectification {
	t.Helper()
	in := passingInspection(estate, p.s.now())
	in.Scores["cleaning"] = 1
	in.Notes = map[string]string{"cleaning": "楼道积灰"}
	got := must(p.s.RecordInspection(cliContext(), in))(t)
	return got.Rectifications[0]
}

// recordedMeeting records a meeting of the column's community with its
// company present and one resolution for it.
func (fx *authzFixture) recordedMeeting(t *testing.T, p *propAuthz, col string) *shequ.JointMeeting {
	t.Helper()
	now := shequ.DateOf(p.s.now())
	c := p.companies[col]
	m := &shequ.JointMeeting{Community: communityOfCol(col), Day: now, Agenda: "物业服务问题", Minutes: "形成一项决议。",
		Parties:     []shequ.MeetingParty{{Kind: shequ.PartyRC, Name: "居委会"}, {Kind: shequ.PartyCompany, Name: c.Name, CompanyID: c.ID}},
		Resolutions: []*shequ.Resolution{{Text: "一个月内修复路灯", Owner: shequ.PartyCompany, DueOn: now.AddDate(0, 1, 0)}}}
	mustDo(t, p.s.RecordMeeting(cliContext(), m))
	return m
}

// residentCtx acts as the resident actor.
func (fx *authzFixture) residentCtx() context.Context {
	return shequ.WithActor(cliContext(), fx.actors[shequ.RoleResident].Actor())
}

// complaint files a complaint about the column's estate — the resident's
// own online for "own", a phone complaint otherwise — and drives it to
// state along the workflow from the console.
func (p *propAuthz) complaint(t *testing.T, fx *authzFixture, col string, to shequ.ComplaintState) *shequ.Complaint {
	t.Helper()
	cli := cliContext()
	in := &shequ.ComplaintInput{EstateID: p.estates[col].ID, Channel: shequ.ChannelPhone, Category: shequ.ComplainCleaning,
		Description: "楼道卫生差，垃圾清运不及时"}
	ctx := cli
	if col == colOwn {
		ctx = fx.residentCtx()
	}
	c := must(p.s.FileComplaint(ctx, in))(t)
	steps := map[shequ.ComplaintState][]shequ.ComplaintMove{
		shequ.ComplaintAccepted:  nil,
		shequ.ComplaintForwarded: {{To: shequ.ComplaintForwarded}},
		shequ.ComplaintAnswered:  {{To: shequ.ComplaintForwarded}, {To: shequ.ComplaintAnswered, Text: "已处理"}},
		shequ.ComplaintEscalatedStreet: {{To: shequ.ComplaintForwarded}, {To: shequ.ComplaintAnswered, Text: "已处理"},
			{To: shequ.ComplaintEscalatedStreet, Text: "居民不满意"}},
	}
	for _, m := range steps[to] {
		c = must(p.s.MoveComplaint(cli, c.ID, m))(t)
	}
	return c
}

// estateFor is the estate of a column of ownPeerOut or inOut ("in" is the
// staff's company's).
func (p *propAuthz) estateFor(col string) *shequ.Estate {
	if col == colIn {
		col = colOwn
	}
	return p.estates[col]
}

// checkEstates fails when a list shows an estate the actor may not see.
func checkEstates(a *shequ.User, p *propAuthz, es []*shequ.Estate) error {
	for _, e := range es {
		if !inScope(e.Community) || a.Role == shequ.RolePropertyStaff && e.CompanyID != p.companies[colOwn].ID {
			return fmt.Errorf("leak: list shows estate %s of %s (company %s)", e.ID, e.Community, e.CompanyID)
		}
	}
	return nil
}

// staffOwnOnly is the expected row of an action of the property staff on their
// own company alone.
var staffOwnOnly = perRole{"FFF", "FFF", "FFF", "FFF", "ANN", "FFF", "FFF", "FFF", "FFF"}

var authzPropertyOps = []authzOp{
	{
		name: "estate.read", action: shequ.ActionPropertyRead, cols: ownPeerOut,
		want: perRole{"AAN", "AAN", "FFF", "FFF", "ANN", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			got, err := p.s.FindEstateByID(c.ctx, p.estates[c.col].ID)
			if err == nil && got.ID != p.estates[c.col].ID {
				return fmt.Errorf("read returned %+v", got)
			}
			return err
		},
	},
	{
		name: "estate.list", action: shequ.ActionPropertyRead, cols: ownPeerOut,
		want: perRole{"AAH", "AAH", "FFF", "FFF", "AHH", "AAH", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			all, _, err := p.s.FindEstates(c.ctx, shequ.EstateFilter{Limit: 500})
			if err != nil {
				return err
			}
			if err := checkEstates(c.actor, p, all); err != nil {
				return err
			}
			for _, e := range all {
				if e.ID == p.estates[c.col].ID {
					return nil
				}
			}
			return errHidden
		},
	},
	{
		name: "estate.create", action: shequ.ActionPropertyWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			return p.s.CreateEstate(c.ctx, &shequ.Estate{Name: fmt.Sprintf("新建%d", c.fx.next()), Community: communityOfCol(c.col),
				Households: 20, Mode: shequ.ModeOwnerSelf})
		},
	},
	{
		name: "estate.update", action: shequ.ActionPropertyWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			n := 150 + c.fx.next()
			got, err := p.s.UpdateEstate(c.ctx, p.estateFor(c.col).ID, shequ.EstateUpdate{Households: &n})
			if err == nil && got.Households != n {
				return fmt.Errorf("update returned %+v", got)
			}
			return err
		},
	},
	{
		name: "estate.import", action: shequ.ActionPropertyWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			return p.s.ImportEstates(c.ctx, []*shequ.Estate{
				{Name: fmt.Sprintf("导入%d", c.fx.next()), Community: authzInCommunity, Households: 20, Mode: shequ.ModeNone},
				{Name: fmt.Sprintf("导入%d", c.fx.next()), Community: communityOfCol(c.col), Households: 20, Mode: shequ.ModeNone}})
		},
	},
	{
		// A household's estate: the keepers of the register; a resident
		// records only their own household's.
		name: "estate.household", action: shequ.ActionPropertyWrite, write: true, cols: inOut,
		want: perRole{"NN", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			h, col := c.fx.hhIn, colOwn
			if c.col == colOut {
				h, col = c.fx.hhOut, colOut
			}
			return p.s.SetHouseholdEstate(c.ctx, h.ID, p.estates[col].ID)
		},
	},
	{
		name: "company.read", action: shequ.ActionPropertyRead, cols: ownPeerOut,
		want: perRole{"AAN", "AAN", "FFF", "FFF", "ANN", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			got, err := p.s.FindCompanyByID(c.ctx, p.companies[c.col].ID)
			if err == nil && got.ID != p.companies[c.col].ID {
				return fmt.Errorf("read returned %+v", got)
			}
			return err
		},
	},
	{
		name: "company.list", action: shequ.ActionPropertyRead, cols: ownPeerOut,
		want: perRole{"AAH", "AAH", "FFF", "FFF", "AHH", "AAH", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			all, _, err := p.s.FindCompanies(c.ctx, shequ.CompanyFilter{Limit: 500})
			if err != nil {
				return err
			}
			for _, co := range all {
				if co.Division == authzOtherCounty || c.actor.Role == shequ.RolePropertyStaff && co.ID != p.companies[colOwn].ID {
					return fmt.Errorf("leak: list shows company %s of %s", co.ID, co.Division)
				}
			}
			for _, co := range all {
				if co.ID == p.companies[c.col].ID {
					return nil
				}
			}
			return errHidden
		},
	},
	{
		name: "company.create", action: shequ.ActionPropertySupervise, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			county := authzCounty
			if c.col == colOut {
				county = authzOtherCounty
			}
			n := c.fx.next()
			return c.fx.prop(c.t).s.CreateCompany(c.ctx, &shequ.PropertyCompany{Name: fmt.Sprintf("新物业%d", n),
				Division: county, CreditCode: companyCode(county, fmt.Sprintf("3%07d", n))})
		},
	},
	{
		name: "company.staff", action: shequ.ActionPropertySupervise, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			col := colPeer
			if c.col == colOut {
				col = colOut
			}
			return p.s.SetCompanyStaff(c.ctx, p.companies[col].ID, nil)
		},
	},
	{
		name: "contract.create", action: shequ.ActionPropertyWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			col := colPeer
			if c.col == colOut {
				col = colOut
			}
			e := c.fx.freshEstate(c.t, p, col, false)
			start := shequ.DateOf(p.s.now())
			return p.s.CreateContract(c.ctx, &shequ.PropertyContract{EstateID: e.ID, CompanyID: p.companies[col].ID,
				Start: start, End: start.AddDate(1, 0, 0), FeeFen: 90, Scope: "保洁绿化", Selection: shequ.SelectedEarly})
		},
	},
	{
		name: "committee.submit", action: shequ.ActionPropertyWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			e := c.fx.freshEstate(c.t, p, c.col, false)
			var ms []shequ.CommitteeMember
			for i := range 5 {
				post := shequ.OCMember
				if i == 0 {
					post = shequ.OCDirector
				}
				ms = append(ms, shequ.CommitteeMember{ResidentID: c.fx.createdResident(c.t, e.Community).ID, Post: post})
			}
			return p.s.SubmitCommittee(c.ctx, &shequ.OwnersCommittee{EstateID: e.ID, ElectedOn: shequ.DateOf(p.s.now()), Members: ms})
		},
	},
	{
		name: "committee.file", action: shequ.ActionPropertySupervise, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			oc := c.fx.submittedCommittee(c.t, p, c.fx.freshEstate(c.t, p, c.col, false))
			_, err := p.s.FileCommittee(c.ctx, oc.ID, shequ.FilingFiled, "")
			return err
		},
	},
	{
		name: "committee.read", action: shequ.ActionPropertyRead, cols: ownPeerOut,
		want: perRole{"AAN", "AAN", "FFF", "FFF", "ANN", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			_, err := p.s.FindCommitteeByID(c.ctx, p.committees[c.col])
			return err
		},
	},
	{
		name: "inspection.record", action: shequ.ActionInspectionRecord, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			_, err := p.s.RecordInspection(c.ctx, passingInspection(p.estateFor(c.col).ID, p.s.now()))
			return err
		},
	},
	{
		name: "inspection.read", action: shequ.ActionPropertyRead, cols: ownPeerOut,
		want: perRole{"AAN", "AAN", "FFF", "FFF", "ANN", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			_, err := p.s.FindInspectionByID(c.ctx, p.inspections[c.col])
			return err
		},
	},
	{
		name: "rectification.report", action: shequ.ActionRectificationReport, write: true, cols: ownPeerOut,
		want: staffOwnOnly,
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			r := p.failedInspection(c.t, p.estates[c.col].ID)
			_, err := p.s.MoveRectification(c.ctx, r.ID, shequ.RectificationMove{To: shequ.RectifyReported, Text: "已清扫"})
			return err
		},
	},
	{
		name: "rectification.verify", action: shequ.ActionInspectionRecord, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			r := p.failedInspection(c.t, p.estateFor(c.col).ID)
			must(p.s.MoveRectification(cliContext(), r.ID, shequ.RectificationMove{To: shequ.RectifyReported, Text: "已清扫"}))(c.t)
			_, err := p.s.MoveRectification(c.ctx, r.ID, shequ.RectificationMove{To: shequ.RectifyVerified, Text: "复查合格"})
			return err
		},
	},
	{
		name: "meeting.record", action: shequ.ActionMeetingRecord, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			now := shequ.DateOf(p.s.now())
			return p.s.RecordMeeting(c.ctx, &shequ.JointMeeting{Community: communityOfCol(c.col), Day: now, Agenda: "议题",
				Minutes: "会议纪要", Parties: []shequ.MeetingParty{{Kind: shequ.PartyRC, Name: "居委会"}, {Kind: shequ.PartyPolice, Name: "派出所"}}})
		},
	},
	{
		name: "meeting.read", action: shequ.ActionPropertyRead, cols: ownPeerOut,
		want: perRole{"AAN", "AAN", "FFF", "FFF", "ANN", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			_, err := p.s.FindMeetingByID(c.ctx, p.meeting[c.col])
			return err
		},
	},
	{
		name: "resolution.done", action: shequ.ActionMeetingRecord, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			col := colPeer
			if c.col == colOut {
				col = colOut
			}
			m := c.fx.recordedMeeting(c.t, p, col)
			_, err := p.s.CompleteResolution(c.ctx, m.Resolutions[0].ID, "已完成")
			return err
		},
	},
	{
		name: "complaint.submit", action: shequ.ActionComplaintSubmit, write: true, cols: inOut,
		want: perRole{"AN", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			col := colPeer
			if c.col == colOut {
				col = colOut
			}
			_, err := p.s.FileComplaint(c.ctx, &shequ.ComplaintInput{EstateID: p.estates[col].ID, Channel: shequ.ChannelPhone,
				Category: shequ.ComplainGreening, Description: "绿化带长期无人修剪"})
			return err
		},
	},
	{
		name: "complaint.read", action: shequ.ActionComplaintRead, cols: ownPeerOut,
		want: perRole{"ANN", "AAN", "FFF", "FFF", "ANN", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			want := p.complaint(c.t, c.fx, c.col, shequ.ComplaintForwarded)
			got, err := p.s.FindComplaintByID(c.ctx, want.ID)
			if err == nil && got.ID != want.ID {
				return fmt.Errorf("read returned %+v", got)
			}
			return err
		},
	},
	{
		name: "complaint.list", action: shequ.ActionComplaintRead, cols: ownPeerOut,
		want: perRole{"AHH", "AAH", "FFF", "FFF", "AHH", "AAH", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			want := p.complaint(c.t, c.fx, c.col, shequ.ComplaintForwarded)
			all, _, err := p.s.FindComplaints(c.ctx, shequ.ComplaintFilter{Limit: 500})
			if err != nil {
				return err
			}
			for _, x := range all {
				if !inScope(x.Community) || c.actor.Role == shequ.RolePropertyStaff && x.CompanyID != p.companies[colOwn].ID ||
					c.actor.Role == shequ.RoleResident && x.OwnerUserID != c.actor.ID {
					return fmt.Errorf("leak: list shows complaint %s", x.Number)
				}
			}
			for _, x := range all {
				if x.ID == want.ID {
					return nil
				}
			}
			return errHidden
		},
	},
	{
		// Forwarding is the community's; others who may read the complaint
		// are forbidden, those who may not see nothing.
		name: "complaint.handle", action: shequ.ActionComplaintHandle, write: true, cols: inOut,
		want: perRole{"NN", "AN", "FF", "FF", "NN", "FN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			col := colPeer
			if c.col == colOut {
				col = colOut
			}
			x := p.complaint(c.t, c.fx, col, shequ.ComplaintAccepted)
			_, err := p.s.MoveComplaint(c.ctx, x.ID, shequ.ComplaintMove{To: shequ.ComplaintForwarded})
			return err
		},
	},
	{
		name: "complaint.answer", action: shequ.ActionComplaintAnswer, write: true, cols: ownPeerOut,
		want: perRole{"FNN", "FFN", "FFF", "FFF", "ANN", "FFN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			x := p.complaint(c.t, c.fx, c.col, shequ.ComplaintForwarded)
			_, err := p.s.MoveComplaint(c.ctx, x.ID, shequ.ComplaintMove{To: shequ.ComplaintAnswered, Text: "已安排处理"})
			return err
		},
	},
	{
		name: "complaint.decide", action: shequ.ActionComplaintDecide, write: true, cols: inOut,
		want: perRole{"FN", "FN", "FF", "FF", "FN", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			col := colOwn
			if c.col == colOut {
				col = colOut
			}
			x := p.complaint(c.t, c.fx, col, shequ.ComplaintEscalatedStreet)
			_, err := p.s.MoveComplaint(c.ctx, x.ID, shequ.ComplaintMove{To: shequ.ComplaintClosed, Text: "经核实",
				Verdict: shequ.VerdictDismissed})
			return err
		},
	},
	{
		// Confirming an answer: the complainant, or a worker for them.
		name: "complaint.confirm", action: shequ.ActionComplaintSubmit, write: true, cols: ownPeerOut,
		want: perRole{"ANN", "AAN", "FFF", "FFF", "FNN", "FFN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			x := p.complaint(c.t, c.fx, c.col, shequ.ComplaintAnswered)
			_, err := p.s.MoveComplaint(c.ctx, x.ID, shequ.ComplaintMove{To: shequ.ComplaintConfirmed})
			return err
		},
	},
	{
		name: "property.rate", action: shequ.ActionPropertyRate, write: true, cols: inOut,
		want: perRole{"AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			r := &shequ.PropertyRating{EstateID: p.estateFor(c.col).ID, Scores: map[shequ.RatingDimension]int{}}
			for _, d := range shequ.RatingDimensions {
				r.Scores[d] = 4
			}
			return p.s.RateEstate(c.ctx, r)
		},
	},
	{
		name: "credit.record", action: shequ.ActionPropertySupervise, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			col := colPeer
			if c.col == colOut {
				col = colOut
			}
			_, err := p.s.RecordCredit(c.ctx, &shequ.ManualRecord{CompanyID: p.companies[col].ID, Kind: shequ.CreditAward,
				Points: 1, Note: "获评优秀物业项目"})
			return err
		},
	},
	{
		name: "credit.appeal", action: shequ.ActionCreditAppeal, write: true, cols: ownPeerOut,
		want: staffOwnOnly,
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			r := must(p.s.RecordCredit(cliContext(), &shequ.ManualRecord{CompanyID: p.companies[c.col].ID,
				Kind: shequ.CreditSeriousBreach, Points: 1, Note: "违规收取费用"}))(c.t)
			_, err := p.s.AppealRecord(c.ctx, r.ID, "收费经业主大会同意")
			return err
		},
	},
	{
		name: "appeal.answer", action: shequ.ActionPropertySupervise, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			col := colPeer
			if c.col == colOut {
				col = colOut
			}
			r := must(p.s.RecordCredit(cliContext(), &shequ.ManualRecord{CompanyID: p.companies[col].ID,
				Kind: shequ.CreditSeriousBreach, Points: 1, Note: "违规收取费用"}))(c.t)
			ap := must(p.s.AppealRecord(cliContext(), r.ID, "收费经业主大会同意"))(c.t)
			_, err := p.s.AnswerAppeal(c.ctx, ap.ID, shequ.AppealRejected, "未提供业主大会决议")
			return err
		},
	},
	{
		name: "company.blacklist", action: shequ.ActionPropertySupervise, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			p := c.fx.prop(c.t)
			co := c.fx.freshCompany(c.t, p, c.col)
			_, err := p.s.Blacklist(c.ctx, co.ID, true, "擅自撤离服务区域")
			return err
		},
	},
	{
		name: "property.settings", action: shequ.ActionPropertySupervise, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			county := authzCounty
			if c.col == colOut {
				county = authzOtherCounty
			}
			return c.fx.prop(c.t).s.SaveSettings(c.ctx, shequ.DefaultPropertySettings(county))
		},
	},
	{
		name: "property.alerts", action: shequ.ActionPropertyRead, cols: inOnly,
		want: perRole{"A", "A", "F", "F", "A", "A", "F", "F", "F"},
		run: func(c *authzCase) error {
			_, err := c.fx.prop(c.t).s.Alerts(c.ctx, "")
			return err
		},
	},
}
