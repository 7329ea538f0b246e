// Package auth implements the HMAC challenge/response handshake of Python's
// multiprocessing.connection, byte for byte as CPython puts it on the wire.
//
// # The handshake
//
// Both ends hold the same secret key. Each end proves it knows the key by
// answering a challenge from the other, so the handshake is mutual and runs
// in two halves over six framed messages:
//
//	listener (ServerHandshake)              client (ClientHandshake)
//	Deliver: #CHALLENGE#{sha256}<40 random>  ->  Answer
//	         {sha256}<HMAC of the challenge> <-
//	         #WELCOME# or #FAILURE#          ->
//	Answer                                   <-  Deliver: #CHALLENGE#...
//	         {sha256}<HMAC>                  ->
//	         #WELCOME# or #FAILURE#          <-
//
// The listener challenges first. A failed first half stops the handshake: the
// second half never runs.
//
// # Versions
//
// CPython 3.12 and later offer a digest in a "{name}" prefix and accept any of
// md5, sha256, sha384, sha3_256 and sha3_384 in the reply; the MAC always
// covers the whole challenge message, prefix included, so a reply cannot
// downgrade the digest without failing verification. CPython 2.7 and 3.x up
// to 3.11 send a 20-byte challenge without a prefix and only know raw
// 16-byte HMAC-MD5. Message lengths tell the two forms apart: a 16- or
// 20-byte message is legacy, a prefixed one never is.
//
// By default this package behaves like CPython 3.13: it offers sha256, answers
// a legacy challenge with raw HMAC-MD5 and accepts a raw HMAC-MD5 reply, so it
// interoperates with every CPython version. [RefuseMD5] turns MD5 off on both
// halves (which breaks interoperation with 3.11 and older), and
// [WithLegacyChallenge] emulates an old peer exactly.
//
// # Transport
//
// The handshake needs only a [Messenger]: one framed message out, one in.
// Every read is capped at 256 bytes, as in CPython; a longer frame is an I/O
// error raised by the Messenger and, as in CPython, no #FAILURE# is sent for
// it. Timeouts, if any, belong to the transport: CPython has none.
//
// # Errors
//
// Every authentication failure is a [*Error] whose reason uses CPython's
// words, and errors.Is(err, [ErrAuthentication]) reports it. I/O errors from
// the Messenger are returned wrapped with the step that failed; they are not
// authentication failures. The key never appears in an error.
package auth
