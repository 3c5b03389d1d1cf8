package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"shequ"
)

// The authorization matrix (issue 3, "Done when"): every role × every store
// operation guarded by an action × an object in and out of the caller's
// scope, through the real store methods on both engines. The expected
// outcomes are written out below by hand from DESIGN §2 and the issue, not
// computed from the permissions table in role.go, so that a change to that
// table which the matrix does not expect fails here.

// Divisions of the matrix: staff actors are scoped to 安吉县; the resident
// lives in 苕秀社区 (tiaoxiu, of the resident fixture); out-of-scope objects
// live in a community of 长兴县, the neighbouring county.
const (
	authzCounty         = "330523"
	authzOtherCounty    = "330522"
	authzOtherCommunity = "330522001001"
	authzInCommunity    = tiaoxiu
	authzInTownship     = dipu
)

// authzDivisions are the divisions added to the resident fixture.
var authzDivisions = [][2]string{
	{authzOtherCounty, "长兴县"},
	{"330522001", "雉城街道"},
	{authzOtherCommunity, "长城社区居委会"},
}

// outcome is what one attempt answered, as a letter of the matrix.
type outcome byte

func (o outcome) String() string { return string(rune(o)) }

// Outcomes of one attempt.
const (
	allow     outcome = 'A' // nil error (reads: the object is returned)
	forbidden outcome = 'F' // EForbidden: the role may not do this at all
	notFound  outcome = 'N' // ENotFound: out of scope or not the actor's own, as if missing
	hidden    outcome = 'H' // lists: nil error, but the object is not listed
)

// Columns: which object an attempt is made on.
const (
	colOwn  = "own"  // the resident's own record (in tiaoxiu, so in every staff scope too)
	colPeer = "peer" // another resident of the same community, linked to no account
	colIn   = "in"   // an object in the actor's scope
	colOut  = "out"  // an object in 长兴县, outside every actor's scope
	colSelf = "self" // the actor's own account
)

var (
	ownPeerOut = []string{colOwn, colPeer, colOut}
	inOut      = []string{colIn, colOut}
	inOnly     = []string{colIn}
	selfOnly   = []string{colSelf}
)

// perRole holds one expected outcome per column, for each role in the order
// of shequ.Roles. It is written positionally so that every role must be
// given.
type perRole struct {
	resident, worker, orgMember, socialWorker, propertyStaff, official, auditor, sysadmin, secadmin string
}

func (p perRole) of(t *testing.T, r shequ.Role) string {
	t.Helper()
	switch r {
	case shequ.RoleResident:
		return p.resident
	case shequ.RoleCommunityWorker:
		return p.worker
	case shequ.RoleOrgMember:
		return p.orgMember
	case shequ.RoleSocialWorker:
		return p.socialWorker
	case shequ.RolePropertyStaff:
		return p.propertyStaff
	case shequ.RoleOfficial:
		return p.official
	case shequ.RoleAuditor:
		return p.auditor
	case shequ.RoleSysadmin:
		return p.sysadmin
	case shequ.RoleSecadmin:
		return p.secadmin
	}
	t.Fatalf("role %q has no column in the matrix: add it", r)
	return ""
}

// errHidden is what a list operation answers when it succeeds without the
// object: classified as hidden, never returned by the store.
var errHidden = errors.New("not listed")

// authzFixture is seeded once per engine and shared by the cases.
type authzFixture struct {
	db       *DB
	res      *ResidentService
	users    *UserService
	tokens   *TokenService
	sessions *SessionService
	audit    *AuditService

	actors map[shequ.Role]*shequ.User

	// Read-only resident fixtures; writes make fresh ones.
	own, peer, out *shequ.Resident
	hhIn, hhOut    *shequ.Household
	// Target accounts, in (安吉县 递铺街道) and out of scope (长兴县).
	userIn, userOut *shequ.User
	// The registers (issue 4): an organization owned by the org_member
	// actor, another of the same community, one out of scope; a social
	// worker linked to the social_worker actor, another, one out of scope.
	orgs                    *OrgService
	workers                 *SocialWorkerService
	orgOwn, orgPeer, orgOut *shequ.SocialOrg
	swOwn, swPeer, swOut    *shequ.SocialWorker
	targets                 *TargetService

	n int // sequence for fresh ID numbers and names
}

// next returns a fresh number.
func (fx *authzFixture) next() int {
	fx.n++
	return fx.n
}

// freshResident returns a new, unsaved resident of community with a unique
// ID number.
func (fx *authzFixture) freshResident(community string) *shequ.Resident {
	n := fx.next()
	birth := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format("20060102")
	return &shequ.Resident{Name: fmt.Sprintf("居民%d", n), Community: community,
		IDNumber: shequ.IDNumber(idNumber(community[:6], birth, fmt.Sprintf("%03d", n%1000)))}
}

