package auth

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"io"
)

// Deliver is the challenging half of the handshake (CPython's
// deliver_challenge): it sends #CHALLENGE#, verifies the peer's reply
// against key and sends #WELCOME# or, on a bad reply, #FAILURE#.
//
// The reply may use any allowed digest; a raw 16-byte reply is HMAC-MD5
// (refused under [RefuseMD5]). A failed verification returns a [*Error];
// an unreadable or oversize reply returns the Messenger's error and, as in
// CPython, sends no #FAILURE#.
func Deliver(m Messenger, key []byte, opts ...Option) error {
	c, err := newConfig(opts)
	if err != nil {
		return err
	}
	if m == nil {
		return errNilMessenger
	}
	return c.deliver(m, key)
}

func (c *config) deliver(m Messenger, key []byte) error {
	msg, err := c.challenge()
	if err != nil {
		return err
	}
	frame := append(append(make([]byte, 0, len(challengeTag)+len(msg)), challengeTag...), msg...)
	if err := send(m, "challenge", frame); err != nil {
		return err
	}
	reply, err := recv(m, "reply to challenge")
	if err != nil {
		return err
	}
	if authErr := c.verify(key, msg, reply); authErr != nil {
		if err := send(m, "#FAILURE#", []byte(failure)); err != nil {
			return errors.Join(authErr, err)
		}
		return authErr
	}
	return send(m, "#WELCOME#", []byte(welcome))
}

// challenge returns the message after the tag: "{digest}" + 40 random
// bytes, or 20 random bytes in legacy mode.
func (c *config) challenge() ([]byte, error) {
	n := modernRandomLen
	var msg []byte
	if c.legacy {
		n = legacyChallengeLen
	} else {
		msg = c.digest.prefix()
	}
	msg = append(msg, make([]byte, n)...)
	random := msg[len(msg)-n:]
	if _, err := io.ReadFull(c.random, random); err != nil {
		return nil, fmt.Errorf("auth: reading challenge randomness: %w", err)
	}
	return msg, nil
}

// verify checks reply against the challenge message msg (CPython's
// _verify_challenge, or the plain MD5 comparison of CPython <= 3.11).
func (c *config) verify(key, msg, reply []byte) *Error {
	if c.legacy {
		if !hmac.Equal(MD5.mac(key, msg), reply) {
			return authError(reasonWrongDigest, nil)
		}
		return nil
	}
	d, mac, ok := splitDigest(reply)
	if !ok {
		return authError(reasonUnsupported, reply)
	}
	if d == "" {
		d = MD5
	}
	if d == MD5 && c.refuseMD5 {
		return authError(reasonMD5Reply, nil)
	}
	expected := d.mac(key, msg)
	if len(expected) != len(mac) {
		return authError(fmt.Sprintf("expected '%s' of length %d got %d", d, len(expected), len(mac)), nil)
	}
	if !hmac.Equal(expected, mac) {
		return authError(reasonWrongDigest, nil)
	}
	return nil
}
