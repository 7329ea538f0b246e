package managers

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mpconn/mpconn/pickle"
)

// The server's objects hold Python values in package pickle's value model;
// this file gives them the few Python behaviours the objects need: repr,
// ordering, type names and truth.

// reprDepth bounds how deep repr descends into nested containers (a request
// can nest deeply or, through shared references, loop).
const reprDepth = 16

// Reprer is implemented by values that render their own Python repr.
type Reprer interface {
	PyRepr() string
}

// Repr renders a value of package pickle's value model as Python 3's repr
// does: 'hello', b'x', (1,), {'k': [None, True]}.
func Repr(v any) string { return repr(v) }

// repr renders v as Python 3's repr does.
func repr(v any) string { return reprFor(v, false) }

// reprFor renders v as Python 3's repr does, or Python 2's: there byte
// strings (its str) are plain '…' and text strings u'…'.
func reprFor(v any, py2 bool) string {
	var b strings.Builder
	writeRepr(&b, v, 0, py2)
	return b.String()
}

// modalReprer is a value of this package that renders its repr for either
// Python.
type modalReprer interface {
	reprFor(py2 bool) string
}

func writeRepr(b *strings.Builder, v any, depth int, py2 bool) {
	if depth > reprDepth {
		b.WriteString("...")
		return
	}
	seq := func(open, close string, items []any) {
		b.WriteString(open)
		for i, it := range items {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, it, depth+1, py2)
		}
		b.WriteString(close)
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int32, int16, int8, uint, uint64, uint32, uint16, uint8:
		fmt.Fprint(b, x)
	case *big.Int:
		b.WriteString(x.String())
	case float64:
		b.WriteString(floatRepr(x))
	case float32:
		b.WriteString(floatRepr(float64(x)))
	case string:
		if py2 {
			b.WriteString("u")
		}
		b.WriteString(strRepr(x))
	case []byte:
		if !py2 {
			b.WriteString("b")
		}
		b.WriteString(bytesRepr(x))
	case pickle.ByteArray:
		b.WriteString("bytearray(b" + bytesRepr(x) + ")")
	case pickle.Tuple:
		if len(x) == 1 {
			b.WriteString("(")
			writeRepr(b, x[0], depth+1, py2)
			b.WriteString(",)")
			return
		}
		seq("(", ")", x)
	case []any:
		seq("[", "]", x)
	case *pickle.Dict:
		b.WriteString("{")
		i := 0
		for k, val := range x.All() {
			if i > 0 {
				b.WriteString(", ")
			}
			i++
			writeRepr(b, k, depth+1, py2)
			b.WriteString(": ")
			writeRepr(b, val, depth+1, py2)
		}
		b.WriteString("}")
	case *pickle.Set:
		if x.Len() == 0 {
			b.WriteString("set()")
			return
		}
		seq("{", "}", x.Items())
	case *pickle.FrozenSet:
		if x.Len() == 0 {
			b.WriteString("frozenset()")
			return
		}
		seq("frozenset({", "})", x.Items())
	case *pickle.Exception:
		b.WriteString(x.Class.Name)
		if len(x.Args) == 1 {
			b.WriteString("(")
			writeRepr(b, x.Args[0], depth+1, py2)
			b.WriteString(")")
			return
		}
		seq("(", ")", x.Args)
	case pickle.Global:
		b.WriteString("<class '" + x.String() + "'>")
	case modalReprer:
		b.WriteString(x.reprFor(py2))
	case Reprer:
		b.WriteString(x.PyRepr())
	default:
		fmt.Fprintf(b, "<%s object>", typeName(v))
	}
}

func floatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e16 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if exp := strings.IndexByte(s, 'e'); exp >= 0 {
		// Go writes 1e+16 and 1e-05; Python writes 1e+16 and 1e-05 too, but
		// switches to exponent notation at 1e16 and below 1e-4 only.
		m, e := s[:exp], s[exp+1:]
		n, _ := strconv.Atoi(e)
		if n >= -4 && n < 16 {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return m + "e" + e
	}
	return s
}