// createdResident stores a fresh resident of community from the console.
func (fx *authzFixture) createdResident(t *testing.T, community string) *shequ.Resident {
	t.Helper()
	return mustCreateResident(t, fx.res, fx.freshResident(community))
}

// createdUser stores a fresh community worker account with scope from the
// console.
func (fx *authzFixture) createdUser(t *testing.T, scope string) *shequ.User {
	t.Helper()
	return mustCreateUser(t, fx.db, fmt.Sprintf("target%d", fx.next()), shequ.RoleCommunityWorker, scope)
}

// inScope reports whether a division code is in the staff actors' scope.
func inScope(code string) bool { return shequ.IsAncestorOrSelf(authzCounty, code) }

// residentFor picks the resident record of a column of ownPeerOut; fresh,
// for writes, except the own record, of which there is only one (the link
// to an account is unique).
func (fx *authzFixture) residentFor(t *testing.T, col string, fresh bool) *shequ.Resident {
	t.Helper()
	switch {
	case col == colOwn:
		return fx.own
	case fresh && col == colPeer:
		return fx.createdResident(t, authzInCommunity)
	case fresh:
		return fx.createdResident(t, authzOtherCommunity)
	case col == colPeer:
		return fx.peer
	}
	return fx.out
}

// communityFor is the community of a column of inOut.
func communityFor(col string) string {
	if col == colOut {
		return authzOtherCommunity
	}
	return authzInCommunity
}

// userFor is the target account of a column of inOut.
func (fx *authzFixture) userFor(col string) *shequ.User {
	if col == colOut {
		return fx.userOut
	}
	return fx.userIn
}

// seedAuthz seeds divisions, one account per role, resident and household
// fixtures and target accounts.
func seedAuthz(t *testing.T, db *DB) *authzFixture {
	t.Helper()
	mustImport(t, db, divisionsOf(append(append([][2]string{}, fixture...), authzDivisions...)...))
	fx := &authzFixture{db: db, res: NewResidentService(db, testSealer(t)), users: NewUserService(db),
		tokens: NewTokenService(db), sessions: NewSessionService(db), audit: NewAuditService(db),
		actors: map[shequ.Role]*shequ.User{}}

	// The resident's own record, linked through self-registration.
	fx.own = fx.freshResident(authzInCommunity)
	fx.own.Phone = "13800138000"
	mustCreateResident(t, fx.res, fx.own)
	me := &shequ.User{Username: "resident1"}
	linked := registerVerified(t, fx.res, fx.own, string(fx.own.Phone), me)
	if me.Scope != authzInCommunity || linked.UserID != me.ID {
		t.Fatalf("registered %+v linked to %+v", me, linked)
	}
	fx.own = linked
	fx.actors[shequ.RoleResident] = me
	for _, r := range shequ.Roles {
		if r != shequ.RoleResident {
			fx.actors[r] = mustCreateUser(t, db, strings.ReplaceAll(string(r), "_", "-")+"1", r, authzCounty)
		}
	}

	fx.peer = fx.createdResident(t, authzInCommunity)
	fx.out = fx.createdResident(t, authzOtherCommunity)
	cli := cliContext()
	fx.hhIn = &shequ.Household{Community: authzInCommunity, Address: "苕溪路1号"}
	fx.hhOut = &shequ.Household{Community: authzOtherCommunity, Address: "长兴路1号"}
	for _, h := range []*shequ.Household{fx.hhIn, fx.hhOut} {
		if err := fx.res.CreateHousehold(cli, h); err != nil {
			t.Fatal(err)
		}
	}
	fx.userIn = fx.createdUser(t, authzInTownship)
	fx.userOut = fx.createdUser(t, authzOtherCounty)

	fx.orgs, fx.workers = NewOrgService(db, testSealer(t)), NewSocialWorkerService(db, testSealer(t))
	fx.targets = NewTargetService(db)
	fx.orgOwn = fx.freshOrg(authzInCommunity)
	fx.orgOwn.OwnerUserIDs = []string{fx.actors[shequ.RoleOrgMember].ID}
	mustCreateOrg(t, fx.orgs, fx.orgOwn)
	fx.orgPeer = fx.createdOrg(t, authzInCommunity)
	fx.orgOut = fx.createdOrg(t, authzOtherCommunity)
	fx.swOwn = fx.freshWorker(authzInCommunity)
	fx.swOwn.UserID = fx.actors[shequ.RoleSocialWorker].ID
	mustCreateWorker(t, fx.workers, fx.swOwn)
	fx.swPeer = fx.createdWorker(t, authzInCommunity)
	fx.swOut = fx.createdWorker(t, authzOtherCommunity)
	return fx
}

