package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"shequ"
	"shequ/internal/auth"
	"shequ/internal/config"
	"shequ/internal/coverage"
	"shequ/internal/indicator"
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
	orgs      *sqlstore.OrgService
	workers   *sqlstore.SocialWorkerService
	targets   *sqlstore.TargetService
	// linkage runs the 三社联动 chain; its objection periods count working
	// days on the holiday table of the database (items.Calendar).
	linkage *sqlstore.LinkageService
	// The catalogue of service items and the requests (办件).
	items       *sqlstore.ServiceItemService
	requests    *sqlstore.RequestService
	delegations *sqlstore.DelegationService
	// requestChanges gathers the communities of request changes for the
	// indicators.
	requestChanges *coalescer
	// The facility register, community locations and the coverage engine
	// that follows them; Load coverage before the indicators, whose
	// "facilities" figures come from it.
	facilities *sqlstore.FacilityService
	locations  *sqlstore.LocationService
	coverage   *coverage.Engine
	// property is the property oversight module (物业服务监管); its
	// complaints count working days on the holiday table too.
	property *sqlstore.PropertyService
	// care keeps the 三留守 register, alerts, cases and social-work records
	// (issue 16); its periodic rules run from serve (Sweep).
	care *sqlstore.CareService
	// indicators answers the dashboards; Load it before serving. Register
	// and target writes refresh it as they commit.
	indicators *indicator.Engine
	// jobs is the background job queue (River), nil until `serve`
	// starts it (startJobs), stopped before the database closes.
	jobs *sqlstore.Jobs
	// notifications is the notification centre, the accounts' channels
	// and the outbox of deliveries (addresses sealed with keys).
	notifications *sqlstore.NotificationService
}

// openServices opens the database (see openStore for the policy) and the
// personal-data key ring, and builds the services.
// getenv supplies SHEQU_DATA_KEY and SHEQU_DATA_KEY_FILE.
func openServices(ctx context.Context, getenv func(string) string, cfg *config.Config, policy migratePolicy, log *slog.Logger) (*services, error) {
	db, err := openStoreWith(ctx, cfg.DB, storeOptions(cfg), policy, log)
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
	return newServices(db, keys, log), nil
}

// newServices builds the services on an open database.
func newServices(db *sqlstore.DB, keys *pii.KeyRing, log *slog.Logger) *services {
	s := &services{
		db:         db,
		keys:       keys,
		hasher:     auth.Default(),
		divisions:  sqlstore.NewDivisionService(db),
		runs:       sqlstore.NewImportRunService(db),
		users:      sqlstore.NewUserService(db),
		sessions:   sqlstore.NewSessionService(db),
		tokens:     sqlstore.NewTokenService(db),
		audit:      sqlstore.NewAuditService(db),
		residents:  sqlstore.NewResidentService(db, keys),
		orgs:       sqlstore.NewOrgService(db, keys),
		workers:    sqlstore.NewSocialWorkerService(db, keys),
		targets:    sqlstore.NewTargetService(db),
		facilities: sqlstore.NewFacilityService(db),
		locations:  sqlstore.NewLocationService(db),
		linkage:    sqlstore.NewLinkageService(db),
		items:      sqlstore.NewServiceItemService(db),
		property:   sqlstore.NewPropertyService(db, keys),
	}
	s.property.Holidays = s.items
	// The objection periods count working days on the holiday table of
	// the database, as the requests' due dates do.
	s.linkage.Holidays = s.items
	// Activities name their participants by ID number, found through the
	// register's blind index.
	s.linkage.Sealer = keys
	s.notifications = sqlstore.NewNotificationService(db, keys)
	s.requests = sqlstore.NewRequestService(db, s.items, keys)
	s.delegations = sqlstore.NewDelegationService(db)
	s.coverage = coverage.New(sqlstore.NewCoverageSource(db), s.targets)
	src := sqlstore.NewIndicatorSource(db)
	s.indicators = indicator.New(src, s.targets, s.coverage.Module(), indicator.LinkageModule(src),
		indicator.ServicesModule(s.requests.ServiceCounts), indicator.PropertyModule(s.property), indicator.CareModule(src))
	s.care = sqlstore.NewCareService(db, keys)
	s.care.Needs = s.linkage
	// The engine follows every committed change of the registers and targets.
	// Before Load (command-line work) it has nothing to refresh and says so
	// with EUnavailable, which is not worth a log line.
	refresh := func(communities ...string) {
		if err := s.indicators.Refresh(context.Background(), communities...); err != nil && shequ.ErrorCode(err) != shequ.EUnavailable {
			log.Error("refresh indicators", "communities", communities, "err", err)
		}
	}
	s.orgs.OnChange, s.workers.OnChange, s.linkage.OnChange = refresh, refresh, refresh
	s.property.OnChange = func(communities ...string) {
		if err := s.indicators.RefreshModule(context.Background(), "property", communities...); err != nil &&
			shequ.ErrorCode(err) != shequ.EUnavailable {
			log.Error("refresh property indicators", "communities", communities, "err", err)
		}
	}
	s.care.OnChange = func(communities ...string) {
		if err := s.indicators.RefreshModule(context.Background(), "care", communities...); err != nil &&
			shequ.ErrorCode(err) != shequ.EUnavailable {
			log.Error("refresh care indicators", "communities", communities, "err", err)
		}
	}
	// Request changes refresh the "services" figures of their communities,
	// gathered over 200 ms (see coalescer).
	s.requestChanges = newCoalescer(200*time.Millisecond, func(communities ...string) {
		if err := s.indicators.RefreshModule(context.Background(), "services", communities...); err != nil &&
			shequ.ErrorCode(err) != shequ.EUnavailable {
			log.Error("refresh request indicators", "communities", len(communities), "err", err)
		}
	})
	s.requests.OnChange = s.requestChanges.Add
	// Facility and location edits update coverage incrementally, and
	// coverage hands the communities whose figures moved to the indicators.
	s.facilities.OnChange, s.locations.OnChange = s.coverage.FacilityChanged, s.coverage.CommunityChanged
	s.coverage.OnChange = func(communities ...string) {
		if err := s.indicators.RefreshModule(context.Background(), "facilities", communities...); err != nil &&
			shequ.ErrorCode(err) != shequ.EUnavailable {
			log.Error("refresh facility indicators", "communities", len(communities), "err", err)
		}
	}
	s.targets.OnChange = func() {
		if err := s.indicators.RefreshTargets(context.Background()); err != nil && shequ.ErrorCode(err) != shequ.EUnavailable {
			log.Error("refresh indicator targets", "err", err)
		}
	}
	return s
}

// Close closes the database.
func (s *services) Close() error {
	s.requestChanges.Stop()
	return s.db.Close()
}

// cliContext marks work done by an operator at the console: the services
// trust it (the operator holds the database) and audit it with actor "cli".
func cliContext(ctx context.Context) context.Context {
	return shequ.WithRequestMeta(ctx, shequ.RequestMeta{ClientAddr: "cli", RequestID: "cli-" + uuid.NewString()})
}
