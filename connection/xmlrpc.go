package connection

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mpconn/mpconn/pickle"
)

// XMLRPC is the codec of Python's multiprocessing.connection.XmlListener
// and XmlClient (and of managers made with serializer='xmlrpclib'): each
// message is what xmlrpc.client.dumps((obj,), allow_none=True) writes, a
// <params> block holding one value, in UTF-8. The framing and the handshake
// are the ordinary ones, so
//
//	XmlListener(('127.0.0.1', 6000), authkey=b'key')   # Python
//	Dial(ctx, "tcp", "127.0.0.1:6000", WithAuthKey(key), WithCodec(XMLRPC{}))
//
// talk to each other, as do XmlClient and a Listener with WithCodec(XMLRPC{}).
// Every CPython from 2.7 to 3.14 writes and reads the same bytes.
//
// Values, both ways:
//
//	Python (XmlClient receives)          XML-RPC             Go (Send takes)                       Go (Recv gives)
//	None                                 <nil/>              nil                                   nil
//	bool                                 <boolean>           bool                                  bool
//	int                                  <int>, <i8>         every int and uint kind, *big.Int     int64
//	float                                <double>            float32, float64                      float64
//	str                                  <string>            string (valid UTF-8, XML characters)  string
//	bytes, bytearray (xmlrpc.Binary)     <base64>            []byte, pickle.ByteArray              []byte
//	datetime (xmlrpc.DateTime)           <dateTime.iso8601>  time.Time                             time.Time in time.Local
//	list, tuple                          <array>             slices, arrays, pickle.Tuple          []any
//	dict with str keys                   <struct>            maps with string keys, *pickle.Dict,  *pickle.Dict
//	                                                         structs (as pickle maps them to dicts)
//
// Python gets bytes as an xmlrpc.client.Binary and a datetime as an
// xmlrpc.client.DateTime, as its own XmlClient delivers them. Integers within
// 32 bits go out as <int>, byte for byte as Python writes them; wider ones
// as <i8>, which Python reads (its own dumps refuses them). A dateTime
// carries no zone and whole seconds only: Send writes the wall clock of the
// time in its own location and drops the fraction, as Python does with an
// aware datetime; Recv gives a time in time.Local, as pickle gives a naive
// datetime. A struct from Python keeps its key order in the *pickle.Dict.
//
// What XML-RPC cannot carry is an error from Send, and nothing is sent:
// sets, complex numbers, classes and functions, other instances, dict keys
// that are not str, integers beyond 64 bits, years outside 0–9999, strings
// with characters XML 1.0 forbids (NUL and most other control characters;
// CPython would send them and fail to read them back), and recursive
// values. A carriage return is written as &#13; so that it survives, where
// CPython's own bytes lose it. Go values outside the table are first mapped
// the way package pickle maps them to Python values (a struct becomes a
// dict of its fields, a pickle.Marshaler its result).
//
// RecvInto and RecvAs fill typed targets with pickle.Unmarshal's rules, from
// the values above. The decoder reads only the message in hand: it expands
// no entities beyond XML's five and character references (a DTD is
// refused), and nesting deeper than MaxDepth is an error, so a hostile
// message costs memory in proportion to its size, which WithMaxMessageSize
// bounds.
//
// The zero value is ready to use.
type XMLRPC struct {
	// MaxDepth bounds the nesting of arrays and structs, both ways
	// (default DefaultXMLRPCMaxDepth, which zero selects).
	MaxDepth int
}

// DefaultXMLRPCMaxDepth is the nesting XMLRPC allows unless its MaxDepth
// says otherwise: pickle's default, far deeper than CPython can write (its
// marshaller recurses, about 500 levels).
const DefaultXMLRPCMaxDepth = pickle.DefaultMaxDepth

// ErrXMLRPC is matched by every error of the XMLRPC codec: a value it
// cannot carry, or a message that is not what XmlClient writes.
var ErrXMLRPC = errors.New("xmlrpc")

// Marshal returns the message carrying v, as xmlrpc.client.dumps((v,),
// allow_none=True) writes it.
func (x XMLRPC) Marshal(v any) ([]byte, error) {
	e := xmlEncoder{maxDepth: x.maxDepth()}
	e.buf = append(e.buf, "<params>\n<param>\n"...)
	if err := e.value(v, false); err != nil {
		return nil, err
	}
	e.buf = append(e.buf, "</param>\n</params>\n"...)
	return e.buf, nil
}

// Unmarshal decodes msg, one <params> block with one value (or a
// <methodResponse> or <methodCall> around it, which Python's loads accepts
// too), into v: into the value model of the table when v is a *any, else
// with pickle.Unmarshal's rules.
func (x XMLRPC) Unmarshal(msg []byte, v any) error {
	val, err := decodeXMLRPC(msg, x.maxDepth())
	if err != nil {
		return err
	}
	if p, ok := v.(*any); ok && p != nil {
		*p = val
		return nil
	}
	// Typed targets take the route pickle's values take, so that struct
	// tags, number ranges and the rest follow one set of rules.
	data, err := pickle.Marshal(val)
	if err != nil {
		return xmlErr("%v", err)
	}
	if err := pickle.Unmarshal(data, v, pickle.WithMaxDepth(x.maxDepth()+1)); err != nil {
		return fmt.Errorf("%w: %w", ErrXMLRPC, err)
	}
	return nil
}

func (x XMLRPC) maxDepth() int {
	if x.MaxDepth <= 0 {
		return DefaultXMLRPCMaxDepth
	}
	return x.MaxDepth
}

// xmlErr makes an error matching ErrXMLRPC.
func xmlErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrXMLRPC, fmt.Sprintf(format, args...))
}

// xmlPathError says where in the value an error happened: value[2]["k"].
type xmlPathError struct {
	segs []string // innermost first
	err  error
}

func (e *xmlPathError) Error() string {
	var b strings.Builder
	b.WriteString("value")
	n := len(e.segs)
	for j := 0; j < n; j++ { // j counts from the outermost
		if n > 2*maxPathShown && j == maxPathShown {
			// A path through thousands of levels says how many it skips.
			fmt.Fprintf(&b, "...(%d levels)...", n-2*maxPathShown)
			j = n - maxPathShown
		}
		b.WriteString(e.segs[n-1-j])
	}
	return fmt.Sprintf("%v (at %s)", e.err, b.String())
}

func (e *xmlPathError) Unwrap() error { return e.err }

// maxPathShown is how many of the outermost and of the innermost path
// segments an error shows.
const maxPathShown = 8

// atPath puts the path segment seg in front of err's path.
func atPath(err error, seg string) error {
	if pe, ok := err.(*xmlPathError); ok {
		pe.segs = append(pe.segs, seg)
		return pe
	}
	return &xmlPathError{segs: []string{seg}, err: err}
}
