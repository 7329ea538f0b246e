package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"hash"
)

// Digest names a hash function of the handshake, spelled as CPython spells it
// in the "{name}" prefix.
type Digest string

// The digests CPython 3.12+ allows (multiprocessing.connection._ALLOWED_DIGESTS).
const (
	MD5      Digest = "md5"
	SHA256   Digest = "sha256"
	SHA384   Digest = "sha384"
	SHA3_256 Digest = "sha3_256"
	SHA3_384 Digest = "sha3_384"
)

// maxDigestName is CPython's _MAX_DIGEST_LEN: the closing '}' of a prefix
// must sit at index <= maxDigestName+1.
const maxDigestName = len(SHA3_256)

// Lengths that mark a legacy message: CPython <= 3.11 challenges are 20
// bytes, its replies a raw 16-byte HMAC-MD5. No prefixed message has either
// length.
const (
	legacyChallengeLen = 20
	md5Len             = md5.Size
)

// modernRandomLen is CPython's MESSAGE_LENGTH: random bytes after the prefix.
const modernRandomLen = 40

// newHash returns the constructor for d, or nil when d is not allowed.
func (d Digest) newHash() func() hash.Hash {
	switch d {
	case MD5:
		return md5.New
	case SHA256:
		return sha256.New
	case SHA384:
		return sha512.New384
	case SHA3_256:
		return func() hash.Hash { return sha3.New256() }
	case SHA3_384:
		return func() hash.Hash { return sha3.New384() }
	}
	return nil
}

// allowed reports whether d is one of the digests CPython allows.
func (d Digest) allowed() bool { return d.newHash() != nil }

// mac returns HMAC-d(key, msg); d must be allowed.
func (d Digest) mac(key, msg []byte) []byte {
	h := hmac.New(d.newHash(), key)
	h.Write(msg)
	return h.Sum(nil)
}

// prefix returns "{d}".
func (d Digest) prefix() []byte {
	return append(append([]byte{'{'}, d...), '}')
}

// splitDigest mirrors CPython's _get_digest_name_and_payload: a 16- or
// 20-byte message is legacy (digest "", payload the whole message);
// otherwise it must start with "{name}", '}' at index <= 9, name allowed.
// ok is false when the message fits neither form.
func splitDigest(msg []byte) (d Digest, payload []byte, ok bool) {
	if len(msg) == legacyChallengeLen || len(msg) == md5Len {
		return "", msg, true
	}
	if len(msg) == 0 || msg[0] != '{' {
		return "", nil, false
	}
	window := msg[1:min(len(msg), maxDigestName+2)]
	i := bytes.IndexByte(window, '}')
	if i < 0 {
		return "", nil, false
	}
	d = Digest(window[:i])
	if !d.allowed() {
		return "", nil, false
	}
	return d, msg[1+i+1:], true
}
