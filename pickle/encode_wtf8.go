package pickle

// Validation of the strings the encoder writes as str: UTF-8, or WTF-8
// (UTF-8 that may also hold encoded surrogates, ED A0..BF 80..BF, as
// CPython's "surrogatepass" writes a str with lone surrogates). Every str
// the encoder writes is checked, so the check is a shift DFA: one table
// load per byte, independent of the state, and one shift that depends on
// it, where unicode/utf8.ValidString branches on every rune (a fifth of
// the CPU profile of encoding 100k non-ASCII strings).

// The DFA's states are shift amounts: the row of a byte holds, at bit
// offset s, the state that follows state s on that byte.
const (
	wtf8Accept = 0 * 6 // between characters
	wtf8Error  = 1 * 6 // absorbing
	wtf8Need1  = 2 * 6 // one continuation byte 80..BF to go
	wtf8Need2  = 3 * 6 // two continuation bytes to go
	wtf8E0     = 4 * 6 // after E0: A0..BF (no overlong forms), then one more
	wtf8F0     = 5 * 6 // after F0: 90..BF (no overlong forms), then two more
	wtf8Need3  = 6 * 6 // after F1..F3: three continuation bytes
	wtf8F4     = 7 * 6 // after F4: 80..8F (nothing above U+10FFFF), then two more
)

var wtf8Rows = func() (rows [256]uint64) {
	for b := 0; b < 256; b++ {
		var fromAccept uint64
		switch {
		case b < 0x80:
			fromAccept = wtf8Accept
		case b >= 0xc2 && b <= 0xdf:
			fromAccept = wtf8Need1
		case b == 0xe0:
			fromAccept = wtf8E0
		case b >= 0xe1 && b <= 0xef: // ED included: surrogates pass
			fromAccept = wtf8Need2
		case b == 0xf0:
			fromAccept = wtf8F0
		case b >= 0xf1 && b <= 0xf3:
			fromAccept = wtf8Need3
		case b == 0xf4:
			fromAccept = wtf8F4
		default: // 80..C1 (continuations, overlong leads), F5..FF
			fromAccept = wtf8Error
		}
		next := map[uint64]uint64{wtf8Accept: fromAccept}
		if b >= 0x80 && b <= 0xbf {
			next[wtf8Need1] = wtf8Accept
			next[wtf8Need2] = wtf8Need1
			next[wtf8Need3] = wtf8Need2
			if b >= 0xa0 {
				next[wtf8E0] = wtf8Need1
			}
			if b >= 0x90 {
				next[wtf8F0] = wtf8Need2
			}
			if b <= 0x8f {
				next[wtf8F4] = wtf8Need2
			}
		}
		for from := uint64(0); from < 8*6; from += 6 {
			to, ok := next[from]
			if !ok {
				to = wtf8Error
			}
			rows[b] |= to << from
		}
	}
	return rows
}()

// validWTF8 reports whether s is UTF-8, or UTF-8 with encoded surrogates.
func validWTF8(s string) bool {
	// An ASCII prefix eight bytes at a time, then the DFA.
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&0x8080808080808080 != 0 {
			break
		}
	}
	state := uint64(wtf8Accept)
	for ; i < len(s); i++ {
		state = wtf8Rows[s[i]] >> (state & 63)
	}
	return state&63 == wtf8Accept
}