// freshOrg returns a new, unsaved organization of community, filed with
// its township.
func (fx *authzFixture) freshOrg(community string) *shequ.SocialOrg {
	return anOrg(fmt.Sprintf("协会%d", fx.next()), community)
}

// createdOrg stores a fresh organization of community from the console.
func (fx *authzFixture) createdOrg(t *testing.T, community string) *shequ.SocialOrg {
	t.Helper()
	return mustCreateOrg(t, fx.orgs, fx.freshOrg(community))
}

// freshWorker returns a new, unsaved social worker of community with a
// unique ID number.
func (fx *authzFixture) freshWorker(community string) *shequ.SocialWorker {
	w := aWorker(fmt.Sprintf("社工%d", fx.next()), community, fx.n)
	w.Community = community
	return w
}

// createdWorker stores a fresh social worker of community from the console.
func (fx *authzFixture) createdWorker(t *testing.T, community string) *shequ.SocialWorker {
	t.Helper()
	return mustCreateWorker(t, fx.workers, fx.freshWorker(community))
}

// orgFor picks the organization of a column of ownPeerOut (own: the
// org_member actor's); fresh ones for writes, except the own one.
func (fx *authzFixture) orgFor(t *testing.T, col string, fresh bool) *shequ.SocialOrg {
	t.Helper()
	switch {
	case col == colOwn:
		return fx.orgOwn
	case fresh && col == colPeer:
		return fx.createdOrg(t, authzInCommunity)
	case fresh:
		return fx.createdOrg(t, authzOtherCommunity)
	case col == colPeer:
		return fx.orgPeer
	}
	return fx.orgOut
}

// workerFor picks the social worker of a column of ownPeerOut (own: the
// social_worker actor's record); fresh ones for writes, except the own one.
func (fx *authzFixture) workerFor(t *testing.T, col string, fresh bool) *shequ.SocialWorker {
	t.Helper()
	switch {
	case col == colOwn:
		return fx.swOwn
	case fresh && col == colPeer:
		return fx.createdWorker(t, authzInCommunity)
	case fresh:
		return fx.createdWorker(t, authzOtherCommunity)
	case col == colPeer:
		return fx.swPeer
	}
	return fx.swOut
}

// authzCase is one attempt: an actor of a role on the object of a column.
type authzCase struct {
	t     *testing.T
	fx    *authzFixture
	ctx   context.Context
	actor *shequ.User
	col   string
}

// authzOp is a row of the matrix: a guarded store operation.
type authzOp struct {
	name   string
	action shequ.Action // the action that guards it
	self   bool         // done by an actor on their own account (no permission needed)
	write  bool         // an allowed attempt appends an allowed audit record
	cols   []string
	want   perRole // per role, one outcome per column of cols
	run    func(c *authzCase) error
}

// checkResidents fails when a list shows a record the actor may not read.
func checkResidents(a *shequ.User, rs []*shequ.Resident) error {
	for _, r := range rs {
		if !shequ.IsAncestorOrSelf(a.Scope, r.Community) || (a.Role == shequ.RoleResident && r.UserID != a.ID) {
			return fmt.Errorf("leak: list shows resident %s of %s (owner %q)", r.ID, r.Community, r.UserID)
		}
	}
	return nil
}

