package structs

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that it survives a trip across the cluster
// (a write forwarded to the leader comes back as a Kind and a message) and
// maps to an HTTP status at the API edge.
type Kind string

const (
	KindInternal     Kind = "internal"
	KindNotFound     Kind = "not_found"
	KindConflict     Kind = "conflict"
	KindInvalid      Kind = "invalid"
	KindUnauthorized Kind = "unauthorized"
	KindForbidden    Kind = "forbidden"
	KindUnavailable  Kind = "unavailable"
)

// Error is an error with a Kind. Compare with errors.Is against the
// sentinels below: Is matches on Kind alone.
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Is reports whether target is an *Error of the same Kind.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Kind == e.Kind
}

// Sentinels to compare against with errors.Is.
var (
	ErrNotFound     = &Error{Kind: KindNotFound, Msg: "not found"}
	ErrConflict     = &Error{Kind: KindConflict, Msg: "conflict"}
	ErrInvalid      = &Error{Kind: KindInvalid, Msg: "invalid"}
	ErrUnauthorized = &Error{Kind: KindUnauthorized, Msg: "unauthorized"}
	ErrForbidden    = &Error{Kind: KindForbidden, Msg: "forbidden"}
	ErrUnavailable  = &Error{Kind: KindUnavailable, Msg: "unavailable"}
)

// Errorf builds an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// KindOf returns the Kind of err, KindInternal when it has none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}
