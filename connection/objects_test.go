package connection

import (
	"errors"
	"math/big"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/pickle"
)

func pipePair(t *testing.T, opts ...Option) (*Conn, *Conn) {
	t.Helper()
	a, b, err := Pipe(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func TestSendRecvRoundTrip(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	set, err := pickle.NewSet("x", int64(1))
	require.NoError(t, err)
	shared := []any{"shared"}
	tests := []struct {
		name string
		send any
		want any
	}{
		{"none", nil, nil},
		{"int", 42, int64(42)},
		{"big int", new(big.Int).Lsh(big.NewInt(1), 100), new(big.Int).Lsh(big.NewInt(1), 100)},
		{"float", 2.5, 2.5},
		{"str", "héllo 🐍", "héllo 🐍"},
		{"bytes", []byte{0, 255}, []byte{0, 255}},
		{"list", []any{"a", 2.5, nil}, []any{"a", 2.5, nil}},
		{"tuple", pickle.Tuple{int64(1), "two"}, pickle.Tuple{int64(1), "two"}},
		{"set", set, set},
		{"global", pickle.Global{Module: "builtins", Name: "sum"}, pickle.Global{Module: "builtins", Name: "sum"}},
		{"shared", []any{shared, shared}, []any{shared, shared}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, a.Send(tt.send))
			got, err := b.Recv()
			require.NoError(t, err)
			assert.True(t, pickle.Equal(tt.want, got), "got %#v", got)
		})
	}
}

func TestSendRecvSharedReferencesStayShared(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	inner := []any{int64(1)}
	require.NoError(t, a.Send([]any{inner, inner}))
	got, err := b.Recv()
	require.NoError(t, err)
	outer := got.([]any)
	x, y := outer[0].([]any), outer[1].([]any)
	assert.Same(t, &x[0], &y[0], "one list referenced twice arrives as one list")
}

type job struct {
	ID   int     `pickle:"id"`
	Args []int   `pickle:"args"`
	Rate float64 `pickle:"rate"`
}

func TestRecvIntoAndRecvAs(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	want := job{ID: 7, Args: []int{1, 2, 3}, Rate: 0.5}
	require.NoError(t, a.Send(want))
	var got job
	require.NoError(t, b.RecvInto(&got))
	assert.Equal(t, want, got)

	require.NoError(t, a.Send(map[string]int{"a": 1}))
	m, err := RecvAs[map[string]int](b)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"a": 1}, m)
}

func TestUndecodableMessageKeepsBytesAndConnection(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	garbage := []byte("\x80\x04\xff not a pickle")
	require.NoError(t, a.SendBytes(garbage))
	_, err := b.Recv()
	require.ErrorIs(t, err, ErrDecode)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, garbage, de.Message, "the raw message is kept")
	var se *pickle.SyntaxError
	assert.ErrorAs(t, err, &se, "the pickle error is reachable")

	require.NoError(t, a.Send("next"))
	got, err := b.Recv()
	require.NoError(t, err, "the connection stays usable")
	assert.Equal(t, "next", got)

	require.NoError(t, a.Send("not a number"))
	var n int
	err = b.RecvInto(&n)
	var te *pickle.UnmarshalTypeError
	require.ErrorAs(t, err, &te)
	require.ErrorIs(t, err, ErrDecode)
}

func TestProtocolOption(t *testing.T) {
	t.Parallel()
	for _, proto := range []int{0, 2, 3, 4, 5} {
		a, b := pipePair(t, WithPickleOptions(pickle.WithProtocol(proto)))
		require.NoError(t, a.Send([]any{"x", int64(1)}))
		raw, err := b.RecvBytes()
		require.NoError(t, err)
		if proto >= 2 {
			assert.Equal(t, []byte{0x80, byte(proto)}, raw[:2])
		} else {
			assert.NotEqual(t, byte(0x80), raw[0], "protocols 0 and 1 have no PROTO opcode")
		}
		var back any
		require.NoError(t, pickle.Unmarshal(raw, &back))
		assert.True(t, pickle.Equal([]any{"x", int64(1)}, back))
	}
}

