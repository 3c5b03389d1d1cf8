// Mocks of the identity and resident services (issue 3).

package mock

import (
	"context"
	"time"

	"shequ"
)

var (
	_ shequ.UserService     = (*UserService)(nil)
	_ shequ.SessionService  = (*SessionService)(nil)
	_ shequ.TokenService    = (*TokenService)(nil)
	_ shequ.AuditService    = (*AuditService)(nil)
	_ shequ.ResidentService = (*ResidentService)(nil)
	_ shequ.PasswordHasher  = (*PasswordHasher)(nil)
)

// UserService is a mock of shequ.UserService.
type UserService struct {
	FindUserByIDFn       func(ctx context.Context, id string) (*shequ.User, error)
	FindUserByUsernameFn func(ctx context.Context, username string) (*shequ.User, error)
	FindUsersFn          func(ctx context.Context, f shequ.UserFilter) ([]*shequ.User, int, error)
	CreateUserFn         func(ctx context.Context, u *shequ.User, passwordHash string) error
	UpdateUserFn         func(ctx context.Context, id string, upd shequ.UserUpdate) (*shequ.User, error)
	SetPasswordFn        func(ctx context.Context, id, passwordHash string, mustChange bool) error
	PasswordHashFn       func(ctx context.Context, id string) (string, error)
	RecordLoginFailureFn func(ctx context.Context, id string, max int, lockUntil time.Time) (*shequ.User, error)
	RecordLoginSuccessFn func(ctx context.Context, id string) error
	CountUsersFn         func(ctx context.Context, role shequ.Role) (int, error)
}

// FindUserByID calls FindUserByIDFn.
func (s *UserService) FindUserByID(ctx context.Context, id string) (*shequ.User, error) {
	if s.FindUserByIDFn == nil {
		panic("mock: UserService.FindUserByID not set")
	}
	return s.FindUserByIDFn(ctx, id)
}

// FindUserByUsername calls FindUserByUsernameFn.
func (s *UserService) FindUserByUsername(ctx context.Context, username string) (*shequ.User, error) {
	if s.FindUserByUsernameFn == nil {
		panic("mock: UserService.FindUserByUsername not set")
	}
	return s.FindUserByUsernameFn(ctx, username)
}

// FindUsers calls FindUsersFn.
func (s *UserService) FindUsers(ctx context.Context, f shequ.UserFilter) ([]*shequ.User, int, error) {
	if s.FindUsersFn == nil {
		panic("mock: UserService.FindUsers not set")
	}
	return s.FindUsersFn(ctx, f)
}

// CreateUser calls CreateUserFn.
func (s *UserService) CreateUser(ctx context.Context, u *shequ.User, passwordHash string) error {
	if s.CreateUserFn == nil {
		panic("mock: UserService.CreateUser not set")
	}
	return s.CreateUserFn(ctx, u, passwordHash)
}

// UpdateUser calls UpdateUserFn.
func (s *UserService) UpdateUser(ctx context.Context, id string, upd shequ.UserUpdate) (*shequ.User, error) {
	if s.UpdateUserFn == nil {
		panic("mock: UserService.UpdateUser not set")
	}
	return s.UpdateUserFn(ctx, id, upd)
}

// SetPassword calls SetPasswordFn.
func (s *UserService) SetPassword(ctx context.Context, id, passwordHash string, mustChange bool) error {
	if s.SetPasswordFn == nil {
		panic("mock: UserService.SetPassword not set")
	}
	return s.SetPasswordFn(ctx, id, passwordHash, mustChange)
}

// PasswordHash calls PasswordHashFn.
func (s *UserService) PasswordHash(ctx context.Context, id string) (string, error) {
	if s.PasswordHashFn == nil {
		panic("mock: UserService.PasswordHash not set")
	}
	return s.PasswordHashFn(ctx, id)
}

// RecordLoginFailure calls RecordLoginFailureFn.
func (s *UserService) RecordLoginFailure(ctx context.Context, id string, max int, lockUntil time.Time) (*shequ.User, error) {
	if s.RecordLoginFailureFn == nil {
		panic("mock: UserService.RecordLoginFailure not set")
	}
	return s.RecordLoginFailureFn(ctx, id, max, lockUntil)
}

// RecordLoginSuccess calls RecordLoginSuccessFn.
func (s *UserService) RecordLoginSuccess(ctx context.Context, id string) error {
	if s.RecordLoginSuccessFn == nil {
		panic("mock: UserService.RecordLoginSuccess not set")
	}
	return s.RecordLoginSuccessFn(ctx, id)
}

// CountUsers calls CountUsersFn.
func (s *UserService) CountUsers(ctx context.Context, role shequ.Role) (int, error) {
	if s.CountUsersFn == nil {
		panic("mock: UserService.CountUsers not set")
	}
	return s.CountUsersFn(ctx, role)
}

