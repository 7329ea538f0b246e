package auth_test

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/auth"
)

// Frames of the golden handshakes, spec section 2.8, header included.
var (
	tagHex      = "234348414c4c454e474523"
	welcomeHex  = "000000092357454c434f4d4523"
	failureHex  = "00000009234641494c55524523"
	sha256Hex   = "7b7368613235367d"
	modernL     = "0000003b" + tagHex + sha256Hex + hex.EncodeToString(seq(0x00, 40)) // listener's {sha256} challenge
	modernC     = "0000003b" + tagHex + sha256Hex + hex.EncodeToString(seq(0x40, 40)) // client's {sha256} challenge
	legacyL     = "0000001f" + tagHex + hex.EncodeToString(seq(0x00, 20))             // listener's 20-byte challenge
	legacyC     = "0000001f" + tagHex + hex.EncodeToString(seq(0x40, 20))             // client's 20-byte challenge
	replyG1L    = "00000028" + sha256Hex + "fc57fbe650d6124b98215e7b5d197d5807ad69982d275a9735ea2d56f1fa6989"
	replyG1C    = "00000028" + sha256Hex + "86ee889301f50c0623fcbcfa57962db6c25c73e7a8e6490939a4a0bf7c018fd7"
	replyG2L    = "00000010" + "7defa9cc46abc3583325d17ccda75190"
	replyG2C    = "00000010" + "14ec56402aa6b6d8629d67848ffdfa71"
	replyG3L    = "00000010" + "8e48d2bb349b4b72b9382999ed5b62eb" // raw MD5 over the listener's 48-byte msg
	replyG4C    = "00000010" + "7b60af171ef570fb6b90468ef0bd5677" // raw MD5 over the client's 48-byte msg
	replyG5     = "00000028" + sha256Hex + "c26d7460dd15c6dd4aa92917821afa7f1a9e7c80ee0553b0318ccc37a2fb373a"
	replyG5Leg  = "00000010" + "29608dbbd32a95a144b820e0cd3d790a"
	replyG5Mixd = "00000010" + "5e742029b3e2b6a12c67db78cd1f4f74"
)

func TestGoldenHandshakes(t *testing.T) {
	legacy := auth.WithLegacyChallenge()
	tests := []struct {
		name               string
		serverKey          []byte
		serverOpts         []auth.Option
		clientKey          []byte
		clientOpts         []auth.Option
		want               []string
		serverErr, clientE string // expected *Error reasons; "" = success
	}{
		{
			name: "G1 modern-modern", serverKey: key, clientKey: key,
			want: []string{
				"L>C " + modernL, "C>L " + replyG1L, "L>C " + welcomeHex,
				"C>L " + modernC, "L>C " + replyG1C, "C>L " + welcomeHex,
			},
		},
		{
			name: "G2 legacy-legacy", serverKey: key, clientKey: key,
			serverOpts: []auth.Option{legacy}, clientOpts: []auth.Option{legacy},
			want: []string{
				"L>C " + legacyL, "C>L " + replyG2L, "L>C " + welcomeHex,
				"C>L " + legacyC, "L>C " + replyG2C, "C>L " + welcomeHex,
			},
		},
		{
			name: "G3 modern listener, legacy client", serverKey: key, clientKey: key,
			clientOpts: []auth.Option{legacy},
			want: []string{
				"L>C " + modernL, "C>L " + replyG3L, "L>C " + welcomeHex,
				"C>L " + legacyC, "L>C " + replyG2C, "C>L " + welcomeHex,
			},
		},
		{
			name: "G4 legacy listener, modern client", serverKey: key, clientKey: key,
			serverOpts: []auth.Option{legacy},
			want: []string{
				"L>C " + legacyL, "C>L " + replyG2L, "L>C " + welcomeHex,
				"C>L " + modernC, "L>C " + replyG4C, "C>L " + welcomeHex,
			},
		},
		{
			name: "G5 wrong key modern-modern", serverKey: key, clientKey: wrongKey,
			want:      []string{"L>C " + modernL, "C>L " + replyG5, "L>C " + failureHex},
			serverErr: "digest received was wrong", clientE: "digest sent was rejected",
		},
		{
			name: "G5 wrong key legacy-legacy", serverKey: key, clientKey: wrongKey,
			serverOpts: []auth.Option{legacy}, clientOpts: []auth.Option{legacy},
			want:      []string{"L>C " + legacyL, "C>L " + replyG5Leg, "L>C " + failureHex},
			serverErr: "digest received was wrong", clientE: "digest sent was rejected",
		},
		{
			name: "G5 wrong key modern listener, legacy client", serverKey: key, clientKey: wrongKey,
			clientOpts: []auth.Option{legacy},
			want:       []string{"L>C " + modernL, "C>L " + replyG5Mixd, "L>C " + failureHex},
			serverErr:  "digest received was wrong", clientE: "digest sent was rejected",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serr, cerr, log := runPair(
				func(m auth.Messenger) error {
					return auth.ServerHandshake(m, tt.serverKey, append([]auth.Option{listenerRandom()}, tt.serverOpts...)...)
				},
				func(m auth.Messenger) error {
					return auth.ClientHandshake(m, tt.clientKey, append([]auth.Option{clientRandom()}, tt.clientOpts...)...)
				},
			)
			assert.Equal(t, tt.want, log.lines())
			if tt.serverErr == "" {
				assert.NoError(t, serr)
			} else {
				requireAuthReason(t, serr, tt.serverErr)
			}
			if tt.clientE == "" {
				assert.NoError(t, cerr)
			} else {
				requireAuthReason(t, cerr, tt.clientE)
			}
		})
	}
}

