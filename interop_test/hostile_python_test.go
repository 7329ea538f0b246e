package interop_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/pickle"
)

// TestHostilePythonPickles: a real CPython client of every version, once
// authenticated, sends pickle bombs with send_bytes (deep nesting, lengths
// claiming 2^60 bytes, memo abuse, huge integers, shared references meant
// for a typed target), each followed by an ordinary send() of its own. The
// Go Listener, with the limits SECURITY.md recommends for untrusted peers,
// turns each bomb into a *DecodeError naming the problem and then decodes
// the ordinary message: the stream stays in sync and the connection usable.
func TestHostilePythonPickles(t *testing.T) {
	le64 := func(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }
	var shared bytes.Buffer
	shared.WriteString("\x80\x02]q\x00(")
	for i := range 1000 {
		shared.Write([]byte{'M', byte(i), byte(i >> 8)})
	}
	shared.WriteString("e]q\x01(" + string(bytes.Repeat([]byte("h\x00"), 1000)) + "e](" + string(bytes.Repeat([]byte("h\x01"), 1000)) + "e.")
	bombs := []struct {
		name  string
		p     []byte
		typed bool
		want  error
	}{
		{"deep nesting", append(append([]byte("\x80\x02"), bytes.Repeat([]byte("]"), 20000)...), append(bytes.Repeat([]byte("a"), 19999), '.')...), false, pickle.ErrLimit},
		{"BINUNICODE8 of 2^60 bytes", append(append([]byte("\x80\x04\x8d"), le64(1<<60)...), "abc."...), false, io.ErrUnexpectedEOF},
		{"memo abuse", append(append([]byte("\x80\x04N"), bytes.Repeat([]byte("\x94"), 20000)...), '.'), false, pickle.ErrLimit},
		{"int of 50000 digits", append(append([]byte("I"), bytes.Repeat([]byte("9"), 50000)...), "\n."...), false, pickle.ErrLimit},
		{"shared references into [][][]int64", shared.Bytes(), true, pickle.ErrLimit},
	}
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, py)
			l, addr := goListen(t, "tcp", connection.WithAuthKey(testKey), connection.WithMaxMessageSize(1<<20),
				connection.WithPickleOptions(pickle.WithMaxMemo(1<<14), pickle.WithMaxDepth(200)))
			p.send(pyConnect("c", "tcp", addr, testKey))
			c, err := accept(t, l)
			require.NoError(t, err)
			requireOK(t, p.reply())
			for i, b := range bombs {
				requireOK(t, p.do(cmd{"op": "send_hex", "id": "c", "hex": hex.EncodeToString(b.p)}))
				requireOK(t, p.do(cmd{"op": "send_json", "id": "c", "value": map[string]any{"after": b.name, "n": i}}))
				if b.typed {
					var v [][][]int64
					err = c.RecvInto(&v)
				} else {
					_, err = c.Recv()
				}
				var de *connection.DecodeError
				require.ErrorAs(t, err, &de, b.name)
				require.ErrorIs(t, err, b.want, b.name)
				t.Logf("%s: %.160v", b.name, err)
				var after struct {
					After string `pickle:"after"`
					N     int    `pickle:"n"`
				}
				require.NoError(t, c.RecvInto(&after), "the message after %s", b.name)
				assert.Equal(t, b.name, after.After)
				assert.Equal(t, i, after.N)
			}
			require.NoError(t, c.Close())
		})
	}
}
