package managers

import (
	"context"
	"errors"
	"sync"

	"github.com/mpconn/mpconn/pickle"
)

// Dict is a Go dict with the semantics of Python's dict: insertion order,
// Python's key equality (1 == 1.0 == True, tuple keys), KeyError for
// missing keys, TypeError for unhashable ones. It is SyncManager's dict.
type Dict struct {
	mu      sync.Mutex
	d       *pickle.Dict
	version uint64 // bumped when keys come or go, so iterators can tell
}

// NewDict returns an empty dict.
func NewDict() *Dict { return &Dict{d: pickle.NewDict(0)} }

func newDict(_ context.Context, c *Call) (any, error) {
	d := NewDict()
	if len(c.Args) > 1 {
		return nil, raisef(ErrTypeError, "dict expected at most 1 argument, got %d", len(c.Args))
	}
	if err := d.update(c.Args, c.Kwargs); err != nil {
		return nil, err
	}
	return d, nil
}

// Get returns d[key].
func (d *Dict) Get(key any) (any, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.d.Get(key)
}

// Set does d[key] = value.
func (d *Dict) Set(key, value any) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.set(key, value)
}

func (d *Dict) set(key, value any) error {
	n := d.d.Len()
	if err := d.d.Set(key, value); err != nil {
		return unhashable(key, err)
	}
	if d.d.Len() != n {
		d.version++
	}
	return nil
}

// unhashable is the TypeError Python raises for an unhashable key.
func unhashable(key any, err error) error {
	if errors.Is(err, pickle.ErrUnhashable) {
		return raisef(ErrTypeError, "unhashable type: '%s'", typeName(key))
	}
	return err
}

// lookup is d[key] with Python's errors.
func (d *Dict) lookup(key any) (any, bool, error) {
	if err := checkHashable(key); err != nil {
		return nil, false, err
	}
	v, ok := d.d.Get(key)
	return v, ok, nil
}

