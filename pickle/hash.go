package pickle

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"
)

// hashKey is a comparable stand-in for a Python value: two values are equal
// as dict keys exactly when their hashKeys are ==.
type hashKey struct {
	kind byte
	n    int64
	s    string
}

// maxKeyDepth bounds how deep a key is followed: a Go Tuple can contain
// itself, which no Python tuple can.
const maxKeyDepth = DefaultMaxDepth

var noneKey = hashKey{kind: 'N'}

// keyOf returns the key of a Go value as a Python dict key: what Marshal
// makes of the value decides. Values of the model hash as their form says;
// other Go values as the Python value they become (a named string type is
// a str, a []int a list and so unhashable), a pointer to a struct by its
// address (an instance of a registered class, which Python hashes by
// identity), and a Marshaler as the value it marshals to.
func keyOf(v any) (hashKey, error) { return hashOf(v, 0) }

func hashOf(v any, depth int) (hashKey, error) {
	switch x := v.(type) { // the common keys, without a lookup
	case nil:
		return noneKey, nil
	case string:
		return hashKey{kind: 's', s: x}, nil
	case int64:
		return intKey(x), nil
	case int:
		return intKey(int64(x)), nil
	}
	if depth > maxKeyDepth {
		return hashKey{}, fmt.Errorf("%w: a key nested deeper than %d", ErrUnhashable, maxKeyDepth)
	}
	if f := formOf(v); f != nil {
		if f.hash == nil {
			return hashKey{}, fmt.Errorf("%w: %s", ErrUnhashable, f.name(v))
		}
		return f.hash(v, depth)
	}
	return hashValue(reflect.ValueOf(v), depth)
}

// hashValue hashes a Go value outside the value model by what Marshal
// writes for it.
func hashValue(rv reflect.Value, depth int) (hashKey, error) {
	t := rv.Type()
	if t.Implements(marshalerType) {
		if rv.Kind() == reflect.Pointer && rv.IsNil() {
			return noneKey, nil
		}
		x, err := rv.Interface().(Marshaler).MarshalPickle()
		if err != nil {
			return hashKey{}, &MarshalerError{Type: t, Err: err}
		}
		return hashOf(x, depth+1)
	}
	if reason := unhashableType(t); reason != "" {
		return hashKey{}, fmt.Errorf("%w: %v (%s)", ErrUnhashable, t, reason)
	}
	switch t.Kind() {
	case reflect.Bool:
		if rv.Bool() {
			return intKey(1), nil
		}
		return intKey(0), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intKey(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintKey(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return floatKey(rv.Float()), nil
	case reflect.Complex64, reflect.Complex128:
		return complexKey(rv.Complex()), nil
	case reflect.String:
		return hashKey{kind: 's', s: rv.String()}, nil
	case reflect.Slice, reflect.Array: // of bytes (unhashableType refused the rest)
		b := make([]byte, rv.Len())
		reflect.Copy(reflect.ValueOf(b), rv)
		return hashKey{kind: 'b', s: string(b)}, nil
	case reflect.Pointer:
		if rv.IsNil() {
			return noneKey, nil
		}
		if t.Elem().Kind() == reflect.Struct {
			return identityKey(rv.UnsafePointer(), t), nil
		}
		return hashOf(rv.Elem().Interface(), depth+1)
	}
	return hashKey{}, fmt.Errorf("%w: %v", ErrUnhashable, t)
}

// unhashableType says why values of a Go type outside the value model
// cannot be Python dict keys, or "" when they can (or when only the value
// can tell: interfaces, Marshalers).
func unhashableType(t reflect.Type) string {
	for range maxKeyDepth {
		if forms[t] != nil || t.Implements(marshalerType) {
			if f := forms[t]; f != nil && f.hash == nil {
				return "a Python " + f.py + " is mutable"
			}
			return ""
		}
		switch t.Kind() {
		case reflect.Pointer:
			if t.Elem().Kind() == reflect.Struct {
				return "" // an instance, by identity
			}
			t = t.Elem()
			continue
		case reflect.Struct:
			return "a struct becomes a dict; a pointer to a registered struct is an instance, hashable"
		case reflect.Map:
			return "a map becomes a dict"
		case reflect.Slice, reflect.Array:
			if t.Elem().Kind() == reflect.Uint8 && !elemMarshals(t.Elem()) {
				return ""
			}
			return "it becomes a list"
		case reflect.Chan, reflect.Func, reflect.UnsafePointer:
			return "it has no Python counterpart"
		}
		return ""
	}
	return "a pointer chain too deep"
}

func intKey(n int64) hashKey { return hashKey{kind: 'i', n: n} }

func uintKey(u uint64) hashKey {
	if u <= math.MaxInt64 {
		return intKey(int64(u))
	}
	return hashKey{kind: 'I', s: strconv.FormatUint(u, 10)}
}

func bigKey(x *big.Int) hashKey {
	if x.IsInt64() {
		return intKey(x.Int64())
	}
	return hashKey{kind: 'I', s: x.String()}
}

// nanSerial makes every NaN key its own: NaN equals nothing, so in Python a
// NaN key is found again only through the very object, which a Go float
// does not have.
var nanSerial atomic.Int64

// floatKey makes integral floats equal to the ints they equal, as Python does.
func floatKey(f float64) hashKey {
	switch {
	case math.IsNaN(f):
		return hashKey{kind: 'n', n: nanSerial.Add(1)}
	case f == math.Trunc(f) && !math.IsInf(f, 0):
		if f >= -(1<<63) && f < 1<<63 {
			return intKey(int64(f))
		}
		i, _ := big.NewFloat(f).Int(nil)
		return bigKey(i)
	}
	return hashKey{kind: 'f', n: int64(math.Float64bits(f))}
}

// complexKey makes complex numbers with no imaginary part equal to the real
// numbers they equal.
func complexKey(c complex128) hashKey {
	if imag(c) == 0 {
		return floatKey(real(c))
	}
	if math.IsNaN(real(c)) || math.IsNaN(imag(c)) {
		return floatKey(math.NaN())
	}
	re := floatKey(real(c))
	return hashKey{kind: 'c', n: int64(math.Float64bits(imag(c))), s: string(re.kind) + strconv.FormatInt(re.n, 36) + re.s}
}

// identityKey is the key of an object that Python hashes by identity: its
// address (the key keeps it alive, so the address is not reused) and type.
func identityKey(p unsafe.Pointer, t reflect.Type) hashKey {
	return hashKey{kind: 'p', n: int64(uintptr(p)), s: t.String()}
}

// seqKey is the key of a sequence of keys (a tuple's items, in order).
func seqKey(kind byte, keys []hashKey) hashKey {
	var b strings.Builder
	for _, k := range keys {
		b.WriteByte(k.kind)
		b.WriteString(strconv.FormatInt(k.n, 36))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(len(k.s)))
		b.WriteByte(':')
		b.WriteString(k.s)
	}
	return hashKey{kind: kind, n: int64(len(keys)), s: b.String()}
}