// SessionService is a mock of shequ.SessionService.
type SessionService struct {
	CreateSessionFn      func(ctx context.Context, userID, clientAddr string, p shequ.SessionPolicy) (string, *shequ.Session, error)
	StageSessionFn       func(ctx context.Context, userID, clientAddr, stage string, p shequ.SessionPolicy) (string, *shequ.Session, error)
	FindSessionFn        func(ctx context.Context, token string, p shequ.SessionPolicy) (*shequ.Session, *shequ.User, error)
	DeleteSessionFn      func(ctx context.Context, token string) error
	DeleteUserSessionsFn func(ctx context.Context, userID string) (int, error)
}

// StageSession calls StageSessionFn.
func (s *SessionService) StageSession(ctx context.Context, userID, clientAddr, stage string, p shequ.SessionPolicy) (string, *shequ.Session, error) {
	if s.StageSessionFn == nil {
		panic("mock: SessionService.StageSession not set")
	}
	return s.StageSessionFn(ctx, userID, clientAddr, stage, p)
}

// CreateSession calls CreateSessionFn.
func (s *SessionService) CreateSession(ctx context.Context, userID, clientAddr string, p shequ.SessionPolicy) (string, *shequ.Session, error) {
	if s.CreateSessionFn == nil {
		panic("mock: SessionService.CreateSession not set")
	}
	return s.CreateSessionFn(ctx, userID, clientAddr, p)
}

// FindSession calls FindSessionFn.
func (s *SessionService) FindSession(ctx context.Context, token string, p shequ.SessionPolicy) (*shequ.Session, *shequ.User, error) {
	if s.FindSessionFn == nil {
		panic("mock: SessionService.FindSession not set")
	}
	return s.FindSessionFn(ctx, token, p)
}

// DeleteSession calls DeleteSessionFn.
func (s *SessionService) DeleteSession(ctx context.Context, token string) error {
	if s.DeleteSessionFn == nil {
		panic("mock: SessionService.DeleteSession not set")
	}
	return s.DeleteSessionFn(ctx, token)
}

// DeleteUserSessions calls DeleteUserSessionsFn.
func (s *SessionService) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	if s.DeleteUserSessionsFn == nil {
		panic("mock: SessionService.DeleteUserSessions not set")
	}
	return s.DeleteUserSessionsFn(ctx, userID)
}

// TokenService is a mock of shequ.TokenService.
type TokenService struct {
	CreateTokenFn   func(ctx context.Context, userID, name string, expires time.Duration) (string, *shequ.APIToken, error)
	FindTokenUserFn func(ctx context.Context, secret string) (*shequ.User, *shequ.APIToken, error)
	RevokeTokenFn   func(ctx context.Context, id string) error
	FindTokensFn    func(ctx context.Context, userID string) ([]*shequ.APIToken, error)
}

// CreateToken calls CreateTokenFn.
func (s *TokenService) CreateToken(ctx context.Context, userID, name string, expires time.Duration) (string, *shequ.APIToken, error) {
	if s.CreateTokenFn == nil {
		panic("mock: TokenService.CreateToken not set")
	}
	return s.CreateTokenFn(ctx, userID, name, expires)
}

// FindTokenUser calls FindTokenUserFn.
func (s *TokenService) FindTokenUser(ctx context.Context, secret string) (*shequ.User, *shequ.APIToken, error) {
	if s.FindTokenUserFn == nil {
		panic("mock: TokenService.FindTokenUser not set")
	}
	return s.FindTokenUserFn(ctx, secret)
}

// RevokeToken calls RevokeTokenFn.
func (s *TokenService) RevokeToken(ctx context.Context, id string) error {
	if s.RevokeTokenFn == nil {
		panic("mock: TokenService.RevokeToken not set")
	}
	return s.RevokeTokenFn(ctx, id)
}

// FindTokens calls FindTokensFn.
func (s *TokenService) FindTokens(ctx context.Context, userID string) ([]*shequ.APIToken, error) {
	if s.FindTokensFn == nil {
		panic("mock: TokenService.FindTokens not set")
	}
	return s.FindTokensFn(ctx, userID)
}

// AuditService is a mock of shequ.AuditService.
type AuditService struct {
	RecordAuditFn      func(ctx context.Context, r *shequ.AuditRecord) error
	FindAuditRecordsFn func(ctx context.Context, f shequ.AuditFilter) ([]*shequ.AuditRecord, int, error)
	VerifyAuditFn      func(ctx context.Context) (*shequ.AuditVerification, error)
}

// RecordAudit calls RecordAuditFn.
func (s *AuditService) RecordAudit(ctx context.Context, r *shequ.AuditRecord) error {
	if s.RecordAuditFn == nil {
		panic("mock: AuditService.RecordAudit not set")
	}
	return s.RecordAuditFn(ctx, r)
}

// FindAuditRecords calls FindAuditRecordsFn.
func (s *AuditService) FindAuditRecords(ctx context.Context, f shequ.AuditFilter) ([]*shequ.AuditRecord, int, error) {
	if s.FindAuditRecordsFn == nil {
		panic("mock: AuditService.FindAuditRecords not set")
	}
	return s.FindAuditRecordsFn(ctx, f)
}

