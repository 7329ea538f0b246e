package pickle

// Opcodes of protocols 0 to 5, as pickletools documents them.
const (
	opInt             byte = 0x49 // INT (protocol 0)
	opBinint          byte = 0x4a // BININT (protocol 1)
	opBinint1         byte = 0x4b // BININT1 (protocol 1)
	opBinint2         byte = 0x4d // BININT2 (protocol 1)
	opLong            byte = 0x4c // LONG (protocol 0)
	opLong1           byte = 0x8a // LONG1 (protocol 2)
	opLong4           byte = 0x8b // LONG4 (protocol 2)
	opString          byte = 0x53 // STRING (protocol 0)
	opBinstring       byte = 0x54 // BINSTRING (protocol 1)
	opShortBinstring  byte = 0x55 // SHORT_BINSTRING (protocol 1)
	opBinbytes        byte = 0x42 // BINBYTES (protocol 3)
	opShortBinbytes   byte = 0x43 // SHORT_BINBYTES (protocol 3)
	opBinbytes8       byte = 0x8e // BINBYTES8 (protocol 4)
	opBytearray8      byte = 0x96 // BYTEARRAY8 (protocol 5)
	opNextBuffer      byte = 0x97 // NEXT_BUFFER (protocol 5)
	opReadonlyBuffer  byte = 0x98 // READONLY_BUFFER (protocol 5)
	opNone            byte = 0x4e // NONE (protocol 0)
	opNewtrue         byte = 0x88 // NEWTRUE (protocol 2)
	opNewfalse        byte = 0x89 // NEWFALSE (protocol 2)
	opUnicode         byte = 0x56 // UNICODE (protocol 0)
	opShortBinunicode byte = 0x8c // SHORT_BINUNICODE (protocol 4)
	opBinunicode      byte = 0x58 // BINUNICODE (protocol 1)
	opBinunicode8     byte = 0x8d // BINUNICODE8 (protocol 4)
	opFloat           byte = 0x46 // FLOAT (protocol 0)
	opBinfloat        byte = 0x47 // BINFLOAT (protocol 1)
	opEmptyList       byte = 0x5d // EMPTY_LIST (protocol 1)
	opAppend          byte = 0x61 // APPEND (protocol 0)
	opAppends         byte = 0x65 // APPENDS (protocol 1)
	opList            byte = 0x6c // LIST (protocol 0)
	opEmptyTuple      byte = 0x29 // EMPTY_TUPLE (protocol 1)
	opTuple           byte = 0x74 // TUPLE (protocol 0)
	opTuple1          byte = 0x85 // TUPLE1 (protocol 2)
	opTuple2          byte = 0x86 // TUPLE2 (protocol 2)
	opTuple3          byte = 0x87 // TUPLE3 (protocol 2)
	opEmptyDict       byte = 0x7d // EMPTY_DICT (protocol 1)
	opDict            byte = 0x64 // DICT (protocol 0)
	opSetitem         byte = 0x73 // SETITEM (protocol 0)
	opSetitems        byte = 0x75 // SETITEMS (protocol 1)
	opEmptySet        byte = 0x8f // EMPTY_SET (protocol 4)
	opAdditems        byte = 0x90 // ADDITEMS (protocol 4)
	opFrozenset       byte = 0x91 // FROZENSET (protocol 4)
	opPop             byte = 0x30 // POP (protocol 0)
	opDup             byte = 0x32 // DUP (protocol 0)
	opMark            byte = 0x28 // MARK (protocol 0)
	opPopMark         byte = 0x31 // POP_MARK (protocol 1)
	opGet             byte = 0x67 // GET (protocol 0)
	opBinget          byte = 0x68 // BINGET (protocol 1)
	opLongBinget      byte = 0x6a // LONG_BINGET (protocol 1)
	opPut             byte = 0x70 // PUT (protocol 0)
	opBinput          byte = 0x71 // BINPUT (protocol 1)
	opLongBinput      byte = 0x72 // LONG_BINPUT (protocol 1)
	opMemoize         byte = 0x94 // MEMOIZE (protocol 4)
	opExt1            byte = 0x82 // EXT1 (protocol 2)
	opExt2            byte = 0x83 // EXT2 (protocol 2)
	opExt4            byte = 0x84 // EXT4 (protocol 2)
	opGlobal          byte = 0x63 // GLOBAL (protocol 0)
	opStackGlobal     byte = 0x93 // STACK_GLOBAL (protocol 4)
	opReduce          byte = 0x52 // REDUCE (protocol 0)
	opBuild           byte = 0x62 // BUILD (protocol 0)
	opInst            byte = 0x69 // INST (protocol 0)
	opObj             byte = 0x6f // OBJ (protocol 1)
	opNewobj          byte = 0x81 // NEWOBJ (protocol 2)
	opNewobjEx        byte = 0x92 // NEWOBJ_EX (protocol 4)
	opProto           byte = 0x80 // PROTO (protocol 2)
	opStop            byte = 0x2e // STOP (protocol 0)
	opFrame           byte = 0x95 // FRAME (protocol 4)
	opPersid          byte = 0x50 // PERSID (protocol 0)
	opBinpersid       byte = 0x51 // BINPERSID (protocol 1)
)

