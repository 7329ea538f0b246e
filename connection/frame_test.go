package connection

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Spec 1.8: frames a 3.13 peer sends.
var goldenFrames = []struct {
	name    string
	payload string
	wire    string
}{
	{"empty", "", "00000000"},
	{"hello", "68656c6c6f", "00000005 68656c6c6f"},
	{"pickle list", "80049516000000000000005d94284b018c0374776f9443057468726565944e652e",
		"00000021 80049516000000000000005d94284b018c0374776f94 43057468726565944e652e"},
	{"pong", "706f6e67", "00000004 706f6e67"},
	{"pickle None", "80044e2e", "00000004 80044e2e"},
	{"pickle list proto 3", "80035d7100284b01580300000074776f71014305746872656571024e652e",
		"0000001e 80035d7100284b01580300000074776f710143057468726565 71024e652e"},
	{"pickle list proto 2", "80025d7101284b01580300000074776f71025505746872656571034e652e",
		"0000001e 80025d7101284b01580300000074776f7102550574687265 6571034e652e"},
}

func TestGoldenFramesSend(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenFrames {
		t.Run(tc.name, func(t *testing.T) {
			fc := newFakeConn(nil)
			c, err := Server(context.Background(), fc, InsecureSkipAuth())
			require.NoError(t, err)
			require.NoError(t, c.SendBytes(unhex(t, tc.payload)))
			assert.Equal(t, unhex(t, tc.wire), fc.out.Bytes())
			assert.Equal(t, []int{len(unhex(t, tc.wire))}, fc.writes, "one write")
		})
	}
}

func TestGoldenFramesRecv(t *testing.T) {
	t.Parallel()
	var wire []byte
	for _, tc := range goldenFrames {
		wire = append(wire, unhex(t, tc.wire)...)
	}
	c, err := Server(context.Background(), newFakeConn(wire), InsecureSkipAuth())
	require.NoError(t, err)
	for _, tc := range goldenFrames {
		got, err := c.RecvBytes()
		require.NoError(t, err, tc.name)
		assert.Equal(t, unhex(t, tc.payload), got, tc.name)
		assert.NotNil(t, got, "an empty message is an empty slice, not nil")
	}
	_, err = c.RecvBytes()
	assert.ErrorIs(t, err, io.EOF)
}

// CPython 3.x: header and payload in one write up to 16384 bytes, then a
// 4-byte header write and the payload (spec 1.2).
func TestWritePattern(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		size   int
		writes []int
	}{
		{0, []int{4}},
		{5, []int{9}},
		{1019, []int{1023}},
		{1020, []int{1024}},
		{1024, []int{1028}},
		{16384, []int{16388}},
		{16385, []int{4, 16385}},
		{100000, []int{4, 100000}},
	} {
		fc := newFakeConn(nil)
		c, err := Server(context.Background(), fc, InsecureSkipAuth())
		require.NoError(t, err)
		p := pattern(tc.size, 1)
		require.NoError(t, c.SendBytes(p))
		assert.Equal(t, tc.writes, fc.writes, "size %d", tc.size)
		out := fc.out.Bytes()
		assert.Equal(t, appendHeader(nil, uint64(tc.size)), out[:4])
		assert.Equal(t, p, out[4:])
	}
}

func TestHeaderEncoding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    uint64
		want string
	}{
		{0, "00000000"},
		{0x7fffffff, "7fffffff"},
		{0x80000000, "ffffffff 0000000080000000"},
		{1 << 40, "ffffffff 0000010000000000"},
	} {
		assert.Equal(t, unhex(t, tc.want), appendHeader(nil, tc.n), "%#x", tc.n)
	}
}

