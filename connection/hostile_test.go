package connection

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
	"github.com/mpconn/mpconn/pickle"
)

// The hostile-peer suite: every case runs against a real Listener or Dial
// over loopback TCP, checks the error, that nothing panics, that no
// goroutine is left behind, and that the peak heap growth stays under a
// stated bound relative to the bytes the peer actually sent (heapBound
// unless a case says otherwise).

func frame(payload []byte) []byte { return append(appendHeader(nil, uint64(len(payload))), payload...) }

func be32(n int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

func le32(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }

func le64(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// authedPeer returns the Listener's side of an authenticated connection and
// the peer's raw socket, on which the test then writes whatever it likes:
// the peer knows the key and is hostile all the same.
func authedPeer(t *testing.T, opts ...Option) (*Conn, net.Conn) {
	t.Helper()
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", append([]Option{WithAuthKey(secret)}, opts...)...)
	require.NoError(t, err)
	defer l.Close()
	raw, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { raw.Close() })
	errc := make(chan error, 1)
	go func() {
		_, err := Client(context.Background(), raw, WithAuthKey(secret))
		errc <- err
	}()
	s, err := l.Accept()
	require.NoError(t, err)
	require.NoError(t, <-errc)
	t.Cleanup(func() { s.Close() })
	return s, raw
}

// writeAndClose sends wire from a goroutine (a big write blocks until read)
// and closes the connection after it.
func writeAndClose(nc net.Conn, wire []byte) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = nc.Write(wire)
		nc.Close()
	}()
	return done
}

// Frames that claim more than they carry, negative lengths, truncation: a
// clear error, the receive side poisoned (the same error again), and memory
// in proportion to what arrived, never to what the header claims.
func TestHostileFrames(t *testing.T) {
	oneMiB := bytes.Repeat([]byte{0xAB}, 1<<20)
	huge := WithMaxMessageSize(1 << 63)
	for _, tc := range []struct {
		name string
		wire []byte
		opts []Option
		want error
	}{
		{"2 GiB header then close", be32(0x7fffffff), nil, ErrMessageTooLarge},
		{"2 GiB header then close, no limit", be32(0x7fffffff), []Option{huge}, io.ErrUnexpectedEOF},
		{"2^62 header then close", cat(be32(-1), binary.BigEndian.AppendUint64(nil, 1<<62)), nil, ErrMessageTooLarge},
		{"2^62 header then close, no limit", cat(be32(-1), binary.BigEndian.AppendUint64(nil, 1<<62)), []Option{huge}, io.ErrUnexpectedEOF},
		{"2^64-1 header, no limit", cat(be32(-1), binary.BigEndian.AppendUint64(nil, 1<<64-1)), []Option{huge}, ErrMessageTooLarge},
		{"2 GiB header, 1 MiB, close, no limit", cat(be32(0x7fffffff), oneMiB), []Option{huge}, io.ErrUnexpectedEOF},
		{"length -2", be32(-2), nil, ErrProtocol},
		{"length -1000", cat(be32(-1000), []byte("junk")), nil, ErrProtocol},
		{"length MinInt32", be32(-1 << 31), nil, ErrProtocol},
		{"truncated header", []byte{0, 0}, nil, io.ErrUnexpectedEOF},
		{"truncated long header", cat(be32(-1), []byte{0, 0, 0}), nil, io.ErrUnexpectedEOF},
		{"truncated payload", cat(be32(100), make([]byte, 50)), nil, io.ErrUnexpectedEOF},
		{"good frame then truncated", cat(frame([]byte("\x80\x02K\x01.")), be32(1<<20), oneMiB[:1000]), nil, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			goroutineCheck(t)
			s, raw := authedPeer(t, tc.opts...)
			m := startHeapMeter()
			done := writeAndClose(raw, tc.wire)
			var err error
			for {
				if _, err = s.Recv(); err != nil {
					break
				}
			}
			<-done
			checkHeap(t, m, tc.name, len(tc.wire), heapBound(len(tc.wire)))
			require.ErrorIs(t, err, tc.want)
			_, err2 := s.RecvBytes()
			assert.Equal(t, err, err2, "poisoned: the same error again")
			ok, err3 := s.Poll(0)
			assert.False(t, ok)
			assert.Equal(t, err, err3, "Poll reports the poisoning too")
			if errors.Is(err, ErrMessageTooLarge) {
				var me *MessageTooLargeError
				require.ErrorAs(t, err, &me)
				assert.Contains(t, err.Error(), "limit")
			}
		})
	}
}

