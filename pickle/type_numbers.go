package pickle

// The numbers: bool, int, float and complex. Every Go number kind carries
// them; numbers of any kind compare and hash by value, as 1 == 1.0 == True
// in Python. CPython writes ints with BININT1/BININT2/BININT, LONG1/LONG4
// (INT/LONG text at protocols 0 and 1), floats with BINFLOAT (FLOAT text at
// protocol 0), and complex numbers as builtins.complex(re, im).

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

func init() {
	form[bool]{
		name:   "bool",
		encode: func(e *encoder, b bool) error { e.writeBool(b); return nil },
		hash:   func(b bool, _ int) (hashKey, error) { return intKey(boolInt(b)), nil },
		repr: func(b bool, _ int) string {
			if b {
				return "True"
			}
			return "False"
		},
	}.declare()
	declareSigned[int]()
	declareSigned[int8]()
	declareSigned[int16]()
	declareSigned[int32]()
	declareSigned[int64]()
	declareUnsigned[uint]()
	declareUnsigned[uint8]()
	declareUnsigned[uint16]()
	declareUnsigned[uint32]()
	declareUnsigned[uint64]()
	declareUnsigned[uintptr]()
	form[*big.Int]{
		name: "int",
		nameOf: func(x *big.Int) string {
			if x == nil {
				return "NoneType"
			}
			return "int"
		},
		encode: func(e *encoder, x *big.Int) error {
			if x == nil {
				e.op(opNone)
				return nil
			}
			return e.writeBigInt(x)
		},
		hash: func(x *big.Int, _ int) (hashKey, error) {
			if x == nil {
				return noneKey, nil
			}
			return bigKey(x), nil
		},
		repr: func(x *big.Int, _ int) string {
			if x == nil {
				return "None"
			}
			return x.String()
		},
	}.declare()
	form[big.Int]{
		name:   "int",
		encode: func(e *encoder, x big.Int) error { return e.writeBigInt(&x) },
		hash:   func(x big.Int, _ int) (hashKey, error) { return bigKey(&x), nil },
		repr:   func(x big.Int, _ int) string { return x.String() },
	}.declare()
	declareFloat[float32]()
	declareFloat[float64]()
	declareComplex[complex64]()
	declareComplex[complex128]()
	declareClass(&pyClass{reduce: reduceComplex}, Global{"builtins", "complex"})
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func declareSigned[T int | int8 | int16 | int32 | int64]() {
	form[T]{
		name:   "int",
		encode: func(e *encoder, v T) error { e.writeInt(int64(v)); return nil },
		hash:   func(v T, _ int) (hashKey, error) { return intKey(int64(v)), nil },
		repr:   func(v T, _ int) string { return strconv.FormatInt(int64(v), 10) },
	}.declare()
}

func declareUnsigned[T uint | uint8 | uint16 | uint32 | uint64 | uintptr]() {
	form[T]{
		name:   "int",
		encode: func(e *encoder, v T) error { e.writeUint(uint64(v)); return nil },
		hash:   func(v T, _ int) (hashKey, error) { return uintKey(uint64(v)), nil },
		repr:   func(v T, _ int) string { return strconv.FormatUint(uint64(v), 10) },
	}.declare()
}

func declareFloat[T float32 | float64]() {
	form[T]{
		name:   "float",
		encode: func(e *encoder, f T) error { e.writeFloat(float64(f)); return nil },
		hash:   func(f T, _ int) (hashKey, error) { return floatKey(float64(f)), nil },
		repr:   func(f T, _ int) string { return string(appendPyFloatRepr(nil, float64(f))) },
	}.declare()
}

func declareComplex[T complex64 | complex128]() {
	form[T]{
		name:   "complex",
		encode: func(e *encoder, c T) error { return e.saveComplex(complex128(c)) },
		hash:   func(c T, _ int) (hashKey, error) { return complexKey(complex128(c)), nil },
		repr:   func(c T, _ int) string { return complexRepr(complex128(c)) },
	}.declare()
}

// numbersEqual compares two numbers of any Go kinds by value; a NaN equals
// nothing (its key is its own).
func numbersEqual(a, b any) bool {
	fb := formOf(b)
	if fb == nil || !fb.number {
		return false
	}
	ka, errA := keyOf(a)
	kb, errB := keyOf(b)
	return errA == nil && errB == nil && ka == kb
}

// complexRepr is Python's repr of a complex: (1+2j), -2.5j.
func complexRepr(c complex128) string {
	part := func(f float64) string {
		s := string(appendPyFloatRepr(nil, f))
		if len(s) > 2 && s[len(s)-2:] == ".0" {
			s = s[:len(s)-2]
		}
		return s
	}
	im := part(imag(c)) + "j"
	if real(c) == 0 && !math.Signbit(real(c)) {
		return im
	}
	if im[0] != '-' {
		im = "+" + im
	}
	return "(" + part(real(c)) + im + ")"
}

// reduceComplex decodes complex(re, im) as copyreg's pickle_complex writes it.
func reduceComplex(m *machine, pos int, _ val, args []val) (val, bool, error) {
	if len(args) > 2 {
		return val{}, false, nil
	}
	var parts [2]float64
	for i, a := range args {
		f, ok := m.floatOf(a)
		if !ok {
			return val{}, false, nil
		}
		parts[i] = f
	}
	return m.valueNode(pos, complex(parts[0], parts[1])), true, nil
}

// --- writing (CPython's save_bool, save_long, save_float) ---

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

// saveComplex writes complex(re, im) as copyreg's pickle_complex has it.
func (e *encoder) saveComplex(c complex128) error {
	if err := e.saveGlobal(Global{"builtins", "complex"}); err != nil {
		return err
	}
	parts := [2]float64{real(c), imag(c)}
	_ = e.tupleOf(2, func(i int) error {
		e.boundary()
		e.writeFloat(parts[i])
		return nil
	})
	e.op(opReduce)
	e.memoPut()
	return nil
}

func (m *machine) floatOf(v val) (float64, bool) {
	switch v.k {
	case kFloat:
		return math.Float64frombits(uint64(v.n)), true
	case kInt, kBool:
		return float64(v.n), true
	case kBig:
		f, _ := new(big.Float).SetInt(m.bigs[v.n]).Float64()
		return f, true
	}
	return 0, false
}
