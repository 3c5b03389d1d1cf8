// Package web is the HTTP face of shequ: server-rendered HTML pages (with
// htmx as an optional enhancement), the JSON API under /api/v1, health and
// readiness probes and Prometheus metrics. It depends only on the shequ
// service interfaces; cmd/shequ wires in the implementations and owns the
// http.Server (timeouts, shutdown).
package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"shequ"
	"shequ/internal/i18n"
)

// Config is what the server needs from its caller.
type Config struct {
	// Version is shown in the footer, the OpenAPI document and metrics.
	Version string
	// Logger receives access logs and internal errors; slog.Default() if nil.
	Logger *slog.Logger
	// Catalog translates every message; required.
	Catalog *i18n.Catalog
	// Divisions serves the division tree; required.
	Divisions shequ.DivisionService
	// Readiness answers /readyz; nil means always ready.
	Readiness shequ.Readiness
	// DBStats, if set, feeds the connection pool gauges of /metrics.
	DBStats func() sql.DBStats
	// LoginFloor is the least time a refused sign-in takes, so that every
	// refusal takes the same time; 0 means defaultLoginFloor (login.go).
	LoginFloor time.Duration
	// TrustedProxies are the networks of the reverse proxies whose
	// X-Forwarded-For names the client (throttle.go); none by default.
	TrustedProxies []netip.Prefix
	// MetricsToken, if set, is the bearer token /metrics requires;
	// MetricsElsewhere says that /metrics is served on a listener of its
	// own (MetricsHandler). With neither, /metrics answers 404
	// (metrics_access.go).
	MetricsToken     string
	MetricsElsewhere bool
	// SecureCookies marks cookies Secure; set it when served over TLS.
	SecureCookies bool
	// PublicURL is the platform's address as people reach it
	// (https://shequ.example.gov.cn), for the addresses printed on
	// receipts; "" takes the address each request came to.
	PublicURL string

	// The identity and resident services. cmd/shequ always passes them;
	// when Users, Sessions or Tokens is nil nobody can sign in and the
	// pages that need an account answer 401 (redirect to /login).
	Users     shequ.UserService
	Sessions  shequ.SessionService
	Tokens    shequ.TokenService
	Audit     shequ.AuditService
	Residents shequ.ResidentService
	Hasher    shequ.PasswordHasher

	// Idempotency keeps the idempotency keys of submissions and their first
	// answers (idempotency.go); nil takes no keys.
	Idempotency shequ.IdempotencyStore

	// TwoFactor and OTP give two-factor sign-in (login_totp.go). When
	// either is nil, accounts that have it or must set it up cannot sign
	// in (they never get past the password): the check fails closed.
	TwoFactor shequ.TwoFactorService
	OTP       shequ.OTP
	// Verifier and SMS verify self-registered accounts
	// (account_verify.go); without them codes cannot be asked for (503)
	// and the window cannot verify.
	Verifier shequ.AccountVerifier
	SMS      CodeSender
	// The registers of social organizations and social workers, the plan
	// targets and the indicators. When one is nil its pages and endpoints
	// answer 503 (the module is not wired in).
	Orgs       shequ.OrgService
	Workers    shequ.SocialWorkerService
	Targets    shequ.TargetService
	Indicators shequ.IndicatorService
	// Linkage runs the 三社联动 chain (needs, projects, bids, reviews,
	// activities, evaluations, notifications); nil answers 503.
	Linkage shequ.LinkageService
	// The catalogue of service items and the requests (办件). When one is
	// nil its pages answer 503, and so does Open311.
	ServiceItems shequ.ServiceItemService
	Requests     shequ.RequestService
	// The front desk's side of the requests (queue, bulk transfer,
	// attachments, public timeline), the delegations (委托代理) and the
	// holiday calendar of the due dates. Nil: their pages answer 503.
	RequestDesk shequ.RequestDesk
	Delegations shequ.DelegationService

	// Notifications (issue 13): the notification centre and the accounts'
	// channels (nil: the centre answers 503); Deliveries the outbox's
	// dead-letter list for the system administrator; NotifyChannels the
	// external channels configured, which the account page offers;
	// RequestIntake the 补正 hand-in and the materials of an online
	// application.
	Notifications  shequ.NotificationService
	Deliveries     shequ.DeliveryService
	NotifyChannels []string
	RequestIntake  shequ.RequestIntake
	Holidays       shequ.HolidayCalendar
	// Property is the property oversight module (物业服务监管, issue 15):
	// estates, companies, committees, inspections, meetings, complaints,
	// ratings and credit; nil answers 503.
	Property shequ.PropertyService
	// Service facilities, community locations and coverage (issue 7).
	Facilities shequ.FacilityService
	Locations  shequ.LocationService
	Coverage   shequ.CoverageService
	// Care keeps the 三留守 register, reports and alerts, cases and
	// social-work records (issue 16); nil answers 503.
	Care shequ.CareService
	// Volunteers, TimeBank and Workforce keep volunteer service, the time
	// bank and the community workforce (issue 17); nil answers 503.
	Volunteers shequ.VolunteerService
	TimeBank   shequ.TimeBankService
	Workforce  shequ.WorkforceService
	// Teams keeps volunteer teams and their members; nil answers 503.
	Teams shequ.VolunteerTeamService
	// MapTiles is the tile URL template of the map pages, "" none (the
	// default: deployments are often offline); MapTilesOrigin its scheme
	// and host, allowed as an image source.
	MapTiles, MapTilesOrigin string
	// Security bounds logins and sessions; the zero value means
	// shequ.DefaultSecurityPolicy.
	Security shequ.SecurityPolicy
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// moreRegisters, if set, mounts more registers (the mechanism's tests
	// declare one of their own).
	moreRegisters func(*Server) []registerRoutes
	// ImportResidents, if set, imports a CSV (or XLSX) file of residents
	// into a community for the upload page; nil shows the page as 未启用.
	ImportResidents func(ctx context.Context, community string, r io.Reader, filename string) (*ResidentImportReport, error)
}

