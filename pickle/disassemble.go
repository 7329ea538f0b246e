package pickle

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Disassemble writes a listing of the pickle in data as Python's
// pickletools.dis writes one, so that what a peer sent can be read: the
// offset of each opcode, its byte, its name (indented by the MARKs open),
// its argument, the memo index MEMOIZE gives, and where the MARK an opcode
// pops was; then the highest protocol among the opcodes. The offsets are
// those that errors (*SyntaxError, *UnmarshalTypeError, *LimitError,
// *UnknownClassError) report.
//
// It stops after STOP (bytes after it are ignored, as pickle.loads ignores
// them). A malformed pickle is listed up to the opcode at fault, and
// Disassemble returns a *SyntaxError for it, as pickletools raises one. It
// executes nothing, and arguments longer than a few dozen bytes are
// shortened, so the listing stays about as long as the pickle.
func Disassemble(w io.Writer, data []byte) error {
	bw := bufio.NewWriter(w)
	err := (&disassembler{w: bw, data: data, maxProto: -1}).run()
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return err
}

type disassembler struct {
	w        *bufio.Writer
	data     []byte
	pos      int
	stack    []int32 // what is on the stack: -1 for a value, the offset of a MARK
	fence    int     // items below the topmost MARK
	nmarks   int
	memo     map[uint64]bool
	maxProto int
}

// disArgMax bounds how much of a string, bytes or integer argument is
// shown, and disMaxIndent how many MARK levels are indented: a listing
// stays within a few hundred bytes per opcode.
const (
	disArgMax    = 64
	disMaxIndent = 32
)

func (d *disassembler) errAt(pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Offset: int64(pos), Msg: fmt.Sprintf(format, args...)}
}

func (d *disassembler) run() error {
	for {
		start := d.pos
		if start >= len(d.data) {
			return d.fail(&SyntaxError{Offset: int64(start), Msg: "pickle data was truncated", Err: io.ErrUnexpectedEOF})
		}
		op := d.data[start]
		info := &opTable[op]
		if info.name == "" {
			return d.fail(d.errAt(start, "invalid load key, '\\x%02x'", op))
		}
		d.pos++
		arg, err := d.arg(start, op, info)
		if err != nil {
			return d.fail(err)
		}
		d.maxProto = max(d.maxProto, int(info.proto))
		indent := strings.Repeat("    ", min(d.nmarks, disMaxIndent)) // before the opcode pushes or pops one
		note, err := d.effect(start, op, info, arg)
		code := strconv.Quote(string(rune(op)))
		if op >= 0x80 {
			code = fmt.Sprintf(`"\x%02x"`, op)
		}
		code = code[1 : len(code)-1]
		if code == `"` {
			code = `'`
		}
		line := fmt.Sprintf("%5d: %-4s %s%s", start, code, indent, info.name)
		if arg.text != "" || note.text != "" {
			line += strings.Repeat(" ", max(0, 10-len(info.name)))
			if arg.text != "" {
				line += " " + arg.text
			}
			if note.text != "" {
				line += " " + note.text
			}
		}
		d.w.WriteString(line + "\n")
		if err != nil {
			return d.fail(err)
		}
		if op == opStop {
			fmt.Fprintf(d.w, "highest protocol among opcodes = %d\n", d.maxProto)
			return nil
		}
	}
}

// fail writes the error as the listing's last line.
func (d *disassembler) fail(err *SyntaxError) error {
	fmt.Fprintf(d.w, "%5d: error: %s\n", err.Offset, err.Msg)
	return err
}

// disArg is an opcode's argument, as shown and as a memo index.
type disArg struct {
	text string
	n    uint64
}

