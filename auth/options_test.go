package auth_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
)

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []auth.Option
		want string
	}{
		{"unknown digest", []auth.Option{auth.WithDigest("sha512")}, `unsupported digest "sha512"`},
		{"empty digest", []auth.Option{auth.WithDigest("")}, `unsupported digest ""`},
		{"digest names are case-sensitive", []auth.Option{auth.WithDigest("SHA256")}, `unsupported digest "SHA256"`},
		{"md5 offered and refused", []auth.Option{auth.WithDigest(auth.MD5), auth.RefuseMD5()}, "WithDigest(md5) contradicts RefuseMD5"},
		{"legacy and RefuseMD5", []auth.Option{auth.WithLegacyChallenge(), auth.RefuseMD5()}, "WithLegacyChallenge (HMAC-MD5 only) contradicts RefuseMD5"},
		{"legacy with sha384", []auth.Option{auth.WithLegacyChallenge(), auth.WithDigest(auth.SHA384)}, "WithDigest(sha384) has no effect with WithLegacyChallenge"},
		{"nil random", []auth.Option{auth.WithRandom(nil)}, "WithRandom(nil)"},
	}
	run := map[string]func(auth.Messenger, []byte, ...auth.Option) error{
		"Deliver": auth.Deliver, "Answer": auth.Answer,
		"ServerHandshake": auth.ServerHandshake, "ClientHandshake": auth.ClientHandshake,
	}
	for _, tt := range tests {
		for fname, f := range run {
			t.Run(tt.name+"/"+fname, func(t *testing.T) {
				s := newScript(challengeFrame(seq(0, 20)), "#WELCOME#")
				err := f(s, key, tt.opts...)
				require.ErrorIs(t, err, auth.ErrInvalidOption)
				assert.NotErrorIs(t, err, auth.ErrAuthentication)
				assert.ErrorContains(t, err, tt.want)
				assert.Empty(t, s.sent, "nothing is sent with invalid options")
				assert.Len(t, s.recvs, 2, "nothing is read with invalid options")
			})
		}
	}
}

func TestValidOptionCombinations(t *testing.T) {
	tests := []struct {
		name string
		opts []auth.Option
	}{
		{"no options", nil},
		{"nil option is ignored", []auth.Option{nil}},
		{"legacy with md5 digest", []auth.Option{auth.WithLegacyChallenge(), auth.WithDigest(auth.MD5)}},
		{"RefuseMD5 with sha3_384", []auth.Option{auth.RefuseMD5(), auth.WithDigest(auth.SHA3_384)}},
		{"later WithDigest wins", []auth.Option{auth.WithDigest("bogus"), auth.WithDigest(auth.SHA256)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serr, cerr, _ := runPair(
				func(m auth.Messenger) error { return auth.ServerHandshake(m, key, tt.opts...) },
				func(m auth.Messenger) error { return auth.ClientHandshake(m, key, tt.opts...) },
			)
			require.NoError(t, serr)
			require.NoError(t, cerr)
		})
	}
}

func TestNilMessenger(t *testing.T) {
	for name, f := range map[string]func(auth.Messenger, []byte, ...auth.Option) error{
		"Deliver": auth.Deliver, "Answer": auth.Answer,
		"ServerHandshake": auth.ServerHandshake, "ClientHandshake": auth.ClientHandshake,
	} {
		t.Run(name, func(t *testing.T) {
			assert.ErrorContains(t, f(nil, key), "nil Messenger")
		})
	}
}

// TestDefaultRandom: without WithRandom challenges come from crypto/rand:
// two challenges differ, and the handshake still works.
func TestDefaultRandom(t *testing.T) {
	var challenges [][]byte
	for range 2 {
		serr, cerr, log := runPair(
			func(m auth.Messenger) error { return auth.ServerHandshake(m, key) },
			func(m auth.Messenger) error { return auth.ClientHandshake(m, key) },
		)
		require.NoError(t, serr)
		require.NoError(t, cerr)
		require.Len(t, log.records, 6)
		challenges = append(challenges, log.records[0].payload)
		assert.Len(t, log.records[0].payload, 59)
		assert.Equal(t, "#CHALLENGE#{sha256}", string(log.records[0].payload[:19]))
	}
	assert.NotEqual(t, challenges[0], challenges[1])
}
