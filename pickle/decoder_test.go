package pickle

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countReads counts the Read calls a Decoder makes.
type countReads struct {
	r     io.Reader
	calls int
}

func (c *countReads) Read(p []byte) (int, error) {
	c.calls++
	return c.r.Read(p)
}

// decodeCost decodes data through a reader that is not an io.ByteReader and
// returns what it cost in deterministic measures: Read calls, bytes the
// Decoder copied within its buffer, and bytes allocated.
func decodeCost(t *testing.T, data []byte) (reads int, moved, allocated int64) {
	t.Helper()
	r := &countReads{r: bytes.NewReader(data)}
	dec := NewDecoder(r)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var v any
	require.NoError(t, dec.Decode(&v))
	runtime.ReadMemStats(&after)
	require.Equal(t, int64(len(data)), dec.InputOffset())
	return r.calls, dec.moved, int64(after.TotalAlloc - before.TotalAlloc)
}

// TestDecoderLinear: streaming a pickle through a plain io.Reader (as
// *os.File, net.Conn and gzip.Reader are) costs time linear in its size.
// Measured without a clock: the reads, the bytes copied and the bytes
// allocated for 100 times the data stay within 150 times (they were
// quadratic: the buffer grew by the few bytes each opcode needed and was
// copied whole each time, 87 MB allocated for a 20 KB pickle, 9.4 GB for
// 200 KB).
func TestDecoderLinear(t *testing.T) {
	for _, c := range []struct {
		name       string
		small, big []byte
	}{
		{"unframed protocol 2", streamRecords(t, 2, 200), streamRecords(t, 2, 20000)},
		{"framed protocol 4", streamRecords(t, 4, 200), streamRecords(t, 4, 20000)},
		{"bytes payload", bigBytesPickle(t, 1<<16), bigBytesPickle(t, 100<<16)},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, allocSmall := decodeCost(t, c.small)
			reads, moved, allocBig := decodeCost(t, c.big)
			n := int64(len(c.big))
			t.Logf("%d bytes: %d reads, %d bytes moved, %d allocated (%d for %d bytes)", n, reads, moved, allocBig, allocSmall, len(c.small))
			assert.LessOrEqual(t, moved, 2*n, "bytes copied within the buffer")
			assert.LessOrEqual(t, reads, 32, "Read calls for %d bytes", n)
			assert.LessOrEqual(t, float64(allocBig)/float64(allocSmall), 150.0,
				"allocated %d bytes for %d bytes of pickle, %d for %d", allocBig, n, allocSmall, len(c.small))
		})
	}
}

func TestDecoderBufferedAndOffsets(t *testing.T) {
	var stream bytes.Buffer
	first, _ := Marshal([]any{1, "two"}, WithProtocol(2))
	second, _ := Marshal("x", WithProtocol(4))
	stream.Write(first)
	stream.Write(second)
	stream.WriteString("trailing bytes")
	dec := NewDecoder(plainReader{bytes.NewReader(stream.Bytes())})
	var v any
	require.NoError(t, dec.Decode(&v))
	assert.Equal(t, int64(len(first)), dec.InputOffset())
	require.NoError(t, dec.Decode(&v))
	assert.Equal(t, "x", v)
	assert.Equal(t, int64(len(first)+len(second)), dec.InputOffset())
	rest, err := io.ReadAll(dec.Buffered())
	require.NoError(t, err)
	assert.Equal(t, "trailing bytes", string(rest), "what was read past STOP")
}

func TestDecoderErrors(t *testing.T) {
	good, _ := Marshal([]any{1, 2})
	str, _ := Marshal("not a number")
	t.Run("a syntax error ends the stream", func(t *testing.T) {
		stream := append(append(append([]byte{}, good...), "\x80\x02K\x01\xff."...), good...)
		dec := NewDecoder(bytes.NewReader(stream))
		var v any
		require.NoError(t, dec.Decode(&v))
		err := dec.Decode(&v)
		var se *SyntaxError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, int64(len(good)+4), se.Offset)
		assert.Equal(t, err, dec.Decode(&v), "not resumed in the middle of the stream")
	})
	t.Run("a type error does not", func(t *testing.T) {
		stream := append(append([]byte{}, str...), good...)
		dec := NewDecoder(bytes.NewReader(stream))
		var n int
		var te *UnmarshalTypeError
		require.ErrorAs(t, dec.Decode(&n), &te)
		var v []int
		require.NoError(t, dec.Decode(&v), "the next pickle")
		assert.Equal(t, []int{1, 2}, v)
		assert.Equal(t, io.EOF, dec.Decode(&v))
	})
	t.Run("read errors", func(t *testing.T) {
		boom := errors.New("boom")
		dec := NewDecoder(io.MultiReader(bytes.NewReader(good[:5]), errReader{boom}))
		var v any
		require.ErrorIs(t, dec.Decode(&v), boom)
		require.ErrorIs(t, dec.Decode(&v), boom)
	})
	t.Run("a reader that makes no progress", func(t *testing.T) {
		var v any
		require.ErrorIs(t, NewDecoder(errReader{nil}).Decode(&v), io.ErrNoProgress)
	})
	t.Run("invalid options", func(t *testing.T) {
		var v any
		require.ErrorContains(t, NewDecoder(bytes.NewReader(good), WithMaxDepth(-1)).Decode(&v), "WithMaxDepth(-1)")
	})
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// A length a pickle declares costs nothing until its bytes arrive.
func TestDecoderMemoryFollowsBytes(t *testing.T) {
	var p bytes.Buffer
	p.WriteString("\x80\x04\x8e\x00\x00\x00\x30\x00\x00\x00\x00") // BINBYTES8 of 768 MiB
	p.Write(make([]byte, 1<<20))                                  // of which 1 MiB arrives
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var v any
	err := NewDecoder(plainReader{bytes.NewReader(p.Bytes())}).Decode(&v)
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20))
}
