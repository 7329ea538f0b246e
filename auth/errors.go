package auth

import (
	"errors"
	"strings"
)

// ErrAuthentication is matched (errors.Is) by every authentication failure:
// a wrong key on either side, a malformed or refused challenge or reply, or a
// peer that sent #FAILURE#. It is CPython's multiprocessing.AuthenticationError.
var ErrAuthentication = errors.New("authentication failed")

// ErrInvalidOption is matched by errors from contradictory or invalid
// options (an unknown digest, MD5 both offered and refused, ...). It is
// returned before anything is sent.
var ErrInvalidOption = errors.New("auth: invalid option")

// Error is an authentication failure. It unwraps to [ErrAuthentication].
type Error struct {
	// Reason says what went wrong in CPython's words, e.g. "digest received
	// was wrong" or "digest sent was rejected".
	Reason string
	// Message is the peer's message that was refused, when the reason is
	// about its content; nil otherwise. It never holds the key.
	Message []byte
}

// reprLimit bounds how much of a peer's message an error string shows.
const reprLimit = 64

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("authentication failed: ")
	b.WriteString(e.Reason)
	if e.Message != nil {
		b.WriteString(": message=")
		b.WriteString(bytesRepr(e.Message, reprLimit))
	}
	return b.String()
}

// Unwrap returns [ErrAuthentication].
func (e *Error) Unwrap() error { return ErrAuthentication }

// Reasons, in CPython's words where CPython has them.
const (
	reasonWrongDigest       = "digest received was wrong"
	reasonRejected          = "digest sent was rejected"
	reasonExpectedChallenge = "protocol error, expected challenge"
	reasonUnsupported       = "unsupported message length, missing digest prefix, or unsupported digest"
	reasonMD5Reply          = "MD5 refused: peer replied with HMAC-MD5"
	reasonMD5Legacy         = "MD5 refused: peer sent a legacy challenge (CPython <= 3.11) that only HMAC-MD5 answers"
	reasonMD5Challenge      = "MD5 refused: peer's challenge asks for {md5}"
)

// authError builds an *Error, copying msg so the error does not alias the
// Messenger's buffer.
func authError(reason string, msg []byte) *Error {
	e := &Error{Reason: reason}
	if msg != nil {
		e.Message = append([]byte{}, msg...)
	}
	return e
}

// bytesRepr renders p like Python's repr(bytes), showing at most limit bytes
// and marking a cut with "...".
func bytesRepr(p []byte, limit int) string {
	cut := len(p) > limit
	if cut {
		p = p[:limit]
	}
	quote := byte('\'')
	if strings.IndexByte(string(p), '\'') >= 0 && strings.IndexByte(string(p), '"') < 0 {
		quote = '"'
	}
	const hexDigits = "0123456789abcdef"
	var b strings.Builder
	b.WriteByte('b')
	b.WriteByte(quote)
	for _, c := range p {
		switch {
		case c == quote || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(quote)
	if cut {
		b.WriteString("...")
	}
	return b.String()
}
