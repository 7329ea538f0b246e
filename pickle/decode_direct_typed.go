package pickle

// The direct decoder (decode_direct.go) into typed Go values: scalars,
// pointers to them, slices, arrays, maps with string keys, structs.

import (
	"encoding/binary"
	"math"
	"reflect"
	"slices"
	"unsafe"
)

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

// intDecoder is the decoder of a signed (or unsigned) integer of size
// bytes.
func intDecoder(size uintptr, signed bool) directFunc {
	switch {
	case size == 1 && signed:
		return decodeInteger[int8]
	case size == 2 && signed:
		return decodeInteger[int16]
	case size == 4 && signed:
		return decodeInteger[int32]
	case signed:
		return decodeInteger[int64]
	case size == 1:
		return decodeInteger[uint8]
	case size == 2:
		return decodeInteger[uint16]
	case size == 4:
		return decodeInteger[uint32]
	}
	return decodeInteger[uint64]
}

// decodeInteger stores an int that fits T, converted both ways unchanged
// and with its sign (a negative int never fits an unsigned T).
func decodeInteger[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](d *direct, p unsafe.Pointer, _ follows) bool {
	op, ok := d.next()
	if !ok {
		return false
	}
	if op != opNone {
		n, ok := d.intArg(op)
		v := T(n)
		if !ok || int64(v) != n || (v < 0) != (n < 0) {
			return false
		}
		*(*T)(p) = v
	}
	return d.memo()
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
	if op == opNone {
		return d.memo()
	}
	s, ok := d.stringOf(op)
	if !ok {
		return false
	}
	*(*string)(p) = s
	return true
}

// stringOf reads a str, or a bytes (a string takes bytes too, as in the
// machine), into a Go string, and the memo puts after it (op already read).
func (d *direct) stringOf(op byte) (string, bool) {
	if b, ok := d.strArg(op); ok {
		s := d.text(b)
		return s, d.memoStr(b, s)
	}
	if !d.isBytes(op) {
		return "", false // a bytes fetched again: a copy each time, the machine's
	}
	b, ok := d.sizedArg(op)
	if !ok {
		return "", false
	}
	s := d.m.newString(b)
	return s, d.memoBytes(b, nil)
}

// decBytes decodes into a slice of bytes (of any byte type) as the
// machine does: a copy of a bytes' or a str's bytes; None makes it nil.
func decBytes(d *direct, p unsafe.Pointer, _ follows) bool {
	op, ok := d.next()
	if !ok {
		return false
	}
	pb := (*[]byte)(p)
	if op == opNone {
		*pb = nil
		return d.memo()
	}
	b, text, ok := d.blobArg(op)
	if !ok || d.fetchedAs(false) {
		return false
	}
	if text {
		*pb = cloneBytes(b)
		return d.memoStr(b, "")
	}
	*pb = d.blob(b)
	return d.memoBytes(b, *pb)
}

// cloneBytes copies b out of the input: never nil, as the machine makes
// an empty bytes.
func cloneBytes(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
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
		} else if d.merge {
			return false // what it points to is not in the copy decodeDirect keeps
		}
		return elem.run(d, *pp, c)
	}
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
		op, ok := d.next()
		if !ok {
			return false
		}
		if op == opNone {
			vals = append(growLarge(vals), "")
			return d.memo()
		}
		s, ok := d.stringOf(op)
		vals = append(growLarge(vals), s)
		return ok
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

// mapDecoder decodes into a map with a key of a scalar kind: a string
// kind takes a str, another kind what its plan takes.
func mapDecoder(t reflect.Type, key, elem *directPlan) directFunc {
	kt, et := t.Key(), t.Elem()
	strKey := kt.Kind() == reflect.String
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
		} else if d.merge {
			return false // its entries are not in the copy decodeDirect keeps
		}
		pair := func(c follows) bool {
			k := reflect.New(kt).Elem()
			if strKey {
				_, ks, ok := d.key(true)
				if !ok {
					return false
				}
				k.SetString(ks)
			} else if !key.run(d, k.Addr().UnsafePointer(), followsValue) {
				return false
			}
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
			kb, _, ok := d.key(false)
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
