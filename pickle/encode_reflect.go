package pickle

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unsafe"
)

// encoderFunc writes one Go value of a given type. k, when set, is the
// identity the value has through the pointer it was reached by.
type encoderFunc func(e *encoder, rv reflect.Value, k refKey) error

var encoderCache sync.Map // reflect.Type -> encoderFunc

// typeEncoder returns the (cached) encoder for t. As in encoding/json, a
// recursive type gets a forwarding stub while its encoder is being built.
func typeEncoder(t reflect.Type) encoderFunc {
	if f, ok := encoderCache.Load(t); ok {
		return f.(encoderFunc)
	}
	var (
		wg sync.WaitGroup
		f  encoderFunc
	)
	wg.Add(1)
	fi, loaded := encoderCache.LoadOrStore(t, encoderFunc(func(e *encoder, rv reflect.Value, k refKey) error {
		wg.Wait()
		return f(e, rv, k)
	}))
	if loaded {
		return fi.(encoderFunc)
	}
	f = newTypeEncoder(t, true)
	wg.Done()
	encoderCache.Store(t, f)
	return f
}

var marshalerType = reflect.TypeFor[Marshaler]()

func newTypeEncoder(t reflect.Type, allowAddr bool) encoderFunc {
	if t.Implements(marshalerType) {
		return marshalerEncoder
	}
	if allowAddr && t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(marshalerType) {
		return condAddrEncoder(addrMarshalerEncoder, newTypeEncoder(t, false))
	}
	if f := forms[t]; f != nil {
		return f.encodeValue
	}
	switch t.Kind() {
	case reflect.Bool:
		return registeredScalar(t, boolEncoder)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return registeredScalar(t, intEncoder)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return registeredScalar(t, uintEncoder)
	case reflect.Float32, reflect.Float64:
		return registeredScalar(t, floatEncoder)
	case reflect.Complex64, reflect.Complex128:
		return complexEncoder
	case reflect.String:
		return registeredScalar(t, stringEncoder)
	case reflect.Interface:
		return interfaceEncoder
	case reflect.Struct:
		return newStructEncoder(t)
	case reflect.Map:
		return newMapEncoder(t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !elemMarshals(t.Elem()) {
			return bytesEncoder
		}
		return newSliceEncoder(t)
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && !elemMarshals(t.Elem()) {
			return byteArrayValueEncoder
		}
		return newSliceEncoder(t)
	case reflect.Pointer:
		return newPtrEncoder(t)
	default:
		return unsupportedTypeEncoder
	}
}

func elemMarshals(t reflect.Type) bool {
	return t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType)
}

// saveReflect writes a value found by reflection (save has been done).
func (e *encoder) saveReflect(rv reflect.Value, k refKey) error {
	if !rv.IsValid() {
		e.op(opNone)
		return nil
	}
	return typeEncoder(rv.Type())(e, rv, k)
}

// saveWith is save for a reflected value whose encoder is known.
func (e *encoder) saveWith(enc encoderFunc, rv reflect.Value) error {
	e.boundary()
	if e.cfg.persistentID != nil {
		v, err := valueInterface(rv)
		if err != nil {
			return err
		}
		if done, err := e.persistent(v); done || err != nil {
			return err
		}
	}
	return enc(e, rv, refKey{})
}

// valueInterface is rv.Interface(), also for values reached through an
// unexported embedded struct (addressable ones, which the struct encoder
// guarantees).
func valueInterface(rv reflect.Value) (any, error) {
	if rv.CanInterface() {
		return rv.Interface(), nil
	}
	if rv.CanAddr() {
		return reflect.NewAt(rv.Type(), unsafe.Pointer(rv.UnsafeAddr())).Elem().Interface(), nil
	}
	return nil, &UnsupportedValueError{Value: rv, Str: "value of type " + rv.Type().String() + " is not accessible"}
}

