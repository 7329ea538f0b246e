package pickle

import (
	"cmp"
	"errors"
	"io"
	"reflect"
	"sync"
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
// Unmarshaler, RawUnmarshaler and registered classes; a RawValue keeps its
// part undecoded.
func Unmarshal(data []byte, v any, opts ...Option) error {
	return unmarshal(data, v, opts, true)
}

// unmarshal is Unmarshal; direct false leaves out the direct decoder
// (decode_direct.go), for the tests that compare the two.
func unmarshal(data []byte, v any, opts []Option, direct bool) error {
	s := smallMachines.Get().(*smallMachine)
	cfg := &s.cfg
	cfg.init(opts)
	if cfg.err != nil {
		return cfg.err
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &InvalidUnmarshalError{reflect.TypeOf(v)}
	}
	limited := false
	if int64(len(data)) > cfg.maxSize {
		data, limited = data[:cfg.maxSize], true
	}
	s.init(data, cfg, 0)
	runErr, storeErr := s.decode(rv.Elem(), direct)
	if limited && errors.Is(runErr, io.ErrUnexpectedEOF) {
		return &LimitError{Limit: LimitSize, Max: cfg.maxSize, Offset: cfg.maxSize}
	}
	return cmp.Or(runErr, storeErr)
}

// decode decodes the pickle s was set up with (init) into rv: with the
// direct decoder when it takes the pickle (direct false leaves it out),
// else with the machine. runErr is the machine's, about the pickle;
// storeErr is about putting a well-formed pickle's value into rv.
func (s *smallMachine) decode(rv reflect.Value, direct bool) (runErr, storeErr error) {
	if direct && s.decodeDirect(rv) {
		s.release()
		return nil, nil
	}
	top, err := s.machine.run()
	if err != nil {
		return err, nil
	}
	return nil, s.machine.store(top, rv)
}

// smallMachine is a machine with room inline for everything decoding a
// small pickle (a message of a few fields) needs, so that decoding one
// allocates it all at once instead of growing each slice from nothing:
// the stack, memo, marks, strings, nodes, the items of the first
// containers, the typed materializer and its path, the direct decoder's
// state, and (for Unmarshal) the options. 38 allocations per small-object
// Send+Recv became 27, then 4 (BenchmarkSendRecvSmallObject/typed).
// Larger pickles outgrow the arrays and continue as before.
type smallMachine struct {
	machine
	stack [16]val
	memo  [16]val
	marks [4]int
	strs  [8]string
	nodes [2]node
	items [16]val
	typed typed
	path  [4]pathSeg
	cfg   config

	direct  direct // the direct decoder (decode_direct.go), its stack and memo
	dstack  [16]any
	dmemo   [16]memoSlot
	dchunks [1][]memoSlot
}

// smallMachines keeps the machines of direct decodes for the next
// Unmarshal: a fresh one is 3 KB to allocate and collect for every
// message, half the time of decoding a small one.
var smallMachines = sync.Pool{New: func() any { return new(smallMachine) }}

// release gives back the machine of a direct decode. Nothing decoded
// directly refers to it (the machine's results may: RawValues view its
// arrays), so it can serve again.
func (s *smallMachine) release() {
	*s = smallMachine{}
	smallMachines.Put(s)
}

func (s *smallMachine) init(data []byte, cfg *config, base int64) *machine {
	s.machine = machine{data: data, cfg: cfg, base: base}
	s.machine.stack = s.stack[:0]
	s.machine.memo = s.memo[:0]
	s.machine.marks = s.marks[:0]
	s.machine.strs = s.strs[:0]
	s.machine.nodes = s.nodes[:0]
	s.machine.spare = s.items[:]
	s.typed.path = s.path[:0]
	s.machine.typed = &s.typed
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