// A peer that trickles a message and stalls in the middle of its header: a
// read deadline cuts the receive without losing anything (the next receive
// resumes the message), and the peer holds only its own connection.
func TestHostileTrickleAfterHandshake(t *testing.T) {
	goroutineCheck(t)
	s, raw := authedPeer(t)
	msg := frame([]byte("\x80\x02K\x2a."))
	stalled := make(chan struct{})
	go func() {
		for i, b := range msg {
			if i == 3 {
				<-stalled // until the receive has given up
			}
			if _, err := raw.Write([]byte{b}); err != nil {
				return
			}
		}
	}()
	require.NoError(t, s.SetReadDeadline(time.Now().Add(100*time.Millisecond)))
	_, err := s.Recv()
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	close(stalled)
	require.NoError(t, s.SetReadDeadline(time.Now().Add(hangGuard)))
	v, err := s.Recv()
	require.NoError(t, err, "the message resumes where the deadline cut it")
	assert.Equal(t, int64(42), v)
}

// Pickle bombs sent by an authenticated peer: each is a *DecodeError naming
// the limit or the malformation, the Conn stays usable (the next message
// decodes), and memory stays bounded.
func TestHostilePickleBombs(t *testing.T) {
	deepLists := cat([]byte("\x80\x02"), bytes.Repeat([]byte("]"), 100000), bytes.Repeat([]byte("a"), 99999), []byte("."))
	deepMarks := cat([]byte("\x80\x02"), bytes.Repeat([]byte("("), 200000), []byte("N."))
	deepDicts := cat([]byte("\x80\x02}"), bytes.Repeat([]byte("K\x01}"), 50000), bytes.Repeat([]byte("s"), 50000), []byte("."))
	// Shared references: a list of 1000 ints, referenced 1000 times by a
	// list referenced 1000 times: 10^9 ints in a few KiB, for a typed target.
	var shared bytes.Buffer
	shared.WriteString("\x80\x02]q\x00(")
	for i := range 1000 {
		shared.WriteString("M")
		shared.Write([]byte{byte(i), byte(i >> 8)})
	}
	shared.WriteString("e]q\x01(" + strings.Repeat("h\x00", 1000) + "e](" + strings.Repeat("h\x01", 1000) + "e.")
	// One 64 KiB bytes (or str), fetched from the memo 10,000 times: 640
	// MiB if each GET were a copy.
	fetched := func(op string) []byte {
		return cat([]byte("\x80\x03]q\x00("+op), le32(1<<16), make([]byte, 1<<16), []byte("q\x01"), bytes.Repeat([]byte("h\x01"), 10000), []byte("e."))
	}
	// bytearray(b) of one 64 KiB bytes, called 10,000 times: each call
	// copies it (in CPython too).
	copies := cat([]byte("\x80\x03cbuiltins\nbytearray\nq\x000B"), le32(1<<16), make([]byte, 1<<16),
		[]byte("q\x010]q\x02("), bytes.Repeat([]byte("h\x00h\x01\x85R"), 10000), []byte("e."))
	// _codecs.encode(s, 'latin1') of one 64 KiB str, 10,000 times.
	encodes := cat([]byte("\x80\x03c_codecs\nencode\nq\x000X"), le32(1<<16), bytes.Repeat([]byte("a"), 1<<16),
		[]byte("q\x010X\x06\x00\x00\x00latin1q\x020]q\x03("), bytes.Repeat([]byte("h\x00h\x01h\x02\x86R"), 10000), []byte("e."))
	// set(l) of one list of 10,000 ints, called 10,000 times.
	var ints bytes.Buffer
	for i := range 10000 {
		ints.Write([]byte{'M', byte(i), byte(i >> 8)})
	}
	sets := cat([]byte("\x80\x03cbuiltins\nset\nq\x000]q\x01("), ints.Bytes(),
		[]byte("e0]q\x02("), bytes.Repeat([]byte("h\x00h\x01\x85R"), 10000), []byte("e."))
	// Memo abuse: one MEMOIZE per byte, two million of them.
	memo := cat([]byte("\x80\x04N"), bytes.Repeat([]byte("\x94"), 2<<20), []byte("."))

	type tc struct {
		name  string
		p     []byte
		into  func() any
		bound func(n int) uint64
		want  error // nil: CPython loads it too, and so do we
	}
	anyV := func() any { var v any; return &v }
	typed := func() any { var v [][][]int64; return &v }
	cases := []tc{
		{"deep list nesting", deepLists, anyV, decodeBound, pickle.ErrLimit},
		{"deep MARK nesting", deepMarks, anyV, decodeBound, nil},
		{"deep dict nesting", deepDicts, anyV, decodeBound, pickle.ErrLimit},
		{"BINUNICODE8 of 2^60 bytes", cat([]byte("\x80\x04\x8d"), le64(1<<60), []byte("abc.")), anyV, heapBound, io.ErrUnexpectedEOF},
		{"BINBYTES8 of 2^63 bytes", cat([]byte("\x80\x04\x8e"), le64(1<<63), []byte("abc.")), anyV, heapBound, io.ErrUnexpectedEOF},
		{"BYTEARRAY8 of 2^62 bytes", cat([]byte("\x80\x05\x96"), le64(1<<62), []byte("abc.")), anyV, heapBound, io.ErrUnexpectedEOF},
		{"FRAME of 2^62 bytes", cat([]byte("\x80\x04\x95"), le64(1<<62), []byte("N.")), anyV, heapBound, io.ErrUnexpectedEOF},
		{"BINSTRING of 2 GiB", cat([]byte("\x80\x02T"), le32(0x7fffffff), []byte("abc.")), anyV, heapBound, io.ErrUnexpectedEOF},
		{"LONG4 of 2 GiB", cat([]byte("\x80\x02\x8b"), le32(0x7fffffff), []byte("abc.")), anyV, heapBound, io.ErrUnexpectedEOF},
		{"LONG_BINPUT at 2^32-1", cat([]byte("\x80\x02N\x72"), le32(0xffffffff), []byte("j"), le32(0xffffffff), []byte(".")), anyV, heapBound, nil},
		{"LONG_BINGET of a missing entry", cat([]byte("\x80\x02j"), le32(0xfffffffe), []byte(".")), anyV, heapBound, errAny},
		{"two million MEMOIZE", memo, anyV, decodeBound, pickle.ErrLimit},
		{"int of 100000 digits (protocol 0)", cat([]byte("L"), bytes.Repeat([]byte("9"), 100000), []byte("L\n.")), anyV, decodeBound, pickle.ErrLimit},
		{"INT of 100000 digits", cat([]byte("I"), bytes.Repeat([]byte("7"), 100000), []byte("\n.")), anyV, decodeBound, pickle.ErrLimit},
		{"LONG4 of 1 MiB (a valid 8-Mbit int)", cat([]byte("\x80\x02\x8b"), le32(1<<20), bytes.Repeat([]byte{0x5a}, 1<<20), []byte(".")), anyV, decodeBound, nil},
		{"shared references into [][][]int64", shared.Bytes(), typed, expansionBound, pickle.ErrLimit},
		{"a bytes fetched 10,000 times", fetched("B"), anyV, decodeBound, nil},
		{"a bytes fetched 10,000 times into [][]byte", fetched("B"), func() any { return new([][]byte) }, decodeBound, nil},
		{"a bytes fetched 10,000 times into []string", fetched("B"), func() any { return new([]string) }, expansionBound, pickle.ErrLimit},
		{"a str fetched 10,000 times into [][]byte", fetched("X"), func() any { return new([][]byte) }, expansionBound, pickle.ErrLimit},
		{"bytearray(b) of one bytes 10,000 times", copies, anyV, expansionBound, pickle.ErrLimit},
		{"_codecs.encode(s) of one str 10,000 times", encodes, anyV, expansionBound, pickle.ErrLimit},
		{"set(l) of one 10,000-item list 10,000 times", sets, anyV, expansionBound, pickle.ErrLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			goroutineCheck(t)
			s, raw := authedPeer(t)
			wire := cat(frame(c.p), frame([]byte("\x80\x02K\x07.")))
			m := startHeapMeter()
			go func() { _, _ = raw.Write(wire) }()
			err := s.RecvInto(c.into())
			checkHeap(t, m, c.name, len(wire), c.bound(len(wire)))
			if c.want == nil {
				require.NoError(t, err, "CPython loads this pickle")
				v, err := s.Recv()
				require.NoError(t, err)
				assert.Equal(t, int64(7), v)
				return
			}
			var de *DecodeError
			require.ErrorAs(t, err, &de, "a bomb is a *DecodeError")
			require.ErrorIs(t, err, ErrDecode)
			if c.want != errAny {
				require.ErrorIs(t, err, c.want)
			}
			assert.Equal(t, len(c.p), len(de.Message), "the raw message is kept")
			t.Logf("%s: %.200v", c.name, err)
			v, err := s.Recv()
			require.NoError(t, err, "the connection stays usable")
			assert.Equal(t, int64(7), v)
		})
	}
}

