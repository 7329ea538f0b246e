package pickle

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strconv"
	"unsafe"
)

// The decode engine runs the pickle machine over the whole pickle held in
// memory and builds a compact representation: scalars live in a val (no
// boxing), containers and objects are nodes in one arena slice, referenced
// by index so shared references and cycles are free. Materializing into
// `any` or into typed Go values is a second, separate pass.

type kind uint8

const (
	kUnset  kind = iota // an empty memo slot
	kNone               //
	kBool               // n: 0 or 1
	kInt                // n: the value
	kBig                // n: index into machine.bigs
	kFloat              // n: math.Float64bits
	kStr                // n, m: offset and length of UTF-8 bytes in the input
	kStrX               // n: index into machine.strs
	kBytes              // n, m: offset and length in the input
	kBytesX             // n: index into machine.blobs
	kNode               // n: index into machine.nodes
)

type val struct {
	k   kind
	off uint32 // input offset of the opcode that made it (saturated)
	n   int64
	m   int64
}

type nkind uint8

const (
	nList nkind = iota + 1
	nTuple
	nDict // items: key, value, key, value...
	nSet
	nFrozenSet
	nObject
	nException
	nGlobal // x: Global
	nValue  // x: a ready value-model value (time.Time, Decimal, complex128, ...)
)

type node struct {
	k     nkind
	off   uint32
	items []val
	obj   *objData
	x     any      // nGlobal: the Global; nValue: the value; nDict: its dictKind
	cls   *pyClass // nGlobal: what the decoder makes of calling it (nil: unknown)
}

type objData struct {
	class    val
	new      bool
	args     []val
	kwargs   []val // key, value pairs
	hasKw    bool
	state    val
	hasState bool
	list     []val
	dict     []val
	argItems int // a dict built from its arguments: the items that came from them
}

type machine struct {
	data    []byte
	pos     int
	base    int64 // stream offset of data[0]
	cfg     *config
	stack   []val
	marks   []int
	fence   int
	memo    []val
	memoMap map[uint64]val
	nmemo   int
	nodes   []node
	strs    []string
	blobs   [][]byte
	bigs    []*big.Int
	proto   int

	anyCache  []any           // materialized nodes, for shared references
	depth     int             // materialization depth
	keySizes  map[int64]int64 // expanded sizes of tuple keys
	budget    int64           // what remains of WithMaxExpansion's budget (expand), once budgetSet
	budgetSet bool
	typed     *typed // the typed materializer, once needed
	arena     []byte // backing store of short strings (newString)
	box       boxes  // backing store of boxed numbers and strings (decode_box.go)
	spare     []val  // room for the first items of small containers (smallMachine.items)

	raw        *machine // the source of the RawValues taken from this pickle
	copyLeaves bool     // a RawValue's view: numbers and bytes are not the caller's to share
	blobCopies [][]byte // a view's copies of blobs (blob)
}

// newString returns b as a string. Short strings are carved out of a shared
// chunk (up to 8 KiB, never larger than the input) rather than allocated one
// by one: decoding 100k strings spent a sixth of its time in
// runtime.slicebytetostring and the collector then had 100k objects to
// track. The chunk is only ever appended to, so the bytes of a string handed
// out never change; a live string keeps at most its chunk alive.
func (m *machine) newString(b []byte) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	if n > 512 {
		return string(b)
	}
	if cap(m.arena)-len(m.arena) < n {
		m.arena = make([]byte, 0, max(n, min(8<<10, len(m.data))))
	}
	start := len(m.arena)
	m.arena = append(m.arena, b...)
	return unsafe.String(&m.arena[start], n)
}

func (m *machine) errAt(pos int, format string, args ...any) error {
	return &SyntaxError{Offset: m.base + int64(pos), Msg: fmt.Sprintf(format, args...)}
}

func (m *machine) limitErr(l Limit, max, value int64, pos int) error {
	return &LimitError{Limit: l, Max: max, Value: value, Offset: m.base + int64(pos)}
}

func (m *machine) eof(pos int) error {
	return &SyntaxError{Offset: m.base + int64(pos), Msg: "pickle data was truncated", Err: io.ErrUnexpectedEOF}
}

