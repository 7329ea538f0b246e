package pickle

// Classes, functions and instances: Global for a class or function named
// by GLOBAL or STACK_GLOBAL, *Object for an instance of a class the value
// model has no Go type for (kept exactly as the pickle built it), and the
// copyreg helpers through which CPython builds instances below protocol 2.

import (
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Global names a module-level Python object, such as builtins.int or a class.
type Global struct {
	Module, Name string
}

func (g Global) String() string { return g.Module + "." + g.Name }

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

func init() {
	form[Global]{
		name:   "type",
		encode: (*encoder).saveGlobal,
		hash:   func(g Global, _ int) (hashKey, error) { return hashKey{kind: 'g', s: g.Module + "\x00" + g.Name}, nil },
		repr:   func(g Global, _ int) string { return "<" + g.String() + ">" },
		equal:  func(a Global, b any, _ visited) bool { return b == any(a) },
	}.declare()
	form[*Object]{
		name: "object",
		nameOf: func(o *Object) string {
			if o == nil {
				return "NoneType"
			}
			return o.className()
		},
		encode: func(e *encoder, o *Object) error {
			return saveNilOr(e, o, func() error { return e.saveObject(o, true) })
		},
		// Instances without __eq__ hash by identity in Python.
		hash:  func(o *Object, _ int) (hashKey, error) { return identityKey(unsafe.Pointer(o), objectPtrType), nil },
		repr:  func(o *Object, _ int) string { return "<" + o.className() + " object>" },
		equal: func(a *Object, b any, seen visited) bool { return equalObjects(a, b, seen) },
	}.declare()
	form[Object]{
		name:   "object",
		nameOf: func(o Object) string { return o.className() },
		encode: func(e *encoder, o Object) error { return e.saveObject(&o, false) },
		repr:   func(o Object, _ int) string { return "<" + o.className() + " object>" },
		equal:  func(a Object, b any, seen visited) bool { return equalObjects(&a, b, seen) },
	}.declare()
	declareClass(&pyClass{reduce: reduceReconstructor}, Global{"copyreg", "_reconstructor"})
	declareClass(&pyClass{reduce: reduceNewobj}, Global{"copyreg", "__newobj__"})
	declareClass(&pyClass{reduce: reduceNewobjEx}, Global{"copyreg", "__newobj_ex__"})
}

func (o *Object) className() string {
	if g, ok := o.Class.(Global); ok {
		return g.String()
	}
	return "object"
}

// equalObjects compares instances field by field, which Python does only
// for classes that define __eq__.
func equalObjects(x *Object, b any, seen visited) bool {
	var y *Object
	switch o := b.(type) {
	case *Object:
		y = o
	case Object:
		y = &o
	default:
		return false
	}
	if x == y || visit(seen, x, y) {
		return true
	}
	return x.New == y.New && equal(x.Class, y.Class, seen) && equal(x.Args, y.Args, seen) &&
		equalDictOrNil(x.Kwargs, y.Kwargs, seen) && equal(x.State, y.State, seen) &&
		equalSeq(x.ListItems, y.ListItems, seen) && equalDictOrNil(x.DictItems, y.DictItems, seen)
}

func equalDictOrNil(x, y *Dict, seen visited) bool {
	if x.Len() == 0 && y.Len() == 0 {
		return true
	}
	return equal(x, y, seen)
}

// reduceReconstructor decodes copyreg._reconstructor(cls, base, state),
// how CPython builds an instance below protocol 2: base.__new__(cls,
// state), then base.__init__(obj, state) unless that is object's. For the
// bases whose __init__ is object's that is cls.__new__ with arguments, as
// NEWOBJ writes it; for others (a list or dict subclass, filled by
// __init__) the call itself stays, an *Object of copyreg._reconstructor.
func reduceReconstructor(m *machine, pos int, _ val, args []val) (val, bool, error) {
	if len(args) != 3 {
		return val{}, false, nil
	}
	if base, _ := m.globalOf(args[1]); !newOnlyBases[base] {
		return val{}, false, nil
	}
	var a []val
	if args[2].k != kNone {
		a = []val{args[2]}
		// tuple subclasses (namedtuples) at protocols 0-1: the state is the
		// tuple itself; cls.__new__ takes its items.
		if g, _ := m.globalOf(args[1]); g == (Global{"builtins", "tuple"}) {
			if sn := m.nodeOf(args[2]); sn != nil && sn.k == nTuple {
				a = append([]val(nil), sn.items...)
			}
		}
	}
	v, err := m.newObj(pos, args[0], a, nil, false)
	return v, err == nil, err
}

var newOnlyBases = map[Global]bool{
	{"builtins", "object"}: true, {"builtins", "tuple"}: true, {"builtins", "int"}: true,
	{"builtins", "float"}: true, {"builtins", "str"}: true, {"builtins", "bytes"}: true,
	{"builtins", "complex"}: true, {"builtins", "frozenset"}: true,
}

// reduceNewobj decodes copyreg.__newobj__(cls, *args), NEWOBJ below
// protocol 2.
func reduceNewobj(m *machine, pos int, _ val, args []val) (val, bool, error) {
	if len(args) < 1 {
		return val{}, false, nil
	}
	v, err := m.newObj(pos, args[0], append([]val(nil), args[1:]...), nil, false)
	return v, err == nil, err
}

// reduceNewobjEx decodes copyreg.__newobj_ex__(cls, args, kwargs),
// NEWOBJ_EX below protocol 4.
func reduceNewobjEx(m *machine, pos int, _ val, args []val) (val, bool, error) {
	if len(args) != 3 {
		return val{}, false, nil
	}
	an, kn := m.nodeOf(args[1]), m.nodeOf(args[2])
	if an == nil || an.k != nTuple || kn == nil || kn.k != nDict {
		return val{}, false, nil
	}
	v, err := m.newObj(pos, args[0], an.items, kn.items, true)
	return v, err == nil, err
}

// saveGlobal writes a class or function reference as CPython 3.13's
// save_global does: STACK_GLOBAL at protocol 4+ (the module name shared
// like an interned string), GLOBAL below, with Python 2 names below
// protocol 3 (builtins → __builtin__, KeyError → exceptions.KeyError, as
// _compat_pickle maps them), and getattr(...) chains for dotted names
// below protocol 4. A class is written once and fetched from the memo after.
func (e *encoder) saveGlobal(g Global) error {
	e.boundary()
	if idx, ok := e.globalMemo[g]; ok {
		e.memoGet(idx)
		return nil
	}
	if g.Module == "" || g.Name == "" || strings.ContainsAny(g.Module, "\n") || strings.ContainsAny(g.Name, "\n") {
		return valueErr(g, "a Global needs a module and a name without newlines, got "+pyRepr(g.Module)+", "+pyRepr(g.Name))
	}
	switch {
	case e.proto >= 4:
		if err := e.saveInterned(g.Module); err != nil {
			return err
		}
		if err := e.saveFreshString(g.Name); err != nil {
			return err
		}
		e.op(opStackGlobal)
	case strings.Contains(g.Name, "."):
		path := strings.Split(g.Name, ".")
		for range path[1:] {
			if err := e.saveGlobal(Global{"builtins", "getattr"}); err != nil {
				return err
			}
			if e.proto < 2 {
				e.op(opMark)
			}
		}
		if err := e.writeGlobalOp(g.Module, path[0]); err != nil {
			return err
		}
		for _, attr := range path[1:] {
			if err := e.saveFreshString(attr); err != nil {
				return err
			}
			if e.proto < 2 {
				e.op(opTuple)
			} else {
				e.op(opTuple2)
			}
			e.op(opReduce)
		}
	default:
		if err := e.writeGlobalOp(g.Module, g.Name); err != nil {
			return err
		}
	}
	if e.globalMemo == nil {
		e.globalMemo = make(map[Global]int)
	}
	e.globalMemo[g] = e.memoPut()
	return nil
}

// writeGlobalOp writes GLOBAL "module\nname\n" (_save_toplevel_by_name).
func (e *encoder) writeGlobalOp(module, name string) error {
	if e.proto < 3 {
		if g, ok := compatNames[Global{module, name}]; ok {
			module, name = g.Module, g.Name
		} else if m, ok := compatModules[module]; ok {
			module = m
		}
		if !isASCII(module) || !isASCII(name) {
			return valueErr(Global{module, name}, "non-ASCII module or class names need protocol 3 or higher")
		}
	} else if !utf8.ValidString(module) || !utf8.ValidString(name) {
		return valueErr(Global{module, name}, "module and class names must be UTF-8")
	}
	e.frame()
	e.buf = append(e.buf, opGlobal)
	e.buf = append(e.buf, module...)
	e.buf = append(e.buf, '\n')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '\n')
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// saveInner writes a value the encoder made up (reduce arguments and the
// like): a save, but not one the persistent-ID hook is asked about.
func (e *encoder) saveInner(v any) error {
	e.boundary()
	return e.saveNoPers(v)
}

// saveObject writes an *Object exactly as its fields say.
func (e *encoder) saveObject(o *Object, ident bool) error {
	k, done := e.recall(unsafe.Pointer(o), tidObjectPtr, ident)
	if done {
		return nil
	}
	if o.Class == nil {
		return valueErr(o, "an *Object needs a Class")
	}
	if err := e.enter(); err != nil {
		return err
	}
	args := o.Args
	switch {
	case o.New && o.Kwargs != nil && e.proto >= 4:
		if err := e.saveInner(o.Class); err != nil {
			return withPath(err, ".Class")
		}
		if err := e.saveInner(args); err != nil {
			return withPath(err, ".Args")
		}
		if err := e.saveInner(o.Kwargs); err != nil {
			return withPath(err, ".Kwargs")
		}
		e.op(opNewobjEx)
	case o.New && o.Kwargs != nil:
		// No NEWOBJ_EX below protocol 4: copyreg.__newobj_ex__(cls, args, kwargs).
		if err := e.saveGlobal(Global{"copyreg", "__newobj_ex__"}); err != nil {
			return err
		}
		parts := [3]any{o.Class, args, o.Kwargs}
		if err := e.tupleOf(3, func(i int) error { return e.saveInner(parts[i]) }); err != nil {
			return err
		}
		e.op(opReduce)
	case o.New && e.proto >= 2:
		if err := e.saveInner(o.Class); err != nil {
			return withPath(err, ".Class")
		}
		if err := e.saveInner(args); err != nil {
			return withPath(err, ".Args")
		}
		e.op(opNewobj)
	case o.New:
		// No NEWOBJ below protocol 2: copyreg.__newobj__(cls, *args).
		if err := e.saveGlobal(Global{"copyreg", "__newobj__"}); err != nil {
			return err
		}
		err := e.tupleOf(1+len(args), func(i int) error {
			if i == 0 {
				return e.saveInner(o.Class)
			}
			return e.save(args[i-1])
		})
		if err != nil {
			return err
		}
		e.op(opReduce)
	default:
		if err := e.saveInner(o.Class); err != nil {
			return withPath(err, ".Class")
		}
		if err := e.saveInner(args); err != nil {
			return withPath(err, ".Args")
		}
		e.op(opReduce)
	}
	if e.recursed(k) {
		return nil
	}
	e.memoPutRef(k)
	if len(o.ListItems) > 0 {
		err := e.genericItems(len(o.ListItems), func(i int) error {
			if err := e.save(o.ListItems[i]); err != nil {
				return withPath(err, ".ListItems"+indexSeg(i))
			}
			return nil
		}, opAppend, opAppends)
		if err != nil {
			return err
		}
	}
	if items := o.DictItems.Items(); len(items) > 0 {
		err := e.genericItems(len(items), func(i int) error {
			if err := e.save(items[i].Key); err != nil {
				return withPath(err, ".DictItems"+keySeg(items[i].Key))
			}
			if err := e.save(items[i].Value); err != nil {
				return withPath(err, ".DictItems"+keySeg(items[i].Key))
			}
			return nil
		}, opSetitem, opSetitems)
		if err != nil {
			return err
		}
	}
	if o.State != nil {
		if err := e.save(o.State); err != nil {
			return withPath(err, ".State")
		}
		e.op(opBuild)
	}
	e.leave()
	return nil
}

// instanceHeader writes what makes a plain instance of cls without running
// its __init__: cls.__new__(cls) through NEWOBJ at protocol 2+, and
// copyreg._reconstructor(cls, object, None) below, as object.__reduce_ex__
// has CPython write it. The caller memoizes it and writes the state.
func (e *encoder) instanceHeader(cls Global) error {
	if e.proto >= 2 {
		if err := e.saveGlobal(cls); err != nil {
			return err
		}
		e.boundary()
		e.writeEmptyTuple()
		e.op(opNewobj)
		return nil
	}
	if err := e.saveGlobal(Global{"copyreg", "_reconstructor"}); err != nil {
		return err
	}
	err := e.tupleOf(3, func(i int) error {
		switch i {
		case 0:
			return e.saveGlobal(cls)
		case 1:
			return e.saveGlobal(Global{"builtins", "object"})
		}
		e.boundary()
		e.op(opNone)
		return nil
	})
	if err != nil {
		return err
	}
	e.op(opReduce)
	return nil
}
