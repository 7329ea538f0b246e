package pickle

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// reprDepth bounds how deep pyRepr descends: a hostile pickle can nest or
// loop values, and an error message must not overflow the stack printing them.
const reprDepth = 8

// pyRepr gives a Python-like repr for error messages and debugging; what lies
// deeper than reprDepth is shown as "...", as Python shows a cycle.
func pyRepr(v any) string { return repr(v, 0) }

func repr(v any, depth int) string {
	if depth > reprDepth {
		return "..."
	}
	if v == nil {
		return "None"
	}
	if f := formOf(v); f != nil {
		return f.repr(v, depth)
	}
	return fmt.Sprint(v)
}

// pyQuote quotes s as Python's repr quotes a str (or, with isBytes, the
// body of a bytes literal): single quotes unless s holds one and no double
// quote, backslash escapes for what is not printable. A string that is
// not UTF-8 shows its stray bytes as \x escapes (and an encoded lone
// surrogate as the \udXXX Python shows).
func pyQuote(s string, isBytes bool) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b := make([]byte, 0, len(s)+2)
	b = append(b, q)
	for i := 0; i < len(s); {
		c := s[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf && !isBytes {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 && i+2 < len(s) && c == 0xed && s[i+1] >= 0xa0 && s[i+1] <= 0xbf {
				r, size = rune(c&0x0f)<<12|rune(s[i+1]&0x3f)<<6|rune(s[i+2]&0x3f), 3 // a lone surrogate
			} else if r == utf8.RuneError && size == 1 {
				r = -1
			}
		}
		i += size
		switch {
		case r == '\\' || r == rune(q):
			b = append(b, '\\', byte(r))
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == -1 || isBytes && c >= 0x80 || r < 0x20 || r == 0x7f:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
		case r < utf8.RuneSelf || strconv.IsPrint(r) && !(r >= 0xd800 && r < 0xe000):
			b = utf8.AppendRune(b, r)
		case r < 0x100:
			b = append(b, '\\', 'x', hexDigits[r>>4], hexDigits[r&15])
		case r < 0x10000:
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = fmt.Appendf(b, `\U%08x`, r)
		}
	}
	return string(append(b, q))
}