// arg reads the argument of the opcode at start, as its opTable entry lays
// it out, and shows it as pickletools does.
func (d *disassembler) arg(start int, op byte, info *opInfo) (disArg, *SyntaxError) {
	eof := &SyntaxError{Offset: int64(start), Msg: "pickle data was truncated", Err: io.ErrUnexpectedEOF}
	switch {
	case info.lines > 0:
		lines := make([]string, info.lines)
		for i := range lines {
			j := bytes.IndexByte(d.data[d.pos:], '\n')
			if j < 0 {
				return disArg{}, eof
			}
			lines[i] = string(d.data[d.pos : d.pos+j])
			d.pos += j + 1
		}
		return d.lineArg(start, op, lines)
	case info.lenSize > 0:
		ls := int(info.lenSize)
		if len(d.data)-d.pos < ls {
			return disArg{}, eof
		}
		l := le(d.data[d.pos : d.pos+ls])
		if info.signed && int32(uint32(l)) < 0 {
			return disArg{}, d.errAt(start, "%s pickle has negative byte count", strings.TrimSuffix(info.name, "4"))
		}
		d.pos += ls
		if l > uint64(len(d.data)-d.pos) {
			return disArg{}, eof
		}
		b := d.data[d.pos : d.pos+int(l)]
		d.pos += int(l)
		return disArg{text: showPayload(info.show, b)}, nil
	case info.fixed > 0:
		n := int(info.fixed)
		if len(d.data)-d.pos < n {
			return disArg{}, eof
		}
		b := d.data[d.pos : d.pos+n]
		d.pos += n
		switch info.show {
		case showInt:
			v := int32(binary.LittleEndian.Uint32(b))
			return disArg{text: strconv.Itoa(int(v)), n: uint64(v)}, nil
		case showFloat:
			return disArg{text: string(appendPyFloatRepr(nil, math.Float64frombits(binary.BigEndian.Uint64(b))))}, nil
		}
		u := le(b)
		return disArg{text: strconv.FormatUint(u, 10), n: u}, nil
	}
	return disArg{}, nil
}

// lineArg reads the text argument of a protocol 0 opcode.
func (d *disassembler) lineArg(start int, op byte, lines []string) (disArg, *SyntaxError) {
	line := lines[0]
	switch op {
	case opGlobal, opInst:
		return disArg{text: showPayload(showUnicode, []byte(lines[0]+" "+lines[1]))}, nil
	case opInt:
		switch line {
		case "00":
			return disArg{text: "False"}, nil
		case "01":
			return disArg{text: "True"}, nil
		}
		return d.intLine(start, line, false)
	case opLong:
		return d.intLine(start, line, true)
	case opFloat:
		f, err := parseTextFloat([]byte(line))
		if err != nil {
			return disArg{}, d.errAt(start, "could not convert string to float: %q", line)
		}
		return disArg{text: string(appendPyFloatRepr(nil, f))}, nil
	case opGet, opPut:
		n, err := strconv.ParseUint(strings.TrimSpace(line), 10, 64)
		if err != nil {
			return disArg{}, d.errAt(start, "invalid %s argument %q", opTable[op].name, line)
		}
		return disArg{text: strconv.FormatUint(n, 10), n: n}, nil
	case opString:
		if len(line) < 2 || line[0] != line[len(line)-1] || (line[0] != '\'' && line[0] != '"') {
			return disArg{}, d.errAt(start, "the STRING opcode argument must be quoted")
		}
		b, err := escapeDecode([]byte(line[1 : len(line)-1]))
		if err != nil {
			return disArg{}, d.errAt(start, "%v", err)
		}
		return disArg{text: showPayload(showPy2Str, b)}, nil
	case opUnicode:
		s, err := rawUnicodeEscapeDecode([]byte(line))
		if err != nil {
			return disArg{}, d.errAt(start, "%v", err)
		}
		return disArg{text: showPayload(showUnicode, []byte(s))}, nil
	}
	return disArg{text: showPayload(showUnicode, []byte(line))}, nil // PERSID
}

