package shm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Layout is one of the two byte layouts of Python's ShareableList. Python
// 3.8 and Python 3.9+ cannot read each other's lists (both fail with
// struct.error, or read garbage), so a writer picks the layout of its
// readers' Python; readers here detect it.
type Layout int

const (
	// Layout39 is the layout of Python 3.9 and later: the item count N, N+1
	// offsets into the data area, the data, N formats, N codes.
	Layout39 Layout = iota
	// Layout38 is Python 3.8's: N, N slot sizes, the data, N formats, N
	// codes.
	Layout38
)

func (l Layout) String() string {
	switch l {
	case Layout39:
		return "3.9+"
	case Layout38:
		return "3.8"
	}
	return "Layout(" + strconv.Itoa(int(l)) + ")"
}

// The item formats Python writes, and the codes that tell how to turn the
// unpacked value back into a Python object (ShareableList's
// _types_mapping and _back_transforms_mapping).
const (
	formatInt   = "q"
	formatFloat = "d"
	formatBool  = "xxxxxxx?"
	formatNone  = "xxxxxx?x"

	codeValue int8 = 0 // int, float, bool: the unpacked value itself
	codeStr   int8 = 1 // bytes, NULs stripped on the right, decoded as UTF-8
	codeBytes int8 = 2 // bytes, NULs stripped on the right
	codeNone  int8 = 3 // None

	slotAlign = 8
	// maxSlot is the largest str/bytes slot: Python's formats have at most
	// 8 characters, so "9999992s" (cap rounded to 8) is the widest.
	maxSlot = 9999992
)

var native = binary.NativeEndian

// listHeader is a validated ShareableList header.
type listHeader struct {
	layout  Layout
	n       int
	slots   []int // n+1 absolute offsets: slot i is mem[slots[i]:slots[i+1]]
	fmtOff  int   // n formats of 8 bytes
	codeOff int   // n codes of 1 byte
}

func (h *listHeader) size() int { return h.codeOff + h.n }

