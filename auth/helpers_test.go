package auth_test

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
)

var (
	key      = []byte("secret")
	wrongKey = []byte("wrong")
)

// errBadLength is what the test framing reports for an oversize message,
// like CPython's OSError("bad message length").
var errBadLength = errors.New("bad message length")

// seqReader yields base, base+1, ... like the golden harness's os.urandom.
type seqReader struct{ next byte }

func (r *seqReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.next
		r.next++
	}
	return len(p), nil
}

func listenerRandom() auth.Option { return auth.WithRandom(&seqReader{next: 0x00}) }
func clientRandom() auth.Option   { return auth.WithRandom(&seqReader{next: 0x40}) }

// unhex decodes hex with spaces and ".." allowed for readability.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err)
	return b
}

// frameHex renders p as the spec writes frames: 4-byte big-endian header, payload.
func frameHex(p []byte) string {
	var h [4]byte
	binary.BigEndian.PutUint32(h[:], uint32(len(p)))
	return hex.EncodeToString(h[:]) + hex.EncodeToString(p)
}

// seq returns n bytes base, base+1, ...
func seq(base byte, n int) []byte {
	b := make([]byte, n)
	_, _ = (&seqReader{next: base}).Read(b)
	return b
}

// --- an in-memory duplex pair that records the transcript ---

type record struct {
	dir     string // "L>C" or "C>L"
	payload []byte
}

type transcript struct {
	mu      sync.Mutex
	records []record
}

func (t *transcript) add(dir string, p []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.records = append(t.records, record{dir, append([]byte{}, p...)})
}

// lines returns "L>C <frame hex>" per frame.
func (t *transcript) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, len(t.records))
	for i, r := range t.records {
		out[i] = r.dir + " " + frameHex(r.payload)
	}
	return out
}

// chanMessenger is one end of a pair: messages travel over buffered
// channels; closing an end makes the peer's RecvMessage return io.EOF.
type chanMessenger struct {
	dir  string
	out  chan []byte
	in   chan []byte
	log  *transcript
	once sync.Once
}

func (m *chanMessenger) SendMessage(p []byte) error {
	m.log.add(m.dir, p)
	m.out <- append([]byte{}, p...)
	return nil
}

func (m *chanMessenger) RecvMessage(max int) ([]byte, error) {
	p, ok := <-m.in
	if !ok {
		return nil, io.EOF
	}
	if len(p) > max {
		return nil, errBadLength
	}
	return p, nil
}

func (m *chanMessenger) close() { m.once.Do(func() { close(m.out) }) }

// runPair runs server and client concurrently over a recorded in-memory pair.
func runPair(server, client func(auth.Messenger) error) (serr, cerr error, log *transcript) {
	log = &transcript{}
	l2c, c2l := make(chan []byte, 16), make(chan []byte, 16)
	lm := &chanMessenger{dir: "L>C", out: l2c, in: c2l, log: log}
	cm := &chanMessenger{dir: "C>L", out: c2l, in: l2c, log: log}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); defer lm.close(); serr = server(lm) }()
	go func() { defer wg.Done(); defer cm.close(); cerr = client(cm) }()
	wg.Wait()
	return serr, cerr, log
}

// --- a scripted peer ---

// script plays a peer from a list of messages (or errors) to hand out, and
// records what the code under test sends. When the list runs out,
// RecvMessage returns io.EOF.
type script struct {
	recvs  []any // []byte or error
	sent   [][]byte
	sendOK int // number of sends that succeed; <0 means all
}

func newScript(recvs ...any) *script { return &script{recvs: recvs, sendOK: -1} }

var errSend = errors.New("broken pipe (scripted)")

func (s *script) SendMessage(p []byte) error {
	if s.sendOK >= 0 && len(s.sent) >= s.sendOK {
		return errSend
	}
	s.sent = append(s.sent, append([]byte{}, p...))
	return nil
}

func (s *script) RecvMessage(max int) ([]byte, error) {
	if len(s.recvs) == 0 {
		return nil, io.EOF
	}
	next := s.recvs[0]
	s.recvs = s.recvs[1:]
	switch v := next.(type) {
	case error:
		return nil, v
	case []byte:
		if len(v) > max {
			return nil, errBadLength
		}
		return v, nil
	case string:
		if len(v) > max {
			return nil, errBadLength
		}
		return []byte(v), nil
	}
	panic(fmt.Sprintf("script: bad entry %T", next))
}

// sentStrings returns the sent messages as hex, for compact assertions.
func (s *script) sentHex() []string {
	out := make([]string, len(s.sent))
	for i, p := range s.sent {
		out[i] = hex.EncodeToString(p)
	}
	return out
}

// challengeFrame returns "#CHALLENGE#" + msg.
func challengeFrame(msg []byte) []byte { return append([]byte("#CHALLENGE#"), msg...) }

// requireAuthReason asserts err is an authentication *Error with reason.
func requireAuthReason(t *testing.T, err error, reason string) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, auth.ErrAuthentication)
	var ae *auth.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, reason, ae.Reason)
}
