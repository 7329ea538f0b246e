package pickle

// str: a Go string (UTF-8, or WTF-8 for lone surrogates as CPython's
// "surrogatepass" writes them), as CPython writes str: SHORT_BINUNICODE,
// BINUNICODE, BINUNICODE8 (UNICODE raw-unicode-escape at protocol 0). A
// string that is not UTF-8 can only be what a Python 2 byte string decoded
// to: at protocols 0 to 2 it is written back as one (STRING, SHORT_BINSTRING,
// BINSTRING, as 2.7 writes str); Python 3's str cannot hold it.

import (
	"math"
	"unicode/utf8"
	"unsafe"
)

func init() {
	form[string]{
		name:   "str",
		encode: (*encoder).saveString,
		hash:   func(s string, _ int) (hashKey, error) { return hashKey{kind: 's', s: s}, nil },
		repr:   func(s string, _ int) string { return pyQuote(s, false) },
		equal: func(a string, b any, _ visited) bool {
			s, ok := b.(string)
			return ok && a == s
		},
	}.declare()
}

func (e *encoder) saveString(s string) error {
	if len(s) == 0 || uint64(len(s)) > 0xffffffff {
		// '' is a singleton; a str of 4 GiB or more is not memoized by
		// identity (written again if met again).
		if err := e.writeStr(s); err != nil {
			return err
		}
		e.memoPut()
		return nil
	}
	k := refKey{p: unsafe.Pointer(unsafe.StringData(s)), n: len(s)}
	if idx, ok := e.ids.get(k); ok {
		e.memoGet(idx)
		return nil
	}
	if err := e.writeStr(s); err != nil {
		return err
	}
	e.ids.put(k, e.memoPut())
	return nil
}

// saveFreshString writes a str object nobody else refers to and memoizes it.
func (e *encoder) saveFreshString(s string) error {
	e.boundary()
	if err := e.writeStr(s); err != nil {
		return err
	}
	e.memoPut()
	return nil
}

// saveInterned writes a str the way CPython writes an interned identifier
// (module names, attribute names): equal values share one memo entry.
// The names a struct's fields are written under are the same Go strings
// record after record: those are found by their data's address in a small
// cache before the map is asked (hashing each name was 4 % of encoding
// 100k typed records).
func (e *encoder) saveInterned(s string) error {
	e.boundary()
	// Names sit side by side in the binary: the address is hashed.
	c := &e.internHot[uint64(uintptr(unsafe.Pointer(unsafe.StringData(s))))*0x9e3779b97f4a7c15>>(64-internHotBits)]
	if unsafe.StringData(c.s) == unsafe.StringData(s) && len(c.s) == len(s) && c.v != 0 {
		e.memoGet(c.v - 1)
		return nil
	}
	idx, ok := e.internMemo[s]
	if ok {
		e.memoGet(idx)
	} else {
		if err := e.writeStr(s); err != nil {
			return err
		}
		if e.internMemo == nil {
			e.internMemo = make(map[string]int)
		}
		idx = e.memoPut()
		e.internMemo[s] = idx
	}
	*c, e.internHotSet = internSlot{s: s, v: idx + 1}, true
	return nil
}

// internHotBits sizes encoder.internHot: 32 names.
const internHotBits = 5

// internSlot is an entry of encoder.internHot.
type internSlot struct {
	s string
	v int // memo index + 1; 0 marks a free slot
}

func (e *encoder) writeStr(s string) error {
	if !validWTF8(s) {
		if e.proto > 2 {
			return valueErr(s, "string is not valid UTF-8: Python 3's str cannot hold it (at protocols 0 to 2 it is written as a Python 2 str; []byte is bytes)")
		}
		return e.writePy2Str(s)
	}
	if !e.bin {
		e.frame()
		e.buf = append(e.buf, opUnicode)
		e.buf = appendRawUnicodeEscape(e.buf, s)
		e.buf = append(e.buf, '\n')
		return nil
	}
	n := len(s)
	var h []byte
	switch {
	case n <= 0xff && e.proto >= 4:
		h = append(e.scratch[:0], opShortBinunicode, byte(n))
	case uint64(n) <= 0xffffffff:
		h = append(e.scratch[:0], opBinunicode, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	case e.proto >= 4:
		h = e.scratch[:9]
		h[0] = opBinunicode8
		putU64(h[1:], uint64(n))
	default:
		return valueErr(s, "a string larger than 4 GiB needs protocol 4 or higher")
	}
	writeBlob(e, h, s)
	return nil
}

// writePy2Str writes a Python 2 str, as 2.7's pickler does: STRING with
// its repr at protocol 0, SHORT_BINSTRING or BINSTRING above.
func (e *encoder) writePy2Str(s string) error {
	switch {
	case !e.bin:
		e.frame()
		e.buf = append(e.buf, opString)
		e.buf = append(e.buf, pyQuote(s, true)...)
		e.buf = append(e.buf, '\n')
	case len(s) < 256:
		writeBlob(e, []byte{opShortBinstring, byte(len(s))}, s)
	case len(s) <= math.MaxInt32:
		h := append(e.scratch[:0], opBinstring, 0, 0, 0, 0)
		putU32(h[1:], uint32(len(s)))
		writeBlob(e, h, s)
	default:
		return valueErr(s, "a Python 2 str holds at most 2 GiB")
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// appendRawUnicodeEscape is CPython's raw_unicode_escape for the UNICODE
// opcode: code points below 256 as Latin-1 bytes except \, NUL, \n, \r and
// ^Z, which become \u00XX like the rest of the BMP; astral code points as
// \UXXXXXXXX.
func appendRawUnicodeEscape(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if c == '\\' || c == 0 || c == '\n' || c == '\r' || c == 0x1a {
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			} else {
				b = append(b, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// an encoded lone surrogate (validWTF8 let it through)
			r = rune(s[i]&0x0f)<<12 | rune(s[i+1]&0x3f)<<6 | rune(s[i+2]&0x3f)
			size = 3
		}
		i += size
		switch {
		case r >= 0x10000:
			b = append(b, '\\', 'U')
			for sh := 28; sh >= 0; sh -= 4 {
				b = append(b, hexDigits[(r>>sh)&15])
			}
		case r >= 256:
			b = append(b, '\\', 'u', hexDigits[(r>>12)&15], hexDigits[(r>>8)&15], hexDigits[(r>>4)&15], hexDigits[r&15])
		default:
			b = append(b, byte(r))
		}
	}
	return b
}
