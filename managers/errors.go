package managers

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mpconn/mpconn/pickle"
)

// Reply kinds: the first item of every reply a manager sends.
const (
	KindReturn         = "#RETURN"         // the result
	KindError          = "#ERROR"          // an exception the referent's method raised
	KindTraceback      = "#TRACEBACK"      // anything else that failed in the server: its formatted traceback
	KindProxy          = "#PROXY"          // a result the server keeps, to be reached through a new proxy
	KindUnserializable = "#UNSERIALIZABLE" // the result could not be pickled: the traceback of that
)

// ExceptionType names a Python exception class. The Err… variables are
// ExceptionTypes, for errors.Is: errors.Is(err, ErrEmpty) holds when err is a
// *Error carrying a queue.Empty raised by the referent, whichever spelling
// the server's Python used (_queue.Empty, queue.Empty, Queue.Empty).
// Subclasses match their bases as far as the package knows the hierarchy of
// Python's built-in exceptions: a KeyError matches ErrLookupError and
// ErrException too.
type ExceptionType struct {
	Module, Name string
}

func (t ExceptionType) String() string {
	if t.Module == "builtins" || t.Module == "" {
		return t.Name
	}
	return t.Module + "." + t.Name
}

// Error makes an ExceptionType usable as an errors.Is target.
func (t ExceptionType) Error() string { return "managers: Python " + t.String() }

// The exceptions SyncManager's objects raise, and their usual bases.
var (
	ErrEmpty          = ExceptionType{"queue", "Empty"}                  // Queue.get without an item
	ErrFull           = ExceptionType{"queue", "Full"}                   // Queue.put on a full queue
	ErrShutDown       = ExceptionType{"queue", "ShutDown"}               // a queue after shutdown() (3.13+)
	ErrKeyError       = ExceptionType{"builtins", "KeyError"}            // dict lookups
	ErrIndexError     = ExceptionType{"builtins", "IndexError"}          // list and array indexes
	ErrLookupError    = ExceptionType{"builtins", "LookupError"}         // base of KeyError and IndexError
	ErrValueError     = ExceptionType{"builtins", "ValueError"}          // list.remove, list.index, task_done, …
	ErrTypeError      = ExceptionType{"builtins", "TypeError"}           // wrong arguments
	ErrAttributeError = ExceptionType{"builtins", "AttributeError"}      // Namespace attributes
	ErrStopIteration  = ExceptionType{"builtins", "StopIteration"}       // the end of an Iterator
	ErrRuntimeError   = ExceptionType{"builtins", "RuntimeError"}        // releasing a lock one does not hold
	ErrAssertionError = ExceptionType{"builtins", "AssertionError"}      // the server's own checks (refcounts, unknown requests)
	ErrBrokenBarrier  = ExceptionType{"threading", "BrokenBarrierError"} // a broken or reset Barrier
	ErrException      = ExceptionType{"builtins", "Exception"}           // every exception a referent raises
)

// exceptionBases is the part of Python's exception hierarchy that errors.Is
// walks; a class not listed derives from Exception.
var exceptionBases = map[ExceptionType]ExceptionType{
	ErrKeyError:                         ErrLookupError,
	ErrIndexError:                       ErrLookupError,
	{"builtins", "UnicodeError"}:        ErrValueError,
	{"builtins", "UnicodeDecodeError"}:  {"builtins", "UnicodeError"},
	{"builtins", "UnicodeEncodeError"}:  {"builtins", "UnicodeError"},
	ErrBrokenBarrier:                    ErrRuntimeError,
	{"builtins", "NotImplementedError"}: ErrRuntimeError,
	{"builtins", "RecursionError"}:      ErrRuntimeError,
	{"builtins", "ModuleNotFoundError"}: {"builtins", "ImportError"},
	{"builtins", "ZeroDivisionError"}:   {"builtins", "ArithmeticError"},
	{"builtins", "OverflowError"}:       {"builtins", "ArithmeticError"},
	{"builtins", "FileNotFoundError"}:   {"builtins", "OSError"},
	{"builtins", "TimeoutError"}:        {"builtins", "OSError"},
	{"builtins", "ConnectionError"}:     {"builtins", "OSError"},
	{"builtins", "BrokenPipeError"}:     {"builtins", "ConnectionError"},
	ErrException:                        {"builtins", "BaseException"},
	{"builtins", "KeyboardInterrupt"}:   {"builtins", "BaseException"},
	{"builtins", "SystemExit"}:          {"builtins", "BaseException"},
	{"builtins", "GeneratorExit"}:       {"builtins", "BaseException"},
}

// exceptionAliases maps other spellings of a class to the one the package
// uses: Python 3.7+ pickles queue.Empty as _queue.Empty (package pickle
// already maps Python 2's Queue and exceptions modules).
var exceptionAliases = map[ExceptionType]ExceptionType{
	{"_queue", "Empty"}:                 ErrEmpty,
	threadError:                         ErrRuntimeError,
	{"multiprocessing.queues", "Empty"}: ErrEmpty,
	{"multiprocessing.queues", "Full"}:  ErrFull,
}

// threadError is the error of Python's locks: Python 2's thread.error,
// which Python 3 made another name of RuntimeError.
var threadError = ExceptionType{"_thread", "error"}

func canonicalType(t ExceptionType) ExceptionType {
	if a, ok := exceptionAliases[t]; ok {
		return a
	}
	return t
}

// isSubclass reports whether t is base or derives from it.
func isSubclass(t, base ExceptionType) bool {
	for range 16 {
		if t == base {
			return true
		}
		next, ok := exceptionBases[t]
		if !ok {
			if t == ErrException || t.Name == "BaseException" {
				return false
			}
			next = ErrException
		}
		t = next
	}
	return false
}

