package managers

import (
	"context"
	"sync"

	"github.com/mpconn/mpconn/pickle"
)

// Set is SyncManager's set (new in Python 3.14): a Go set with Python's
// element equality, its operators and methods.
type Set struct {
	mu sync.Mutex
	s  *pickle.Set
}

func newSet(_ context.Context, c *Call) (any, error) {
	args, err := c.bind(param{"iterable", pickle.Tuple{}})
	if err != nil {
		return nil, err
	}
	s, err := toSet(args[0])
	if err != nil {
		return nil, err
	}
	return &Set{s: s}, nil
}

// toSet makes a new set of an iterable's items.
func toSet(v any) (*pickle.Set, error) {
	items, ok := iterate(v)
	if !ok {
		return nil, raisef(ErrTypeError, "'%s' object is not iterable", typeName(v))
	}
	out, _ := pickle.NewSet()
	for _, it := range items {
		if err := out.Add(it); err != nil {
			return nil, unhashable(it, err)
		}
	}
	return out, nil
}

// isSetValue reports whether v is a set or frozenset, the operands Python's
// set operators accept.
func isSetValue(v any) bool {
	switch v.(type) {
	case *pickle.Set, *pickle.FrozenSet:
		return true
	}
	return false
}

func setOf(items []any) *pickle.Set {
	out, _ := pickle.NewSet()
	for _, it := range items {
		_ = out.Add(it) // already members of a set: hashable
	}
	return out
}

// combine builds a new set from a and the items of b.
func combine(a *pickle.Set, b *pickle.Set, op byte) *pickle.Set {
	var out []any
	switch op {
	case '|':
		out = append(a.Items(), b.Items()...)
	case '&':
		for _, it := range a.Items() {
			if b.Has(it) {
				out = append(out, it)
			}
		}
	case '-':
		for _, it := range a.Items() {
			if !b.Has(it) {
				out = append(out, it)
			}
		}
	case '^':
		for _, it := range a.Items() {
			if !b.Has(it) {
				out = append(out, it)
			}
		}
		for _, it := range b.Items() {
			if !a.Has(it) {
				out = append(out, it)
			}
		}
	}
	return setOf(out)
}

func subset(a, b *pickle.Set) bool {
	for _, it := range a.Items() {
		if !b.Has(it) {
			return false
		}
	}
	return true
}

// setOp is a method combining the set with other sets or iterables.
type setOp struct {
	op        byte
	reflected bool // other OP self
	inPlace   bool // updates the set
	operator  bool // a binary operator: sets only, else NotImplemented
	variadic  bool // union(*others) and friends
}