// VerifyAudit calls VerifyAuditFn.
func (s *AuditService) VerifyAudit(ctx context.Context) (*shequ.AuditVerification, error) {
	if s.VerifyAuditFn == nil {
		panic("mock: AuditService.VerifyAudit not set")
	}
	return s.VerifyAuditFn(ctx)
}

// ResidentService is a mock of shequ.ResidentService.
type ResidentService struct {
	CreateResidentFn    func(ctx context.Context, r *shequ.Resident) error
	FindResidentByIDFn  func(ctx context.Context, id string, reveal bool) (*shequ.Resident, error)
	FindResidentsFn     func(ctx context.Context, f shequ.ResidentFilter) ([]*shequ.Resident, int, error)
	UpdateResidentFn    func(ctx context.Context, id string, in shequ.ResidentInput) (*shequ.Resident, error)
	VerifyResidentFn    func(ctx context.Context, id string) (*shequ.Resident, error)
	ImportResidentsFn   func(ctx context.Context, rs []*shequ.Resident) error
	CreateHouseholdFn   func(ctx context.Context, h *shequ.Household) error
	FindHouseholdByIDFn func(ctx context.Context, id string, reveal bool) (*shequ.Household, error)
	RegisterAccountFn   func(ctx context.Context, idNumber, phone string, u *shequ.User, passwordHash string) error
}

// CreateResident calls CreateResidentFn.
func (s *ResidentService) CreateResident(ctx context.Context, r *shequ.Resident) error {
	if s.CreateResidentFn == nil {
		panic("mock: ResidentService.CreateResident not set")
	}
	return s.CreateResidentFn(ctx, r)
}

// FindResidentByID calls FindResidentByIDFn.
func (s *ResidentService) FindResidentByID(ctx context.Context, id string, reveal bool) (*shequ.Resident, error) {
	if s.FindResidentByIDFn == nil {
		panic("mock: ResidentService.FindResidentByID not set")
	}
	return s.FindResidentByIDFn(ctx, id, reveal)
}

// FindResidents calls FindResidentsFn.
func (s *ResidentService) FindResidents(ctx context.Context, f shequ.ResidentFilter) ([]*shequ.Resident, int, error) {
	if s.FindResidentsFn == nil {
		panic("mock: ResidentService.FindResidents not set")
	}
	return s.FindResidentsFn(ctx, f)
}

// UpdateResident calls UpdateResidentFn.
func (s *ResidentService) UpdateResident(ctx context.Context, id string, in shequ.ResidentInput) (*shequ.Resident, error) {
	if s.UpdateResidentFn == nil {
		panic("mock: ResidentService.UpdateResident not set")
	}
	return s.UpdateResidentFn(ctx, id, in)
}

// VerifyResident calls VerifyResidentFn.
func (s *ResidentService) VerifyResident(ctx context.Context, id string) (*shequ.Resident, error) {
	if s.VerifyResidentFn == nil {
		panic("mock: ResidentService.VerifyResident not set")
	}
	return s.VerifyResidentFn(ctx, id)
}

// ImportResidents calls ImportResidentsFn.
func (s *ResidentService) ImportResidents(ctx context.Context, rs []*shequ.Resident) error {
	if s.ImportResidentsFn == nil {
		panic("mock: ResidentService.ImportResidents not set")
	}
	return s.ImportResidentsFn(ctx, rs)
}

// CreateHousehold calls CreateHouseholdFn.
func (s *ResidentService) CreateHousehold(ctx context.Context, h *shequ.Household) error {
	if s.CreateHouseholdFn == nil {
		panic("mock: ResidentService.CreateHousehold not set")
	}
	return s.CreateHouseholdFn(ctx, h)
}

// FindHouseholdByID calls FindHouseholdByIDFn.
func (s *ResidentService) FindHouseholdByID(ctx context.Context, id string, reveal bool) (*shequ.Household, error) {
	if s.FindHouseholdByIDFn == nil {
		panic("mock: ResidentService.FindHouseholdByID not set")
	}
	return s.FindHouseholdByIDFn(ctx, id, reveal)
}

// RegisterAccount calls RegisterAccountFn.
func (s *ResidentService) RegisterAccount(ctx context.Context, idNumber, phone string, u *shequ.User, passwordHash string) error {
	if s.RegisterAccountFn == nil {
		panic("mock: ResidentService.RegisterAccount not set")
	}
	return s.RegisterAccountFn(ctx, idNumber, phone, u, passwordHash)
}

// PasswordHasher is a mock of shequ.PasswordHasher.
type PasswordHasher struct {
	HashFn   func(password string) (string, error)
	VerifyFn func(password, hash string) (bool, error)
}

// Hash calls HashFn.
func (s *PasswordHasher) Hash(password string) (string, error) {
	if s.HashFn == nil {
		panic("mock: PasswordHasher.Hash not set")
	}
	return s.HashFn(password)
}

// Verify calls VerifyFn.
func (s *PasswordHasher) Verify(password, hash string) (bool, error) {
	if s.VerifyFn == nil {
		panic("mock: PasswordHasher.Verify not set")
	}
	return s.VerifyFn(password, hash)
}