// exported returns a view of rv without the read-only flag of an
// unexported embedded field, when rv is addressable.
func exported(rv reflect.Value) reflect.Value {
	if rv.CanInterface() || !rv.CanAddr() {
		return rv
	}
	return reflect.NewAt(rv.Type(), unsafe.Pointer(rv.UnsafeAddr())).Elem()
}

func boolEncoder(e *encoder, rv reflect.Value, _ refKey) error {
	e.writeBool(rv.Bool())
	return nil
}

func intEncoder(e *encoder, rv reflect.Value, _ refKey) error {
	e.writeInt(rv.Int())
	return nil
}

func uintEncoder(e *encoder, rv reflect.Value, _ refKey) error {
	e.writeUint(rv.Uint())
	return nil
}

func floatEncoder(e *encoder, rv reflect.Value, _ refKey) error {
	e.writeFloat(rv.Float())
	return nil
}

func complexEncoder(e *encoder, rv reflect.Value, _ refKey) error {
	return e.saveComplex(rv.Complex())
}

func stringEncoder(e *encoder, rv reflect.Value, _ refKey) error {
	return e.saveString(rv.String())
}

func bytesEncoder(e *encoder, rv reflect.Value, _ refKey) error {
	return e.saveBytes(rv.Bytes(), true)
}

func byteArrayValueEncoder(e *encoder, rv reflect.Value, _ refKey) error {
	b := make([]byte, rv.Len())
	reflect.Copy(reflect.ValueOf(b), exported(rv))
	return e.saveBytes(b, false)
}

func unsupportedTypeEncoder(_ *encoder, rv reflect.Value, _ refKey) error {
	return &UnsupportedTypeError{Type: rv.Type()}
}

func interfaceEncoder(e *encoder, rv reflect.Value, _ refKey) error {
	if rv.IsNil() {
		e.op(opNone)
		return nil
	}
	if err := e.enter(); err != nil {
		return err
	}
	elem := rv.Elem()
	var err error
	if elem.CanInterface() {
		err = e.saveNoPers(elem.Interface())
	} else {
		err = e.saveReflect(elem, refKey{})
	}
	e.leave()
	return err
}

func marshalerEncoder(e *encoder, rv reflect.Value, _ refKey) error {
	if (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) && rv.IsNil() {
		e.op(opNone)
		return nil
	}
	v, err := valueInterface(rv)
	if err != nil {
		return err
	}
	return e.saveMarshaled(v.(Marshaler), rv.Type())
}

func addrMarshalerEncoder(e *encoder, rv reflect.Value, _ refKey) error {
	v, err := valueInterface(rv.Addr())
	if err != nil {
		return err
	}
	return e.saveMarshaled(v.(Marshaler), rv.Type())
}

func (e *encoder) saveMarshaled(m Marshaler, t reflect.Type) error {
	v, err := m.MarshalPickle()
	if err != nil {
		return &MarshalerError{Type: t, Err: err}
	}
	// Keep the result alive until the pickle is done: the memo holds the
	// addresses of what it contains.
	e.keep = append(e.keep, v)
	if err := e.enter(); err != nil {
		return err
	}
	err = e.saveNoPers(v)
	e.leave()
	return err
}

func condAddrEncoder(canAddr, elseEnc encoderFunc) encoderFunc {
	return func(e *encoder, rv reflect.Value, k refKey) error {
		if rv.CanAddr() {
			return canAddr(e, rv, k)
		}
		return elseEnc(e, rv, k)
	}
}

// --- pointers ---