func (d *disassembler) intLine(start int, line string, long bool) (disArg, *SyntaxError) {
	s := strings.TrimSpace(line)
	if long {
		s = strings.TrimSuffix(s, "L")
	}
	if _, ok := new(big.Int).SetString(s, 0); !ok {
		return disArg{}, d.errAt(start, "invalid literal for int() with base 0: %q", line)
	}
	if len(s) > disArgMax {
		return disArg{text: shorten(s[:disArgMax], len(s))}, nil
	}
	return disArg{text: s}, nil
}

// showPayload shows a counted argument: bytes and strings as Python's repr
// (Python 2 strings as pickletools shows them, with ascii()), integers in
// decimal.
func showPayload(show argShow, b []byte) string {
	short := b
	if len(short) > disArgMax {
		short = short[:disArgMax]
	}
	switch show {
	case showLong:
		if len(b) > disArgMax {
			return fmt.Sprintf("<an integer of %d bytes>", len(b))
		}
		return longLE(b).String()
	case showBytes:
		return shorten("b"+pyQuote(string(short), true), len(b))
	case showBytearr:
		return shorten("bytearray(b"+pyQuote(string(short), true)+")", len(b))
	case showPy2Str:
		return shorten(pyQuote(string(short), true), len(b))
	}
	for len(short) < len(b) && len(short) > 0 && !utf8RuneStart(b[len(short)]) {
		short = short[:len(short)-1] // do not cut a character in two
	}
	return shorten(pyQuote(string(short), false), len(b))
}

func utf8RuneStart(c byte) bool { return c&0xc0 != 0x80 }

// shorten marks an argument shown in part with its full length.
func shorten(s string, n int) string {
	if n <= disArgMax {
		return s
	}
	return s + fmt.Sprintf("... (%d bytes)", n)
}

// popsNote says what an opcode did with a MARK or the memo.
type popsNote struct {
	text string
}

// effect applies the opcode to the emulated stack and memo, with the
// machine's rules: an opcode takes its items from above the topmost MARK.
func (d *disassembler) effect(start int, op byte, info *opInfo, arg disArg) (popsNote, *SyntaxError) {
	var note popsNote
	switch op {
	case opMark:
		d.stack = append(d.stack, int32(min(start, math.MaxInt32)))
		d.fence = len(d.stack)
		d.nmarks++
		return note, nil
	case opPut, opBinput, opLongBinput, opMemoize:
		if len(d.stack) <= d.fence {
			return note, d.errAt(start, "stack is empty -- can't store into memo")
		}
		idx := arg.n
		if op == opMemoize {
			idx = uint64(len(d.memo))
			note.text = fmt.Sprintf("(as %d)", idx)
		}
		if d.memo == nil {
			d.memo = map[uint64]bool{}
		}
		d.memo[idx] = true
		return note, nil
	case opGet, opBinget, opLongBinget:
		if !d.memo[arg.n] {
			return note, d.errAt(start, "memo key %d has never been stored into", arg.n)
		}
	case opPop:
		if len(d.stack) == d.fence && d.fence > 0 { // POP of a MARK
			return d.popMark(start)
		}
	}
	if info.pops == popsMark {
		var err *SyntaxError
		if note, err = d.popMark(start); err != nil {
			return note, err
		}
	} else {
		if len(d.stack)-d.fence < int(info.pops) {
			return note, d.errAt(start, "unpickling stack underflow")
		}
		d.stack = d.stack[:len(d.stack)-int(info.pops)]
	}
	for range info.pushes {
		d.stack = append(d.stack, -1)
	}
	return note, nil
}

func (d *disassembler) popMark(start int) (popsNote, *SyntaxError) {
	if d.fence == 0 {
		return popsNote{}, d.errAt(start, "could not find MARK")
	}
	at := d.stack[d.fence-1]
	d.stack = d.stack[:d.fence-1]
	d.nmarks--
	d.fence = 0
	for i := len(d.stack) - 1; i >= 0; i-- {
		if d.stack[i] >= 0 {
			d.fence = i + 1
			break
		}
	}
	return popsNote{text: fmt.Sprintf("(MARK at %d)", at)}, nil
}