// Spec 1.6 and 1.1: odd headers. A Go receiver accepts the long form for any
// length and treats other negative lengths as a protocol error.
func TestOddHeaders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		wire  string
		limit uint64
		want  []string // payloads received before err
		err   error
	}{
		{"long form small payload", "ffffffff 0000000000000003 616263", DefaultMaxMessageSize, []string{"616263"}, io.EOF},
		{"long form empty payload", "ffffffff 0000000000000000 00000001 7a", DefaultMaxMessageSize, []string{"", "7a"}, io.EOF},
		{"long form over limit", "ffffffff 0000000000000003 616263", 2, nil, ErrMessageTooLarge},
		{"long form at limit", "ffffffff 0000000000000003 616263", 3, []string{"616263"}, io.EOF},
		{"minus two", "fffffffe 00000001 61", DefaultMaxMessageSize, nil, ErrProtocol},
		{"min int32", "80000000", DefaultMaxMessageSize, nil, ErrProtocol},
		{"0x80000001", "80000001 616263", DefaultMaxMessageSize, nil, ErrProtocol},
		{"long form beyond int", "ffffffff ffffffffffffffff", math.MaxUint64, nil, ErrMessageTooLarge},
		{"short header", "0000", DefaultMaxMessageSize, nil, io.ErrUnexpectedEOF},
		{"short long header", "ffffffff 000000", DefaultMaxMessageSize, nil, io.ErrUnexpectedEOF},
		{"short payload", "00000005 6869", DefaultMaxMessageSize, nil, io.ErrUnexpectedEOF},
		{"eof at boundary", "00000002 6869", DefaultMaxMessageSize, []string{"6869"}, io.EOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, rd := range []struct {
				name string
				wrap func(io.Reader) io.Reader
			}{{"whole", func(r io.Reader) io.Reader { return r }}, {"bytewise", iotest.OneByteReader}} {
				fr := frameReader{r: rd.wrap(bytes.NewReader(unhex(t, tc.wire)))}
				for _, w := range tc.want {
					got, err := fr.readFrame(tc.limit, nil)
					require.NoError(t, err, rd.name)
					assert.Equal(t, unhex(t, w), got, rd.name)
				}
				_, err := fr.readFrame(tc.limit, nil)
				require.ErrorIs(t, err, tc.err, rd.name)
			}
		})
	}
}

func TestMessageTooLargeError(t *testing.T) {
	t.Parallel()
	c, err := Server(context.Background(), newFakeConn(unhex(t, "00000011 "+string(bytes.Repeat([]byte("00"), 17)))),
		InsecureSkipAuth(), WithMaxMessageSize(16))
	require.NoError(t, err)
	_, err = c.RecvBytes()
	var tl *MessageTooLargeError
	require.ErrorAs(t, err, &tl)
	assert.Equal(t, uint64(17), tl.Size)
	assert.Equal(t, uint64(16), tl.Limit)
	assert.ErrorIs(t, err, ErrMessageTooLarge)
	assert.Contains(t, err.Error(), "17")
	assert.Contains(t, err.Error(), "WithMaxMessageSize")
}

// Poisoning: after an oversize or malformed header every receive returns the
// same error, and the payload is not consumed; sends still work.
func TestPoisoning(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		wire string
		err  error
	}{
		{"too large", "00000011" + string(bytes.Repeat([]byte("00"), 17)) + "00000001 61", ErrMessageTooLarge},
		{"negative", "fffffffe 00000001 61", ErrProtocol},
		{"eof mid message", "00000005 61", io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := newFakeConn(unhex(t, tc.wire))
			c, err := Server(context.Background(), fc, InsecureSkipAuth(), WithMaxMessageSize(16))
			require.NoError(t, err)
			_, first := c.RecvBytes()
			require.ErrorIs(t, first, tc.err)
			for range 3 {
				_, err := c.RecvBytes()
				assert.Equal(t, first, err)
				_, err = c.RecvBytesInto(make([]byte, 100))
				assert.Equal(t, first, err)
				_, err = c.Poll(0)
				assert.Equal(t, first, err)
			}
			require.NoError(t, c.SendBytes([]byte("still writable")))
			assert.Equal(t, append(appendHeader(nil, 14), "still writable"...), fc.out.Bytes())
		})
	}
}