// argShow says what an opcode's argument is, for Disassemble.
type argShow uint8

const (
	showNone     argShow = iota
	showUint             // little-endian unsigned integer
	showInt              // little-endian signed integer (BININT)
	showFloat            // big-endian IEEE 754 double (BINFLOAT)
	showLong             // little-endian two's complement (LONG1, LONG4)
	showText             // a '\n'-terminated line, shown as it is
	showUnicode          // UTF-8 (or raw-unicode-escape, UNICODE) text
	showPy2Str           // a Python 2 byte string
	showBytes            // bytes
	showBytearr          // bytearray
	showGlobal           // two lines: module and name
	showMemoizes         // no argument; takes the next memo index
)

// opInfo describes one opcode: its name and protocol as pickletools gives
// them, the layout of its argument (what the Decoder needs to find the end
// of a pickle in a stream) and its effect on the stack (what Disassemble
// needs to follow MARKs).
type opInfo struct {
	name    string
	proto   uint8
	fixed   uint8 // bytes of a fixed-size argument
	lines   uint8 // '\n'-terminated lines of a text argument
	lenSize uint8 // bytes of the little-endian length before a counted argument
	signed  bool  // the length is a signed int32 (BINSTRING, LONG4)
	show    argShow
	pops    int8 // items popped; popsMark: everything above the top MARK, and the MARK
	pushes  int8
}

const popsMark = -1

func noArg(name string, proto, pops, pushes int8) opInfo {
	return opInfo{name: name, proto: uint8(proto), pops: pops, pushes: pushes}
}

func fixedArg(name string, proto int8, n uint8, show argShow, pops, pushes int8) opInfo {
	return opInfo{name: name, proto: uint8(proto), fixed: n, show: show, pops: pops, pushes: pushes}
}

func lineArg(name string, proto int8, lines uint8, show argShow, pops, pushes int8) opInfo {
	return opInfo{name: name, proto: uint8(proto), lines: lines, show: show, pops: pops, pushes: pushes}
}

func countedArg(name string, proto int8, lenSize uint8, show argShow) opInfo {
	return opInfo{name: name, proto: uint8(proto), lenSize: lenSize, show: show, pushes: 1}
}

