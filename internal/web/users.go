package web

import (
	"net/http"
	"strings"

	"shequ"
)

// usersPage is the data of templates/users.html.
type usersPage struct {
	Users       []*userRow
	Total       int
	Pager       pager
	CanManage   bool // sysadmin: create and disable
	CanUnlock   bool // secadmin: unlock
	Form        userForm
	Roles       []shequ.Role
	Notice      string
	FormVisible bool
	Self        string // the administrator's own account, which offers no 停用
	Scope       string // the administrator's scope, for the scope picker
	ScopeHint   string // what the scope field takes, true to the administrator's scope
}

// userRow is one account in the list, with its scope's name.
type userRow struct {
	*shequ.User
	ScopeName string
	Locked    bool
	// ConsoleOnly: an administrator's account, unlocked at the console only.
	ConsoleOnly bool
}

// userForm holds the values of the create form.
type userForm struct {
	Username, Name, Role, Scope string
	Errors                      map[string]string
	Error                       string
}

const userPageSize = 50

// handleUsers serves GET /users.
func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionUserRead)
	if !ok {
		return
	}
	s.usersPage(w, r, a, http.StatusOK, userForm{})
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, a *shequ.Actor, status int, form userForm) {
	l := s.localizer(r)
	page, err := parsePage(r.URL.Query())
	if err != nil {
		s.error(w, r, err)
		return
	}
	scope := a.Scope
	users, total, err := s.cfg.Users.FindUsers(r.Context(), shequ.UserFilter{Scope: &scope,
		Offset: (page - 1) * userPageSize, Limit: userPageSize})
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &usersPage{Total: total, Pager: queryPager(r.URL.Path, nil, page, total, userPageSize),
		CanManage: a.Can(shequ.ActionUserManage), CanUnlock: a.Can(shequ.ActionSecurityManage),
		Form: form, Roles: manageableRoles(), FormVisible: form.Errors != nil || form.Error != "", Self: a.UserID, Scope: a.Scope}
	if a.Scope == "" {
		p.ScopeHint = l.T("users.scope.hint_national")
	} else {
		p.ScopeHint = l.T("users.scope.hint", map[string]any{"Scope": s.places.name(a.Scope)})
	}
	names := map[string]string{"": l.T("divisions.country")}
	now := s.now()
	for _, u := range users {
		name, seen := names[u.Scope]
		if !seen {
			// A handful of distinct scopes per page: one lookup each.
			if d, err := s.cfg.Divisions.FindDivisionByCode(r.Context(), u.Scope); err == nil {
				name = d.Name
			}
			names[u.Scope] = name
		}
		p.Users = append(p.Users, &userRow{User: u, ScopeName: name, Locked: isLocked(u, now), ConsoleOnly: u.Role.Privileged()})
	}
	switch r.URL.Query().Get("notice") {
	case "created":
		p.Notice = l.T("users.created")
	case "disabled":
		p.Notice = l.T("users.disabled_notice")
	case "enabled":
		p.Notice = l.T("users.enabled_notice")
	case "unlocked":
		p.Notice = l.T("users.unlocked_notice")
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "users", l.T("users.title"), p)
}

// handleUserCreate serves POST /users: a sysadmin creates an account with
// an initial password, to be changed at first login.
func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionUserManage)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	l := s.localizer(r)
	pf := r.PostForm
	f := userForm{Username: strings.TrimSpace(pf.Get("username")), Name: strings.TrimSpace(pf.Get("name")),
		Role: pf.Get("role"), Scope: strings.TrimSpace(pf.Get("scope"))}
	u := &shequ.User{Username: f.Username, Name: f.Name, Role: shequ.Role(f.Role), Scope: f.Scope, MustChangePassword: true}
	password := pf.Get("password")
	var fe shequ.FieldErrors
	if err := u.Validate(); err != nil {
		fe = shequ.AsError(err).Fields
	}
	if err := shequ.ValidatePassword(password, f.Username); err != nil {
		e := shequ.AsError(err)
		fe.Add("password", e.Key, e.Message, e.Data)
	}
	// An account may only be created at or below the creator's scope.
	if shequ.Authorize(a, shequ.ActionUserManage, &shequ.Object{Division: u.Scope}) != nil {
		fe.Add("scope", "users.scope.outside", "The scope must lie within your own.", nil)
	}
	err := fe.Err()
	if err == nil {
		var hash string
		if hash, err = s.cfg.Hasher.Hash(password); err != nil {
			s.error(w, r, shequ.Wrap(err, "hash password"))
			return
		}
		err = s.cfg.Users.CreateUser(r.Context(), u, hash)
	}
	if err != nil {
		switch shequ.ErrorCode(err) {
		case shequ.EInvalid:
			f.Errors = fieldMessages(l, err)
			f.Error = l.T("form.has_errors")
		case shequ.EConflict:
			f.Errors = map[string]string{"username": l.Error(shequ.AsError(err))}
			f.Error = l.Error(shequ.AsError(err))
		default:
			s.error(w, r, err)
			return
		}
		s.usersPage(w, r, a, statusByCode[shequ.ErrorCode(err)], f)
		return
	}
	http.Redirect(w, r, "/users?notice=created", http.StatusSeeOther)
}

