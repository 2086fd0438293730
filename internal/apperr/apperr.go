// Package apperr defines the typed errors that domain packages return and
// that the API edge maps, in one place, to client-facing error codes.
//
// A domain function that wants its caller to see why something failed returns
// an *Error with a Kind and a message that is safe to show to end users. Any
// other error is treated as Internal: it is logged with its cause and the
// client sees only "internal error" and a request id.
package apperr

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Kind classifies a failure by what the caller can do about it.
type Kind uint8

const (
	Internal        Kind = iota // the zero value; its message never reaches a client
	Invalid                     // the input breaks a rule; Fields says which
	NotFound                    // the thing does not exist, or the caller may not know it does
	Conflict                    // the input clashes with current state (duplicate, stale version)
	Unauthenticated             // no valid credentials
	Forbidden                   // authenticated, but not allowed
	RateLimited                 // too many attempts; retry later
	Unavailable                 // a dependency (e.g. media storage) is down; retry later
)

// Code returns the GraphQL extensions.code for the kind.
func (k Kind) Code() string {
	switch k {
	case Invalid:
		return "BAD_USER_INPUT"
	case NotFound:
		return "NOT_FOUND"
	case Conflict:
		return "CONFLICT"
	case Unauthenticated:
		return "UNAUTHENTICATED"
	case Forbidden:
		return "FORBIDDEN"
	case RateLimited:
		return "RATE_LIMITED"
	case Unavailable:
		return "UNAVAILABLE"
	default:
		return "INTERNAL"
	}
}

func (k Kind) String() string { return k.Code() }

// Error is a failure the API may describe to its caller.
type Error struct {
	Kind Kind
	// Msg is safe to show to end users.
	Msg string
	// Fields maps an input field path (e.g. "input.origins[1]") to what is
	// wrong with it. Set for Invalid errors that concern particular fields.
	Fields map[string]string
	// Err is the cause: logged, never shown.
	Err error
	// RetryAfter, for RateLimited errors, says when to try again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Msg
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return e.Msg + " (" + strings.Join(parts, "; ") + ")"
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// FieldsOf returns the fields of the first *Error in err's chain (nil
// when there is none): the name of each field at fault and its problem.
func FieldsOf(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Is reports whether err's chain holds an *Error of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// NotFoundf returns a NotFound error with a formatted message.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Kind: NotFound, Msg: fmt.Sprintf(format, args...)}
}

// Conflictf returns a Conflict error with a formatted message.
func Conflictf(format string, args ...any) *Error {
	return &Error{Kind: Conflict, Msg: fmt.Sprintf(format, args...)}
}

// Forbiddenf returns a Forbidden error with a formatted message.
func Forbiddenf(format string, args ...any) *Error {
	return &Error{Kind: Forbidden, Msg: fmt.Sprintf(format, args...)}
}

// Unauthenticatedf returns an Unauthenticated error with a formatted message.
func Unauthenticatedf(format string, args ...any) *Error {
	return &Error{Kind: Unauthenticated, Msg: fmt.Sprintf(format, args...)}
}

// InvalidField returns an Invalid error about a single input field.
func InvalidField(field, problem string) *Error {
	return &Error{Kind: Invalid, Msg: "invalid input", Fields: map[string]string{field: problem}}
}

// PageSize returns an Invalid error on "first" unless 1 ≤ first ≤ max: the
// one rule every list applies to its page size.
func PageSize(first, max int) error {
	if first < 1 || first > max {
		return InvalidField("first", fmt.Sprintf("must be between 1 and %d", max))
	}
	return nil
}

// Validation collects problems with several input fields so that a caller
// sees all of them at once instead of fixing one per round trip.
// The zero value is ready to use.
type Validation struct {
	fields map[string]string
}

// Add records a problem with field. The first problem recorded for a field wins.
func (v *Validation) Add(field, problem string) {
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	if _, ok := v.fields[field]; !ok {
		v.fields[field] = problem
	}
}

// Merge records every field of err (when err is an Invalid *Error) under
// prefix; any other non-nil error is recorded against prefix itself.
func (v *Validation) Merge(prefix string, err error) {
	if err == nil {
		return
	}
	var e *Error
	if errors.As(err, &e) && e.Kind == Invalid && len(e.Fields) > 0 {
		for k, p := range e.Fields {
			if prefix != "" {
				k = prefix + "." + k
			}
			v.Add(k, p)
		}
		return
	}
	v.Add(prefix, err.Error())
}

// Err returns nil when nothing was recorded, otherwise an Invalid *Error.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Msg: "invalid input", Fields: v.fields}
}
