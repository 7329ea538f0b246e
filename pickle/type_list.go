package pickle

// list and tuple: []any and Tuple (other Go slices and arrays encode as
// lists too). CPython writes a list as EMPTY_LIST and APPENDS batches of
// 1000, a tuple with TUPLE1-3 or MARK ... TUPLE, a tuple reaching itself
// through its items as save_tuple does.

import (
	"strings"
	"unsafe"
)

// Tuple is a Python tuple.
type Tuple []any

// String renders the tuple as Python does: (1, 'two').
func (t Tuple) String() string { return pyRepr(t) }

func init() {
	form[[]any]{
		name:   "list",
		encode: (*encoder).saveList,
		repr:   func(l []any, depth int) string { return "[" + reprItems(l, depth) + "]" },
		equal: func(a []any, b any, seen visited) bool {
			l, ok := b.([]any)
			return ok && equalSeq(a, l, seen)
		},
	}.declare()
	form[Tuple]{
		name: "tuple",
		encode: func(e *encoder, t Tuple) error {
			var k refKey
			if len(t) > 0 {
				k = refKey{p: unsafe.Pointer(unsafe.SliceData(t)), n: len(t), t: tidTuple}
			}
			return e.saveTuple(t, k)
		},
		hash: func(t Tuple, depth int) (hashKey, error) {
			keys := make([]hashKey, len(t))
			for i, x := range t {
				k, err := hashOf(x, depth+1)
				if err != nil {
					return hashKey{}, err
				}
				keys[i] = k
			}
			return seqKey('T', keys), nil
		},
		repr: func(t Tuple, depth int) string {
			if len(t) == 1 {
				return "(" + repr(t[0], depth+1) + ",)"
			}
			return "(" + reprItems(t, depth) + ")"
		},
		equal: func(a Tuple, b any, seen visited) bool {
			t, ok := b.(Tuple)
			return ok && equalSeq(a, t, seen)
		},
	}.declare()
}

func reprItems(items []any, depth int) string {
	parts := make([]string, len(items))
	for i, x := range items {
		parts[i] = repr(x, depth+1)
	}
	return strings.Join(parts, ", ")
}

func (e *encoder) writeEmptyList() {
	if e.bin {
		e.op(opEmptyList)
	} else {
		e.op2(opMark, opList)
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
		from := len(e.buf)
		for start := 0; start < n; start += batchSize {
			end := min(n, start+batchSize)
			e.batchMark(from, start, n)
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
		from := len(e.buf)
		for start := 0; start < n; start += batchSize {
			end := min(n, start+batchSize)
			e.batchMark(from, start, n)
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

func (e *encoder) writeEmptyTuple() {
	if e.bin {
		e.op(opEmptyTuple)
	} else {
		e.op2(opMark, opTuple)
	}
}
