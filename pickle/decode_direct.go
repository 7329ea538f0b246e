package pickle

// The direct decoder: one pass from the opcode stream straight into the
// target, with no node tree in between. It takes the pickles CPython
// writes for plain data (lists, tuples, dicts with scalar keys into
// structs, maps and *Dict, sets of scalars into *Set, str, bytes, a Python
// 2 str, int, float, bool, None, a repeated str or bytes fetched from the
// memo, and into `any` a container fetched again) into typed Go values
// and into `any`, and only those: on anything else (a cycle, a container
// fetched again into a typed target, an object, an opcode or a shape it
// does not know, a value the target does not take, a limit within reach) it
// gives up, puts the target back as it was (decodeDirect), and Unmarshal
// runs the two-pass machine from the start, which gives the answer or the
// error it always gave.
//
// Why giving up late is safe: the direct decoder keeps the stack the
// machine would keep (it follows the opcodes, never reinterprets them) and
// accepts a consuming opcode (APPEND, APPENDS, SETITEM, SETITEMS, TUPLE*,
// STOP) only where the items it consumes are exactly the ones it parsed
// for it; so what it decodes is what the machine decodes. Where the
// opcodes alone do not tell an empty list or dict from one with a single
// item, it looks one scalar ahead, or gives up (decode_direct_shape.go).
// TestDirectMatchesMachine and FuzzDirect compare the two.
//
// Limits hold as in the machine, or stricter: the input is the one
// Unmarshal already cut to WithMaxSize; memo entries count against
// WithMaxMemo as in the machine, and only the nearly dense indexes
// CPython writes are taken; nesting stops short of WithMaxDepth; a str,
// bytes or container fetched again is the Go value made the first time
// (a GET that would need a copy, a bytes into a string or a list into a
// typed slice, goes to the machine, which counts it against
// WithMaxExpansion), so the output is proportional to the input. A
// pickle that fetches a container again is read twice: the first run
// stops at that GET, the second keeps every value the memo holds.
//
// Files: decode_direct.go (plans, the whole pickle), decode_direct_read.go
// (opcodes and the memo), decode_direct_shape.go (lists, tuples, dicts),
// decode_direct_typed.go (typed targets), decode_direct_any.go (`any`).

import (
	"reflect"
	"sync"
	"unsafe"
)

// directFunc decodes the next value into the Go value at p; false gives up.
type directFunc func(d *direct, p unsafe.Pointer, c follows) bool

type directPlan struct {
	dec directFunc // nil: not decoded directly
}

func (pl *directPlan) run(d *direct, p unsafe.Pointer, c follows) bool {
	return pl.dec != nil && pl.dec(d, p, c)
}

// follows says what the pickle holds after the value being decoded, which
// is what tells an empty list or dict from one with a single item (written
// EMPTY_LIST item APPEND, EMPTY_DICT key value SETITEM).
type follows uint8

const (
	followsEnd   follows = iota // a consuming opcode: STOP, APPEND, SETITEM
	followsKey                  // the next str key of a dict, or SETITEMS
	followsValue                // any value (list and tuple items), or APPENDS, TUPLE
)

type direct struct {
	m     *machine
	data  []byte
	pos   int
	depth int
	nmemo int               // distinct memo indexes put
	memos chunked[memoSlot] // what each memo index holds (memoPuts)
	stack []any             // the items of the containers being decoded into any

	lastGet int // the memo index strArg's str came from, or -1

	merge bool // the target held values: give up rather than write into a map, slice or pointer it holds

	// The values memoized, kept to be fetched again: only in a second run
	// (keep), when the first met a GET of something other than a str or
	// bytes (wantKeep). Keeping costs a slot per memoized container, which
	// pickles without shared containers are spared.
	keep     bool
	wantKeep bool
	kept     []keptValue // by memo index
	pending  []int       // memo indexes put for values not complete yet
}

type keptValue struct {
	x    any
	done bool
}

// memoSlot is what one memo index holds, and for a str the Go string made
// of it once fetched (for a bytes, the []byte: blob).
type memoSlot struct {
	ent uint64 // 0 unset, memoOther, or memoStrFlag or memoBytesFlag | offset<<32 | length
	str string // the Go string of a str, once made (text)
}

var directPlans sync.Map // reflect.Type -> *directPlan

