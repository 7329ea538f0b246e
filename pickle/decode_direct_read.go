package pickle

// Reading opcodes and the memo, for the direct decoder (decode_direct.go).

import (
	"encoding/binary"
	"unsafe"
)

// next returns the next opcode past any FRAME (checked as the machine
// checks it); false at the end of the input or on a bad frame.
func (d *direct) next() (byte, bool) {
	if d.pos < len(d.data) && d.data[d.pos] != opFrame {
		d.pos++
		return d.data[d.pos-1], true
	}
	return d.nextFramed()
}

func (d *direct) nextFramed() (byte, bool) {
	for d.pos < len(d.data) {
		op := d.data[d.pos]
		d.pos++
		if op != opFrame {
			return op, true
		}
		if len(d.data)-d.pos < 8 || le(d.data[d.pos:d.pos+8]) > uint64(len(d.data)-d.pos-8) {
			// Nothing after a bad frame may be read: peek cannot step back
			// over it, and reading on from its length would take the
			// length's bytes for opcodes.
			d.pos = len(d.data)
			return 0, false
		}
		d.pos += 8
	}
	return 0, false
}

func (d *direct) peek() (byte, bool) {
	if d.pos < len(d.data) && d.data[d.pos] != opFrame {
		return d.data[d.pos], true
	}
	op, ok := d.nextFramed()
	if ok {
		d.pos--
	}
	return op, ok
}

// memo consumes the memo puts after a value other than a str.
func (d *direct) memo() bool {
	if d.pos < len(d.data) {
		switch d.data[d.pos] {
		case opMemoize, opBinput, opLongBinput, opFrame:
		default:
			return true // no memo put: the common case for numbers
		}
	}
	return d.memoPuts(memoOther, "")
}

// memoStr consumes the memo puts after a str, the bytes b of the input,
// made into the Go string s ("" if not made yet): a str is a value a memo
// GET may fetch here (CPython writes a repeated dict key once and fetches
// it after), and each GET gives the same Go string (text), as the machine
// gives it.
func (d *direct) memoStr(b []byte, s string) bool {
	return d.memoPuts(d.memoEntry(memoStrFlag, b), s)
}

// memoBytes consumes the memo puts after a bytes, the bytes b of the
// input made into the Go []byte c: every GET of it gives c (blob), as the
// machine shares it, and a thousand GETs cost no more than one.
func (d *direct) memoBytes(b, c []byte) bool {
	return d.memoPuts(d.memoEntry(memoBytesFlag, b), unsafe.String(unsafe.SliceData(c), len(c)))
}

func (d *direct) memoEntry(flag uint64, b []byte) uint64 {
	if len(b) == 0 {
		return flag
	}
	off := uint64(uintptr(unsafe.Pointer(&b[0])) - uintptr(unsafe.Pointer(&d.data[0])))
	return flag | off<<32 | uint64(len(b))
}

// text returns the Go string of the str strArg just read: made once per
// memo entry when it came from a memo GET.
func (d *direct) text(b []byte) string {
	if i := d.lastGet; i >= 0 {
		slot := d.memos.at(i)
		if slot.str == "" {
			slot.str = d.m.newString(b)
		}
		return slot.str
	}
	return d.m.newString(b)
}

// blob returns the Go []byte of the bytes blobArg just read: the one
// made before when it came from a memo GET. (The memo slot keeps it as a
// string: nothing writes to it before it is handed out.)
func (d *direct) blob(b []byte) []byte {
	if i := d.lastGet; i >= 0 {
		if s := d.memos.at(i).str; s != "" {
			return unsafe.Slice(unsafe.StringData(s), len(s))
		}
	}
	return cloneBytes(b)
}

// getIndex returns the index a memo GET (op already read) fetches, and
// the length of its argument.
func (d *direct) getIndex(op byte) (idx, w int, ok bool) {
	switch op {
	case opBinget:
		if d.pos < len(d.data) {
			return int(d.data[d.pos]), 1, true
		}
	case opLongBinget:
		if len(d.data)-d.pos >= 4 {
			return int(binary.LittleEndian.Uint32(d.data[d.pos:])), 4, true
		}
	}
	return 0, 0, false
}

// fetchKept returns the value kept for memo index idx, a GET of a value
// other than a str or bytes just read, and consumes the memo puts after
// it: the same Go value, as the machine shares it. False when the run
// does not keep (it asks for one that does), or when the value is not
// complete yet (a cycle: the machine's).
func (d *direct) fetchKept(idx int) (any, bool) {
	if !d.keep {
		d.wantKeep = true
		return nil, false
	}
	if idx >= len(d.kept) || !d.kept[idx].done {
		return nil, false
	}
	x := d.kept[idx].x
	return x, d.memoValue(x)
}

