package pickle

import (
	"bytes"
	"reflect"
)

// RawValue is a part of a pickle kept undecoded, to be decoded later into
// a Go type chosen at run time: the json.RawMessage of pickle. A struct
// field, slice or array element, map value or Unmarshal target of type
// RawValue receives the value found there, with everything it references
// through the memo resolved. A reply of a multiprocessing manager, for
// instance, is ('#RETURN', result) or ('#ERROR', exception):
//
//	var reply struct {
//		Kind    string          // fields fill positionally from a tuple
//		Payload pickle.RawValue
//	}
//	err := pickle.Unmarshal(data, &reply)
//	...
//	if reply.Kind == "#RETURN" {
//		var n int
//		err = reply.Payload.Unmarshal(&n)
//	}
//
// A RawValue holds a copy of the whole pickle it came from, shared by every
// RawValue taken from it, so it stays valid after the buffer given to
// Unmarshal or the Decoder is reused, and until it is dropped. It is
// decoded with the options of the decode that produced it, as often as
// needed, each time into fresh values; RawValues are safe for concurrent
// use. Encoding a RawValue writes the value it holds, as it came (a class
// a Registry maps to a Go type is written back as the class). The zero
// RawValue holds None.
type RawValue struct {
	src *machine // a view of the decoded pickle (see machine.view)
	v   val
}

var rawValueType = reflect.TypeFor[RawValue]()

// rawValue returns a RawValue for v. The first one copies the pickle.
func (m *machine) rawValue(v val) RawValue {
	if m.raw == nil {
		src := m.view()
		src.data = bytes.Clone(m.data)
		cfg := *m.cfg
		src.cfg = &cfg
		src.raw = src
		m.raw = src
	}
	return RawValue{src: m.raw, v: v}
}

// Unmarshal decodes the value into v, a non-nil pointer, as Unmarshal
// would have decoded it in its place.
func (r RawValue) Unmarshal(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &InvalidUnmarshalError{reflect.TypeOf(v)}
	}
	if r.src == nil {
		return noneMachine().store(val{k: kNone}, rv.Elem())
	}
	return r.src.view().store(r.v, rv.Elem())
}

// PyType names the Python type of the value, as errors name it: "int",
// "tuple", "datetime.date", a class's "module.Name" for an instance. It
// lets a caller choose the Go type to decode into.
func (r RawValue) PyType() string {
	if r.src == nil {
		return "NoneType"
	}
	return r.src.pyTypeOf(r.v)
}

// MarshalPickle makes a RawValue encode as the value it holds: the value
// model of it, without a Registry, so every instance is written back
// exactly as it came.
func (r RawValue) MarshalPickle() (any, error) {
	if r.src == nil {
		return nil, nil
	}
	m := r.src.view()
	cfg := *m.cfg
	cfg.registry = nil
	m.cfg = &cfg
	return m.toAny(r.v)
}

func noneMachine() *machine {
	cfg := newConfig(nil)
	return &machine{cfg: &cfg}
}

// view returns a machine sharing the decoded pickle of m (its input,
// nodes, strings and numbers, all read only once run has returned) with
// fresh materializing state, so that a RawValue decodes into fresh values
// however often, and concurrently. Appending to a shared table makes a
// copy (the capacity is cut), so nothing a view does reaches m.
func (m *machine) view() *machine {
	return &machine{
		data:       m.data,
		base:       m.base,
		cfg:        m.cfg,
		nodes:      m.nodes[:len(m.nodes):len(m.nodes)],
		strs:       m.strs[:len(m.strs):len(m.strs)],
		blobs:      m.blobs[:len(m.blobs):len(m.blobs)],
		bigs:       m.bigs[:len(m.bigs):len(m.bigs)],
		proto:      m.proto,
		raw:        m.raw,
		copyLeaves: m.raw != nil,
	}
}
