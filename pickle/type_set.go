package pickle

// set and frozenset: *Set and *FrozenSet. CPython writes a set as
// EMPTY_SET and ADDITEMS batches, a frozenset as MARK ... FROZENSET, from
// protocol 4, and both as cls([items]) below.

import (
	"sort"
	"strings"
	"unsafe"
)

func init() {
	form[*Set]{
		name:   "set",
		encode: func(e *encoder, s *Set) error { return saveNilOr(e, s, func() error { return e.saveSet(s, true) }) },
		repr:   func(s *Set, depth int) string { return s.repr(depth) },
		equal:  func(a *Set, b any, _ visited) bool { return equalSets(a, b) },
	}.declare()
	form[Set]{
		name:   "set",
		encode: func(e *encoder, s Set) error { return e.saveSet(&s, false) },
		repr:   func(s Set, depth int) string { return s.repr(depth) },
		equal:  func(a Set, b any, _ visited) bool { return equalSets(&a, b) },
	}.declare()
	form[*FrozenSet]{
		name: "frozenset",
		encode: func(e *encoder, f *FrozenSet) error {
			return saveNilOr(e, f, func() error { return e.saveFrozenSet(f, true) })
		},
		hash:  func(f *FrozenSet, _ int) (hashKey, error) { return f.key(), nil },
		repr:  func(f *FrozenSet, depth int) string { return f.repr(depth) },
		equal: func(a *FrozenSet, b any, _ visited) bool { return equalSets(&a.s, b) },
	}.declare()
	form[FrozenSet]{
		name:   "frozenset",
		encode: func(e *encoder, f FrozenSet) error { return e.saveFrozenSet(&f, false) },
		hash:   func(f FrozenSet, _ int) (hashKey, error) { return f.key(), nil },
		repr:   func(f FrozenSet, depth int) string { return f.repr(depth) },
		equal:  func(a FrozenSet, b any, _ visited) bool { return equalSets(&a.s, b) },
	}.declare()
	declareClass(&pyClass{reduce: reduceSet(nSet)}, Global{"builtins", "set"})
	declareClass(&pyClass{reduce: reduceSet(nFrozenSet)}, Global{"builtins", "frozenset"})
}

// saveNilOr writes None for a nil pointer, else what save writes.
func saveNilOr[T any](e *encoder, p *T, save func() error) error {
	if p == nil {
		e.op(opNone)
		return nil
	}
	return save()
}

// reduceSet decodes set([items]) and frozenset([items]), as CPython writes
// them below protocol 4.
func reduceSet(k nkind) func(m *machine, pos int, _ val, args []val) (val, bool, error) {
	return func(m *machine, pos int, _ val, args []val) (val, bool, error) {
		if len(args) == 0 {
			return m.newNode(k, pos), true, nil
		}
		if len(args) == 1 {
			if nd := m.nodeOf(args[0]); nd != nil && (nd.k == nList || nd.k == nTuple || nd.k == nSet || nd.k == nFrozenSet) {
				v := m.newNode(k, pos)
				m.nodes[v.n].items = append([]val(nil), nd.items...)
				return v, true, m.spendCall(pos, itemUnits*int64(len(nd.items)))
			}
		}
		return val{}, false, nil
	}
}

// equalSets: a set equals a frozenset of the same members, as in Python.
func equalSets(x *Set, b any) bool {
	var y *Set
	switch s := b.(type) {
	case *Set:
		y = s
	case Set:
		y = &s
	case *FrozenSet:
		y = &s.s
	case FrozenSet:
		y = &s.s
	default:
		return false
	}
	if x == y {
		return true
	}
	if x.Len() != y.Len() {
		return false
	}
	for _, k := range x.d.keysView() {
		if y.d.find(k) < 0 {
			return false
		}
	}
	return true
}

func (s *Set) repr(depth int) string {
	if s.Len() == 0 {
		return "set()"
	}
	return "{" + reprItems(s.Items(), depth) + "}"
}

func (f *FrozenSet) repr(depth int) string {
	if f.Len() == 0 {
		return "frozenset()"
	}
	return "frozenset(" + f.s.repr(depth) + ")"
}

// key is the frozenset's key: its members' keys, in an order of their own.
func (f *FrozenSet) key() hashKey {
	keys := append([]hashKey(nil), f.s.d.keysView()...)
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if a.n != b.n {
			return a.n < b.n
		}
		return strings.Compare(a.s, b.s) < 0
	})
	return seqKey('F', keys)
}

// Set is a Python set. The zero value is an empty set ready to use.
type Set struct {
	d Dict
}