// authzOps is the matrix. Columns of want, in role order: resident,
// community_worker, org_member, social_worker, property_staff, official,
// auditor, sysadmin, secadmin.
var authzOps = []authzOp{
	{
		name: "resident.read", action: shequ.ActionResidentRead, cols: ownPeerOut,
		want: perRole{"ANN", "AAN", "FFF", "FFF", "FFF", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			want := c.fx.residentFor(c.t, c.col, false)
			got, err := c.fx.res.FindResidentByID(c.ctx, want.ID, false)
			if err == nil && (got == nil || got.ID != want.ID) {
				return fmt.Errorf("read %s returned %+v", want.ID, got)
			}
			return err
		},
	},
	{
		// The read check comes first: a record the actor may not read
		// answers ENotFound even to a role without reveal, so that reveal
		// attempts do not tell out-of-scope records from missing ones.
		name: "resident.reveal", action: shequ.ActionResidentReveal, write: true, cols: ownPeerOut,
		want: perRole{"FNN", "AAN", "FFF", "FFF", "FFF", "FFN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			want := c.fx.residentFor(c.t, c.col, false)
			got, err := c.fx.res.FindResidentByID(c.ctx, want.ID, true)
			if err == nil && (got == nil || got.ID != want.ID || got.IDNumber != want.IDNumber) {
				return fmt.Errorf("reveal %s returned %+v", want.ID, got)
			}
			return err
		},
	},
	{
		// The whole list, which must show nothing beyond the actor's reach,
		// and the object's community listed.
		name: "resident.list", action: shequ.ActionResidentRead, cols: ownPeerOut,
		want: perRole{"AHH", "AAH", "FFF", "FFF", "FFF", "AAH", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			want := c.fx.residentFor(c.t, c.col, false)
			rs, _, err := c.fx.res.FindResidents(c.ctx, shequ.ResidentFilter{Community: want.Community, Limit: 500})
			if err != nil {
				return err
			}
			all, _, err := c.fx.res.FindResidents(c.ctx, shequ.ResidentFilter{Limit: 500})
			if err != nil {
				return fmt.Errorf("unfiltered list: %w", err)
			}
			if err := checkResidents(c.actor, append(rs, all...)); err != nil {
				return err
			}
			if c.actor.Role == shequ.RoleResident && (len(all) != 1 || all[0].ID != c.fx.own.ID) {
				return fmt.Errorf("resident lists %d records, want their own alone", len(all))
			}
			for _, r := range rs {
				if r.ID == want.ID {
					return nil
				}
			}
			return errHidden
		},
	},
	{
		// Searched by exact ID number within the object's community: a match
		// confirms a whole number, so only a reader who may reveal may search
		// (issue 14: a refused reveal must not be had by guessing).
		name: "resident.search_id", action: shequ.ActionResidentReveal, cols: ownPeerOut,
		want: perRole{"FFF", "AAH", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			want := c.fx.residentFor(c.t, c.col, false)
			rs, _, err := c.fx.res.FindResidents(c.ctx, shequ.ResidentFilter{Community: want.Community,
				IDNumber: string(want.IDNumber)})
			if err != nil {
				return err
			}
			if err := checkResidents(c.actor, rs); err != nil {
				return err
			}
			for _, r := range rs {
				if r.ID == want.ID {
					return nil
				}
			}
			return errHidden
		},
	},
	{
		name: "resident.update", action: shequ.ActionResidentWrite, write: true, cols: ownPeerOut,
		want: perRole{"FFF", "AAN", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			r := c.fx.residentFor(c.t, c.col, true)
			got, err := c.fx.res.UpdateResident(c.ctx, r.ID, shequ.ResidentInput{Tags: &[]string{"veteran"}})
			if err == nil && (got == nil || got.ID != r.ID || len(got.Tags) != 1) {
				return fmt.Errorf("update returned %+v", got)
			}
			return err
		},
	},
	{
		name: "resident.verify", action: shequ.ActionResidentVerify, write: true, cols: ownPeerOut,
		want: perRole{"FFF", "AAN", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			r := c.fx.residentFor(c.t, c.col, true)
			got, err := c.fx.res.VerifyResident(c.ctx, r.ID)
			if err == nil && (got == nil || !got.Verified || got.VerifiedBy != c.actor.ID) {
				return fmt.Errorf("verify returned %+v", got)
			}
			return err
		},
	},
	{
		name: "resident.create", action: shequ.ActionResidentWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return c.fx.res.CreateResident(c.ctx, c.fx.freshResident(communityFor(c.col)))
		},
	},
	{
		name: "resident.import", action: shequ.ActionResidentImport, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			rs := []*shequ.Resident{c.fx.freshResident(authzInCommunity), c.fx.freshResident(communityFor(c.col))}
			return c.fx.res.ImportResidents(c.ctx, rs)
		},
	},
	{
		name: "household.create", action: shequ.ActionResidentWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "FF", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return c.fx.res.CreateHousehold(c.ctx, &shequ.Household{Community: communityFor(c.col)})
		},
	},
	{
		// A resident reads only their own record, never a household.
		name: "household.read", action: shequ.ActionResidentRead, cols: inOut,
		want: perRole{"NN", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			want := c.fx.hhIn
			if c.col == colOut {
				want = c.fx.hhOut
			}
			got, err := c.fx.res.FindHouseholdByID(c.ctx, want.ID, false)
			if err == nil && (got == nil || got.ID != want.ID) {
				return fmt.Errorf("household read returned %+v", got)
			}
			return err
		},
	},
	{
		name: "user.list", action: shequ.ActionUserRead, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "FF", "FF", "AH", "AH"},
		run: func(c *authzCase) error {
			target := c.fx.userFor(c.col)
			us, _, err := c.fx.users.FindUsers(c.ctx, shequ.UserFilter{Username: &target.Username})
			if err != nil {
				return err
			}
			all, _, err := c.fx.users.FindUsers(c.ctx, shequ.UserFilter{Limit: 1000})
			if err != nil {
				return fmt.Errorf("unfiltered list: %w", err)
			}
			for _, u := range append(us, all...) {
				if !inScope(u.Scope) {
					return fmt.Errorf("leak: list shows user %s of scope %q", u.Username, u.Scope)
				}
			}
			if len(us) == 1 && us[0].ID == target.ID {
				return nil
			}
			return errHidden
		},
	},
	{
		name: "user.create", action: shequ.ActionUserManage, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "FF", "FF", "AN", "FF"},
		run: func(c *authzCase) error {
			scope := authzInTownship
			if c.col == colOut {
				scope = authzOtherCounty
			}
			u := &shequ.User{Username: fmt.Sprintf("new%d", c.fx.next()), Role: shequ.RoleCommunityWorker, Scope: scope}
			return c.fx.users.CreateUser(c.ctx, u, testHash)
		},
	},
	{
		name: "user.disable", action: shequ.ActionUserManage, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "FF", "FF", "AN", "FF"},
		run: func(c *authzCase) error {
			scope := authzInTownship
			if c.col == colOut {
				scope = authzOtherCounty
			}
			target := c.fx.createdUser(c.t, scope)
			got, err := c.fx.users.UpdateUser(c.ctx, target.ID, shequ.UserUpdate{Disabled: ptr(true)})
			if err == nil && (got == nil || !got.Disabled) {
				return fmt.Errorf("disable returned %+v", got)
			}
			return err
		},
	},
	{
		// Resetting another's password: the system or the security
		// administrator.
		name: "user.password", action: shequ.ActionUserManage, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "FF", "FF", "AN", "AN"},
		run: func(c *authzCase) error {
			return c.fx.users.SetPassword(c.ctx, c.fx.userFor(c.col).ID, testHash, true)
		},
	},
	{
		name: "user.password own", self: true, write: true, cols: selfOnly,
		want: perRole{"A", "A", "A", "A", "A", "A", "A", "A", "A"},
		run: func(c *authzCase) error {
			return c.fx.users.SetPassword(c.ctx, c.actor.ID, testHash, false)
		},
	},
	{
		name: "session.revoke_all", action: shequ.ActionSecurityManage, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "FF", "FF", "AN", "AN"},
		run: func(c *authzCase) error {
			_, err := c.fx.sessions.DeleteUserSessions(c.ctx, c.fx.userFor(c.col).ID)
			return err
		},
	},
	{
		name: "token.create", action: shequ.ActionUserManage, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "FF", "FF", "AN", "FF"},
		run: func(c *authzCase) error {
			secret, tok, err := c.fx.tokens.CreateToken(c.ctx, c.fx.userFor(c.col).ID, "matrix", time.Hour)
			if err == nil && (secret == "" || tok == nil || tok.UserID != c.fx.userFor(c.col).ID) {
				return fmt.Errorf("token create returned %q %+v", secret, tok)
			}
			return err
		},
	},
	{
		name: "token.create own", self: true, write: true, cols: selfOnly,
		want: perRole{"A", "A", "A", "A", "A", "A", "A", "A", "A"},
		run: func(c *authzCase) error {
			_, _, err := c.fx.tokens.CreateToken(c.ctx, c.actor.ID, "mine", time.Hour)
			return err
		},
	},
	{
		name: "token.list", action: shequ.ActionUserRead, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "FF", "FF", "AN", "AN"},
		run: func(c *authzCase) error {
			_, err := c.fx.tokens.FindTokens(c.ctx, c.fx.userFor(c.col).ID)
			return err
		},
	},
	{
		name: "token.revoke", action: shequ.ActionUserManage, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "FF", "FF", "AN", "FF"},
		run: func(c *authzCase) error {
			_, tok, err := c.fx.tokens.CreateToken(cliContext(), c.fx.userFor(c.col).ID, "to revoke", 0)
			if err != nil {
				c.t.Fatal(err)
			}
			return c.fx.tokens.RevokeToken(c.ctx, tok.ID)
		},
	},
	{
		// The creation records of the peer and the out-of-scope resident:
		// an auditor of 安吉县 sees the first, not the second.
		name: "audit.read", action: shequ.ActionAuditRead, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "FF", "AH", "FF", "FF"},
		run: func(c *authzCase) error {
			target := c.fx.peer
			if c.col == colOut {
				target = c.fx.out
			}
			recs, _, err := c.fx.audit.FindAuditRecords(c.ctx, shequ.AuditFilter{ObjectID: target.ID,
				Action: auditResidentCreate})
			if err != nil {
				return err
			}
			all, _, err := c.fx.audit.FindAuditRecords(c.ctx, shequ.AuditFilter{Limit: 1000})
			if err != nil {
				return fmt.Errorf("unfiltered trail: %w", err)
			}
			for _, r := range append(recs, all...) {
				if !inScope(r.Division) {
					return fmt.Errorf("leak: trail shows record %d of division %q", r.Seq, r.Division)
				}
			}
			if len(recs) == 1 {
				return nil
			}
			return errHidden
		},
	},
	{
		name: "audit.verify", action: shequ.ActionAuditRead, write: true, cols: inOnly,
		want: perRole{"F", "F", "F", "F", "F", "F", "A", "F", "F"},
		run: func(c *authzCase) error {
			v, err := c.fx.audit.VerifyAudit(c.ctx)
			if err == nil && (v == nil || v.BadSeq != 0 || v.Checked == 0) {
				return fmt.Errorf("verify returned %+v", v)
			}
			return err
		},
	},
	// The registers of issue 4. Columns own, peer, out: for organizations
	// "own" is the one the org_member actor keeps, for social workers the
	// record linked to the social_worker actor; both are in every staff
	// scope. Reading the registers: every role that works with them.
	{
		name: "org.read", action: shequ.ActionOrgRead, cols: ownPeerOut,
		want: perRole{"FFF", "AAN", "AAN", "AAN", "FFF", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			want := c.fx.orgFor(c.t, c.col, false)
			got, err := c.fx.orgs.FindOrgByID(c.ctx, want.ID)
			if err == nil && (got == nil || got.ID != want.ID) {
				return fmt.Errorf("read %s returned %+v", want.ID, got)
			}
			return err
		},
	},
	{
		name: "org.list", action: shequ.ActionOrgRead, cols: ownPeerOut,
		want: perRole{"FFF", "AAH", "AAH", "AAH", "FFF", "AAH", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			want := c.fx.orgFor(c.t, c.col, false)
			os, _, err := c.fx.orgs.FindOrgs(c.ctx, shequ.OrgFilter{Community: want.Community, Query: want.Name})
			if err != nil {
				return err
			}
			all, _, err := c.fx.orgs.FindOrgs(c.ctx, shequ.OrgFilter{Limit: 500})
			if err != nil {
				return fmt.Errorf("unfiltered list: %w", err)
			}
			for _, o := range append(os, all...) {
				if !inScope(o.Community) {
					return fmt.Errorf("leak: list shows organization %s of %s", o.ID, o.Community)
				}
			}
			for _, o := range os {
				if o.ID == want.ID {
					return nil
				}
			}
			return errHidden
		},
	},
	{
		// An org_member keeps only the organization they own.
		name: "org.update", action: shequ.ActionOrgWrite, write: true, cols: ownPeerOut,
		want: perRole{"FFF", "AAN", "ANN", "FFF", "FFF", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			o := *c.fx.orgFor(c.t, c.col, true)
			o.Members = c.fx.next()
			err := c.fx.orgs.UpdateOrg(c.ctx, &o)
			if err == nil && o.Members != c.fx.n {
				return fmt.Errorf("update returned %+v", o)
			}
			return err
		},
	},
	{
		// Adding to the register is for its keepers, not for org members.
		name: "org.create", action: shequ.ActionOrgWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return c.fx.orgs.CreateOrg(c.ctx, c.fx.freshOrg(communityFor(c.col)))
		},
	},
	{
		name: "org.import", action: shequ.ActionOrgWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return c.fx.orgs.ImportOrgs(c.ctx, []*shequ.SocialOrg{c.fx.freshOrg(authzInCommunity),
				c.fx.freshOrg(communityFor(c.col))})
		},
	},
	{
		name: "worker.read", action: shequ.ActionWorkerRead, cols: ownPeerOut,
		want: perRole{"FFF", "AAN", "AAN", "AAN", "FFF", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			want := c.fx.workerFor(c.t, c.col, false)
			got, err := c.fx.workers.FindWorkerByID(c.ctx, want.ID, false)
			if err == nil && (got == nil || got.ID != want.ID) {
				return fmt.Errorf("read %s returned %+v", want.ID, got)
			}
			return err
		},
	},
	{
		// Reveal needs the write permission on the record: the keepers of
		// the register, and a social worker on their own. The read check
		// comes first, so out of scope is not found for every reader.
		name: "worker.reveal", action: shequ.ActionWorkerWrite, write: true, cols: ownPeerOut,
		want: perRole{"FFF", "AAN", "FFN", "ANN", "FFF", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			want := c.fx.workerFor(c.t, c.col, false)
			got, err := c.fx.workers.FindWorkerByID(c.ctx, want.ID, true)
			if err == nil && (got == nil || got.ID != want.ID || got.IDNumber != want.IDNumber) {
				return fmt.Errorf("reveal %s returned %+v", want.ID, got)
			}
			return err
		},
	},
	{
		name: "worker.list", action: shequ.ActionWorkerRead, cols: ownPeerOut,
		want: perRole{"FFF", "AAH", "AAH", "AAH", "FFF", "AAH", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			want := c.fx.workerFor(c.t, c.col, false)
			ws, _, err := c.fx.workers.FindWorkers(c.ctx, shequ.WorkerFilter{Community: want.Community, Query: want.Name})
			if err != nil {
				return err
			}
			all, _, err := c.fx.workers.FindWorkers(c.ctx, shequ.WorkerFilter{Limit: 500})
			if err != nil {
				return fmt.Errorf("unfiltered list: %w", err)
			}
			for _, w := range append(ws, all...) {
				if !inScope(w.Community) {
					return fmt.Errorf("leak: list shows social worker %s of %s", w.ID, w.Community)
				}
			}
			for _, w := range ws {
				if w.ID == want.ID {
					return nil
				}
			}
			return errHidden
		},
	},
	{
		// A social worker keeps only their own record.
		name: "worker.update", action: shequ.ActionWorkerWrite, write: true, cols: ownPeerOut,
		want: perRole{"FFF", "AAN", "FFF", "ANN", "FFF", "AAN", "FFF", "FFF", "FFF"},
		run: func(c *authzCase) error {
			// The employer changes, not the name, which the list rows search.
			w := *c.fx.workerFor(c.t, c.col, true)
			w.EmployerKind, w.EmployerName = shequ.EmployerOther, fmt.Sprintf("单位%d", c.fx.next())
			err := c.fx.workers.UpdateWorker(c.ctx, &w)
			if err == nil && w.EmployerName != fmt.Sprintf("单位%d", c.fx.n) {
				return fmt.Errorf("update returned %+v", w)
			}
			return err
		},
	},
	{
		name: "worker.create", action: shequ.ActionWorkerWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return c.fx.workers.CreateWorker(c.ctx, c.fx.freshWorker(communityFor(c.col)))
		},
	},
	{
		name: "worker.import", action: shequ.ActionWorkerWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return c.fx.workers.ImportWorkers(c.ctx, []*shequ.SocialWorker{c.fx.freshWorker(authzInCommunity),
				c.fx.freshWorker(communityFor(c.col))})
		},
	},
	{
		// Local plan targets: officials, over their scope.
		name: "target.set", action: shequ.ActionTargetWrite, write: true, cols: inOut,
		want: perRole{"FF", "FF", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return c.fx.targets.SetTarget(c.ctx, &shequ.Target{Scope: communityFor(c.col),
				Key: shequ.TargetOrgsPerUrban, Value: float64(10 + c.fx.next())})
		},
	},
	{
		// Re-sealing after a key rotation covers the whole register: it
		// shows nothing, and only the security administrator runs it.
		name: "residents.reseal", action: shequ.ActionSecurityManage, write: true, cols: inOnly,
		want: perRole{"F", "F", "F", "F", "F", "F", "F", "F", "A"},
		run: func(c *authzCase) error {
			_, err := c.fx.res.ResealResidents(c.ctx, nil)
			return err
		},
	},
	{
		// Pruning the audit trail (records older than six months, archived
		// first): the security administrator only. Nothing here is that
		// old, so an allowed prune removes and writes nothing.
		name: "audit.prune", action: shequ.ActionSecurityManage, cols: inOnly,
		want: perRole{"F", "F", "F", "F", "F", "F", "F", "F", "A"},
		run: func(c *authzCase) error {
			_, err := c.fx.audit.PruneAudit(c.ctx, time.Date(2020, 1, 1, 0, 0, 0, 0, shequ.Shanghai), &memArchive{})
			return err
		},
	},
}