// checkHashable reports an unhashable key as Python does.
func checkHashable(key any) error {
	switch x := key.(type) {
	case []any, *pickle.Dict, *pickle.Set, pickle.ByteArray:
		return raisef(ErrTypeError, "unhashable type: '%s'", typeName(key))
	case pickle.Tuple:
		for _, it := range x {
			if err := checkHashable(it); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *Dict) remove(key any) (any, bool, error) {
	v, ok, err := d.lookup(key)
	if ok {
		d.d.Delete(key)
		d.version++
	}
	return v, ok, err
}

// update is dict.update(other=(), **kwargs).
func (d *Dict) update(args []any, kwargs *pickle.Dict) error {
	if len(args) > 1 {
		return raisef(ErrTypeError, "update expected at most 1 argument, got %d", len(args))
	}
	if len(args) == 1 {
		switch x := args[0].(type) {
		case *pickle.Dict:
			for k, v := range x.All() {
				if err := d.set(k, v); err != nil {
					return err
				}
			}
		default:
			items, ok := iterate(args[0])
			if !ok {
				return raisef(ErrTypeError, "'%s' object is not iterable", typeName(args[0]))
			}
			for i, it := range items {
				pair, ok := iterate(it)
				if !ok {
					return raisef(ErrTypeError, "cannot convert dictionary update sequence element #%d to a sequence", i)
				}
				if len(pair) != 2 {
					return raisef(ErrValueError, "dictionary update sequence element #%d has length %d; 2 is required", i, len(pair))
				}
				if err := d.set(pair[0], pair[1]); err != nil {
					return err
				}
			}
		}
	}
	if kwargs != nil {
		for k, v := range kwargs.All() {
			if err := d.set(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// snapshot is a copy of the dict (dict.copy()).
func (d *Dict) snapshot() *pickle.Dict {
	out := pickle.NewDict(d.d.Len())
	for k, v := range d.d.All() {
		_ = out.Set(k, v) // the keys are hashable: they are keys already
	}
	return out
}

// locked runs f with the dict's lock held.
func (d *Dict) locked(f func() (any, error)) (any, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return f()
}

var dictMethods = methodTable[*Dict]{
	"__getitem__": func(d *Dict, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"key", noDefault})
		if err != nil {
			return nil, err
		}
		return d.locked(func() (any, error) {
			v, ok, err := d.lookup(args[0])
			if err == nil && !ok {
				err = Raise(ErrKeyError, args[0])
			}
			return v, err
		})
	},
	"__setitem__": func(d *Dict, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"key", noDefault}, param{"value", noDefault})
		if err != nil {
			return nil, err
		}
		return nil, d.Set(args[0], args[1])
	},
	"__delitem__": func(d *Dict, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"key", noDefault})
		if err != nil {
			return nil, err
		}
		return d.locked(func() (any, error) {
			_, ok, err := d.remove(args[0])
			if err == nil && !ok {
				err = Raise(ErrKeyError, args[0])
			}
			return nil, err
		})
	},
	"__contains__": dictContains,
	"has_key":      dictContains, // Python 2
	"__len__": func(d *Dict, _ context.Context, c *Call) (any, error) {
		return d.locked(func() (any, error) { return d.d.Len(), c.noArgs() })
	},
	"__iter__": func(d *Dict, _ context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		return d.locked(func() (any, error) { return newKeyIterator(d), nil })
	},
	"get": func(d *Dict, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"key", noDefault}, param{"default", nil})
		if err != nil {
			return nil, err
		}
		return d.locked(func() (any, error) {
			v, ok, err := d.lookup(args[0])
			if !ok {
				v = args[1]
			}
			return v, err
		})
	},
	"setdefault": func(d *Dict, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"key", noDefault}, param{"default", nil})
		if err != nil {
			return nil, err
		}
		return d.locked(func() (any, error) {
			v, ok, err := d.lookup(args[0])
			if err != nil || ok {
				return v, err
			}
			return args[1], d.set(args[0], args[1])
		})
	},
	"pop": func(d *Dict, _ context.Context, c *Call) (any, error) {
		if len(c.Args) < 1 || len(c.Args) > 2 || c.Kwargs != nil {
			return nil, raisef(ErrTypeError, "pop expected 1 or 2 positional arguments, got %d", len(c.Args))
		}
		return d.locked(func() (any, error) {
			v, ok, err := d.remove(c.Args[0])
			switch {
			case err != nil || ok:
				return v, err
			case len(c.Args) == 2:
				return c.Args[1], nil
			}
			return nil, Raise(ErrKeyError, c.Args[0])
		})
	},
	"popitem": func(d *Dict, _ context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		return d.locked(func() (any, error) {
			items := d.d.Items()
			if len(items) == 0 {
				return nil, Raise(ErrKeyError, "popitem(): dictionary is empty")
			}
			last := items[len(items)-1]
			d.d.Delete(last.Key)
			d.version++
			return pickle.Tuple{last.Key, last.Value}, nil
		})
	},
	"keys": func(d *Dict, _ context.Context, c *Call) (any, error) {
		return d.locked(func() (any, error) { return d.d.Keys(), c.noArgs() })
	},
	"values": func(d *Dict, _ context.Context, c *Call) (any, error) {
		return d.locked(func() (any, error) {
			out := make([]any, 0, d.d.Len())
			for _, v := range d.d.All() {
				out = append(out, v)
			}
			return out, c.noArgs()
		})
	},
	"items": func(d *Dict, _ context.Context, c *Call) (any, error) {
		return d.locked(func() (any, error) {
			out := make([]any, 0, d.d.Len())
			for k, v := range d.d.All() {
				out = append(out, pickle.Tuple{k, v})
			}
			return out, c.noArgs()
		})
	},
	"update": func(d *Dict, _ context.Context, c *Call) (any, error) {
		return d.locked(func() (any, error) { return nil, d.update(c.Args, c.Kwargs) })
	},
	"clear": func(d *Dict, _ context.Context, c *Call) (any, error) {
		return d.locked(func() (any, error) {
			d.d = pickle.NewDict(0)
			d.version++
			return nil, c.noArgs()
		})
	},
	"copy": func(d *Dict, _ context.Context, c *Call) (any, error) {
		return d.locked(func() (any, error) { return d.snapshot(), c.noArgs() })
	},
	"fromkeys": func(d *Dict, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"iterable", noDefault}, param{"value", nil})
		if err != nil {
			return nil, err
		}
		keys, ok := iterate(args[0])
		if !ok {
			return nil, raisef(ErrTypeError, "'%s' object is not iterable", typeName(args[0]))
		}
		out := pickle.NewDict(len(keys))
		for _, k := range keys {
			if err := out.Set(k, args[1]); err != nil {
				return nil, unhashable(k, err)
			}
		}
		return out, nil
	},
	"__or__": func(d *Dict, _ context.Context, c *Call) (any, error) {
		return dictOr(d, c, false)
	},
	"__ror__": func(d *Dict, _ context.Context, c *Call) (any, error) {
		return dictOr(d, c, true)
	},
	"__ior__": func(d *Dict, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"value", noDefault})
		if err != nil {
			return nil, err
		}
		return d.locked(func() (any, error) {
			if err := d.update(args, nil); err != nil {
				return nil, err
			}
			return d.snapshot(), nil
		})
	},
}