// memoValue consumes the memo puts after x, a value other than a str or
// bytes, and keeps x for them in the run that keeps.
func (d *direct) memoValue(x any) bool {
	mark := len(d.pending)
	ok := d.memo()
	d.keepAs(mark, x)
	return ok
}

// keepAs keeps x for the memo indexes put for it, pending[mark:] (none
// unless the run keeps).
func (d *direct) keepAs(mark int, x any) {
	for _, idx := range d.pending[mark:] {
		if idx >= len(d.kept) {
			d.kept = append(d.kept, make([]keptValue, idx+1-len(d.kept))...)
		}
		d.kept[idx] = keptValue{x, true}
	}
	d.pending = d.pending[:mark]
}

// A memo entry (memoSlot.ent): 0 unset, memoOther, or memoStrFlag or
// memoBytesFlag | offset<<32 | length, the offset in maxDirectOffset.
const (
	memoOther       = 1 << 63
	memoStrFlag     = 1 << 62
	memoBytesFlag   = 1 << 61
	maxDirectOffset = 1 << 29

	// maxMemoGap is how far beyond the last memo index a put may go:
	// CPython 2.7's cPickle counts from 1.
	maxMemoGap = 1
)

func (d *direct) memoPuts(ent uint64, s string) bool {
	for {
		op, ok := d.peek()
		if !ok {
			return false
		}
		var idx int
		switch op {
		case opMemoize:
			idx = d.nmemo
			d.pos++
		case opBinput:
			if len(d.data)-d.pos < 2 {
				return false
			}
			idx = int(d.data[d.pos+1])
			d.pos += 2
		case opLongBinput:
			if len(d.data)-d.pos < 5 {
				return false
			}
			idx = int(binary.LittleEndian.Uint32(d.data[d.pos+1:]))
			d.pos += 5
		default:
			return true
		}
		if idx-d.memos.len() > maxMemoGap {
			return false // only the nearly dense indexes CPython writes
		}
		for idx >= d.memos.len() {
			d.memos.push(memoSlot{}) // unset: a reused chunk holds the last decode's
		}
		if d.memos.at(idx).ent == 0 {
			d.nmemo++
		}
		if d.keep && ent == memoOther {
			d.pending = append(d.pending, idx)
		}
		if d.nmemo >= d.m.cfg.maxMemo {
			return false
		}
		*d.memos.at(idx) = memoSlot{ent, s}
	}
}

// memoGet reads a memo GET (op already read) and returns what its entry
// holds (memoStrFlag, memoBytesFlag or memoOther), and for a str or bytes
// its bytes; d.lastGet is its index. False for anything else.
func (d *direct) memoGet(op byte) ([]byte, uint64, bool) {
	idx, w, ok := d.getIndex(op)
	if !ok {
		return nil, 0, false
	}
	d.pos += w
	if idx >= d.memos.len() {
		return nil, 0, false
	}
	e := d.memos.at(idx).ent
	d.lastGet = idx
	switch kind := e & (memoOther | memoStrFlag | memoBytesFlag); kind {
	case memoOther:
		return nil, kind, true
	case memoStrFlag, memoBytesFlag:
		off, n := int(e>>32&(maxDirectOffset-1)), int(uint32(e))
		return d.data[off : off+n], kind, true
	}
	return nil, 0, false
}

func (d *direct) enter() bool {
	d.depth++
	return d.depth < d.m.cfg.maxDepth
}

// intArg reads the argument of an int opcode (op already read); bools are
// ints here, as the machine's setInt has them.
func (d *direct) intArg(op byte) (int64, bool) {
	data, p := d.data, d.pos
	switch op {
	case opBinint1:
		if p >= len(data) {
			return 0, false
		}
		d.pos++
		return int64(data[p]), true
	case opBinint2:
		if len(data)-p < 2 {
			return 0, false
		}
		d.pos += 2
		return int64(binary.LittleEndian.Uint16(data[p:])), true
	case opBinint:
		if len(data)-p < 4 {
			return 0, false
		}
		d.pos += 4
		return int64(int32(binary.LittleEndian.Uint32(data[p:]))), true
	case opLong1:
		if p >= len(data) {
			return 0, false
		}
		n := int(data[p])
		if n > 8 || len(data)-p-1 < n {
			return 0, false
		}
		d.pos += 1 + n
		b := data[p+1 : p+1+n]
		if n == 0 {
			return 0, true
		}
		var u uint64
		for i := n - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[i])
		}
		shift := uint(64 - 8*n)
		return int64(u<<shift) >> shift, true
	case opNewtrue:
		return 1, true
	case opNewfalse:
		return 0, true
	}
	return 0, false
}

