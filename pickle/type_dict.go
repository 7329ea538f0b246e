package pickle

// dict, collections.OrderedDict and collections.defaultdict: *Dict (and
// Go maps and structs, which encode as dicts). CPython writes a dict as
// EMPTY_DICT and SETITEMS batches of 1000, and its two subclasses as their
// __reduce__ says: cls(*args) by REDUCE, then the items in batches;
// Python 2.7 wrote an OrderedDict as OrderedDict([[key, value], ...]).

import (
	"iter"
	"sort"
	"strings"
	"unsafe"
)

// DictItem is one key/value pair of a Dict.
type DictItem struct {
	Key, Value any
}

// Dict is a Python dict: insertion-ordered, with keys compared as Python
// compares them (1 == 1.0 == True, ("a", 1) is a valid key, b"a" != "a").
// The zero value is an empty dict ready to use. A Dict also stands for
// the dict subclasses of the standard library a pickle may carry,
// collections.OrderedDict and collections.defaultdict (see Class), so that
// one encodes back as the class it came as.
type Dict struct {
	items   []DictItem
	keys    []hashKey       // the items' keys, or none while every key is a str (strKeys)
	index   map[hashKey]int // built once the dict outgrows a linear scan
	kind    dictKind        // dict, OrderedDict or defaultdict
	factory any             // a defaultdict's default_factory
}

// dictKind says which of the dict classes a Dict is.
type dictKind uint8

const (
	plainDict dictKind = iota
	orderedDict
	defaultDict
)

var dictClasses = [...]Global{
	plainDict:   {"builtins", "dict"},
	orderedDict: {"collections", "OrderedDict"},
	defaultDict: {"collections", "defaultdict"},
}

func init() {
	form[*Dict]{
		name: "dict",
		nameOf: func(d *Dict) string {
			if d == nil {
				return "NoneType"
			}
			return d.typeName()
		},
		encode: func(e *encoder, d *Dict) error {
			if d == nil {
				e.op(opNone)
				return nil
			}
			return e.saveDict(d, true)
		},
		repr:  func(d *Dict, depth int) string { return d.repr(depth) },
		equal: func(a *Dict, b any, seen visited) bool { return equalDicts(a, b, seen) },
	}.declare()
	form[Dict]{ // a value, not a pointer: a copy, a fresh object each time
		name:   "dict",
		nameOf: func(d Dict) string { return d.typeName() },
		encode: func(e *encoder, d Dict) error { return e.saveDict(&d, false) },
		repr:   func(d Dict, depth int) string { return d.repr(depth) },
		equal:  func(a Dict, b any, seen visited) bool { return equalDicts(&a, b, seen) },
	}.declare()
	declareClass(&pyClass{reduce: reduceOrderedDict}, dictClasses[orderedDict])
	declareClass(&pyClass{reduce: reduceDefaultDict}, dictClasses[defaultDict])
}

// NewOrderedDict returns an empty collections.OrderedDict with room for n
// items. It behaves as a Dict, and Equal compares two OrderedDicts in order.
func NewOrderedDict(n int) *Dict {
	d := NewDict(n)
	d.kind = orderedDict
	return d
}

// NewDefaultDict returns an empty collections.defaultdict whose
// default_factory is factory: nil for None, usually a Global such as
// Global{"builtins", "list"}. It behaves as a Dict (Get does not call the
// factory: nothing is executed).
func NewDefaultDict(factory any, n int) *Dict {
	d := NewDict(n)
	d.kind, d.factory = defaultDict, factory
	return d
}

// Class returns the Python class of the dict: builtins.dict,
// collections.OrderedDict or collections.defaultdict.
func (d *Dict) Class() Global {
	if d == nil {
		return dictClasses[plainDict]
	}
	return dictClasses[d.kind]
}

// DefaultFactory returns a defaultdict's default_factory (nil for None),
// and nil for other dicts.
func (d *Dict) DefaultFactory() any {
	if d == nil {
		return nil
	}
	return d.factory
}

