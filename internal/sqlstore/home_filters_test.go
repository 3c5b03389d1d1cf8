package sqlstore

import (
	"testing"
	"time"

	"shequ"
)

// TestFindNeedsMine: the home page of a resident lists the needs the
// account raised, not the others of the community; nobody signed in has
// none.
func TestFindNeedsMine(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		for i, u := range []*shequ.User{fx.res1, fx.res2, fx.res1} {
			mustDo(t, fx.s.CreateNeed(userContext(u), &shequ.Need{Community: tiaoxiu, Category: shequ.NeedElderly,
				Title: []string{"独居老人需要陪伴", "楼道灯坏了", "希望有老年食堂"}[i]}))
		}
		list, total, err := fx.s.FindNeeds(userContext(fx.res1), shequ.NeedFilter{Mine: true})
		if err != nil || total != 2 || len(list) != 2 {
			t.Fatalf("res1's needs: %d %d %v", total, len(list), err)
		}
		for _, n := range list {
			if n.AuthorID != fx.res1.ID {
				t.Errorf("need %q of %s", n.Title, n.AuthorID)
			}
		}
		if _, total, err := fx.s.FindNeeds(userContext(fx.res1), shequ.NeedFilter{}); err != nil || total != 3 {
			t.Errorf("the pool: %d %v", total, err)
		}
	})
}

// TestFindRequestsDueBefore: the worker's home counts the requests due
// before a time whose clock runs; a paused one (待补正) is not among them.
func TestFindRequestsDueBefore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ctx := actorOf(fx.worker)
		soon, err := fx.reqs.Submit(ctx, windowInput(fx, "MZ-001")) // 5 working days
		mustDo(t, err)
		later, err := fx.reqs.Submit(ctx, windowInput(fx, "MZ-002")) // 10 working days
		mustDo(t, err)
		paused, err := fx.reqs.Submit(ctx, windowInput(fx, "MZ-001"))
		mustDo(t, err)
		for _, to := range []shequ.RequestState{shequ.RequestAccepted, shequ.RequestInProcess, shequ.RequestAwaitingMaterials} {
			if _, err := fx.reqs.Transition(ctx, paused.ID, to, shequ.TransitionInput{Missing: []string{"户口簿复印件"}}); err != nil {
				t.Fatalf("to %s: %v", to, err)
			}
		}
		open := []shequ.RequestState{shequ.RequestSubmitted, shequ.RequestAccepted, shequ.RequestInProcess, shequ.RequestTransferred,
			shequ.RequestAwaitingMaterials}
		for _, tt := range []struct {
			before time.Time
			want   []string
		}{
			{soon.DueAt, nil},
			{soon.DueAt.Add(time.Second), []string{soon.ID}},
			{later.DueAt.Add(time.Second), []string{soon.ID, later.ID}},
		} {
			list, total, err := fx.reqs.Find(ctx, shequ.RequestFilter{States: open, DueBefore: tt.before})
			if err != nil || total != len(tt.want) || len(list) != len(tt.want) {
				t.Errorf("due before %v: %d %d %v", tt.before, total, len(list), err)
				continue
			}
			for i, r := range list {
				if r.ID != tt.want[i] && r.ID != tt.want[len(tt.want)-1-i] {
					t.Errorf("due before %v: %s", tt.before, r.Number)
				}
			}
		}
	})
}

// TestReviewerCandidates: the accounts an official picks reviewers from
// are those AppointReviewers takes: enabled, allowed to score, scoped at
// or above the project's community; not residents or organization
// members, not accounts of another community, not disabled ones. Only an
// official may ask.
func TestReviewerCandidates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		p := fx.openProject(t)
		other := mustCreateUser(t, db, "worker-k", shequ.RoleCommunityWorker, kangshan)
		gone := mustCreateUser(t, db, "worker-gone", shequ.RoleCommunityWorker, tiaoxiu)
		yes := true
		if _, err := NewUserService(db).UpdateUser(cliContext(), gone.ID, shequ.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		list, err := fx.s.ReviewerCandidates(userContext(fx.off), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, u := range list {
			got[u.Username] = true
		}
		for _, want := range []string{"rev0", "rev1", "rev2", "worker1", "official1", "sw1"} {
			if !got[want] {
				t.Errorf("%s missing from %v", want, got)
			}
		}
		for _, not := range []string{"res1", "om1", other.Username, gone.Username} {
			if got[not] {
				t.Errorf("%s offered as a reviewer", not)
			}
		}
		// Every candidate is accepted by AppointReviewers.
		var ids []string
		for _, u := range list {
			ids = append(ids, u.ID)
		}
		if _, err := fx.s.AppointReviewers(userContext(fx.off), p.ID, ids); err != nil {
			t.Errorf("appoint every candidate: %v", err)
		}
		if _, err := fx.s.ReviewerCandidates(userContext(fx.worker), p.ID); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("a worker asks: %v", err)
		}
	})
}

// TestNeedSupported: FindNeedByID says whether the signed-in account has
// supported the need, so that its page offers no second 附议.
func TestNeedSupported(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		n := &shequ.Need{Community: tiaoxiu, Category: shequ.NeedElderly, Title: "独居老人需要陪伴"}
		mustDo(t, fx.s.CreateNeed(userContext(fx.res1), n))
		if got := must(fx.s.FindNeedByID(userContext(fx.res2), n.ID))(t); got.Supported {
			t.Error("supported before supporting")
		}
		must(fx.s.SupportNeed(userContext(fx.res2), n.ID))(t)
		if got := must(fx.s.FindNeedByID(userContext(fx.res2), n.ID))(t); !got.Supported {
			t.Error("not supported after supporting")
		}
		if got := must(fx.s.FindNeedByID(userContext(fx.worker), n.ID))(t); got.Supported {
			t.Error("supported for another account")
		}
	})
}
