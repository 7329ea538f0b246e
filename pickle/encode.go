package pickle

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// Marshal returns the pickle of v: one complete pickle, PROTO to STOP, as
// CPython's C pickler (pickle.dumps) writes the corresponding Python value.
// The protocol is DefaultProtocol (4) unless WithProtocol says otherwise;
// use WithProtocol(2) for a Python 2.7 peer.
//
// How Go values become Python values:
//
//	Go                                    Python
//	nil, nil pointer, nil interface       None
//	bool                                  bool
//	int, int8…int64, uint…uint64, uintptr int (BININT1/BININT2/BININT, LONG1/LONG4; INT/LONG text at protocol 0 and 1)
//	*big.Int, big.Int                     int
//	float32, float64                      float (FLOAT text, Python repr, at protocol 0)
//	complex64, complex128                 complex: builtins.complex(re, im)
//	string                                str at every protocol (UNICODE raw-unicode-escape at protocol 0); not UTF-8: a Python 2 str at protocols 0–2, an error above
//	[]byte, [N]byte                       bytes (protocols 0–2: _codecs.encode(latin-1 text, 'latin1') as CPython 3 writes it, a str on 2.7)
//	ByteArray                             bytearray (BYTEARRAY8 at 5, builtins.bytearray(bytes) below)
//	other slices and arrays, []any        list (a nil slice is an empty list)
//	Tuple                                 tuple
//	map[K]V                               dict (Go order; sorted keys with Deterministic; a nil map is an empty dict)
//	*Dict                                 dict, in its order (an OrderedDict or defaultdict as its Class says)
//	*Set                                  set (EMPTY_SET/ADDITEMS at 4+, builtins.set([...]) below)
//	*FrozenSet                            frozenset (FROZENSET at 4+, builtins.frozenset([...]) below)
//	struct                                dict of its exported fields (`pickle:"name,omitempty"`, `pickle:"-"`)
//	registered struct (WithRegistry)      instance of its class: cls.__new__(cls) + __dict__ state (copyreg._reconstructor below protocol 2)
//	pointer                               the value it points to; the same pointer twice is the same Python object
//	Global                                the named class or function (GLOBAL/STACK_GLOBAL; 3→2 names such as builtins→__builtin__ below protocol 3)
//	*Object                               exactly its REDUCE/NEWOBJ/NEWOBJ_EX + APPENDS/SETITEMS + BUILD
//	*Exception                            Class(*Args), then BUILD State when State is not nil
//	time.Time                             datetime.datetime: time.Local → naive (same wall clock), time.UTC → tzinfo=timezone.utc, a tz database zone → zoneinfo.ZoneInfo(key) with PEP 495's fold (ForPython before 3.9: timezone), other → timezone(timedelta(offset at that instant)[, zone name]); nanoseconds truncated to microseconds
//	time.Duration                         datetime.timedelta(days, seconds, microseconds), truncated toward zero to whole microseconds
//	Date                                  datetime.date
//	TimeOfDay                             datetime.time (Location nil → naive)
//	Decimal                               decimal.Decimal(text)
//	UUID                                  uuid.UUID (as CPython pickles it: UUID.__new__ + {'int': n}; loads on 2.7 and every 3.x)
//	Marshaler                             whatever MarshalPickle returns, encoded in its place (errors come as *MarshalerError)
//	RawValue                              the value it holds, as it came
//	chan, func, unsafe.Pointer            *UnsupportedTypeError
//
// Shared references are kept as CPython keeps them, through the memo:
// the same pointer, map, non-empty slice (same start and length), *Dict,
// *Set, *Object... reached twice becomes one Python object referenced
// twice, and cycles through them are written as CPython writes cycles.
// Equal strings with the same backing memory (the same Go string value) are
// written once, as CPython writes the same str object once.
func Marshal(v any, opts ...Option) ([]byte, error) {
	pe, _ := marshalPool.Get().(*pooledEncoder)
	if pe == nil {
		pe = new(pooledEncoder)
		pe.e.cfg = &pe.cfg
	}
	defer marshalPool.Put(pe)
	pe.cfg.init(opts)
	if pe.cfg.err != nil {
		return nil, pe.cfg.err
	}
	e := &pe.e
	e.reset()
	if err := e.encode(v); err != nil {
		e.release()
		return nil, err
	}
	var out []byte
	if len(e.buf) >= handOutMin && 2*len(e.buf) >= cap(e.buf) {
		out, e.buf = e.buf, nil
		e.sizeHint = len(out)
	} else {
		out = bytes.Clone(e.buf) // exact size, not zeroed first
	}
	e.release()
	return out, nil
}

