//go:build !linux

package connection

// Outside Linux readiness is found portably: a one-byte Peek into the read
// buffer under a deadline. It is exact but, for a zero timeout, waits up to
// a millisecond.

// probe checks readiness once, waiting at most a millisecond.
func (c *Conn) probe() (bool, error) { return c.peekProbe() }

// awaitReadable waits until a byte is buffered, the stream ends, or the read
// deadline passes.
func (c *Conn) awaitReadable() (bool, error) { return c.peekReadable() }

// cheapProbe reports that no free readiness check exists here.
func (c *Conn) cheapProbe() (ready, ok bool) { return false, false }
