package managers

import (
	"context"
	"slices"
	"sync"

	"github.com/mpconn/mpconn/pickle"
)

// List is a Go list with the semantics of Python's list: indexes and
// slices (negative ones count from the end), Python's equality for count,
// index and remove, Python's ordering for sort. It is SyncManager's list.
type List struct {
	mu    sync.Mutex
	items []any
}

// NewList returns a list holding items (which it keeps).
func NewList(items []any) *List { return &List{items: items} }

func newList(_ context.Context, c *Call) (any, error) {
	args, err := c.bind(param{"iterable", pickle.Tuple{}})
	if err != nil {
		return nil, err
	}
	items, ok := iterate(args[0])
	if !ok {
		return nil, raisef(ErrTypeError, "'%s' object is not iterable", typeName(args[0]))
	}
	return NewList(slices.Clone(items)), nil
}

// Snapshot returns a copy of the items.
func (l *List) Snapshot() []any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.items)
}

// pySlice is a decoded slice(start, stop, step).
type pySlice struct{ start, stop, step any }

func asSlice(v any) (pySlice, bool) {
	o, ok := v.(*pickle.Object)
	if !ok || o.Class != sliceClass || len(o.Args) != 3 {
		return pySlice{}, false
	}
	return pySlice{o.Args[0], o.Args[1], o.Args[2]}, true
}

// indices is slice.indices(n): the start, stop and step over a sequence of
// length n.
func (s pySlice) indices(n int) (start, stop, step int, err error) {
	bound := func(v any, def int) (int, error) {
		if v == nil {
			return def, nil
		}
		i, ok := asInt(v)
		if !ok {
			return 0, raisef(ErrTypeError, "slice indices must be integers or None or have an __index__ method")
		}
		return int(i), nil
	}
	if step, err = bound(s.step, 1); err != nil {
		return
	}
	if step == 0 {
		return 0, 0, 0, raisef(ErrValueError, "slice step cannot be zero")
	}
	lower, upper := 0, n
	if step < 0 {
		lower, upper = -1, n-1
	}
	clamp := func(i int) int {
		if i < 0 {
			i += n
			if i < lower {
				i = lower
			}
		} else if i > upper {
			i = upper
		}
		return i
	}
	defStart, defStop := lower, upper
	if step > 0 {
		defStart, defStop = 0, n
	} else {
		defStart, defStop = upper, lower
	}
	if start, err = bound(s.start, defStart); err != nil {
		return
	}
	if stop, err = bound(s.stop, defStop); err != nil {
		return
	}
	if s.start != nil {
		start = clamp(start)
	}
	if s.stop != nil {
		stop = clamp(stop)
	}
	return start, stop, step, nil
}

// positions lists the indexes a slice selects.
func (s pySlice) positions(n int) ([]int, error) {
	start, stop, step, err := s.indices(n)
	if err != nil {
		return nil, err
	}
	var out []int
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, i)
	}
	return out, nil
}

// index reads a list index: an int within the list (negative from the end).
func (l *List) index(v any, what string) (int, error) {
	i, ok := asInt(v)
	if !ok {
		return 0, raisef(ErrTypeError, "list indices must be integers or slices, not %s", typeName(v))
	}
	if i < 0 {
		i += int64(len(l.items))
	}
	if i < 0 || i >= int64(len(l.items)) {
		return 0, raisef(ErrIndexError, "%s", what)
	}
	return int(i), nil
}

func (l *List) getItem(key any) (any, error) {
	if s, ok := asSlice(key); ok {
		pos, err := s.positions(len(l.items))
		if err != nil {
			return nil, err
		}
		out := make([]any, len(pos))
		for j, i := range pos {
			out[j] = l.items[i]
		}
		return out, nil
	}
	i, err := l.index(key, "list index out of range")
	if err != nil {
		return nil, err
	}
	return l.items[i], nil
}

func (l *List) setItem(key, value any) error {
	s, ok := asSlice(key)
	if !ok {
		i, err := l.index(key, "list assignment index out of range")
		if err != nil {
			return err
		}
		l.items[i] = value
		return nil
	}
	values, ok := iterate(value)
	if !ok {
		return raisef(ErrTypeError, "can only assign an iterable")
	}
	values = slices.Clone(values)
	start, stop, step, err := s.indices(len(l.items))
	if err != nil {
		return err
	}
	if step == 1 {
		stop = max(stop, start)
		l.items = slices.Concat(l.items[:start], values, l.items[stop:])
		return nil
	}
	pos, _ := s.positions(len(l.items))
	if len(pos) != len(values) {
		return raisef(ErrValueError, "attempt to assign sequence of size %d to extended slice of size %d", len(values), len(pos))
	}
	for j, i := range pos {
		l.items[i] = values[j]
	}
	return nil
}

