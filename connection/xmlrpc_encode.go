package connection

import (
	"encoding/base64"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/mpconn/mpconn/pickle"
)

// xmlEncoder writes values as CPython's xmlrpc.client.Marshaller does, byte
// for byte, for every value Python itself can write.
type xmlEncoder struct {
	buf      []byte
	maxDepth int
	depth    int
	active   map[unsafe.Pointer]bool // containers being written: a cycle is an error
}

// value writes v. Values outside the codec's model are mapped to Python
// values by package pickle first (normalized says that happened already).
func (e *xmlEncoder) value(v any, normalized bool) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "<value><nil/></value>"...)
	case bool:
		e.buf = append(e.buf, "<value><boolean>"...)
		e.buf = append(e.buf, "01"[b2i(x)])
		e.buf = append(e.buf, "</boolean></value>\n"...)
	case int:
		e.int(int64(x))
	case int64:
		e.int(x)
	case int32:
		e.int(int64(x))
	case *big.Int:
		if x == nil {
			return e.value(nil, true)
		}
		if !x.IsInt64() {
			return xmlErr("cannot carry the int %s: XML-RPC integers end at 64 bits", x)
		}
		e.int(x.Int64())
	case float64:
		e.buf = append(e.buf, "<value><double>"...)
		e.buf = appendPyFloat(e.buf, x)
		e.buf = append(e.buf, "</double></value>\n"...)
	case string:
		e.buf = append(e.buf, "<value><string>"...)
		if err := e.text(x); err != nil {
			return err
		}
		e.buf = append(e.buf, "</string></value>\n"...)
	case []byte:
		e.bytes(x)
	case pickle.ByteArray:
		e.bytes(x)
	case time.Time:
		// Year 0 is "0000": Python's datetime stops at year 1, but its
		// xmlrpc.client.DateTime sends and receives the text.
		if y := x.Year(); y < 0 || y > 9999 {
			return xmlErr("cannot carry the year %d: a dateTime.iso8601 has four digits", y)
		}
		e.buf = append(e.buf, "<value><dateTime.iso8601>"...)
		e.buf = x.AppendFormat(e.buf, "20060102T15:04:05")
		e.buf = append(e.buf, "</dateTime.iso8601></value>\n"...)
	case []any:
		return e.array(x, len(x))
	case pickle.Tuple:
		return e.array(x, len(x))
	case *pickle.Dict:
		if x == nil {
			return e.value(nil, true)
		}
		return e.structure(unsafe.Pointer(x), x.Items())
	case map[string]any:
		// Go maps have no order; sorted keys keep equal values equal bytes.
		items := make([]pickle.DictItem, 0, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			items = append(items, pickle.DictItem{Key: k, Value: x[k]})
		}
		return e.structure(*(*unsafe.Pointer)(unsafe.Pointer(&x)), items)
	default:
		if normalized {
			return xmlErr("cannot carry %s", pythonKind(v))
		}
		// A struct, a typed slice or map, a pointer, a Marshaler...:
		// let pickle say which Python value it is, then write that.
		data, err := pickle.Marshal(v, pickle.Deterministic())
		if err != nil {
			return xmlErr("%v", err)
		}
		var py any
		if err := pickle.Unmarshal(data, &py); err != nil {
			return xmlErr("%v", err)
		}
		return e.value(py, true)
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// int writes an integer: <int> within 32 bits, as CPython writes it, and
// <i8> beyond, which every CPython reads (2.7 included) but none writes.
func (e *xmlEncoder) int(n int64) {
	tag := "int>"
	if n < math.MinInt32 || n > math.MaxInt32 {
		tag = "i8>"
	}
	e.buf = append(e.buf, "<value><"...)
	e.buf = append(e.buf, tag...)
	e.buf = strconv.AppendInt(e.buf, n, 10)
	e.buf = append(e.buf, "</"...)
	e.buf = append(e.buf, tag...)
	e.buf = append(e.buf, "</value>\n"...)
}

// bytes writes <base64> as base64.encodebytes does: lines of 76
// characters, each ending in a newline.
func (e *xmlEncoder) bytes(b []byte) {
	e.buf = append(e.buf, "<value><base64>\n"...)
	const perLine = 57 // input bytes per 76-character line
	for len(b) > 0 {
		n := min(len(b), perLine)
		e.buf = base64.StdEncoding.AppendEncode(e.buf, b[:n])
		e.buf = append(e.buf, '\n')
		b = b[n:]
	}
	e.buf = append(e.buf, "</base64></value>\n"...)
}

func (e *xmlEncoder) array(items []any, n int) error {
	if err := e.enter(sliceID(items)); err != nil {
		return err
	}
	e.buf = append(e.buf, "<value><array><data>\n"...)
	for i, item := range items[:n] {
		if err := e.value(item, false); err != nil {
			return atPath(err, "["+strconv.Itoa(i)+"]")
		}
	}
	e.buf = append(e.buf, "</data></array></value>\n"...)
	e.leave(sliceID(items))
	return nil
}

