package auth_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
)

func TestErrorText(t *testing.T) {
	tests := []struct {
		err  *auth.Error
		want string
	}{
		{&auth.Error{Reason: "digest received was wrong"}, "authentication failed: digest received was wrong"},
		{&auth.Error{Reason: "protocol error, expected challenge", Message: []byte("hello")}, "authentication failed: protocol error, expected challenge: message=b'hello'"},
		{&auth.Error{Reason: "r", Message: []byte{}}, "authentication failed: r: message=b''"},
		{&auth.Error{Reason: "r", Message: []byte("a'b")}, `authentication failed: r: message=b"a'b"`},
		{&auth.Error{Reason: "r", Message: []byte(`a'b"`)}, `authentication failed: r: message=b'a\'b"'`},
		{&auth.Error{Reason: "r", Message: []byte("\x00\t\n\r\\\x7f\xff{")}, `authentication failed: r: message=b'\x00\t\n\r\\\x7f\xff{'`},
		{&auth.Error{Reason: "r", Message: []byte(strings.Repeat("a", 65))}, "authentication failed: r: message=b'" + strings.Repeat("a", 64) + "'..."},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
			assert.ErrorIs(t, tt.err, auth.ErrAuthentication)
			wrapped := fmt.Errorf("accept: %w", tt.err)
			assert.ErrorIs(t, wrapped, auth.ErrAuthentication)
		})
	}
}

// TestKeyNeverInErrors drives every failure path with a recognisable key
// and checks no error text contains it (or its hex).
func TestKeyNeverInErrors(t *testing.T) {
	secret := []byte("K3y-Th4t-Must-Not-Leak")
	leaks := []string{string(secret), fmt.Sprintf("%x", secret), fmt.Sprintf("%v", secret), fmt.Sprintf("%q", secret)}
	x40 := make40('x')
	var errs []error
	for _, frame := range [][]byte{
		[]byte("hello"), challengeFrame(seq(0, 10)), challengeFrame(seq(0, 30)),
		challengeFrame(append([]byte("{sha512}"), x40...)), challengeFrame(append([]byte("{md5}"), x40...)),
		challengeFrame(seq(0, 20)),
	} {
		for _, opts := range [][]auth.Option{nil, {auth.RefuseMD5()}} {
			errs = append(errs,
				auth.Answer(newScript(frame, "#FAILURE#"), secret, opts...),
				auth.ClientHandshake(newScript(frame, "#WELCOME#"), secret, opts...))
		}
	}
	for _, reply := range [][]byte{nil, {}, seq(0, 16), seq(0, 20), seq(0, 32), append([]byte("{sha256}"), seq(0, 32)...), append([]byte("{sha256}"), seq(0, 3)...), append([]byte("{md5}"), seq(0, 16)...)} {
		for _, opts := range [][]auth.Option{nil, {auth.RefuseMD5()}, {auth.WithLegacyChallenge()}} {
			errs = append(errs,
				auth.Deliver(newScript(reply), secret, opts...),
				auth.ServerHandshake(newScript(reply), secret, opts...))
		}
	}
	errs = append(errs, auth.Deliver(newScript(), secret, auth.WithDigest("bad")))
	for _, err := range errs {
		require.Error(t, err)
		for _, leak := range leaks {
			assert.NotContains(t, err.Error(), leak)
			assert.NotContains(t, fmt.Sprintf("%+v", err), leak)
			assert.NotContains(t, fmt.Sprintf("%#v", err), leak)
		}
		var ae *auth.Error
		if errors.As(err, &ae) {
			assert.NotContains(t, string(ae.Message), string(secret))
		}
	}
}

// TestErrorDoesNotAliasMessengerBuffer: the Message in an *Error is a copy.
func TestErrorDoesNotAliasMessengerBuffer(t *testing.T) {
	buf := []byte("hello")
	err := auth.Answer(newScript(buf), key)
	buf[0] = 'j'
	var ae *auth.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "hello", string(ae.Message))
}
