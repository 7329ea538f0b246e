package auth

import (
	"crypto/rand"
	"fmt"
	"io"
)

// Option configures a handshake.
type Option func(*config)

type config struct {
	digest    Digest
	digestSet bool
	legacy    bool
	refuseMD5 bool
	random    io.Reader
	randomSet bool
}

// WithDigest sets the digest this side offers when it challenges; the
// default is SHA256, as in CPython. The peer may still reply with any
// allowed digest (the MAC covers the offer, so it cannot downgrade it).
func WithDigest(d Digest) Option {
	return func(c *config) { c.digest, c.digestSet = d, true }
}

// WithLegacyChallenge makes this side behave exactly like CPython <= 3.11
// (and 2.7): it challenges with 20 random bytes and no digest prefix,
// accepts only a raw 16-byte HMAC-MD5 reply, and answers any challenge with
// a raw HMAC-MD5 over everything after the tag. It exists to emulate an old
// peer byte for byte; a modern peer needs nothing special to talk to one.
func WithLegacyChallenge() Option {
	return func(c *config) { c.legacy = true }
}

// RefuseMD5 never accepts an MD5 reply (raw 16- or 20-byte, or {md5}) and
// never answers a challenge with MD5. Peers running CPython <= 3.11 or 2.7
// only speak HMAC-MD5, so the handshake with them fails with a clear error.
func RefuseMD5() Option {
	return func(c *config) { c.refuseMD5 = true }
}

// WithRandom sets the source of challenge bytes; the default is
// crypto/rand. Tests pass fixed bytes to reproduce known transcripts.
func WithRandom(r io.Reader) Option {
	return func(c *config) { c.random, c.randomSet = r, true }
}

// newConfig applies opts over the defaults and rejects contradictions.
func newConfig(opts []Option) (*config, error) {
	c := &config{digest: SHA256, random: rand.Reader}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	switch {
	case !c.digest.allowed():
		return nil, fmt.Errorf("%w: unsupported digest %q (allowed: md5, sha256, sha384, sha3_256, sha3_384)", ErrInvalidOption, string(c.digest))
	case c.randomSet && c.random == nil:
		return nil, fmt.Errorf("%w: WithRandom(nil)", ErrInvalidOption)
	case c.refuseMD5 && c.digest == MD5:
		return nil, fmt.Errorf("%w: WithDigest(md5) contradicts RefuseMD5", ErrInvalidOption)
	case c.refuseMD5 && c.legacy:
		return nil, fmt.Errorf("%w: WithLegacyChallenge (HMAC-MD5 only) contradicts RefuseMD5", ErrInvalidOption)
	case c.legacy && c.digestSet && c.digest != MD5:
		return nil, fmt.Errorf("%w: WithDigest(%s) has no effect with WithLegacyChallenge (HMAC-MD5 only)", ErrInvalidOption, c.digest)
	}
	return c, nil
}
