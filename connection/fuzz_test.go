package connection

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"time"

	"github.com/mpconn/mpconn/auth"
)

// FuzzReadFrame feeds arbitrary bytes to the frame reader, whole or in
// pieces, with arbitrary limits: it must never panic, never return a message
// over the limit, stay poisoned once poisoned, and agree with a plain
// reference parser.
func FuzzReadFrame(f *testing.F) {
	for _, seed := range []string{
		"",
		"00000000",
		"0000000568656c6c6f",
		"00000004706f6e670000000480044e2e",
		"ffffffff0000000000000003616263",
		"fffffffe0000000161",
		"80000001616263",
		"ffffffff4000000000000000",
		"ffffffffffffffffffffffff",
		"0000",
		"0000000561",
		"00000011" + "0000000000000000000000000000000000",
	} {
		b, _ := hexDecode(seed)
		f.Add(b, uint16(16), uint8(0))
		f.Add(b, uint16(0), uint8(1))
		f.Add(b, uint16(1000), uint8(2))
	}
	f.Fuzz(func(t *testing.T, wire []byte, limit uint16, mode uint8) {
		var r io.Reader = bytes.NewReader(wire)
		switch mode % 4 {
		case 1:
			r = iotest.OneByteReader(r)
		case 2:
			r = iotest.HalfReader(r)
		case 3:
			r = iotest.DataErrReader(r)
		}
		fr := frameReader{r: r}
		want := referenceFrames(wire, uint64(limit))
		var poison error
		for i := 0; ; i++ {
			var into []byte
			if mode&4 != 0 {
				into = make([]byte, int(mode)%64)
			}
			msg, err := fr.readFrame(uint64(limit), into)
			if poison != nil {
				if err != poison {
					t.Fatalf("poisoned with %v, then got %v", poison, err)
				}
				return
			}
			if err != nil {
				if i != len(want.msgs) || !errors.Is(err, want.err) {
					t.Fatalf("frame %d: got %v, reference %d messages then %v", i, err, len(want.msgs), want.err)
				}
				if !errors.Is(err, io.EOF) {
					poison = err
					continue
				}
				return
			}
			if uint64(len(msg)) > uint64(limit) {
				t.Fatalf("message of %d bytes over limit %d", len(msg), limit)
			}
			if i >= len(want.msgs) || !bytes.Equal(msg, want.msgs[i]) {
				t.Fatalf("frame %d: got %x", i, msg)
			}
		}
	})
}

type refResult struct {
	msgs [][]byte
	err  error
}

// referenceFrames parses wire the simple way, trusting nothing.
func referenceFrames(wire []byte, limit uint64) refResult {
	var res refResult
	for {
		if len(wire) == 0 {
			res.err = io.EOF
			return res
		}
		if len(wire) < 4 {
			res.err = io.ErrUnexpectedEOF
			return res
		}
		n := int32(uint32(wire[0])<<24 | uint32(wire[1])<<16 | uint32(wire[2])<<8 | uint32(wire[3]))
		wire = wire[4:]
		var size uint64
		switch {
		case n == -1:
			if len(wire) < 8 {
				res.err = io.ErrUnexpectedEOF
				return res
			}
			for _, b := range wire[:8] {
				size = size<<8 | uint64(b)
			}
			wire = wire[8:]
		case n < 0:
			res.err = ErrProtocol
			return res
		default:
			size = uint64(n)
		}
		if size > limit {
			res.err = ErrMessageTooLarge
			return res
		}
		if uint64(len(wire)) < size {
			res.err = io.ErrUnexpectedEOF
			return res
		}
		res.msgs = append(res.msgs, wire[:size])
		wire = wire[size:]
	}
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }

