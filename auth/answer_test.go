package auth_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
)

// TestCraftedChallenges is table 2.9 of the spec: a fake listener sends each
// challenge to a client with key "secret". Columns: the modern client (the
// default) and the legacy client (WithLegacyChallenge, like 2.7 / 3.11).
func TestCraftedChallenges(t *testing.T) {
	x40 := make40('x')
	prefixed := func(name string) []byte { return challengeFrame(append([]byte("{"+name+"}"), x40...)) }
	tests := []struct {
		name  string
		frame []byte
		// modern client: reply hex, or an auth reason, or an I/O error
		modernReply, modernReason string
		modernErr                 error
		// legacy client
		legacyReply string
		legacyErr   error
	}{
		{
			name: "hello, no tag", frame: []byte("hello"),
			modernReason: "protocol error, expected challenge",
		},
		{
			name: "10 bytes", frame: challengeFrame(seq(0, 10)),
			modernReason: "challenge too short: 10 bytes",
			legacyReply:  "5960d47dcaa1a8b3e59facdec483ebf4",
		},
		{
			name: "16 bytes", frame: challengeFrame(seq(0, 16)),
			modernReason: "challenge too short: 16 bytes",
			legacyReply:  "e7409424474a3301bdc9bb8846c86362",
		},
		{
			name: "20 bytes: legacy listener", frame: challengeFrame(seq(0, 20)),
			modernReply: "7defa9cc46abc3583325d17ccda75190",
			legacyReply: "7defa9cc46abc3583325d17ccda75190",
		},
		{
			name: "30 bytes, no prefix", frame: challengeFrame(seq(0, 30)),
			modernReason: "unsupported message length, missing digest prefix, or unsupported digest",
			legacyReply:  "bb5b761596de29078d802c67dc93b91b",
		},
		{
			name: "{sha384}+40", frame: prefixed("sha384"),
			modernReply: "7b7368613338347d517056d96ec39872984e10741f17c2e25225f3856e203176a4c002fabccc3ac8c2510f6e23402a2d20dd1c89d9bd311e",
			legacyReply: "1225c078284fda0fe33e82db6f876b7e",
		},
		{
			name: "{sha3_256}+40", frame: prefixed("sha3_256"),
			modernReply: "7b736861335f3235367db44a42d1abaf2680db71a431443674a54f2685d2f9c72318d4ef3fcffb121893",
		},
		{
			name: "{md5}+40", frame: prefixed("md5"),
			modernReply: "7b6d64357d69e389ffe3f905cf658f3bc044cd49d7",
		},
		{
			name: "{sha512}+40", frame: prefixed("sha512"),
			modernReason: "unsupported message length, missing digest prefix, or unsupported digest",
		},
		{
			name: "{SHA256}+40: names are case-sensitive", frame: prefixed("SHA256"),
			modernReason: "unsupported message length, missing digest prefix, or unsupported digest",
		},
		{
			name: "} beyond index 9", frame: prefixed("sha3_2567"),
			modernReason: "unsupported message length, missing digest prefix, or unsupported digest",
		},
		{
			name: "{} empty name", frame: prefixed(""),
			modernReason: "unsupported message length, missing digest prefix, or unsupported digest",
		},
		{
			name: "311-byte frame", frame: challengeFrame(make([]byte, 300)),
			modernErr: errBadLength, legacyErr: errBadLength,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/modern", func(t *testing.T) {
			s := newScript(tt.frame, "#WELCOME#")
			err := auth.Answer(s, key)
			switch {
			case tt.modernErr != nil:
				require.ErrorIs(t, err, tt.modernErr)
				assert.NotErrorIs(t, err, auth.ErrAuthentication)
				assert.Empty(t, s.sent)
			case tt.modernReason != "":
				requireAuthReason(t, err, tt.modernReason)
				assert.Empty(t, s.sent, "nothing is sent after a bad challenge")
			default:
				require.NoError(t, err)
				assert.Equal(t, []string{tt.modernReply}, s.sentHex())
			}
		})
		t.Run(tt.name+"/legacy", func(t *testing.T) {
			s := newScript(tt.frame, "#WELCOME#")
			err := auth.Answer(s, key, auth.WithLegacyChallenge())
			switch {
			case tt.legacyErr != nil:
				require.ErrorIs(t, err, tt.legacyErr)
				assert.Empty(t, s.sent)
			case !bytes.HasPrefix(tt.frame, []byte("#CHALLENGE#")):
				requireAuthReason(t, err, "protocol error, expected challenge")
			default:
				require.NoError(t, err)
				require.Len(t, s.sent, 1)
				assert.Len(t, s.sent[0], 16, "legacy peers always answer raw MD5")
				if tt.legacyReply != "" {
					assert.Equal(t, []string{tt.legacyReply}, s.sentHex())
				}
			}
		})
	}
}

