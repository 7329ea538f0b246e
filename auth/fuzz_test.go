package auth_test

import (
	"testing"

	"github.com/mpconn/mpconn/auth"
)

// fuzzOptions picks options from a fuzzed selector; contradictory pairs are
// avoided so the handshake code, not option validation, is exercised.
func fuzzOptions(sel uint8) []auth.Option {
	opts := []auth.Option{listenerRandom()}
	switch sel % 4 {
	case 1:
		opts = append(opts, auth.RefuseMD5())
	case 2:
		opts = append(opts, auth.WithLegacyChallenge())
	case 3:
		opts = append(opts, auth.WithDigest(auth.SHA3_384))
	}
	return opts
}

// FuzzAnswer plays a hostile listener: any challenge frame, any verdict.
func FuzzAnswer(f *testing.F) {
	x40 := make40('x')
	f.Add([]byte("hello"), []byte("#WELCOME#"), uint8(0))
	f.Add(challengeFrame(seq(0, 20)), []byte("#WELCOME#"), uint8(1))
	f.Add(challengeFrame(append([]byte("{sha256}"), seq(0, 40)...)), []byte("#FAILURE#"), uint8(0))
	f.Add(challengeFrame(append([]byte("{md5}"), x40...)), []byte("#WELCOME#"), uint8(1))
	f.Add(challengeFrame(append([]byte("{sha3_384}"), x40...)), []byte("#WELCOME#"), uint8(2))
	f.Add(challengeFrame([]byte("{}}}}}}}}}}}}}}}}}}}}}}}}")), []byte{}, uint8(0))
	f.Add([]byte("#CHALLENGE#{"), []byte(nil), uint8(3))
	f.Fuzz(func(t *testing.T, challenge, verdict []byte, sel uint8) {
		s := newScript(challenge, verdict)
		err := auth.Answer(s, key, fuzzOptions(sel)...)
		if len(s.sent) > 1 {
			t.Fatalf("sent %d messages, want at most 1", len(s.sent))
		}
		if err == nil && (len(s.sent) != 1 || string(verdict) != "#WELCOME#") {
			t.Fatalf("success without a reply and #WELCOME#: sent %d, verdict %q", len(s.sent), verdict)
		}
		if len(s.sent) == 1 && len(s.sent[0]) > 256 {
			t.Fatalf("reply of %d bytes", len(s.sent[0]))
		}
	})
}

// FuzzDeliver plays a hostile client: any reply to our challenge.
func FuzzDeliver(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add(unhex(f, replyG1L[8:]), uint8(0))
	f.Add(unhex(f, replyG3L[8:]), uint8(1))
	f.Add(unhex(f, replyG2L[8:]), uint8(2))
	f.Add([]byte("{sha256}"), uint8(0))
	f.Add([]byte("{md5}0123456789abcdef"), uint8(1))
	f.Add([]byte("{sha3_384}"), uint8(3))
	f.Add([]byte("#FAILURE#"), uint8(0))
	f.Fuzz(func(t *testing.T, reply []byte, sel uint8) {
		s := newScript(reply)
		err := auth.Deliver(s, key, fuzzOptions(sel)...)
		switch {
		case len(reply) > 256:
			if err == nil || len(s.sent) != 1 {
				t.Fatalf("oversize reply: err %v, sent %d (want an error and no verdict)", err, len(s.sent))
			}
		case err == nil:
			if len(s.sent) != 2 || string(s.sent[1]) != "#WELCOME#" {
				t.Fatalf("success without #WELCOME#: %q", s.sent)
			}
		default:
			if len(s.sent) != 2 || string(s.sent[1]) != "#FAILURE#" {
				t.Fatalf("failure %v without #FAILURE#: %q", err, s.sent)
			}
		}
	})
}
