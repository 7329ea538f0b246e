package managers

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/mpconn/mpconn/pickle"
)

// Object is a referent a Server holds for its clients: proxies call its
// methods by name. CallMethod runs call.Method and returns its result, or
// an error: an *Error made by Raise (or an ExceptionType) is the exception
// the Python caller sees, any other error arrives as Exception(err.Error()),
// and ErrNoMethod says the object has no such method.
//
// CallMethod is called from one goroutine per channel at once, so an
// Object must be safe for concurrent use. A method that blocks must return
// when ctx ends: the channel has closed, or the server is stopping.
//
// An Object may also implement Exposer (the methods proxies may call, when
// its Type does not list them), Reprer (repr and str), and Valuer (what a
// proxy's _getvalue() receives).
type Object interface {
	CallMethod(ctx context.Context, call *Call) (any, error)
}

// Exposer lists the methods of an Object that proxies may call.
type Exposer interface {
	Exposed() []string
}

// Valuer gives the value a proxy's _getvalue() receives: a copy of the
// referent that pickles.
type Valuer interface {
	PyValue() (any, error)
}

// ErrNoMethod is returned by Object.CallMethod for a method the object does
// not have. The server then answers as CPython's does for a missing
// attribute: with its fallbacks (__repr__, __str__, #GETVALUE), or a
// traceback.
var ErrNoMethod = errors.New("managers: no such method")

// Call is one method call from a proxy.
type Call struct {
	Method string
	Args   []any        // positional arguments, in package pickle's value model
	Kwargs *pickle.Dict // keyword arguments (str keys), nil when none
	// Caller identifies the channel the call came on: a Python proxy's
	// thread, or a Go proxy. Objects with an owner (RLock, Condition) take
	// it as the owner's identity.
	Caller uint64

	server *Server // the server making the object, for constructors that resolve proxies
}

// param is one parameter of a Python signature: its name and default
// (required when noDefault).
type param struct {
	name string
	def  any
}

// noDefault marks a required parameter.
var noDefault = &struct{ required bool }{true}

// bind matches call's arguments with a Python signature, as Python does for
// a function def name(p1, p2=d2, ...): positional first, then keywords;
// missing required, duplicate, surplus or unknown arguments are the
// TypeError Python raises.
func (c *Call) bind(params ...param) ([]any, error) {
	if len(c.Args) > len(params) {
		return nil, raisef(ErrTypeError, "%s() takes at most %d arguments (%d given)", c.Method, len(params), len(c.Args))
	}
	out := make([]any, len(params))
	set := make([]bool, len(params))
	for i, a := range c.Args {
		out[i], set[i] = a, true
	}
	if c.Kwargs != nil {
		for k, v := range c.Kwargs.All() {
			name, _ := asText(k)
			i := indexOfParam(params, name)
			switch {
			case i < 0:
				return nil, raisef(ErrTypeError, "%s() got an unexpected keyword argument '%s'", c.Method, name)
			case set[i]:
				return nil, raisef(ErrTypeError, "%s() got multiple values for argument '%s'", c.Method, name)
			}
			out[i], set[i] = v, true
		}
	}
	for i, p := range params {
		if set[i] {
			continue
		}
		if p.def == noDefault {
			return nil, raisef(ErrTypeError, "%s() missing required argument: '%s'", c.Method, p.name)
		}
		out[i] = p.def
	}
	return out, nil
}

func indexOfParam(params []param, name string) int {
	for i, p := range params {
		if p.name == name {
			return i
		}
	}
	return -1
}

// intArg reads an int argument that Python compares with op against an int
// (so a wrong type is that comparison's TypeError).
func intArg(v any, op string) (int64, error) {
	n, ok := asInt(v)
	if !ok {
		return 0, raisef(ErrTypeError, "'%s' not supported between instances of '%s' and 'int'", op, typeName(v))
	}
	return n, nil
}

// timeoutArg binds a method whose one parameter is timeout=None (wait).
func (c *Call) timeoutArg() (timeout, error) {
	args, err := c.bind(param{"timeout", nil})
	if err != nil {
		return timeout{}, err
	}
	return parseTimeout(args[0], false)
}

// noArgs checks that a method taking no arguments got none.
func (c *Call) noArgs() error {
	_, err := c.bind()
	return err
}

// methodTable maps method names to the Go functions that implement them
// for objects of type T: the one place each Go-native object lists its
// Python methods.
type methodTable[T any] map[string]func(obj T, ctx context.Context, c *Call) (any, error)

// call runs c.Method on obj.
func (m methodTable[T]) call(obj T, ctx context.Context, c *Call) (any, error) {
	f, ok := m[c.Method]
	if !ok {
		return nil, ErrNoMethod
	}
	return f(obj, ctx, c)
}

// publicNames lists the table's public methods (not starting with _) in sorted
// order, as Python's public_methods lists an object's for AutoProxy.
func (m methodTable[T]) publicNames() []string {
	var names []string
	for n := range m {
		if !strings.HasPrefix(n, "_") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}