func headerError(off int, format string, args ...any) error {
	return &ListError{Index: -1, Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// word reads the int64 at off; the caller has checked off+8 <= len(mem).
func word(mem []byte, off int) int64 { return int64(native.Uint64(mem[off:])) }

// parseHeader reads and checks the header of the list in mem, detecting
// its layout. The checks bound everything later reads to mem and every
// allocation to len(mem)/17 items.
func parseHeader(mem []byte) (listHeader, error) {
	var h listHeader
	if len(mem) < 8 {
		return h, headerError(0, "%d bytes, shorter than the 8-byte item count", len(mem))
	}
	n := word(mem, 0)
	if n < 0 {
		return h, headerError(0, "negative item count %d", n)
	}
	// With items, the word after the count is off[0] == 0 in 3.9+ and the
	// first slot's size (at least 8 when Python wrote it) in 3.8. Without
	// items, 3.9+ lists are 16 bytes and 3.8 lists 8.
	h.layout = Layout38
	if len(mem) >= 16 && word(mem, 8) == 0 {
		h.layout = Layout39
	}
	if n > 0 && len(mem) < 16 {
		return h, headerError(8, "%d bytes cannot hold %d items", len(mem), n)
	}
	if n > 0 && word(mem, 8) < 0 {
		return h, headerError(8, "negative first offset or size %d", word(mem, 8))
	}
	fixed := int64(8) // count, plus the offset words
	if h.layout == Layout39 {
		fixed = 16
	}
	// fixed + 8 per offset or size + 8 per format + 1 per code, data aside.
	if n > (int64(len(mem))-fixed)/17 {
		return h, headerError(0, "item count %d does not fit in %d bytes", n, len(mem))
	}
	h.n = int(n)
	dataStart := int(fixed) + 8*h.n
	room := int64(len(mem) - dataStart - 9*h.n) // what the data area may take
	h.slots = make([]int, h.n+1)
	h.slots[0] = dataStart
	end := int64(0) // data bytes so far
	for i := range h.n {
		off := 8 + 8*i
		if h.layout == Layout39 {
			off += 8 // off[i+1]
			next := word(mem, off)
			if next < end || next > room {
				return h, headerError(off, "offset %d of item %d is outside %d..%d", next, i+1, end, room)
			}
			end = next
		} else {
			sz := word(mem, off)
			if sz < 0 || sz > room-end {
				return h, headerError(off, "size %d of item %d does not fit in the %d bytes left", sz, i, room-end)
			}
			end += sz
		}
		h.slots[i+1] = dataStart + int(end)
	}
	h.fmtOff = dataStart + int(end)
	h.codeOff = h.fmtOff + 8*h.n
	return h, nil
}

// itemFormat parses the format of item i: one of the four fixed formats,
// or "<w>s" with width w; the fixed ones report width 8.
func (h *listHeader) itemFormat(mem []byte, i int) (format string, width int, err error) {
	off := h.fmtOff + 8*i
	format = string(bytes.TrimRight(mem[off:off+8], "\x00"))
	switch format {
	case formatInt, formatFloat, formatBool, formatNone:
		return format, 8, nil
	}
	if len(format) >= 2 && format[len(format)-1] == 's' {
		if w, err := strconv.Atoi(format[:len(format)-1]); err == nil && w >= 0 && isDigits(format[:len(format)-1]) {
			return format, w, nil
		}
	}
	return "", 0, &ListError{Index: i, Offset: off, Reason: fmt.Sprintf("format %q is none Python writes", format)}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// item decodes item i as Python's __getitem__ does: unpack by the format,
// then transform by the code.
func (h *listHeader) item(mem []byte, i int) (any, error) {
	format, width, err := h.itemFormat(mem, i)
	if err != nil {
		return nil, err
	}
	start, room := h.slots[i], h.slots[i+1]-h.slots[i]
	if width > room {
		return nil, &ListError{Index: i, Offset: start, Reason: fmt.Sprintf("format %q needs %d bytes, the slot has %d", format, width, room)}
	}
	codeAt := h.codeOff + i
	code := int8(mem[codeAt])
	var v any
	switch format {
	case formatInt:
		v = word(mem, start)
	case formatFloat:
		v = math.Float64frombits(native.Uint64(mem[start:]))
	case formatBool:
		v = mem[start+7] != 0
	case formatNone:
		v = mem[start+6] != 0
	default:
		v = mem[start : start+width]
	}
	b, isBytes := v.([]byte)
	switch code {
	case codeNone:
		return nil, nil
	case codeValue:
		if isBytes {
			return bytes.Clone(b), nil // Python strips nothing here
		}
		return v, nil
	case codeStr, codeBytes:
		if !isBytes {
			return nil, &ListError{Index: i, Offset: codeAt, Reason: fmt.Sprintf("code %d (str or bytes) on format %q", code, format)}
		}
		b = bytes.TrimRight(b, "\x00")
		if code == codeBytes {
			return bytes.Clone(b), nil
		}
		if !utf8.Valid(b) {
			return nil, &ListError{Index: i, Offset: start, Reason: "str item is not valid UTF-8", Raw: bytes.Clone(b)}
		}
		return string(b), nil
	}
	return nil, &ListError{Index: i, Offset: codeAt, Reason: fmt.Sprintf("unknown code %d", code)}
}

// DecodeList reads a ShareableList from the bytes of its segment (which may
// be longer than the list, as page-rounded segments are on macOS and
// Windows) and reports its layout. Items come back as Python's
// __getitem__ returns them: int64, float64, bool, string, []byte (copied)
// or nil. Malformed bytes are a *ListError; DecodeList never panics and
// allocates in proportion to len(b) at most.
func DecodeList(b []byte) ([]any, Layout, error) {
	h, err := parseHeader(b)
	if err != nil {
		return nil, 0, err
	}
	items := make([]any, h.n)
	for i := range items {
		if items[i], err = h.item(b, i); err != nil {
			return nil, h.layout, err
		}
	}
	return items, h.layout, nil
}

// encodedItem is one value ready to be written: a fixed format with its 8
// value bytes, or str/bytes data for an "<w>s" slot.
type encodedItem struct {
	format  string // "" for str/bytes
	code    int8
	word    [8]byte
	data    []byte
	isBytes bool
}

// slotSize is the slot Python gives a value at creation: 8, or for str and
// bytes 8*(len//8+1), counted here in encoded bytes (Python counts the
// characters of a str, so multi-byte text overflows its slot and is
// truncated: CPython gh-88336).
func (e *encodedItem) slotSize() int {
	if !e.isBytes {
		return slotAlign
	}
	return slotAlign * (len(e.data)/slotAlign + 1)
}

// encodeItem turns a Go value into what Python would store for the
// corresponding Python value: nil (None), bool, any integer kind within
// int64, float32 and float64 (float), string (str, UTF-8), []byte (bytes).
func encodeItem(i int, v any) (encodedItem, error) {
	var e encodedItem
	bad := func(reason string) (encodedItem, error) {
		return e, &ItemError{Index: i, Value: v, Reason: reason}
	}
	if v == nil {
		e.format, e.code = formatNone, codeNone
		return e, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Bool:
		e.format = formatBool
		if rv.Bool() {
			e.word[7] = 1
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.format = formatInt
		native.PutUint64(e.word[:], uint64(rv.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if rv.Uint() > math.MaxInt64 {
			return bad(fmt.Sprintf("%d is outside int64, Python's 'q' format", rv.Uint()))
		}
		e.format = formatInt
		native.PutUint64(e.word[:], rv.Uint())
	case reflect.Float32, reflect.Float64:
		e.format = formatFloat
		native.PutUint64(e.word[:], math.Float64bits(rv.Float()))
	case reflect.String:
		s := rv.String()
		if !utf8.ValidString(s) {
			return bad("str is not valid UTF-8")
		}
		e.code, e.data, e.isBytes = codeStr, []byte(s), true
	case reflect.Slice:
		if rv.Type().Elem().Kind() != reflect.Uint8 {
			return bad("a ShareableList holds int, float, bool, str, bytes and None only")
		}
		e.code, e.data, e.isBytes = codeBytes, rv.Bytes(), true
	default:
		return bad("a ShareableList holds int, float, bool, str, bytes and None only")
	}
	if e.isBytes {
		if len(e.data) > 0 && e.data[len(e.data)-1] == 0 {
			return bad("trailing NUL bytes would be lost: Python strips them when reading (gh-96779)")
		}
		if e.slotSize() > maxSlot {
			return bad(fmt.Sprintf("%d bytes: Python's item formats stop at %ds", len(e.data), maxSlot))
		}
	}
	return e, nil
}

// slotFormat is the format Python writes for a str/bytes slot of n bytes.
func slotFormat(n int) string { return strconv.Itoa(n) + "s" }

// putItem writes e into slot i as Python's __setitem__ and constructor do:
// the format, then the code, then the value (no lock, so concurrent
// readers can see a torn item, in Python as here). format is e's format, or
// the "<w>s" format to write str/bytes with.
func (h *listHeader) putItem(mem []byte, i int, e *encodedItem, format string, width int) {
	off := h.fmtOff + 8*i
	clear(mem[off : off+8])
	copy(mem[off:off+8], format)
	mem[h.codeOff+i] = byte(e.code)
	start := h.slots[i]
	if e.isBytes {
		n := copy(mem[start:start+width], e.data)
		clear(mem[start+n : start+width])
		return
	}
	copy(mem[start:start+8], e.word[:])
}

// encodeList encodes items and lays out the list they make.
func encodeList(items []any, layout Layout) ([]encodedItem, listHeader, error) {
	var h listHeader
	if layout != Layout39 && layout != Layout38 {
		return nil, h, fmt.Errorf("shm: unknown ShareableList layout %v", layout)
	}
	enc := make([]encodedItem, len(items))
	for i, v := range items {
		var err error
		if enc[i], err = encodeItem(i, v); err != nil {
			return nil, h, err
		}
	}
	h.layout, h.n = layout, len(items)
	dataStart := 8 + 8*h.n // count, sizes
	if layout == Layout39 {
		dataStart += 8 // the extra offset
	}
	h.slots = make([]int, h.n+1)
	h.slots[0] = dataStart
	for i := range enc {
		h.slots[i+1] = h.slots[i] + enc[i].slotSize()
	}
	h.fmtOff = h.slots[h.n]
	h.codeOff = h.fmtOff + 8*h.n
	return enc, h, nil
}

// write writes a whole list laid out by encodeList into mem (h.size() bytes).
func (h *listHeader) write(mem []byte, enc []encodedItem) {
	native.PutUint64(mem, uint64(h.n))
	dataStart := h.slots[0]
	for i := 0; i <= h.n; i++ {
		switch {
		case h.layout == Layout39:
			native.PutUint64(mem[8+8*i:], uint64(h.slots[i]-dataStart))
		case i < h.n:
			native.PutUint64(mem[8+8*i:], uint64(h.slots[i+1]-h.slots[i]))
		}
	}
	for i := range enc {
		format, width := enc[i].format, 8
		if enc[i].isBytes {
			width = enc[i].slotSize()
			format = slotFormat(width)
		}
		h.putItem(mem, i, &enc[i], format, width)
	}
}

// EncodeList returns the bytes of a ShareableList holding items in the
// given layout, byte for byte what Python writes for the corresponding
// Python list, with one deliberate difference: a str's slot is sized by its
// UTF-8 bytes, not its characters, so non-ASCII text is never truncated
// (CPython gh-88336; Python reads such lists correctly).
//
// Items may be nil, bool, any integer kind within int64, float32, float64,
// string (valid UTF-8) or []byte. A str or bytes value must not end in a
// NUL byte, which Python would strip on reading, and must leave room for
// its slot's format ("9999992s" at most). Anything else is an *ItemError.
func EncodeList(items []any, layout Layout) ([]byte, error) {
	enc, h, err := encodeList(items, layout)
	if err != nil {
		return nil, err
	}
	mem := make([]byte, h.size())
	h.write(mem, enc)
	return mem, nil
}
