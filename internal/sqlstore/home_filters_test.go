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
