package pickle

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// validWTF8Reference is the definition validWTF8 implements: UTF-8, where
// a three-byte sequence ED A0..BF 80..BF (an encoded surrogate) also
// passes.
func validWTF8Reference(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			if i+2 < len(s) && s[i] == 0xed && s[i+1] >= 0xa0 && s[i+1] <= 0xbf && s[i+2] >= 0x80 && s[i+2] <= 0xbf {
				i += 3
				continue
			}
			return false
		}
		i += size
	}
	return true
}

func TestValidWTF8(t *testing.T) {
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"", true}, {"ascii only, longer than eight", true}, {"héllo", true}, {"日本語", true}, {"😀", true},
		{"\xed\xa0\x80", true}, {"a\xed\xbf\xbfb", true}, {"\xed\xa0\x80\xed\xb0\x80", true}, {"\xef\xbf\xbd", true},
		{"\xf4\x8f\xbf\xbf", true}, {"\xf4\x90\x80\x80", false}, {"\xc0\x80", false}, {"\xc1\xbf", false},
		{"\xe0\x9f\xbf", false}, {"\xf0\x8f\xbf\xbf", false}, {"\x80", false}, {"\xc3", false}, {"12345678\xe6\x97", false},
		{"\xed\xa0", false}, {"\xf5\x80\x80\x80", false}, {"\xff", false}, {"abcdefgh\xff", false},
	} {
		if got := validWTF8(c.s); got != c.want {
			t.Errorf("validWTF8(%q) = %v, want %v", c.s, got, c.want)
		}
		if ref := validWTF8Reference(c.s); ref != c.want {
			t.Errorf("reference(%q) = %v, want %v", c.s, ref, c.want)
		}
	}
	// Random strings built from the bytes that matter at every position.
	alphabet := []byte{0x00, 'a', 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
		0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(b)
		if got, want := validWTF8(s), validWTF8Reference(s); got != want {
			t.Fatalf("validWTF8(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzValidWTF8(f *testing.F) {
	f.Add("héllo")
	f.Add("a\xed\xa0\x80b")
	f.Add("\xf4\x90\x80\x80")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validWTF8(s), validWTF8Reference(s); got != want {
			t.Fatalf("validWTF8(%q) = %v, want %v", s, got, want)
		}
	})
}
