package pickle

// bytes and bytearray: []byte (and [N]byte) and ByteArray. CPython writes
// bytes with SHORT_BINBYTES, BINBYTES, BINBYTES8 from protocol 3 and as
// _codecs.encode(latin-1 text, 'latin1') below (a str on 2.7), and
// bytearray as BYTEARRAY8 at protocol 5 and builtins.bytearray(bytes)
// below.

import (
	"bytes"
	"fmt"
	"unicode/utf8"
	"unsafe"
)

// ByteArray is a Python bytearray; []byte is a Python bytes.
type ByteArray []byte

func init() {
	form[[]byte]{
		name:   "bytes",
		encode: func(e *encoder, b []byte) error { return e.saveBytes(b, true) },
		hash:   func(b []byte, _ int) (hashKey, error) { return hashKey{kind: 'b', s: string(b)}, nil },
		repr:   func(b []byte, _ int) string { return "b" + pyQuote(string(b), true) },
		equal:  bytesEqual[[]byte],
	}.declare()
	form[ByteArray]{
		name:   "bytearray",
		encode: (*encoder).saveByteArray,
		repr:   func(b ByteArray, _ int) string { return "bytearray(b" + pyQuote(string(b), true) + ")" },
		equal:  bytesEqual[ByteArray],
	}.declare()
	declareClass(&pyClass{reduce: reduceBytes}, Global{"builtins", "bytes"})
	declareClass(&pyClass{reduce: reduceByteArray}, Global{"builtins", "bytearray"})
	declareClass(&pyClass{reduce: reduceCodecsEncode}, Global{"_codecs", "encode"})
}

// bytesEqual: bytes equal a bytearray of the same bytes, as in Python.
func bytesEqual[T ~[]byte](a T, b any, _ visited) bool {
	switch y := b.(type) {
	case []byte:
		return bytes.Equal(a, y)
	case ByteArray:
		return bytes.Equal(a, y)
	}
	return false
}

func reduceBytes(m *machine, pos int, _ val, args []val) (val, bool, error) {
	if len(args) == 1 && (args[0].k == kBytes || args[0].k == kBytesX) {
		return args[0], true, nil // bytes(b) is b, as in Python: no copy
	}
	b, ok := m.bytesArgs(args)
	if !ok {
		return val{}, false, nil
	}
	return m.blobVal(pos, b), true, m.spendCall(pos, copyUnits(int64(len(b))))
}

func reduceByteArray(m *machine, pos int, _ val, args []val) (val, bool, error) {
	b, ok := m.bytesArgs(args)
	if !ok {
		return val{}, false, nil
	}
	return m.valueNode(pos, ByteArray(b)), true, m.spendCall(pos, copyUnits(int64(len(b))))
}

// reduceCodecsEncode decodes _codecs.encode(text, encoding), which CPython
// 3 writes for bytes below protocol 3.
func reduceCodecsEncode(m *machine, pos int, _ val, args []val) (val, bool, error) {
	if len(args) != 2 {
		return val{}, false, nil
	}
	s, ok1 := m.str(args[0])
	enc, ok2 := m.str(args[1])
	if !ok1 || !ok2 {
		return val{}, false, nil
	}
	b, err := encodeString(s, enc)
	if err != nil {
		return val{}, false, m.errAt(pos, "%v", err)
	}
	return m.blobVal(pos, b), true, m.spendCall(pos, copyUnits(int64(len(b))))
}

// saveBytes writes a bytes object; identity says which Go memory it is, so
// that the same slice written twice is one Python object (zero: fresh).
func (e *encoder) saveBytes(data []byte, identity bool) error {
	var k refKey
	if identity {
		k = refKey{p: unsafe.Pointer(unsafe.SliceData(data)), n: len(data), t: bytesTag}
		if len(data) == 0 {
			k.p = nil // b'' is a singleton
		}
		if idx, ok := e.ids.get(k); ok {
			e.memoGet(idx)
			return nil
		}
	}
	var idx int
	if e.proto < 3 {
		if err := e.bytesReduce(data); err != nil {
			return err
		}
		idx = e.memoPut()
	} else {
		if uint64(len(data)) > 0xffffffff && e.proto < 4 {
			return valueErr(data, "bytes larger than 4 GiB need protocol 4 or higher")
		}
		writeBlob(e, e.sizedHeader(len(data), opShortBinbytes, opBinbytes, opBinbytes8), data)
		idx = e.memoPut()
	}
	if identity {
		e.ids.put(k, idx)
	}
	return nil
}