func (l *List) delItem(key any) error {
	s, ok := asSlice(key)
	if !ok {
		i, err := l.index(key, "list assignment index out of range")
		if err != nil {
			return err
		}
		l.items = slices.Delete(l.items, i, i+1)
		return nil
	}
	pos, err := s.positions(len(l.items))
	if err != nil {
		return err
	}
	drop := make(map[int]bool, len(pos))
	for _, i := range pos {
		drop[i] = true
	}
	kept := l.items[:0:0]
	for i, v := range l.items {
		if !drop[i] {
			kept = append(kept, v)
		}
	}
	l.items = kept
	return nil
}

// find is the first index of v in items[start:stop], or -1.
func (l *List) find(v any, start, stop int) int {
	for i := max(start, 0); i < min(stop, len(l.items)); i++ {
		if pickle.Equal(l.items[i], v) {
			return i
		}
	}
	return -1
}

// maxRepeat bounds the list l * n makes: a client cannot make the server
// allocate without limit (Python would try, and raise MemoryError).
const maxRepeat = 1 << 22

// repeat is l * n.
func repeat(items []any, n any) ([]any, error) {
	k, ok := asInt(n)
	if !ok {
		return nil, raisef(ErrTypeError, "can't multiply sequence by non-int of type '%s'", typeName(n))
	}
	if k <= 0 {
		return []any{}, nil
	}
	if k > maxRepeat || int64(len(items))*k > maxRepeat {
		return nil, Raise(ExceptionType{"builtins", "MemoryError"})
	}
	return slices.Repeat(slices.Clone(items), int(k)), nil
}

// locked runs f with the list's lock held.
func (l *List) locked(f func() (any, error)) (any, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return f()
}

// withArgs binds the call and runs f with the list locked.
func (l *List) withArgs(c *Call, f func(args []any) (any, error), params ...param) (any, error) {
	args, err := c.bind(params...)
	if err != nil {
		return nil, err
	}
	return l.locked(func() (any, error) { return f(args) })
}

var (
	pValue = param{"value", noDefault}
	pIndex = param{"index", noDefault}
)

