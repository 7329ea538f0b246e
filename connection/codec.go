package connection

import (
	"errors"
	"fmt"

	"github.com/mpconn/mpconn/pickle"
)

// Codec turns the values of Send into messages and the messages of Recv,
// RecvInto and RecvAs back into values. A Conn uses pickle unless WithCodec
// gives it another codec: XMLRPC, or one of your own (a codec for msgpack,
// say, which some Python RPC frameworks run over this same framing). The
// framing, the handshake, the limits and the poisoning rules are the Conn's
// whatever the codec.
//
// One Codec value may serve many Conns at once (a Listener hands its
// options to every connection it accepts), so its methods must be safe for
// concurrent use.
type Codec interface {
	// Marshal returns the message that carries v. An error sends nothing.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes msg into v, a non-nil pointer. Recv passes a
	// pointer to an empty interface, which the codec fills with its own
	// value model. Unmarshal must not modify msg (a *DecodeError keeps it);
	// the Conn does not reuse it, so the value may refer to it.
	Unmarshal(msg []byte, v any) error
}

// ErrDecode matches the error Recv and RecvInto return when a message
// arrived whole but could not be decoded into the target. The connection
// stays usable: the next Recv reads the next message.
var ErrDecode = errors.New("connection: cannot decode message")

// DecodeError keeps a message that could not be decoded, so the caller can
// log it, store it or decode it another way. It matches ErrDecode and
// unwraps to the codec's error (for pickle a *pickle.SyntaxError, a
// *pickle.UnmarshalTypeError, a *pickle.LimitError, ...).
type DecodeError struct {
	Message []byte // the raw message, as received
	Err     error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("connection: decoding a %d-byte message: %v", len(e.Message), e.Err)
}

// Unwrap returns ErrDecode and the codec's error.
func (e *DecodeError) Unwrap() []error { return []error{ErrDecode, e.Err} }

// Send encodes v with the Conn's codec and sends it as one message, as
// Python's Connection.send does. With pickle, the default, the protocol is
// the one WithPickleOptions selects (4 unless pickle.WithProtocol says
// otherwise; a Python 2.7 peer needs 2) and the Go → Python type mapping is
// package pickle's. A value the codec cannot encode sends nothing.
func (c *Conn) Send(v any) error {
	if c.codec != nil {
		msg, err := c.codec.Marshal(v)
		if err != nil {
			return err
		}
		return c.SendBytes(msg)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.sendable(); err != nil {
		return err
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
			if proto <= 2 {
				// Only Python 2's send() writes protocol 2 (every Python 3
				// writes 3 or later): answer what Python 2 can load.
				opts = append(opts, pickle.ForPython(2, 7))
			}
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

// Recv receives one message and decodes it into the codec's value model,
// as Python's Connection.recv does. For pickle, the default, that is the
// model of package pickle (nil, bool, int64, *big.Int, float64, string,
// []byte, []any, pickle.Tuple, *pickle.Dict, ...); the decoder executes
// nothing, and an unknown class arrives as a *pickle.Object. Errors are
// those of RecvBytes, or a *DecodeError.
func (c *Conn) Recv() (any, error) {
	var v any
	err := c.RecvInto(&v)
	return v, err
}

// RecvInto receives one message and decodes it into v, a non-nil pointer.
// For pickle that follows pickle.Unmarshal's rules: structs from dicts or
// objects, slices from lists and tuples, typed numbers with overflow checks.
func (c *Conn) RecvInto(v any) error {
	msg, err := c.RecvBytes()
	if err != nil {
		return err
	}
	if c.codec != nil {
		err = c.codec.Unmarshal(msg, v)
	} else {
		if c.matchPeer && len(msg) >= 2 && msg[0] == protoOpcode {
			c.peerProto.Store(int32(msg[1]))
		}
		err = pickle.Unmarshal(msg, v, c.pickleOpts...)
	}
	if err != nil {
		return &DecodeError{Message: msg, Err: err}
	}
	return nil
}

// RecvAs receives one message and decodes it into a T.
func RecvAs[T any](c *Conn) (T, error) {
	var v T
	err := c.RecvInto(&v)
	return v, err
}
