package managers

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/mpconn/mpconn/pickle"
)

// Value is SyncManager's Value: a holder of one value with a typecode that,
// as in Python's managers.Value, nothing checks.
type Value struct {
	typecode any

	mu    sync.Mutex
	value any
}

// NewValue returns a Value(typecode, value).
func NewValue(typecode string, value any) *Value { return &Value{typecode: typecode, value: value} }

var valueClass = pickle.Global{Module: "multiprocessing.managers", Name: "Value"}

func newValue(_ context.Context, c *Call) (any, error) {
	args, err := c.bind(param{"typecode", noDefault}, param{"value", noDefault}, param{"lock", true})
	if err != nil {
		return nil, err
	}
	return &Value{typecode: args[0], value: args[1]}, nil
}

// Get returns the value.
func (v *Value) Get() any {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.value
}

// Set replaces the value.
func (v *Value) Set(x any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.value = x
}

var valueMethods = methodTable[*Value]{
	"get": func(v *Value, _ context.Context, c *Call) (any, error) { return v.Get(), c.noArgs() },
	"set": func(v *Value, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(pValue)
		if err != nil {
			return nil, err
		}
		v.Set(args[0])
		return nil, nil
	},
}

// CallMethod serves get and set.
func (v *Value) CallMethod(ctx context.Context, c *Call) (any, error) {
	return valueMethods.call(v, ctx, c)
}

// Exposed is ValueProxy's list.
func (v *Value) Exposed() []string { return []string{"get", "set"} }

// PyRepr is Value's repr: Value('i', 7).
func (v *Value) PyRepr() string { return v.reprFor(false) }

func (v *Value) reprFor(py2 bool) string {
	return "Value(" + reprFor(v.typecode, py2) + ", " + reprFor(v.Get(), py2) + ")"
}

// PyValue is the Value instance itself, pickled as Python pickles one.
func (v *Value) PyValue() (any, error) {
	state := pickle.NewDict(2)
	_ = state.Set("_typecode", v.typecode)
	_ = state.Set("_value", v.Get())
	return &pickle.Object{Class: valueClass, New: true, Args: pickle.Tuple{}, State: state}, nil
}

func (v *Value) pyTypeName() string { return "Value" }

// Namespace is SyncManager's Namespace: attributes by name.
type Namespace struct {
	mu    sync.Mutex
	attrs *pickle.Dict
}

var namespaceClass = pickle.Global{Module: "multiprocessing.managers", Name: "Namespace"}

// NewNamespace returns a Namespace with no attributes.
func NewNamespace() *Namespace { return &Namespace{attrs: pickle.NewDict(0)} }

func newNamespace(_ context.Context, c *Call) (any, error) {
	if len(c.Args) > 0 {
		return nil, raisef(ErrTypeError, "Namespace.__init__() takes 1 positional argument but %d were given", len(c.Args)+1)
	}
	ns := NewNamespace()
	if c.Kwargs != nil {
		for k, v := range c.Kwargs.All() {
			name, _ := asText(k)
			_ = ns.attrs.Set(name, v)
		}
	}
	return ns, nil
}

// attrName reads an attribute name, which must be a str.
func attrName(v any) (string, error) {
	name, ok := asText(v)
	if !ok {
		return "", raisef(ErrTypeError, "attribute name must be string, not '%s'", typeName(v))
	}
	return name, nil
}

func noAttribute(name string) error {
	return raisef(ErrAttributeError, "'Namespace' object has no attribute '%s'", name)
}

var pName = param{"name", noDefault}

// withName binds a method whose first parameter is an attribute name and
// runs f with the namespace locked.
func (ns *Namespace) withName(c *Call, f func(name string, args []any) (any, error), params ...param) (any, error) {
	args, err := c.bind(append([]param{pName}, params...)...)
	if err != nil {
		return nil, err
	}
	name, err := attrName(args[0])
	if err != nil {
		return nil, err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return f(name, args[1:])
}

var namespaceMethods = methodTable[*Namespace]{
	"__getattribute__": func(ns *Namespace, _ context.Context, c *Call) (any, error) {
		return ns.withName(c, func(name string, _ []any) (any, error) {
			if v, ok := ns.attrs.Get(name); ok {
				return v, nil
			}
			switch name {
			case "__dict__":
				return ns.copyAttrs(), nil
			case "__class__":
				return namespaceClass, nil
			}
			return nil, noAttribute(name)
		})
	},
	"__setattr__": func(ns *Namespace, _ context.Context, c *Call) (any, error) {
		return ns.withName(c, func(name string, args []any) (any, error) {
			return nil, ns.attrs.Set(name, args[0])
		}, pValue)
	},
	"__delattr__": func(ns *Namespace, _ context.Context, c *Call) (any, error) {
		return ns.withName(c, func(name string, _ []any) (any, error) {
			if !ns.attrs.Delete(name) {
				return nil, noAttribute(name)
			}
			return nil, nil
		})
	},
}

func (ns *Namespace) copyAttrs() *pickle.Dict {
	out := pickle.NewDict(ns.attrs.Len())
	for k, v := range ns.attrs.All() {
		_ = out.Set(k, v)
	}
	return out
}

// CallMethod serves NamespaceProxy's methods.
func (ns *Namespace) CallMethod(ctx context.Context, c *Call) (any, error) {
	return namespaceMethods.call(ns, ctx, c)
}

// Exposed is NamespaceProxy's list.
func (ns *Namespace) Exposed() []string {
	return []string{"__getattribute__", "__setattr__", "__delattr__"}
}

// PyRepr is Namespace's repr: Namespace(x=1, y=2), public names sorted.
func (ns *Namespace) PyRepr() string { return ns.reprFor(false) }

func (ns *Namespace) reprFor(py2 bool) string {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	var parts []string
	for k, v := range ns.attrs.All() {
		if name, _ := k.(string); !strings.HasPrefix(name, "_") {
			parts = append(parts, name+"="+reprFor(v, py2))
		}
	}
	slices.Sort(parts)
	return "Namespace(" + strings.Join(parts, ", ") + ")"
}

// PyValue is the Namespace instance, pickled as Python pickles one.
func (ns *Namespace) PyValue() (any, error) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return &pickle.Object{Class: namespaceClass, New: true, Args: pickle.Tuple{}, State: ns.copyAttrs()}, nil
}

func (ns *Namespace) pyTypeName() string { return "Namespace" }