func newPtrEncoder(t reflect.Type) encoderFunc {
	elemEnc := typeEncoder(t.Elem())
	// Pointers to structs and arrays give the object an identity; other
	// pointees have their own (slices, maps) or need none (numbers, str).
	keyed := t.Elem().Kind() == reflect.Struct || t.Elem().Kind() == reflect.Array
	tid := typeID(t)
	return func(e *encoder, rv reflect.Value, _ refKey) error {
		if rv.IsNil() {
			e.op(opNone)
			return nil
		}
		var k refKey
		if keyed {
			k = refKey{p: rv.UnsafePointer(), t: tid}
			if idx, ok := e.memoRef(k); ok {
				e.memoGet(idx)
				return nil
			}
		}
		if err := e.enter(); err != nil {
			return err
		}
		err := elemEnc(e, rv.Elem(), k)
		e.leave()
		return err
	}
}

// --- slices and arrays → list ---

func newSliceEncoder(t reflect.Type) encoderFunc {
	elemEnc := typeEncoder(t.Elem())
	isSlice := t.Kind() == reflect.Slice
	fast := sliceFast(t.Elem())
	tid := typeID(t)
	return func(e *encoder, rv reflect.Value, k refKey) error {
		n := rv.Len()
		if isSlice {
			k = refKey{}
			if n > 0 {
				k = refKey{p: rv.UnsafePointer(), n: n, t: tid}
			}
		}
		if idx, ok := e.memoRef(k); ok {
			e.memoGet(idx)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		rv = exported(rv)
		e.writeEmptyList()
		e.memoPutRef(k)
		var err error
		if fast != nil && isSlice && e.bin && n > 1 && e.cfg.persistentID == nil {
			err = fast(e, rv.UnsafePointer(), n)
		} else {
			err = e.listItems(n, func(i int) error { return e.saveWith(elemEnc, rv.Index(i)) })
		}
		e.leave()
		return err
	}
}

// sliceFast encodes the items of a []int, []int64, []float64 or []string
// without reflection, as saveList does for the same scalars in a []any:
// through rv.Index and an encoderFunc per element, a []int encoded at half
// the speed of the same ints in a []any (reflect.Value.Index and the
// per-element call were half of the CPU profile of
// BenchmarkEncode/ints1M_typed). The bytes are those of listItems. The loop
// is written out per type on purpose: one generic loop calling a write
// function per element measured ~20% slower on floats1M_typed.
func sliceFast(t reflect.Type) func(e *encoder, p unsafe.Pointer, n int) error {
	switch t {
	case reflect.TypeFor[int]():
		return func(e *encoder, p unsafe.Pointer, n int) error {
			s := unsafe.Slice((*int)(p), n)
			from := len(e.buf)
			for start := 0; start < n; start += batchSize {
				e.batchMark(from, start, n)
				for _, x := range s[start:min(n, start+batchSize)] {
					e.boundary()
					e.writeInt(int64(x))
				}
				e.op(opAppends)
			}
			return nil
		}
	case reflect.TypeFor[int64]():
		return func(e *encoder, p unsafe.Pointer, n int) error {
			s := unsafe.Slice((*int64)(p), n)
			from := len(e.buf)
			for start := 0; start < n; start += batchSize {
				e.batchMark(from, start, n)
				for _, x := range s[start:min(n, start+batchSize)] {
					e.boundary()
					e.writeInt(x)
				}
				e.op(opAppends)
			}
			return nil
		}
	case reflect.TypeFor[float64]():
		return func(e *encoder, p unsafe.Pointer, n int) error {
			s := unsafe.Slice((*float64)(p), n)
			from := len(e.buf)
			for start := 0; start < n; start += batchSize {
				e.batchMark(from, start, n)
				for _, x := range s[start:min(n, start+batchSize)] {
					e.boundary()
					e.writeFloat(x)
				}
				e.op(opAppends)
			}
			return nil
		}
	case reflect.TypeFor[string]():
		return func(e *encoder, p unsafe.Pointer, n int) error {
			s := unsafe.Slice((*string)(p), n)
			from := len(e.buf)
			for start := 0; start < n; start += batchSize {
				end := min(n, start+batchSize)
				e.batchMark(from, start, n)
				for i, x := range s[start:end] {
					e.boundary()
					if err := e.saveString(x); err != nil {
						return withPath(err, indexSeg(start+i))
					}
				}
				e.op(opAppends)
			}
			return nil
		}
	}
	return nil
}

// --- structs → dict, or an instance of a registered class ---

type encField struct {
	name      string
	index     []int
	enc       encoderFunc
	omitEmpty bool
}

type structEncoder struct {
	t         reflect.Type
	fields    []encField
	hasOmit   bool
	needsAddr bool // some field is reached through an unexported embedded struct
}

func newStructEncoder(t reflect.Type) encoderFunc {
	sf := buildFields(t)
	se := &structEncoder{t: t}
	for _, f := range sf.list {
		se.fields = append(se.fields, encField{name: f.name, index: f.index, enc: typeEncoder(f.typ), omitEmpty: f.omitEmpty})
		se.hasOmit = se.hasOmit || f.omitEmpty
		if len(f.index) > 1 {
			st := t
			for _, i := range f.index[:len(f.index)-1] {
				fld := st.Field(i)
				if !fld.IsExported() {
					se.needsAddr = true
				}
				st = fld.Type
			}
		}
	}
	return se.encode
}

// registered looks the type up in the registry, remembering the last answer.
func (e *encoder) registered(t reflect.Type) (registered, bool) {
	if e.cfg.registry == nil {
		return registered{}, false
	}
	if t != e.lastType {
		e.lastReg, e.lastOK = e.cfg.registry.lookupType(t)
		e.lastType = t
	}
	return e.lastReg, e.lastOK
}

// registeredScalar encodes a named bool, number or string type as base does
// unless it is registered AsEnum, when it is that enum's member.
func registeredScalar(t reflect.Type, base encoderFunc) encoderFunc {
	if t.PkgPath() == "" {
		return base // a predeclared type cannot be registered
	}
	return func(e *encoder, rv reflect.Value, k refKey) error {
		if reg, ok := e.registered(t); ok && reg.kind == kindEnum {
			return e.saveEnum(reg.class, rv)
		}
		return base(e, rv, k)
	}
}

// saveEnum writes an enum member as CPython's Enum.__reduce_ex__ has it:
// cls(value).
func (e *encoder) saveEnum(cls Global, value reflect.Value) error {
	if err := e.saveGlobal(cls); err != nil {
		return err
	}
	err := e.tupleOf(1, func(int) error {
		switch value.Kind() {
		case reflect.Bool:
			return e.saveInner(value.Bool())
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return e.saveInner(value.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return e.saveInner(value.Uint())
		case reflect.Float32, reflect.Float64:
			return e.saveInner(value.Float())
		case reflect.String:
			return e.saveInner(value.String()) // not the named type: that is the member itself
		}
		e.boundary()
		return e.saveReflect(value, refKey{})
	})
	if err != nil {
		return err
	}
	e.op(opReduce)
	e.memoPut()
	return nil
}

func (se *structEncoder) encode(e *encoder, rv reflect.Value, k refKey) error {
	if idx, ok := e.memoRef(k); ok {
		e.memoGet(idx)
		return nil
	}
	if se.needsAddr && !rv.CanAddr() && rv.CanInterface() {
		c := reflect.New(se.t).Elem()
		c.Set(rv)
		rv = c
	}
	if err := e.enter(); err != nil {
		return err
	}
	if reg, ok := e.registered(se.t); ok && reg.kind != kindInstance {
		return se.encodeBuilt(e, rv, k, reg)
	}
	if reg, ok := e.registered(se.t); ok {
		if err := e.instanceHeader(reg.class); err != nil {
			return err
		}
		if e.recursed(k) {
			return nil
		}
		e.memoPutRef(k)
		if se.count(rv) > 0 {
			e.boundary()
			e.writeEmptyDict()
			e.memoPut()
			if err := se.items(e, rv); err != nil {
				return err
			}
			e.op(opBuild)
		}
		e.leave()
		return nil
	}
	e.writeEmptyDict()
	e.memoPutRef(k)
	err := se.items(e, rv)
	e.leave()
	return err
}

// encodeBuilt writes a registered namedtuple (cls.__new__(cls, *fields), or
// copyreg._reconstructor(cls, tuple, fields) below protocol 2, as CPython
// writes one) or enum member (cls(value)).
func (se *structEncoder) encodeBuilt(e *encoder, rv reflect.Value, k refKey, reg registered) error {
	if reg.kind == kindEnum {
		err := e.saveEnum(reg.class, se.field(rv, &se.fields[0]))
		e.leave()
		return err
	}
	fields := func() error {
		return e.tupleOf(len(se.fields), func(i int) error {
			f := &se.fields[i]
			e.boundary()
			if err := f.enc(e, se.field(rv, f), refKey{}); err != nil {
				return withPath(err, "."+f.name)
			}
			return nil
		})
	}
	if e.proto >= 2 {
		if err := e.saveGlobal(reg.class); err != nil {
			return err
		}
		if err := fields(); err != nil {
			return err
		}
		e.op(opNewobj)
	} else {
		if err := e.saveGlobal(Global{"copyreg", "_reconstructor"}); err != nil {
			return err
		}
		err := e.tupleOf(3, func(i int) error {
			switch i {
			case 0:
				return e.saveGlobal(reg.class)
			case 1:
				return e.saveGlobal(Global{"builtins", "tuple"})
			}
			return fields()
		})
		if err != nil {
			return err
		}
		e.op(opReduce)
	}
	if e.recursed(k) {
		return nil
	}
	e.memoPutRef(k)
	e.leave()
	return nil
}

func (se *structEncoder) field(rv reflect.Value, f *encField) reflect.Value {
	if len(f.index) == 1 {
		return rv.Field(f.index[0])
	}
	return exported(rv.FieldByIndex(f.index))
}

func (se *structEncoder) count(rv reflect.Value) int {
	if !se.hasOmit {
		return len(se.fields)
	}
	n := 0
	for i := range se.fields {
		f := &se.fields[i]
		if !f.omitEmpty || !isEmptyValue(se.field(rv, f)) {
			n++
		}
	}
	return n
}

func (se *structEncoder) items(e *encoder, rv reflect.Value) error {
	n := se.count(rv)
	if n == 0 {
		return nil
	}
	b := e.batchStart(n, false)
	for i := range se.fields {
		f := &se.fields[i]
		fv := se.field(rv, f)
		if f.omitEmpty && isEmptyValue(fv) {
			continue
		}
		if err := e.saveInterned(f.name); err != nil {
			return err
		}
		if err := e.saveWith(f.enc, fv); err != nil {
			return withPath(err, "."+f.name)
		}
		e.batchNext(&b)
	}
	e.batchEnd(&b)
	return nil
}

// isEmptyValue is encoding/json's omitempty test.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Complex64, reflect.Complex128:
		return v.Complex() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// --- maps → dict ---

func newMapEncoder(t reflect.Type) encoderFunc {
	keyEnc := typeEncoder(t.Key())
	elemEnc := typeEncoder(t.Elem())
	tid := typeID(t)
	return func(e *encoder, rv reflect.Value, _ refKey) error {
		var k refKey
		if p := rv.UnsafePointer(); p != nil {
			k = refKey{p: p, t: tid}
		}
		if idx, ok := e.memoRef(k); ok {
			e.memoGet(idx)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		rv = exported(rv)
		e.writeEmptyDict()
		e.memoPutRef(k)
		n := rv.Len()
		if n == 0 {
			e.leave()
			return nil
		}
		dynamicKeys := t.Key().Kind() == reflect.Interface
		if !dynamicKeys {
			if err := e.checkHashable(t.Key()); err != nil {
				return err
			}
		}
		b := e.batchStart(n, false)
		item := func(kv, vv reflect.Value) error {
			if dynamicKeys && !kv.IsNil() {
				if err := e.checkHashable(kv.Elem().Type()); err != nil {
					return withPath(err, keySeg(kv))
				}
			}
			if err := e.saveWith(keyEnc, kv); err != nil {
				return withPath(err, keySeg(kv))
			}
			if err := e.saveWith(elemEnc, vv); err != nil {
				return withPath(err, keySeg(kv))
			}
			e.batchNext(&b)
			return nil
		}
		if e.cfg.deterministic {
			keys := rv.MapKeys()
			sortKeys(keys)
			for _, kv := range keys {
				if err := item(kv, rv.MapIndex(kv)); err != nil {
					return err
				}
			}
		} else {
			kv := reflect.New(t.Key()).Elem()
			vv := reflect.New(t.Elem()).Elem()
			it := rv.MapRange()
			for it.Next() {
				kv.SetIterKey(it)
				vv.SetIterValue(it)
				if err := item(kv, vv); err != nil {
					return err
				}
			}
		}
		e.batchEnd(&b)
		e.leave()
		return nil
	}
}

// checkHashable rejects Go map key types that encode as Python values a
// dict cannot have as keys: dicts (structs that are not registered
// classes), lists (arrays other than bytes) and the mutable value-model
// types.
func (e *encoder) checkHashable(t reflect.Type) error {
	st := t
	for st.Kind() == reflect.Pointer && forms[st] == nil && !st.Implements(marshalerType) {
		st = st.Elem()
	}
	if st.Kind() == reflect.Struct && forms[st] == nil && !st.Implements(marshalerType) && !reflect.PointerTo(st).Implements(marshalerType) {
		if _, ok := e.registered(st); ok {
			return nil // an instance, hashable
		}
		return &UnsupportedTypeError{Type: st, Reason: "not hashable as a Python dict key: a struct encodes as a dict"}
	}
	if reason := unhashableType(t); reason != "" {
		return &UnsupportedTypeError{Type: t, Reason: "not hashable as a Python dict key: " + reason}
	}
	return nil
}

// sortKeys orders map keys for Deterministic: numbers numerically, then
// strings, then anything else by its printed form, grouped by type.
func sortKeys(keys []reflect.Value) {
	type sk struct {
		rank int
		f    float64
		i    int64
		u    uint64
		s    string
		v    reflect.Value
	}
	ks := make([]sk, len(keys))
	for i, k := range keys {
		x := k
		for x.Kind() == reflect.Interface && !x.IsNil() {
			x = x.Elem()
		}
		s := sk{v: k}
		switch x.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			s.rank, s.i, s.f = 1, x.Int(), float64(x.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			s.rank, s.u, s.f = 2, x.Uint(), float64(x.Uint())
		case reflect.Float32, reflect.Float64:
			s.rank, s.f = 3, x.Float()
		case reflect.String:
			s.rank, s.s = 4, x.String()
		case reflect.Bool:
			s.rank = 0
			if x.Bool() {
				s.i, s.f = 1, 1
			}
		default:
			s.rank = 5
			if x.IsValid() {
				s.s = x.Type().String() + "\x00" + fmt.Sprint(x)
			}
		}
		ks[i] = s
	}
	numeric := func(r int) bool { return r <= 3 }
	sort.SliceStable(ks, func(a, b int) bool {
		x, y := &ks[a], &ks[b]
		if numeric(x.rank) && numeric(y.rank) {
			switch {
			case x.rank == 1 && y.rank == 1 || x.rank == 0 && y.rank == 0:
				return x.i < y.i
			case x.rank == 2 && y.rank == 2:
				return x.u < y.u
			case x.f != y.f:
				return x.f < y.f
			}
			return x.rank < y.rank
		}
		if x.rank != y.rank {
			return x.rank < y.rank
		}
		return strings.Compare(x.s, y.s) < 0
	})
	for i := range ks {
		keys[i] = ks[i].v
	}
}