func (d *Dict) typeName() string {
	if d.kind == plainDict {
		return "dict"
	}
	return dictClasses[d.kind].String()
}

func (d *Dict) repr(depth int) string {
	parts := make([]string, 0, d.Len())
	for _, it := range d.Items() {
		parts = append(parts, repr(it.Key, depth+1)+": "+repr(it.Value, depth+1))
	}
	s := "{" + strings.Join(parts, ", ") + "}"
	switch d.kind {
	case orderedDict:
		return "OrderedDict(" + s + ")"
	case defaultDict:
		return "defaultdict(" + repr(d.factory, depth+1) + ", " + s + ")"
	}
	return s
}

// equalDicts compares as Python does: the same keys with equal values, in
// the same order too when both are OrderedDicts; a defaultdict's factory
// does not count.
func equalDicts(x *Dict, b any, seen visited) bool {
	var y *Dict
	switch d := b.(type) {
	case *Dict:
		y = d
	case Dict:
		y = &d
	default:
		return false
	}
	if x == y {
		return true
	}
	if x.Len() != y.Len() {
		return false
	}
	if visit(seen, x, y) {
		return true
	}
	ordered := x.kind == orderedDict && y.kind == orderedDict
	for i, it := range x.Items() {
		if ordered && !Equal(it.Key, y.items[i].Key) {
			return false
		}
		v, found := y.Get(it.Key)
		if !found || !equal(it.Value, v, seen) {
			return false
		}
	}
	return true
}

// reduceOrderedDict decodes OrderedDict() (Python 3: the items follow as
// SETITEMS) and OrderedDict([[key, value], ...]) (Python 2.7).
func reduceOrderedDict(m *machine, pos int, _ val, args []val) (val, bool, error) {
	switch len(args) {
	case 0:
		return m.dictNode(pos, orderedDict, nil), true, nil
	case 1:
		nd := m.nodeOf(args[0])
		if nd == nil || (nd.k != nList && nd.k != nTuple) {
			return val{}, false, nil
		}
		items := make([]val, 0, 2*len(nd.items))
		for _, p := range nd.items {
			pn := m.nodeOf(p)
			if pn == nil || (pn.k != nList && pn.k != nTuple) || len(pn.items) != 2 {
				return val{}, false, nil
			}
			items = append(items, pn.items...)
		}
		return m.dictNode(pos, orderedDict, items), true, m.spendCall(pos, itemUnits*int64(len(items)))
	}
	return val{}, false, nil
}

// reduceDefaultDict decodes defaultdict(factory) or defaultdict(); the
// items follow as SETITEMS. The factory is the first argument, which
// reduce keeps with the node.
func reduceDefaultDict(m *machine, pos int, _ val, args []val) (val, bool, error) {
	if len(args) > 1 {
		return val{}, false, nil
	}
	return m.dictNode(pos, defaultDict, nil), true, nil
}

// dictNode is a dict node of one of the dict classes, with the items its
// arguments gave (Python 2.7's OrderedDict).
func (m *machine) dictNode(pos int, kind dictKind, items []val) val {
	v := m.newNode(nDict, pos)
	nd := &m.nodes[v.n]
	nd.x, nd.items = kind, items
	nd.obj = &objData{argItems: len(items)}
	return v
}

// smallDict is the size up to which a linear scan beats a map.
const smallDict = 8

// NewDict returns an empty dict with room for n items.
func NewDict(n int) *Dict {
	// A small dict and its items in one allocation where that costs no
	// memory (the sum of the two is a size class), as decoding records
	// makes many; a large one with its index, as growing a map of 50k
	// keys item by item rebuilds it a dozen times.
	switch n {
	case 0:
		return &Dict{}
	case 1:
		return dictWithRoom[[1]DictItem](n)
	case 2:
		return dictWithRoom[[2]DictItem](n)
	case 3:
		return dictWithRoom[[3]DictItem](n)
	case 4:
		return dictWithRoom[[4]DictItem](n)
	case 5:
		return dictWithRoom[[5]DictItem](n)
	}
	d := &Dict{items: make([]DictItem, 0, n)}
	if n > smallDict {
		d.index = make(map[hashKey]int, n)
	}
	return d
}