// marshalPool keeps Marshal's output buffer and memo table between calls:
// growing both from nothing (the buffer by doubling, the table by
// rehashing) was a third of the CPU profile of encoding 100k strings or
// dicts, most of it clearing and copying fresh memory. A small pickle is
// copied out at its exact size and the buffer kept; a large one that fills
// at least half its buffer is handed out as it is, and the next pickle
// grows its buffer to that size at once (see grow): copying out 2 MB of
// strings cost more than a tenth of encoding them.
var marshalPool sync.Pool

// handOutMin is the size from which Marshal hands out its buffer rather
// than copy the pickle out of it.
const handOutMin = 64 << 10

type pooledEncoder struct {
	cfg config
	e   encoder
}

// Encoder writes pickles to an output stream, one complete pickle per
// Encode call, each written with a single Write.
type Encoder struct {
	w   io.Writer
	cfg config
	e   encoder
}

// NewEncoder returns an encoder that writes to w.
func NewEncoder(w io.Writer, opts ...Option) *Encoder {
	enc := &Encoder{w: w, cfg: newConfig(opts)}
	enc.e.cfg = &enc.cfg
	return enc
}

// Encode writes the pickle of v (see Marshal). Every call starts a fresh
// memo: each pickle stands alone, as multiprocessing's Connection.send
// pickles each object.
func (enc *Encoder) Encode(v any) error {
	if enc.cfg.err != nil {
		return enc.cfg.err
	}
	e := &enc.e
	e.reset()
	defer e.release()
	if err := e.encode(v); err != nil {
		return err
	}
	_, err := enc.w.Write(e.buf)
	return err
}

// maxKeptBuffer is the largest output buffer an encoder keeps between
// pickles.
const maxKeptBuffer = 4 << 20

const (
	frameSizeTarget = 64 * 1024 // CPython's _FRAME_SIZE_TARGET
	frameSizeMin    = 4         // smaller frames are not framed
	frameHeaderSize = 9         // FRAME + u64
	batchSize       = 1000      // items per APPENDS/SETITEMS/ADDITEMS
)

// refKey identifies a Go value by its memory for the memo, the way
// CPython's memo identifies an object by id(): the address, the length for
// slices and strings (s[:2] and s[:3] are different objects), and the type
// (typeID), bytesTag for bytes, nil for str. A refKey with p == nil means
// "no identity": the value is written fresh.
type refKey struct {
	p unsafe.Pointer
	n int
	t unsafe.Pointer
}

// encoder is the state of one pickle being written.
type encoder struct {
	buf        []byte
	cfg        *config
	proto      int
	bin        bool // protocol >= 1
	framing    bool // protocol >= 4, outside a large payload
	frameStart int  // offset of the reserved frame header, -1 when no frame is open
	sizeHint   int  // length of the last pickle whose buffer was not kept (see grow)
	expected   int  // length a long list expects this pickle to reach (see batchMark)
	nmemo      int
	depth      int

	ids          idTable                        // str, bytes, lists, dicts, tuples, instances by identity
	keep         []any                          // values made during encoding whose addresses ids holds
	internMemo   map[string]int                 // interned strings (module names, attribute names) by value
	internHot    [1 << internHotBits]internSlot // internMemo's last finds, by their data's address
	internHotSet bool
	globalMemo   map[Global]int // classes and functions
	tzMemo       map[zone]int   // datetime.timezone and zoneinfo.ZoneInfo objects

	lastType reflect.Type // one-entry cache of registry lookups
	lastReg  registered
	lastOK   bool

	scratch [24]byte
}

// release drops what the encoder should not keep until its next pickle:
// the values it kept alive, a huge buffer, and a large memo table this
// pickle did not need (clearing it would cost the next small pickle more
// than regrowing it costs the next large one).
func (e *encoder) release() {
	clear(e.keep)
	e.keep = e.keep[:0]
	if cap(e.buf) > maxKeptBuffer {
		e.sizeHint = len(e.buf)
		e.buf = nil
	}
	e.ids.release()
}

func (e *encoder) reset() {
	e.buf = e.buf[:0]
	e.expected = 0
	e.nmemo = 0
	e.depth = 0
	e.ids.reset()
	clear(e.keep)
	e.keep = e.keep[:0]
	clear(e.internMemo)
	if e.internHotSet {
		clear(e.internHot[:])
		e.internHotSet = false
	}
	clear(e.globalMemo)
	clear(e.tzMemo)
	e.lastType = nil
}

func (e *encoder) encode(v any) error {
	p := e.cfg.protocol
	if t := e.cfg.target; t.set() && p > t.highestProtocol() {
		if e.cfg.protocolSet {
			return fmt.Errorf("pickle: protocol %d cannot be read by %v (it reads up to %d)", p, t, t.highestProtocol())
		}
		p = t.highestProtocol()
	}
	e.proto, e.bin, e.frameStart = p, p >= 1, -1
	e.framing = false
	if e.buf == nil {
		e.buf = make([]byte, 0, 256)
	}
	if p >= 2 {
		e.buf = append(e.buf, opProto, byte(p))
		e.framing = p >= 4
	}
	if err := e.save(v); err != nil {
		e.framing = false
		return err
	}
	e.op(opStop)
	e.commitFrame()
	e.framing = false
	return nil
}

