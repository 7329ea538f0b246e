package managers

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/mpconn/mpconn/pickle"
)

// Reflect makes any Go value an Object whose exported methods Python calls
// by their snake_case names: Add is add, TaskDone is task_done, HTTPGet is
// http_get. A method may take a context.Context first (it ends when the
// channel closes or the server stops), then either one *Call (the raw call,
// keyword arguments included) or any number of parameters, the last of them
// variadic if it likes; it returns nothing, a result, an error, or both.
// Positional arguments are decoded into the parameters' types with package
// pickle's rules (an int into an int64 with overflow checks, a dict into a
// struct or a map, …); a parameter of interface type gets the value as
// decoded. Arguments that do not fit are Python's TypeError. Methods of
// other shapes are not exposed.
//
// A Server wraps every referent that is not an Object with Reflect, so
// registering a Go value is enough; Reflect is exported for Objects that
// delegate to one.
func Reflect(v any) (Object, error) {
	if v == nil {
		return nil, fmt.Errorf("managers: Reflect(nil)")
	}
	rv := reflect.ValueOf(v)
	return &reflectObject{v: rv, methods: reflectMethods(rv.Type())}, nil
}

// asObject is the Object a referent is served as.
func asObject(v any) (Object, error) {
	if o, ok := v.(Object); ok {
		return o, nil
	}
	return Reflect(v)
}

type reflectObject struct {
	v       reflect.Value
	methods *methodSet
}

// methodSet is what reflection found on a type, computed once per type.
type methodSet struct {
	byName map[string]reflectMethod
	names  []string
}

type reflectMethod struct {
	index    int // in the type's method set
	ctx      bool
	raw      bool           // takes *Call
	params   []reflect.Type // after ctx
	variadic bool
	result   bool
	err      bool
}

var (
	methodSetCache sync.Map // reflect.Type → *methodSet
	ctxType        = reflect.TypeFor[context.Context]()
	callType       = reflect.TypeFor[*Call]()
	errorType      = reflect.TypeFor[error]()
)

func reflectMethods(t reflect.Type) *methodSet {
	if ms, ok := methodSetCache.Load(t); ok {
		return ms.(*methodSet)
	}
	ms := &methodSet{byName: map[string]reflectMethod{}}
	for i := range t.NumMethod() {
		m := t.Method(i)
		rm, ok := shapeOf(m.Type)
		if !ok {
			continue
		}
		rm.index = i
		name := snakeCase(m.Name)
		ms.byName[name] = rm
		ms.names = append(ms.names, name)
	}
	slices.Sort(ms.names)
	actual, _ := methodSetCache.LoadOrStore(t, ms)
	return actual.(*methodSet)
}

// shapeOf checks a method's signature (receiver first).
func shapeOf(ft reflect.Type) (reflectMethod, bool) {
	var rm reflectMethod
	in := make([]reflect.Type, 0, ft.NumIn()-1)
	for i := 1; i < ft.NumIn(); i++ {
		in = append(in, ft.In(i))
	}
	if len(in) > 0 && in[0] == ctxType {
		rm.ctx, in = true, in[1:]
	}
	if len(in) == 1 && in[0] == callType {
		rm.raw = true
	} else {
		for _, p := range in {
			if p == ctxType || p == callType {
				return rm, false
			}
		}
		rm.params, rm.variadic = in, ft.IsVariadic()
	}
	switch ft.NumOut() {
	case 0:
	case 1:
		if ft.Out(0) == errorType {
			rm.err = true
		} else {
			rm.result = true
		}
	case 2:
		if ft.Out(1) != errorType {
			return rm, false
		}
		rm.result, rm.err = true, true
	default:
		return rm, false
	}
	return rm, true
}

// snakeCase turns a Go method name into a Python one.
func snakeCase(name string) string {
	runes := []rune(name)
	var b strings.Builder
	for i, r := range runes {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && !unicode.IsUpper(runes[i-1])
			nextLower := i > 0 && i+1 < len(runes) && unicode.IsLower(runes[i+1])
			if prevLower || nextLower {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (o *reflectObject) CallMethod(ctx context.Context, c *Call) (any, error) {
	rm, ok := o.methods.byName[c.Method]
	if !ok {
		return nil, ErrNoMethod
	}
	in := make([]reflect.Value, 0, len(rm.params)+2)
	if rm.ctx {
		in = append(in, reflect.ValueOf(ctx))
	}
	if rm.raw {
		in = append(in, reflect.ValueOf(c))
	} else {
		args, err := rm.bind(c)
		if err != nil {
			return nil, err
		}
		in = append(in, args...)
	}
	out := o.v.Method(rm.index).Call(in)
	var res any
	var err error
	if rm.result {
		res = out[0].Interface()
	}
	if rm.err {
		if e := out[len(out)-1]; !e.IsNil() {
			err = e.Interface().(error)
		}
	}
	return res, err
}

// bind decodes the positional arguments into the parameters' types.
func (rm reflectMethod) bind(c *Call) ([]reflect.Value, error) {
	if c.Kwargs != nil {
		return nil, raisef(ErrTypeError, "%s() takes no keyword arguments", c.Method)
	}
	n, fixed := len(c.Args), len(rm.params)
	if rm.variadic {
		fixed--
	}
	if n < fixed || (!rm.variadic && n > fixed) {
		return nil, raisef(ErrTypeError, "%s() takes %d positional arguments but %d were given", c.Method, fixed, n)
	}
	out := make([]reflect.Value, n)
	for i, a := range c.Args {
		t := rm.params[min(i, len(rm.params)-1)]
		if i >= fixed && rm.variadic {
			t = t.Elem()
		}
		v, err := convertArg(a, t)
		if err != nil {
			return nil, raisef(ErrTypeError, "%s() argument %d: %v", c.Method, i+1, err)
		}
		out[i] = v
	}
	return out, nil
}

// convertArg makes a decoded value a value of type t: directly when it is
// one, else through package pickle's typed decoding of its pickle.
func convertArg(a any, t reflect.Type) (reflect.Value, error) {
	if a == nil {
		return reflect.Zero(t), nil
	}
	if v := reflect.ValueOf(a); v.Type().AssignableTo(t) {
		return v, nil
	}
	data, err := pickle.Marshal(a)
	if err != nil {
		return reflect.Value{}, err
	}
	ptr := reflect.New(t)
	if err := pickle.Unmarshal(data, ptr.Interface()); err != nil {
		return reflect.Value{}, err
	}
	return ptr.Elem(), nil
}

func (o *reflectObject) Exposed() []string { return slices.Clone(o.methods.names) }

func (o *reflectObject) PyRepr() string { return fmt.Sprintf("<%s object>", o.v.Type()) }
