package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"

	"shequ"
	"shequ/internal/auth"
	"shequ/internal/config"
	"shequ/internal/pii"
	"shequ/internal/sqlstore"
)

// services is the database with every service on it, as the subcommands and
// the server use them.
type services struct {
	db        *sqlstore.DB
	keys      *pii.KeyRing
	hasher    shequ.PasswordHasher
	divisions *sqlstore.DivisionService
	runs      *sqlstore.ImportRunService
	users     *sqlstore.UserService
	sessions  *sqlstore.SessionService
	tokens    *sqlstore.TokenService
	audit     *sqlstore.AuditService
	residents *sqlstore.ResidentService
}

// openServices opens the database (see openStore for the policy) and the
// personal-data key ring, and builds the services.
// getenv supplies SHEQU_DATA_KEY and SHEQU_DATA_KEY_FILE.
func openServices(ctx context.Context, getenv func(string) string, cfg *config.Config, policy migratePolicy, log *slog.Logger) (*services, error) {
	db, err := openStore(ctx, cfg.DB, policy, log)
	if err != nil {
		return nil, err
	}
	keys, err := pii.LoadKeyRing(getenv, cfg.DataDirectory(), func(format string, args ...any) {
		log.Warn(fmt.Sprintf(format, args...))
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return newServices(db, keys), nil
}

// newServices builds the services on an open database.
func newServices(db *sqlstore.DB, keys *pii.KeyRing) *services {
	return &services{
		db:        db,
		keys:      keys,
		hasher:    auth.Default(),
		divisions: sqlstore.NewDivisionService(db),
		runs:      sqlstore.NewImportRunService(db),
		users:     sqlstore.NewUserService(db),
		sessions:  sqlstore.NewSessionService(db),
		tokens:    sqlstore.NewTokenService(db),
		audit:     sqlstore.NewAuditService(db),
		residents: sqlstore.NewResidentService(db, keys),
	}
}

// Close closes the database.
func (s *services) Close() error { return s.db.Close() }

// cliContext marks work done by an operator at the console: the services
// trust it (the operator holds the database) and audit it with actor "cli".
func cliContext(ctx context.Context) context.Context {
	return shequ.WithRequestMeta(ctx, shequ.RequestMeta{ClientAddr: "cli", RequestID: "cli-" + uuid.NewString()})
}
