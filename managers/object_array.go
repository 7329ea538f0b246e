package managers

import (
	"context"
	"encoding/binary"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mpconn/mpconn/pickle"
)

// Array is SyncManager's Array: an array.array of one typecode, whose items
// are checked and stored as array.array stores them (ints within the C
// type's range, floats, or characters).
type Array struct {
	code arrayCode

	mu    sync.Mutex
	items []any // int64, uint64, float64 or string, per code
}

// arrayCode describes one typecode of array.array (as on 64-bit Linux).
type arrayCode struct {
	code     byte
	size     int
	kind     byte // 'i' signed, 'u' unsigned, 'f' float, 'c' character
	min, max float64
}

var arrayCodes = map[byte]arrayCode{
	'b': {'b', 1, 'i', math.MinInt8, math.MaxInt8},
	'B': {'B', 1, 'u', 0, math.MaxUint8},
	'h': {'h', 2, 'i', math.MinInt16, math.MaxInt16},
	'H': {'H', 2, 'u', 0, math.MaxUint16},
	'i': {'i', 4, 'i', math.MinInt32, math.MaxInt32},
	'I': {'I', 4, 'u', 0, math.MaxUint32},
	'l': {'l', 8, 'i', math.MinInt64, math.MaxInt64},
	'L': {'L', 8, 'u', 0, math.MaxUint64},
	'q': {'q', 8, 'i', math.MinInt64, math.MaxInt64},
	'Q': {'Q', 8, 'u', 0, math.MaxUint64},
	'f': {'f', 4, 'f', 0, 0},
	'd': {'d', 8, 'f', 0, 0},
	'u': {'u', 4, 'c', 0, 0},
	'w': {'w', 4, 'c', 0, 0},
}

var arrayClass = pickle.Global{Module: "array", Name: "array"}

func newArray(_ context.Context, c *Call) (any, error) {
	args, err := c.bind(param{"typecode", noDefault}, param{"sequence", noDefault}, param{"lock", true})
	if err != nil {
		return nil, err
	}
	tc, ok := asText(args[0])
	if !ok || utf8.RuneCountInString(tc) != 1 {
		return nil, raisef(ErrTypeError, "array() argument 1 must be a unicode character, not %s", typeName(args[0]))
	}
	code, ok := arrayCodes[tc[0]]
	if !ok || len(tc) != 1 {
		return nil, raisef(ErrValueError, "bad typecode (must be b, B, u, w, h, H, i, I, l, L, q, Q, f or d)")
	}
	a := &Array{code: code}
	if b, isBytes := args[1].([]byte); isBytes {
		return a, a.fromBytes(b)
	}
	seq, ok := iterate(args[1])
	if !ok {
		return nil, raisef(ErrTypeError, "'%s' object is not iterable", typeName(args[1]))
	}
	if _, isStr := args[1].(string); isStr && code.kind != 'c' {
		return nil, raisef(ErrTypeError, "cannot use a str to initialize an array with typecode '%c'", code.code)
	}
	for _, v := range seq {
		item, err := code.convert(v)
		if err != nil {
			return nil, err
		}
		a.items = append(a.items, item)
	}
	return a, nil
}

// convert checks and converts one item for the typecode.
func (ac arrayCode) convert(v any) (any, error) {
	switch ac.kind {
	case 'f':
		f, ok := asFloat(v)
		if !ok {
			return nil, raisef(ErrTypeError, "must be real number, not %s", typeName(v))
		}
		if ac.size == 4 {
			f = float64(float32(f))
		}
		return f, nil
	case 'c':
		s, ok := v.(string)
		if !ok || utf8.RuneCountInString(s) != 1 {
			return nil, raisef(ErrTypeError, "array item must be a unicode character, not %s", typeName(v))
		}
		return s, nil
	}
	switch v.(type) {
	case float64, float32, string, []byte, nil:
		return nil, raisef(ErrTypeError, "'%s' object cannot be interpreted as an integer", typeName(v))
	}
	f, ok := asFloat(v)
	if !ok {
		return nil, raisef(ErrTypeError, "'%s' object cannot be interpreted as an integer", typeName(v))
	}
	if f < ac.min || f > ac.max {
		return nil, raisef(ExceptionType{"builtins", "OverflowError"}, "array item %s out of range for typecode '%c'", repr(v), ac.code)
	}
	if ac.kind == 'u' {
		if n, isInt := asInt(v); isInt {
			return uint64(n), nil
		}
		u, _ := v.(uint64)
		return u, nil
	}
	n, _ := asInt(v)
	return n, nil
}