// XML-RPC bombs sent by an authenticated peer to a Conn using the XMLRPC
// codec: entity expansion, nesting far beyond MaxDepth, a megabyte of
// tiny values. Each is a *DecodeError or decodes, memory stays within the
// bound, and the next message decodes.
func TestHostileXMLRPC(t *testing.T) {
	const mib = 1 << 20
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
		`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>` +
		xmlParams("<value><string>&lol2;</string></value>")
	open := "<value><array><data>"
	deep := "<params><param>" + strings.Repeat(open, mib/len(open))
	flat := func(item string) string {
		return xmlParams("<value><array><data>" + strings.Repeat(item, mib/len(item)) + "</data></array></value>")
	}
	var members strings.Builder
	for i := 0; members.Len() < mib; i++ {
		fmt.Fprintf(&members, "<member><name>k%d</name><value/></member>", i)
	}
	for _, c := range []struct {
		name string
		msg  string
		want string // "" when it decodes
	}{
		{"billion laughs", laughs, "no DTD is accepted"},
		{"undeclared entity", xmlParams("<value>&lol9;</value>"), "invalid character entity"},
		{"1 MiB of nested arrays", deep, "nesting deeper than 10000 levels"},
		{"1 MiB of empty values", flat("<value/>"), ""},
		{"1 MiB of empty structs", flat("<value><struct></struct></value>"), ""},
		{"1 MiB of distinct struct members", xmlParams("<value><struct>" + members.String() + "</struct></value>"), ""},
		{"1 MiB of character references", xmlParams("<value>" + strings.Repeat("&#x10FFFF;", mib/10) + "</value>"), ""},
		{"an unterminated megabyte", "<params><param><value><string>" + strings.Repeat("x", mib), "unexpected EOF"},
	} {
		t.Run(c.name, func(t *testing.T) {
			goroutineCheck(t)
			s, raw := authedPeer(t, WithCodec(XMLRPC{}))
			next, err := XMLRPC{}.Marshal("next")
			require.NoError(t, err)
			wire := cat(frame([]byte(c.msg)), frame(next))
			m := startHeapMeter()
			go func() { _, _ = raw.Write(wire) }()
			_, err = s.Recv()
			checkHeap(t, m, "xmlrpc: "+c.name, len(wire), xmlBound(len(wire)))
			if c.want == "" {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrDecode)
				require.ErrorIs(t, err, ErrXMLRPC)
				assert.ErrorContains(t, err, c.want)
			}
			v, err := s.Recv()
			require.NoError(t, err, "the connection stays usable")
			assert.Equal(t, "next", v)
		})
	}
}

