package mock

import (
	"context"

	"shequ"
)

var (
	_ shequ.OrgService          = (*OrgService)(nil)
	_ shequ.SocialWorkerService = (*SocialWorkerService)(nil)
	_ shequ.TargetService       = (*TargetService)(nil)
	_ shequ.IndicatorService    = (*IndicatorService)(nil)
)

// OrgService is a mock of shequ.OrgService.
type OrgService struct {
	CreateOrgFn   func(ctx context.Context, o *shequ.SocialOrg) error
	FindOrgByIDFn func(ctx context.Context, id string) (*shequ.SocialOrg, error)
	FindOrgsFn    func(ctx context.Context, f shequ.OrgFilter) ([]*shequ.SocialOrg, int, error)
	UpdateOrgFn   func(ctx context.Context, o *shequ.SocialOrg) error
	ImportOrgsFn  func(ctx context.Context, os []*shequ.SocialOrg) error
}

// CreateOrg calls CreateOrgFn.
func (s *OrgService) CreateOrg(ctx context.Context, o *shequ.SocialOrg) error {
	if s.CreateOrgFn == nil {
		panic("mock: OrgService.CreateOrg not set")
	}
	return s.CreateOrgFn(ctx, o)
}

// FindOrgByID calls FindOrgByIDFn.
func (s *OrgService) FindOrgByID(ctx context.Context, id string) (*shequ.SocialOrg, error) {
	if s.FindOrgByIDFn == nil {
		panic("mock: OrgService.FindOrgByID not set")
	}
	return s.FindOrgByIDFn(ctx, id)
}

// FindOrgs calls FindOrgsFn.
func (s *OrgService) FindOrgs(ctx context.Context, f shequ.OrgFilter) ([]*shequ.SocialOrg, int, error) {
	if s.FindOrgsFn == nil {
		panic("mock: OrgService.FindOrgs not set")
	}
	return s.FindOrgsFn(ctx, f)
}

// UpdateOrg calls UpdateOrgFn.
func (s *OrgService) UpdateOrg(ctx context.Context, o *shequ.SocialOrg) error {
	if s.UpdateOrgFn == nil {
		panic("mock: OrgService.UpdateOrg not set")
	}
	return s.UpdateOrgFn(ctx, o)
}

// ImportOrgs calls ImportOrgsFn.
func (s *OrgService) ImportOrgs(ctx context.Context, os []*shequ.SocialOrg) error {
	if s.ImportOrgsFn == nil {
		panic("mock: OrgService.ImportOrgs not set")
	}
	return s.ImportOrgsFn(ctx, os)
}

// SocialWorkerService is a mock of shequ.SocialWorkerService.
type SocialWorkerService struct {
	CreateWorkerFn   func(ctx context.Context, w *shequ.SocialWorker) error
	FindWorkerByIDFn func(ctx context.Context, id string, reveal bool) (*shequ.SocialWorker, error)
	FindWorkersFn    func(ctx context.Context, f shequ.WorkerFilter) ([]*shequ.SocialWorker, int, error)
	UpdateWorkerFn   func(ctx context.Context, w *shequ.SocialWorker) error
	ImportWorkersFn  func(ctx context.Context, ws []*shequ.SocialWorker) error
}

// CreateWorker calls CreateWorkerFn.
func (s *SocialWorkerService) CreateWorker(ctx context.Context, w *shequ.SocialWorker) error {
	if s.CreateWorkerFn == nil {
		panic("mock: SocialWorkerService.CreateWorker not set")
	}
	return s.CreateWorkerFn(ctx, w)
}

// FindWorkerByID calls FindWorkerByIDFn.
func (s *SocialWorkerService) FindWorkerByID(ctx context.Context, id string, reveal bool) (*shequ.SocialWorker, error) {
	if s.FindWorkerByIDFn == nil {
		panic("mock: SocialWorkerService.FindWorkerByID not set")
	}
	return s.FindWorkerByIDFn(ctx, id, reveal)
}