func off32(p int) uint32 {
	if uint64(p) > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(p)
}

// grow2 makes room for one more element by doubling the capacity: append
// grows large slices by only 1.25x, which copied the node and memo tables of
// a 100k-element pickle several times over (runtime.growslice was 17% of the
// CPU profile of BenchmarkDecode/dicts100k and nested20k).
func grow2[T any](s []T) []T {
	if len(s) < cap(s) {
		return s
	}
	return slices.Grow(s, max(cap(s), 64)) // clears only the new part
}

func (m *machine) newNode(k nkind, pos int) val {
	m.nodes = append(grow2(m.nodes), node{k: k, off: off32(pos)})
	return val{k: kNode, off: off32(pos), n: int64(len(m.nodes) - 1)}
}

func (m *machine) nodeOf(v val) *node {
	if v.k != kNode {
		return nil
	}
	return &m.nodes[v.n]
}

func (m *machine) pop(pos int) (val, error) {
	if len(m.stack) <= m.fence {
		return val{}, m.errAt(pos, "unpickling stack underflow")
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

// popN pops the top n items and returns them oldest first. The slice
// aliases the stack: read it before pushing again.
func (m *machine) popN(pos, n int) ([]val, error) {
	if len(m.stack)-n < m.fence {
		return nil, m.errAt(pos, "unpickling stack underflow")
	}
	top := m.stack[len(m.stack)-n:]
	m.stack = m.stack[:len(m.stack)-n]
	return top, nil
}

// popMark returns the items above the topmost mark. The slice aliases the
// stack: copy it before pushing again.
func (m *machine) popMark(pos int) ([]val, error) {
	if len(m.marks) == 0 {
		return nil, m.errAt(pos, "could not find MARK")
	}
	k := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := m.stack[k:]
	m.stack = m.stack[:k]
	if len(m.marks) > 0 {
		m.fence = m.marks[len(m.marks)-1]
	} else {
		m.fence = 0
	}
	return items, nil
}

// readLine returns the bytes up to (not including) the next '\n'.
func (m *machine) readLine(start int) ([]byte, error) {
	i := bytes.IndexByte(m.data[m.pos:], '\n')
	if i < 0 {
		return nil, m.eof(start)
	}
	line := m.data[m.pos : m.pos+i]
	m.pos += i + 1
	return line, nil
}

// readLen reads an n-byte little-endian length and checks the payload it
// declares against the remaining input before anything is allocated.
func (m *machine) readLen(start, n int) (int, error) {
	if len(m.data)-m.pos < n {
		return 0, m.eof(start)
	}
	var l uint64
	switch n {
	case 1:
		l = uint64(m.data[m.pos])
	case 4:
		l = uint64(binary.LittleEndian.Uint32(m.data[m.pos:]))
	case 8:
		l = binary.LittleEndian.Uint64(m.data[m.pos:])
	}
	m.pos += n
	if l > uint64(len(m.data)-m.pos) {
		return 0, m.eof(start)
	}
	return int(l), nil
}

func (m *machine) memoPut(pos int, idx uint64, v val) error {
	switch v.k {
	case kStr:
		// Memoized strings are shared: make the Go string once.
		m.strs = append(grow2(m.strs), m.newString(m.data[v.n:v.n+v.m]))
		v = val{k: kStrX, off: v.off, n: int64(len(m.strs) - 1)}
		m.stack[len(m.stack)-1] = v
	case kBytes:
		// So are memoized bytes: a thousand GETs of one are one []byte,
		// not a thousand copies.
		v = m.blobVal(int(v.off), bytes.Clone(m.data[v.n:v.n+v.m]))
		m.stack[len(m.stack)-1] = v
	}
	if idx < uint64(len(m.memo)) {
		if m.memo[idx].k == kUnset {
			m.nmemo++
		}
		m.memo[idx] = v
		return nil
	}
	if _, ok := m.memoMap[idx]; !ok {
		if m.nmemo >= m.cfg.maxMemo {
			return m.limitErr(LimitMemo, int64(m.cfg.maxMemo), int64(m.nmemo)+1, pos)
		}
		m.nmemo++
	}
	if idx < uint64(2*len(m.memo)+64) && idx < uint64(m.cfg.maxMemo) {
		for uint64(len(m.memo)) <= idx {
			m.memo = append(grow2(m.memo), val{})
		}
		if old, ok := m.memoMap[idx]; ok {
			_ = old
			delete(m.memoMap, idx)
		}
		m.memo[idx] = v
		return nil
	}
	if m.memoMap == nil {
		m.memoMap = map[uint64]val{}
	}
	m.memoMap[idx] = v
	return nil
}

func (m *machine) memoGet(pos int, idx uint64) (val, error) {
	if idx < uint64(len(m.memo)) && m.memo[idx].k != kUnset {
		return m.memo[idx], nil
	}
	if v, ok := m.memoMap[idx]; ok {
		return v, nil
	}
	return val{}, m.errAt(pos, "memo key %d not found", idx)
}

func (m *machine) top(pos int) (*val, error) {
	if len(m.stack) <= m.fence {
		return nil, m.errAt(pos, "unpickling stack underflow")
	}
	return &m.stack[len(m.stack)-1], nil
}

func (m *machine) pushStr(start int, b []byte, py2 bool) {
	if py2 && m.cfg.py2StrAsBytes {
		m.stack = append(m.stack, val{k: kBytes, off: off32(start), n: int64(m.pos - len(b)), m: int64(len(b))})
		return
	}
	m.stack = append(m.stack, val{k: kStr, off: off32(start), n: int64(m.pos - len(b)), m: int64(len(b))})
}

func (m *machine) pushStrX(start int, s string) {
	m.strs = append(grow2(m.strs), s)
	m.stack = append(m.stack, val{k: kStrX, off: off32(start), n: int64(len(m.strs) - 1)})
}

// blobVal is a bytes val for b, which the machine now owns.
func (m *machine) blobVal(pos int, b []byte) val {
	m.blobs = append(m.blobs, b)
	return val{k: kBytesX, off: off32(pos), n: int64(len(m.blobs) - 1)}
}

// blob returns blob i to hand out: the machine's own, or in a RawValue's
// view (whose decodes must not share it with one another) a copy, made
// once per view.
func (m *machine) blob(i int64) []byte {
	if !m.copyLeaves {
		return m.blobs[i]
	}
	if m.blobCopies == nil {
		m.blobCopies = make([][]byte, len(m.blobs))
	}
	if m.blobCopies[i] == nil {
		m.blobCopies[i] = bytes.Clone(m.blobs[i])
	}
	return m.blobCopies[i]
}

// valueNode is a node holding x, a value of the model built whole.
func (m *machine) valueNode(pos int, x any) val {
	v := m.newNode(nValue, pos)
	m.nodes[v.n].x = x
	return v
}

// str returns the Go string of a str val (ok false for other kinds).
func (m *machine) str(v val) (string, bool) {
	switch v.k {
	case kStr:
		return m.newString(m.data[v.n : v.n+v.m]), true
	case kStrX:
		return m.strs[v.n], true
	}
	return "", false
}

// text returns the Go string of a str val, or of a Python 2 str that
// Py2StringsAsBytes kept as bytes: where CPython expects text (a Decimal's
// digits, an attribute name, a codec name) a 2.7 peer writes str, and the
// option must not make those unreadable.
func (m *machine) text(v val) (string, bool) {
	if s, ok := m.str(v); ok {
		return s, true
	}
	if b, ok := m.rawBytes(v); ok && m.cfg.py2StrAsBytes && (v.k == kBytes || v.k == kBytesX) {
		return string(b), true
	}
	return "", false
}

// rawBytes returns the bytes of a bytes or str val without copying, to
// be read only.
func (m *machine) rawBytes(v val) ([]byte, bool) {
	switch v.k {
	case kStr, kBytes:
		return m.data[v.n : v.n+v.m], true
	case kStrX:
		return unsafe.Slice(unsafe.StringData(m.strs[v.n]), len(m.strs[v.n])), true // read only
	case kBytesX:
		return m.blobs[v.n], true
	}
	return nil, false
}

func (m *machine) intOf(v val) (int64, bool) {
	switch v.k {
	case kInt, kBool:
		return v.n, true
	}
	return 0, false
}

// run executes the pickle and returns the value STOP pops.
func (m *machine) run() (val, error) {
	data := m.data
	for {
		if m.pos >= len(data) {
			return val{}, m.eof(m.pos)
		}
		start := m.pos
		op := data[m.pos]
		m.pos++
		switch op {
		case opStop:
			if len(m.stack) <= m.fence {
				return val{}, m.errAt(start, "unpickling stack underflow at STOP")
			}
			return m.stack[len(m.stack)-1], nil
		case opProto:
			if m.pos >= len(data) {
				return val{}, m.eof(start)
			}
			p := int(data[m.pos])
			m.pos++
			if p > HighestProtocol {
				return val{}, m.errAt(start, "unsupported pickle protocol: %d", p)
			}
			m.proto = p
		case opFrame:
			if len(data)-m.pos < 8 {
				return val{}, m.eof(start)
			}
			// A hint for buffered readers (the data is all here), but as
			// in CPython a frame longer than what is left is a truncated
			// pickle, not something to read past STOP and ignore.
			if n := le(data[m.pos : m.pos+8]); n > uint64(len(data)-m.pos-8) {
				return val{}, m.eof(start)
			}
			m.pos += 8
		case opNone:
			m.stack = append(m.stack, val{k: kNone, off: off32(start)})
		case opNewtrue:
			m.stack = append(m.stack, val{k: kBool, off: off32(start), n: 1})
		case opNewfalse:
			m.stack = append(m.stack, val{k: kBool, off: off32(start)})
		case opBinint1:
			if m.pos >= len(data) {
				return val{}, m.eof(start)
			}
			m.stack = append(m.stack, val{k: kInt, off: off32(start), n: int64(data[m.pos])})
			m.pos++
		case opBinint2:
			if len(data)-m.pos < 2 {
				return val{}, m.eof(start)
			}
			m.stack = append(m.stack, val{k: kInt, off: off32(start), n: int64(binary.LittleEndian.Uint16(data[m.pos:]))})
			m.pos += 2
		case opBinint:
			if len(data)-m.pos < 4 {
				return val{}, m.eof(start)
			}
			m.stack = append(m.stack, val{k: kInt, off: off32(start), n: int64(int32(binary.LittleEndian.Uint32(data[m.pos:])))})
			m.pos += 4
		case opLong1, opLong4:
			var n int
			var err error
			if op == opLong1 {
				n, err = m.readLen(start, 1)
			} else {
				if len(data)-m.pos >= 4 && int32(binary.LittleEndian.Uint32(data[m.pos:])) < 0 {
					return val{}, m.errAt(start, "LONG pickle has negative byte count")
				}
				n, err = m.readLen(start, 4)
			}
			if err != nil {
				return val{}, err
			}
			m.stack = append(m.stack, m.decodeLong(start, data[m.pos:m.pos+n]))
			m.pos += n
		case opInt, opLong:
			line, err := m.readLine(start)
			if err != nil {
				return val{}, err
			}
			v, err := m.parseTextInt(start, line, op == opLong)
			if err != nil {
				return val{}, err
			}
			m.stack = append(m.stack, v)
		case opBinfloat:
			if len(data)-m.pos < 8 {
				return val{}, m.eof(start)
			}
			m.stack = append(m.stack, val{k: kFloat, off: off32(start), n: int64(binary.BigEndian.Uint64(data[m.pos:]))})
			m.pos += 8
		case opFloat:
			line, err := m.readLine(start)
			if err != nil {
				return val{}, err
			}
			f, err := parseTextFloat(line)
			if err != nil {
				return val{}, m.errAt(start, "could not convert string to float: %q", line)
			}
			m.stack = append(m.stack, val{k: kFloat, off: off32(start), n: int64(math.Float64bits(f))})
		case opShortBinunicode, opBinunicode, opBinunicode8:
			n, err := m.readLen(start, int(opTable[op].lenSize))
			if err != nil {
				return val{}, err
			}
			m.pos += n
			m.pushStr(start, data[m.pos-n:m.pos], false)
		case opShortBinstring, opBinstring:
			if op == opBinstring && len(data)-m.pos >= 4 && int32(binary.LittleEndian.Uint32(data[m.pos:])) < 0 {
				return val{}, m.errAt(start, "BINSTRING pickle has negative byte count")
			}
			n, err := m.readLen(start, int(opTable[op].lenSize))
			if err != nil {
				return val{}, err
			}
			m.pos += n
			m.pushStr(start, data[m.pos-n:m.pos], true)
		case opShortBinbytes, opBinbytes, opBinbytes8:
			n, err := m.readLen(start, int(opTable[op].lenSize))
			if err != nil {
				return val{}, err
			}
			m.stack = append(m.stack, val{k: kBytes, off: off32(start), n: int64(m.pos), m: int64(n)})
			m.pos += n
		case opBytearray8:
			n, err := m.readLen(start, 8)
			if err != nil {
				return val{}, err
			}
			ba := make(ByteArray, n)
			copy(ba, data[m.pos:m.pos+n])
			m.pos += n
			v := m.newNode(nValue, start)
			m.nodes[v.n].x = ba
			m.stack = append(m.stack, v)
		case opString:
			line, err := m.readLine(start)
			if err != nil {
				return val{}, err
			}
			if len(line) < 2 || line[0] != line[len(line)-1] || (line[0] != '\'' && line[0] != '"') {
				return val{}, m.errAt(start, "the STRING opcode argument must be quoted")
			}
			b, err := escapeDecode(line[1 : len(line)-1])
			if err != nil {
				return val{}, m.errAt(start, "%v", err)
			}
			if m.cfg.py2StrAsBytes {
				m.stack = append(m.stack, m.blobVal(start, b))
			} else {
				m.pushStrX(start, string(b))
			}
		case opUnicode:
			line, err := m.readLine(start)
			if err != nil {
				return val{}, err
			}
			s, err := rawUnicodeEscapeDecode(line)
			if err != nil {
				return val{}, m.errAt(start, "%v", err)
			}
			m.pushStrX(start, s)
		case opEmptyList:
			m.stack = append(m.stack, m.newNode(nList, start))
		case opEmptyTuple:
			m.stack = append(m.stack, m.newNode(nTuple, start))
		case opEmptyDict:
			m.stack = append(m.stack, m.newNode(nDict, start))
		case opEmptySet:
			m.stack = append(m.stack, m.newNode(nSet, start))
		case opTuple1, opTuple2, opTuple3:
			n := int(op-opTuple1) + 1
			if len(m.stack)-m.fence < n {
				return val{}, m.errAt(start, "unpickling stack underflow")
			}
			v := m.newNode(nTuple, start)
			items := make([]val, n)
			copy(items, m.stack[len(m.stack)-n:])
			m.nodes[v.n].items = items
			m.stack = append(m.stack[:len(m.stack)-n], v)
		case opMark:
			m.marks = append(m.marks, len(m.stack))
			m.fence = len(m.stack)
		case opTuple, opList, opDict, opFrozenset:
			items, err := m.popMark(start)
			if err != nil {
				return val{}, err
			}
			var v val
			switch op {
			case opTuple:
				v = m.newNode(nTuple, start)
			case opList:
				v = m.newNode(nList, start)
			case opFrozenset:
				v = m.newNode(nFrozenSet, start)
			case opDict:
				if len(items)%2 != 0 {
					return val{}, m.errAt(start, "odd number of items for DICT")
				}
				v = m.newNode(nDict, start)
			}
			if len(items) > 0 {
				m.nodes[v.n].items = append([]val(nil), items...)
			}
			m.stack = append(m.stack, v)
		case opAppend:
			x, err := m.pop(start)
			if err != nil {
				return val{}, err
			}
			if err := m.appendTo(start, []val{x}); err != nil {
				return val{}, err
			}
		case opAppends:
			items, err := m.popMark(start)
			if err != nil {
				return val{}, err
			}
			if err := m.appendTo(start, items); err != nil {
				return val{}, err
			}
		case opSetitem:
			if len(m.stack)-m.fence < 3 {
				return val{}, m.errAt(start, "unpickling stack underflow")
			}
			kv := m.stack[len(m.stack)-2:]
			m.stack = m.stack[:len(m.stack)-2]
			if err := m.setItems(start, kv); err != nil {
				return val{}, err
			}
		case opSetitems:
			items, err := m.popMark(start)
			if err != nil {
				return val{}, err
			}
			if len(items)%2 != 0 {
				return val{}, m.errAt(start, "odd number of items for SETITEMS")
			}
			if err := m.setItems(start, items); err != nil {
				return val{}, err
			}
		case opAdditems:
			items, err := m.popMark(start)
			if err != nil {
				return val{}, err
			}
			t, err := m.top(start)
			if err != nil {
				return val{}, err
			}
			nd := m.nodeOf(*t)
			if nd == nil || nd.k != nSet {
				return val{}, m.errAt(start, "ADDITEMS to a non-set")
			}
			nd.items = append(nd.items, items...)
		case opPop:
			if len(m.stack) > m.fence {
				m.stack = m.stack[:len(m.stack)-1]
			} else if len(m.marks) > 0 {
				if _, err := m.popMark(start); err != nil {
					return val{}, err
				}
			} else {
				return val{}, m.errAt(start, "unpickling stack underflow")
			}
		case opPopMark:
			if _, err := m.popMark(start); err != nil {
				return val{}, err
			}
		case opDup:
			t, err := m.top(start)
			if err != nil {
				return val{}, err
			}
			m.stack = append(m.stack, *t)
		case opGet, opBinget, opLongBinget:
			var idx uint64
			switch op {
			case opGet:
				line, err := m.readLine(start)
				if err != nil {
					return val{}, err
				}
				i, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 10, 64)
				if err != nil {
					return val{}, m.errAt(start, "invalid GET argument %q", line)
				}
				idx = i
			case opBinget:
				if m.pos >= len(data) {
					return val{}, m.eof(start)
				}
				idx = uint64(data[m.pos])
				m.pos++
			default:
				if len(data)-m.pos < 4 {
					return val{}, m.eof(start)
				}
				idx = uint64(binary.LittleEndian.Uint32(data[m.pos:]))
				m.pos += 4
			}
			v, err := m.memoGet(start, idx)
			if err != nil {
				return val{}, err
			}
			m.stack = append(m.stack, v)
		case opPut, opBinput, opLongBinput, opMemoize:
			var idx uint64
			switch op {
			case opPut:
				line, err := m.readLine(start)
				if err != nil {
					return val{}, err
				}
				i, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 10, 64)
				if err != nil || i < 0 {
					return val{}, m.errAt(start, "invalid PUT argument %q", line)
				}
				idx = uint64(i)
			case opBinput:
				if m.pos >= len(data) {
					return val{}, m.eof(start)
				}
				idx = uint64(data[m.pos])
				m.pos++
			case opLongBinput:
				if len(data)-m.pos < 4 {
					return val{}, m.eof(start)
				}
				idx = uint64(binary.LittleEndian.Uint32(data[m.pos:]))
				m.pos += 4
			default:
				idx = uint64(m.nmemo)
			}
			if len(m.stack) <= m.fence {
				return val{}, m.errAt(start, "unpickling stack underflow")
			}
			if err := m.memoPut(start, idx, m.stack[len(m.stack)-1]); err != nil {
				return val{}, err
			}
		case opGlobal:
			mod, err := m.readLine(start)
			if err != nil {
				return val{}, err
			}
			name, err := m.readLine(start)
			if err != nil {
				return val{}, err
			}
			v, err := m.global(start, string(mod), string(name))
			if err != nil {
				return val{}, err
			}
			m.stack = append(m.stack, v)
		case opStackGlobal:
			vs, err := m.popN(start, 2)
			if err != nil {
				return val{}, err
			}
			mv, nv := vs[0], vs[1]
			name, ok1 := m.str(nv)
			mod, ok2 := m.str(mv)
			if !ok1 || !ok2 {
				return val{}, m.errAt(start, "STACK_GLOBAL requires str")
			}
			v, err := m.global(start, mod, name)
			if err != nil {
				return val{}, err
			}
			m.stack = append(m.stack, v)
		case opReduce:
			vs, err := m.popN(start, 2)
			if err != nil {
				return val{}, err
			}
			callable, args := vs[0], vs[1]
			an := m.nodeOf(args)
			if an == nil || an.k != nTuple {
				return val{}, m.errAt(start, "REDUCE arguments must be a tuple")
			}
			v, err := m.reduce(start, callable, an.items)
			if err != nil {
				return val{}, err
			}
			m.stack = append(m.stack, v)
		case opNewobj:
			vs, err := m.popN(start, 2)
			if err != nil {
				return val{}, err
			}
			cls, args := vs[0], vs[1]
			an := m.nodeOf(args)
			if an == nil || an.k != nTuple {
				return val{}, m.errAt(start, "NEWOBJ arguments must be a tuple")
			}
			v, err := m.newObj(start, cls, an.items, nil, false)
			if err != nil {
				return val{}, err
			}
			m.stack = append(m.stack, v)
		case opNewobjEx:
			vs, err := m.popN(start, 3)
			if err != nil {
				return val{}, err
			}
			cls, args, kw := vs[0], vs[1], vs[2]
			an, kn := m.nodeOf(args), m.nodeOf(kw)
			if an == nil || an.k != nTuple || kn == nil || kn.k != nDict {
				return val{}, m.errAt(start, "NEWOBJ_EX arguments must be a tuple and a dict")
			}
			v, err := m.newObj(start, cls, an.items, kn.items, true)
			if err != nil {
				return val{}, err
			}
			m.stack = append(m.stack, v)
		case opBuild:
			state, err := m.pop(start)
			if err != nil {
				return val{}, err
			}
			t, err := m.top(start)
			if err != nil {
				return val{}, err
			}
			if err := m.build(start, *t, state); err != nil {
				return val{}, err
			}
		case opInst:
			mod, err := m.readLine(start)
			if err != nil {
				return val{}, err
			}
			name, err := m.readLine(start)
			if err != nil {
				return val{}, err
			}
			items, err := m.popMark(start)
			if err != nil {
				return val{}, err
			}
			args := append([]val(nil), items...)
			cls, err := m.global(start, string(mod), string(name))
			if err != nil {
				return val{}, err
			}
			v, err := m.reduce(start, cls, args)
			if err != nil {
				return val{}, err
			}
			m.stack = append(m.stack, v)
		case opObj:
			items, err := m.popMark(start)
			if err != nil {
				return val{}, err
			}
			if len(items) == 0 {
				return val{}, m.errAt(start, "OBJ without a class")
			}
			args := append([]val(nil), items[1:]...)
			v, err := m.reduce(start, items[0], args)
			if err != nil {
				return val{}, err
			}
			m.stack = append(m.stack, v)
		case opPersid, opBinpersid:
			var pid any
			if op == opPersid {
				line, err := m.readLine(start)
				if err != nil {
					return val{}, err
				}
				pid = string(line)
			} else {
				p, err := m.pop(start)
				if err != nil {
					return val{}, err
				}
				pv, err := m.toAny(p)
				if err != nil {
					return val{}, err
				}
				pid = pv
			}
			if m.cfg.persistentLoad == nil {
				desc := pyTypeName(pid)
				if s, ok := pid.(string); ok && len(s) < 100 {
					desc = strconv.Quote(s)
				}
				return val{}, m.errAt(start, "persistent ID (%s) found, but no WithPersistentLoad option was given", desc)
			}
			obj, err := m.cfg.persistentLoad(pid)
			if err != nil {
				return val{}, fmt.Errorf("pickle: persistent load at offset %d: %w", m.base+int64(start), err)
			}
			v := m.newNode(nValue, start)
			m.nodes[v.n].x = obj
			m.stack = append(m.stack, v)
		case opExt1, opExt2, opExt4:
			n := map[byte]int{opExt1: 1, opExt2: 2, opExt4: 4}[op]
			if len(data)-m.pos < n {
				return val{}, m.eof(start)
			}
			var code uint32
			for i := n - 1; i >= 0; i-- {
				code = code<<8 | uint32(data[m.pos+i])
			}
			m.pos += n
			return val{}, m.errAt(start, "unregistered extension code %d (copyreg's extension registry is empty)", code)
		case opNextBuffer, opReadonlyBuffer:
			return val{}, m.errAt(start, "out-of-band buffers are not supported (%s)", map[byte]string{opNextBuffer: "NEXT_BUFFER", opReadonlyBuffer: "READONLY_BUFFER"}[op])
		default:
			return val{}, m.errAt(start, "invalid load key, '\\x%02x'", op)
		}
	}
}