// dictWithRoom allocates a Dict and its n items (Items, an array of n
// DictItems) at once.
func dictWithRoom[Items any](n int) *Dict {
	b := new(struct {
		d     Dict
		items Items
	})
	b.d.items = unsafe.Slice((*DictItem)(unsafe.Pointer(&b.items)), n)[:0]
	return &b.d
}

// strKeys reports whether the dict keeps no keys beside its items: while
// every key is a str and the dict is small, a str key's hashKey is made
// when compared rather than stored (decoding 100k records into any built
// and kept 500k of them). Set and Delete store them (hashKeys) when
// anything else needs them; readers make them without storing
// (keysView), so that reading a dict stays free of writes.
func (d *Dict) strKeys() bool { return len(d.keys) < len(d.items) }

func (d *Dict) hashKeys() []hashKey {
	d.keys = d.keysView()
	return d.keys
}

func (d *Dict) keysView() []hashKey {
	if !d.strKeys() {
		return d.keys
	}
	keys := make([]hashKey, len(d.items), cap(d.items))
	for i, it := range d.items {
		keys[i] = hashKey{kind: 's', s: it.Key.(string)}
	}
	return keys
}

// Len returns the number of items.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return len(d.items)
}

// Get returns the value stored under key.
func (d *Dict) Get(key any) (any, bool) {
	if d == nil {
		return nil, false
	}
	k, err := keyOf(key)
	if err != nil {
		return nil, false
	}
	if i := d.find(k); i >= 0 {
		return d.items[i].Value, true
	}
	return nil, false
}

// Set stores value under key. As in Python, an existing equal key keeps its
// original form and position; only the value changes.
func (d *Dict) Set(key, value any) error {
	if s, ok := key.(string); ok && len(d.keys) == 0 && d.index == nil && len(d.items) < smallDict {
		for i := range d.items {
			if d.items[i].Key.(string) == s {
				d.items[i].Value = value
				return nil
			}
		}
		d.items = append(d.items, DictItem{key, value})
		return nil
	}
	k, err := keyOf(key)
	if err != nil {
		return err
	}
	d.hashKeys()
	if i := d.find(k); i >= 0 {
		d.items[i].Value = value
		return nil
	}
	d.items = append(d.items, DictItem{key, value})
	d.keys = append(d.keys, k)
	if d.index != nil {
		d.index[k] = len(d.items) - 1
	} else if len(d.items) > smallDict {
		d.index = make(map[hashKey]int, 2*len(d.items))
		for i, k := range d.keys {
			d.index[k] = i
		}
	}
	return nil
}

// Delete removes key and reports whether it was present.
func (d *Dict) Delete(key any) bool {
	k, err := keyOf(key)
	if err != nil || d == nil {
		return false
	}
	d.hashKeys()
	i := d.find(k)
	if i < 0 {
		return false
	}
	d.items = append(d.items[:i], d.items[i+1:]...)
	d.keys = append(d.keys[:i], d.keys[i+1:]...)
	if d.index != nil {
		delete(d.index, k)
		for j := i; j < len(d.keys); j++ {
			d.index[d.keys[j]] = j
		}
	}
	return true
}

// Items returns the items in insertion order. The slice is the dict's own:
// read it, do not change it.
func (d *Dict) Items() []DictItem {
	if d == nil {
		return nil
	}
	return d.items
}

// Keys returns the keys in insertion order.
func (d *Dict) Keys() []any {
	keys := make([]any, d.Len())
	for i, it := range d.Items() {
		keys[i] = it.Key
	}
	return keys
}

// All iterates over the items in insertion order.
func (d *Dict) All() iter.Seq2[any, any] {
	return func(yield func(any, any) bool) {
		for _, it := range d.Items() {
			if !yield(it.Key, it.Value) {
				return
			}
		}
	}
}

