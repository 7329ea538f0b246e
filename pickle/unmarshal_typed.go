package pickle

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
)

type pathSeg struct {
	name string
	idx  int
}

type ptrKey struct {
	n int64
	t reflect.Type
}

type typed struct {
	m     *machine
	depth int
	path  []pathSeg
	ptrs  map[ptrKey]reflect.Value
	lastT reflect.Type // one-entry cache in front of infoOf
	lastI *typeInfo
}

func (m *machine) newTyped() *typed {
	switch {
	case m.typed == nil:
		m.typed = &typed{m: m}
	case m.typed.m == nil: // smallMachine's, not yet set up
		m.typed.m = m
	}
	return m.typed
}

func (d *typed) pathString() string {
	var b strings.Builder
	for _, s := range d.path {
		if s.idx >= 0 {
			b.WriteString("[" + strconv.Itoa(s.idx) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.name)
	}
	return b.String()
}

func (m *machine) pyTypeOf(v val) string {
	switch v.k {
	case kNone:
		return "NoneType"
	case kBool:
		return "bool"
	case kInt, kBig:
		return "int"
	case kFloat:
		return "float"
	case kStr, kStrX:
		return "str"
	case kBytes, kBytesX:
		return "bytes"
	case kNode:
		nd := &m.nodes[v.n]
		switch nd.k {
		case nList:
			return "list"
		case nTuple:
			return "tuple"
		case nDict:
			if kind, ok := nd.x.(dictKind); ok {
				return (&Dict{kind: kind}).typeName()
			}
			return "dict"
		case nSet:
			return "set"
		case nFrozenSet:
			return "frozenset"
		case nGlobal:
			return "type"
		case nValue:
			return pyTypeName(nd.x)
		case nObject, nException:
			if g, ok := m.globalOf(nd.obj.class); ok {
				return g.String()
			}
			return "object"
		}
	}
	return "object"
}

func (d *typed) typeErr(v val, t reflect.Type, reason string) error {
	return &UnmarshalTypeError{Value: d.m.pyTypeOf(v), Type: t, Path: d.pathString(), Offset: d.m.base + int64(v.off), Reason: reason}
}

// spend takes n from the expansion budget (machine.expand) for the
// values typed targets make and the bytes they copy (copyUnits): shared
// references make many of them out of few input bytes.
func (d *typed) spend(v val, n int64) error { return d.m.expand(int(v.off), n) }

// copyUnits is what copying n bytes takes from the expansion budget,
// whose unit stands for a 24-byte value: a unit per 16 bytes, so that the
// copies stay well inside what the budget promises.
func copyUnits(n int64) int64 { return (n + 15) / 16 }

// info returns infoOf(t), remembering the last answer: slices and maps
// ask about one element type many times in a row.
func (d *typed) info(t reflect.Type) *typeInfo {
	if t != d.lastT {
		d.lastT, d.lastI = t, infoOf(t)
	}
	return d.lastI
}

// decode stores v into rv (settable).
func (d *typed) decode(v val, rv reflect.Value) error {
	if err := d.spend(v, 1); err != nil {
		return err
	}
	t := rv.Type()
	how := d.info(t).unmarshal
	switch t.Kind() {
	case reflect.Int64, reflect.Int, reflect.Int32, reflect.Int16, reflect.Int8:
		if v.k == kInt && how == unmarshalNone {
			if t.Kind() != reflect.Int64 && rv.OverflowInt(v.n) {
				return d.typeErr(v, t, "value "+strconv.FormatInt(v.n, 10)+" overflows")
			}
			rv.SetInt(v.n)
			return nil
		}
	case reflect.Float64:
		if v.k == kFloat && how == unmarshalNone {
			rv.SetFloat(math.Float64frombits(uint64(v.n)))
			return nil
		}
	case reflect.String:
		if v.k == kStrX && how == unmarshalNone {
			rv.SetString(d.m.strs[v.n])
			return nil
		}
	case reflect.Struct:
		if t == rawValueType {
			rv.Set(reflect.ValueOf(d.m.rawValue(v)))
			return nil
		}
	}
	switch how {
	case unmarshalRaw:
		return rv.Addr().Interface().(RawUnmarshaler).UnmarshalPickleRaw(d.m.rawValue(v))
	case unmarshalAny:
		x, err := d.m.toAny(v)
		if err != nil {
			return err
		}
		return rv.Addr().Interface().(Unmarshaler).UnmarshalPickle(x)
	}
	if isModelTarget(t) {
		return d.decodeModel(v, rv)
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.k == kNone {
			rv.SetZero()
			return nil
		}
		if t == bigIntPtrType {
			x, ok := d.bigOf(v)
			if !ok {
				return d.typeErr(v, t, "")
			}
			rv.Set(reflect.ValueOf(x))
			return nil
		}
		if v.k == kNode {
			nd := &d.m.nodes[v.n]
			// Python objects are shared by reference: so are pointers to them.
			if nd.k == nObject || nd.k == nException || nd.k == nList || nd.k == nDict {
				key := ptrKey{v.n, t}
				if p, ok := d.ptrs[key]; ok {
					rv.Set(p)
					return nil
				}
				p := reflect.New(t.Elem())
				if d.ptrs == nil {
					d.ptrs = map[ptrKey]reflect.Value{}
				}
				d.ptrs[key] = p
				rv.Set(p)
				return d.decodeNested(v, p.Elem())
			}
			if nd.k == nValue && nd.x != nil && reflect.TypeOf(nd.x) == t {
				rv.Set(reflect.ValueOf(nd.x))
				return nil
			}
		}
		if rv.IsNil() {
			rv.Set(reflect.New(t.Elem()))
		}
		return d.decode(v, rv.Elem())
	case reflect.Interface:
		x, err := d.m.toAny(v)
		if err != nil {
			return err
		}
		if x == nil {
			rv.SetZero()
			return nil
		}
		xv := reflect.ValueOf(x)
		if !xv.Type().AssignableTo(t) {
			return d.typeErr(v, t, "")
		}
		rv.Set(xv)
		return nil
	}
	switch v.k {
	case kNone:
		switch t.Kind() {
		case reflect.Map, reflect.Slice:
			rv.SetZero()
		}
		return nil // as encoding/json: None leaves other values alone
	case kBool:
		switch t.Kind() {
		case reflect.Bool:
			rv.SetBool(v.n != 0)
			return nil
		}
		return d.setInt(v, v.n, rv)
	case kInt:
		return d.setInt(v, v.n, rv)
	case kBig:
		x := d.m.bigs[v.n]
		switch t.Kind() {
		case reflect.Float32, reflect.Float64:
			f, _ := new(big.Float).SetInt(x).Float64()
			if t.Kind() == reflect.Float32 && rv.OverflowFloat(f) {
				return d.typeErr(v, t, "overflows")
			}
			rv.SetFloat(f)
			return nil
		case reflect.Uint, reflect.Uint64, reflect.Uint32, reflect.Uint16, reflect.Uint8, reflect.Uintptr:
			if x.IsUint64() && !rv.OverflowUint(x.Uint64()) {
				rv.SetUint(x.Uint64())
				return nil
			}
			return d.typeErr(v, t, "value "+x.String()+" overflows")
		case reflect.Struct:
			if t == bigIntType {
				rv.Set(reflect.ValueOf(*new(big.Int).Set(x)))
				return nil
			}
		case reflect.Int, reflect.Int64, reflect.Int32, reflect.Int16, reflect.Int8:
			return d.typeErr(v, t, "value "+x.String()+" overflows")
		}
		return d.typeErr(v, t, "")
	case kFloat:
		f := math.Float64frombits(uint64(v.n))
		switch t.Kind() {
		case reflect.Float32, reflect.Float64:
			if t.Kind() == reflect.Float32 && rv.OverflowFloat(f) && !math.IsInf(f, 0) {
				return d.typeErr(v, t, "overflows")
			}
			rv.SetFloat(f)
			return nil
		case reflect.Complex64, reflect.Complex128:
			rv.SetComplex(complex(f, 0))
			return nil
		}
		return d.typeErr(v, t, "")
	case kStr, kStrX, kBytes, kBytesX:
		b, _ := d.m.rawBytes(v)
		switch t.Kind() {
		case reflect.String:
			if v.k == kStrX {
				rv.SetString(d.m.strs[v.n])
				return nil
			}
			if err := d.spend(v, copyUnits(int64(len(b)))); err != nil {
				return err // a bytes fetched again and again: a copy each time
			}
			rv.SetString(string(b))
			return nil
		case reflect.Slice:
			if t.Elem().Kind() == reflect.Uint8 {
				if v.k == kBytesX {
					rv.SetBytes(d.m.blob(v.n)) // shared, as it is in `any`
					return nil
				}
				if err := d.spend(v, copyUnits(int64(len(b)))); err != nil {
					return err // a str fetched again and again: a copy each time
				}
				nb := make([]byte, len(b))
				copy(nb, b)
				rv.SetBytes(nb)
				return nil
			}
		case reflect.Array:
			if t.Elem().Kind() == reflect.Uint8 && t.Len() == len(b) {
				reflect.Copy(rv, reflect.ValueOf(b))
				return nil
			}
		case reflect.Struct:
			if t == bigIntType {
				break
			}
		}
		return d.typeErr(v, t, "")
	case kNode:
		return d.decodeNested(v, rv)
	}
	return d.typeErr(v, t, "")
}

// decodeModel fills a value-model target (*Dict, Dict, *Object, ...) with
// what an `any` target would get, provided that is of the target's type. A
// pointer target shares the value as `any` does; a struct target gets a copy
// of the struct (which, for a Dict or Set, shares its storage).
func (d *typed) decodeModel(v val, rv reflect.Value) error {
	t := rv.Type()
	x, err := d.m.toAny(v)
	if err != nil {
		return err
	}
	if x == nil {
		if t.Kind() == reflect.Pointer {
			rv.SetZero()
		}
		return nil // as encoding/json: None leaves a value alone
	}
	xv := reflect.ValueOf(x)
	switch {
	case xv.Type() == t:
		rv.Set(xv)
		return nil
	case t.Kind() == reflect.Struct && xv.Type() == reflect.PointerTo(t):
		rv.Set(xv.Elem())
		return nil
	}
	return d.typeErr(v, t, "")
}

// setMapEntry stores k: e in the map rv, refusing a key Go cannot hash (a
// Python tuple decoded into an interface key is a Tuple, a slice), which
// would make reflect panic.
func (d *typed) setMapEntry(rv, k, e reflect.Value, key val) error {
	if !k.Comparable() {
		return d.typeErr(key, rv.Type(), fmt.Sprintf("a %s key decodes to %T, which Go cannot use as a map key; decode into *pickle.Dict (or *pickle.Set) to keep it", d.m.pyTypeOf(key), k.Interface()))
	}
	rv.SetMapIndex(k, e)
	return nil
}

func (d *typed) bigOf(v val) (*big.Int, bool) {
	switch v.k {
	case kInt, kBool:
		return big.NewInt(v.n), true
	case kBig:
		return new(big.Int).Set(d.m.bigs[v.n]), true
	}
	return nil, false
}

func (d *typed) setInt(v val, n int64, rv reflect.Value) error {
	t := rv.Type()
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Int16, reflect.Int8:
		if rv.OverflowInt(n) {
			return d.typeErr(v, t, "value "+strconv.FormatInt(n, 10)+" overflows")
		}
		rv.SetInt(n)
		return nil
	case reflect.Uint, reflect.Uint64, reflect.Uint32, reflect.Uint16, reflect.Uint8, reflect.Uintptr:
		if n < 0 || rv.OverflowUint(uint64(n)) {
			return d.typeErr(v, t, "value "+strconv.FormatInt(n, 10)+" overflows")
		}
		rv.SetUint(uint64(n))
		return nil
	case reflect.Float32, reflect.Float64:
		rv.SetFloat(float64(n))
		return nil
	case reflect.Complex64, reflect.Complex128:
		rv.SetComplex(complex(float64(n), 0))
		return nil
	case reflect.Struct:
		if t == bigIntType {
			rv.Set(reflect.ValueOf(*big.NewInt(n)))
			return nil
		}
	}
	return d.typeErr(v, t, "")
}

