package connection_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
)

// msgpackLite is a user's codec: a small subset of MessagePack (nil, bool,
// int64, float64, str, bin, array, map with str keys), written here to show
// that anything implementing connection.Codec rides on the same framing,
// handshake and limits as pickle.
type msgpackLite struct{}

var errMsgpack = errors.New("msgpack")

func (msgpackLite) Marshal(v any) ([]byte, error) { return mpAppend(nil, v) }

func mpAppend(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, 0xc0), nil
	case bool:
		if x {
			return append(b, 0xc3), nil
		}
		return append(b, 0xc2), nil
	case int:
		return mpAppend(b, int64(x))
	case int64:
		return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(x)), nil
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(x)), nil
	case string:
		return append(binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(len(x))), x...), nil
	case []byte:
		return append(binary.BigEndian.AppendUint32(append(b, 0xc6), uint32(len(x))), x...), nil
	case []any:
		b = binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(len(x)))
		for _, item := range x {
			var err error
			if b, err = mpAppend(b, item); err != nil {
				return nil, err
			}
		}
		return b, nil
	case map[string]any:
		b = binary.BigEndian.AppendUint32(append(b, 0xdf), uint32(len(x)))
		for k, item := range x {
			b, _ = mpAppend(b, k)
			var err error
			if b, err = mpAppend(b, item); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	return nil, fmt.Errorf("%w: cannot encode %T", errMsgpack, v)
}

// Unmarshal fills a *any; a codec may support typed targets as it likes.
func (msgpackLite) Unmarshal(msg []byte, v any) error {
	p, ok := v.(*any)
	if !ok {
		return fmt.Errorf("%w: can only decode into *any, not %T", errMsgpack, v)
	}
	val, rest, err := mpRead(msg, 0)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("%w: %d bytes after the value", errMsgpack, len(rest))
	}
	if err != nil {
		return err
	}
	*p = val
	return nil
}

func mpRead(b []byte, depth int) (any, []byte, error) {
	short := fmt.Errorf("%w: truncated", errMsgpack)
	if len(b) == 0 || depth > 100 {
		return nil, nil, short
	}
	tag, b := b[0], b[1:]
	switch tag {
	case 0xc0:
		return nil, b, nil
	case 0xc2, 0xc3:
		return tag == 0xc3, b, nil
	case 0xd3, 0xcb:
		if len(b) < 8 {
			return nil, nil, short
		}
		u := binary.BigEndian.Uint64(b)
		if tag == 0xcb {
			return math.Float64frombits(u), b[8:], nil
		}
		return int64(u), b[8:], nil
	}
	if len(b) < 4 {
		return nil, nil, short
	}
	n, b := int(binary.BigEndian.Uint32(b)), b[4:]
	switch tag {
	case 0xdb, 0xc6:
		if len(b) < n {
			return nil, nil, short
		}
		if tag == 0xdb {
			return string(b[:n]), b[n:], nil
		}
		return append([]byte{}, b[:n]...), b[n:], nil
	case 0xdd, 0xdf:
		if n > len(b) { // every item takes at least a byte: no allocation from a lying count
			return nil, nil, short
		}
		var list []any
		m := map[string]any{}
		for range n {
			var k, item any
			var err error
			if tag == 0xdf {
				if k, b, err = mpRead(b, depth+1); err != nil {
					return nil, nil, err
				}
			}
			if item, b, err = mpRead(b, depth+1); err != nil {
				return nil, nil, err
			}
			if s, ok := k.(string); ok {
				m[s] = item
			} else {
				list = append(list, item)
			}
		}
		if tag == 0xdf {
			return m, b, nil
		}
		return list, b, nil
	}
	return nil, nil, fmt.Errorf("%w: unknown tag %#x", errMsgpack, tag)
}

// A user's codec over a Listener and Dial with a key: the handshake is the
// Conn's, the messages are the codec's.
func TestUserCodec(t *testing.T) {
	t.Parallel()
	key := []byte("key")
	l, err := connection.Listen(context.Background(), "tcp", "127.0.0.1:0", connection.WithAuthKey(key), connection.WithCodec(msgpackLite{}))
	require.NoError(t, err)
	defer l.Close()
	served := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		for {
			v, err := c.Recv()
			var de *connection.DecodeError
			switch {
			case errors.As(err, &de):
				// The codec could not read it: say so, and carry on.
				v = map[string]any{"undecodable": de.Message}
			case err != nil:
				served <- err
				return
			}
			if err := c.Send(map[string]any{"echo": v}); err != nil {
				served <- err
				return
			}
		}
	}()
	c, err := connection.Dial(context.Background(), "tcp", l.Addr().String(), connection.WithAuthKey(key), connection.WithCodec(msgpackLite{}))
	require.NoError(t, err)
	defer c.Close()

	req := []any{"job", int64(7), 2.5, nil, true, []byte{1, 2}}
	require.NoError(t, c.Send(req))
	got, err := c.Recv()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"echo": req}, got)

	// A value the codec refuses sends nothing; the Conn stays usable.
	require.ErrorIs(t, c.Send(struct{}{}), errMsgpack)
	// A message it cannot read is a *DecodeError keeping the bytes, and
	// the connection stays usable.
	bad := []byte{0xdd, 0, 0, 0, 9}
	require.NoError(t, c.SendBytes(bad))
	got, err = c.Recv()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"echo": map[string]any{"undecodable": bad}}, got)
	require.NoError(t, c.Send("after"))
	got, err = c.Recv()
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"echo": "after"}, got)
	// Typed targets are the codec's business; this one has none.
	var s string
	require.NoError(t, c.Send("x"))
	err = c.RecvInto(&s)
	require.ErrorIs(t, err, connection.ErrDecode)
	require.ErrorIs(t, err, errMsgpack)

	c.Close()
	assert.Error(t, <-served)
}

// Any Codec replaces pickle for Send and Recv, here a small MessagePack
// subset written for the occasion (see msgpackLite in this file).
func ExampleWithCodec() {
	a, b, err := connection.Pipe(connection.WithCodec(msgpackLite{}))
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	a.Send(map[string]any{"method": "add", "args": []any{int64(1), int64(2)}})
	v, _ := b.Recv()
	fmt.Println(v)
	// Output: map[args:[1 2] method:add]
}