var listMethods = methodTable[*List]{
	"__getitem__": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) { return l.getItem(a[0]) }, pIndex)
	},
	"__setitem__": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) { return nil, l.setItem(a[0], a[1]) }, pIndex, pValue)
	},
	"__delitem__": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) { return nil, l.delItem(a[0]) }, pIndex)
	},
	// Python 2 sends l[i:j] as __getslice__(i, j) and so on.
	"__getslice__": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			return l.getItem(py2Slice(a))
		}, param{"i", noDefault}, param{"j", noDefault})
	},
	"__setslice__": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			return nil, l.setItem(py2Slice(a), a[2])
		}, param{"i", noDefault}, param{"j", noDefault}, pValue)
	},
	"__delslice__": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			return nil, l.delItem(py2Slice(a))
		}, param{"i", noDefault}, param{"j", noDefault})
	},
	"__len__": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func([]any) (any, error) { return len(l.items), nil })
	},
	"__contains__": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) { return l.find(a[0], 0, len(l.items)) >= 0, nil }, pValue)
	},
	"__add__": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			other, ok := a[0].([]any)
			if !ok {
				return nil, raisef(ErrTypeError, "can only concatenate list (not \"%s\") to list", typeName(a[0]))
			}
			return slices.Concat(l.items, other), nil
		}, pValue)
	},
	"__mul__": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) { return repeat(l.items, a[0]) }, pValue)
	},
	"__rmul__": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) { return repeat(l.items, a[0]) }, pValue)
	},
	"__imul__": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			items, err := repeat(l.items, a[0])
			if err != nil {
				return nil, err
			}
			l.items = items
			return slices.Clone(items), nil
		}, pValue)
	},
	"append": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			l.items = append(l.items, a[0])
			return nil, nil
		}, pValue)
	},
	"extend": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			items, ok := iterate(a[0])
			if !ok {
				return nil, raisef(ErrTypeError, "'%s' object is not iterable", typeName(a[0]))
			}
			l.items = append(l.items, items...)
			return nil, nil
		}, param{"iterable", noDefault})
	},
	"insert": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			i, ok := asInt(a[0])
			if !ok {
				return nil, raisef(ErrTypeError, "'%s' object cannot be interpreted as an integer", typeName(a[0]))
			}
			n := int64(len(l.items))
			if i < 0 {
				i = max(i+n, 0)
			}
			l.items = slices.Insert(l.items, int(min(i, n)), a[1])
			return nil, nil
		}, pIndex, param{"object", noDefault})
	},
	"pop": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			if len(l.items) == 0 {
				return nil, raisef(ErrIndexError, "pop from empty list")
			}
			i, err := l.index(a[0], "pop index out of range")
			if err != nil {
				return nil, err
			}
			v := l.items[i]
			l.items = slices.Delete(l.items, i, i+1)
			return v, nil
		}, param{"index", int64(-1)})
	},
	"remove": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			i := l.find(a[0], 0, len(l.items))
			if i < 0 {
				return nil, raisef(ErrValueError, "list.remove(x): x not in list")
			}
			l.items = slices.Delete(l.items, i, i+1)
			return nil, nil
		}, pValue)
	},
	"index": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			n := len(l.items)
			bound := func(v any) int {
				i, _ := asInt(v)
				if i < 0 {
					i = max(i+int64(n), 0)
				}
				return int(min(i, int64(n)))
			}
			i := l.find(a[0], bound(a[1]), bound(a[2]))
			if i < 0 {
				return nil, raisef(ErrValueError, "%s is not in list", repr(a[0]))
			}
			return i, nil
		}, pValue, param{"start", int64(0)}, param{"stop", int64(1 << 62)})
	},
	"count": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			n := 0
			for _, v := range l.items {
				if pickle.Equal(v, a[0]) {
					n++
				}
			}
			return n, nil
		}, pValue)
	},
	"reverse": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func([]any) (any, error) {
			slices.Reverse(l.items)
			return nil, nil
		})
	},
	"sort": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func(a []any) (any, error) {
			if a[0] != nil {
				return nil, raisef(ErrTypeError, "a Go manager cannot call a Python key function (%s)", repr(a[0]))
			}
			items := slices.Clone(l.items)
			var failed error
			slices.SortStableFunc(items, func(x, y any) int {
				if failed != nil {
					return 0
				}
				r, err := compare(x, y, 0)
				if err != nil {
					failed = err
				}
				return r
			})
			if failed != nil {
				return nil, failed
			}
			if truth(a[1]) {
				slices.Reverse(items)
			}
			l.items = items
			return nil, nil
		}, param{"key", nil}, param{"reverse", false})
	},
	"clear": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func([]any) (any, error) {
			l.items = nil
			return nil, nil
		})
	},
	"copy": func(l *List, _ context.Context, c *Call) (any, error) {
		return l.withArgs(c, func([]any) (any, error) { return slices.Clone(l.items), nil })
	},
}

// py2Slice is Python 2's l[i:j] as a slice.
func py2Slice(a []any) any {
	return &pickle.Object{Class: sliceClass, Args: pickle.Tuple{a[0], a[1], nil}}
}

// CallMethod serves ListProxy's methods (those of every Python version).
func (l *List) CallMethod(ctx context.Context, c *Call) (any, error) {
	return listMethods.call(l, ctx, c)
}

// Exposed is ListProxy's list, as of Python 2.7 to 3.14 together.
func (l *List) Exposed() []string {
	return []string{"__add__", "__contains__", "__delitem__", "__delslice__", "__getitem__", "__getslice__",
		"__imul__", "__len__", "__mul__", "__rmul__", "__setitem__", "__setslice__", "append", "clear", "copy",
		"count", "extend", "index", "insert", "pop", "remove", "reverse", "sort"}
}

// PyRepr is the list's repr.
func (l *List) PyRepr() string { return l.reprFor(false) }

func (l *List) reprFor(py2 bool) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return reprFor(l.items, py2)
}

// PyValue is a copy of the list.
func (l *List) PyValue() (any, error) { return l.Snapshot(), nil }

func (l *List) pyTypeName() string { return "list" }