func dictContains(d *Dict, _ context.Context, c *Call) (any, error) {
	args, err := c.bind(param{"key", noDefault})
	if err != nil {
		return nil, err
	}
	return d.locked(func() (any, error) {
		_, ok, err := d.lookup(args[0])
		return ok, err
	})
}

// dictOr is d | other (or other | d when reflected): a new dict.
func dictOr(d *Dict, c *Call, reflected bool) (any, error) {
	args, err := c.bind(param{"value", noDefault})
	if err != nil {
		return nil, err
	}
	other, ok := args[0].(*pickle.Dict)
	if !ok {
		return notImplemented, nil
	}
	d.mu.Lock()
	mine := d.snapshot()
	d.mu.Unlock()
	first, second := mine, other
	if reflected {
		first, second = other, mine
	}
	out := &Dict{d: pickle.NewDict(first.Len() + second.Len())}
	if err := out.update([]any{first}, nil); err != nil {
		return nil, err
	}
	if err := out.update([]any{second}, nil); err != nil {
		return nil, err
	}
	return out.d, nil
}

// notImplemented is Python's NotImplemented, what binary operators return
// for an operand they do not handle.
var notImplemented = pickle.Global{Module: "builtins", Name: "NotImplemented"}

// CallMethod serves DictProxy's methods (those of every Python version).
func (d *Dict) CallMethod(ctx context.Context, c *Call) (any, error) {
	return dictMethods.call(d, ctx, c)
}

// Exposed is DictProxy's list, as of Python 2.7 to 3.14 together.
func (d *Dict) Exposed() []string {
	return []string{"__contains__", "__delitem__", "__getitem__", "__ior__", "__len__", "__or__", "__ror__",
		"__setitem__", "clear", "copy", "fromkeys", "get", "has_key", "items", "keys", "pop", "popitem",
		"setdefault", "update", "values"}
}

// PyRepr is the dict's repr.
func (d *Dict) PyRepr() string { return d.reprFor(false) }

func (d *Dict) reprFor(py2 bool) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return reprFor(d.d, py2)
}

// PyValue is a copy of the dict.
func (d *Dict) PyValue() (any, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.snapshot(), nil
}

func (d *Dict) pyTypeName() string { return "dict" }

// keyIterator is iter(d) for a managed dict, served as SyncManager's
// Iterator: it walks the keys as they were when it was made, and fails as
// Python does if keys came or went meanwhile.
type keyIterator struct {
	d       *Dict
	version uint64

	mu   sync.Mutex
	keys []any
	done bool
}

func newKeyIterator(d *Dict) *keyIterator {
	return &keyIterator{d: d, version: d.version, keys: d.d.Keys()}
}

func (it *keyIterator) next() (any, error) {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.done || len(it.keys) == 0 {
		it.done = true
		return nil, Raise(ErrStopIteration)
	}
	it.d.mu.Lock()
	changed := it.d.version != it.version
	it.d.mu.Unlock()
	if changed {
		it.done = true
		return nil, raisef(ErrRuntimeError, "dictionary changed size during iteration")
	}
	k := it.keys[0]
	it.keys = it.keys[1:]
	return k, nil
}

var iteratorMethods = methodTable[*keyIterator]{
	"__next__": func(it *keyIterator, _ context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		return it.next()
	},
	"next": func(it *keyIterator, _ context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		return it.next()
	},
}

// CallMethod serves IteratorProxy's methods.
func (it *keyIterator) CallMethod(ctx context.Context, c *Call) (any, error) {
	return iteratorMethods.call(it, ctx, c)
}

// Exposed is IteratorProxy's list (next for Python 2).
func (it *keyIterator) Exposed() []string {
	return []string{"__next__", "next", "send", "throw", "close"}
}

func (it *keyIterator) PyRepr() string { return "<dict_keyiterator object>" }

func (it *keyIterator) PyValue() (any, error) {
	return nil, raisef(ErrTypeError, "cannot pickle 'dict_keyiterator' object")
}

func (it *keyIterator) pyTypeName() string { return "dict_keyiterator" }