func TestAnswerVerdicts(t *testing.T) {
	chal := challengeFrame(append([]byte("{sha256}"), seq(0, 40)...))
	tests := []struct {
		name    string
		recvs   []any
		sendOK  int
		reason  string // auth failure expected
		ioErr   error  // I/O error expected
		message string // *Error.Message expected, when reason set
		sent    int
	}{
		{name: "welcome", recvs: []any{chal, "#WELCOME#"}, sendOK: -1, sent: 1},
		{name: "peer sends #FAILURE#", recvs: []any{chal, "#FAILURE#"}, sendOK: -1, reason: "digest sent was rejected", message: "#FAILURE#", sent: 1},
		{name: "peer sends something else", recvs: []any{chal, "#WELCOME#!"}, sendOK: -1, reason: "digest sent was rejected", message: "#WELCOME#!", sent: 1},
		{name: "peer sends empty verdict", recvs: []any{chal, ""}, sendOK: -1, reason: "digest sent was rejected", message: "", sent: 1},
		{name: "EOF before challenge", recvs: nil, sendOK: -1, ioErr: io.EOF},
		{name: "reset before challenge", recvs: []any{io.ErrUnexpectedEOF}, sendOK: -1, ioErr: io.ErrUnexpectedEOF},
		{name: "EOF after reply", recvs: []any{chal}, sendOK: -1, ioErr: io.EOF, sent: 1},
		{name: "oversize verdict", recvs: []any{chal, string(make([]byte, 257))}, sendOK: -1, ioErr: errBadLength, sent: 1},
		{name: "256-byte verdict is read, then rejected", recvs: []any{chal, string(make([]byte, 256))}, sendOK: -1, reason: "digest sent was rejected", message: string(make([]byte, 256)), sent: 1},
		{name: "send of reply fails", recvs: []any{chal, "#WELCOME#"}, sendOK: 0, ioErr: errSend},
		{name: "#FAILURE# instead of a challenge", recvs: []any{"#FAILURE#"}, sendOK: -1, reason: "protocol error, expected challenge", message: "#FAILURE#"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(tt.recvs...)
			s.sendOK = tt.sendOK
			err := auth.Answer(s, key)
			assert.Len(t, s.sent, tt.sent)
			switch {
			case tt.ioErr != nil:
				require.ErrorIs(t, err, tt.ioErr)
				assert.NotErrorIs(t, err, auth.ErrAuthentication)
			case tt.reason != "":
				requireAuthReason(t, err, tt.reason)
				var ae *auth.Error
				require.True(t, errors.As(err, &ae))
				assert.Equal(t, []byte(tt.message), ae.Message)
			default:
				require.NoError(t, err)
			}
		})
	}
}

func TestAnswerRefuseMD5(t *testing.T) {
	x40 := make40('x')
	tests := []struct {
		name   string
		frame  []byte
		reason string
	}{
		{"legacy 20-byte challenge", challengeFrame(seq(0, 20)), "MD5 refused: peer sent a legacy challenge (CPython <= 3.11) that only HMAC-MD5 answers"},
		{"{md5} challenge", challengeFrame(append([]byte("{md5}"), x40...)), "MD5 refused: peer's challenge asks for {md5}"},
		{"{sha256} challenge", challengeFrame(append([]byte("{sha256}"), x40...)), ""},
		{"{sha3_384} challenge", challengeFrame(append([]byte("{sha3_384}"), x40...)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(tt.frame, "#WELCOME#")
			err := auth.Answer(s, key, auth.RefuseMD5())
			if tt.reason == "" {
				require.NoError(t, err)
				require.Len(t, s.sent, 1)
				return
			}
			requireAuthReason(t, err, tt.reason)
			assert.Empty(t, s.sent, "no MD5 reply goes out")
		})
	}
}