// --- output and framing (CPython's _Pickler_Write, _Pickler_CommitFrame,
// _Pickler_OpcodeBoundary) ---

// frame makes room for a small write and opens a frame (reserving its
// header) when framing and none is open. Every write goes through it.
func (e *encoder) frame() {
	if cap(e.buf)-len(e.buf) < 64 {
		e.grow(64)
	}
	if e.framing && e.frameStart < 0 {
		e.frameStart = len(e.buf)
		e.buf = append(e.buf, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	}
}

// commitFrame closes the open frame: it fills in the header, or removes
// it when the frame is shorter than frameSizeMin.
func (e *encoder) commitFrame() {
	if e.frameStart < 0 {
		return
	}
	start := e.frameStart
	n := len(e.buf) - start - frameHeaderSize
	if n >= frameSizeMin {
		h := e.buf[start : start+frameHeaderSize]
		h[0] = opFrame
		putU64(h[1:], uint64(n))
	} else {
		copy(e.buf[start:], e.buf[start+frameHeaderSize:])
		e.buf = e.buf[:len(e.buf)-frameHeaderSize]
	}
	e.frameStart = -1
}

// boundary is called where CPython's save() begins: a frame that has
// reached the target size is closed there.
func (e *encoder) boundary() {
	if e.frameStart >= 0 && len(e.buf)-e.frameStart-frameHeaderSize >= frameSizeTarget {
		e.commitFrame()
	}
}

// grow makes room for n more bytes, doubling: append's gentler growth for
// large slices would copy (and leave for the collector) several times the
// output. A pickle that has reached a sixteenth of the size of the last
// one too large to keep grows to that size at once: pickling the same kind
// of value again (the 9 MB of a million floats) then costs one copy of a
// sixteenth of it, where doubling from nothing allocated and copied twice
// its size (a third of the CPU profile of encoding 100k non-ASCII
// strings). The new buffer is not zeroed: every byte of it is written
// before it is read, and clearing megabytes only to overwrite them was a
// tenth of that profile.
//
// Within a pickle, a long list tells the buffer how large it expects to
// end (batchMark): a buffer that has reached a 64th of that grows to it at
// once, so that a million floats pickled with no earlier pickle to go by
// touch about their own size of memory instead of twice it (fresh memory
// costs 12 µs a page on the VM of the README's numbers). Memory allocated
// and never written is never touched.
func (e *encoder) grow(n int) {
	need := len(e.buf) + n + frameHeaderSize
	c := 2*cap(e.buf) + n + frameHeaderSize
	if h := e.sizeHint + 4096; h > c && 16*need >= e.sizeHint {
		c = h
	}
	if h := e.expected; h > c && 64*need >= h {
		c = h
	}
	nb := makeNoZero(c)[:len(e.buf)]
	copy(nb, e.buf)
	e.buf = nb
}

// batchMark starts a batch of a list's items (MARK), done of the list's n
// items in, the list having started at offset from. A long list first sets
// the size the pickle is expected to reach, at the bytes per item so far
// and half as much again, as items often grow along a list (a million
// ints from 0 take 2 bytes each first, 5 later).
func (e *encoder) batchMark(from, done, n int) {
	if n >= 16*batchSize && done > 0 {
		end := float64(from) + float64(len(e.buf)-from)/float64(done)*float64(n)*1.5
		e.expected = int(min(end, 1<<40))
	}
	e.op(opMark)
}

// makeNoZero returns a byte slice of length and capacity n whose contents
// are whatever the allocator had there. It borrows strings.Builder's
// growth, the one way the standard library hands out memory it did not
// clear: the builder is dropped at once, so nothing else ever sees the
// memory as a string.
func makeNoZero(n int) []byte {
	var b strings.Builder
	b.Grow(n)
	b.WriteByte(0) // a string of length 0 need not point at the memory
	return unsafe.Slice(unsafe.StringData(b.String()), n)
}

func (e *encoder) op(b byte) {
	e.frame()
	e.buf = append(e.buf, b)
}

func (e *encoder) op2(a, b byte) {
	e.frame()
	e.buf = append(e.buf, a, b)
}

func (e *encoder) write(p []byte) {
	if cap(e.buf)-len(e.buf) < len(p)+frameHeaderSize {
		e.grow(len(p))
	}
	e.frame()
	e.buf = append(e.buf, p...)
}

func (e *encoder) writeString(s string) {
	if cap(e.buf)-len(e.buf) < len(s)+frameHeaderSize {
		e.grow(len(s))
	}
	e.frame()
	e.buf = append(e.buf, s...)
}

// writeBlob writes an opcode header and its payload. A payload of
// frameSizeTarget bytes or more goes outside any frame, as CPython's
// _Pickler_write_bytes does.
func writeBlob[T ~[]byte | ~string](e *encoder, hdr []byte, data T) {
	if cap(e.buf)-len(e.buf) < len(hdr)+len(data)+frameHeaderSize {
		e.grow(len(hdr) + len(data))
	}
	if len(data) >= frameSizeTarget && e.framing {
		e.commitFrame()
	} else {
		e.frame()
	}
	// Resliced and copied into rather than appended to: e.buf's pointer
	// is not stored again (no write barrier while the collector runs).
	n := len(e.buf)
	e.buf = e.buf[:n+len(hdr)+len(data)]
	copy(e.buf[n:], hdr)
	copy(e.buf[n+len(hdr):], data)
}

func putU32(b []byte, v uint32) {
	_ = b[3]
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func putU64(b []byte, v uint64) {
	_ = b[7]
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

// sizedHeader builds the header of a length-prefixed opcode: op1 with a u8
// length when n < 256 and op1 != 0, op4 with u32, op8 with u64.
func (e *encoder) sizedHeader(n int, op1, op4, op8 byte) []byte {
	h := e.scratch[:0]
	switch {
	case op1 != 0 && n <= 0xff:
		h = append(h, op1, byte(n))
	case uint64(n) <= 0xffffffff:
		h = append(h, op4, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	default:
		h = append(h, op8)
		h = h[:9]
		putU64(h[1:], uint64(n))
	}
	return h
}

// --- memo (CPython's memo_put and memo_get) ---

// memoPut records the object on top of the stack under the next index.
func (e *encoder) memoPut() int {
	idx := e.nmemo
	e.nmemo++
	switch {
	case e.proto >= 4:
		e.op(opMemoize)
	case !e.bin:
		e.frame()
		e.buf = append(e.buf, opPut)
		e.buf = strconv.AppendInt(e.buf, int64(idx), 10)
		e.buf = append(e.buf, '\n')
	case idx < 256:
		e.op2(opBinput, byte(idx))
	default:
		e.frame()
		e.buf = append(e.buf, opLongBinput, byte(idx), byte(idx>>8), byte(idx>>16), byte(idx>>24))
	}
	return idx
}

func (e *encoder) memoGet(idx int) {
	switch {
	case !e.bin:
		e.frame()
		e.buf = append(e.buf, opGet)
		e.buf = strconv.AppendInt(e.buf, int64(idx), 10)
		e.buf = append(e.buf, '\n')
	case idx < 256:
		e.op2(opBinget, byte(idx))
	default:
		e.frame()
		e.buf = append(e.buf, opLongBinget, byte(idx), byte(idx>>8), byte(idx>>16), byte(idx>>24))
	}
}

// memoRef returns the memo index of a reference value already written.
func (e *encoder) memoRef(k refKey) (int, bool) {
	if k.p == nil {
		return 0, false
	}
	return e.ids.get(k)
}

// recall writes a memo GET when the object at p (of type tid) was written
// already and reports whether it did; otherwise it returns the key to
// memoize the object under once written. ident false means the value has no
// identity of its own (reached by value, not through a pointer), so it is
// never shared.
func (e *encoder) recall(p, tid unsafe.Pointer, ident bool) (refKey, bool) {
	if !ident {
		return refKey{}, false
	}
	k := refKey{p: p, t: tid}
	if idx, ok := e.memoRef(k); ok {
		e.memoGet(idx)
		return k, true
	}
	return k, false
}

// recursed handles an object whose construction reached itself (CPython's
// save_reduce on a recursive object): the object was memoized meanwhile, so
// what was just built is popped and the memoized one fetched instead.
func (e *encoder) recursed(k refKey) bool {
	idx, ok := e.memoRef(k)
	if !ok {
		return false
	}
	e.op(opPop)
	e.memoGet(idx)
	e.leave()
	return true
}

// memoPutRef memoizes the object just written, under k when k is set.
func (e *encoder) memoPutRef(k refKey) {
	idx := e.memoPut()
	if k.p != nil {
		e.ids.put(k, idx)
	}
}

// enter and leave bound the nesting depth, which is what ends a cycle the
// memo cannot break (a Go value that contains itself through a tuple).
func (e *encoder) enter() error {
	e.depth++
	if e.depth > e.cfg.maxDepth {
		e.depth--
		return &LimitError{Limit: LimitDepth, Max: int64(e.cfg.maxDepth), Value: int64(e.depth + 1), Offset: -1}
	}
	return nil
}

func (e *encoder) leave() { e.depth-- }