// xmlBound is the stated bound for XML-RPC messages: peak heap growth at
// most 16 bytes per byte received + 1 MiB. The message itself is held
// while it is decoded, encoding/xml copies what it returns, and every
// <value/> (8 bytes) becomes an interface in a slice that doubles as it
// grows; about 5.5 bytes per byte were measured for a megabyte of them.
func xmlBound(received int) uint64 { return 16*uint64(received) + 1<<20 }

// errAny: any *DecodeError will do.
var errAny = errors.New("any decode error")

// decodeBound is the stated bound for pickles whose opcodes each make a
// value: a 1-byte EMPTY_LIST or MEMOIZE is a node or memo entry of the
// decoder (arenas that double as they grow) and then a Go value, as each
// is a Python object in CPython. Peak heap growth at most 160 bytes per
// byte received + 1 MiB (about 100 B/byte measured for 100000 nested lists).
// The totals are capped besides by WithMaxDepth, WithMaxMemo and the
// message size limit.
func decodeBound(received int) uint64 { return 160*uint64(received) + 1<<20 }

// expansionBound: typed decoding may make WithMaxExpansion (16) elements
// per input byte plus 65536, of up to 24 bytes each ([]int64 headers).
func expansionBound(received int) uint64 { return 24*(16*uint64(received)+65536) + 1<<20 }