// fromBytes fills the array from machine bytes (array.frombytes).
func (a *Array) fromBytes(b []byte) error {
	if len(b)%a.code.size != 0 {
		return raisef(ErrValueError, "bytes length not a multiple of item size")
	}
	for i := 0; i < len(b); i += a.code.size {
		a.items = append(a.items, a.code.decode(b[i:i+a.code.size]))
	}
	return nil
}

func (ac arrayCode) decode(b []byte) any {
	var u uint64
	switch ac.size {
	case 1:
		u = uint64(b[0])
	case 2:
		u = uint64(binary.LittleEndian.Uint16(b))
	case 4:
		u = uint64(binary.LittleEndian.Uint32(b))
	default:
		u = binary.LittleEndian.Uint64(b)
	}
	switch ac.kind {
	case 'f':
		if ac.size == 4 {
			return float64(math.Float32frombits(uint32(u)))
		}
		return math.Float64frombits(u)
	case 'c':
		return string(rune(u))
	case 'u':
		return u
	}
	shift := 64 - 8*ac.size
	return int64(u<<shift) >> shift
}

func (ac arrayCode) encode(dst []byte, v any) []byte {
	var u uint64
	switch x := v.(type) {
	case int64:
		u = uint64(x)
	case uint64:
		u = x
	case float64:
		if ac.size == 4 {
			u = uint64(math.Float32bits(float32(x)))
		} else {
			u = math.Float64bits(x)
		}
	case string:
		r, _ := utf8.DecodeRuneInString(x)
		u = uint64(r)
	}
	for i := range ac.size {
		dst = append(dst, byte(u>>(8*i)))
	}
	return dst
}

// arrayValue is an array.array as a result: pickled as the managers module
// registers it, array.array(typecode, bytes).
type arrayValue struct {
	code  arrayCode
	items []any
}

func (v arrayValue) bytes() []byte {
	out := make([]byte, 0, len(v.items)*v.code.size)
	for _, it := range v.items {
		out = v.code.encode(out, it)
	}
	return out
}

func (v arrayValue) MarshalPickle() (any, error) {
	return &pickle.Object{Class: arrayClass, Args: pickle.Tuple{string(v.code.code), v.bytes()}}, nil
}

// py2Form gives Python 2 its typecode as a byte string, which its array()
// requires.
func (v arrayValue) py2Form() any {
	return &pickle.Object{Class: arrayClass, Args: pickle.Tuple{[]byte{v.code.code}, v.bytes()}}
}

func (v arrayValue) PyRepr() string { return v.reprFor(false) }

func (v arrayValue) reprFor(py2 bool) string {
	if len(v.items) == 0 {
		return "array('" + string(v.code.code) + "')"
	}
	if v.code.kind == 'c' { // array('u', 'abc')
		return "array('" + string(v.code.code) + "', " + reprFor(strings.Join(anyStrings(v.items), ""), py2) + ")"
	}
	return "array('" + string(v.code.code) + "', " + reprFor(v.items, py2) + ")"
}

func anyStrings(items []any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i], _ = it.(string)
	}
	return out
}