// Server is the http.Handler of the whole platform. Build it with NewServer.
type Server struct {
	cfg     Config
	log     *slog.Logger
	cat     *i18n.Catalog
	mux     *http.ServeMux
	handler http.Handler
	routes  []route
	tmpl    *templates
	static  *staticFiles
	metrics *metrics
	openapi []byte
	// registers are the registers served by the register mechanism.
	registers []registerRoutes
	// throttle limits login and registration attempts per client address,
	// accountThrottle login attempts per user name.
	throttle        *throttle
	accountThrottle *throttle
	// places names divisions on pages (render_values.go).
	places *placeNames
	// lookups and lookupNumbers limit the lookups of requests by number
	// and ID number per client address and per number.
	lookups, lookupNumbers *throttle
	// imports holds a token per import running (maxConcurrentImports).
	imports chan struct{}
}

// processStart approximates the process start time for
// process_start_time_seconds: package variables are initialised as the
// program starts.
var processStart = time.Now()

// NewServer checks cfg, parses every template and static asset embedded in
// the binary, and builds the routes, so that a broken template fails at
// startup rather than on the first request.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Catalog == nil {
		return nil, errors.New("web: Config.Catalog is required")
	}
	if cfg.Divisions == nil {
		return nil, errors.New("web: Config.Divisions is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.Security == (shequ.SecurityPolicy{}) {
		cfg.Security = shequ.DefaultSecurityPolicy
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Logger, cat: cfg.Catalog, mux: http.NewServeMux(), metrics: newMetrics()}
	s.throttle = newThrottle(cfg.Security.LoginsPerMinute, time.Minute)
	if s.cfg.Security.AccountLoginsPerMinute == 0 {
		s.cfg.Security.AccountLoginsPerMinute = shequ.DefaultSecurityPolicy.AccountLoginsPerMinute
	}
	s.accountThrottle = newThrottle(s.cfg.Security.AccountLoginsPerMinute, time.Minute)
	s.lookups, s.lookupNumbers = newThrottle(lookupPerAddr, lookupWindow), newThrottle(lookupPerNumber, lookupWindow)
	s.places = &placeNames{names: map[string]placeEntry{}, lookup: cfg.Divisions.FindDivisionByCode, timeout: 2 * time.Second}
	s.imports = make(chan struct{}, maxConcurrentImports)
	var err error
	if s.static, err = newStaticFiles(); err != nil {
		return nil, fmt.Errorf("web: load static files: %w", err)
	}
	if s.tmpl, err = s.parseTemplates(); err != nil {
		return nil, fmt.Errorf("web: parse templates: %w", err)
	}
	s.registers = s.mountRegisters()
	if s.openapi, err = openAPIDocument(cfg.Version, s.registers); err != nil {
		return nil, fmt.Errorf("web: load OpenAPI document: %w", err)
	}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern(), s.instrument(rt.Path, s.idempotent(staleReads(rt, rt.Handler))))
	}
	// Everything else: a localized 404 (or 405) instead of the mux's plain
	// text, counted under one label so unknown paths cannot blow up the
	// metrics.
	s.mux.Handle("/", s.instrument(unmatchedRoute, http.HandlerFunc(s.handleNotFound)))
	s.handler = s.middleware(s.mux)
	return s, nil
}

// now returns the current time from the configured clock.
func (s *Server) now() time.Time { return s.cfg.Now() }

// ServeHTTP serves one request through the middleware chain.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}
