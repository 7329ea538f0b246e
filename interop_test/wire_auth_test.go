package interop_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/internal/pythons"
)

// TestWireNoAuthKey: no handshake at all. A Go listener asked for
// InsecureSkipAuth serves Client(authkey=None); a Go Dial without a key
// talks to Listener(authkey=None). Data crosses both ways right away.
func TestWireNoAuthKey(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, py)

			l, addr := goListen(t, "tcp", connection.InsecureSkipAuth())
			p.send(pyConnect("a", "tcp", addr, nil))
			a, err := accept(t, l)
			require.NoError(t, err)
			requireOK(t, p.reply())
			exchange(t, p, "a", a, 0, 5, 16385)

			network, address := pythonListen(t, p, "tcp", "L", nil)
			p.send(cmd{"op": "accept", "listener": "L", "id": "b"})
			b, err := dial(t, network, address)
			require.NoError(t, err)
			requireOK(t, p.reply())
			exchange(t, p, "b", b, 0, 5, 16385)
		})
	}
}

// TestWireEmptyKey: b"" is a key like any other (HMAC with an empty key).
// Client(authkey=b"") always runs the handshake, so a Go listener with an
// empty key serves every version. Listener(authkey=b"") only runs it from
// 3.13 (older versions test the key's truthiness and skip the handshake).
func TestWireEmptyKey(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, py)

			t.Run("GoListener", func(t *testing.T) {
				p := p.in(t)
				l, addr := goListen(t, "tcp", connection.WithAuthKey([]byte{}))
				p.send(pyConnect("a", "tcp", addr, []byte{}))
				a, err := accept(t, l)
				require.NoError(t, err)
				requireOK(t, p.reply())
				exchange(t, p, "a", a, 7)

				// The same listener refuses a client with a non-empty key.
				p.send(pyConnect("x", "tcp", addr, testKey))
				_, err = accept(t, l)
				assert.ErrorIs(t, err, auth.ErrAuthentication)
				requirePythonAuthError(t, p.reply(), "Python Client with a key against an empty-key Go listener")
			})

			t.Run("PythonListener", func(t *testing.T) {
				p := p.in(t)
				if !py.AtLeast(3, 13) {
					t.Skipf("Listener(authkey=b'') on %s skips the handshake (only 3.13+ runs it)", py.Name())
				}
				network, address := pythonListen(t, p, "tcp", "L", []byte{})
				p.send(cmd{"op": "accept", "listener": "L", "id": "b"})
				b, err := dial(t, network, address, connection.WithAuthKey([]byte{}))
				require.NoError(t, err)
				requireOK(t, p.reply())
				exchange(t, p, "b", b, 7)
			})
		})
	}
}

// TestWireRefuseMD5: with RefuseMD5 a Go listener rejects the raw HMAC-MD5
// answer of CPython <= 3.11 (Python: AuthenticationError, Go:
// ErrHandshake + ErrAuthentication) and works with 3.12+, which answer
// {sha256}. A Go client with RefuseMD5 will not answer a legacy listener's
// challenge: Dial fails with ErrAuthentication and Python's accept fails.
func TestWireRefuseMD5(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, py)
			modern := py.DigestPrefix

			t.Run("GoListener", func(t *testing.T) {
				p := p.in(t)
				l, addr := goListen(t, "tcp", connection.WithAuthKey(testKey), connection.WithAuthOptions(auth.RefuseMD5()))
				p.send(pyConnect("a", "tcp", addr, testKey))
				a, err := accept(t, l)
				r := p.reply()
				if modern {
					require.NoError(t, err)
					requireOK(t, r)
					exchange(t, p, "a", a, 100)
					return
				}
				require.Error(t, err, "a %s client answers with raw MD5", py.Name())
				assert.True(t, errors.Is(err, connection.ErrHandshake), "want ErrHandshake, got %v", err)
				assert.True(t, errors.Is(err, auth.ErrAuthentication), "want ErrAuthentication, got %v", err)
				requirePythonAuthError(t, r, "legacy Python Client against a RefuseMD5 Go listener")
				assert.Equal(t, "digest sent was rejected", r.str("msg"))
			})

			t.Run("GoDial", func(t *testing.T) {
				p := p.in(t)
				network, address := pythonListen(t, p, "tcp", "L", testKey)
				p.send(cmd{"op": "accept", "listener": "L", "id": "b"})
				b, err := dial(t, network, address, connection.WithAuthKey(testKey), connection.WithAuthOptions(auth.RefuseMD5()))
				r := p.reply()
				if modern {
					require.NoError(t, err)
					requireOK(t, r)
					exchange(t, p, "b", b, 100)
					return
				}
				require.Error(t, err, "a %s listener challenges for raw MD5", py.Name())
				assert.True(t, errors.Is(err, auth.ErrAuthentication), "want ErrAuthentication, got %v", err)
				assert.False(t, r.ok(), "Python accept must fail when Go refuses to answer: %s", r)
			})
		})
	}
}

// TestWireDigests: whatever digest Go offers, every version answers in a
// way Go accepts (3.12+ with that digest, older versions with raw MD5 over
// the whole offer), in both roles. "legacy" is Go emulating a <= 3.11 peer
// (auth.WithLegacyChallenge: 20-byte challenge, raw MD5 only), which every
// version must accept too (spec 2.5: the G2/G3/G4 combinations).
func TestWireDigests(t *testing.T) {
	cases := []struct {
		name string
		opt  connection.Option
	}{
		{"md5", connection.WithAuthOptions(auth.WithDigest(auth.MD5))},
		{"sha256", connection.WithAuthOptions(auth.WithDigest(auth.SHA256))},
		{"sha384", connection.WithAuthOptions(auth.WithDigest(auth.SHA384))},
		{"sha3_256", connection.WithAuthOptions(auth.WithDigest(auth.SHA3_256))},
		{"sha3_384", connection.WithAuthOptions(auth.WithDigest(auth.SHA3_384))},
		{"legacy", connection.WithAuthOptions(auth.WithLegacyChallenge())},
	}
	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, py)
			network, address := pythonListen(t, p, "tcp", "L", testKey)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					p := p.in(t)
					l, addr := goListen(t, "tcp", connection.WithAuthKey(testKey), tc.opt)
					p.send(pyConnect("a", "tcp", addr, testKey))
					a, err := accept(t, l)
					require.NoError(t, err, "Go listener offering %s", tc.name)
					requireOK(t, p.reply())
					exchange(t, p, "a", a, 3)

					p.send(cmd{"op": "accept", "listener": "L", "id": "b"})
					b, err := dial(t, network, address, connection.WithAuthKey(testKey), tc.opt)
					require.NoError(t, err, "Go client offering %s", tc.name)
					requireOK(t, p.reply())
					exchange(t, p, "b", b, 3)
				})
			}
		})
	}
}
