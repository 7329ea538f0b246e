package auth_test

import (
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
)

// TestDeliverReplies feeds replies to the listener's {sha256}+00..27
// challenge (key "secret") and checks the verdict, as CPython 3.13 gives it.
func TestDeliverReplies(t *testing.T) {
	const unsupported = "unsupported message length, missing digest prefix, or unsupported digest"
	tests := []struct {
		name    string
		reply   string // hex
		opts    []auth.Option
		reason  string // "" = accepted
		message bool   // the *Error carries the reply
	}{
		{name: "{sha256} (G1)", reply: sha256Hex + "fc57fbe650d6124b98215e7b5d197d5807ad69982d275a9735ea2d56f1fa6989"},
		{name: "raw MD5 over 48 bytes (G3)", reply: "8e48d2bb349b4b72b9382999ed5b62eb"},
		{name: "{md5}", reply: "7b6d64357d8e48d2bb349b4b72b9382999ed5b62eb"},
		{name: "{sha384}", reply: "7b7368613338347d98030e6b3d09dd7eb5b7cf5f0a8c32b12ddb22d4d698e98b35f0f4690116fa5bcd125f45b2d89a7fc2f902c009a6f961"},
		{name: "{sha3_256}", reply: "7b736861335f3235367d4267b9809ac390ef0e6594601ec515dd8b6c2134c01fbdcd90fcc05750ec16ce"},
		{name: "{sha3_384}", reply: "7b736861335f3338347d8f7c0b025ef0a88432bc2c75e9272002839245e5afc9d59271c99679e10afcd3bffa25c63dae3cfdeab6bcf4de17d2ac"},
		{name: "wrong key {sha256} (G5)", reply: replyG5[8:], reason: "digest received was wrong"},
		{name: "wrong key raw MD5 (G5)", reply: replyG5Mixd[8:], reason: "digest received was wrong"},
		{name: "MAC over the payload without its prefix", reply: sha256Hex + "31063303a8b33a79a5a31c781abd24b5b6afe0820f1c9396a56601cfd20755bd", reason: "digest received was wrong"},
		{name: "raw 32-byte SHA-256 without prefix", reply: "fc57fbe650d6124b98215e7b5d197d5807ad69982d275a9735ea2d56f1fa6989", reason: unsupported, message: true},
		{name: "raw 20 bytes", reply: "8e48d2bb349b4b72b9382999ed5b62eb00000000", reason: "expected 'md5' of length 16 got 20"},
		{name: "{sha256} with a 20-byte MAC", reply: sha256Hex + "8e48d2bb349b4b72b9382999ed5b62eb00000000", reason: "expected 'sha256' of length 32 got 20"},
		{name: "{sha384} with a 32-byte MAC", reply: "7b7368613338347d" + "fc57fbe650d6124b98215e7b5d197d5807ad69982d275a9735ea2d56f1fa6989", reason: "expected 'sha384' of length 48 got 32"},
		{name: "{sha512} unknown digest", reply: "7b7368613531327d" + "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", reason: unsupported, message: true},
		{name: "#FAILURE# as a reply", reply: "234641494c55524523", reason: unsupported, message: true},
		{name: "empty reply", reply: "", reason: unsupported, message: true},
		{name: "{sha256} alone", reply: sha256Hex, reason: "expected 'sha256' of length 32 got 0"},
		{name: "RefuseMD5: raw 16 bytes", reply: "8e48d2bb349b4b72b9382999ed5b62eb", opts: []auth.Option{auth.RefuseMD5()}, reason: "MD5 refused: peer replied with HMAC-MD5"},
		{name: "RefuseMD5: raw 20 bytes", reply: "8e48d2bb349b4b72b9382999ed5b62eb00000000", opts: []auth.Option{auth.RefuseMD5()}, reason: "MD5 refused: peer replied with HMAC-MD5"},
		{name: "RefuseMD5: {md5}", reply: "7b6d64357d8e48d2bb349b4b72b9382999ed5b62eb", opts: []auth.Option{auth.RefuseMD5()}, reason: "MD5 refused: peer replied with HMAC-MD5"},
		{name: "RefuseMD5: {sha256}", reply: sha256Hex + "fc57fbe650d6124b98215e7b5d197d5807ad69982d275a9735ea2d56f1fa6989", opts: []auth.Option{auth.RefuseMD5()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(unhex(t, tt.reply))
			err := auth.Deliver(s, key, append([]auth.Option{listenerRandom()}, tt.opts...)...)
			require.Len(t, s.sent, 2)
			assert.Equal(t, modernL[8:], s.sentHex()[0])
			if tt.reason == "" {
				require.NoError(t, err)
				assert.Equal(t, "#WELCOME#", string(s.sent[1]))
				return
			}
			requireAuthReason(t, err, tt.reason)
			assert.Equal(t, "#FAILURE#", string(s.sent[1]))
			var ae *auth.Error
			require.ErrorAs(t, err, &ae)
			if tt.message {
				assert.Equal(t, unhex(t, tt.reply), ae.Message)
			} else {
				assert.Nil(t, ae.Message)
			}
		})
	}
}

