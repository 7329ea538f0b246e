package connection

import (
	"errors"
	"fmt"

	"github.com/mpconn/mpconn/pickle"
)

// ErrDecode matches the error Recv and RecvInto return when a message
// arrived whole but could not be unpickled into the target. The connection
// stays usable: the next Recv reads the next message.
var ErrDecode = errors.New("connection: cannot decode message")

// DecodeError keeps a message that could not be decoded, so the caller can
// log it, store it or decode it another way. It matches ErrDecode and
// unwraps to the pickle error (*pickle.SyntaxError, *pickle.UnmarshalTypeError,
// a *pickle.LimitError, ...).
type DecodeError struct {
	Message []byte // the raw pickle, as received
	Err     error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("connection: decoding a %d-byte message: %v", len(e.Message), e.Err)
}

// Unwrap returns ErrDecode and the pickle error.
func (e *DecodeError) Unwrap() []error { return []error{ErrDecode, e.Err} }

// Send pickles v and sends it as one message, as Python's Connection.send
// does. The pickle protocol is 4 unless WithProtocol says otherwise (a
// Python 2.7 peer needs 2); the Go → Python type mapping is package
// pickle's.
func (c *Conn) Send(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed.Load() {
		return errClosed("send")
	}
	proto := c.protocol
	if peer := int(c.peerProto.Load()); c.matchPeer && peer >= 2 && peer < proto {
		proto = peer
	}
	if c.enc == nil || c.encProto != proto {
		// The encoder writes each pickle with one Write, which frameSink
		// turns into one frame; its buffer is reused from send to send.
		opts := c.pickleOpts
		if proto != c.protocol {
			opts = append(append([]pickle.Option(nil), opts...), pickle.WithProtocol(proto))
		}
		c.enc, c.encProto = pickle.NewEncoder(frameSink{&c.fw}, opts...), proto
	}
	return c.enc.Encode(v)
}

// protoOpcode starts every pickle of protocol 2 or later, followed by the
// protocol number.
const protoOpcode = 0x80

// frameSink writes every Write as one frame.
type frameSink struct{ fw *frameWriter }

func (s frameSink) Write(p []byte) (int, error) {
	if err := s.fw.writeFrame(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Recv receives one message and unpickles it into the value model of
// package pickle (nil, bool, int64, *big.Int, float64, string, []byte,
// []any, pickle.Tuple, *pickle.Dict, ...), as Python's Connection.recv does.
// The decoder executes nothing: an unknown class arrives as a
// *pickle.Object. Errors are those of RecvBytes, or a *DecodeError.
func (c *Conn) Recv() (any, error) {
	var v any
	err := c.RecvInto(&v)
	return v, err
}

// RecvInto receives one message and unpickles it into v, a non-nil
// pointer, with pickle.Unmarshal's rules: structs from dicts or objects,
// slices from lists and tuples, typed numbers with overflow checks.
func (c *Conn) RecvInto(v any) error {
	msg, err := c.RecvBytes()
	if err != nil {
		return err
	}
	if c.matchPeer && len(msg) >= 2 && msg[0] == protoOpcode {
		c.peerProto.Store(int32(msg[1]))
	}
	if err := pickle.Unmarshal(msg, v, c.pickleOpts...); err != nil {
		return &DecodeError{Message: msg, Err: err}
	}
	return nil
}

// RecvAs receives one message and unpickles it into a T.
func RecvAs[T any](c *Conn) (T, error) {
	var v T
	err := c.RecvInto(&v)
	return v, err
}