// A header claiming an enormous payload allocates nothing much until bytes
// arrive.
//
// Not parallel, and the least of a few tries: TotalAlloc counts every
// goroutine's allocations, and other tests' would make it flaky.
func TestLyingHeaderDoesNotAllocate(t *testing.T) {
	wire := append(unhex(t, "ffffffff 4000000000000000"), make([]byte, 1000)...)
	least := uint64(math.MaxUint64)
	for range 5 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		fr := frameReader{r: bytes.NewReader(wire)}
		_, err := fr.readFrame(math.MaxUint64, nil)
		runtime.ReadMemStats(&after)
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	assert.Less(t, least, uint64(1<<20), "bytes allocated for a 2^62-byte header")
}

// The payload buffer grows with the data: a large message arrives whole
// whatever the read sizes.
func TestGrowingPayload(t *testing.T) {
	t.Parallel()
	for _, size := range []int{firstChunk - 1, firstChunk, firstChunk + 1, 3*firstChunk + 5, 1 << 20} {
		p := pattern(size, 3)
		wire := append(appendHeader(nil, uint64(size)), p...)
		fr := frameReader{r: iotest.HalfReader(bytes.NewReader(wire))}
		got, err := fr.readFrame(DefaultMaxMessageSize, nil)
		require.NoError(t, err)
		assert.Equal(t, p, got, "size %d", size)
		assert.LessOrEqual(t, cap(got), size, "never more than the declared size")
	}
}

// timeoutReader returns os.ErrDeadlineExceeded once after every chunk.
type timeoutReader struct {
	chunks [][]byte
	tick   bool
}

func (r *timeoutReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	if r.tick {
		r.tick = false
		return 0, os.ErrDeadlineExceeded
	}
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	if len(r.chunks[0]) == 0 {
		r.chunks = r.chunks[1:]
		r.tick = true
	}
	return n, nil
}

// A deadline in the middle of a message loses nothing: the next receive
// resumes it.
func TestResumeAfterTimeout(t *testing.T) {
	t.Parallel()
	big := pattern(100000, 9)
	wire := append(append(unhex(t, "ffffffff 00000000000186a0"), big...), unhex(t, "00000002 6869")...)
	splits := [][]int{{1}, {3, 4}, {4, 10}, {12, 1000}, {5000, 70000, 99999}}
	for _, cut := range splits {
		for _, into := range []int{0, 10, 100000, 200000} {
			var chunks [][]byte
			prev := 0
			for _, c := range cut {
				chunks = append(chunks, wire[prev:c])
				prev = c
			}
			chunks = append(chunks, wire[prev:])
			fr := frameReader{r: &timeoutReader{chunks: chunks}}
			buf := make([]byte, into)
			var got []byte
			for {
				msg, err := fr.readFrame(DefaultMaxMessageSize, buf)
				if errors.Is(err, os.ErrDeadlineExceeded) {
					continue
				}
				require.NoError(t, err)
				got = msg
				break
			}
			assert.Equal(t, big, got, "cut %v into %d", cut, into)
			msg, err := fr.readFrame(DefaultMaxMessageSize, nil)
			for errors.Is(err, os.ErrDeadlineExceeded) {
				msg, err = fr.readFrame(DefaultMaxMessageSize, nil)
			}
			require.NoError(t, err)
			assert.Equal(t, []byte("hi"), msg)
		}
	}
}

// Sending more than 2 GiB uses the long header. It needs ~2 GiB of memory
// per side, so it only runs with MPCONN_LONG=1.
func TestSendLongForm(t *testing.T) {
	t.Parallel()
	if os.Getenv("MPCONN_LONG") != "1" {
		t.Skip("set MPCONN_LONG=1 to send a 2 GiB + 1 message")
	}
	a, b, err := Pipe(WithMaxMessageSize(math.MaxUint64))
	require.NoError(t, err)
	defer a.Close()
	defer b.Close()
	const n = 1<<31 + 1
	p := make([]byte, n)
	p[0], p[n-1] = 1, 2
	errc := make(chan error, 1)
	go func() { errc <- a.SendBytes(p) }()
	got, err := b.RecvBytes()
	require.NoError(t, err)
	require.NoError(t, <-errc)
	require.Len(t, got, n)
	assert.Equal(t, byte(1), got[0])
	assert.Equal(t, byte(2), got[n-1])
}