// arrayOf reads a pickled array.array(typecode, bytes), as Python's
// managers module pickles arrays.
func arrayOf(v any) (arrayValue, bool) {
	o, ok := v.(*pickle.Object)
	if !ok || o.Class != arrayClass || len(o.Args) != 2 {
		return arrayValue{}, false
	}
	tc, ok1 := asText(o.Args[0])
	b, ok2 := o.Args[1].([]byte)
	if !ok2 {
		var s string
		s, ok2 = o.Args[1].(string) // Python 2's str
		b = []byte(s)
	}
	code, ok3 := arrayCodes[firstByte(tc)]
	if !ok1 || !ok2 || !ok3 || len(tc) != 1 {
		return arrayValue{}, false
	}
	a := Array{code: code}
	if a.fromBytes(b) != nil {
		return arrayValue{}, false
	}
	return a.value(a.items), true
}

func firstByte(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

func (a *Array) value(items []any) arrayValue { return arrayValue{code: a.code, items: items} }

var arrayMethods = methodTable[*Array]{
	"__len__": func(a *Array, _ context.Context, c *Call) (any, error) {
		a.mu.Lock()
		defer a.mu.Unlock()
		return len(a.items), c.noArgs()
	},
	"__getitem__": func(a *Array, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(pIndex)
		if err != nil {
			return nil, err
		}
		return a.getItem(args[0])
	},
	"__setitem__": func(a *Array, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(pIndex, pValue)
		if err != nil {
			return nil, err
		}
		return nil, a.setItem(args[0], args[1])
	},
	// Python 2 sends a[i:j] as __getslice__(i, j) and a[i:j] = b as
	// __setslice__(i, j, b).
	"__getslice__": func(a *Array, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"i", noDefault}, param{"j", noDefault})
		if err != nil {
			return nil, err
		}
		return a.getItem(py2Slice(args))
	},
	"__setslice__": func(a *Array, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"i", noDefault}, param{"j", noDefault}, pValue)
		if err != nil {
			return nil, err
		}
		return nil, a.setItem(py2Slice(args), args[2])
	},
}

func (a *Array) getItem(key any) (any, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := List{items: a.items}
	v, err := l.getItem(key)
	if err != nil {
		return nil, arrayError(err)
	}
	if items, ok := v.([]any); ok {
		return a.value(items), nil
	}
	return v, nil
}

func (a *Array) setItem(key, value any) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, isSlice := asSlice(key); isSlice {
		other, ok := arrayOf(value)
		if !ok || other.code != a.code {
			return raisef(ErrTypeError, "can only assign array (not \"%s\") to array slice", typeName(value))
		}
		value = other.items
	} else {
		var err error
		if value, err = a.code.convert(value); err != nil {
			return err
		}
	}
	l := List{items: a.items}
	if err := l.setItem(key, value); err != nil {
		return arrayError(err)
	}
	a.items = l.items
	return nil
}

// arrayError renames a list's index errors as array's.
func arrayError(err error) error {
	if e, ok := err.(*Error); ok && len(e.Args) == 1 {
		if s, ok := e.Args[0].(string); ok && strings.HasPrefix(s, "list ") {
			return Raise(e.Type, "array "+strings.TrimPrefix(s, "list "))
		}
	}
	return err
}

// CallMethod serves ArrayProxy's methods.
func (a *Array) CallMethod(ctx context.Context, c *Call) (any, error) {
	return arrayMethods.call(a, ctx, c)
}

// Exposed is ArrayProxy's list (with Python 2's slice methods).
func (a *Array) Exposed() []string {
	return []string{"__len__", "__getitem__", "__setitem__", "__getslice__", "__setslice__"}
}

// PyRepr is the array's repr: array('i', [1, 2]).
func (a *Array) PyRepr() string { return a.reprFor(false) }

func (a *Array) reprFor(py2 bool) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.value(a.items).reprFor(py2)
}

// PyValue is the array itself.
func (a *Array) PyValue() (any, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.value(append([]any(nil), a.items...)), nil
}

func (a *Array) pyTypeName() string { return "array.array" }
