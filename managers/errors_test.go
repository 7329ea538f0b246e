package managers

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mpconn/mpconn/pickle"
)

func TestErrorIs(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		is     []ExceptionType
		isNot  []ExceptionType
		format string
	}{
		{"Empty from 3.7+", errorFromException(&pickle.Object{Class: pickle.Global{Module: "_queue", Name: "Empty"}}),
			[]ExceptionType{ErrEmpty, ErrException}, []ExceptionType{ErrFull, ErrKeyError}, "managers: queue.Empty"},
		{"Empty from 3.6", errorFromException(&pickle.Object{Class: pickle.Global{Module: "queue", Name: "Empty"}}),
			[]ExceptionType{ErrEmpty}, nil, "managers: queue.Empty"},
		{"KeyError", errorFromException(&pickle.Exception{Class: pickle.Global{Module: "builtins", Name: "KeyError"}, Args: pickle.Tuple{"k"}}),
			[]ExceptionType{ErrKeyError, ErrLookupError, ErrException}, []ExceptionType{ErrIndexError, ErrValueError}, "managers: KeyError: 'k'"},
		{"BrokenBarrierError", errorFromException(&pickle.Object{Class: pickle.Global{Module: "threading", Name: "BrokenBarrierError"}}),
			[]ExceptionType{ErrBrokenBarrier, ErrRuntimeError}, []ExceptionType{ErrValueError}, "managers: threading.BrokenBarrierError"},
		{"Python 2 thread.error", errorFromException(&pickle.Object{Class: pickle.Global{Module: "_thread", Name: "error"}, Args: pickle.Tuple{"release unlocked lock"}}),
			[]ExceptionType{ErrRuntimeError}, nil, "managers: RuntimeError: release unlocked lock"},
		{"ValueError with args", Raise(ErrValueError, "boom", 42),
			[]ExceptionType{ErrValueError}, nil, "managers: ValueError: ('boom', 42)"},
		{"traceback", errorFromReply(KindTraceback, "Traceback (most recent call last):\n  File \"x\", line 1\nKeyError: '7f'\n"),
			nil, []ExceptionType{ErrKeyError, ErrException}, "managers: remote traceback: KeyError: '7f'"},
		{"unrecognized kind", errorFromReply("#BOGUS", nil), nil, []ExceptionType{ErrValueError}, `managers: unrecognized message type "#BOGUS"`},
		{"not an exception", errorFromException(42), []ExceptionType{ErrTypeError}, nil, "managers: TypeError: exceptions must derive from BaseException, got 42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, want := range tt.is {
				assert.ErrorIs(t, tt.err, want)
			}
			for _, not := range tt.isNot {
				assert.NotErrorIs(t, tt.err, not)
			}
			assert.Equal(t, tt.format, tt.err.Error())
			wrapped := fmt.Errorf("wrapped: %w", tt.err)
			var e *Error
			assert.True(t, errors.As(wrapped, &e))
		})
	}
}

func TestTypeFromTraceback(t *testing.T) {
	for text, want := range map[string]ExceptionType{
		"Traceback...\nKeyError: 'x'\n":                          ErrKeyError,
		"...\n_queue.Empty\n":                                    ErrEmpty,
		"...\nmultiprocessing.context.AuthenticationError: no\n": {"multiprocessing.context", "AuthenticationError"},
		"just some text\n":                                       {},
		"":                                                       {},
	} {
		assert.Equal(t, want, typeFromTraceback(text), "%q", text)
	}
}

func TestAsWireError(t *testing.T) {
	assert.Equal(t, Raise(ErrEmpty), asWireError(ErrEmpty))
	assert.Equal(t, Raise(ErrException, "plain"), asWireError(errors.New("plain")))
	e := Raise(ErrKeyError, "k")
	assert.Same(t, e, asWireError(fmt.Errorf("ctx: %w", e)))
}

func TestExceptionValueNamesPython2Lock(t *testing.T) {
	e := Raise(threadError, "release unlocked lock")
	assert.Equal(t, pickle.Global{Module: "builtins", Name: "RuntimeError"}, e.exceptionValue(false).(*pickle.Exception).Class)
	assert.Equal(t, pickle.Global{Module: "_thread", Name: "error"}, e.exceptionValue(true).(*pickle.Exception).Class)
}
