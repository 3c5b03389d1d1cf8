package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
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
	idem      *sqlstore.IdempotencyService
	twoFactor *sqlstore.TwoFactorService
	otp       auth.TOTP
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
	// volunteers keeps volunteers, service records and the time bank;
	// workforce the community workforce register and training (issue 17).
	volunteers *sqlstore.VolunteerService
	workforce  *sqlstore.WorkforceService
	// indicators answers the dashboards; Load it before serving. Register
	// and target writes refresh it as they commit.
	indicators *indicator.Engine
	// jobs is the background job queue (River), nil until `serve`
	// starts it (startJobs), stopped before the database closes.
	jobs *sqlstore.Jobs
	// seal keys the audit chain and writes its signed checkpoints
	// (audit_seal.go); nil for services built without openServices.
	seal *auditSeal
	// notifications is the notification centre, the accounts' channels
	// and the outbox of deliveries (addresses sealed with keys).
	notifications *sqlstore.NotificationService
	// feed publishes this process's changes to the engines and caches of
	// the other servers on the database, and applies theirs (changefeed.go,
	// services_feed.go); `serve` runs it.
	feed *sqlstore.ChangeFeed
	// engineBase is when the full load (or the reconcile) the engines
	// descend from began (UnixNano; 0 before any): a snapshot carries it
	// (serve_snapshot.go).
	engineBase atomic.Int64
	// unreconciled: the engines started from a snapshot and have not been
	// reconciled with the database yet (serve_reconcile.go); no snapshot
	// is taken of them meanwhile.
	unreconciled atomic.Bool
	// locationMu orders the community locations applied to the engines:
	// an edit's (here or another server's) and the reconcile's.
	locationMu sync.Mutex
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
	// A key file that does not match the database (another installation's,
	// or a copy older than the last rotation) would seal values nobody
	// else can open: refuse it before anything is sealed (issue 14).
	current, err := db.CheckKeyRing(ctx, keys)
	if err != nil {
		db.Close()
		return nil, err
	}
	// The registry says which key seals (a rotation may have switched it
	// after this key file was last saved).
	if err := keys.SetCurrent(current); err != nil {
		db.Close()
		return nil, err
	}
	seal, err := openAuditSeal(ctx, db, cfg, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := newServices(db, keys, log)
	s.seal = seal
	return s, nil
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
		idem:       sqlstore.NewIdempotencyService(db),
		twoFactor:  sqlstore.NewTwoFactorService(db, keys),
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
	// The requests seal personal form values with keys and match the
	// public lookup's applicant through the register's blind index.
	s.requests = sqlstore.NewRequestService(db, s.items, keys)
	s.delegations = sqlstore.NewDelegationService(db)
	s.coverage = coverage.New(sqlstore.NewCoverageSource(db), s.targets)
	src := sqlstore.NewIndicatorSource(db)
	s.indicators = indicator.New(src, s.targets, s.coverage.Module(), indicator.LinkageModule(src),
		indicator.ServicesModule(s.requests.ServiceCounts), indicator.PropertyModule(s.property), indicator.CareModule(src),
		indicator.VolunteerModule(src), indicator.WorkforceModule(src, func() time.Time { return db.Now() }))
	s.care = sqlstore.NewCareService(db, keys)
	s.care.Needs = s.linkage
	// A referral to a service item files a request for the person and
	// follows its acceptance or refusal.
	s.care.LinkRequests(s.requests)
	s.volunteers = sqlstore.NewVolunteerService(db, keys)
	s.workforce = sqlstore.NewWorkforceService(db)
	// The engines follow every committed change of the registers, targets,
	// facilities and locations, here at once and in the other servers
	// through the change feed (services_feed.go).
	s.feed = sqlstore.NewChangeFeed(db, log)
	s.wireEngines(log)
	return s
}

// Close closes the database.
func (s *services) Close() error {
	// The request changes still gathered are published before the
	// database closes (a command's, or a job's after the server stopped).
	s.requestChanges.Stop()
	return s.db.Close()
}

// cliContext marks work done by an operator at the console: the services
// trust it (the operator holds the database) and audit it with actor "cli".
func cliContext(ctx context.Context) context.Context {
	return shequ.WithRequestMeta(ctx, shequ.RequestMeta{ClientAddr: "cli", RequestID: "cli-" + uuid.NewString()})
}