// directPlanOf returns the plan for t, building (and publishing, complete)
// the plans of t and the types it contains on first use.
func directPlanOf(t reflect.Type) *directPlan {
	if pl, ok := directPlans.Load(t); ok {
		return pl.(*directPlan)
	}
	b := planBuilder{}
	b.plan(t)
	for bt, pl := range b.plans {
		directPlans.LoadOrStore(bt, pl)
	}
	pl, _ := directPlans.Load(t)
	return pl.(*directPlan)
}

type planBuilder struct {
	plans map[reflect.Type]*directPlan
}

func (b *planBuilder) plan(t reflect.Type) *directPlan {
	if pl, ok := b.plans[t]; ok {
		return pl // a recursive type: filled in before anyone runs it
	}
	if b.plans == nil {
		b.plans = map[reflect.Type]*directPlan{}
	}
	pl := &directPlan{}
	b.plans[t] = pl
	// The value model's types and what the machine decodes specially
	// (Unmarshaler, RawValue, time.Time, big.Int) are the machine's; the
	// typed decoder takes a bool, number or string whatever its form.
	if infoOf(t).unmarshal != unmarshalNone || isModelTarget(t) || forms[t] != nil && !isScalarKind(t.Kind()) && t != bytesType ||
		t == rawValueType || t == timeType || t == bigIntType {
		return pl
	}
	switch t.Kind() {
	case reflect.Bool:
		pl.dec = decBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		pl.dec = intDecoder(t.Size(), true)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		pl.dec = intDecoder(t.Size(), false)
	case reflect.Float32:
		pl.dec = decFloat32
	case reflect.Float64:
		pl.dec = decFloat64
	case reflect.String:
		pl.dec = decString
	case reflect.Pointer:
		if isScalarKind(t.Elem().Kind()) {
			if elem := b.plan(t.Elem()); elem.dec != nil {
				pl.dec = ptrDecoder(t, elem)
			}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			pl.dec = decBytes
		} else {
			pl.dec = sliceDecoder(t, b.plan(t.Elem()))
		}
	case reflect.Array:
		if t.Elem().Kind() != reflect.Uint8 {
			pl.dec = arrayDecoder(t, b.plan(t.Elem()))
		}
	case reflect.Map:
		if key := b.plan(t.Key()); isScalarKind(t.Key().Kind()) && key.dec != nil {
			pl.dec = mapDecoder(t, key, b.plan(t.Elem()))
		}
	case reflect.Struct:
		pl.dec = b.structDecoder(t)
	case reflect.Interface:
		if t.NumMethod() == 0 {
			pl.dec = decAny
		}
	}
	return pl
}

// --- the whole pickle ---

// decodeDirect decodes the pickle in m into rv (settable) in one pass and
// reports whether it did; false leaves the work to the machine, and rv as
// it was: the machine reads the whole pickle before it writes anything,
// so a pickle it refuses leaves the target untouched. The direct decoder
// writes as it reads, so it keeps a copy of a target that is not zero to
// put back, and gives up before writing into what that copy does not
// hold (a map, a slice's elements, what a pointer points to: merge).
func (s *smallMachine) decodeDirect(rv reflect.Value) bool {
	pl := directPlanOf(rv.Type())
	if pl.dec == nil || !rv.CanAddr() {
		return false
	}
	var saved reflect.Value
	merge := !rv.IsZero()
	if merge {
		saved = reflect.New(rv.Type()).Elem()
		saved.Set(rv)
	}
	m := &s.machine
	for _, keep := range []bool{false, true} {
		s.dchunks[0] = s.dmemo[:]
		s.direct = direct{m: m, data: m.data, stack: s.dstack[:0], memos: chunked[memoSlot]{chunks: s.dchunks[:1]}, merge: merge, keep: keep}
		if s.direct.run(pl, rv) {
			return true
		}
		if merge {
			rv.Set(saved)
		} else {
			rv.SetZero()
		}
		if !s.direct.wantKeep {
			break
		}
	}
	return false
}

func (d *direct) run(pl *directPlan, rv reflect.Value) bool {
	if len(d.data) >= maxDirectOffset {
		return false // memo entries hold offsets in 29 bits
	}
	if op, ok := d.peek(); ok && op == opProto {
		d.pos += 2
		if d.pos > len(d.data) || int(d.data[d.pos-1]) > HighestProtocol {
			return false
		}
	}
	if !pl.run(d, rv.Addr().UnsafePointer(), followsEnd) {
		return false
	}
	op, ok := d.next()
	return ok && op == opStop
}