// decodeNested stores a node (container, object or stdlib value) into rv.
func (d *typed) decodeNested(v val, rv reflect.Value) error {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > d.m.cfg.maxDepth {
		return d.m.limitErr(LimitDepth, int64(d.m.cfg.maxDepth), int64(d.depth), int(v.off))
	}
	nd := &d.m.nodes[v.n]
	t := rv.Type()
	switch nd.k {
	case nList, nTuple, nSet, nFrozenSet:
		switch t.Kind() {
		case reflect.Slice, reflect.Array:
			return d.fillList(v, nd.items, rv)
		case reflect.Struct:
			if nd.k == nList || nd.k == nTuple {
				return d.fillPositional(v, nd.items, rv)
			}
		case reflect.Map:
			if nd.k == nSet || nd.k == nFrozenSet {
				if rv.IsNil() {
					rv.Set(reflect.MakeMapWithSize(t, len(nd.items)))
				}
				et := t.Elem()
				var mark reflect.Value
				switch {
				case et.Kind() == reflect.Bool:
					mark = reflect.ValueOf(true).Convert(et)
				case et.Kind() == reflect.Struct && et.NumField() == 0:
					mark = reflect.Zero(et)
				default:
					return d.typeErr(v, t, "a set decodes into map[T]bool or map[T]struct{}")
				}
				for i, it := range nd.items {
					d.path = append(d.path, pathSeg{idx: i})
					k := reflect.New(t.Key()).Elem()
					if err := d.decode(it, k); err != nil {
						return err
					}
					d.path = d.path[:len(d.path)-1]
					if err := d.setMapEntry(rv, k, mark, it); err != nil {
						return err
					}
				}
				return nil
			}
		}
		return d.typeErr(v, t, "")
	case nDict:
		return d.fillFromDict(v, nd.items, rv)
	case nObject:
		if g, ok := d.m.globalOf(nd.obj.class); ok {
			if rt, ok := d.m.cfg.registry.TypeFor(g); ok && rt == t {
				return d.fillRegistered(v, rv)
			}
			if t == timeType {
				return d.typeErr(v, t, d.m.whyNotTime(g, nd.obj.args))
			}
		}
		if t.Kind() == reflect.Struct || t.Kind() == reflect.Map {
			return d.fillRegistered(v, rv)
		}
		if nd.obj.hasState && len(nd.obj.args) == 0 && len(nd.obj.list) == 0 && len(nd.obj.dict) == 0 {
			return d.decode(nd.obj.state, rv)
		}
		if !nd.obj.hasState && len(nd.obj.list) > 0 && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			return d.fillList(v, nd.obj.list, rv)
		}
		return d.typeErr(v, t, "")
	case nGlobal, nValue, nException:
		x, err := d.m.toAny(v)
		if err != nil {
			return err
		}
		if x == nil {
			return nil
		}
		xv := reflect.ValueOf(x)
		switch {
		case xv.Type().AssignableTo(t):
			rv.Set(xv)
			return nil
		case xv.Kind() == t.Kind() && xv.Type().ConvertibleTo(t) && t.Kind() != reflect.Struct:
			rv.Set(xv.Convert(t))
			return nil
		case xv.Kind() == reflect.Complex128 && t.Kind() == reflect.Complex64:
			if rv.OverflowComplex(xv.Complex()) {
				return d.typeErr(v, t, "value "+fmt.Sprint(xv.Complex())+" overflows")
			}
			rv.SetComplex(xv.Complex())
			return nil
		}
		return d.typeErr(v, t, "")
	}
	return d.typeErr(v, t, "")
}

