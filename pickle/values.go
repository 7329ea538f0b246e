package pickle

import (
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Tuple is a Python tuple.
type Tuple []any

// ByteArray is a Python bytearray; []byte is a Python bytes.
type ByteArray []byte

// Global names a module-level Python object, such as builtins.int or a class.
type Global struct {
	Module, Name string
}

func (g Global) String() string { return g.Module + "." + g.Name }

// String renders the tuple as Python does: (1, 'two').
func (t Tuple) String() string { return pyRepr(t) }

// Object is an instance of a class with no Go counterpart. It keeps everything
// the pickle said about it, so encoding it again gives Python the same object.
type Object struct {
	// Class is the callable that builds the object: a Global in every pickle
	// CPython writes for a class instance.
	Class any
	// New records how it is built: true for cls.__new__(cls, *Args, **Kwargs)
	// (NEWOBJ, NEWOBJ_EX), false for Class(*Args) (REDUCE, INST, OBJ).
	New    bool
	Args   Tuple
	Kwargs *Dict
	// State is what BUILD applied (usually the instance __dict__ as a *Dict,
	// or a Tuple of (dict, slots)); nil when there was no BUILD.
	State any
	// ListItems and DictItems hold what APPEND(S) and SETITEM(S) added to
	// the object after it was built (list and dict subclasses).
	ListItems []any
	DictItems *Dict
}

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

// Decimal is a decimal.Decimal, kept as its exact text ("1.10", "NaN", "-Infinity").
type Decimal string

// UUID is a uuid.UUID.
type UUID [16]byte

func (u UUID) String() string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// Date is a datetime.date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// TimeOfDay is a datetime.time. Location is nil for a naive time.
type TimeOfDay struct {
	Hour, Minute, Second, Microsecond int
	Location                          *time.Location
	Fold                              int
}

// reprDepth bounds how deep pyRepr descends: a hostile pickle can nest or
// loop values, and an error message must not overflow the stack printing them.
const reprDepth = 8

// pyRepr gives a Python-like repr for error messages and debugging; what lies
// deeper than reprDepth is shown as "...", as Python shows a cycle.
func pyRepr(v any) string { return repr(v, 0) }

func repr(v any, depth int) string {
	if depth > reprDepth {
		return "..."
	}
	seq := func(items []any) []string {
		parts := make([]string, len(items))
		for i, e := range items {
			parts[i] = repr(e, depth+1)
		}
		return parts
	}
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return "'" + strings.ReplaceAll(x, "'", `\'`) + "'"
	case []byte:
		return "b" + repr(string(x), depth)
	case *big.Int:
		return x.String()
	case Tuple:
		parts := seq(x)
		if len(x) == 1 {
			return "(" + parts[0] + ",)"
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case []any:
		return "[" + strings.Join(seq(x), ", ") + "]"
	case *Dict:
		parts := make([]string, 0, x.Len())
		for _, it := range x.Items() {
			parts = append(parts, repr(it.Key, depth+1)+": "+repr(it.Value, depth+1))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *Exception:
		return x.Class.Name + repr(x.Args, depth+1)
	case Global:
		return "<" + x.String() + ">"
	case *Set:
		if x.Len() == 0 {
			return "set()"
		}
		return "{" + strings.Join(seq(x.Items()), ", ") + "}"
	case *FrozenSet:
		if x.Len() == 0 {
			return "frozenset()"
		}
		return "frozenset(" + repr(&x.s, depth) + ")"
	case *Object:
		return "<" + pyTypeName(x) + " object>"
	default:
		return fmt.Sprint(v)
	}
}