// decodeLong decodes a little-endian two's complement integer in linear time.
func (m *machine) decodeLong(start int, b []byte) val {
	if len(b) <= 8 {
		var u uint64
		for i := len(b) - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[i])
		}
		shift := uint(64 - 8*len(b))
		if len(b) == 0 {
			shift = 0
		}
		return val{k: kInt, off: off32(start), n: int64(u<<shift) >> shift}
	}
	return m.bigVal(start, longLE(b))
}

// longLE decodes a little-endian two's complement integer (LONG1, LONG4).
func longLE(b []byte) *big.Int {
	be := make([]byte, len(b))
	for i, c := range b {
		be[len(b)-1-i] = c
	}
	x := new(big.Int).SetBytes(be)
	if len(b) > 0 && b[len(b)-1]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return x
}

func (m *machine) bigVal(start int, x *big.Int) val {
	if x.IsInt64() {
		return val{k: kInt, off: off32(start), n: x.Int64()}
	}
	m.bigs = append(m.bigs, x)
	return val{k: kBig, off: off32(start), n: int64(len(m.bigs) - 1)}
}

func (m *machine) appendTo(pos int, items []val) error {
	t, err := m.top(pos)
	if err != nil {
		return err
	}
	nd := m.nodeOf(*t)
	switch {
	case nd != nil && nd.k == nList:
		nd.items = m.appendVals(nd.items, items)
	case nd != nil && nd.k == nObject:
		nd.obj.list = append(nd.obj.list, items...)
	case nd != nil && nd.k == nSet: // a set subclass built by REDUCE
		nd.items = append(nd.items, items...)
	default:
		return m.errAt(pos, "APPEND to a non-list")
	}
	return nil
}