// opTable describes every opcode; a zero entry is an invalid opcode.
var opTable = [256]opInfo{
	opInt:             lineArg("INT", 0, 1, showText, 0, 1),
	opBinint:          fixedArg("BININT", 1, 4, showInt, 0, 1),
	opBinint1:         fixedArg("BININT1", 1, 1, showUint, 0, 1),
	opBinint2:         fixedArg("BININT2", 1, 2, showUint, 0, 1),
	opLong:            lineArg("LONG", 0, 1, showText, 0, 1),
	opLong1:           countedArg("LONG1", 2, 1, showLong),
	opLong4:           {name: "LONG4", proto: 2, lenSize: 4, signed: true, show: showLong, pushes: 1},
	opString:          lineArg("STRING", 0, 1, showText, 0, 1),
	opBinstring:       {name: "BINSTRING", proto: 1, lenSize: 4, signed: true, show: showPy2Str, pushes: 1},
	opShortBinstring:  countedArg("SHORT_BINSTRING", 1, 1, showPy2Str),
	opBinbytes:        countedArg("BINBYTES", 3, 4, showBytes),
	opShortBinbytes:   countedArg("SHORT_BINBYTES", 3, 1, showBytes),
	opBinbytes8:       countedArg("BINBYTES8", 4, 8, showBytes),
	opBytearray8:      countedArg("BYTEARRAY8", 5, 8, showBytearr),
	opNextBuffer:      noArg("NEXT_BUFFER", 5, 0, 1),
	opReadonlyBuffer:  noArg("READONLY_BUFFER", 5, 1, 1),
	opNone:            noArg("NONE", 0, 0, 1),
	opNewtrue:         noArg("NEWTRUE", 2, 0, 1),
	opNewfalse:        noArg("NEWFALSE", 2, 0, 1),
	opUnicode:         lineArg("UNICODE", 0, 1, showUnicode, 0, 1),
	opShortBinunicode: countedArg("SHORT_BINUNICODE", 4, 1, showUnicode),
	opBinunicode:      countedArg("BINUNICODE", 1, 4, showUnicode),
	opBinunicode8:     countedArg("BINUNICODE8", 4, 8, showUnicode),
	opFloat:           lineArg("FLOAT", 0, 1, showText, 0, 1),
	opBinfloat:        fixedArg("BINFLOAT", 1, 8, showFloat, 0, 1),
	opEmptyList:       noArg("EMPTY_LIST", 1, 0, 1),
	opAppend:          noArg("APPEND", 0, 2, 1),
	opAppends:         noArg("APPENDS", 1, popsMark, 0),
	opList:            noArg("LIST", 0, popsMark, 1),
	opEmptyTuple:      noArg("EMPTY_TUPLE", 1, 0, 1),
	opTuple:           noArg("TUPLE", 0, popsMark, 1),
	opTuple1:          noArg("TUPLE1", 2, 1, 1),
	opTuple2:          noArg("TUPLE2", 2, 2, 1),
	opTuple3:          noArg("TUPLE3", 2, 3, 1),
	opEmptyDict:       noArg("EMPTY_DICT", 1, 0, 1),
	opDict:            noArg("DICT", 0, popsMark, 1),
	opSetitem:         noArg("SETITEM", 0, 3, 1),
	opSetitems:        noArg("SETITEMS", 1, popsMark, 0),
	opEmptySet:        noArg("EMPTY_SET", 4, 0, 1),
	opAdditems:        noArg("ADDITEMS", 4, popsMark, 0),
	opFrozenset:       noArg("FROZENSET", 4, popsMark, 1),
	opPop:             noArg("POP", 0, 1, 0),
	opDup:             noArg("DUP", 0, 1, 2),
	opMark:            noArg("MARK", 0, 0, 0),
	opPopMark:         noArg("POP_MARK", 1, popsMark, 0),
	opGet:             lineArg("GET", 0, 1, showText, 0, 1),
	opBinget:          fixedArg("BINGET", 1, 1, showUint, 0, 1),
	opLongBinget:      fixedArg("LONG_BINGET", 1, 4, showUint, 0, 1),
	opPut:             lineArg("PUT", 0, 1, showText, 0, 0),
	opBinput:          fixedArg("BINPUT", 1, 1, showUint, 0, 0),
	opLongBinput:      fixedArg("LONG_BINPUT", 1, 4, showUint, 0, 0),
	opMemoize:         {name: "MEMOIZE", proto: 4, show: showMemoizes},
	opExt1:            fixedArg("EXT1", 2, 1, showUint, 0, 1),
	opExt2:            fixedArg("EXT2", 2, 2, showUint, 0, 1),
	opExt4:            fixedArg("EXT4", 2, 4, showUint, 0, 1),
	opGlobal:          lineArg("GLOBAL", 0, 2, showGlobal, 0, 1),
	opStackGlobal:     noArg("STACK_GLOBAL", 4, 2, 1),
	opReduce:          noArg("REDUCE", 0, 2, 1),
	opBuild:           noArg("BUILD", 0, 2, 1),
	opInst:            lineArg("INST", 0, 2, showGlobal, popsMark, 1),
	opObj:             noArg("OBJ", 1, popsMark, 1),
	opNewobj:          noArg("NEWOBJ", 2, 2, 1),
	opNewobjEx:        noArg("NEWOBJ_EX", 4, 3, 1),
	opProto:           fixedArg("PROTO", 2, 1, showUint, 0, 0),
	opStop:            noArg("STOP", 0, 1, 0),
	opFrame:           fixedArg("FRAME", 4, 8, showUint, 0, 0),
	opPersid:          lineArg("PERSID", 0, 1, showText, 0, 1),
	opBinpersid:       noArg("BINPERSID", 1, 1, 1),
}

// le reads a little-endian unsigned integer of up to 8 bytes.
func le(b []byte) uint64 {
	var u uint64
	for i := len(b) - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	return u
}
