package pickle

// The direct decoder: one pass from the opcode stream straight into a typed
// Go target, with no node tree in between. It takes the pickles CPython
// writes for plain data (lists, tuples, str-keyed dicts into structs and
// maps, str, int, float, bool, None) without shared references, and only
// those: on anything else (a memo GET, an object, an opcode or a shape it
// does not know, a value the target does not take, a limit within reach)
// it gives up, and Unmarshal runs the two-pass machine from the start,
// which gives the answer or the error it always gave.
//
// Why giving up late is safe: the direct decoder keeps the same stack the
// machine would (it follows the opcodes, never reinterprets them) and
// accepts a consuming opcode (APPEND, APPENDS, SETITEM, SETITEMS, TUPLE*,
// STOP) only where the items it consumes are exactly the ones it parsed
// for it; so whatever it wrote, the machine writes again, the same values
// in the same order, into the same places. It writes only where the
// machine would: fields and map entries in place, and a slice only whole,
// once its list is complete, and only over a slice with no capacity (the
// machine decodes into existing elements, which this decoder does not
// attempt).
//
// Limits hold as in the machine, or stricter: the input is the one
// Unmarshal already cut to WithMaxSize; memo puts count against WithMaxMemo
// (every put, where the machine counts distinct indexes); nesting stops
// short of WithMaxDepth; with no memo GET the output is proportional to
// the input, within the expansion budget. Each opcode is read once; the
// one look-ahead (below, after a container is created) skips one scalar.