func (e *xmlEncoder) structure(id unsafe.Pointer, items []pickle.DictItem) error {
	if err := e.enter(id); err != nil {
		return err
	}
	e.buf = append(e.buf, "<value><struct>\n"...)
	for _, it := range items {
		k, ok := it.Key.(string)
		if !ok {
			return xmlErr("cannot carry a dict key that is %s: struct member names are str", pythonKind(it.Key))
		}
		e.buf = append(e.buf, "<member>\n<name>"...)
		if err := e.text(k); err != nil {
			return err
		}
		e.buf = append(e.buf, "</name>\n"...)
		if err := e.value(it.Value, false); err != nil {
			return atPath(err, "["+strconv.Quote(k)+"]")
		}
		e.buf = append(e.buf, "</member>\n"...)
	}
	e.buf = append(e.buf, "</struct></value>\n"...)
	e.leave(id)
	return nil
}

// enter counts one level of nesting and refuses a container already being
// written (CPython: "cannot marshal recursive sequences").
func (e *xmlEncoder) enter(id unsafe.Pointer) error {
	e.depth++
	if e.depth > e.maxDepth {
		return xmlErr("nesting deeper than %d levels (XMLRPC.MaxDepth)", e.maxDepth)
	}
	if id == nil {
		return nil
	}
	if e.active == nil {
		e.active = make(map[unsafe.Pointer]bool)
	}
	if e.active[id] {
		return xmlErr("cannot carry a recursive value (a container that contains itself)")
	}
	e.active[id] = true
	return nil
}

func (e *xmlEncoder) leave(id unsafe.Pointer) {
	e.depth--
	delete(e.active, id)
}

// sliceID identifies a non-empty slice by its first element: an []any that
// contains itself shares its backing array with the copy inside.
func sliceID(s []any) unsafe.Pointer {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Pointer(&s[0])
}

// text writes s escaped as CPython's xmlrpc escape() does (&, <, >), plus
// a carriage return as &#13;, which XML would otherwise read as a newline.
// Characters XML 1.0 cannot hold at all are an error.
func (e *xmlEncoder) text(s string) error {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '&':
			e.buf = append(e.buf, "&amp;"...)
		case r == '<':
			e.buf = append(e.buf, "&lt;"...)
		case r == '>':
			e.buf = append(e.buf, "&gt;"...)
		case r == '\r':
			e.buf = append(e.buf, "&#13;"...)
		case r == utf8.RuneError && size == 1:
			return xmlErr("cannot carry a string that is not valid UTF-8 (byte %#02x at offset %d)", s[i], i)
		case !xmlChar(r):
			return xmlErr("cannot carry the character %U in a string: XML 1.0 has no way to write it", r)
		default:
			e.buf = append(e.buf, s[i:i+size]...)
		}
		i += size
	}
	return nil
}

// xmlChar reports whether XML 1.0 allows r in a document (its Char
// production).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// appendPyFloat appends repr(f) as Python writes it: the shortest digits
// that read back as f, positional from 1e-4 up to 1e16 (with ".0" when
// whole), scientific outside, "nan", "inf" and "-inf".
func appendPyFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.AppendFloat(dst, f, 'e', -1, 64) // 1e+16, 1.5e-05: Python's form too
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	for _, c := range dst[start:] {
		if c == '.' {
			return dst
		}
	}
	return append(dst, ".0"...)
}

// pythonKind names what v is in Python, for errors.
func pythonKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		return "a bool"
	case int, int64, *big.Int:
		return "an int"
	case float64:
		return "a float"
	case string:
		return "a str"
	case []byte:
		return "a bytes"
	case []any:
		return "a list"
	case pickle.Tuple:
		return "a tuple"
	case *pickle.Dict:
		return "a dict"
	case *pickle.Set:
		return "a set"
	case *pickle.FrozenSet:
		return "a frozenset"
	case complex128:
		return "a complex number"
	case pickle.Global:
		return "the class or function " + x.String()
	case *pickle.Exception:
		return "an exception (" + x.Class.String() + ")"
	case *pickle.Object:
		if g, ok := x.Class.(pickle.Global); ok {
			return "an instance of " + g.String()
		}
		return "an instance"
	case pickle.Date:
		return "a datetime.date"
	case pickle.TimeOfDay:
		return "a datetime.time"
	case time.Duration:
		return "a datetime.timedelta"
	case pickle.Decimal:
		return "a decimal.Decimal"
	case pickle.UUID:
		return "a uuid.UUID"
	}
	return fmt.Sprintf("a Go %T", v)
}
