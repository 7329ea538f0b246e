package connection

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
)

// Listener accepts authenticated connections, like Python's
// multiprocessing.connection.Listener.
//
// It accepts in the background and authenticates every new connection in its
// own goroutine, at most WithMaxPendingHandshakes at a time, each bounded by
// WithHandshakeTimeout, so a slow or silent peer never delays the others.
// Serve runs a handler for each connection as its handshake finishes, and
// is what most servers want; Accept returns the connections one by one for
// a loop of one's own. A failed handshake is returned by Accept as a
// *HandshakeError (Serve reports it to OnHandshakeError) and the Listener
// keeps serving: call Accept again. Accept may be called from several
// goroutines at once.
type Listener struct {
	nl   net.Listener
	opts options

	ctx    context.Context // done when Close is called
	cancel context.CancelFunc

	slots   chan struct{}     // one per connection accepted and not yet delivered
	results chan acceptResult // handshaken connections and handshake errors

	mu       sync.Mutex
	closed   bool
	pending  map[net.Conn]struct{} // connections in a handshake
	inflight int                   // connections accepted and not yet delivered
	loopExit bool                  // the accept loop has returned
	loopErr  error                 // why, if not Close
	drained  chan struct{}         // closed once loopExit and inflight == 0

	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

type acceptResult struct {
	c   *Conn
	err error
}

// Listen listens on network ("tcp", "tcp4", "tcp6" or "unix") and address
// and returns a Listener serving it. A unix address is a socket path, which
// must not exist yet (as in CPython) and is removed by Close, or on Linux an
// abstract name written as Python writes it, "\x00name", or as Go does,
// "@name" (Addr reports the latter).
//
// It needs WithAuthKey, or InsecureSkipAuth to accept anyone; otherwise it
// fails with ErrNoAuthKey before listening.
//
// ctx bounds resolving the address and binding it, as for
// net.ListenConfig.Listen; it does not affect the returned Listener.
func Listen(ctx context.Context, network, address string, opts ...Option) (*Listener, error) {
	o, err := listenOptions("Listen", opts)
	if err != nil {
		return nil, err
	}
	network, address, err = resolveNetwork(network, address)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	nl, err := lc.Listen(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return newListener(nl, o), nil
}

// NewListener serves multiprocessing connections on nl, which it owns from
// then on: Close closes it. Like Listen it needs WithAuthKey or
// InsecureSkipAuth (else ErrNoAuthKey, and nl is left alone); any other
// error leaves nl alone too.
func NewListener(nl net.Listener, opts ...Option) (*Listener, error) {
	o, err := listenOptions("NewListener", opts)
	if err != nil {
		return nil, err
	}
	return newListener(nl, o), nil
}

// listenOptions resolves the options of a Listener, which must authenticate
// or say that it will not.
func listenOptions(op string, opts []Option) (options, error) {
	o, err := resolveOptions(op, listenSettings, opts)
	if err == nil && !o.hasKey() && !o.insecure {
		err = ErrNoAuthKey
	}
	return o, err
}

func newListener(nl net.Listener, o options) *Listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Listener{
		nl:      nl,
		opts:    o,
		ctx:     ctx,
		cancel:  cancel,
		slots:   make(chan struct{}, o.maxPending),
		results: make(chan acceptResult),
		pending: make(map[net.Conn]struct{}),
		drained: make(chan struct{}),
	}
	l.wg.Add(1)
	go l.acceptLoop()
	return l
}

// Accept waits for the next authenticated connection. A failed handshake
// returns a *HandshakeError (errors.Is ErrHandshake; for a wrong key also
// auth.ErrAuthentication), after which Accept may be called again. After
// Close it returns an error matching net.ErrClosed.
func (l *Listener) Accept() (*Conn, error) {
	return l.AcceptContext(context.Background())
}

// AcceptContext is Accept, giving up with ctx.Err() when ctx is done. A
// connection whose handshake completes meanwhile is kept for the next call.
func (l *Listener) AcceptContext(ctx context.Context) (*Conn, error) {
	select {
	case r := <-l.results:
		return l.deliver(r)
	case <-l.ctx.Done():
		return nil, l.closedErr()
	case <-l.drained:
		if l.ctx.Err() != nil {
			return nil, l.closedErr()
		}
		return nil, l.loopErr
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *Listener) deliver(r acceptResult) (*Conn, error) {
	if l.ctx.Err() != nil {
		// Close raced with the handshake's end.
		if r.c != nil {
			r.c.Close()
		}
		return nil, l.closedErr()
	}
	return r.c, r.err
}

func (l *Listener) closedErr() error {
	addr := l.nl.Addr()
	return &net.OpError{Op: "accept", Net: addr.Network(), Addr: addr, Err: net.ErrClosed}
}

// Addr returns the address the Listener listens on.
func (l *Listener) Addr() net.Addr { return l.nl.Addr() }

// Close stops the Listener: it closes the network listener (removing the
// unix socket file Listen created), unblocks Accept with an error matching
// net.ErrClosed, closes the connections still in a handshake or not yet
// accepted, and returns once every goroutine of the Listener has exited.
// Connections already returned by Accept are not affected.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.cancel()
		l.mu.Lock()
		l.closed = true
		for nc := range l.pending {
			nc.Close()
		}
		l.mu.Unlock()
		l.closeErr = l.nl.Close()
		l.wg.Wait()
	})
	return l.closeErr
}

func (l *Listener) acceptLoop() {
	defer l.wg.Done()
	var err error
	defer func() {
		l.mu.Lock()
		l.loopExit, l.loopErr = true, err
		l.maybeDrained()
		l.mu.Unlock()
	}()
	var delay time.Duration
	for {
		select {
		case l.slots <- struct{}{}:
		case <-l.ctx.Done():
			return
		}
		var nc net.Conn
		nc, err = l.nl.Accept()
		if err != nil {
			<-l.slots
			if l.ctx.Err() != nil {
				err = nil
				return
			}
			if !temporary(err) {
				return
			}
			// Out of descriptors and the like: back off as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-l.ctx.Done():
				t.Stop()
				err = nil
				return
			}
			continue
		}
		delay = 0
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			nc.Close()
			<-l.slots
			return
		}
		l.pending[nc] = struct{}{}
		l.inflight++
		l.mu.Unlock()
		l.wg.Add(1)
		go l.serve(nc)
	}
}

// serve authenticates one accepted connection and hands it to Accept.
func (l *Listener) serve(nc net.Conn) {
	defer l.wg.Done()
	c := newConn(nc, &l.opts)
	err := handshake(l.ctx, c, &l.opts, true)
	l.mu.Lock()
	delete(l.pending, nc)
	l.mu.Unlock()
	r := acceptResult{c: c}
	if err != nil {
		c.Close()
		r = acceptResult{err: err}
	}
	select {
	case l.results <- r:
	case <-l.ctx.Done():
		if r.c != nil {
			r.c.Close()
		}
	}
	<-l.slots
	l.mu.Lock()
	l.inflight--
	l.maybeDrained()
	l.mu.Unlock()
}

// maybeDrained closes drained once nothing more can reach Accept. l.mu is
// held.
func (l *Listener) maybeDrained() {
	if l.loopExit && l.inflight == 0 {
		select {
		case <-l.drained:
		default:
			close(l.drained)
		}
	}
}

// temporary reports whether an Accept error may go away by itself.
func temporary(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
