package shequ

import "time"

// SecurityPolicy holds the settings the security administrator is
// responsible for.
type SecurityPolicy struct {
	// MaxFailedLogins locks an account after this many failures in a row.
	MaxFailedLogins int
	// Lockout is how long a locked account stays locked.
	Lockout time.Duration
	// LoginsPerMinute throttles login attempts from one client address.
	LoginsPerMinute int
	// AccountLoginsPerMinute throttles login attempts at one user name
	// (whether or not it exists), from all addresses together.
	AccountLoginsPerMinute int
	// Session bounds browser sessions.
	Session SessionPolicy
}

// DefaultSecurityPolicy: 5 failures lock for 15 minutes; 20 attempts a minute
// per address and 10 per user name; sessions as DefaultSessionPolicy.
var DefaultSecurityPolicy = SecurityPolicy{
	MaxFailedLogins:        5,
	Lockout:                15 * time.Minute,
	LoginsPerMinute:        20,
	AccountLoginsPerMinute: 10,
	Session:                DefaultSessionPolicy,
}
