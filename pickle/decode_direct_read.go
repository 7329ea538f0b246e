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
// made into the Go string s ("" if not made yet): a str is the one value a
// memo GET may fetch here (CPython writes a repeated dict key once and
// fetches it after), and each GET gives the same Go string (text), as the
// machine gives it.
func (d *direct) memoStr(b []byte, s string) bool {
	if len(b) == 0 {
		return d.memoPuts(memoStrFlag, s)
	}
	off := uint64(uintptr(unsafe.Pointer(&b[0])) - uintptr(unsafe.Pointer(&d.data[0])))
	return d.memoPuts(memoStrFlag|off<<32|uint64(len(b)), s)
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

// A memo entry (memoSlot.ent): 0 unset, memoOther, or memoStrFlag |
// offset<<32 | length.
const (
	memoOther   = 1 << 63
	memoStrFlag = 1 << 62
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
		switch {
		case idx < d.memos.len():
			if d.memos.at(idx).ent == 0 {
				d.nmemo++
			}
		case idx == d.memos.len():
			d.memos.grow()
			d.nmemo++
		default:
			return false // only the dense indexes CPython writes
		}
		if d.nmemo >= d.m.cfg.maxMemo {
			return false
		}
		*d.memos.at(idx) = memoSlot{ent, s}
	}
}

// memoGet reads the index of a memo GET (op already read) and returns
// the str it fetches; false for anything else.
func (d *direct) memoGet(op byte) ([]byte, bool) {
	var idx int
	switch op {
	case opBinget:
		if d.pos >= len(d.data) {
			return nil, false
		}
		idx = int(d.data[d.pos])
		d.pos++
	case opLongBinget:
		if len(d.data)-d.pos < 4 {
			return nil, false
		}
		idx = int(binary.LittleEndian.Uint32(d.data[d.pos:]))
		d.pos += 4
	default:
		return nil, false
	}
	if idx >= d.memos.len() {
		return nil, false
	}
	e := d.memos.at(idx).ent
	if e&memoStrFlag == 0 || e&memoOther != 0 {
		return nil, false
	}
	d.lastGet = idx
	off, n := int(e>>32&(1<<30-1)), int(uint32(e))
	return d.data[off : off+n], true
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
		return d.memoGet(op)
	}
	d.lastGet = -1
	p := d.pos
	if len(d.data)-p < w {
		return nil, false
	}
	var n uint64
	switch w {
	case 1:
		n = uint64(d.data[p])
	case 4:
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

// isStrOp tells whether op makes or may fetch a str.
func isStrOp(op byte) bool {
	switch op {
	case opShortBinunicode, opBinunicode, opBinunicode8, opBinget, opLongBinget:
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
			if _, ok := d.strArg(op); !ok {
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
	return op == opEmptyList || op == opEmptyDict || op == opEmptyTuple
}