// Error is a failure a manager reported: what Python's dispatch and
// _callmethod raise. For KindError it is the exception the referent's method
// raised (Type and Args, as Python re-raises it); for KindTraceback and
// KindUnserializable it is Python's RemoteError: the server's traceback text,
// whose last line names the exception (Type is read from it, best effort).
//
// errors.Is(err, t) for an ExceptionType t holds only for KindError replies:
// a KeyError in a traceback means "no such object", not a missing key.
type Error struct {
	Kind      string        // KindError, KindTraceback, KindUnserializable, or the unknown kind received
	Type      ExceptionType // the exception's class
	Args      pickle.Tuple  // its arguments (KindError)
	Traceback string        // the server's traceback (KindTraceback, KindUnserializable)
	Value     any           // the exception as it was decoded, or as it is to be sent
}

func (e *Error) Error() string {
	switch e.Kind {
	case KindError:
		return "managers: " + exceptionLine(e.Type, e.Args)
	case KindTraceback, KindUnserializable:
		what := "traceback"
		if e.Kind == KindUnserializable {
			what = "unserializable result"
		}
		return fmt.Sprintf("managers: remote %s: %s", what, lastLine(e.Traceback))
	}
	return fmt.Sprintf("managers: unrecognized message type %q", e.Kind)
}

// Is matches ExceptionTypes (see Error).
func (e *Error) Is(target error) bool {
	t, ok := target.(ExceptionType)
	return ok && e.Kind == KindError && isSubclass(canonicalType(e.Type), canonicalType(t))
}

// Raise makes the error a referent's method returns to raise exception t
// with args in the Python caller: Raise(ErrKeyError, key) is Python's
// raise KeyError(key).
func Raise(t ExceptionType, args ...any) *Error {
	return &Error{Kind: KindError, Type: t, Args: pickle.Tuple(args)}
}

// raisef is Raise with one formatted message argument.
func raisef(t ExceptionType, format string, a ...any) *Error {
	return Raise(t, fmt.Sprintf(format, a...))
}

// exceptionLine renders an exception as the last line of a traceback does.
func exceptionLine(t ExceptionType, args pickle.Tuple) string {
	name := t.String()
	switch {
	case len(args) == 0:
		return name
	case len(args) == 1 && t != ErrKeyError:
		if s, ok := args[0].(string); ok {
			return name + ": " + s
		}
		return name + ": " + repr(args[0])
	case len(args) == 1:
		return name + ": " + repr(args[0])
	}
	return name + ": " + repr(args)
}

// errorFromException converts the value of an #ERROR reply.
func errorFromException(v any) *Error {
	e := &Error{Kind: KindError, Value: v}
	switch x := v.(type) {
	case *pickle.Exception:
		e.Type, e.Args = ExceptionType(x.Class), x.Args
	case *pickle.Object:
		if g, ok := x.Class.(pickle.Global); ok {
			e.Type = ExceptionType(g)
		}
		e.Args = x.Args
	case *Error:
		return x
	default:
		// Not an exception at all: Python would raise it and fail with
		// "exceptions must derive from BaseException".
		e.Type, e.Args = ErrTypeError, pickle.Tuple{"exceptions must derive from BaseException, got " + repr(v)}
	}
	e.Type = canonicalType(e.Type)
	return e
}

// errorFromReply converts any reply other than #RETURN and #PROXY, as
// Python's convert_to_error does.
func errorFromReply(kind string, v any) *Error {
	switch kind {
	case KindError:
		return errorFromException(v)
	case KindTraceback, KindUnserializable:
		text, ok := v.(string)
		if !ok {
			if b, isBytes := v.([]byte); isBytes {
				text, ok = string(b), true
			}
		}
		if !ok {
			return &Error{Kind: kind, Type: ErrTypeError, Value: v,
				Traceback: fmt.Sprintf("TypeError: Result %s (kind '%s') type is %T, not str\n", repr(v), kind, v)}
		}
		return &Error{Kind: kind, Type: typeFromTraceback(text), Traceback: text, Value: v}
	}
	return &Error{Kind: kind, Type: ErrValueError, Value: v,
		Args: pickle.Tuple{fmt.Sprintf("Unrecognized message type %s", repr(kind))}}
}

func lastLine(text string) string {
	text = strings.TrimRight(text, "\n")
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		return text[i+1:]
	}
	return text
}

// typeFromTraceback reads the exception class from a traceback's last line
// ("KeyError: 'x'", "_queue.Empty", "multiprocessing.context.AuthenticationError: …").
func typeFromTraceback(text string) ExceptionType {
	line := lastLine(text)
	name, _, _ := strings.Cut(line, ":")
	if name == "" || strings.ContainsAny(name, " \t'\"()") {
		return ExceptionType{}
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return canonicalType(ExceptionType{name[:i], name[i+1:]})
	}
	return ExceptionType{"builtins", name}
}

// asWireError turns what a referent's method returned as an error into the
// error the server reports: an *Error as it is, an ExceptionType raised
// without arguments, anything else as Exception(err.Error()).
func asWireError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var t ExceptionType
	if errors.As(err, &t) {
		return Raise(t)
	}
	return Raise(ErrException, err.Error())
}

// exceptionValue is what an #ERROR reply carries for e: the decoded value
// when there is one (so an exception passes through unchanged), else the
// exception built from Type and Args, as the peer's Python names it.
func (e *Error) exceptionValue(py2 bool) any {
	if e.Value != nil {
		return e.Value
	}
	t := e.Type
	if t == threadError && !py2 {
		t = ErrRuntimeError // the same class in Python 3
	}
	return &pickle.Exception{Class: pickle.Global(t), Args: e.Args}
}