// strRepr quotes s as Python 3's repr of a str does.
func strRepr(s string) string { return quoted(s, false) }

// bytesRepr quotes p as Python 3's repr of bytes does, without the b.
func bytesRepr(p []byte) string { return quoted(string(p), true) }

// quoted is Python's quoting of text, or of bytes: single quotes unless
// only double ones avoid escaping, escapes for control characters, and
// beyond ASCII the text's printable characters or the bytes' \x escapes.
func quoted(s string, isBytes bool) string {
	quote := '\''
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.WriteRune(quote)
	escape := func(r rune) {
		switch {
		case r == quote || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || isBytes && r >= 0x80 || r == utf8.RuneError:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x80 || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	if isBytes {
		for i := 0; i < len(s); i++ {
			escape(rune(s[i]))
		}
	} else {
		for _, r := range s {
			escape(r)
		}
	}
	b.WriteRune(quote)
	return b.String()
}

// typeName names the Python type of v, for error messages.
func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, *big.Int:
		return "int"
	case float32, float64:
		return "float"
	case complex64, complex128:
		return "complex"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case pickle.ByteArray:
		return "bytearray"
	case []any:
		return "list"
	case pickle.Tuple:
		return "tuple"
	case *pickle.Dict:
		return "dict"
	case *pickle.Set:
		return "set"
	case *pickle.FrozenSet:
		return "frozenset"
	case pickle.Global:
		return "type"
	case *pickle.Object:
		if g, ok := x.Class.(pickle.Global); ok {
			return g.Name
		}
	case *pickle.Exception:
		return x.Class.Name
	case interface{ pyTypeName() string }:
		return x.pyTypeName()
	}
	return "object"
}

// asInt reads a Python int (bool included, as in Python) from v.
func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint:
		return int64(x), uint64(x) <= math.MaxInt64
	case uint64:
		return int64(x), x <= math.MaxInt64
	case *big.Int:
		return x.Int64(), x.IsInt64()
	}
	return 0, false
}

// asFloat reads a Python int or float as a float64.
func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	}
	n, ok := asInt(v)
	return float64(n), ok
}

// asText reads a str (or, from Python 2 peers, a byte string) as a Go string.
func asText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

// truth is Python's bool(v) for the value model.
func truth(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case []byte:
		return len(x) > 0
	case []any:
		return len(x) > 0
	case pickle.Tuple:
		return len(x) > 0
	case *pickle.Dict:
		return x.Len() > 0
	case *pickle.Set:
		return x.Len() > 0
	}
	if f, ok := asFloat(v); ok {
		return f != 0
	}
	return true
}

// compare orders a and b as Python's < does for the types that have an
// order (numbers, str, bytes, and lists and tuples of them); anything else
// is a TypeError, as in Python 3.
func compare(a, b any, depth int) (int, error) {
	if depth > reprDepth {
		return 0, raisef(ErrRuntimeError, "maximum recursion depth exceeded in comparison")
	}
	if x, ok := asFloat(a); ok {
		if y, ok := asFloat(b); ok {
			xi, xInt := asInt(a)
			yi, yInt := asInt(b)
			if xInt && yInt {
				return cmp.Compare(xi, yi), nil
			}
			return cmp.Compare(x, y), nil
		}
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return strings.Compare(string(x), string(y)), nil
		}
	case []any:
		if y, ok := b.([]any); ok {
			return compareSeq(x, y, depth)
		}
	case pickle.Tuple:
		if y, ok := b.(pickle.Tuple); ok {
			return compareSeq(x, y, depth)
		}
	}
	return 0, raisef(ErrTypeError, "'<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
}

func compareSeq[S ~[]any](x, y S, depth int) (int, error) {
	for i := 0; i < len(x) && i < len(y); i++ {
		if pickle.Equal(x[i], y[i]) {
			continue
		}
		return compare(x[i], y[i], depth+1)
	}
	return cmp.Compare(len(x), len(y)), nil
}