// hostileServer listens on loopback and runs script on each connection.
func hostileServer(t *testing.T, script func(nc net.Conn)) string {
	t.Helper()
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := nl.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				script(nc)
			}()
		}
	}()
	t.Cleanup(func() { nl.Close(); wg.Wait() })
	return nl.Addr().String()
}

// readFrame reads one frame from a raw socket (handshake messages only).
func rawReadFrame(nc net.Conn) ([]byte, error) {
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var h [4]byte
	if _, err := io.ReadFull(nc, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[:])
	if n > 1024 {
		return nil, errors.New("frame too large for a handshake")
	}
	p := make([]byte, n)
	_, err := io.ReadFull(nc, p)
	return p, err
}

func trickle(nc net.Conn, b []byte, every time.Duration) {
	for _, c := range b {
		if _, err := nc.Write([]byte{c}); err != nil {
			return
		}
		time.Sleep(every)
	}
}

var goodChallenge = frame(cat([]byte("#CHALLENGE#{sha256}"), bytes.Repeat([]byte{7}, 40)))

// Dial facing a hostile listener: every misbehaviour is a *HandshakeError
// with a clear cause, within the handshake timeout, and costs memory in
// proportion to what was sent.
func TestHostileListener(t *testing.T) {
	const timeout = shortHandshake
	for _, tc := range []struct {
		name   string
		script func(nc net.Conn) int // returns bytes sent
		want   []error
		msg    string
	}{
		{"challenge of 300 bytes", func(nc net.Conn) int {
			w := frame(cat([]byte("#CHALLENGE#"), bytes.Repeat([]byte("x"), 289)))
			nc.Write(w)
			return len(w)
		}, []error{ErrMessageTooLarge}, "limit of 256 bytes"},
		{"challenge header claiming 2 GiB", func(nc net.Conn) int { nc.Write(be32(0x7fffffff)); return 4 }, []error{ErrMessageTooLarge}, ""},
		{"challenge header claiming 2^62", func(nc net.Conn) int {
			w := cat(be32(-1), binary.BigEndian.AppendUint64(nil, 1<<62))
			nc.Write(w)
			return len(w)
		}, []error{ErrMessageTooLarge}, ""},
		{"negative challenge length", func(nc net.Conn) int { nc.Write(be32(-7)); return 4 }, []error{ErrProtocol}, ""},
		{"truncated challenge", func(nc net.Conn) int { nc.Write(goodChallenge[:20]); return 20 }, []error{io.ErrUnexpectedEOF}, ""},
		{"#WELCOME# instead of a challenge", func(nc net.Conn) int {
			w := frame([]byte("#WELCOME#"))
			nc.Write(w)
			return len(w)
		}, []error{auth.ErrAuthentication}, "expected challenge"},
		{"a pickle instead of a challenge", func(nc net.Conn) int {
			w := frame([]byte("\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01\x94."))
			nc.Write(w)
			return len(w)
		}, []error{auth.ErrAuthentication}, ""},
		{"garbage verdict", func(nc net.Conn) int {
			nc.Write(goodChallenge)
			rawReadFrame(nc)
			w := frame([]byte("#GARBAGE#"))
			nc.Write(w)
			return len(goodChallenge) + len(w)
		}, []error{auth.ErrAuthentication}, ""},
		{"#FAILURE# verdict", func(nc net.Conn) int {
			nc.Write(goodChallenge)
			rawReadFrame(nc)
			w := frame([]byte("#FAILURE#"))
			nc.Write(w)
			return len(goodChallenge) + len(w)
		}, []error{auth.ErrAuthentication}, ""},
		{"garbage reply to our challenge", func(nc net.Conn) int {
			nc.Write(goodChallenge)
			rawReadFrame(nc)
			nc.Write(frame([]byte("#WELCOME#")))
			rawReadFrame(nc)
			w := frame([]byte("{sha256}not a digest at all"))
			nc.Write(w)
			rawReadFrame(nc)
			return len(goodChallenge) + 13 + len(w)
		}, []error{auth.ErrAuthentication}, ""},
		{"silent", func(nc net.Conn) int { waitForClose(nc); return 0 }, []error{os.ErrDeadlineExceeded}, "timed out"},
		{"trickling", func(nc net.Conn) int { trickle(nc, goodChallenge[:4], timeout/2); return 2 }, []error{os.ErrDeadlineExceeded}, "timed out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			goroutineCheck(t)
			sent := make(chan int, 1)
			addr := hostileServer(t, func(nc net.Conn) {
				sent <- tc.script(nc)
				if tcp, ok := nc.(*net.TCPConn); ok {
					tcp.CloseWrite()
				}
				waitForClose(nc)
			})
			m := startHeapMeter()
			start := time.Now()
			c, err := Dial(context.Background(), "tcp", addr, WithAuthKey(secret), WithHandshakeTimeout(timeout))
			elapsed := time.Since(start)
			require.Error(t, err)
			assert.Nil(t, c)
			n := <-sent
			checkHeap(t, m, "dial: "+tc.name, n, heapBound(n))
			var he *HandshakeError
			require.ErrorAs(t, err, &he)
			require.ErrorIs(t, err, ErrHandshake)
			for _, w := range tc.want {
				require.ErrorIs(t, err, w)
			}
			if tc.msg != "" {
				assert.Contains(t, err.Error(), tc.msg)
			}
			assert.Less(t, elapsed, timeout+hangGuard, "bounded by the handshake timeout")
			assert.NotContains(t, err.Error(), string(secret))
			t.Logf("%s: %v", tc.name, err)
		})
	}
}

