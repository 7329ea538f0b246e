package pickle

import (
	"math/big"
	"reflect"
	"sort"
	"time"
	"unsafe"
)

var (
	anySliceType     = reflect.TypeOf([]any(nil))
	tupleType        = reflect.TypeOf(Tuple(nil))
	byteArrayType    = reflect.TypeOf(ByteArray(nil))
	mapStringAnyType = reflect.TypeOf(map[string]any(nil))
	dictPtrType      = reflect.TypeOf((*Dict)(nil))
	setPtrType       = reflect.TypeOf((*Set)(nil))
	frozenSetPtrType = reflect.TypeOf((*FrozenSet)(nil))
	objectPtrType    = reflect.TypeOf((*Object)(nil))
	exceptionPtrType = reflect.TypeOf((*Exception)(nil))

	tidAnySlice     = typeID(anySliceType)
	tidTuple        = typeID(tupleType)
	tidByteArray    = typeID(byteArrayType)
	tidMapStringAny = typeID(mapStringAnyType)
	tidDictPtr      = typeID(dictPtrType)
	tidSetPtr       = typeID(setPtrType)
	tidFrozenSetPtr = typeID(frozenSetPtrType)
	tidObjectPtr    = typeID(objectPtrType)
	tidExceptionPtr = typeID(exceptionPtrType)
)

// save writes one value: where CPython's save() starts a frame check, asks
// the persistent-ID hook, then dispatches on the type.
func (e *encoder) save(v any) error {
	e.boundary()
	if e.cfg.persistentID != nil {
		if done, err := e.persistent(v); done || err != nil {
			return err
		}
	}
	return e.saveNoPers(v)
}

// saveStr is save for a string, without boxing it in an interface.
func (e *encoder) saveStr(s string) error {
	e.boundary()
	if e.cfg.persistentID != nil {
		if done, err := e.persistent(s); done || err != nil {
			return err
		}
	}
	return e.saveString(s)
}

func (e *encoder) saveNoPers(v any) error {
	switch x := v.(type) {
	case nil:
		e.op(opNone)
	case string:
		return e.saveString(x)
	case int:
		e.writeInt(int64(x))
	case int64:
		e.writeInt(x)
	case float64:
		e.writeFloat(x)
	case bool:
		e.writeBool(x)
	case []any:
		return e.saveList(x)
	case map[string]any:
		return e.saveMapStringAny(x)
	case Tuple:
		var k refKey
		if len(x) > 0 {
			k = refKey{p: unsafe.Pointer(unsafe.SliceData(x)), n: len(x), t: tidTuple}
		}
		return e.saveTuple(x, k)
	case []byte:
		return e.saveBytes(x, true)
	case *Dict:
		if x == nil {
			e.op(opNone)
			return nil
		}
		return e.saveDict(x, true)
	case int32:
		e.writeInt(int64(x))
	case int16:
		e.writeInt(int64(x))
	case int8:
		e.writeInt(int64(x))
	case uint:
		e.writeUint(uint64(x))
	case uint64:
		e.writeUint(x)
	case uint32:
		e.writeInt(int64(x))
	case uint16:
		e.writeInt(int64(x))
	case uint8:
		e.writeInt(int64(x))
	case uintptr:
		e.writeUint(uint64(x))
	case float32:
		e.writeFloat(float64(x))
	case *big.Int:
		if x == nil {
			e.op(opNone)
			return nil
		}
		return e.writeBigInt(x)
	case big.Int:
		return e.writeBigInt(&x)
	case complex128:
		return e.saveComplex(x)
	case complex64:
		return e.saveComplex(complex128(x))
	case ByteArray:
		return e.saveByteArray(x)
	case *Set:
		if x == nil {
			e.op(opNone)
			return nil
		}
		return e.saveSet(x, true)
	case *FrozenSet:
		if x == nil {
			e.op(opNone)
			return nil
		}
		return e.saveFrozenSet(x, true)
	case Global:
		return e.saveGlobal(x)
	case *Object:
		if x == nil {
			e.op(opNone)
			return nil
		}
		return e.saveObject(x, true)
	case *Exception:
		if x == nil {
			e.op(opNone)
			return nil
		}
		return e.saveException(x, true)
	case time.Time:
		return e.saveDatetime(x)
	case time.Duration:
		return e.saveTimedelta(x)
	case Date:
		return e.saveDate(x)
	case TimeOfDay:
		return e.saveTimeOfDay(x)
	case Decimal:
		return e.saveDecimal(x)
	case UUID:
		return e.saveUUID(x)
	// Values (not pointers) are copies: fresh objects without identity.
	case Dict:
		return e.saveDict(&x, false)
	case Set:
		return e.saveSet(&x, false)
	case FrozenSet:
		return e.saveFrozenSet(&x, false)
	case Object:
		return e.saveObject(&x, false)
	case Exception:
		return e.saveException(&x, false)
	default:
		return e.saveReflect(reflect.ValueOf(v), refKey{})
	}
	return nil
}

