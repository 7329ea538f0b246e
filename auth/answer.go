package auth

import (
	"fmt"
	"strings"
)

// Answer is the answering half of the handshake (CPython's
// answer_challenge): it receives #CHALLENGE#, replies with the HMAC of the
// challenge message under key and expects #WELCOME#.
//
// A 20-byte challenge comes from CPython <= 3.11 and gets a raw HMAC-MD5
// reply (refused under [RefuseMD5]); a prefixed challenge gets
// "{name}"+HMAC-name over the whole message, prefix included. A malformed
// challenge, or a reply other than #WELCOME# from the peer, returns a
// [*Error]; nothing is sent after a malformed challenge.
func Answer(m Messenger, key []byte, opts ...Option) error {
	c, err := newConfig(opts)
	if err != nil {
		return err
	}
	if m == nil {
		return errNilMessenger
	}
	return c.answer(m, key)
}

func (c *config) answer(m Messenger, key []byte) error {
	frame, err := recv(m, "challenge")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(string(frame), challengeTag) {
		return authError(reasonExpectedChallenge, frame)
	}
	reply, authErr := c.response(key, frame[len(challengeTag):])
	if authErr != nil {
		return authErr
	}
	if err := send(m, "reply to challenge", reply); err != nil {
		return err
	}
	verdict, err := recv(m, "#WELCOME#")
	if err != nil {
		return err
	}
	if !isWelcome(verdict) {
		return authError(reasonRejected, verdict)
	}
	return nil
}

// response computes the reply to the challenge message msg (CPython's
// _create_response after answer_challenge's checks).
func (c *config) response(key, msg []byte) ([]byte, *Error) {
	if c.legacy {
		// CPython <= 3.11 answers whatever follows the tag with raw MD5.
		return MD5.mac(key, msg), nil
	}
	if len(msg) < legacyChallengeLen {
		return nil, authError(fmt.Sprintf("challenge too short: %d bytes", len(msg)), nil)
	}
	d, _, ok := splitDigest(msg)
	switch {
	case !ok:
		return nil, authError(reasonUnsupported, msg)
	case d == "" && c.refuseMD5:
		return nil, authError(reasonMD5Legacy, nil)
	case d == "":
		return MD5.mac(key, msg), nil
	case d == MD5 && c.refuseMD5:
		return nil, authError(reasonMD5Challenge, nil)
	}
	return append(d.prefix(), d.mac(key, msg)...), nil
}
