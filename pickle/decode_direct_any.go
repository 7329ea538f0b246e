package pickle

// The direct decoder (decode_direct.go) into `any`: what the machine's
// toAny makes of the same values.

import (
	"unsafe"
)

// decAny decodes into an `any` what the machine's toAny makes of the same
// value: nil, bool, int64, float64, string, []byte, []any, Tuple, *Dict
// (scalar keys), *Set (of scalars).
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
	case opEmptySet:
		d.pos++
		return d.anySet()
	case opEmptyDict:
		d.pos++
		// Keys and values wait on the stack until the dict is complete,
		// to make it at its size.
		start, mark := len(d.stack), len(d.pending)
		pair := func(c follows) bool {
			var k any
			if op, _ := d.peek(); isStrOp(op) {
				_, ks, ok := d.key(true)
				if !ok {
					return false
				}
				k = d.m.boxString(ks)
			} else if k, ok = d.anyScalar(); !ok || isContainer(k) {
				return false // keys of other kinds: scalars
			}
			d.stack = append(growLarge(d.stack), k)
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
		d.keepAs(mark, dict)
		return dict, true
	}
	x, ok := d.anyScalar()
	if !ok || c == followsValue || isContainer(x) {
		return x, ok // among items, markItems takes the TUPLE1-3 that may follow
	}
	// The first of the scalars of a short tuple? What follows a value
	// here is a consuming opcode, or in a dict the next key: anything else
	// continues a tuple. A str after a value in a dict is taken for the
	// next key (a tuple of strs as a dict's value goes to the machine),
	// another scalar only if no TUPLE1-3 follows it to make it an item.
	var first [3]any // on the stack: nearly always x alone, no tuple
	items := append(first[:0], x)
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
			t := append(Tuple(nil), items...)
			return t, d.memoValue(t)
		case len(items) == 3 || isContainerOp(op) || op == opMark || c == followsKey && (isStrOp(op) || !d.tupleAhead(len(items))):
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
		if !ok || isContainer(y) {
			return nil, false // nested tuples: the machine bounds their depth
		}
		items = append(items, y)
	}
}

// anySet decodes a set of scalars (EMPTY_SET read). CPython adds the
// items in batches of MARK items ADDITEMS, even a single item.
func (d *direct) anySet() (any, bool) {
	mark := len(d.pending)
	if !d.enter() || !d.memo() {
		return nil, false
	}
	d.depth--
	start := len(d.stack)
	item := func(follows) bool {
		x, ok := d.anyScalar()
		d.stack = append(growLarge(d.stack), x)
		return ok && !isContainer(x)
	}
	for {
		op, ok := d.peek()
		if !ok {
			return nil, false
		}
		if op != opMark {
			break
		}
		d.pos++
		if !d.markItems(item, opAdditems, nil) {
			return nil, false
		}
	}
	items := d.stack[start:]
	set := &Set{d: Dict{items: make([]DictItem, 0, len(items)), keys: make([]hashKey, 0, len(items))}}
	for _, x := range items {
		if set.Add(x) != nil {
			return nil, false
		}
	}
	clear(items)
	d.stack = d.stack[:start]
	d.keepAs(mark, set)
	return set, true
}

// tupleAhead tells whether the scalars at hand end in the TUPLE1-3 that
// makes them, after the n read, one tuple.
func (d *direct) tupleAhead(n int) bool {
	pos := d.pos
	for k := n + 1; k <= 3; k++ {
		end, ok := d.scalarEnd(pos)
		if !ok {
			return false
		}
		if op, ok := d.opAt(end); ok && op == opTuple1+byte(k-1) {
			return true
		}
		pos = end
	}
	return false
}

// anyItems decodes a list or tuple (sequence) into an anyList.
func (d *direct) anyItems(c follows, tuple bool) (any, bool) {
	l, mark := anyList{d: d, start: len(d.stack)}, len(d.pending)
	item := func(c follows) bool {
		x, ok := d.anyValue(c)
		l.push(x)
		return ok
	}
	tuples := func(n, mark int) bool {
		items := l.items()
		last := items[len(items)-n:]
		for _, x := range last {
			if isContainer(x) {
				return false // nested tuples: the machine bounds their depth
			}
		}
		t := Tuple(append([]any(nil), last...))
		l.drop(n)
		l.push(t)
		d.keepAs(mark, t)
		return true
	}
	if !d.sequence(item, c, func() int { return len(l.items()) }, tuples) {
		return nil, false
	}
	items := l.done()
	var x any = items
	if tuple {
		x = Tuple(items)
	}
	d.keepAs(mark, x)
	return x, true
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

// anyScalar decodes a scalar, or in the run that keeps (decodeDirect) a
// value of any kind fetched again from the memo (isContainer tells).
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
	case opShortBinunicode, opBinunicode, opBinunicode8:
		b, ok := d.strArg(op)
		if !ok {
			return nil, false
		}
		s := d.text(b)
		return d.m.boxString(s), d.memoStr(b, s)
	case opBinget, opLongBinget:
		b, kind, ok := d.memoGet(op)
		switch {
		case !ok:
			return nil, false
		case kind == memoOther:
			return d.fetchKept(d.lastGet)
		case kind == memoBytesFlag:
			c := d.blob(b)
			return c, d.memoBytes(b, c)
		}
		s := d.text(b)
		return d.m.boxString(s), d.memoStr(b, s)
	default:
		if n, ok := d.intArg(op); ok {
			x = d.m.boxInt(n)
			break
		}
		b, text, ok := d.blobArg(op)
		if !ok {
			return nil, false
		}
		if !text {
			c := d.blob(b)
			return c, d.memoBytes(b, c)
		}
		s := d.text(b)
		return d.m.boxString(s), d.memoStr(b, s)
	}
	return x, d.memoValue(x)
}

func isContainer(x any) bool {
	switch x.(type) {
	case []any, Tuple, *Dict, *Set:
		return true
	}
	return false
}
