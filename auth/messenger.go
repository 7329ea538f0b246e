package auth

import (
	"errors"
	"fmt"
)

// Messenger is all the handshake needs: one framed message out, one in.
// The handshake calls it from a single goroutine, one call at a time.
type Messenger interface {
	SendMessage(p []byte) error
	// RecvMessage returns the next message. A message longer than max must be an
	// error without allocating it (the caller's framing enforces this).
	RecvMessage(max int) ([]byte, error)
}

// maxMessage caps every handshake read, as CPython's recv_bytes(256) does.
const maxMessage = 256

// The fixed handshake messages.
const (
	challengeTag = "#CHALLENGE#"
	welcome      = "#WELCOME#"
	failure      = "#FAILURE#"
)

// errNilMessenger is returned instead of panicking on a nil Messenger.
var errNilMessenger = errors.New("auth: nil Messenger")

// recv reads one handshake message; what names it in errors.
func recv(m Messenger, what string) ([]byte, error) {
	p, err := m.RecvMessage(maxMessage)
	if err != nil {
		return nil, fmt.Errorf("auth: receiving %s: %w", what, err)
	}
	if len(p) > maxMessage {
		// The Messenger broke its contract; do not trust the message.
		return nil, fmt.Errorf("auth: receiving %s: message of %d bytes exceeds the %d-byte handshake limit", what, len(p), maxMessage)
	}
	return p, nil
}

// send writes one handshake message; what names it in errors.
func send(m Messenger, what string, p []byte) error {
	if err := m.SendMessage(p); err != nil {
		return fmt.Errorf("auth: sending %s: %w", what, err)
	}
	return nil
}

// isWelcome reports whether p is exactly #WELCOME#.
func isWelcome(p []byte) bool { return string(p) == welcome }