// A Listener facing hostile clients: Accept returns each failure as a
// *HandshakeError and goes on serving.
func TestHostileClients(t *testing.T) {
	const timeout = shortHandshake
	for _, tc := range []struct {
		name   string
		script func(nc net.Conn) int
		want   error
		reply  string // what the listener answers, if anything
	}{
		{"garbage reply", func(nc net.Conn) int {
			rawReadFrame(nc)
			w := frame([]byte("garbage"))
			nc.Write(w)
			return len(w)
		}, auth.ErrAuthentication, "#FAILURE#"},
		{"reply header claiming 2 GiB", func(nc net.Conn) int { rawReadFrame(nc); nc.Write(be32(0x7fffffff)); return 4 }, ErrMessageTooLarge, ""},
		{"reply header claiming 2^62", func(nc net.Conn) int {
			rawReadFrame(nc)
			w := cat(be32(-1), binary.BigEndian.AppendUint64(nil, 1<<62))
			nc.Write(w)
			return len(w)
		}, ErrMessageTooLarge, ""},
		{"negative reply length", func(nc net.Conn) int { rawReadFrame(nc); nc.Write(be32(-3)); return 4 }, ErrProtocol, ""},
		{"truncated reply", func(nc net.Conn) int { rawReadFrame(nc); nc.Write(be32(40)); nc.Write([]byte("{sha")); return 8 }, io.ErrUnexpectedEOF, ""},
		{"closes at once", func(nc net.Conn) int { return 0 }, io.EOF, ""},
		{"a pickle instead of the reply", func(nc net.Conn) int {
			rawReadFrame(nc)
			w := frame([]byte("\x80\x02K\x01."))
			nc.Write(w)
			return len(w)
		}, auth.ErrAuthentication, "#FAILURE#"},
		{"trickling", func(nc net.Conn) int {
			rawReadFrame(nc)
			trickle(nc, frame([]byte("{sha256}0123456789")), timeout/4)
			return 2
		}, os.ErrDeadlineExceeded, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			goroutineCheck(t)
			l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret), WithHandshakeTimeout(timeout))
			require.NoError(t, err)
			defer l.Close()
			m := startHeapMeter()
			raw, err := net.Dial("tcp", l.Addr().String())
			require.NoError(t, err)
			defer raw.Close()
			sent := make(chan int, 1)
			answer := make(chan []byte, 1)
			go func() {
				sent <- tc.script(raw)
				raw.(*net.TCPConn).CloseWrite()
				b, _ := rawReadFrame(raw)
				answer <- b
			}()
			start := time.Now()
			_, err = l.Accept()
			elapsed := time.Since(start)
			n := <-sent
			checkHeap(t, m, "accept: "+tc.name, n, heapBound(n))
			require.ErrorIs(t, err, ErrHandshake)
			require.ErrorIs(t, err, tc.want)
			assert.Less(t, elapsed, timeout+hangGuard)
			if tc.reply != "" {
				assert.Equal(t, tc.reply, string(<-answer))
			}
			t.Logf("%s: %v", tc.name, err)

			// The Listener still serves.
			go func() {
				c, err := Dial(context.Background(), "tcp", l.Addr().String(), WithAuthKey(secret))
				if err == nil {
					c.Send("after")
					c.RecvBytes()
					c.Close()
				}
			}()
			s, err := l.Accept()
			require.NoError(t, err)
			v, err := s.Recv()
			require.NoError(t, err)
			assert.Equal(t, "after", v)
			s.Close()
		})
	}
}