// NewSet returns a set holding items, or ErrUnhashable.
func NewSet(items ...any) (*Set, error) {
	s := &Set{d: Dict{items: make([]DictItem, 0, len(items)), keys: make([]hashKey, 0, len(items))}}
	for _, it := range items {
		if err := s.Add(it); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Add inserts v.
func (s *Set) Add(v any) error { return s.d.Set(v, nil) }

// Has reports whether v is in the set.
func (s *Set) Has(v any) bool {
	if s == nil {
		return false
	}
	_, ok := s.d.Get(v)
	return ok
}

// Remove deletes v and reports whether it was present.
func (s *Set) Remove(v any) bool { return s != nil && s.d.Delete(v) }

// Len returns the number of members.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return s.d.Len()
}

// Items returns the members in insertion order (a new slice).
func (s *Set) Items() []any {
	if s == nil {
		return nil
	}
	return s.d.Keys()
}

// String renders the set as Python does: {1, 'a'}.
func (s *Set) String() string { return pyRepr(s) }

// GoString makes %#v show the set as Python's repr.
func (s *Set) GoString() string { return "pickle.Set" + pyRepr(s) }

// FrozenSet is a Python frozenset: like Set, but immutable and hashable.
type FrozenSet struct {
	s Set
}

// NewFrozenSet returns a frozenset holding items, or ErrUnhashable.
func NewFrozenSet(items ...any) (*FrozenSet, error) {
	s, err := NewSet(items...)
	if err != nil {
		return nil, err
	}
	return &FrozenSet{s: *s}, nil
}

// Has reports whether v is in the set.
func (f *FrozenSet) Has(v any) bool { return f != nil && f.s.Has(v) }

// Len returns the number of members.
func (f *FrozenSet) Len() int {
	if f == nil {
		return 0
	}
	return f.s.Len()
}

// Items returns the members in insertion order (a new slice).
func (f *FrozenSet) Items() []any {
	if f == nil {
		return nil
	}
	return f.s.Items()
}

// String renders the set as Python does: frozenset({1, 'a'}).
func (f *FrozenSet) String() string { return pyRepr(f) }

// GoString makes %#v show the set as Python's repr.
func (f *FrozenSet) GoString() string { return "pickle." + pyRepr(f) }

func (e *encoder) saveSet(s *Set, ident bool) error {
	k, done := e.recall(unsafe.Pointer(s), tidSetPtr, ident)
	if done {
		return nil
	}
	if err := e.enter(); err != nil {
		return err
	}
	items := s.d.items
	if e.proto >= 4 {
		e.op(opEmptySet)
		e.memoPutRef(k)
		if len(items) > 0 {
			b := e.batchStart(len(items), true)
			for i, it := range items {
				if err := e.saveMember(it.Key); err != nil {
					return withPath(err, "{"+indexSeg(i)+"}")
				}
				e.batchNext(&b)
			}
			e.batchEnd(&b)
		}
		e.leave()
		return nil
	}
	if err := e.setReduce(Global{"builtins", "set"}, items, k); err != nil {
		return err
	}
	e.leave()
	return nil
}

// setReduce writes cls([items]) as CPython does for sets below protocol 4.
func (e *encoder) setReduce(cls Global, items []DictItem, k refKey) error {
	if err := e.saveGlobal(cls); err != nil {
		return err
	}
	err := e.tupleOf(1, func(int) error {
		e.boundary()
		e.writeEmptyList()
		e.memoPut()
		return e.listItems(len(items), func(i int) error { return e.saveMember(items[i].Key) })
	})
	if err != nil {
		return err
	}
	e.op(opReduce)
	e.reduceMemo(k)
	return nil
}

func (e *encoder) saveFrozenSet(f *FrozenSet, ident bool) error {
	k, done := e.recall(unsafe.Pointer(f), tidFrozenSetPtr, ident)
	if done {
		return nil
	}
	if err := e.enter(); err != nil {
		return err
	}
	items := f.s.d.items
	if e.proto < 4 {
		if err := e.setReduce(Global{"builtins", "frozenset"}, items, k); err != nil {
			return err
		}
		e.leave()
		return nil
	}
	e.op(opMark)
	for i, it := range items {
		if err := e.saveMember(it.Key); err != nil {
			return withPath(err, "{"+indexSeg(i)+"}")
		}
	}
	e.leave()
	if idx, ok := e.memoRef(k); ok {
		e.op(opPopMark)
		e.memoGet(idx)
		return nil
	}
	e.op(opFrozenset)
	e.memoPutRef(k)
	return nil
}

// saveMember writes a member of a set.
func (e *encoder) saveMember(key any) error {
	if err := e.checkKey(key); err != nil {
		return err
	}
	return e.save(key)
}
