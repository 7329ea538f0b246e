package pickle

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// --- None, bool ---

func (e *encoder) writeBool(b bool) {
	switch {
	case e.proto >= 2 && b:
		e.op(opNewtrue)
	case e.proto >= 2:
		e.op(opNewfalse)
	case b:
		e.writeString("I01\n")
	default:
		e.writeString("I00\n")
	}
}

// --- int (CPython's save_long) ---

func (e *encoder) writeInt(v int64) {
	if v >= math.MinInt32 && v <= math.MaxInt32 {
		e.writeInt32(v)
		return
	}
	if e.proto >= 2 {
		// LONG1 with the shortest little-endian two's complement, as
		// _PyLong_AsByteArray with nbits/8+1 bytes, trimmed.
		var b [9]byte
		u := uint64(v)
		putU64(b[:8], u)
		if v < 0 {
			b[8] = 0xff
		}
		abs := u
		if v < 0 {
			abs = -u
		}
		n := (64-bits.LeadingZeros64(abs))/8 + 1
		if v < 0 && n > 1 && b[n-1] == 0xff && b[n-2]&0x80 != 0 {
			n--
		}
		e.frame()
		e.buf = append(e.buf, opLong1, byte(n))
		e.buf = append(e.buf, b[:n]...)
		return
	}
	e.frame()
	e.buf = append(e.buf, opLong)
	e.buf = strconv.AppendInt(e.buf, v, 10)
	e.buf = append(e.buf, 'L', '\n')
}