// authzOutcome turns an error into an outcome; ok is false for an error that is
// none of the expected ones.
func authzOutcome(err error) (outcome, bool) {
	switch {
	case err == nil:
		return allow, true
	case errors.Is(err, errHidden):
		return hidden, true
	case shequ.ErrorCode(err) == shequ.EForbidden:
		return forbidden, true
	case shequ.ErrorCode(err) == shequ.ENotFound:
		return notFound, true
	}
	return '?', false
}

// auditRows counts the audit records of a request with result.
func auditRows(t *testing.T, db *DB, requestID string, result shequ.AuditResult) int {
	t.Helper()
	var n int
	if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM audit_log WHERE request_id = ? AND result = ?`),
		requestID, string(result)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAuthorizationMatrix(t *testing.T) {
	// The matrix itself: every role has a column, every action a row
	// (division.import is not guarded by the store: only the console
	// imports division files; indicator.read is guarded by the indicator
	// engine, internal/indicator, whose TestAuthorization covers it), and
	// every cell one outcome per column.
	covered := map[shequ.Action]bool{shequ.ActionDivisionImport: true, shequ.ActionIndicatorRead: true}
	for _, op := range authzOps {
		covered[op.action] = true
		for _, r := range shequ.Roles {
			if w := op.want.of(t, r); len(w) != len(op.cols) {
				t.Fatalf("%s: %s has %q for columns %v", op.name, r, w, op.cols)
			}
		}
	}
	for _, a := range shequ.Actions {
		if !covered[a] {
			t.Errorf("action %s has no row in the matrix", a)
		}
	}

	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := seedAuthz(t, db)
		// got[role][op][col] is the observed outcome.
		got := map[shequ.Role]map[string]map[string]outcome{}
		cases, denied := 0, 0
		for _, role := range shequ.Roles {
			actor := fx.actors[role]
			got[role] = map[string]map[string]outcome{}
			for _, op := range authzOps {
				got[role][op.name] = map[string]outcome{}
				want := op.want.of(t, role)
				for i, col := range op.cols {
					label := fmt.Sprintf("%s × %s × %s", role, op.name, col)
					meta := shequ.RequestMeta{ClientAddr: "192.0.2.50", RequestID: "authz " + label}
					ctx := shequ.WithActor(shequ.WithRequestMeta(t.Context(), meta), actor.Actor())
					err := op.run(&authzCase{t: t, fx: fx, ctx: ctx, actor: actor, col: col})
					cases++
					out, ok := authzOutcome(err)
					got[role][op.name][col] = out
					if !ok {
						t.Errorf("%s: unexpected error %v", label, err)
						continue
					}
					if out != outcome(want[i]) {
						t.Errorf("%s: got %v (%v), want %c", label, out, err, want[i])
						continue
					}
					// Every refusal is in the trail, nothing else is recorded as
					// denied, and allowed writes and sensitive reads are recorded.
					nDenied := auditRows(t, db, meta.RequestID, shequ.AuditDenied)
					switch {
					case out == forbidden || out == notFound:
						denied++
						if nDenied == 0 {
							t.Errorf("%s: refused (%v) without a denied audit record", label, out)
						}
					case nDenied != 0:
						t.Errorf("%s: %v but %d denied audit records", label, out, nDenied)
					}
					if out == allow && op.write && auditRows(t, db, meta.RequestID, shequ.AuditAllowed) == 0 {
						t.Errorf("%s: allowed without an allowed audit record", label)
					}
				}
			}
		}

		// Separation of duties (三权分立), on what the store answered.
		only := func(role shequ.Role, op string, want outcome) {
			t.Helper()
			for col, o := range got[role][op] {
				if o != want {
					t.Errorf("separation: %s × %s × %s = %v, want %v", role, op, col, o, want)
				}
			}
		}
		for _, op := range []string{"audit.read", "audit.verify", "resident.read", "resident.reveal",
			"resident.list", "resident.search_id", "household.read"} {
			only(shequ.RoleSysadmin, op, forbidden) // the system administrator reads neither trail nor residents
		}
		for _, op := range authzOps {
			if op.action != shequ.ActionAuditRead && !op.self {
				only(shequ.RoleAuditor, op.name, forbidden) // the auditor does nothing but read the trail
			}
		}
		if got[shequ.RoleAuditor]["audit.read"][colIn] != allow || got[shequ.RoleAuditor]["audit.verify"][colIn] != allow {
			t.Errorf("separation: the auditor cannot read or verify the trail: %v", got[shequ.RoleAuditor])
		}
		only(shequ.RoleSecadmin, "user.create", forbidden) // the security administrator creates no accounts
		for _, op := range []string{"audit.read", "audit.verify", "resident.read", "resident.list"} {
			only(shequ.RoleSecadmin, op, forbidden)
		}

		// The trail read through the auditor's own service holds at least
		// one denied record per refused case, and is still intact.
		auditor := shequ.WithActor(t.Context(), &shequ.Actor{UserID: newUUID7(), Username: "auditor-all",
			Role: shequ.RoleAuditor})
		// Each page read is itself recorded at the head of the trail and
		// shifts the next page by one: records are counted once by seq.
		seen := map[int64]bool{}
		n := 0
		for offset := 0; ; offset += 500 {
			recs, _, err := fx.audit.FindAuditRecords(auditor, shequ.AuditFilter{Offset: offset, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if !seen[r.Seq] && r.Result == shequ.AuditDenied && strings.HasPrefix(r.RequestID, "authz ") {
					n++
				}
				seen[r.Seq] = true
			}
			if len(recs) < 500 {
				break
			}
		}
		if n < denied {
			t.Errorf("trail holds %d denied records of the matrix, want at least %d (one per refused case)", n, denied)
		}
		if v := mustVerify(t, fx.audit); v.BadSeq != 0 {
			t.Errorf("audit chain broken after the matrix: %+v", v)
		}
		t.Logf("%s: %d cases, %d refused", db.Engine(), cases, denied)
	})
}