func (d *Dict) find(k hashKey) int {
	if d.index != nil {
		if i, ok := d.index[k]; ok {
			return i
		}
		return -1
	}
	if d.strKeys() {
		if k.kind != 's' {
			return -1
		}
		for i := range d.items {
			if d.items[i].Key.(string) == k.s {
				return i
			}
		}
		return -1
	}
	for i := range d.keys {
		if d.keys[i] == k {
			return i
		}
	}
	return -1
}

func (d *Dict) String() string { return pyRepr(d) }

// GoString makes %#v show the dict as Python's repr rather than its
// internals.
func (d *Dict) GoString() string { return "pickle.Dict" + pyRepr(d) }

func (e *encoder) writeEmptyDict() {
	if e.bin {
		e.op(opEmptyDict)
	} else {
		e.op2(opMark, opDict)
	}
}

func (e *encoder) saveDict(d *Dict, ident bool) error {
	k, done := e.recall(unsafe.Pointer(d), tidDictPtr, ident)
	if done {
		return nil
	}
	if err := e.enter(); err != nil {
		return err
	}
	if d.kind == plainDict {
		e.writeEmptyDict()
		e.memoPutRef(k)
		if err := e.dictItems(d.items); err != nil {
			return err
		}
		e.leave()
		return nil
	}
	// cls(*args) by REDUCE, the items as an iterator's (batch_setitems).
	if err := e.saveGlobal(dictClasses[d.kind]); err != nil {
		return err
	}
	nargs := 0
	if d.kind == defaultDict && d.factory != nil {
		nargs = 1
	}
	if err := e.tupleOf(nargs, func(int) error { return e.save(d.factory) }); err != nil {
		return withPath(err, ".DefaultFactory")
	}
	e.op(opReduce)
	e.reduceMemo(k)
	err := e.genericItems(len(d.items), func(i int) error {
		return e.saveItem(d.items[i].Key, d.items[i].Value)
	}, opSetitem, opSetitems)
	if err != nil {
		return err
	}
	e.leave()
	return nil
}

// saveItem writes a key and its value.
func (e *encoder) saveItem(key, value any) error {
	if err := e.checkKey(key); err != nil {
		return withPath(err, keySeg(key))
	}
	if err := e.save(key); err != nil {
		return withPath(err, keySeg(key))
	}
	if err := e.save(value); err != nil {
		return withPath(err, keySeg(key)) // built only on failure: it quotes the key
	}
	return nil
}

func (e *encoder) dictItems(items []DictItem) error {
	if len(items) == 0 {
		return nil
	}
	b := e.batchStart(len(items), false)
	for _, it := range items {
		if err := e.saveItem(it.Key, it.Value); err != nil {
			return err
		}
		e.batchNext(&b)
	}
	e.batchEnd(&b)
	return nil
}

func (e *encoder) saveMapStringAny(m map[string]any) error {
	k := refKey{p: *(*unsafe.Pointer)(unsafe.Pointer(&m)), t: tidMapStringAny}
	if idx, ok := e.memoRef(k); ok {
		e.memoGet(idx)
		return nil
	}
	if err := e.enter(); err != nil {
		return err
	}
	e.writeEmptyDict()
	e.memoPutRef(k)
	if n := len(m); n > 0 {
		b := e.batchStart(n, false)
		if e.cfg.deterministic {
			keys := make([]string, 0, n)
			for key := range m {
				keys = append(keys, key)
			}
			sort.Strings(keys)
			for _, key := range keys {
				if err := e.saveStr(key); err != nil {
					return withPath(err, keySeg(key))
				}
				if err := e.save(m[key]); err != nil {
					return withPath(err, keySeg(key))
				}
				e.batchNext(&b)
			}
		} else {
			for key, v := range m {
				if err := e.saveStr(key); err != nil {
					return withPath(err, keySeg(key))
				}
				if err := e.save(v); err != nil {
					return withPath(err, keySeg(key))
				}
				e.batchNext(&b)
			}
		}
		e.batchEnd(&b)
	}
	e.leave()
	return nil
}
