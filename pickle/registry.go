package pickle

import (
	"fmt"
	"reflect"
	"sync"
)

// Registry maps Python classes to Go types, both ways: an instance of a
// registered class decodes into its Go type, and a value of that Go type is
// pickled as CPython pickles an instance of the class, so that CPython loads
// it back. How CPython builds the instance depends on the kind of class;
// Register's options say which:
//
//   - a plain class or a dataclass (the default): cls.__new__(cls), then the
//     struct's fields as the instance's __dict__ (NEWOBJ, BUILD);
//   - AsNamedTuple: a collections.namedtuple or typing.NamedTuple, built as
//     cls.__new__(cls, *fields) from the struct's fields in order;
//   - AsEnum: an enum.Enum member, built as cls(value).
//
// RegisterException makes instances of an exception class decode to
// *Exception, which implements error.
//
// The zero Registry is empty and ready to use. Register everything before
// use; a Registry is then safe for concurrent use.
type Registry struct {
	mu         sync.RWMutex
	byClass    map[Global]reflect.Type
	byType     map[reflect.Type]registered
	exceptions map[Global]bool
}

// registered is what the Registry knows of a Go type.
type registered struct {
	class Global
	kind  classKind
}

// classKind is how CPython builds an instance of a class when it unpickles one.
type classKind uint8

const (
	kindInstance   classKind = iota // cls.__new__(cls); BUILD with the __dict__
	kindNamedTuple                  // cls.__new__(cls, *fields)
	kindEnum                        // cls(value)
)

// RegisterOption says what kind of Python class Register maps.
type RegisterOption func(*registered)

// AsNamedTuple registers a namedtuple (collections.namedtuple,
// typing.NamedTuple, or any tuple subclass pickled by its items): the Go
// struct's fields, in declaration order, are the tuple's items.
func AsNamedTuple() RegisterOption { return func(r *registered) { r.kind = kindNamedTuple } }

// AsEnum registers an enum.Enum (or IntEnum, Flag, ...): a member is pickled
// as cls(value). The Go type is either a bool, number or string type whose
// value is the member's value (type Color int), or a struct with exactly one
// field holding it.
func AsEnum() RegisterOption { return func(r *registered) { r.kind = kindEnum } }

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

// Register maps module.name to the type of prototype (a struct value or a
// pointer to one; for AsEnum also a bool, number or string type). A class
// or type may be registered once.
func (r *Registry) Register(module, name string, prototype any, opts ...RegisterOption) error {
	t := reflect.TypeOf(prototype)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	reg := registered{class: Global{module, name}}
	for _, o := range opts {
		if o != nil {
			o(&reg)
		}
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("pickle: Register(%q, %q): %s", module, name, fmt.Sprintf(format, args...))
	}
	if module == "" || name == "" {
		return fail("module and class name must not be empty")
	}
	switch {
	case t == nil:
		return fail("want a struct or pointer to struct, got %T", prototype)
	case reg.kind == kindEnum && t.Kind() == reflect.Struct:
		if n := len(buildFields(t).list); n != 1 {
			return fail("an enum's struct must have exactly one field (the member's value), %v has %d", t, n)
		}
	case reg.kind == kindEnum:
		if !isScalarKind(t.Kind()) || t.PkgPath() == "" {
			return fail("an enum's Go type must be a bool, number or string type of its own (type Color int), or a struct of one field; got %v", t)
		}
	case t.Kind() != reflect.Struct:
		return fail("want a struct or pointer to struct, got %T", prototype)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.byClass[reg.class]; ok {
		return fail("class %s is already registered to %v", reg.class, old)
	}
	if r.exceptions[reg.class] {
		return fail("class %s is already registered as an exception", reg.class)
	}
	if old, ok := r.byType[t]; ok {
		return fail("type %v is already registered as %s", t, old.class)
	}
	if r.byClass == nil {
		r.byClass, r.byType = map[Global]reflect.Type{}, map[reflect.Type]registered{}
	}
	r.byClass[reg.class] = t
	r.byType[t] = reg
	return nil
}

// RegisterException makes instances of the exception class module.name
// (queue.Empty, or an application's own exception classes) decode to
// *Exception, as the built-in exceptions do, instead of *Object.
func (r *Registry) RegisterException(module, name string) error {
	g := Global{module, name}
	if module == "" || name == "" {
		return fmt.Errorf("pickle: RegisterException(%q, %q): module and class name must not be empty", module, name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.byClass[g]; ok {
		return fmt.Errorf("pickle: RegisterException: class %s is already registered to %v", g, old)
	}
	if r.exceptions == nil {
		r.exceptions = map[Global]bool{}
	}
	r.exceptions[g] = true
	return nil
}

// TypeFor returns the Go type registered for a class.
func (r *Registry) TypeFor(class Global) (reflect.Type, bool) {
	if r == nil {
		return nil, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.byClass[class]
	return t, ok
}

// ClassFor returns the class registered for a Go type (pointers are looked
// through).
func (r *Registry) ClassFor(t reflect.Type) (Global, bool) {
	reg, ok := r.lookupType(t)
	return reg.class, ok
}

func (r *Registry) lookupType(t reflect.Type) (registered, bool) {
	if r == nil {
		return registered{}, false
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	reg, ok := r.byType[t]
	return reg, ok
}

// isException reports whether class was registered with RegisterException.
func (r *Registry) isException(class Global) bool {
	if r == nil {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.exceptions[class]
}

func isScalarKind(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}
