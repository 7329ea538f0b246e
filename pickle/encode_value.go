package pickle

import "reflect"

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

// saveNoPers writes v as its Go type says: the value model's types as
// their forms say (types.go), any other Go value by reflection. The
// switch only spares the lookup for the types decoded data is made of.
func (e *encoder) saveNoPers(v any) error {
	switch x := v.(type) {
	case nil:
		e.op(opNone)
		return nil
	case string:
		return e.saveString(x)
	case int64:
		e.writeInt(x)
		return nil
	case int:
		e.writeInt(int64(x))
		return nil
	case float64:
		e.writeFloat(x)
		return nil
	case bool:
		e.writeBool(x)
		return nil
	case []any:
		return e.saveList(x)
	case map[string]any:
		return e.saveMapStringAny(x)
	}
	if f := formOf(v); f != nil {
		return f.encode(e, v)
	}
	return e.saveReflect(reflect.ValueOf(v), refKey{})
}

// checkKey refuses a dict key or set member that Python cannot hash: a
// pointer to a struct is an instance, hashable, only when its type is a
// registered class (otherwise it becomes a dict). Dict and Set refused
// the other unhashable values already.
func (e *encoder) checkKey(k any) error {
	switch k.(type) {
	case string, int64, int, nil:
		return nil
	}
	t := reflect.TypeOf(k)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || forms[t] != nil || t.Implements(marshalerType) {
		return nil
	}
	return e.checkHashable(t)
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

// --- tuple (CPython's save_tuple, recursive tuples included) ---

// --- set and frozenset ---

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