// A crowd of hostile peers at once (silent, trickling, garbage, lying
// headers) beside good clients: every good client is served while the silent
// and trickling peers still hold their slots (their handshake timeout is an
// hour away), every hostile one comes back from Accept as a *HandshakeError
// once its handshake fails, the slots are all freed, and nothing leaks.
func TestHostileCrowd(t *testing.T) {
	goroutineCheck(t)
	const (
		hostile = 40
		good    = 20
	)
	l, err := Listen(context.Background(), "tcp", "127.0.0.1:0", WithAuthKey(secret), WithHandshakeTimeout(time.Hour), WithMaxPendingHandshakes(hostile+4))
	require.NoError(t, err)
	defer l.Close()
	addr := l.Addr().String()
	m := startHeapMeter()
	var raws []net.Conn
	var wg sync.WaitGroup
	for i := range hostile {
		raw, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		raws = append(raws, raw)
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 4 {
			case 0: // silent
			case 1:
				trickle(raw, []byte("\x00\x00\x00\x30{sha256}"), 10*time.Millisecond)
			case 2:
				rawReadFrame(raw)
				raw.Write(frame([]byte("garbage")))
			case 3:
				rawReadFrame(raw)
				raw.Write(be32(0x7fffffff))
			}
		}()
	}
	hangUp := sync.OnceFunc(func() {
		for _, r := range raws {
			r.Close()
		}
	})
	defer func() { hangUp(); wg.Wait() }()

	start := time.Now()
	for range good {
		go func() {
			c, err := Dial(context.Background(), "tcp", addr, WithAuthKey(secret))
			if !assert.NoError(t, err, "a good client") {
				l.Close() // ends the Accept loop below
				return
			}
			defer c.Close()
			c.Send("hello")
			c.RecvBytes()
		}()
	}
	failures, goods := 0, 0
	for goods < good || failures < hostile {
		c, err := l.Accept()
		if err != nil {
			require.ErrorIs(t, err, ErrHandshake)
			failures++
			continue
		}
		v, err := c.Recv()
		require.NoError(t, err)
		assert.Equal(t, "hello", v)
		c.Close()
		goods++
		if goods == good {
			t.Logf("%d good clients served in %v beside %d hostile peers", good, time.Since(start), hostile)
			assert.LessOrEqual(t, failures, hostile/2, "only the garbage and lying peers have failed yet")
			hangUp() // the silent and trickling peers' handshakes now fail
		}
	}
	// Each serve goroutine frees its slot just after Accept took its result.
	assert.Eventually(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		// The accept loop holds one slot for its next Accept.
		return l.inflight == 0 && len(l.slots) <= 1
	}, hangGuard, time.Millisecond, "every handshake slot freed")
	checkHeap(t, m, "crowd of hostile peers", 0, 4<<20)
}