// fillList fills a slice or an array from a sequence's items.
func (d *typed) fillList(v val, items []val, rv reflect.Value) error {
	t := rv.Type()
	if t.Kind() == reflect.Array {
		if t.Len() != len(items) {
			return d.typeErr(v, t, fmt.Sprintf("%d items for an array of %d", len(items), t.Len()))
		}
		return d.fillSeq(items, rv)
	}
	n := len(items)
	if rv.Cap() >= n && !rv.IsNil() {
		rv.SetLen(n)
	} else {
		rv.Set(reflect.MakeSlice(t, n, n))
	}
	return d.fillSeq(items, rv)
}

func (d *typed) fillSeq(items []val, rv reflect.Value) error {
	if rv.Kind() == reflect.Slice && d.fastSeq(items, rv) {
		return nil
	}
	d.path = append(d.path, pathSeg{})
	last := len(d.path) - 1
	for i, it := range items {
		d.path[last].idx = i
		if err := d.decode(it, rv.Index(i)); err != nil {
			return err
		}
	}
	d.path = d.path[:last]
	return nil
}

// fillPositional fills a struct's fields in declaration order from a tuple
// or an object's constructor arguments.
func (d *typed) fillPositional(v val, items []val, rv reflect.Value) error {
	t := rv.Type()
	if t == timeType || t == bigIntType {
		return d.typeErr(v, t, "")
	}
	sf := fieldsOf(t)
	if len(items) > len(sf.list) {
		return d.typeErr(v, t, fmt.Sprintf("%d items for a struct of %d fields", len(items), len(sf.list)))
	}
	d.path = append(d.path, pathSeg{idx: -1})
	last := len(d.path) - 1
	for i, it := range items {
		f := &sf.list[i]
		d.path[last].name = f.name
		if err := d.decode(it, rv.FieldByIndex(f.index)); err != nil {
			return err
		}
	}
	d.path = d.path[:last]
	return nil
}