// appendVals appends with doubling growth: APPENDS batches of 1000 would
// otherwise regrow big lists by append's 1.25x many times. A container's
// first items go into the machine's spare room when they fit.
func (m *machine) appendVals(dst, src []val) []val {
	if cap(dst) == 0 && len(src) <= len(m.spare) {
		n := len(src)
		dst, m.spare = m.spare[:0:n], m.spare[n:]
	}
	if len(dst)+len(src) > cap(dst) {
		nd := make([]val, len(dst), max(2*cap(dst), len(dst)+len(src)))
		copy(nd, dst)
		dst = nd
	}
	return append(dst, src...)
}

func (m *machine) setItems(pos int, kv []val) error {
	t, err := m.top(pos)
	if err != nil {
		return err
	}
	nd := m.nodeOf(*t)
	switch {
	case nd != nil && nd.k == nDict:
		nd.items = m.appendVals(nd.items, kv)
	case nd != nil && nd.k == nObject:
		nd.obj.dict = append(nd.obj.dict, kv...)
	default:
		return m.errAt(pos, "SETITEM on a non-dict")
	}
	return nil
}

func (m *machine) global(pos int, module, name string) (val, error) {
	g := normalizeGlobal(module, name)
	c := classOf(g)
	if c == nil && m.cfg.registry.isException(g) {
		c = exceptionClass
	}
	if c == nil && m.cfg.strict {
		if _, ok := m.cfg.registry.TypeFor(g); !ok {
			return val{}, &UnknownClassError{Class: g, Offset: m.base + int64(pos)}
		}
	}
	v := m.newNode(nGlobal, pos)
	m.nodes[v.n].x = g
	m.nodes[v.n].cls = c
	return v, nil
}

// globalOf returns the Global a val names, if it is one.
func (m *machine) globalOf(v val) (Global, bool) {
	nd := m.nodeOf(v)
	if nd == nil || nd.k != nGlobal {
		return Global{}, false
	}
	return nd.x.(Global), true
}
