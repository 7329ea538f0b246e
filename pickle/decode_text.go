package pickle

import (
	"bytes"
	"errors"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// parseTextInt parses the argument of INT or LONG (protocol 0) as pickle.py
// does: int(line, 0), "00"/"01" meaning False/True for INT, an optional
// trailing 'L' for LONG.
func (m *machine) parseTextInt(start int, line []byte, long bool) (val, error) {
	if !long {
		if string(line) == "00" {
			return val{k: kBool, off: off32(start)}, nil
		}
		if string(line) == "01" {
			return val{k: kBool, off: off32(start), n: 1}, nil
		}
	}
	s := strings.TrimSpace(string(line))
	if long && strings.HasSuffix(s, "L") {
		s = s[:len(s)-1]
	}
	digits := len(strings.TrimLeft(s, "+-"))
	if digits > m.cfg.maxIntDigits {
		return val{}, m.limitErr(LimitIntDigits, int64(m.cfg.maxIntDigits), int64(digits), start)
	}
	if n, err := strconv.ParseInt(s, 0, 64); err == nil {
		return val{k: kInt, off: off32(start), n: n}, nil
	}
	x, ok := new(big.Int).SetString(s, 0)
	if !ok || s == "" {
		return val{}, m.errAt(start, "invalid literal for int() with base 0: %q", line)
	}
	return m.bigVal(start, x), nil
}

func parseTextFloat(line []byte) (float64, error) {
	s := strings.TrimSpace(string(line))
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case "inf", "infinity", "nan":
	default:
		if strings.ContainsAny(s, "xXpP") {
			return 0, errors.New("invalid float")
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, nil // Python's float() overflows to inf too
		}
	}
	return f, err
}

// escapeDecode is codecs.escape_decode: the body of a protocol 0 STRING.
func escapeDecode(b []byte) ([]byte, error) {
	if bytes.IndexByte(b, '\\') < 0 {
		return append([]byte(nil), b...), nil
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(b) {
			return nil, errors.New("Trailing \\ in string")
		}
		c = b[i]
		switch c {
		case '\n':
		case '\\', '\'', '"':
			out = append(out, c)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 't':
			out = append(out, '\t')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 'v':
			out = append(out, '\v')
		case 'a':
			out = append(out, '\a')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for k := 0; k < 2 && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(b[i]-'0')
			}
			out = append(out, byte(v))
		case 'x':
			if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
				out = append(out, byte(hexVal(b[i+1])<<4|hexVal(b[i+2])))
				i += 2
			} else {
				return nil, errors.New("invalid \\x escape in STRING")
			}
		default:
			out = append(out, '\\', c)
		}
	}
	return out, nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	default:
		return int(c-'A') + 10
	}
}

// rawUnicodeEscapeDecode is the raw-unicode-escape codec: bytes are Latin-1
// code points, and \uXXXX / \UXXXXXXXX are escapes when preceded by an odd
// number of backslashes. Surrogate pairs (from narrow builds) are joined;
// a lone surrogate becomes U+FFFD.
func rawUnicodeEscapeDecode(b []byte) (string, error) {
	var runes []rune
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			runes = append(runes, rune(c))
			i++
			continue
		}
		j := i
		for j < len(b) && b[j] == '\\' {
			runes = append(runes, '\\')
			j++
		}
		if (j-i)&1 == 0 || j >= len(b) || (b[j] != 'u' && b[j] != 'U') {
			i = j
			continue
		}
		runes = runes[:len(runes)-1]
		n := 4
		if b[j] == 'U' {
			n = 8
		}
		j++
		var r uint32
		for k := 0; k < n; k++ {
			if j >= len(b) || !isHex(b[j]) {
				return "", errors.New("truncated \\uXXXX escape in UNICODE")
			}
			r = r<<4 | uint32(hexVal(b[j]))
			j++
		}
		if r > utf8.MaxRune {
			return "", errors.New("\\Uxxxxxxxx out of range in UNICODE")
		}
		runes = append(runes, rune(r))
		i = j
	}
	// Join surrogate pairs.
	out := make([]rune, 0, len(runes))
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		if utf16.IsSurrogate(r) && r < 0xdc00 && i+1 < len(runes) {
			if p := utf16.DecodeRune(r, runes[i+1]); p != utf8.RuneError {
				out = append(out, p)
				i++
				continue
			}
		}
		out = append(out, r)
	}
	return string(out), nil
}