func (d *typed) fillFromDict(v val, items []val, rv reflect.Value) error {
	t := rv.Type()
	switch t.Kind() {
	case reflect.Map:
		if rv.IsNil() {
			rv.Set(reflect.MakeMapWithSize(t, len(items)/2))
		}
		kt, et := t.Key(), t.Elem()
		d.path = append(d.path, pathSeg{idx: -1})
		last := len(d.path) - 1
		for i := 0; i+1 < len(items); i += 2 {
			kv := reflect.New(kt).Elem()
			d.path[last].name = d.keyName(items[i])
			if err := d.decode(items[i], kv); err != nil {
				return err
			}
			ev := reflect.New(et).Elem()
			if err := d.decode(items[i+1], ev); err != nil {
				return err
			}
			if err := d.setMapEntry(rv, kv, ev, items[i]); err != nil {
				return err
			}
		}
		d.path = d.path[:last]
		return nil
	case reflect.Struct:
		if t == timeType || t == bigIntType {
			break
		}
		sf := fieldsOf(t)
		d.path = append(d.path, pathSeg{idx: -1})
		last := len(d.path) - 1
		for i := 0; i+1 < len(items); i += 2 {
			f := d.lookup(sf, items[i])
			if f == nil {
				continue
			}
			d.path[last].name = f.name
			if err := d.decode(items[i+1], rv.FieldByIndex(f.index)); err != nil {
				return err
			}
		}
		d.path = d.path[:last]
		return nil
	}
	return d.typeErr(v, t, "")
}

