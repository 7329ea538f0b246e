package pickle

// Exceptions: *Exception, for the built-in exceptions, those of
// multiprocessing's modules (RemoteError, AuthenticationError, ...), the
// standard library's that cross multiprocessing connections (a manager's
// queue raises queue.Empty and queue.Full through its proxies) and those a
// Registry names (RegisterException).
// CPython writes one as BaseException.__reduce__ says: Class(*args), then
// BUILD with the instance's attributes when it has any.

import (
	"strings"
	"unsafe"
)

// Exception is a Python exception instance, such as KeyError('missing') in a
// multiprocessing manager's ('#ERROR', exc) reply.
type Exception struct {
	Class Global
	Args  Tuple
	State any // BUILD state (attributes such as errno), nil when none
}

// Error renders the exception as Python's traceback line does: "KeyError: 'missing'".
func (e *Exception) Error() string {
	switch len(e.Args) {
	case 0:
		return e.Class.Name
	case 1:
		if s, ok := e.Args[0].(string); ok && e.Class.Name != "KeyError" {
			return e.Class.Name + ": " + s
		}
		return e.Class.Name + ": " + pyRepr(e.Args[0])
	default:
		return e.Class.Name + ": " + pyRepr(e.Args)
	}
}

// Is reports whether target is an *Exception of the same class with no
// arguments, so that errors.Is(err, &Exception{Class: Global{"queue",
// "Empty"}}) asks "is this a queue.Empty?" whatever its message.
func (e *Exception) Is(target error) bool {
	t, ok := target.(*Exception)
	return ok && t.Class == e.Class && len(t.Args) == 0 && t.State == nil
}

func init() {
	form[*Exception]{
		name: "exception",
		nameOf: func(x *Exception) string {
			if x == nil {
				return "NoneType"
			}
			return x.Class.String()
		},
		encode: func(e *encoder, x *Exception) error {
			return saveNilOr(e, x, func() error { return e.saveException(x, true) })
		},
		hash: func(x *Exception, _ int) (hashKey, error) {
			return identityKey(unsafe.Pointer(x), exceptionPtrType), nil
		},
		repr:  func(x *Exception, depth int) string { return x.Class.Name + repr(x.Args, depth+1) },
		equal: func(a *Exception, b any, seen visited) bool { return equalExceptions(a, b, seen) },
	}.declare()
	form[Exception]{
		name:   "exception",
		nameOf: func(x Exception) string { return x.Class.String() },
		encode: func(e *encoder, x Exception) error { return e.saveException(&x, false) },
		repr:   func(x Exception, depth int) string { return x.Class.Name + repr(x.Args, depth+1) },
		equal:  func(a Exception, b any, seen visited) bool { return equalExceptions(&a, b, seen) },
	}.declare()
	for name := range builtinExceptions {
		declareClass(exceptionClass, Global{"builtins", name})
	}
	declareClass(exceptionClass, Global{"queue", "Empty"}, Global{"queue", "Full"})
	classMatchers = append(classMatchers, func(g Global) *pyClass {
		if (g.Module == "multiprocessing" || strings.HasPrefix(g.Module, "multiprocessing.")) && mpExceptions[g.Name] {
			return exceptionClass
		}
		return nil
	})
}

// exceptionClass decodes Class(*args), and Class.__new__(Class, *args).
var exceptionClass = &pyClass{reduce: newException, newobj: newException}

func newException(m *machine, pos int, cls val, args []val) (val, bool, error) {
	v := m.newNode(nException, pos)
	m.nodes[v.n].obj = &objData{class: cls, args: args}
	return v, true, nil
}

func equalExceptions(x *Exception, b any, seen visited) bool {
	var y *Exception
	switch e := b.(type) {
	case *Exception:
		y = e
	case Exception:
		y = &e
	default:
		return false
	}
	return x == y || x.Class == y.Class && equal(x.Args, y.Args, seen) && equal(x.State, y.State, seen)
}

// saveException writes Class(*Args), then BUILD State when there is one,
// as BaseException.__reduce__ has CPython write it.
func (e *encoder) saveException(x *Exception, ident bool) error {
	k, done := e.recall(unsafe.Pointer(x), tidExceptionPtr, ident)
	if done {
		return nil
	}
	if err := e.enter(); err != nil {
		return err
	}
	if err := e.saveGlobal(x.Class); err != nil {
		return withPath(err, ".Class")
	}
	if err := e.saveInner(x.Args); err != nil {
		return withPath(err, ".Args")
	}
	e.op(opReduce)
	if e.recursed(k) {
		return nil
	}
	e.memoPutRef(k)
	if x.State != nil {
		if err := e.save(x.State); err != nil {
			return withPath(err, ".State")
		}
		e.op(opBuild)
	}
	e.leave()
	return nil
}

var builtinExceptions = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`ArithmeticError AssertionError AttributeError BaseException
	BaseExceptionGroup BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError
	ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError
	DeprecationWarning EOFError EncodingWarning EnvironmentError Exception ExceptionGroup
	FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError
	ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError
	KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError
	NotADirectoryError NotImplementedError OSError OverflowError PendingDeprecationWarning
	PermissionError ProcessLookupError PythonFinalizationError RecursionError ReferenceError
	ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration SyntaxError
	SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError UnboundLocalError
	UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning
	UserWarning ValueError Warning ZeroDivisionError WindowsError VMSError`) {
		m[n] = true
	}
	return m
}()

var mpExceptions = map[string]bool{
	"RemoteError": true, "AuthenticationError": true, "ProcessError": true,
	"BufferTooShort": true, "TimeoutError": true,
}
