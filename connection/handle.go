package connection

import "fmt"

// HandleAck says whether passing a descriptor with SendHandle and
// RecvHandle ends with an acknowledgement, as it does in
// multiprocessing.reduction from CPython 3.14 on. Nothing on the wire tells
// which one the peer speaks, and a mismatch hangs or desynchronises the
// connection, so every call names it; there is no default.
type HandleAck int

const (
	// AckNone: the descriptor travels alone. CPython 2.7 and 3.x up to
	// 3.13 on Linux and the other unix systems except macOS.
	AckNone HandleAck = iota + 1
	// AckByte: the receiver answers the descriptor with the byte 'A',
	// which the sender waits for. CPython 3.14 and later everywhere, and
	// every CPython 3 on macOS.
	AckByte
)

func (a HandleAck) String() string {
	switch a {
	case AckNone:
		return "AckNone"
	case AckByte:
		return "AckByte"
	}
	return fmt.Sprintf("HandleAck(%d)", int(a))
}

func (a HandleAck) check(op string) error {
	if a != AckNone && a != AckByte {
		return fmt.Errorf("%w: %s: %v: say AckNone (CPython up to 3.13, except on macOS) or AckByte (3.14 and later, and macOS)", ErrInvalidOption, op, a)
	}
	return nil
}
