package connection

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// aLongTimeAgo is a deadline in the past: setting it wakes a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

// Wait returns the Conns in conns that are ready to receive (buffered
// bytes, data, EOF, or a poisoned receive side), in input order, like
// CPython's multiprocessing.connection.wait. timeout 0 checks once, timeout
// < 0 waits for ever; when the timeout passes first the result is empty and
// the error nil.
//
// Wait is a receive operation on every listed Conn: none may be receiving in
// another goroutine meanwhile (Wait then fails rather than wait behind it),
// and none may be listed twice. While waiting it borrows their read
// deadlines and restores them before returning.
func Wait(conns []*Conn, timeout time.Duration) ([]*Conn, error) {
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	ready, err := wait(ctx, conns, timeout == 0)
	if timeout > 0 && errors.Is(err, context.DeadlineExceeded) {
		return []*Conn{}, nil
	}
	return ready, err
}

// WaitContext is Wait until ctx is done, when it returns ctx.Err().
func WaitContext(ctx context.Context, conns []*Conn) ([]*Conn, error) {
	return wait(ctx, conns, false)
}

type waitResult struct {
	i     int
	ready bool
	err   error
}

func wait(ctx context.Context, conns []*Conn, once bool) ([]*Conn, error) {
	if err := ctx.Err(); err != nil && !once {
		return nil, err
	}
	// Own every receive side for the duration.
	seen := make(map[*Conn]bool, len(conns))
	for i, c := range conns {
		switch {
		case c == nil:
			unlockAll(conns[:i])
			return nil, fmt.Errorf("connection: Wait: conns[%d] is nil", i)
		case seen[c]:
			unlockAll(conns[:i])
			return nil, fmt.Errorf("connection: Wait: conns[%d] is listed twice", i)
		case !c.rmu.TryLock():
			unlockAll(conns[:i])
			return nil, fmt.Errorf("connection: Wait: conns[%d] is receiving in another goroutine", i)
		}
		seen[c] = true
	}
	defer unlockAll(conns)

	// What is known without waiting.
	ready := make([]bool, len(conns))
	anyReady := false
	for i, c := range conns {
		switch {
		case c.closed.Load():
			return nil, fmt.Errorf("connection: Wait: conns[%d]: %w", i, errClosed("poll"))
		case c.fr.err != nil || c.br.Buffered() > 0:
			ready[i] = true
		default:
			r, err := c.probe()
			if err != nil {
				return nil, fmt.Errorf("connection: Wait: conns[%d]: %w", i, err)
			}
			ready[i] = r
		}
		anyReady = anyReady || ready[i]
	}
	if anyReady || once {
		return pick(conns, ready), nil
	}
	if len(conns) == 0 {
		<-ctx.Done()
		return nil, ctx.Err()
	}

	for {
		if err := block(ctx, conns, ready); err != nil {
			return nil, err
		}
		if out := pick(conns, ready); len(out) > 0 {
			return out, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
			return nil, context.DeadlineExceeded // the timer has not fired yet
		}
	}
}

// block waits until at least one Conn is readable or ctx is done, and
// records in ready which ones are. One goroutine per Conn parks in the
// netpoller until its descriptor is readable or its read deadline (the
// context's deadline, or a past one set to cancel) passes; all of them have
// returned when block does. Deadlines are set before the goroutines start so
// that a cancellation cannot be overwritten.
func block(ctx context.Context, conns []*Conn, ready []bool) error {
	deadline, _ := ctx.Deadline()
	for i, c := range conns {
		if err := c.setPollDeadline(deadline); err != nil {
			for _, d := range conns[:i] {
				d.restoreReadDeadline()
			}
			return fmt.Errorf("connection: Wait: conns[%d]: %w", i, c.pollErr(err))
		}
	}
	results := make(chan waitResult, len(conns))
	for i, c := range conns {
		go func() {
			r, err := c.awaitReadable()
			results <- waitResult{i: i, ready: r, err: err}
		}()
	}
	pending := len(conns)
	var firstErr error
	collect := func(r waitResult) {
		pending--
		ready[r.i] = r.ready
		if r.err != nil && firstErr == nil {
			firstErr = fmt.Errorf("connection: Wait: conns[%d]: %w", r.i, r.err)
		}
	}
	select {
	case r := <-results:
		collect(r)
	case <-ctx.Done():
	}
	for _, c := range conns {
		_ = c.setPollDeadline(aLongTimeAgo)
	}
	for pending > 0 {
		collect(<-results)
	}
	for _, c := range conns {
		c.restoreReadDeadline()
	}
	if firstErr != nil {
		return firstErr
	}
	// Report everything readable by now, not only the first to wake.
	for i, c := range conns {
		if !ready[i] {
			if r, ok := c.cheapProbe(); ok {
				ready[i] = r
			}
		}
	}
	return nil
}

func pick(conns []*Conn, ready []bool) []*Conn {
	out := []*Conn{}
	for i, c := range conns {
		if ready[i] {
			out = append(out, c)
		}
	}
	return out
}

func unlockAll(conns []*Conn) {
	for _, c := range conns {
		c.rmu.Unlock()
	}
}