func (d *typed) keyName(k val) string {
	if s, ok := d.m.str(k); ok {
		return s
	}
	if k.k == kInt {
		return strconv.FormatInt(k.n, 10)
	}
	return "<" + d.m.pyTypeOf(k) + " key>"
}

// lookup finds the field a dict key names. Byte-string keys count too: a
// Python 2 instance's attribute names are byte strings, which
// Py2StringsAsBytes keeps as bytes.
func (d *typed) lookup(sf *structFields, k val) *field {
	switch k.k {
	case kStrX:
		if i, ok := sf.byName[d.m.strs[k.n]]; ok {
			return &sf.list[i]
		}
		if f, ok := sf.lookup(d.m.strs[k.n]); ok {
			return f
		}
	case kBytesX:
		if f, ok := sf.lookup(string(d.m.blobs[k.n])); ok {
			return f
		}
	case kStr, kBytes:
		b := d.m.data[k.n : k.n+k.m]
		if i, ok := sf.byName[string(b)]; ok {
			return &sf.list[i]
		}
		if f, ok := sf.lookup(string(b)); ok {
			return f
		}
	}
	return nil
}

// fillRegistered fills a struct (or map) from an object: its BUILD state
// (a __dict__, or (dict, slots)), else its constructor arguments.
func (d *typed) fillRegistered(v val, rv reflect.Value) error {
	nd := &d.m.nodes[v.n]
	o := nd.obj
	if o.hasState && o.state.k != kNone {
		sn := d.m.nodeOf(o.state)
		if sn != nil && sn.k == nDict {
			return d.fillFromDict(o.state, sn.items, rv)
		}
		if sn != nil && sn.k == nTuple && len(sn.items) == 2 {
			for _, it := range sn.items {
				if it.k == kNone {
					continue
				}
				dn := d.m.nodeOf(it)
				if dn == nil || dn.k != nDict {
					return d.typeErr(o.state, rv.Type(), "unsupported object state")
				}
				if err := d.fillFromDict(it, dn.items, rv); err != nil {
					return err
				}
			}
			return nil
		}
		return d.typeErr(o.state, rv.Type(), "unsupported object state")
	}
	if len(o.dict) > 0 {
		return d.fillFromDict(v, o.dict, rv)
	}
	if rv.Kind() == reflect.Struct {
		return d.fillPositional(v, o.args, rv)
	}
	if len(o.args) == 0 {
		return nil
	}
	if len(o.args) == 1 && rv.Kind() != reflect.Map { // an enum member: cls(value)
		return d.decode(o.args[0], rv)
	}
	return d.typeErr(v, rv.Type(), "")
}

// fastSeq fills the common unnamed slice types without reflect per element;
// false (nothing changed that matters) sends the caller to the general path.
func (d *typed) fastSeq(items []val, rv reflect.Value) bool {
	x := rv.Interface()
	switch x.(type) {
	case []int64, []int, []float64, []string:
	default:
		return false
	}
	if d.m.expand(0, int64(len(items))) != nil {
		return false // the general path reports it
	}
	switch s := x.(type) {
	case []int64:
		for i, it := range items {
			if it.k != kInt {
				return false
			}
			s[i] = it.n
		}
	case []int:
		for i, it := range items {
			if it.k != kInt || int64(int(it.n)) != it.n {
				return false
			}
			s[i] = int(it.n)
		}
	case []float64:
		for i, it := range items {
			switch it.k {
			case kFloat:
				s[i] = math.Float64frombits(uint64(it.n))
			case kInt:
				s[i] = float64(it.n)
			default:
				return false
			}
		}
	case []string:
		for i, it := range items {
			switch it.k {
			case kStrX:
				s[i] = d.m.strs[it.n]
			case kStr:
				s[i] = d.m.newString(d.m.data[it.n : it.n+it.m])
			default:
				return false
			}
		}
	}
	return true
}