// persistent asks the WithPersistentID hook about v and, when it names a
// persistent ID, writes BINPERSID (PERSID at protocol 0) in v's place.
func (e *encoder) persistent(v any) (bool, error) {
	pid, ok := e.cfg.persistentID(v)
	if !ok {
		return false, nil
	}
	e.keep = append(e.keep, pid)
	if e.bin {
		if err := e.saveNoPers(pid); err != nil {
			return true, err
		}
		e.op(opBinpersid)
		return true, nil
	}
	var s string
	switch x := pid.(type) {
	case string:
		s = x
	default:
		rv := reflect.ValueOf(pid)
		switch rv.Kind() {
		case reflect.String:
			s = rv.String()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			s = pyRepr(pid)
		default:
			return true, valueErr(pid, "a persistent ID at protocol 0 must be a string or an integer")
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == '\n' {
			return true, valueErr(pid, "a persistent ID at protocol 0 must be ASCII without newlines")
		}
	}
	e.op(opPersid)
	e.writeString(s)
	e.op('\n')
	return true, nil
}

// --- list ---

func (e *encoder) writeEmptyList() {
	if e.bin {
		e.op(opEmptyList)
	} else {
		e.op2(opMark, opList)
	}
}

func (e *encoder) writeEmptyDict() {
	if e.bin {
		e.op(opEmptyDict)
	} else {
		e.op2(opMark, opDict)
	}
}

func (e *encoder) saveList(l []any) error {
	var k refKey
	if len(l) > 0 {
		k = refKey{p: unsafe.Pointer(unsafe.SliceData(l)), n: len(l), t: tidAnySlice}
		if idx, ok := e.memoRef(k); ok {
			e.memoGet(idx)
			return nil
		}
	}
	if err := e.enter(); err != nil {
		return err
	}
	e.writeEmptyList()
	e.memoPutRef(k)
	n := len(l)
	switch {
	case n == 0:
	case !e.bin:
		for i, x := range l {
			if err := e.save(x); err != nil {
				return withPath(err, indexSeg(i))
			}
			e.op(opAppend)
		}
	case n == 1:
		if err := e.save(l[0]); err != nil {
			return withPath(err, "[0]")
		}
		e.op(opAppend)
	default:
		pers := e.cfg.persistentID != nil
		for start := 0; start < n; start += batchSize {
			end := min(n, start+batchSize)
			e.op(opMark)
			for i := start; i < end; i++ {
				if !pers {
					// The common scalars inline: save without the call.
					switch x := l[i].(type) {
					case int:
						e.boundary()
						e.writeInt(int64(x))
						continue
					case float64:
						e.boundary()
						e.writeFloat(x)
						continue
					case string:
						e.boundary()
						if err := e.saveString(x); err != nil {
							return withPath(err, indexSeg(i))
						}
						continue
					}
				}
				if err := e.save(l[i]); err != nil {
					return withPath(err, indexSeg(i))
				}
			}
			e.op(opAppends)
		}
	}
	e.leave()
	return nil
}

// listItems writes the n items of a list just created, by CPython's
// batch_list_exact rules (batch_list's one-by-one APPEND at protocol 0).
func (e *encoder) listItems(n int, item func(i int) error) error {
	switch {
	case n == 0:
	case !e.bin:
		for i := 0; i < n; i++ {
			if err := item(i); err != nil {
				return withPath(err, indexSeg(i))
			}
			e.op(opAppend)
		}
	case n == 1:
		if err := item(0); err != nil {
			return withPath(err, "[0]")
		}
		e.op(opAppend)
	default:
		for start := 0; start < n; start += batchSize {
			end := min(n, start+batchSize)
			e.op(opMark)
			for i := start; i < end; i++ {
				if err := item(i); err != nil {
					return withPath(err, indexSeg(i))
				}
			}
			e.op(opAppends)
		}
	}
	return nil
}

// --- dict and set item batches ---

// batch follows CPython's batch_dict_exact and save_set: one SETITEM for a
// single-item dict, else MARK ... SETITEMS (ADDITEMS) per 1000 items,
// followed by an empty MARK SETITEMS when the count is a multiple of 1000;
// at protocol 0, SETITEM after every pair.
type batch struct {
	mode byte // 'p' SETITEM each, 'm' MARK batches
	end  byte // SETITEMS or ADDITEMS
	cnt  int
}

func (e *encoder) batchStart(n int, set bool) batch {
	if set {
		e.op(opMark)
		return batch{mode: 'm', end: opAdditems}
	}
	if !e.bin || n == 1 {
		return batch{mode: 'p'}
	}
	e.op(opMark)
	return batch{mode: 'm', end: opSetitems}
}

func (e *encoder) batchNext(b *batch) {
	if b.mode == 'p' {
		e.op(opSetitem)
		return
	}
	b.cnt++
	if b.cnt == batchSize {
		e.op2(b.end, opMark)
		b.cnt = 0
	}
}

func (e *encoder) batchEnd(b *batch) {
	if b.mode == 'm' {
		e.op(b.end)
	}
}

// genericItems writes list items the way CPython's batch_list writes an
// iterator's items (used for *Object.ListItems): chunks of 1000, a lone
// last item with APPEND.
func (e *encoder) genericItems(n int, item func(i int) error, one, many byte) error {
	if !e.bin {
		for i := 0; i < n; i++ {
			if err := item(i); err != nil {
				return err
			}
			e.op(one)
		}
		return nil
	}
	for start := 0; start < n; start += batchSize {
		end := min(n, start+batchSize)
		if end-start == 1 {
			if err := item(start); err != nil {
				return err
			}
			e.op(one)
			continue
		}
		e.op(opMark)
		for i := start; i < end; i++ {
			if err := item(i); err != nil {
				return err
			}
		}
		e.op(many)
	}
	return nil
}

// --- dict ---

func (e *encoder) saveDict(d *Dict, ident bool) error {
	k, done := e.recall(unsafe.Pointer(d), tidDictPtr, ident)
	if done {
		return nil
	}
	if err := e.enter(); err != nil {
		return err
	}
	e.writeEmptyDict()
	e.memoPutRef(k)
	if err := e.dictItems(d.items); err != nil {
		return err
	}
	e.leave()
	return nil
}

func (e *encoder) dictItems(items []DictItem) error {
	if len(items) == 0 {
		return nil
	}
	b := e.batchStart(len(items), false)
	for _, it := range items {
		if err := e.save(it.Key); err != nil {
			return withPath(err, keySeg(it.Key))
		}
		if err := e.save(it.Value); err != nil {
			return withPath(err, keySeg(it.Key))
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

// --- tuple (CPython's save_tuple, recursive tuples included) ---

func (e *encoder) saveTuple(t []any, k refKey) error {
	n := len(t)
	if n == 0 {
		e.writeEmptyTuple()
		return nil
	}
	if idx, ok := e.memoRef(k); ok {
		e.memoGet(idx)
		return nil
	}
	if err := e.enter(); err != nil {
		return err
	}
	short := n <= 3 && e.proto >= 2
	if !short {
		e.op(opMark)
	}
	for i, x := range t {
		if err := e.save(x); err != nil {
			return withPath(err, indexSeg(i))
		}
	}
	e.leave()
	if idx, ok := e.memoRef(k); ok {
		// The tuple was reached again through its items: drop what was
		// pushed and fetch the object the memo already has.
		switch {
		case short:
			for i := 0; i < n; i++ {
				e.op(opPop)
			}
		case e.bin:
			e.op(opPopMark)
		default:
			for i := 0; i <= n; i++ {
				e.op(opPop)
			}
		}
		e.memoGet(idx)
		return nil
	}
	if short {
		e.op(opTuple1 + byte(n-1))
	} else {
		e.op(opTuple)
	}
	e.memoPutRef(k)
	return nil
}

// tupleOf writes a tuple that exists only in the pickle (reduce arguments),
// its items produced by item. It is a save: it starts with a frame check.
func (e *encoder) tupleOf(n int, item func(i int) error) error {
	e.boundary()
	if n == 0 {
		e.writeEmptyTuple()
		return nil
	}
	short := n <= 3 && e.proto >= 2
	if !short {
		e.op(opMark)
	}
	for i := 0; i < n; i++ {
		if err := item(i); err != nil {
			return err
		}
	}
	if short {
		e.op(opTuple1 + byte(n-1))
	} else {
		e.op(opTuple)
	}
	e.memoPut()
	return nil
}

// --- set and frozenset ---

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
				if err := e.save(it.Key); err != nil {
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
		return e.listItems(len(items), func(i int) error { return e.save(items[i].Key) })
	})
	if err != nil {
		return err
	}
	e.op(opReduce)
	e.reduceMemo(k)
	return nil
}

// reduceMemo memoizes what REDUCE (or NEWOBJ) built, or, when the object
// was already memoized while its arguments were written (a cycle), pops it
// and fetches the memoized one, as save_reduce does.
func (e *encoder) reduceMemo(k refKey) {
	if idx, ok := e.memoRef(k); ok {
		e.op(opPop)
		e.memoGet(idx)
		return
	}
	e.memoPutRef(k)
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
		if err := e.save(it.Key); err != nil {
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
