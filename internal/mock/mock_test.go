package mock

import (
	"context"
	"errors"
	"testing"

	"shequ"
)

func TestDivisionServiceCallsFn(t *testing.T) {
	want := &shequ.Division{Code: "33", Name: "浙江省"}
	s := &DivisionService{FindDivisionByCodeFn: func(_ context.Context, code string) (*shequ.Division, error) {
		if code != "33" {
			t.Errorf("code = %q", code)
		}
		return want, nil
	}}
	got, err := s.FindDivisionByCode(context.Background(), "33")
	if err != nil || got != want {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestUnsetFnPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("an unset function field must panic")
		}
	}()
	(&DivisionService{}).CountDivisions(context.Background())
}

func TestReadiness(t *testing.T) {
	if err := (&Readiness{}).Ready(context.Background()); err != nil {
		t.Errorf("unset ReadyFn: %v", err)
	}
	boom := errors.New("down")
	if err := (&Readiness{ReadyFn: func(context.Context) error { return boom }}).Ready(context.Background()); err != boom {
		t.Errorf("ReadyFn not called: %v", err)
	}
}

func TestIdentityMocksCallFn(t *testing.T) {
	u := &shequ.User{ID: "u1"}
	users := &UserService{FindUserByUsernameFn: func(_ context.Context, name string) (*shequ.User, error) {
		if name != "zhang" {
			t.Errorf("name = %q", name)
		}
		return u, nil
	}}
	if got, err := users.FindUserByUsername(context.Background(), "zhang"); err != nil || got != u {
		t.Fatalf("got %v, %v", got, err)
	}
	h := &PasswordHasher{VerifyFn: func(p, hash string) (bool, error) { return p == hash, nil }}
	if ok, _ := h.Verify("x", "x"); !ok {
		t.Error("VerifyFn not called")
	}
	defer func() {
		if recover() == nil {
			t.Error("an unset function field must panic")
		}
	}()
	(&ResidentService{}).FindResidentByID(context.Background(), "r1", false)
}