func TestPickleLimitsFromOptions(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t, WithPickleOptions(pickle.WithMaxDepth(3)))
	deep, err := pickle.Marshal([]any{[]any{[]any{[]any{[]any{"deep"}}}}})
	require.NoError(t, err)
	require.NoError(t, a.SendBytes(deep))
	_, err = b.Recv()
	require.ErrorIs(t, err, pickle.ErrLimit)
	require.ErrorIs(t, err, ErrDecode)
	require.NoError(t, a.Send([]any{"shallow"}))
	_, err = b.Recv()
	require.NoError(t, err)
}

type point struct {
	X, Y int
}

func TestRegistryFromOptions(t *testing.T) {
	t.Parallel()
	reg := pickle.NewRegistry()
	require.NoError(t, reg.Register("geometry", "Point", point{}))
	a, b := pipePair(t, WithPickleOptions(pickle.WithRegistry(reg)))
	require.NoError(t, a.Send(point{1, 2}))
	raw, err := b.RecvBytes()
	require.NoError(t, err)
	assert.Contains(t, string(raw), "geometry", "written as an instance of the registered class")

	require.NoError(t, a.Send(&point{3, 4}))
	got, err := b.Recv()
	require.NoError(t, err)
	assert.Equal(t, &point{3, 4}, got)
}

// One goroutine sends while another receives, as the Conn allows.
func TestConcurrentSendAndRecv(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	const n = 500
	var wg sync.WaitGroup
	wg.Add(2)
	errs := make(chan error, 2)
	go func() {
		defer wg.Done()
		for i := 0; i < n; i++ {
			if err := a.Send(job{ID: i, Args: []int{i}}); err != nil {
				errs <- err
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < n; i++ {
			var j job
			if err := b.RecvInto(&j); err != nil {
				errs <- err
				return
			}
			if j.ID != i || len(j.Args) != 1 || j.Args[0] != i {
				errs <- errors.New("out of order or corrupted")
				return
			}
			if err := b.Send(j.ID); err != nil {
				errs <- err
				return
			}
		}
	}()
	for i := 0; i < n; i++ {
		got, err := RecvAs[int](a)
		require.NoError(t, err)
		require.Equal(t, i, got)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestSendAfterCloseAndUnsupportedValues(t *testing.T) {
	t.Parallel()
	a, b := pipePair(t)
	require.Error(t, a.Send(make(chan int)), "a channel has no Python counterpart")
	require.NoError(t, a.Send("still fine"), "a failed encode sends nothing")
	got, err := b.Recv()
	require.NoError(t, err)
	assert.Equal(t, "still fine", got)

	require.NoError(t, a.Close())
	assert.ErrorIs(t, a.Send(1), net.ErrClosed)
}

func TestMatchPeerProtocol(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      []Option
		peerProto int // 0: the peer sends raw bytes, no pickle
		want      byte
	}{
		{"off: always the configured protocol", nil, 2, 4},
		{"a 2.7 peer gets protocol 2", []Option{MatchPeerProtocol()}, 2, 2},
		{"a 3.6 peer gets protocol 3", []Option{MatchPeerProtocol()}, 3, 3},
		{"never above the configured protocol", []Option{MatchPeerProtocol()}, 5, 4},
		{"raises nothing before the peer speaks", []Option{MatchPeerProtocol(), WithPickleOptions(pickle.WithProtocol(3))}, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server, peer := pipePair(t, tt.opts...)
			if tt.peerProto > 0 {
				msg, err := pickle.Marshal("hello", pickle.WithProtocol(tt.peerProto))
				require.NoError(t, err)
				require.NoError(t, peer.SendBytes(msg))
				_, err = server.Recv()
				require.NoError(t, err)
			}
			require.NoError(t, server.Send([]any{"reply", int64(1)}))
			raw, err := peer.RecvBytes()
			require.NoError(t, err)
			assert.Equal(t, []byte{0x80, tt.want}, raw[:2])
		})
	}
}