func (e *encoder) writeInt32(v int64) {
	if !e.bin {
		e.frame()
		e.buf = append(e.buf, opInt)
		e.buf = strconv.AppendInt(e.buf, v, 10)
		e.buf = append(e.buf, '\n')
		return
	}
	e.frame()
	switch {
	case v >= 0 && v <= 0xff:
		e.buf = append(e.buf, opBinint1, byte(v))
	case v >= 0 && v <= 0xffff:
		e.buf = append(e.buf, opBinint2, byte(v), byte(v>>8))
	default:
		e.buf = append(e.buf, opBinint, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
}

func (e *encoder) writeUint(v uint64) {
	if v <= math.MaxInt64 {
		e.writeInt(int64(v))
		return
	}
	if e.proto >= 2 {
		var b [9]byte
		putU64(b[:8], v)
		e.frame()
		e.buf = append(e.buf, opLong1, 9)
		e.buf = append(e.buf, b[:]...)
		return
	}
	e.frame()
	e.buf = append(e.buf, opLong)
	e.buf = strconv.AppendUint(e.buf, v, 10)
	e.buf = append(e.buf, 'L', '\n')
}

func (e *encoder) writeBigInt(x *big.Int) error {
	if x.IsInt64() {
		v := x.Int64()
		if v >= math.MinInt32 && v <= math.MaxInt32 || e.proto >= 2 {
			e.writeInt(v)
			return nil
		}
	}
	if e.proto < 2 {
		s := x.String()
		digits := len(s)
		if x.Sign() < 0 {
			digits--
		}
		if digits > e.cfg.maxIntDigits {
			return &LimitError{Limit: LimitIntDigits, Max: int64(e.cfg.maxIntDigits), Value: int64(digits), Offset: -1}
		}
		e.frame()
		e.buf = append(e.buf, opLong)
		e.buf = append(e.buf, s...)
		e.buf = append(e.buf, 'L', '\n')
		return nil
	}
	data := twosComplementLE(x)
	if len(data) < 256 {
		e.op2(opLong1, byte(len(data)))
	} else {
		var h [5]byte
		h[0] = opLong4
		putU32(h[1:], uint32(len(data)))
		e.write(h[:])
	}
	e.write(data)
	return nil
}

// twosComplementLE encodes x as CPython's save_long does: nbits/8+1 bytes
// of little-endian two's complement, minus a redundant 0xff for negatives.
func twosComplementLE(x *big.Int) []byte {
	nbits := x.BitLen() // of |x|
	n := nbits/8 + 1
	var mag *big.Int
	if x.Sign() >= 0 {
		mag = x
	} else {
		mag = new(big.Int).Lsh(big.NewInt(1), uint(8*n))
		mag.Add(mag, x) // 2^(8n) - |x|
	}
	be := mag.FillBytes(make([]byte, n))
	for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
		be[i], be[j] = be[j], be[i]
	}
	if x.Sign() < 0 && n > 1 && be[n-1] == 0xff && be[n-2]&0x80 != 0 {
		be = be[:n-1]
	}
	return be
}

// --- float (CPython's save_float) ---

func (e *encoder) writeFloat(f float64) {
	if e.bin {
		e.frame()
		u := math.Float64bits(f)
		e.buf = append(e.buf, opBinfloat, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32), byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
		return
	}
	e.frame()
	e.buf = append(e.buf, opFloat)
	e.buf = appendPyFloatRepr(e.buf, f)
	e.buf = append(e.buf, '\n')
}

// appendPyFloatRepr appends repr(f) as Python writes it: the shortest
// digits that round-trip, exponent form when the decimal point would sit
// before the 4th leading zero or after 16 digits, and ".0" on integers.
func appendPyFloatRepr(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	var tmp [32]byte
	es := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	// es is [-]d[.ddd]e±XX; decpt = exponent + 1.
	i := len(es) - 1
	for es[i] != 'e' {
		i--
	}
	exp, _ := strconv.Atoi(string(es[i+1:]))
	decpt := exp + 1
	if decpt <= -4 || decpt > 16 {
		return append(b, es...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	for _, c := range b[start:] {
		if c == '.' {
			return b
		}
	}
	return append(b, '.', '0')
}

// --- str (CPython's save_unicode) ---

func (e *encoder) saveString(s string) error {
	k := refKey{p: unsafe.Pointer(unsafe.StringData(s)), n: len(s), t: strTag}
	if len(s) == 0 {
		k.p = nil // '' is a singleton
	}
	idx, slot, ok := e.ids.find(k)
	if ok {
		e.memoGet(idx)
		return nil
	}
	if err := e.writeStr(s); err != nil {
		return err
	}
	e.ids.putAt(slot, k, e.memoPut()) // writing a str changed nothing in ids
	return nil
}

// saveFreshString writes a str object nobody else refers to and memoizes it.
func (e *encoder) saveFreshString(s string) error {
	e.boundary()
	if err := e.writeStr(s); err != nil {
		return err
	}
	e.memoPut()
	return nil
}

// saveInterned writes a str the way CPython writes an interned identifier
// (module names, attribute names): equal values share one memo entry.
func (e *encoder) saveInterned(s string) error {
	e.boundary()
	if idx, ok := e.internMemo[s]; ok {
		e.memoGet(idx)
		return nil
	}
	if err := e.writeStr(s); err != nil {
		return err
	}
	if e.internMemo == nil {
		e.internMemo = make(map[string]int)
	}
	e.internMemo[s] = e.memoPut()
	return nil
}

func (e *encoder) writeStr(s string) error {
	if !utf8.ValidString(s) && !validWTF8(s) {
		return valueErr(s, "string is not valid UTF-8 (Python str cannot hold it; use []byte for bytes)")
	}
	if !e.bin {
		e.frame()
		e.buf = append(e.buf, opUnicode)
		e.buf = appendRawUnicodeEscape(e.buf, s)
		e.buf = append(e.buf, '\n')
		return nil
	}
	n := len(s)
	var h []byte
	switch {
	case n <= 0xff && e.proto >= 4:
		h = append(e.scratch[:0], opShortBinunicode, byte(n))
	case uint64(n) <= 0xffffffff:
		h = append(e.scratch[:0], opBinunicode, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	case e.proto >= 4:
		h = e.scratch[:9]
		h[0] = opBinunicode8
		putU64(h[1:], uint64(n))
	default:
		return valueErr(s, "a string larger than 4 GiB needs protocol 4 or higher")
	}
	writeBlob(e, h, s)
	return nil
}

// validWTF8 accepts UTF-8 extended with encoded lone surrogates
// (ED A0..BF 80..BF), which CPython writes with "surrogatepass" for str
// objects holding lone surrogates and reads back the same way.
func validWTF8(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			if i+2 < len(s) && s[i] == 0xed && s[i+1] >= 0xa0 && s[i+1] <= 0xbf && s[i+2] >= 0x80 && s[i+2] <= 0xbf {
				i += 3
				continue
			}
			return false
		}
		i += size
	}
	return true
}

const hexDigits = "0123456789abcdef"

// appendRawUnicodeEscape is CPython's raw_unicode_escape for the UNICODE
// opcode: code points below 256 as Latin-1 bytes except \, NUL, \n, \r and
// ^Z, which become \u00XX like the rest of the BMP; astral code points as
// \UXXXXXXXX.
func appendRawUnicodeEscape(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if c == '\\' || c == 0 || c == '\n' || c == '\r' || c == 0x1a {
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			} else {
				b = append(b, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// an encoded lone surrogate (validWTF8 let it through)
			r = rune(s[i]&0x0f)<<12 | rune(s[i+1]&0x3f)<<6 | rune(s[i+2]&0x3f)
			size = 3
		}
		i += size
		switch {
		case r >= 0x10000:
			b = append(b, '\\', 'U')
			for sh := 28; sh >= 0; sh -= 4 {
				b = append(b, hexDigits[(r>>sh)&15])
			}
		case r >= 256:
			b = append(b, '\\', 'u', hexDigits[(r>>12)&15], hexDigits[(r>>8)&15], hexDigits[(r>>4)&15], hexDigits[r&15])
		default:
			b = append(b, byte(r))
		}
	}
	return b
}

// --- bytes (CPython's save_bytes) ---

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

func (e *encoder) writeEmptyTuple() {
	if e.bin {
		e.op(opEmptyTuple)
	} else {
		e.op2(opMark, opTuple)
	}
}

// --- bytearray (CPython's save_bytearray) ---

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