// strArg reads the bytes of a str opcode, or of the str a memo GET
// fetches (op already read).
func (d *direct) strArg(op byte) ([]byte, bool) {
	var w int
	switch op {
	case opShortBinunicode:
		w = 1
	case opBinunicode:
		w = 4
	case opBinunicode8:
		w = 8
	default:
		if !d.isText(op) {
			b, kind, ok := d.memoGet(op)
			return b, ok && kind == memoStrFlag
		}
		w = int(opTable[op].lenSize)
	}
	d.lastGet = -1
	return d.sized(w)
}

// blobArg reads a str or a bytes, made or fetched from the memo (op
// already read): its bytes, and whether it is a str.
func (d *direct) blobArg(op byte) (b []byte, text, ok bool) {
	switch {
	case d.isText(op):
		d.lastGet = -1
		b, ok = d.sizedArg(op)
		return b, true, ok
	case d.isBytes(op):
		d.lastGet = -1
		b, ok = d.sizedArg(op)
		return b, false, ok
	}
	b, kind, ok := d.memoGet(op)
	return b, kind == memoStrFlag, ok && kind != memoOther
}

// fetchedAs tells whether what blobArg just read came from a memo GET
// of the other kind than text says: a str fetched into a []byte, a bytes
// into a string, which would copy it once per GET (the machine counts
// those copies against WithMaxExpansion; here they are given up on).
func (d *direct) fetchedAs(text bool) bool {
	return d.lastGet >= 0 && (d.memos.at(d.lastGet).ent&memoStrFlag != 0) != text
}

// sizedArg reads the argument of a str or bytes opcode (op already read),
// which its length precedes.
func (d *direct) sizedArg(op byte) ([]byte, bool) {
	return d.sized(int(opTable[op].lenSize))
}

// sized reads bytes that their length, in w bytes, precedes.
func (d *direct) sized(w int) ([]byte, bool) {
	p := d.pos
	if len(d.data)-p < w {
		return nil, false
	}
	var n uint64
	switch w {
	case 1:
		n = uint64(d.data[p])
	case 4:
		// A BINSTRING's length is signed: a negative one is the machine's
		// error, and reads here as one beyond the input.
		n = uint64(binary.LittleEndian.Uint32(d.data[p:]))
	default:
		n = binary.LittleEndian.Uint64(d.data[p:])
	}
	p += w
	if n > uint64(len(d.data)-p) {
		return nil, false
	}
	d.pos = p + int(n)
	return d.data[p:d.pos], true
}

// isText tells whether op makes a str: a Python 2 str is one unless
// Py2StringsAsBytes makes it bytes (isBytes), as the machine's pushStr
// has it.
func (d *direct) isText(op byte) bool {
	switch op {
	case opShortBinunicode, opBinunicode, opBinunicode8:
		return true
	case opShortBinstring, opBinstring:
		return !d.m.cfg.py2StrAsBytes
	}
	return false
}

// isBytes tells whether op makes a bytes (protocol 3 and later).
func (d *direct) isBytes(op byte) bool {
	switch op {
	case opShortBinbytes, opBinbytes, opBinbytes8:
		return true
	case opShortBinstring, opBinstring:
		return d.m.cfg.py2StrAsBytes
	}
	return false
}

// isStrOp tells whether op makes or may fetch a str (either kind of
// Python 2 str: what is not taken for one is given up on later).
func isStrOp(op byte) bool {
	switch op {
	case opShortBinunicode, opBinunicode, opBinunicode8, opShortBinstring, opBinstring, opBinget, opLongBinget:
		return true
	}
	return false
}

// scalarEnd returns where the scalar opcode at pos ends, past the memo
// puts after it; false if pos holds no scalar this decoder reads.
func (d *direct) scalarEnd(pos int) (int, bool) {
	save := d.pos
	defer func() { d.pos = save }()
	d.pos = pos
	op, ok := d.next()
	if !ok {
		return 0, false
	}
	switch op {
	case opNone:
	case opBinfloat:
		if len(d.data)-d.pos < 8 {
			return 0, false
		}
		d.pos += 8
	case opBinget:
		d.pos++
	case opLongBinget:
		d.pos += 4
	default:
		if _, ok := d.intArg(op); !ok {
			if _, _, ok := d.blobArg(op); !ok {
				return 0, false
			}
		}
	}
	// Skip the memo puts without making them.
	for {
		op, ok := d.peek()
		switch {
		case !ok:
			return 0, false
		case op == opMemoize:
			d.pos++
		case op == opBinput:
			d.pos += 2
		case op == opLongBinput:
			d.pos += 5
		default:
			return d.pos, true
		}
	}
}

// opAt returns the opcode at pos, past any FRAME.
func (d *direct) opAt(pos int) (byte, bool) {
	save := d.pos
	d.pos = pos
	op, ok := d.peek()
	d.pos = save
	return op, ok
}

func isContainerOp(op byte) bool {
	return op == opEmptyList || op == opEmptyDict || op == opEmptyTuple || op == opEmptySet
}