// FindWorkers calls FindWorkersFn.
func (s *SocialWorkerService) FindWorkers(ctx context.Context, f shequ.WorkerFilter) ([]*shequ.SocialWorker, int, error) {
	if s.FindWorkersFn == nil {
		panic("mock: SocialWorkerService.FindWorkers not set")
	}
	return s.FindWorkersFn(ctx, f)
}

// UpdateWorker calls UpdateWorkerFn.
func (s *SocialWorkerService) UpdateWorker(ctx context.Context, w *shequ.SocialWorker) error {
	if s.UpdateWorkerFn == nil {
		panic("mock: SocialWorkerService.UpdateWorker not set")
	}
	return s.UpdateWorkerFn(ctx, w)
}

// ImportWorkers calls ImportWorkersFn.
func (s *SocialWorkerService) ImportWorkers(ctx context.Context, ws []*shequ.SocialWorker) error {
	if s.ImportWorkersFn == nil {
		panic("mock: SocialWorkerService.ImportWorkers not set")
	}
	return s.ImportWorkersFn(ctx, ws)
}

// TargetService is a mock of shequ.TargetService.
type TargetService struct {
	FindTargetsFn      func(ctx context.Context, period string) ([]*shequ.Target, error)
	SetTargetFn        func(ctx context.Context, t *shequ.Target) error
	EffectiveTargetsFn func(ctx context.Context, code, period string) (shequ.Targets, error)
}

// FindTargets calls FindTargetsFn.
func (s *TargetService) FindTargets(ctx context.Context, period string) ([]*shequ.Target, error) {
	if s.FindTargetsFn == nil {
		panic("mock: TargetService.FindTargets not set")
	}
	return s.FindTargetsFn(ctx, period)
}

// SetTarget calls SetTargetFn.
func (s *TargetService) SetTarget(ctx context.Context, t *shequ.Target) error {
	if s.SetTargetFn == nil {
		panic("mock: TargetService.SetTarget not set")
	}
	return s.SetTargetFn(ctx, t)
}

// EffectiveTargets calls EffectiveTargetsFn.
func (s *TargetService) EffectiveTargets(ctx context.Context, code, period string) (shequ.Targets, error) {
	if s.EffectiveTargetsFn == nil {
		panic("mock: TargetService.EffectiveTargets not set")
	}
	return s.EffectiveTargetsFn(ctx, code, period)
}

// IndicatorService is a mock of shequ.IndicatorService.
type IndicatorService struct {
	IndicatorReportFn func(ctx context.Context, code string) (*shequ.IndicatorReport, error)
	GapListFn         func(ctx context.Context, code string, target shequ.TargetKey, offset, limit int) ([]*shequ.GapRow, int, error)
	TrendFn           func(ctx context.Context, code string, months int) ([]*shequ.IndicatorSnapshot, error)
}

// IndicatorReport calls IndicatorReportFn.
func (s *IndicatorService) IndicatorReport(ctx context.Context, code string) (*shequ.IndicatorReport, error) {
	if s.IndicatorReportFn == nil {
		panic("mock: IndicatorService.IndicatorReport not set")
	}
	return s.IndicatorReportFn(ctx, code)
}

// GapList calls GapListFn.
func (s *IndicatorService) GapList(ctx context.Context, code string, target shequ.TargetKey, offset, limit int) ([]*shequ.GapRow, int, error) {
	if s.GapListFn == nil {
		panic("mock: IndicatorService.GapList not set")
	}
	return s.GapListFn(ctx, code, target, offset, limit)
}

// Trend calls TrendFn.
func (s *IndicatorService) Trend(ctx context.Context, code string, months int) ([]*shequ.IndicatorSnapshot, error) {
	if s.TrendFn == nil {
		panic("mock: IndicatorService.Trend not set")
	}
	return s.TrendFn(ctx, code, months)
}
