package connection

import (
	"bufio"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mpconn/mpconn/pickle"
)

// readBufferSize is the Conn's read buffer. Reads are buffered, so a Conn
// owns its descriptor: nothing else may read from it.
const readBufferSize = 32 << 10

// Conn is one end of a multiprocessing.connection Connection: a stream
// carrying length-prefixed messages. It is safe for one goroutine to send
// while another receives; operations of the same direction must not
// overlap (they are serialised internally, but their order is then
// arbitrary). Close may be called from any goroutine at any time.
type Conn struct {
	nc         net.Conn
	rc         syscall.RawConn // nil when nc offers no descriptor
	maxMessage uint64

	// Receive side: RecvBytes, RecvBytesInto, Poll, Wait, RecvHandle.
	rmu sync.Mutex
	br  *bufio.Reader
	fr  frameReader
	src *fdSource // what br reads on a unix socket, nil elsewhere

	// Send side.
	wmu      sync.Mutex
	fw       frameWriter
	enc      *pickle.Encoder // made by the first Send, remade when the protocol changes
	encProto int

	codec      Codec // nil: pickle
	pickleOpts []pickle.Option
	protocol   int          // what pickleOpts make the encoder write
	matchPeer  bool         // MatchPeerProtocol
	peerProto  atomic.Int32 // protocol of the peer's last pickle, 0 for none yet

	// unauthenticated: a client Conn made without a key, whose first
	// message may reveal a listener that wanted one (guarded by rmu).
	unauthenticated bool

	// The read deadline the user set; Poll and Wait borrow the read
	// deadline and put this back.
	dmu          sync.Mutex
	readDeadline time.Time

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

func newConn(nc net.Conn, o *options) *Conn {
	c := &Conn{nc: nc, maxMessage: o.maxMessage, codec: o.codec, pickleOpts: o.pickleOpts, protocol: o.protocol, matchPeer: o.matchPeer}
	var r io.Reader
	r, c.src = newSource(nc)
	c.br = bufio.NewReaderSize(r, readBufferSize)
	if c.src != nil {
		c.src.br = c.br
	}
	c.fr.r = c.br
	c.fw.w = nc
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			c.rc = rc
		}
	}
	return c
}

// SendBytes sends p as one message (CPython's send_bytes). A Python peer
// gets it from recv_bytes; send() and recv() exchange pickles, which are
// messages too. Payloads longer than 0x7fffffff bytes use the extended
// header that CPython 3.8+ understands (3.7 and older cannot receive them).
//
// A send that fails after writing part of its frame (on a write deadline,
// say) poisons the send side: the peer is left inside that frame, so every
// later send returns the same error rather than feed it bytes it would take
// for the rest. A deadline that expires before the first byte is written
// loses nothing, and the next send may try again.
func (c *Conn) SendBytes(p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.sendable(); err != nil {
		return err
	}
	return c.fw.writeFrame(p)
}

// sendable reports why nothing can be sent, if so. c.wmu is held.
func (c *Conn) sendable() error {
	if c.closed.Load() {
		return errClosed("send")
	}
	return c.fw.err
}

// RecvBytes receives the next message (CPython's recv_bytes). It returns
// io.EOF if the peer closed the connection between messages and
// io.ErrUnexpectedEOF if it closed in the middle of one. A message longer
// than the WithMaxMessageSize limit fails with a *MessageTooLargeError, and a
// malformed header with ErrProtocol; both poison the receive side: every
// later receive returns the same error (sending still works).
//
// A deadline that expires mid-message loses nothing: the next receive
// resumes the message where the last one stopped.
func (c *Conn) RecvBytes() ([]byte, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.closed.Load() {
		return nil, errClosed("receive")
	}
	return c.readMessage(nil)
}

// readMessage reads the next message, into into if it fits. c.rmu is held.
func (c *Conn) readMessage(into []byte) ([]byte, error) {
	msg, err := c.fr.readFrame(c.maxMessage, into)
	if err == nil && c.unauthenticated {
		c.unauthenticated = false
		if len(msg) >= len(challengeTag) && string(msg[:len(challengeTag)]) == challengeTag {
			// The listener runs the handshake and waits for our answer:
			// nothing useful can follow.
			c.fr.err = ErrPeerRequiresAuth
			return nil, c.fr.err
		}
	}
	return msg, err
}

// challengeTag starts the first message of a listener that authenticates.
const challengeTag = "#CHALLENGE#"

// RecvBytesInto receives the next message into buf and returns its length
// (CPython's recv_bytes_into). If the message does not fit, it is consumed
// anyway and returned whole in a *BufferTooShortError, whose Message length
// is the size needed. Errors are those of RecvBytes.
func (c *Conn) RecvBytesInto(buf []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.closed.Load() {
		return 0, errClosed("receive")
	}
	msg, err := c.readMessage(buf)
	if err != nil {
		return 0, err
	}
	if len(msg) > len(buf) {
		return 0, &BufferTooShortError{Message: msg, BufferLen: len(buf)}
	}
	return len(msg), nil
}

// recvMax receives one message of at most limit bytes (the handshake's cap).
// The handshake's own cap (256 bytes, as in CPython) applies alone: a
// WithMaxMessageSize below it bounds the application's messages, and must
// not make every handshake fail (a {sha3_384} reply is 58 bytes).
func (c *Conn) recvMax(limit uint64) ([]byte, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.closed.Load() {
		return nil, errClosed("receive")
	}
	return c.fr.readFrame(limit, nil)
}

// SetDeadline sets the read and write deadlines, as net.Conn does.
// Deadlines apply to sends and receives; Poll and Wait take their own
// timeouts instead.
func (c *Conn) SetDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.readDeadline = t
	return c.nc.SetDeadline(t)
}

// SetReadDeadline sets the deadline for RecvBytes and RecvBytesInto.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.readDeadline = t
	return c.nc.SetReadDeadline(t)
}

// SetWriteDeadline sets the deadline for SendBytes.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	return c.nc.SetWriteDeadline(t)
}

// setPollDeadline replaces the read deadline for Poll and Wait.
func (c *Conn) setPollDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	return c.nc.SetReadDeadline(t)
}

// restoreReadDeadline puts back the user's read deadline.
func (c *Conn) restoreReadDeadline() {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	_ = c.nc.SetReadDeadline(c.readDeadline) // fails only once closed
}

// LocalAddr returns the local network address, if known.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the peer's network address, if known.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// NetConn returns the connection underneath: a *net.TCPConn or
// *net.UnixConn for connections Listen, Dial, Pipe and FileConn made, or
// the net.Conn given to NewListener, Client or Server. It is there for
// settings and questions the Conn does not cover: TCP keepalive, socket
// options, the peer's credentials (SO_PEERCRED through SyscallConn). Reading
// from it or writing to it directly desynchronises the stream: the Conn
// buffers what it reads, and frames what it writes.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Close closes the connection. It unblocks a receive, Poll or Wait in
// progress, which then return an error matching net.ErrClosed. Closing twice
// is not an error, as in CPython.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.closeErr = c.nc.Close()
		if c.src != nil {
			c.src.close() // descriptors the peer passed that nobody claimed
		}
	})
	return c.closeErr
}
