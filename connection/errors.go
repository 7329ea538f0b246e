package connection

import (
	"errors"
	"fmt"
	"net"
)

var (
	// ErrMessageTooLarge is matched by a *MessageTooLargeError: a frame header
	// declared more bytes than the receiver accepts. The payload is not read,
	// so the receive side of the Conn is poisoned afterwards.
	ErrMessageTooLarge = errors.New("connection: message too large")

	// ErrProtocol is matched when the peer sends something the framing cannot
	// mean, such as a negative length other than -1. The receive side of the
	// Conn is poisoned afterwards.
	ErrProtocol = errors.New("connection: protocol error")

	// ErrBufferTooShort is matched by a *BufferTooShortError from
	// RecvBytesInto (CPython's multiprocessing.BufferTooShort).
	ErrBufferTooShort = errors.New("connection: buffer too short")

	// ErrHandshake is matched by a *HandshakeError: authenticating a new
	// connection failed (wrong key, hostile or silent peer, I/O error).
	ErrHandshake = errors.New("connection: handshake failed")

	// ErrNoAuthKey is returned by Listen, NewListener and Server when neither
	// WithAuthKey nor InsecureSkipAuth was given. Every message a Python peer
	// sends with send() is a pickle, and unpickling runs arbitrary code, so
	// accepting connections from anyone has to be asked for explicitly.
	ErrNoAuthKey = errors.New("connection: no authentication key (use WithAuthKey, or InsecureSkipAuth to accept anyone)")

	// ErrPeerRequiresAuth is returned by the first receive on a Conn that
	// Dial or Client made without WithAuthKey when the peer's first message
	// is the challenge of CPython's handshake: the listener has an authkey
	// and waits for the answer. Nothing else can come from it, so the
	// receive side stays poisoned with this error. Dial again with the key.
	ErrPeerRequiresAuth = errors.New("connection: the peer sent #CHALLENGE#: it requires an authentication key and this side has none (use WithAuthKey)")
)

// MessageTooLargeError reports a frame whose declared payload size exceeds
// the limit set by WithMaxMessageSize (or the 256-byte cap of a handshake
// message). It matches ErrMessageTooLarge.
type MessageTooLargeError struct {
	Size  uint64 // payload size declared by the frame header
	Limit uint64 // largest payload the receiver accepted
}

func (e *MessageTooLargeError) Error() string {
	return fmt.Sprintf("connection: message of %d bytes exceeds the limit of %d bytes (see WithMaxMessageSize); receive side is now unusable",
		e.Size, e.Limit)
}

// Unwrap returns ErrMessageTooLarge.
func (e *MessageTooLargeError) Unwrap() error { return ErrMessageTooLarge }

// BufferTooShortError is returned by RecvBytesInto when the message does not
// fit the buffer. The message has been consumed from the connection and is
// carried whole in Message, so nothing is lost. It matches ErrBufferTooShort.
type BufferTooShortError struct {
	Message   []byte // the complete message; len(Message) is the size needed
	BufferLen int    // length of the buffer that was too short
}

func (e *BufferTooShortError) Error() string {
	return fmt.Sprintf("connection: buffer of %d bytes too short for a %d-byte message", e.BufferLen, len(e.Message))
}

// Unwrap returns ErrBufferTooShort.
func (e *BufferTooShortError) Unwrap() error { return ErrBufferTooShort }

// HandshakeError is a failed authentication handshake on a new connection.
// errors.Is matches ErrHandshake, and Unwrap gives the cause: an
// auth.ErrAuthentication error for a wrong key or a malformed exchange,
// otherwise the I/O, timeout or context error.
type HandshakeError struct {
	Addr net.Addr // the peer's address, if known
	Err  error    // the cause
}

func (e *HandshakeError) Error() string {
	if e.Addr == nil {
		return "connection: handshake failed: " + e.Err.Error()
	}
	return fmt.Sprintf("connection: handshake with %s failed: %v", e.Addr, e.Err)
}

// Unwrap returns the cause.
func (e *HandshakeError) Unwrap() error { return e.Err }

// Is reports whether target is ErrHandshake.
func (e *HandshakeError) Is(target error) bool { return target == ErrHandshake }

// errClosed is returned by operations on a closed Conn or Listener.
func errClosed(op string) error {
	return fmt.Errorf("connection: %s: %w", op, net.ErrClosed)
}
