package shequ

import (
	"errors"
	"fmt"
	"strings"
)

// Application error codes. The web layer maps each to one HTTP status.
const (
	EInvalid      = "invalid"      // input failed validation (400)
	ENotFound     = "not_found"    // no such object, or outside the caller's scope (404)
	EConflict     = "conflict"     // duplicate or illegal state transition (409)
	EUnauthorized = "unauthorized" // not signed in (401)
	EForbidden    = "forbidden"    // signed in but not allowed (403)
	EUnavailable  = "unavailable"  // a dependency is down or the schema is not current (503)
	EInternal     = "internal"     // anything else; details are logged, never shown (500)
)

// Error is an application error. Message is safe to show to users in English;
// Key names the entry of the message catalogue that translates it, with Data
// filling its placeholders. Err is the internal cause: logged, never rendered.
type Error struct {
	Code    string
	Key     string
	Message string
	Data    map[string]any
	Fields  []FieldError
	Err     error
}

// FieldError is a validation error attached to one input field.
type FieldError struct {
	Field   string
	Key     string
	Message string
	Data    map[string]any
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an application error with a catalogue key and an English
// message built from format and args.
func Errorf(code, key, format string, args ...any) *Error {
	return &Error{Code: code, Key: key, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e carrying the given placeholder data.
func (e *Error) With(data map[string]any) *Error {
	c := *e
	c.Data = data
	return &c
}

// Wrap returns an internal error with cause err. Its message is generic.
func Wrap(err error, what string) *Error {
	return &Error{Code: EInternal, Key: "error.internal", Message: "Internal error.", Err: fmt.Errorf("%s: %w", what, err)}
}

// ErrorCode returns the code of an application error, EInternal for any
// other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EInternal
}

// AsError returns err as an application error. Errors that are not
// application errors become a generic internal error wrapping them.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Wrap(err, "unexpected error")
}

// FieldErrors collects field-level validation errors.
type FieldErrors []FieldError

// Add records an error for field.
func (fe *FieldErrors) Add(field, key, message string, data map[string]any) {
	*fe = append(*fe, FieldError{Field: field, Key: key, Message: message, Data: data})
}

// Err returns nil when nothing was recorded, else an EInvalid error listing
// the fields.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Key: "error.invalid_fields", Message: "Some fields are invalid.", Fields: fe}
}

// Label is a placeholder value of an error that names an enum value, e.g.
// a state: the message catalogue shows it by its label (the entry
// Prefix + "." + Value, such as project.status.returned → 已退回), the
// English message and the JSON API by its identifier.
type Label struct {
	Prefix string // the catalogue prefix, e.g. "project.status"
	Value  string // the identifier, e.g. "returned"
}

// String returns the identifier.
func (l Label) String() string { return l.Value }

// Labels is a list of labels, shown as one list in messages.
type Labels []Label

// String returns the identifiers separated by ", ", or "none".
func (ls Labels) String() string {
	if len(ls) == 0 {
		return "none"
	}
	return strings.Join(ls.Values(), ", ")
}

// Values returns the identifiers.
func (ls Labels) Values() []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Value
	}
	return out
}
