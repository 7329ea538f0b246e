package pickle

import (
	"fmt"
	"reflect"
)

// The value model is described type by type, one family to a file
// (type_*.go). Each Python type this package gives a Go form says, once:
//
//   - for the decoder, which classes or functions a pickle calls to build
//     it and how it is built from their arguments (a pyClass, looked up
//     once per GLOBAL and kept in its node);
//   - for each Go type that carries it, how it is written, hashed as a dict
//     key, compared, named and shown (a goForm, looked up once per Go type).
//
// Everything else reads these descriptions: the machine's REDUCE, NEWOBJ
// and BUILD, the encoder's dispatch, Dict and Set keys, Equal, error
// messages and repr. A new type is one new file.

// A pyClass is what the decoder makes of calling a class or function.
type pyClass struct {
	// reduce builds the value of callable(*args) (REDUCE, INST, OBJ); false
	// means a form of the call this package does not read, which stays the
	// *Object the pickle describes.
	reduce func(m *machine, pos int, callable val, args []val) (val, bool, error)
	// newobj builds the value of cls.__new__(cls, *args) (NEWOBJ); nil or
	// false: an *Object.
	newobj func(m *machine, pos int, cls val, args []val) (val, bool, error)
	// build turns the state BUILD gives an instance of the class into a
	// value of the model (a uuid.UUID from its {'int': n}); false keeps the
	// *Object.
	build func(m *machine, state val) (any, bool)
}

// classes maps the (Python 3) names of the classes and functions the
// decoder knows to their descriptions; classMatchers recognize families
// too open to list (the exceptions of multiprocessing's modules).
var (
	classes       = map[Global]*pyClass{}
	classMatchers []func(Global) *pyClass
)

func declareClass(c *pyClass, names ...Global) {
	for _, g := range names {
		classes[g] = c
	}
}

// builtinClass stands for the builtins with no meaning of their own to
// the decoder (int, sum, object...): Strict knows them.
var builtinClass = &pyClass{}

// classOf returns the description of a class or function, or nil for one
// the decoder does not know.
func classOf(g Global) *pyClass {
	if c, ok := classes[g]; ok {
		return c
	}
	for _, match := range classMatchers {
		if c := match(g); c != nil {
			return c
		}
	}
	if g.Module == "builtins" {
		return builtinClass
	}
	return nil
}

// A goForm is how one Go type of the value model carries its Python value.
type goForm struct {
	py          string // the Python type's name (see name)
	name        func(v any) string
	encode      func(e *encoder, v any) error
	encodeValue encoderFunc                             // the same, for a value reached by reflection
	hash        func(v any, depth int) (hashKey, error) // nil: unhashable
	repr        func(v any, depth int) string
	equal       func(a, b any, seen visited) bool
	number      bool // equal to every number of the same value, whatever its type
}

// forms maps each Go type of the value model to its form.
var forms = map[reflect.Type]*goForm{}

func formOf(v any) *goForm { return forms[reflect.TypeOf(v)] }

// form is the typed description of Go type T, from which declare derives
// its goForm.
type form[T any] struct {
	name   string         // the Python type's name
	nameOf func(T) string // the name of a value's own class, when it has one
	encode func(*encoder, T) error
	hash   func(T, int) (hashKey, error) // nil: unhashable, as Python's mutable types
	repr   func(T, int) string
	equal  func(T, any, visited) bool // b of any type; nil: numbers compare by value
}

func (f form[T]) declare() {
	name := f.nameOf
	if name == nil {
		name = func(T) string { return f.name }
	}
	g := &goForm{
		py:     f.name,
		name:   func(v any) string { return name(v.(T)) },
		encode: func(e *encoder, v any) error { return f.encode(e, v.(T)) },
		encodeValue: func(e *encoder, rv reflect.Value, _ refKey) error {
			if rv.CanAddr() {
				return f.encode(e, *(*T)(rv.Addr().UnsafePointer()))
			}
			v, err := valueInterface(rv)
			if err != nil {
				return err
			}
			return f.encode(e, v.(T))
		},
		repr: func(v any, depth int) string { return f.repr(v.(T), depth) },
	}
	if f.hash != nil {
		g.hash = func(v any, depth int) (hashKey, error) { return f.hash(v.(T), depth) }
	}
	if f.equal != nil {
		g.equal = func(a, b any, seen visited) bool { return f.equal(a.(T), b, seen) }
	} else {
		g.number = true
		g.equal = func(a, b any, _ visited) bool { return numbersEqual(a, b) }
	}
	forms[reflect.TypeFor[T]()] = g
}

// pyTypeName names the Python type a Go value stands for, for messages.
func pyTypeName(v any) string {
	if v == nil {
		return "NoneType"
	}
	if f := formOf(v); f != nil {
		return f.name(v)
	}
	return reflectTypeName(reflect.TypeOf(v))
}

// reflectTypeName names the Python type Marshal makes of a Go type outside
// the value model.
func reflectTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "int"
	case reflect.Float32, reflect.Float64:
		return "float"
	case reflect.Complex64, reflect.Complex128:
		return "complex"
	case reflect.String:
		return "str"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "bytes"
		}
		return "list"
	case reflect.Map, reflect.Struct:
		return "dict"
	}
	return fmt.Sprintf("%v", t)
}