func (s *Set) apply(c *Call, o setOp) (any, error) {
	others := c.Args
	if !o.variadic {
		args, err := c.bind(pValue)
		if err != nil {
			return nil, err
		}
		others = args
	} else if c.Kwargs != nil {
		return nil, raisef(ErrTypeError, "%s() takes no keyword arguments", c.Method)
	}
	sets := make([]*pickle.Set, len(others))
	for i, other := range others {
		if o.operator && !isSetValue(other) {
			return notImplemented, nil
		}
		var err error
		if sets[i], err = toSet(other); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	result := setOf(s.s.Items())
	for _, other := range sets {
		if o.reflected {
			result = combine(other, result, o.op)
		} else {
			result = combine(result, other, o.op)
		}
	}
	if o.inPlace {
		s.s = result
		if o.operator {
			return setOf(result.Items()), nil
		}
		return nil, nil
	}
	return result, nil
}

// compareWith is a comparison or subset test against another set.
func (s *Set) compareWith(c *Call, operator bool, test func(mine, other *pickle.Set) bool) (any, error) {
	args, err := c.bind(pValue)
	if err != nil {
		return nil, err
	}
	if operator && !isSetValue(args[0]) {
		return notImplemented, nil
	}
	other, err := toSet(args[0])
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return test(s.s, other), nil
}

func setOpMethod(o setOp) func(*Set, context.Context, *Call) (any, error) {
	return func(s *Set, _ context.Context, c *Call) (any, error) { return s.apply(c, o) }
}

func setCompare(operator bool, test func(mine, other *pickle.Set) bool) func(*Set, context.Context, *Call) (any, error) {
	return func(s *Set, _ context.Context, c *Call) (any, error) { return s.compareWith(c, operator, test) }
}

// element runs f on the set with one element argument.
func (s *Set) element(c *Call, f func(v any) (any, error)) (any, error) {
	args, err := c.bind(param{"element", noDefault})
	if err != nil {
		return nil, err
	}
	if err := checkHashable(args[0]); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(args[0])
}

var setMethods = methodTable[*Set]{
	"__or__":                      setOpMethod(setOp{op: '|', operator: true}),
	"__ror__":                     setOpMethod(setOp{op: '|', operator: true, reflected: true}),
	"__ior__":                     setOpMethod(setOp{op: '|', operator: true, inPlace: true}),
	"__and__":                     setOpMethod(setOp{op: '&', operator: true}),
	"__rand__":                    setOpMethod(setOp{op: '&', operator: true, reflected: true}),
	"__iand__":                    setOpMethod(setOp{op: '&', operator: true, inPlace: true}),
	"__sub__":                     setOpMethod(setOp{op: '-', operator: true}),
	"__rsub__":                    setOpMethod(setOp{op: '-', operator: true, reflected: true}),
	"__isub__":                    setOpMethod(setOp{op: '-', operator: true, inPlace: true}),
	"__xor__":                     setOpMethod(setOp{op: '^', operator: true}),
	"__rxor__":                    setOpMethod(setOp{op: '^', operator: true, reflected: true}),
	"__ixor__":                    setOpMethod(setOp{op: '^', operator: true, inPlace: true}),
	"union":                       setOpMethod(setOp{op: '|', variadic: true}),
	"update":                      setOpMethod(setOp{op: '|', variadic: true, inPlace: true}),
	"intersection":                setOpMethod(setOp{op: '&', variadic: true}),
	"intersection_update":         setOpMethod(setOp{op: '&', variadic: true, inPlace: true}),
	"difference":                  setOpMethod(setOp{op: '-', variadic: true}),
	"difference_update":           setOpMethod(setOp{op: '-', variadic: true, inPlace: true}),
	"symmetric_difference":        setOpMethod(setOp{op: '^'}),
	"symmetric_difference_update": setOpMethod(setOp{op: '^', inPlace: true}),
	"__le__":                      setCompare(true, subset),
	"__ge__":                      setCompare(true, func(a, b *pickle.Set) bool { return subset(b, a) }),
	"__lt__":                      setCompare(true, func(a, b *pickle.Set) bool { return a.Len() < b.Len() && subset(a, b) }),
	"__gt__":                      setCompare(true, func(a, b *pickle.Set) bool { return a.Len() > b.Len() && subset(b, a) }),
	"issubset":                    setCompare(false, subset),
	"issuperset":                  setCompare(false, func(a, b *pickle.Set) bool { return subset(b, a) }),
	"isdisjoint":                  setCompare(false, func(a, b *pickle.Set) bool { return combine(a, b, '&').Len() == 0 }),
	"__contains__": func(s *Set, _ context.Context, c *Call) (any, error) {
		return s.element(c, func(v any) (any, error) { return s.s.Has(v), nil })
	},
	"add": func(s *Set, _ context.Context, c *Call) (any, error) {
		return s.element(c, func(v any) (any, error) { return nil, s.s.Add(v) })
	},
	"discard": func(s *Set, _ context.Context, c *Call) (any, error) {
		return s.element(c, func(v any) (any, error) {
			s.s.Remove(v)
			return nil, nil
		})
	},
	"remove": func(s *Set, _ context.Context, c *Call) (any, error) {
		return s.element(c, func(v any) (any, error) {
			if !s.s.Remove(v) {
				return nil, Raise(ErrKeyError, v)
			}
			return nil, nil
		})
	},
	"pop": func(s *Set, _ context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		items := s.s.Items()
		if len(items) == 0 {
			return nil, Raise(ErrKeyError, "pop from an empty set")
		}
		s.s.Remove(items[0])
		return items[0], nil
	},
	"clear": func(s *Set, _ context.Context, c *Call) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.s, _ = pickle.NewSet()
		return nil, c.noArgs()
	},
	"copy": func(s *Set, _ context.Context, c *Call) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return setOf(s.s.Items()), c.noArgs()
	},
	"__len__": func(s *Set, _ context.Context, c *Call) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.s.Len(), c.noArgs()
	},
}

// CallMethod serves SetProxy's methods.
func (s *Set) CallMethod(ctx context.Context, c *Call) (any, error) {
	return setMethods.call(s, ctx, c)
}

// Exposed is SetProxy's list (Python 3.14).
func (s *Set) Exposed() []string {
	return []string{"__and__", "__class_getitem__", "__contains__", "__iand__", "__ior__", "__isub__",
		"__iter__", "__ixor__", "__len__", "__or__", "__rand__", "__ror__", "__rsub__", "__rxor__", "__sub__",
		"__xor__", "__ge__", "__gt__", "__le__", "__lt__", "add", "clear", "copy", "difference",
		"difference_update", "discard", "intersection", "intersection_update", "isdisjoint", "issubset",
		"issuperset", "pop", "remove", "symmetric_difference", "symmetric_difference_update", "union", "update"}
}

// PyRepr is the set's repr.
func (s *Set) PyRepr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return repr(s.s)
}

// PyValue is a copy of the set.
func (s *Set) PyValue() (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return setOf(s.s.Items()), nil
}

func (s *Set) pyTypeName() string { return "set" }