import (
	"encoding/binary"
	"math"
	"reflect"
	"slices"
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
	nmemo int      // distinct memo indexes put
	memos []uint64 // what each memo index holds (memoPuts)
	stack []any    // the items of the containers being decoded into any
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
	if infoOf(t).unmarshal != unmarshalNone || isModelTarget(t) || forms[t] != nil && !isScalarKind(t.Kind()) ||
		t == rawValueType || t == timeType || t == bigIntType {
		return pl
	}
	switch t.Kind() {
	case reflect.Bool:
		pl.dec = decBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		pl.dec = intDecoder(t.Size())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		pl.dec = uintDecoder(t.Size())
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
		if t.Elem().Kind() != reflect.Uint8 {
			pl.dec = sliceDecoder(t, b.plan(t.Elem()))
		}
	case reflect.Array:
		if t.Elem().Kind() != reflect.Uint8 {
			pl.dec = arrayDecoder(t, b.plan(t.Elem()))
		}
	case reflect.Map:
		if t.Key().Kind() == reflect.String && b.plan(t.Key()).dec != nil {
			pl.dec = mapDecoder(t, b.plan(t.Elem()))
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

// --- reading opcodes ---

// next returns the next opcode past any FRAME (checked as the machine
// checks it); false at the end of the input or on a bad frame.
func (d *direct) next() (byte, bool) {
	if d.pos < len(d.data) && d.data[d.pos] != opFrame {
		d.pos++
		return d.data[d.pos-1], true
	}
	return d.nextFramed()
}

func (d *direct) nextFramed() (byte, bool) {
	for d.pos < len(d.data) {
		op := d.data[d.pos]
		d.pos++
		if op != opFrame {
			return op, true
		}
		if len(d.data)-d.pos < 8 || le(d.data[d.pos:d.pos+8]) > uint64(len(d.data)-d.pos-8) {
			return 0, false
		}
		d.pos += 8
	}
	return 0, false
}

func (d *direct) peek() (byte, bool) {
	if d.pos < len(d.data) && d.data[d.pos] != opFrame {
		return d.data[d.pos], true
	}
	op, ok := d.nextFramed()
	if ok {
		d.pos--
	}
	return op, ok
}

// memo consumes the memo puts after a value other than a str.
func (d *direct) memo() bool {
	if d.pos < len(d.data) {
		switch d.data[d.pos] {
		case opMemoize, opBinput, opLongBinput, opFrame:
		default:
			return true // no memo put: the common case for numbers
		}
	}
	return d.memoPuts(memoOther)
}

// memoStr consumes the memo puts after a str, the bytes b of the input:
// a str is the one value a memo GET may fetch here (CPython writes a
// repeated dict key once and fetches it after), since equal strings are
// the same to a Go target.
func (d *direct) memoStr(b []byte) bool {
	if len(b) == 0 {
		return d.memoPuts(memoStrFlag)
	}
	off := uint64(uintptr(unsafe.Pointer(&b[0])) - uintptr(unsafe.Pointer(&d.data[0])))
	return d.memoPuts(memoStrFlag | off<<32 | uint64(len(b)))
}

// A memo entry: 0 unset, memoOther, or memoStrFlag | offset<<32 | length.
const (
	memoOther   = 1 << 63
	memoStrFlag = 1 << 62
)

func (d *direct) memoPuts(ent uint64) bool {
	for {
		op, ok := d.peek()
		if !ok {
			return false
		}
		var idx int
		switch op {
		case opMemoize:
			idx = d.nmemo
			d.pos++
		case opBinput:
			if len(d.data)-d.pos < 2 {
				return false
			}
			idx = int(d.data[d.pos+1])
			d.pos += 2
		case opLongBinput:
			if len(d.data)-d.pos < 5 {
				return false
			}
			idx = int(binary.LittleEndian.Uint32(d.data[d.pos+1:]))
			d.pos += 5
		default:
			return true
		}
		switch {
		case idx < len(d.memos):
			if d.memos[idx] == 0 {
				d.nmemo++
			}
		case idx == len(d.memos):
			d.memos = append(d.memos, 0)
			d.nmemo++
		default:
			return false // only the dense indexes CPython writes
		}
		if d.nmemo >= d.m.cfg.maxMemo {
			return false
		}
		d.memos[idx] = ent
	}
}

// memoGet reads the index of a memo GET (op already read) and returns
// the str it fetches; false for anything else.
func (d *direct) memoGet(op byte) ([]byte, bool) {
	var idx int
	switch op {
	case opBinget:
		if d.pos >= len(d.data) {
			return nil, false
		}
		idx = int(d.data[d.pos])
		d.pos++
	case opLongBinget:
		if len(d.data)-d.pos < 4 {
			return nil, false
		}
		idx = int(binary.LittleEndian.Uint32(d.data[d.pos:]))
		d.pos += 4
	default:
		return nil, false
	}
	if idx >= len(d.memos) || d.memos[idx]&memoStrFlag == 0 || d.memos[idx]&memoOther != 0 {
		return nil, false
	}
	e := d.memos[idx]
	off, n := int(e>>32&(1<<30-1)), int(uint32(e))
	return d.data[off : off+n], true
}

func (d *direct) enter() bool {
	d.depth++
	return d.depth < d.m.cfg.maxDepth
}

// intArg reads the argument of an int opcode (op already read); bools are
// ints here, as the machine's setInt has them.
func (d *direct) intArg(op byte) (int64, bool) {
	data, p := d.data, d.pos
	switch op {
	case opBinint1:
		if p >= len(data) {
			return 0, false
		}
		d.pos++
		return int64(data[p]), true
	case opBinint2:
		if len(data)-p < 2 {
			return 0, false
		}
		d.pos += 2
		return int64(binary.LittleEndian.Uint16(data[p:])), true
	case opBinint:
		if len(data)-p < 4 {
			return 0, false
		}
		d.pos += 4
		return int64(int32(binary.LittleEndian.Uint32(data[p:]))), true
	case opLong1:
		if p >= len(data) {
			return 0, false
		}
		n := int(data[p])
		if n > 8 || len(data)-p-1 < n {
			return 0, false
		}
		d.pos += 1 + n
		b := data[p+1 : p+1+n]
		if n == 0 {
			return 0, true
		}
		var u uint64
		for i := n - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[i])
		}
		shift := uint(64 - 8*n)
		return int64(u<<shift) >> shift, true
	case opNewtrue:
		return 1, true
	case opNewfalse:
		return 0, true
	}
	return 0, false
}

// strArg reads the bytes of a str opcode, or of the str a memo GET
// fetches (op already read).
func (d *direct) strArg(op byte) ([]byte, bool) {
	var w int
	switch op {
	case opShortBinunicode:
		w = 1
	case opBinunicode:
		w = 4
	case opBinunicode8:
		w = 8
	default:
		return d.memoGet(op)
	}
	p := d.pos
	if len(d.data)-p < w {
		return nil, false
	}
	var n uint64
	switch w {
	case 1:
		n = uint64(d.data[p])
	case 4:
		n = uint64(binary.LittleEndian.Uint32(d.data[p:]))
	default:
		n = binary.LittleEndian.Uint64(d.data[p:])
	}
	p += w
	if n > uint64(len(d.data)-p) {
		return nil, false
	}
	d.pos = p + int(n)
	return d.data[p:d.pos], true
}

// isStrOp tells whether op makes or may fetch a str.
func isStrOp(op byte) bool {
	switch op {
	case opShortBinunicode, opBinunicode, opBinunicode8, opBinget, opLongBinget:
		return true
	}
	return false
}

// scalarEnd returns where the scalar opcode at pos ends, past the memo
// puts after it; false if pos holds no scalar this decoder reads.
func (d *direct) scalarEnd(pos int) (int, bool) {
	save := d.pos
	defer func() { d.pos = save }()
	d.pos = pos
	op, ok := d.next()
	if !ok {
		return 0, false
	}
	switch op {
	case opNone:
	case opBinfloat:
		if len(d.data)-d.pos < 8 {
			return 0, false
		}
		d.pos += 8
	case opBinget:
		d.pos++
	case opLongBinget:
		d.pos += 4
	default:
		if _, ok := d.intArg(op); !ok {
			if _, ok := d.strArg(op); !ok {
				return 0, false
			}
		}
	}
	// Skip the memo puts without making them.
	for {
		op, ok := d.peek()
		switch {
		case !ok:
			return 0, false
		case op == opMemoize:
			d.pos++
		case op == opBinput:
			d.pos += 2
		case op == opLongBinput:
			d.pos += 5
		default:
			return d.pos, true
		}
	}
}

// opAt returns the opcode at pos, past any FRAME.
func (d *direct) opAt(pos int) (byte, bool) {
	save := d.pos
	d.pos = pos
	op, ok := d.peek()
	d.pos = save
	return op, ok
}

func isContainerOp(op byte) bool {
	return op == opEmptyList || op == opEmptyDict || op == opEmptyTuple
}

// --- scalars ---

func decBool(d *direct, p unsafe.Pointer, _ follows) bool {
	op, ok := d.next()
	switch {
	case !ok:
		return false
	case op == opNewtrue:
		*(*bool)(p) = true
	case op == opNewfalse:
		*(*bool)(p) = false
	case op != opNone: // None leaves the value alone
		return false
	}
	return d.memo()
}

func intDecoder(size uintptr) directFunc {
	return func(d *direct, p unsafe.Pointer, _ follows) bool {
		op, ok := d.next()
		if !ok {
			return false
		}
		if op != opNone {
			n, ok := d.intArg(op)
			if !ok {
				return false
			}
			switch size {
			case 1:
				if int64(int8(n)) != n {
					return false
				}
				*(*int8)(p) = int8(n)
			case 2:
				if int64(int16(n)) != n {
					return false
				}
				*(*int16)(p) = int16(n)
			case 4:
				if int64(int32(n)) != n {
					return false
				}
				*(*int32)(p) = int32(n)
			default:
				*(*int64)(p) = n
			}
		}
		return d.memo()
	}
}

func uintDecoder(size uintptr) directFunc {
	return func(d *direct, p unsafe.Pointer, _ follows) bool {
		op, ok := d.next()
		if !ok {
			return false
		}
		if op != opNone {
			n, ok := d.intArg(op)
			if !ok || n < 0 {
				return false
			}
			switch size {
			case 1:
				if n > math.MaxUint8 {
					return false
				}
				*(*uint8)(p) = uint8(n)
			case 2:
				if n > math.MaxUint16 {
					return false
				}
				*(*uint16)(p) = uint16(n)
			case 4:
				if n > math.MaxUint32 {
					return false
				}
				*(*uint32)(p) = uint32(n)
			default:
				*(*uint64)(p) = uint64(n)
			}
		}
		return d.memo()
	}
}

// floatArg reads a float, or an int as a float (op already read).
func (d *direct) floatArg(op byte) (float64, bool) {
	if op == opBinfloat {
		if len(d.data)-d.pos < 8 {
			return 0, false
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(d.data[d.pos:]))
		d.pos += 8
		return f, true
	}
	n, ok := d.intArg(op)
	return float64(n), ok
}

func decFloat64(d *direct, p unsafe.Pointer, _ follows) bool {
	op, ok := d.next()
	if !ok {
		return false
	}
	if op != opNone {
		f, ok := d.floatArg(op)
		if !ok {
			return false
		}
		*(*float64)(p) = f
	}
	return d.memo()
}

func decFloat32(d *direct, p unsafe.Pointer, _ follows) bool {
	op, ok := d.next()
	if !ok {
		return false
	}
	if op != opNone {
		f, ok := d.floatArg(op)
		if !ok || op == opBinfloat && math.Abs(f) > math.MaxFloat32 && !math.IsInf(f, 0) {
			return false // the machine's overflow error
		}
		*(*float32)(p) = float32(f)
	}
	return d.memo()
}

func decString(d *direct, p unsafe.Pointer, _ follows) bool {
	op, ok := d.next()
	if !ok {
		return false
	}
	if op != opNone {
		b, ok := d.strArg(op)
		if !ok {
			return false
		}
		*(*string)(p) = d.m.newString(b)
		return d.memoStr(b)
	}
	return d.memo()
}

// ptrDecoder decodes into a pointer to a scalar as the machine does: None
// makes it nil, anything else goes into the value it points to, allocated
// when nil.
func ptrDecoder(t reflect.Type, elem *directPlan) directFunc {
	et := t.Elem()
	return func(d *direct, p unsafe.Pointer, c follows) bool {
		op, ok := d.peek()
		if !ok {
			return false
		}
		pp := (*unsafe.Pointer)(p)
		if op == opNone {
			d.pos++
			*pp = nil
			return d.memo()
		}
		if *pp == nil {
			*pp = reflect.New(et).UnsafePointer()
		}
		return elem.run(d, *pp, c)
	}
}

// --- lists and tuples ---

// seqItems decodes the items of a container just created (its memo puts
// read) with item, and reports the consuming opcode's batches: MARK items
// end, any number of times, or one item followed by single (CPython writes
// a one-item list as EMPTY_LIST item APPEND, a one-item dict as EMPTY_DICT
// key value SETITEM). itemAhead says whether the opcode at hand starts the
// container's single item rather than what follows the container, when
// that cannot be told from c alone.
func (d *direct) seqItems(item func(follows) bool, end, single byte, c follows, itemAhead func(op byte) (bool, bool), tuples func(n, k int) bool) bool {
	first := true
	for {
		op, ok := d.peek()
		if !ok {
			return false
		}
		if op == opMark {
			d.pos++
			if !d.markItems(item, end, tuples) {
				return false
			}
			first = false
			continue
		}
		if !first {
			return true
		}
		first = false
		isItem, ok := itemAhead(op)
		if !ok {
			return false
		}
		if !isItem {
			return true
		}
		if !item(followsEnd) {
			return false
		}
		if op, ok := d.next(); !ok || op != single {
			return false
		}
		return true
	}
}

// markItems decodes the items after a MARK up to end (read too). tuples,
// when not nil, takes TUPLE1-3 among them as the machine does, making one
// tuple of the last n items (k items follow the MARK); false gives up.
func (d *direct) markItems(item func(follows) bool, end byte, tuples func(n, k int) bool) bool {
	k := 0
	for {
		op, ok := d.peek()
		if !ok {
			return false
		}
		switch {
		case op == end:
			d.pos++
			return true
		case tuples != nil && op >= opTuple1 && op <= opTuple3:
			d.pos++
			n := int(op-opTuple1) + 1
			if n > k || !tuples(n, k) || !d.memo() {
				return false
			}
			k -= n - 1
			continue
		}
		if !item(followsValue) {
			return false
		}
		k++
	}
}

// listItemAhead tells whether op, right after an EMPTY_LIST (and its memo
// puts), starts the list's single item; false, false when it cannot be
// told (the caller gives up).
func (d *direct) listItemAhead(op byte, c follows) (bool, bool) {
	if isContainerOp(op) {
		// What follows a list in a dict is a str key, at the end a
		// consuming opcode: there a container is the list's item. Among
		// items, only the end of the container would tell.
		return c != followsValue, c != followsValue
	}
	end, ok := d.scalarEnd(d.pos)
	if !ok {
		return false, true // no value: the list is empty
	}
	if c == followsEnd {
		return true, true
	}
	after, ok := d.opAt(end)
	return ok && after == opAppend, ok
}

// dictItemAhead tells whether op, right after an EMPTY_DICT (and its memo
// puts), starts the dict's single item (a str key, then its value).
func (d *direct) dictItemAhead(op byte, c follows) (bool, bool) {
	if !isStrOp(op) {
		return false, true // no key: the dict is empty
	}
	if c == followsEnd {
		return true, true
	}
	keyEnd, ok := d.scalarEnd(d.pos)
	if !ok {
		return false, false
	}
	end, ok := d.scalarEnd(keyEnd)
	if !ok {
		// The key, then a container: the dict's item, or the parent's
		// next key and its value; only the end of that value would tell.
		return false, false
	}
	after, ok := d.opAt(end)
	return ok && after == opSetitem, ok
}

// sliceBuilder collects a slice's elements with doubling growth; the
// slice is stored whole when complete.
type sliceBuilder struct {
	t    reflect.Type
	size uintptr
	s    reflect.Value
	base unsafe.Pointer
	n    int
}

func (b *sliceBuilder) slot() unsafe.Pointer {
	if !b.s.IsValid() || b.n == b.s.Len() {
		c := max(4, 2*b.n)
		ns := reflect.MakeSlice(b.t, c, c)
		if b.s.IsValid() {
			reflect.Copy(ns, b.s)
		}
		b.s, b.base = ns, ns.UnsafePointer()
	}
	return unsafe.Add(b.base, uintptr(b.n)*b.size)
}

func (b *sliceBuilder) store(p unsafe.Pointer) {
	sv := reflect.NewAt(b.t, p).Elem()
	if b.n == 0 {
		if sv.IsNil() {
			sv.Set(reflect.MakeSlice(b.t, 0, 0))
		}
		return
	}
	sv.Set(b.s.Slice3(0, b.n, b.n))
}

func sliceDecoder(t reflect.Type, elem *directPlan) directFunc {
	size := t.Elem().Size()
	var scalars func(d *direct, p unsafe.Pointer, c follows) bool
	switch ek := t.Elem().Kind(); {
	case (ek == reflect.Int64 || ek == reflect.Int) && size == 8:
		scalars = scalarSlice(func(d *direct, op byte) (int64, bool) { return d.intArg(op) })
	case ek == reflect.Float64:
		scalars = scalarSlice((*direct).floatArg)
	case ek == reflect.String:
		scalars = stringSlice
	}
	return func(d *direct, p unsafe.Pointer, c follows) bool {
		op, ok := d.peek()
		if !ok {
			return false
		}
		sv := reflect.NewAt(t, p).Elem()
		if op == opNone {
			d.pos++
			sv.SetZero()
			return d.memo()
		}
		if sv.Cap() > 0 {
			return false // the machine decodes into the existing elements
		}
		if scalars != nil {
			return scalars(d, p, c)
		}
		b := sliceBuilder{t: t, size: size}
		item := func(c follows) bool {
			if !elem.run(d, b.slot(), c) {
				return false
			}
			b.n++
			return true
		}
		if !d.sequence(item, c, func() int { return b.n }, nil) {
			return false
		}
		b.store(p)
		return true
	}
}

// scalarSlice decodes a list of ints or floats into a slice of int64,
// int or float64 (the same memory) without reflection: the common big
// lists. None leaves an element zero, as the machine leaves it.
func scalarSlice[T int64 | float64](read func(d *direct, op byte) (T, bool)) func(d *direct, p unsafe.Pointer, c follows) bool {
	return func(d *direct, p unsafe.Pointer, c follows) bool {
		var vals []T
		item := func(follows) bool {
			op, ok := d.next()
			if !ok {
				return false
			}
			var x T
			if op != opNone {
				if x, ok = read(d, op); !ok {
					return false
				}
			}
			vals = append(growLarge(vals), x)
			return d.memo()
		}
		if !d.sequence(item, c, func() int { return len(vals) }, nil) {
			return false
		}
		if vals == nil {
			vals = []T{}
		}
		*(*[]T)(p) = vals[:len(vals):len(vals)]
		return true
	}
}

// growLarge doubles a full slice of 256 items or more (append grows
// large slices by 1.25x, copying a big list several times over); a small
// one grows as append grows it, so that the many short lists of a record
// stay short.
func growLarge[T any](s []T) []T {
	if len(s) < cap(s) || cap(s) < 256 {
		return s
	}
	return slices.Grow(s, cap(s))
}

// stringSlice is scalarSlice for a slice of a string type.
func stringSlice(d *direct, p unsafe.Pointer, c follows) bool {
	var vals []string
	item := func(follows) bool {
		var s string
		op, ok := d.next()
		if !ok {
			return false
		}
		if op == opNone {
			vals = append(growLarge(vals), s)
			return d.memo()
		}
		b, ok := d.strArg(op)
		if !ok {
			return false
		}
		vals = append(growLarge(vals), d.m.newString(b))
		return d.memoStr(b)
	}
	if !d.sequence(item, c, func() int { return len(vals) }, nil) {
		return false
	}
	if vals == nil {
		vals = []string{}
	}
	*(*[]string)(p) = vals[:len(vals):len(vals)]
	return true
}

func arrayDecoder(t reflect.Type, elem *directPlan) directFunc {
	size, n := t.Elem().Size(), t.Len()
	return func(d *direct, p unsafe.Pointer, c follows) bool {
		if op, ok := d.peek(); ok && op == opNone {
			d.pos++
			return d.memo() // None leaves an array alone
		}
		i := 0
		item := func(c follows) bool {
			if i >= n {
				return false // the machine's length error
			}
			if !elem.run(d, unsafe.Add(p, uintptr(i)*size), c) {
				return false
			}
			i++
			return true
		}
		if !d.sequence(item, c, func() int { return i }, nil) {
			return false
		}
		return i == n
	}
}

// sequence decodes a list or a tuple with item: EMPTY_LIST and its
// batches, EMPTY_TUPLE, MARK items TUPLE, or one to three items then
// TUPLE1-3. count says how many items item has taken; tuples, when not
// nil, builds the tuples TUPLE1-3 make among a MARK's items (markItems).
func (d *direct) sequence(item func(follows) bool, c follows, count func() int, tuples func(n, k int) bool) bool {
	op, ok := d.next()
	if !ok {
		return false
	}
	if !d.enter() {
		return false
	}
	defer func() { d.depth-- }()
	switch op {
	case opEmptyList:
		if !d.memo() {
			return false
		}
		return d.seqItems(item, opAppends, opAppend, c, func(op byte) (bool, bool) { return d.listItemAhead(op, c) }, tuples)
	case opEmptyTuple:
		return d.memo()
	case opMark:
		return d.markItems(item, opTuple, tuples) && d.memo()
	}
	d.pos--
	for k := 1; k <= 3; k++ {
		if !item(followsValue) {
			return false
		}
		op, ok := d.peek()
		if !ok {
			return false
		}
		if op >= opTuple1 && op <= opTuple3 {
			if int(op-opTuple1)+1 != count() {
				return false
			}
			d.pos++
			return d.memo()
		}
	}
	return false
}

// --- dicts ---

// dictItems decodes a dict just created (EMPTY_DICT read) with pair, which
// reads one key and its value.
func (d *direct) dictItems(pair func(follows) bool, c follows) bool {
	if !d.enter() {
		return false
	}
	defer func() { d.depth-- }()
	if !d.memo() {
		return false
	}
	item := func(c follows) bool {
		if c == followsValue {
			c = followsKey // inside MARK ... SETITEMS
		}
		return pair(c)
	}
	return d.seqItems(item, opSetitems, opSetitem, c, func(op byte) (bool, bool) { return d.dictItemAhead(op, c) }, nil)
}

// key reads a str key.
func (d *direct) key() ([]byte, bool) {
	op, ok := d.next()
	if !ok {
		return nil, false
	}
	b, ok := d.strArg(op)
	if !ok {
		return nil, false
	}
	return b, d.memoStr(b)
}

func mapDecoder(t reflect.Type, elem *directPlan) directFunc {
	kt, et := t.Key(), t.Elem()
	return func(d *direct, p unsafe.Pointer, c follows) bool {
		op, ok := d.next()
		if !ok {
			return false
		}
		mv := reflect.NewAt(t, p).Elem()
		switch op {
		case opNone:
			mv.SetZero()
			return d.memo()
		case opEmptyDict:
		default:
			return false
		}
		if mv.IsNil() {
			mv.Set(reflect.MakeMap(t))
		}
		pair := func(c follows) bool {
			kb, ok := d.key()
			if !ok {
				return false
			}
			k := reflect.New(kt).Elem()
			k.SetString(d.m.newString(kb))
			e := reflect.New(et)
			if !elem.run(d, e.UnsafePointer(), c) {
				return false
			}
			mv.SetMapIndex(k, e.Elem())
			return true
		}
		return d.dictItems(pair, c)
	}
}

type directField struct {
	offset uintptr
	plan   *directPlan
}

func (b *planBuilder) structDecoder(t reflect.Type) directFunc {
	sf := fieldsOf(t)
	fields := make([]directField, len(sf.list))
	for i, f := range sf.list {
		// Promoted fields are reached through embedded structs, never
		// pointers (buildFields), so their offsets add up.
		st := t
		for _, j := range f.index {
			fields[i].offset += st.Field(j).Offset
			st = st.Field(j).Type
		}
		fields[i].plan = b.plan(f.typ)
	}
	return func(d *direct, p unsafe.Pointer, c follows) bool {
		op, ok := d.next()
		if !ok {
			return false
		}
		switch op {
		case opNone:
			return d.memo() // as encoding/json: None leaves a struct alone
		case opEmptyDict:
		default:
			return false
		}
		pair := func(c follows) bool {
			kb, ok := d.key()
			if !ok {
				return false
			}
			i, ok := sf.byName[string(kb)]
			if !ok {
				f, ok := sf.lookup(string(kb))
				if !ok {
					return false // a key no field takes: the machine skips its value
				}
				i = sf.byName[f.name]
			}
			f := &fields[i]
			return f.plan.run(d, unsafe.Add(p, f.offset), c)
		}
		return d.dictItems(pair, c)
	}
}

// --- any ---

// decAny decodes into an `any` what the machine's toAny makes of the same
// value: nil, bool, int64, float64, string, []any, Tuple, *Dict (str keys).
func decAny(d *direct, p unsafe.Pointer, c follows) bool {
	x, ok := d.anyValue(c)
	if ok {
		*(*any)(p) = x
	}
	return ok
}

func (d *direct) anyValue(c follows) (any, bool) {
	op, ok := d.peek()
	if !ok {
		return nil, false
	}
	switch op {
	case opEmptyList:
		return d.anyItems(c, false)
	case opEmptyTuple, opMark:
		return d.anyItems(c, true)
	case opEmptyDict:
		d.pos++
		// Keys and values wait on the stack until the dict is complete,
		// to make it at its size.
		start := len(d.stack)
		pair := func(c follows) bool {
			kb, ok := d.key()
			if !ok {
				return false
			}
			d.stack = append(d.stack, d.m.boxString(d.m.newString(kb)))
			x, ok := d.anyValue(c)
			d.stack = append(d.stack, x)
			return ok
		}
		if !d.dictItems(pair, c) {
			return nil, false
		}
		kv := d.stack[start:]
		dict := NewDict(len(kv) / 2)
		for i := 0; i < len(kv); i += 2 {
			if dict.Set(kv[i], kv[i+1]) != nil {
				return nil, false
			}
		}
		clear(kv)
		d.stack = d.stack[:start]
		return dict, true
	}
	x, ok := d.anyScalar()
	if !ok || c == followsValue {
		return x, ok // among items, markItems takes the TUPLE1-3 that may follow
	}
	// The first of the scalars of a short tuple? What follows a value
	// here is a consuming opcode, or a str key: anything else continues a
	// tuple. (A str second item is taken for the next key; the pickle then
	// goes to the machine.)
	items := []any{x}
	for {
		op, ok := d.peek()
		switch {
		case !ok:
			return nil, false
		case op >= opTuple1 && op <= opTuple3:
			if int(op-opTuple1)+1 != len(items) || !d.enter() {
				return nil, false
			}
			d.depth--
			d.pos++
			return Tuple(items), d.memo()
		case len(items) == 3 || isContainerOp(op) || op == opMark || c == followsKey && isStrOp(op):
			if len(items) > 1 {
				return nil, false
			}
			return x, true
		}
		if _, ok := d.scalarEnd(d.pos); !ok {
			if len(items) > 1 {
				return nil, false
			}
			return x, true // a consuming opcode
		}
		y, ok := d.anyScalar()
		if !ok {
			return nil, false
		}
		items = append(items, y)
	}
}

// anyItems decodes a list or tuple (sequence) into an anyList.
func (d *direct) anyItems(c follows, tuple bool) (any, bool) {
	l := anyList{d: d, start: len(d.stack)}
	item := func(c follows) bool {
		x, ok := d.anyValue(c)
		l.push(x)
		return ok
	}
	tuples := func(n, _ int) bool {
		items := l.items()
		last := items[len(items)-n:]
		for _, x := range last {
			switch x.(type) {
			case []any, Tuple, *Dict:
				return false // nested tuples: the machine bounds their depth
			}
		}
		t := Tuple(append([]any(nil), last...))
		l.drop(n)
		l.push(t)
		return true
	}
	if !d.sequence(item, c, func() int { return len(l.items()) }, tuples) {
		return nil, false
	}
	if tuple {
		return Tuple(l.done()), true
	}
	return l.done(), true
}

// anyList collects the items of a list or tuple: the first ones on the
// decoder's stack (shared by all containers being decoded, so that a
// short one is made once, at its size), the rest, once there are
// anyListOwn, in a slice of its own (so that a long one is not copied
// from the stack at the end).
type anyList struct {
	d     *direct
	start int
	own   []any
}

const anyListOwn = 256

func (l *anyList) items() []any {
	if l.own != nil {
		return l.own
	}
	return l.d.stack[l.start:]
}

func (l *anyList) push(x any) {
	if l.own != nil {
		l.own = append(growLarge(l.own), x)
		return
	}
	l.d.stack = append(l.d.stack, x)
	if len(l.d.stack)-l.start >= anyListOwn {
		l.own = append(make([]any, 0, 2*anyListOwn), l.d.stack[l.start:]...)
		l.release()
	}
}

func (l *anyList) drop(n int) {
	if l.own != nil {
		clear(l.own[len(l.own)-n:])
		l.own = l.own[:len(l.own)-n]
		return
	}
	clear(l.d.stack[len(l.d.stack)-n:])
	l.d.stack = l.d.stack[:len(l.d.stack)-n]
}

func (l *anyList) release() {
	clear(l.d.stack[l.start:])
	l.d.stack = l.d.stack[:l.start]
}

func (l *anyList) done() []any {
	if l.own != nil {
		return l.own[:len(l.own):len(l.own)]
	}
	items := append([]any{}, l.d.stack[l.start:]...)
	l.release()
	return items
}

func (d *direct) anyScalar() (any, bool) {
	op, ok := d.next()
	if !ok {
		return nil, false
	}
	var x any
	switch op {
	case opNone:
	case opNewtrue:
		x = true
	case opNewfalse:
		x = false
	case opBinfloat:
		f, ok := d.floatArg(op)
		if !ok {
			return nil, false
		}
		x = d.m.boxFloat(f)
	default:
		if n, ok := d.intArg(op); ok {
			x = d.m.boxInt(n)
			break
		}
		b, ok := d.strArg(op)
		if !ok {
			return nil, false
		}
		return d.m.boxString(d.m.newString(b)), d.memoStr(b)
	}
	return x, d.memo()
}

// --- the whole pickle ---

// decodeDirect decodes the pickle in m into rv (settable) in one pass and
// reports whether it did; false leaves the work to the machine, and rv as
// it was. Only a zero rv is decoded directly: the machine reads the whole
// pickle before it writes anything, so a pickle it refuses leaves the
// target untouched, and the direct decoder, which writes as it reads,
// can only promise that by setting the target back to zero.
func (s *smallMachine) decodeDirect(rv reflect.Value) bool {
	pl := directPlanOf(rv.Type())
	if pl.dec == nil || !rv.CanAddr() || !rv.IsZero() {
		return false
	}
	m := &s.machine
	s.direct = direct{m: m, data: m.data, stack: s.dstack[:0], memos: s.dmemos[:0]}
	if !s.direct.run(pl, rv) {
		rv.SetZero()
		return false
	}
	return true
}

func (d *direct) run(pl *directPlan, rv reflect.Value) bool {
	if len(d.data) >= 1<<30 {
		return false // memo entries hold offsets in 30 bits
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