// targetUser loads the account named in the path and checks that it lies
// within the actor's scope for act (404 otherwise, like any object outside
// the scope).
func (s *Server) targetUser(w http.ResponseWriter, r *http.Request, a *shequ.Actor, act shequ.Action) (*shequ.User, bool) {
	id := r.PathValue("id")
	if len(id) > maxIDLen {
		s.error(w, r, shequ.ErrNotFound)
		return nil, false
	}
	u, err := s.cfg.Users.FindUserByID(r.Context(), id)
	if err == nil {
		err = shequ.Authorize(a, act, &shequ.Object{Division: u.Scope})
	}
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return u, true
}

// errSelfDisable refuses an administrator's disabling their own account:
// nobody would be left to enable it but the console.
var errSelfDisable = shequ.Errorf(shequ.EConflict, "users.self_disable", "You cannot disable your own account.")

// userConfirmPage is the data of templates/user_confirm.html.
type userConfirmPage struct {
	U     *shequ.User
	Place string
}

// handleUserDisableConfirm serves GET /users/{id}/disable: what disabling
// the account does, and the button that does it (停用 asks first).
func (s *Server) handleUserDisableConfirm(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionUserManage)
	if !ok {
		return
	}
	u, ok := s.targetUser(w, r, a, shequ.ActionUserManage)
	if !ok {
		return
	}
	if u.ID == a.UserID {
		s.error(w, r, errSelfDisable)
		return
	}
	l := s.localizer(r)
	p := &userConfirmPage{U: u, Place: l.T("divisions.country")}
	if u.Scope != "" {
		p.Place = s.places.name(u.Scope)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "user_confirm", l.T("users.disable.confirm_title", map[string]any{"Username": u.Username}), p)
}

// handleUserEnable serves POST /users/{id}/enable (sysadmin): a disabled
// account may sign in again.
func (s *Server) handleUserEnable(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionUserManage)
	if !ok {
		return
	}
	u, ok := s.targetUser(w, r, a, shequ.ActionUserManage)
	if !ok {
		return
	}
	enabled := false
	if _, err := s.cfg.Users.UpdateUser(r.Context(), u.ID, shequ.UserUpdate{Disabled: &enabled}); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/users?notice=enabled", http.StatusSeeOther)
}

// handleUserDisable serves POST /users/{id}/disable (sysadmin), the
// confirmation's button. The account's sessions end at once; an
// administrator cannot disable their own.
func (s *Server) handleUserDisable(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionUserManage)
	if !ok {
		return
	}
	u, ok := s.targetUser(w, r, a, shequ.ActionUserManage)
	if !ok {
		return
	}
	if u.ID == a.UserID {
		s.error(w, r, errSelfDisable)
		return
	}
	disabled := true
	if _, err := s.cfg.Users.UpdateUser(r.Context(), u.ID, shequ.UserUpdate{Disabled: &disabled}); err != nil {
		s.error(w, r, err)
		return
	}
	if _, err := s.cfg.Sessions.DeleteUserSessions(r.Context(), u.ID); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/users?notice=disabled", http.StatusSeeOther)
}

// errUnlockPrivileged refuses to unlock an administrator's account from
// the web.
var errUnlockPrivileged = shequ.Errorf(shequ.EForbidden, "users.unlock.privileged",
	"Administrator accounts are unlocked at the console only: shequ user unlock NAME.")

// handleUserUnlock serves POST /users/{id}/unlock (secadmin): clears the
// failure count and the lock. UserService has no separate unlock method;
// RecordLoginSuccess is what resets both. The three administrator roles
// are unlocked at the console only (`shequ user unlock`), as they are
// managed there: a security administrator who could unlock the system
// administrator or the auditor from the web could lift the brake on
// guessing their passwords (三权分立).
func (s *Server) handleUserUnlock(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guard(w, r, shequ.ActionSecurityManage)
	if !ok {
		return
	}
	u, ok := s.targetUser(w, r, a, shequ.ActionSecurityManage)
	if !ok {
		return
	}
	if u.Role.Privileged() {
		s.audit(r.Context(), &shequ.AuditRecord{Action: "user.unlock", ObjectType: "user", ObjectID: u.ID,
			Division: u.Scope, Result: shequ.AuditDenied, Detail: errUnlockPrivileged.Key})
		s.error(w, r, errUnlockPrivileged)
		return
	}
	if err := s.cfg.Users.RecordLoginSuccess(r.Context(), u.ID); err != nil {
		s.error(w, r, err)
		return
	}
	s.audit(r.Context(), &shequ.AuditRecord{Action: "user.unlock", ObjectType: "user", ObjectID: u.ID,
		Division: u.Scope, Result: shequ.AuditAllowed})
	http.Redirect(w, r, "/users?notice=unlocked", http.StatusSeeOther)
}

// manageableRoles are the roles an administrator may give through the page:
// the three administrator roles are the console's alone (shequ.Role.Privileged).
func manageableRoles() []shequ.Role {
	var out []shequ.Role
	for _, r := range shequ.Roles {
		if !r.Privileged() {
			out = append(out, r)
		}
	}
	return out
}