// Client frames of golden transcript G1 (spec 2.8), as the listener
// receives them, and the listener frames, as the client receives them.
const (
	g1ClientFrames = "000000287b7368613235367dfc57fbe650d6124b98215e7b5d197d5807ad69982d275a9735ea2d56f1fa6989" +
		"0000003b234348414c4c454e4745237b7368613235367d404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f6061626364656667" +
		"000000092357454c434f4d4523"
	g1ListenerFrames = "0000003b234348414c4c454e4745237b7368613235367d000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627" +
		"000000092357454c434f4d4523" +
		"000000287b7368613235367d86ee889301f50c0623fcbcfa57962db6c25c73e7a8e6490939a4a0bf7c018fd7"
	g2ClientFrames   = "000000107defa9cc46abc3583325d17ccda75190" + "0000001f234348414c4c454e474523404142434445464748494a4b4c4d4e4f50515253" + "000000092357454c434f4d4523"
	g2ListenerFrames = "0000001f234348414c4c454e474523000102030405060708090a0b0c0d0e0f10111213" + "000000092357454c434f4d4523" + "0000001014ec56402aa6b6d8629d67848ffdfa71"
)

func handshakeSeeds(f *testing.F, frames ...string) {
	for _, s := range frames {
		b, err := hexDecode(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		for _, cut := range []int{0, 3, 4, 20, len(b) / 2, len(b) - 1} {
			if cut < len(b) {
				f.Add(b[:cut])
				mutated := append([]byte(nil), b...)
				mutated[cut] ^= 0x55
				f.Add(mutated)
			}
		}
	}
	f.Add([]byte("\x00\x00\x01\x37" + string(make([]byte, 311))))
	f.Add([]byte("\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x10#FAILURE#"))
	f.Add([]byte("\x00\x00\x00\x09#FAILURE#"))
	f.Add([]byte("\x00\x00\x00\x05hello"))
}

// runHandshake runs one side of the handshake against hostile bytes. The
// fake peer's bytes run out, so the handshake ends with an error at worst;
// the deadline guards against a hang all the same.
func runHandshake(t *testing.T, wire []byte, server bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		opts := []Option{WithAuthKey([]byte("secret")), WithHandshakeTimeout(time.Second),
			WithAuthOptions(auth.WithRandom(&counter{next: map[bool]byte{true: 0x00, false: 0x40}[server]}))}
		var c *Conn
		var err error
		if server {
			c, err = Server(context.Background(), newFakeConn(wire), opts...)
		} else {
			c, err = Client(context.Background(), newFakeConn(wire), opts...)
		}
		if err == nil {
			c.Close()
			return
		}
		if !errors.Is(err, ErrHandshake) {
			t.Errorf("error does not match ErrHandshake: %v", err)
		}
		if bytes.Contains([]byte(err.Error()), []byte("secret")) {
			t.Errorf("key in error: %v", err)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("handshake hung")
	}
}

func FuzzServerHandshake(f *testing.F) {
	handshakeSeeds(f, g1ClientFrames, g2ClientFrames)
	f.Fuzz(func(t *testing.T, wire []byte) { runHandshake(t, wire, true) })
}

func FuzzClientHandshake(f *testing.F) {
	handshakeSeeds(f, g1ListenerFrames, g2ListenerFrames)
	f.Fuzz(func(t *testing.T, wire []byte) { runHandshake(t, wire, false) })
}

// The golden seeds really complete a handshake, so the fuzzer starts from
// the successful path.
func TestFuzzSeedsSucceed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		frames string
		server bool
		opts   []Option
	}{
		{g1ClientFrames, true, nil},
		{g1ListenerFrames, false, nil},
		{g2ClientFrames, true, []Option{WithAuthOptions(auth.WithLegacyChallenge())}},
		{g2ListenerFrames, false, []Option{WithAuthOptions(auth.WithLegacyChallenge())}},
	} {
		wire, err := hexDecode(tc.frames)
		if err != nil {
			t.Fatal(err)
		}
		opts := append(tc.opts, WithAuthKey([]byte("secret")),
			WithAuthOptions(auth.WithRandom(&counter{next: map[bool]byte{true: 0x00, false: 0x40}[tc.server]})))
		if tc.server {
			_, err = Server(context.Background(), newFakeConn(wire), opts...)
		} else {
			_, err = Client(context.Background(), newFakeConn(wire), opts...)
		}
		if err != nil {
			t.Errorf("server=%v: %v", tc.server, err)
		}
	}
}
