package managers

import (
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/mpconn/mpconn/connection"
)

// sockConn is every socket of the package, dialled or accepted. It does two
// things a plain net.Conn does not:
//
//   - On Linux TCP it acknowledges its first reads at once (TCP_QUICKACK). A
//     Python client sends its last handshake message and its request back to
//     back, and its Nagle algorithm holds the request until the first is
//     acknowledged, which a receiver with nothing to answer yet delays by
//     40 ms: so every control request of a Python client (four per proxy
//     made) waits 40 ms on CPython's own manager, and not on this one.
//
//   - Once a channel is open (accept_connection), its reads and writes may
//     block an OS thread in the kernel, as a CPython manager's threads do,
//     instead of parking the goroutine on Go's network poller (see
//     blockChannel).
type sockConn struct {
	net.Conn  // the socket as dialled or accepted; closed once file has it
	quickAcks atomic.Int32
	file      atomic.Pointer[os.File] // the socket in blocking mode, off the poller

	mu     sync.Mutex // orders Close and the move to file
	closed bool
}

// quickAckReads is how many reads of a new TCP connection are acknowledged
// at once: the handshake's two messages from the client, its closing
// welcome, and the first request.
const quickAckReads = 4

func newSockConn(nc net.Conn) *sockConn {
	c := &sockConn{Conn: nc}
	if _, ok := nc.(*net.TCPConn); ok && canQuickAck {
		c.quickAcks.Store(quickAckReads)
	}
	return c
}

func (c *sockConn) Read(p []byte) (int, error) {
	if f := c.file.Load(); f != nil {
		return f.Read(p)
	}
	n, err := c.Conn.Read(p)
	if n > 0 && c.quickAcks.Load() > 0 && c.quickAcks.Add(-1) >= 0 {
		quickAck(c.Conn)
	}
	return n, err
}

func (c *sockConn) Write(p []byte) (int, error) {
	if f := c.file.Load(); f != nil {
		return f.Write(p)
	}
	return c.Conn.Write(p)
}

// Close shuts a blocking socket down first: that wakes a read or write
// blocked in the kernel, which closing alone does not.
func (c *sockConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return net.ErrClosed
	}
	c.closed = true
	f := c.file.Load()
	if f == nil {
		return c.Conn.Close()
	}
	shutdown(f)
	blockingChannels.Add(-1)
	return f.Close()
}

// blockingChannels counts the process's channels that do blocking I/O. A
// goroutine blocked in a system call keeps its P (one of GOMAXPROCS) until
// the runtime's monitor takes it back, after 20 µs to 10 ms: so at most
// GOMAXPROCS-1 channels of the process block, leaving a P for every other
// goroutine, and the channels beyond stay on the network poller (where
// many idle peers cost nothing). It is process-wide, as the Ps are.
var blockingChannels atomic.Int32

// blockChannel moves conn, a channel nobody reads or writes at the moment,
// off the network poller if blockingChannels allows one more and the
// system can: its descriptor, in blocking mode, is then read and written
// by plain system calls that block their thread until the peer answers. A
// channel carries one request and one reply at a time, so every read waits
// for the peer, and on the poller each wait costs a failed read, an
// epoll_wait and wake-ups of the scheduler's threads: measured with Python
// peers, about twice the CPU of a blocked read per call.
func blockChannel(conn *connection.Conn) {
	c, ok := conn.NetConn().(*sockConn)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.file.Load() != nil {
		return
	}
	if blockingChannels.Add(1) > int32(runtime.GOMAXPROCS(0)-1) {
		blockingChannels.Add(-1)
		return
	}
	f := blockingFile(c.Conn)
	if f == nil {
		blockingChannels.Add(-1)
		return
	}
	c.file.Store(f)
	c.Conn.Close() // takes the descriptor off the poller; f keeps the socket open
}