// TestExtraVectors covers the spec's extra vectors (2.8) and the digests
// the goldens do not exercise, each as both halves of one exchange.
func TestExtraVectors(t *testing.T) {
	xs := string(make40('x'))
	tests := []struct {
		name      string
		key       []byte
		challenge string // message after the tag
		reply     string // hex
	}{
		{"empty key sha256", []byte{}, "{sha256}" + string(seq(0, 40)), sha256Hex + "d18b190a737f779d3125c4a2dfddcebf933e2f2713bc92fbe386ca25df9fd7af"},
		{"nil key is the empty key", nil, "{sha256}" + string(seq(0, 40)), sha256Hex + "d18b190a737f779d3125c4a2dfddcebf933e2f2713bc92fbe386ca25df9fd7af"},
		{"empty key legacy", []byte{}, string(seq(0, 20)), "eee7e8c8fa6d98a59d76c44ce7018548"},
		{"sha384", key, "{sha384}" + xs, "7b7368613338347d517056d96ec39872984e10741f17c2e25225f3856e203176a4c002fabccc3ac8c2510f6e23402a2d20dd1c89d9bd311e"},
		{"md5", key, "{md5}" + xs, "7b6d64357d69e389ffe3f905cf658f3bc044cd49d7"},
		{"sha3_256", key, "{sha3_256}" + xs, "7b736861335f3235367db44a42d1abaf2680db71a431443674a54f2685d2f9c72318d4ef3fcffb121893"},
		{"sha3_384", key, "{sha3_384}" + xs, "7b736861335f3338347d3cb279024384265f8ae0ae773073f860a41e6b5ea0e947de9b9938733f0e945cddc219752c70be6c1624dfd12b951b78"},
		{"sha256", key, "{sha256}" + xs, "7b7368613235367dd6015d69eb8ea16fa3facb01e106d867717f46fcab6e70010c6127f58a15301d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(challengeFrame([]byte(tt.challenge)), "#WELCOME#")
			require.NoError(t, auth.Answer(s, tt.key))
			assert.Equal(t, []string{tt.reply}, s.sentHex())
		})
	}
}

// TestDeliverOfferedDigests: WithDigest changes only the prefix offered;
// our own Answer accepts each, and the sha384 offer matches CPython's reply.
func TestDeliverOfferedDigests(t *testing.T) {
	for _, d := range []auth.Digest{auth.MD5, auth.SHA256, auth.SHA384, auth.SHA3_256, auth.SHA3_384} {
		t.Run(string(d), func(t *testing.T) {
			serr, cerr, log := runPair(
				func(m auth.Messenger) error { return auth.Deliver(m, key, auth.WithDigest(d), listenerRandom()) },
				func(m auth.Messenger) error { return auth.Answer(m, key) },
			)
			require.NoError(t, serr)
			require.NoError(t, cerr)
			lines := log.lines()
			require.Len(t, lines, 3)
			prefix := hex.EncodeToString([]byte("{" + string(d) + "}"))
			assert.Equal(t, "L>C "+frameHex(challengeFrame(append([]byte("{"+string(d)+"}"), seq(0, 40)...))), lines[0])
			assert.Contains(t, lines[1], "C>L "+lines[1][4:12]+prefix)
			if d == auth.SHA384 {
				assert.Equal(t, "C>L 00000038"+"7b7368613338347dbae78a3376369f7b803a8473318a9b7062495b47434159ac84fc92ddb33c51b277c44c3edd9a5f9cb7d628f21abe2665", lines[1])
			}
			assert.Equal(t, "L>C "+welcomeHex, lines[2])
		})
	}
}

func make40(c byte) []byte {
	b := make([]byte, 40)
	for i := range b {
		b[i] = c
	}
	return b
}
