// Package mock holds hand-written mocks of the shequ service interfaces for
// handler tests. Each mock has one function field per method; a test sets
// the ones it expects to be called, and an unset one panics with the
// method's name so that an unexpected call is loud.
package mock

import (
	"context"

	"shequ"
)

var (
	_ shequ.DivisionService = (*DivisionService)(nil)
	_ shequ.Readiness       = (*Readiness)(nil)
)

// DivisionService is a mock of shequ.DivisionService.
type DivisionService struct {
	FindDivisionByCodeFn        func(ctx context.Context, code string) (*shequ.Division, error)
	FindDivisionChildrenFn      func(ctx context.Context, code string, offset, limit int) ([]*shequ.Division, int, error)
	SearchDivisionsFn           func(ctx context.Context, q string, limit int) ([]*shequ.Division, error)
	FindExistingDivisionCodesFn func(ctx context.Context, codes []string) (map[string]bool, error)
	ImportDivisionsFn           func(ctx context.Context, rows []*shequ.Division, cols shequ.DivisionColumns, opt shequ.DivisionImportOptions) error
	CountDivisionsFn            func(ctx context.Context) (map[shequ.Level]int, error)
}

// FindDivisionByCode calls FindDivisionByCodeFn.
func (s *DivisionService) FindDivisionByCode(ctx context.Context, code string) (*shequ.Division, error) {
	if s.FindDivisionByCodeFn == nil {
		panic("mock: DivisionService.FindDivisionByCode not set")
	}
	return s.FindDivisionByCodeFn(ctx, code)
}

// FindDivisionChildren calls FindDivisionChildrenFn.
func (s *DivisionService) FindDivisionChildren(ctx context.Context, code string, offset, limit int) ([]*shequ.Division, int, error) {
	if s.FindDivisionChildrenFn == nil {
		panic("mock: DivisionService.FindDivisionChildren not set")
	}
	return s.FindDivisionChildrenFn(ctx, code, offset, limit)
}

// SearchDivisions calls SearchDivisionsFn.
func (s *DivisionService) SearchDivisions(ctx context.Context, q string, limit int) ([]*shequ.Division, error) {
	if s.SearchDivisionsFn == nil {
		panic("mock: DivisionService.SearchDivisions not set")
	}
	return s.SearchDivisionsFn(ctx, q, limit)
}

// FindExistingDivisionCodes calls FindExistingDivisionCodesFn.
func (s *DivisionService) FindExistingDivisionCodes(ctx context.Context, codes []string) (map[string]bool, error) {
	if s.FindExistingDivisionCodesFn == nil {
		panic("mock: DivisionService.FindExistingDivisionCodes not set")
	}
	return s.FindExistingDivisionCodesFn(ctx, codes)
}

// ImportDivisions calls ImportDivisionsFn.
func (s *DivisionService) ImportDivisions(ctx context.Context, rows []*shequ.Division, cols shequ.DivisionColumns, opt shequ.DivisionImportOptions) error {
	if s.ImportDivisionsFn == nil {
		panic("mock: DivisionService.ImportDivisions not set")
	}
	return s.ImportDivisionsFn(ctx, rows, cols, opt)
}

// CountDivisions calls CountDivisionsFn.
func (s *DivisionService) CountDivisions(ctx context.Context) (map[shequ.Level]int, error) {
	if s.CountDivisionsFn == nil {
		panic("mock: DivisionService.CountDivisions not set")
	}
	return s.CountDivisionsFn(ctx)
}

// Readiness is a mock of shequ.Readiness. A nil ReadyFn means ready, since
// most handler tests do not care about readiness.
type Readiness struct {
	ReadyFn func(ctx context.Context) error
}

// Ready calls ReadyFn, or reports ready when it is unset.
func (r *Readiness) Ready(ctx context.Context) error {
	if r.ReadyFn == nil {
		return nil
	}
	return r.ReadyFn(ctx)
}
