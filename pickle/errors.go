package pickle

import (
	"errors"
	"fmt"
)

var (
	// ErrUnknownClass: in Strict mode, the pickle names a class or function
	// that is neither built in nor registered.
	ErrUnknownClass = errors.New("pickle: unknown class")
	// ErrLimit: the pickle exceeds one of the decoder's limits (*LimitError).
	ErrLimit = errors.New("pickle: limit exceeded")
)

// LimitError names the limit a pickle exceeded and the option that raises it.
type LimitError struct {
	Limit  string // "depth", "memo", "int digits", "size"
	Value  int64  // what the pickle asked for (or reached)
	Max    int64
	Option string // e.g. "WithMaxDepth"
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("pickle: %s %d exceeds the limit of %d (raise it with pickle.%s)", e.Limit, e.Value, e.Max, e.Option)
}

func (e *LimitError) Unwrap() error { return ErrLimit }
