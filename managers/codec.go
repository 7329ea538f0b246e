package managers

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/pickle"
)

// codec pickles and unpickles the messages of one connection. The package
// does its own pickling (rather than Conn.Send and Conn.Recv) because the
// protocol of a reply depends on the peer's requests and Python 2 peers need
// their byte strings back as byte strings.
type codec struct {
	opts     []pickle.Option
	buf      bytes.Buffer
	enc      *pickle.Encoder
	encProto int
}

// errEncode marks a message that could not be pickled: nothing was sent,
// and the connection is still in step.
var errEncode = errors.New("managers: cannot pickle the message")

type encodeError struct{ err error }

func (e *encodeError) Error() string   { return fmt.Sprintf("%v: %v", errEncode, e.err) }
func (e *encodeError) Unwrap() []error { return []error{errEncode, e.err} }

// send pickles v with protocol proto and sends it as one message.
func (c *codec) send(conn *connection.Conn, v any, proto int) error {
	if c.enc == nil || c.encProto != proto {
		opts := append(append([]pickle.Option(nil), c.opts...), pickle.WithProtocol(proto))
		c.enc, c.encProto = pickle.NewEncoder(&c.buf, opts...), proto
	}
	c.buf.Reset()
	if err := c.enc.Encode(v); err != nil {
		return &encodeError{err}
	}
	err := conn.SendBytes(c.buf.Bytes())
	if c.buf.Cap() > 1<<20 {
		c.buf = bytes.Buffer{} // do not keep a large result's buffer for ever
		c.enc = nil
	}
	return err
}

// decode unpickles one message into the value model.
func decode(msg []byte, opts []pickle.Option) (any, error) {
	var v any
	if err := pickle.Unmarshal(msg, &v, opts...); err != nil {
		return nil, &connection.DecodeError{Message: msg, Err: err}
	}
	return v, nil
}

// protocolOf is the pickle protocol a message was written in (0 for the
// text protocols 0 and 1, which have no PROTO opcode).
func protocolOf(msg []byte) int {
	if len(msg) >= 2 && msg[0] == 0x80 {
		return int(msg[1])
	}
	return 0
}
