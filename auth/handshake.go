package auth

// ServerHandshake runs the listener's side of the mutual handshake, in
// CPython's order: [Deliver] a challenge, then [Answer] the client's. It
// stops at the first failure. opts apply to both halves.
func ServerHandshake(m Messenger, key []byte, opts ...Option) error {
	c, err := newConfig(opts)
	if err != nil {
		return err
	}
	if m == nil {
		return errNilMessenger
	}
	if err := c.deliver(m, key); err != nil {
		return err
	}
	return c.answer(m, key)
}

// ClientHandshake runs the client's side of the mutual handshake, in
// CPython's order: [Answer] the listener's challenge, then [Deliver] one. It
// stops at the first failure. opts apply to both halves.
func ClientHandshake(m Messenger, key []byte, opts ...Option) error {
	c, err := newConfig(opts)
	if err != nil {
		return err
	}
	if m == nil {
		return errNilMessenger
	}
	if err := c.answer(m, key); err != nil {
		return err
	}
	return c.deliver(m, key)
}
