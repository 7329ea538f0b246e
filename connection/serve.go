package connection

import (
	"context"
	"errors"
	"sync"
)

// Serve accepts connections and runs handler for each, in a goroutine of
// its own, until ctx is done or the Listener fails; it is the loop every
// server would otherwise write around Accept.
//
// A failed handshake (a wrong key, a silent or hostile peer) is not
// returned: Serve reports it to the OnHandshakeError function given to
// Listen, if any, and goes on serving. The connection handler gets is
// authenticated; Serve closes it when handler returns.
//
// When ctx is done, or the Listener is closed or fails, Serve stops
// accepting, cancels the context given to every handler and closes every
// connection it handed out, which unblocks their receives and sends (they
// fail with an error matching net.ErrClosed; the handler's context tells a
// shutdown from a peer's failure). It returns once every handler has
// returned: context.Cause(ctx) if ctx ended it, an error matching
// net.ErrClosed if Close did, otherwise the Listener's error. Serve does not
// close the Listener. Handlers that must finish a reply first should not
// block on the peer after their context is done.
func (l *Listener) Serve(ctx context.Context, handler func(ctx context.Context, c *Conn)) error {
	var handlers sync.WaitGroup
	defer handlers.Wait()
	hctx, stop := context.WithCancel(ctx)
	defer stop() // runs first: the handlers' connections close, then they return
	for {
		c, err := l.AcceptContext(hctx)
		var he *HandshakeError
		switch {
		case errors.As(err, &he):
			if f := l.opts.onHandshakeError; f != nil {
				f(he)
			}
			continue
		case err != nil && ctx.Err() != nil:
			return context.Cause(ctx)
		case err != nil:
			return err
		}
		handlers.Add(1)
		go func() {
			defer handlers.Done()
			defer c.Close()
			unblock := context.AfterFunc(hctx, func() { c.Close() })
			defer unblock()
			handler(hctx, c)
		}()
	}
}
