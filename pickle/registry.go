package pickle

import (
	"fmt"
	"reflect"
	"sync"
)

// Registry maps Python classes to Go types, both ways: a registered Go value
// is pickled as an instance of its class (exactly as CPython's pickler writes
// a plain instance: class, NEWOBJ, __dict__ state, BUILD), and an instance of
// a registered class decodes into the Go type. Register everything before
// use; a Registry is then safe for concurrent use. The zero value is an empty
// registry ready to use.
type Registry struct {
	mu      sync.RWMutex
	byClass map[Global]reflect.Type
	byType  map[reflect.Type]Global
}

// NewRegistry returns an empty registry. The zero Registry is empty and
// ready to use too.
func NewRegistry() *Registry { return &Registry{} }

// Register maps module.name to the type of prototype (a struct value, or a
// pointer to one). A class or type may be registered once.
func (r *Registry) Register(module, name string, prototype any) error {
	t := reflect.TypeOf(prototype)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return fmt.Errorf("pickle: Register(%q, %q): want a struct or pointer to struct, got %T", module, name, prototype)
	}
	if module == "" || name == "" {
		return fmt.Errorf("pickle: Register: module and class name must not be empty")
	}
	g := Global{module, name}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.byClass[g]; ok {
		return fmt.Errorf("pickle: Register: class %s is already registered to %v", g, old)
	}
	if old, ok := r.byType[t]; ok {
		return fmt.Errorf("pickle: Register: type %v is already registered as %s", t, old)
	}
	if r.byClass == nil {
		r.byClass, r.byType = map[Global]reflect.Type{}, map[reflect.Type]Global{}
	}
	r.byClass[g] = t
	r.byType[t] = g
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

// ClassFor returns the class registered for a Go struct type (pointers are
// looked through).
func (r *Registry) ClassFor(t reflect.Type) (Global, bool) {
	if r == nil {
		return Global{}, false
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	g, ok := r.byType[t]
	return g, ok
}