// TestDeliverLegacy: WithLegacyChallenge challenges like CPython <= 3.11 and
// accepts nothing but the raw HMAC-MD5 of its 20 bytes.
func TestDeliverLegacy(t *testing.T) {
	tests := []struct {
		name, reply string
		ok          bool
	}{
		{"raw MD5 (G2)", "7defa9cc46abc3583325d17ccda75190", true},
		{"wrong key (G5 legacy)", "29608dbbd32a95a144b820e0cd3d790a", false},
		{"{md5} is not understood", "7b6d64357d7defa9cc46abc3583325d17ccda75190", false},
		{"{sha256} is not understood", sha256Hex + "fc57fbe650d6124b98215e7b5d197d5807ad69982d275a9735ea2d56f1fa6989", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(unhex(t, tt.reply))
			err := auth.Deliver(s, key, auth.WithLegacyChallenge(), listenerRandom())
			require.Len(t, s.sent, 2)
			assert.Equal(t, legacyL[8:], s.sentHex()[0])
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, "#WELCOME#", string(s.sent[1]))
				return
			}
			requireAuthReason(t, err, "digest received was wrong")
			assert.Equal(t, "#FAILURE#", string(s.sent[1]))
		})
	}
}

// TestDeliverIO: transport failures are returned wrapped, are not
// authentication failures, and an unreadable reply gets no #FAILURE#.
func TestDeliverIO(t *testing.T) {
	good := unhex(t, replyG1L[8:])
	bad := unhex(t, replyG5[8:])
	errRandom := errors.New("entropy exhausted")
	tests := []struct {
		name   string
		recvs  []any
		sendOK int
		random io.Reader
		want   error // errors.Is target
		auth   bool  // also an authentication failure
		sent   []string
	}{
		{name: "oversize reply: no #FAILURE#", recvs: []any{string(make([]byte, 257))}, sendOK: -1, want: errBadLength, sent: []string{"challenge"}},
		{name: "EOF instead of reply", sendOK: -1, want: io.EOF, sent: []string{"challenge"}},
		{name: "reset instead of reply", recvs: []any{io.ErrUnexpectedEOF}, sendOK: -1, want: io.ErrUnexpectedEOF, sent: []string{"challenge"}},
		{name: "challenge send fails", recvs: []any{good}, sendOK: 0, want: errSend},
		{name: "#WELCOME# send fails", recvs: []any{good}, sendOK: 1, want: errSend, sent: []string{"challenge"}},
		{name: "#FAILURE# send fails", recvs: []any{bad}, sendOK: 1, want: errSend, auth: true, sent: []string{"challenge"}},
		{name: "random source runs short: nothing sent", recvs: []any{good}, sendOK: -1, random: io.LimitReader(&seqReader{}, 10), want: io.ErrUnexpectedEOF},
		{name: "random source errors: nothing sent", recvs: []any{good}, sendOK: -1, random: errReader{errRandom}, want: errRandom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(tt.recvs...)
			s.sendOK = tt.sendOK
			random := tt.random
			if random == nil {
				random = &seqReader{}
			}
			err := auth.Deliver(s, key, auth.WithRandom(random))
			require.ErrorIs(t, err, tt.want)
			if tt.auth {
				assert.ErrorIs(t, err, auth.ErrAuthentication)
			} else {
				assert.NotErrorIs(t, err, auth.ErrAuthentication)
			}
			require.Len(t, s.sent, len(tt.sent))
			for i := range tt.sent {
				assert.Contains(t, string(s.sent[i]), "#CHALLENGE#")
			}
		})
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// lyingMessenger returns more than max bytes, breaking the Messenger contract.
type lyingMessenger struct{ sent int }

func (m *lyingMessenger) SendMessage([]byte) error { m.sent++; return nil }
func (m *lyingMessenger) RecvMessage(max int) ([]byte, error) {
	return make([]byte, max+1), nil
}

func TestMessengerOverLimitIsNotTrusted(t *testing.T) {
	for name, run := range map[string]func(auth.Messenger) error{
		"Deliver": func(m auth.Messenger) error { return auth.Deliver(m, key) },
		"Answer":  func(m auth.Messenger) error { return auth.Answer(m, key) },
	} {
		t.Run(name, func(t *testing.T) {
			m := &lyingMessenger{}
			err := run(m)
			require.ErrorContains(t, err, "exceeds the 256-byte handshake limit")
			assert.NotErrorIs(t, err, auth.ErrAuthentication)
			assert.LessOrEqual(t, m.sent, 1, "no verdict after an untrusted message")
		})
	}
}

// TestRefuseMD5BothHalves: a RefuseMD5 side against legacy peers fails on
// the first half it meets, whichever side it is.
func TestRefuseMD5BothHalves(t *testing.T) {
	t.Run("RefuseMD5 listener vs legacy client", func(t *testing.T) {
		serr, cerr, log := runPair(
			func(m auth.Messenger) error { return auth.ServerHandshake(m, key, auth.RefuseMD5(), listenerRandom()) },
			func(m auth.Messenger) error {
				return auth.ClientHandshake(m, key, auth.WithLegacyChallenge(), clientRandom())
			},
		)
		requireAuthReason(t, serr, "MD5 refused: peer replied with HMAC-MD5")
		requireAuthReason(t, cerr, "digest sent was rejected")
		assert.Equal(t, []string{"L>C " + modernL, "C>L " + replyG3L, "L>C " + failureHex}, log.lines())
	})
	t.Run("RefuseMD5 client vs legacy listener", func(t *testing.T) {
		serr, cerr, log := runPair(
			func(m auth.Messenger) error {
				return auth.ServerHandshake(m, key, auth.WithLegacyChallenge(), listenerRandom())
			},
			func(m auth.Messenger) error { return auth.ClientHandshake(m, key, auth.RefuseMD5(), clientRandom()) },
		)
		requireAuthReason(t, cerr, "MD5 refused: peer sent a legacy challenge (CPython <= 3.11) that only HMAC-MD5 answers")
		require.ErrorIs(t, serr, io.EOF, "the listener sees the client hang up")
		assert.NotErrorIs(t, serr, auth.ErrAuthentication)
		assert.Equal(t, []string{"L>C " + legacyL}, log.lines())
	})
	t.Run("RefuseMD5 both modern", func(t *testing.T) {
		serr, cerr, log := runPair(
			func(m auth.Messenger) error { return auth.ServerHandshake(m, key, auth.RefuseMD5(), listenerRandom()) },
			func(m auth.Messenger) error { return auth.ClientHandshake(m, key, auth.RefuseMD5(), clientRandom()) },
		)
		require.NoError(t, serr)
		require.NoError(t, cerr)
		assert.Len(t, log.lines(), 6)
	})
}
