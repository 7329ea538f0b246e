package pickle

import (
	"errors"
	"fmt"
	"io"
	"reflect"
)

// Unmarshal decodes one pickle from data into v, which must be a non-nil
// pointer. Bytes after the STOP opcode are ignored, as pickle.loads does.
//
// Into an `any`, values come back in the value model (see values.go), with
// shared references and cycles shared. Into typed Go values: structs (from
// str-keyed dicts, an object's __dict__ state, or a tuple or an object's
// constructor arguments in field order), maps, slices, arrays, strings,
// []byte, numbers (overflow-checked), bool, *big.Int, time.Time,
// time.Duration, Date, TimeOfDay, Decimal, UUID, pointers, interfaces,
// Unmarshaler and registered classes.
func Unmarshal(data []byte, v any, opts ...Option) error {
	cfg := newConfig(opts)
	return unmarshal(data, 0, &cfg, v)
}

func unmarshal(data []byte, base int64, cfg *config, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &InvalidUnmarshalError{reflect.TypeOf(v)}
	}
	limited := false
	if int64(len(data)) > cfg.maxSize {
		data, limited = data[:cfg.maxSize], true
	}
	m := newMachine(data, cfg, base)
	top, err := m.run()
	if err != nil {
		if limited && errors.Is(err, io.ErrUnexpectedEOF) {
			return &LimitError{Limit: "size", Value: cfg.maxSize + 1, Max: cfg.maxSize, Option: "WithMaxSize"}
		}
		return err
	}
	return m.store(top, rv.Elem())
}

// smallMachine is a machine with room inline for the stack, memo, marks,
// strings and nodes of a small pickle (a message of a few fields), so that
// decoding one allocates them all at once instead of growing each slice
// from nothing: 38 allocations per small-object Send+Recv became 27
// (BenchmarkSendRecvSmallObject). Larger pickles outgrow the arrays and
// continue as before.
type smallMachine struct {
	machine
	stack [16]val
	memo  [16]val
	marks [4]int
	strs  [8]string
	nodes [2]node
}

func newMachine(data []byte, cfg *config, base int64) *machine {
	s := &smallMachine{machine: machine{data: data, cfg: cfg, base: base}}
	s.machine.stack = s.stack[:0]
	s.machine.memo = s.memo[:0]
	s.machine.marks = s.marks[:0]
	s.machine.strs = s.strs[:0]
	s.machine.nodes = s.nodes[:0]
	return &s.machine
}

// store materializes the result into the target.
func (m *machine) store(top val, rv reflect.Value) error {
	if rv.Kind() == reflect.Interface && rv.NumMethod() == 0 {
		x, err := m.toAny(top)
		if err != nil {
			return err
		}
		if x == nil {
			rv.SetZero()
		} else {
			rv.Set(reflect.ValueOf(x))
		}
		return nil
	}
	return m.newTyped().decode(top, rv)
}

// InvalidUnmarshalError: the target passed to Unmarshal or Decode is not a
// non-nil pointer.
type InvalidUnmarshalError struct {
	Type reflect.Type
}

func (e *InvalidUnmarshalError) Error() string {
	if e.Type == nil {
		return "pickle: Unmarshal(nil)"
	}
	if e.Type.Kind() != reflect.Pointer {
		return "pickle: Unmarshal(non-pointer " + e.Type.String() + ")"
	}
	return "pickle: Unmarshal(nil " + e.Type.String() + ")"
}

// Decoder reads successive pickles from a stream.
type Decoder struct {
	r   io.Reader
	br  io.ByteReader
	cfg config
	buf []byte
	off int64
	one [1]byte
	err error
}

// NewDecoder returns a Decoder reading from r. Decode never reads past the
// STOP opcode of the pickle it decodes, so r can be handed on afterwards:
// when r is an io.ByteReader (a *bufio.Reader, a *bytes.Reader) it is read
// through that; otherwise protocol 4+ frames are read whole and unframed
// opcodes a few bytes at a time (wrap r in a bufio.Reader you keep using if
// that matters).
func NewDecoder(r io.Reader, opts ...Option) *Decoder {
	d := &Decoder{r: r, cfg: newConfig(opts)}
	d.br, _ = r.(io.ByteReader)
	return d
}

// InputOffset returns the number of bytes consumed so far.
func (d *Decoder) InputOffset() int64 { return d.off }

// Decode reads the next pickle and stores it in v, as Unmarshal does. At
// the end of the stream (no byte at all of a new pickle) it returns io.EOF.
func (d *Decoder) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &InvalidUnmarshalError{reflect.TypeOf(v)}
	}
	start := d.off
	buf, err := d.readPickle()
	if err != nil {
		return err
	}
	m := newMachine(buf, &d.cfg, start)
	top, err := m.run()
	if err != nil {
		return err
	}
	return m.store(top, rv.Elem())
}