// bytesReduce writes what CPython 3 writes for bytes below protocol 3:
// builtins.bytes() for b”, else _codecs.encode(latin-1 text, 'latin1'),
// which Python 2 loads as a str. The caller memoizes the result.
func (e *encoder) bytesReduce(data []byte) error {
	if len(data) == 0 {
		if err := e.saveGlobal(Global{"builtins", "bytes"}); err != nil {
			return err
		}
		e.boundary()
		e.writeEmptyTuple()
		e.op(opReduce)
		return nil
	}
	if err := e.saveGlobal(Global{"_codecs", "encode"}); err != nil {
		return err
	}
	e.boundary() // the args tuple
	if e.proto < 2 {
		e.op(opMark)
	}
	e.boundary()
	if err := e.writeStr(latin1String(data)); err != nil {
		return err
	}
	e.memoPut()
	if err := e.saveInterned("latin1"); err != nil {
		return err
	}
	if e.proto >= 2 {
		e.op(opTuple2)
	} else {
		e.op(opTuple)
	}
	e.memoPut()
	e.op(opReduce)
	return nil
}

func latin1String(data []byte) string {
	n := 0
	for _, c := range data {
		if c >= 0x80 {
			n++
		}
	}
	if n == 0 {
		return string(data)
	}
	b := make([]byte, 0, len(data)+n)
	for _, c := range data {
		b = utf8.AppendRune(b, rune(c))
	}
	return string(b)
}

func (e *encoder) saveByteArray(data ByteArray) error {
	var k refKey
	if len(data) > 0 {
		k = refKey{p: unsafe.Pointer(unsafe.SliceData(data)), n: len(data), t: tidByteArray}
		if idx, ok := e.memoRef(k); ok {
			e.memoGet(idx)
			return nil
		}
	}
	if e.proto >= 5 {
		h := e.scratch[:9]
		h[0] = opBytearray8
		putU64(h[1:], uint64(len(data)))
		writeBlob(e, h, data)
		e.memoPutRef(k)
		return nil
	}
	if err := e.saveGlobal(Global{"builtins", "bytearray"}); err != nil {
		return err
	}
	e.boundary() // args tuple
	if len(data) == 0 {
		e.writeEmptyTuple()
	} else {
		if e.proto < 2 {
			e.op(opMark)
		}
		e.boundary()
		if err := e.saveBytes(data, false); err != nil {
			return err
		}
		if e.proto >= 2 {
			e.op(opTuple1)
		} else {
			e.op(opTuple)
		}
		e.memoPut()
	}
	e.op(opReduce)
	e.memoPutRef(k)
	return nil
}

// bytesArgs reads the arguments of bytes(...) / bytearray(...) as CPython
// pickles them: (), (bytes,), (str, encoding) or (list of ints,).
func (m *machine) bytesArgs(args []val) ([]byte, bool) {
	switch len(args) {
	case 0:
		return []byte{}, true
	case 1:
		switch args[0].k {
		case kBytes, kBytesX:
			b, _ := m.rawBytes(args[0])
			return append([]byte{}, b...), true
		}
		if nd := m.nodeOf(args[0]); nd != nil && (nd.k == nList || nd.k == nTuple) {
			out := make([]byte, 0, len(nd.items))
			for _, it := range nd.items {
				if it.k != kInt || it.n < 0 || it.n > 255 {
					return nil, false
				}
				out = append(out, byte(it.n))
			}
			return out, true
		}
	case 2:
		s, ok1 := m.text(args[0])
		enc, ok2 := m.text(args[1])
		if ok1 && ok2 {
			b, err := encodeString(s, enc)
			return b, err == nil
		}
	}
	return nil, false
}

func encodeString(s, enc string) ([]byte, error) {
	switch enc {
	case "latin1", "latin-1", "latin_1", "iso-8859-1", "iso8859-1", "l1":
		out := make([]byte, 0, len(s))
		for _, r := range s {
			if r > 0xff {
				return nil, fmt.Errorf("'latin-1' codec can't encode character %U", r)
			}
			out = append(out, byte(r))
		}
		return out, nil
	case "utf-8", "utf8", "ascii":
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("invalid %s string", enc)
		}
		return []byte(s), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q in _codecs.encode", enc)
}