// readPickle reads exactly one pickle (through its STOP opcode) into d.buf.
func (d *Decoder) readPickle() ([]byte, error) {
	d.buf = d.buf[:0]
	if cap(d.buf) > 1<<20 {
		d.buf = nil // do not pin a huge buffer between pickles
	}
	pos := 0 // scan position in d.buf
	first := true
	for {
		if err := d.fill(pos+1, pos); err != nil {
			if first && err == io.EOF {
				return nil, io.EOF
			}
			return nil, d.streamErr(err, pos)
		}
		first = false
		op := d.buf[pos]
		start := pos
		pos++
		var n int
		switch op {
		case opStop:
			return d.buf, nil
		case opProto, opBinint1, opBinget, opBinput, opExt1:
			n = 1
		case opBinint2, opExt2:
			n = 2
		case opBinint, opLongBinget, opLongBinput, opExt4:
			n = 4
		case opBinfloat:
			n = 8
		case opFrame:
			if err := d.fill(pos+8, start); err != nil {
				return nil, d.streamErr(err, start)
			}
			l := le(d.buf[pos : pos+8])
			pos += 8
			if l > uint64(d.cfg.maxSize) {
				return nil, &LimitError{Limit: "size", Value: int64(min(l, 1<<62)), Max: d.cfg.maxSize, Option: "WithMaxSize"}
			}
			// Read the whole frame at once; tolerate a short stream here
			// (the machine reports truncation precisely).
			if err := d.fill(pos+int(l), start); err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
				return nil, d.streamErr(err, start)
			}
			continue
		case opInt, opLong, opString, opUnicode, opFloat, opGet, opPut, opPersid:
			if err := d.line(&pos, start); err != nil {
				return nil, err
			}
			continue
		case opGlobal, opInst:
			if err := d.line(&pos, start); err != nil {
				return nil, err
			}
			if err := d.line(&pos, start); err != nil {
				return nil, err
			}
			continue
		case opLong1, opShortBinstring, opShortBinbytes, opShortBinunicode,
			opLong4, opBinstring, opBinbytes, opBinunicode,
			opBinunicode8, opBinbytes8, opBytearray8:
			ls := lenSize(op)
			if err := d.fill(pos+ls, start); err != nil {
				return nil, d.streamErr(err, start)
			}
			l := le(d.buf[pos : pos+ls])
			if ls == 4 && (op == opLong4 || op == opBinstring) && int32(uint32(l)) < 0 {
				return d.buf[:pos+ls], nil // the machine reports it
			}
			pos += ls
			if l > uint64(d.cfg.maxSize) {
				return nil, &LimitError{Limit: "size", Value: int64(min(l, 1<<62)), Max: d.cfg.maxSize, Option: "WithMaxSize"}
			}
			n = int(l)
		default:
			if isKnownNoArg(op) {
				continue
			}
			return d.buf[:pos], nil // invalid opcode: the machine reports it
		}
		if err := d.fill(pos+n, start); err != nil {
			return nil, d.streamErr(err, start)
		}
		pos += n
	}
}

func isKnownNoArg(op byte) bool {
	switch op {
	case opNone, opNewtrue, opNewfalse, opEmptyList, opAppend, opAppends, opList,
		opEmptyTuple, opTuple, opTuple1, opTuple2, opTuple3, opEmptyDict, opDict,
		opSetitem, opSetitems, opEmptySet, opAdditems, opFrozenset, opPop, opDup,
		opMark, opPopMark, opMemoize, opStackGlobal, opReduce, opBuild, opObj,
		opNewobj, opNewobjEx, opBinpersid:
		return true
	}
	return false
}

func le(b []byte) uint64 {
	var u uint64
	for i := len(b) - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	return u
}

func (d *Decoder) streamErr(err error, pos int) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &SyntaxError{Offset: d.off - int64(len(d.buf)) + int64(pos), Msg: "pickle data was truncated", Err: io.ErrUnexpectedEOF}
	}
	return err
}

// line reads through the next '\n'.
func (d *Decoder) line(pos *int, start int) error {
	for {
		if err := d.fill(*pos+1, start); err != nil {
			return d.streamErr(err, start)
		}
		c := d.buf[*pos]
		*pos++
		if c == '\n' {
			return nil
		}
	}
}

// fill makes d.buf at least n bytes long, reading only what is missing.
// Big payloads are read in chunks as they arrive, so a declared length the
// stream does not back costs no memory. io.EOF means nothing was read at all.
func (d *Decoder) fill(n, start int) error {
	if n <= len(d.buf) {
		return nil
	}
	if int64(n) > d.cfg.maxSize {
		return &LimitError{Limit: "size", Value: int64(n), Max: d.cfg.maxSize, Option: "WithMaxSize"}
	}
	if d.err != nil {
		return d.err
	}
	empty := len(d.buf) == 0
	zero := 0
	for len(d.buf) < n {
		want := n - len(d.buf)
		if d.br != nil && want == 1 {
			c, err := d.br.ReadByte()
			if err != nil {
				return d.readErr(err, empty)
			}
			d.buf = append(d.buf, c)
			d.off++
			continue
		}
		chunk := min(want, 1<<20)
		if cap(d.buf)-len(d.buf) < chunk {
			nb := make([]byte, len(d.buf), len(d.buf)+max(chunk, min(want, 2*len(d.buf))))
			copy(nb, d.buf)
			d.buf = nb
		}
		k, err := d.r.Read(d.buf[len(d.buf) : len(d.buf)+chunk])
		d.buf = d.buf[:len(d.buf)+k]
		d.off += int64(k)
		if k > 0 {
			empty = false
		}
		if err != nil && len(d.buf) < n {
			return d.readErr(err, empty)
		}
		if k == 0 && err == nil {
			if zero++; zero > 100 {
				return io.ErrNoProgress
			}
		}
	}
	return nil
}

func (d *Decoder) readErr(err error, empty bool) error {
	if err == io.EOF {
		if empty {
			return io.EOF
		}
		return io.ErrUnexpectedEOF
	}
	return fmt.Errorf("pickle: read: %w", err)
}
