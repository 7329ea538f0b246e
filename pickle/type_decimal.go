package pickle

// decimal.Decimal: Decimal, its exact text. CPython writes
// Decimal(str(self)). A Decimal is a number: it compares and hashes equal
// to the int or float of the same value, as in Python.

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Decimal is a decimal.Decimal, kept as its exact text ("1.10", "NaN", "-Infinity").
type Decimal string

var globalDecimal = Global{"decimal", "Decimal"}

func init() {
	form[Decimal]{
		name:   "decimal.Decimal",
		encode: (*encoder).saveDecimal,
		hash:   func(d Decimal, _ int) (hashKey, error) { return d.key() },
		repr:   func(d Decimal, _ int) string { return "Decimal(" + pyQuote(string(d), false) + ")" },
	}.declare()
	declareClass(&pyClass{reduce: reduceDecimal}, globalDecimal, Global{"_pydecimal", "Decimal"})
}

func reduceDecimal(m *machine, pos int, _ val, args []val) (val, bool, error) {
	if len(args) != 1 {
		return val{}, false, nil
	}
	s, ok := m.text(args[0])
	if !ok {
		return val{}, false, nil
	}
	if err := m.spendCall(pos, copyUnits(int64(len(s)))); err != nil || !validDecimal(s) {
		return val{}, false, err
	}
	return m.valueNode(pos, Decimal(s)), true, nil
}

// decimalKeyDigits bounds the integers a Decimal key spells out: a
// Decimal('1E+999999999') is not turned into a billion digits; as a key it
// then equals only Decimals of the same value.
const decimalKeyDigits = 1 << 16

// key is the Decimal's value as a key: the int or float key of the same
// value when there is one, else a canonical form of its digits (trailing
// zeros dropped into the exponent), so that Decimal('1.10') ==
// Decimal('1.1') == 1.1 is false but Decimal('2.0') == 2 and
// Decimal('0.5') == 0.5 are true, as in Python. NaN equals nothing; a
// signaling NaN cannot be hashed.
func (d Decimal) key() (hashKey, error) {
	s := strings.ToLower(strings.TrimSpace(string(d)))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	switch {
	case s == "inf" || s == "infinity":
		if neg {
			return floatKey(math.Inf(-1)), nil
		}
		return floatKey(math.Inf(1)), nil
	case strings.HasPrefix(s, "snan"):
		return hashKey{}, fmt.Errorf("%w: cannot hash a signaling NaN Decimal", ErrUnhashable)
	case strings.HasPrefix(s, "nan"):
		return floatKey(math.NaN()), nil
	}
	mant, expText, _ := strings.Cut(s, "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	exp, err := strconv.ParseInt(strings.TrimPrefix(expText, "+"), 10, 64)
	if expText == "" {
		exp, err = 0, nil
	}
	if err != nil || exp > 1<<40 || exp < -1<<40 { // an exponent beyond reason: equal only to itself
		return hashKey{kind: 'd', s: string(d)}, nil
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= int64(len(frac))
	if digits == "" {
		return intKey(0), nil
	}
	for strings.HasSuffix(digits, "0") {
		digits = digits[:len(digits)-1]
		exp++
	}
	sign := ""
	if neg {
		sign = "-"
	}
	switch {
	case exp >= 0 && int64(len(digits))+exp <= decimalKeyDigits:
		x, _ := new(big.Int).SetString(sign+digits+strings.Repeat("0", int(exp)), 10)
		return bigKey(x), nil
	case exp < 0 && -exp <= 1100 && len(digits) <= 1100: // maybe a float exactly
		num, _ := new(big.Int).SetString(sign+digits, 10)
		r := new(big.Rat).SetFrac(num, new(big.Int).Exp(big.NewInt(10), big.NewInt(-exp), nil))
		if f, exact := r.Float64(); exact {
			return floatKey(f), nil
		}
	}
	return hashKey{kind: 'd', s: sign + digits + "e" + strconv.FormatInt(exp, 10)}, nil
}

// saveDecimal writes decimal.Decimal(text).
func (e *encoder) saveDecimal(d Decimal) error {
	if !validDecimal(string(d)) {
		return valueErr(d, "not a decimal.Decimal literal: "+pyRepr(string(d)))
	}
	if err := e.saveGlobal(globalDecimal); err != nil {
		return err
	}
	if err := e.tupleOf(1, func(int) error { return e.saveFreshString(string(d)) }); err != nil {
		return err
	}
	e.op(opReduce)
	e.memoPut()
	return nil
}

// validDecimal accepts what decimal.Decimal(str) accepts on every Python
// from 2.7: [sign] digits [. digits] [e [sign] digits], Inf, Infinity,
// NaN and sNaN (with optional payload digits), any case, surrounded by
// optional whitespace.
func validDecimal(s string) bool {
	s = strings.TrimSpace(s)
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	low := strings.ToLower(s)
	switch {
	case low == "inf" || low == "infinity":
		return true
	case strings.HasPrefix(low, "nan"):
		return allDigits(low[3:], true)
	case strings.HasPrefix(low, "snan"):
		return allDigits(low[4:], true)
	}
	mant, exp, hasExp := strings.Cut(low, "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" || !allDigits(intPart, true) || !allDigits(frac, true) {
		return false
	}
	if hasExp {
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		return allDigits(exp, false)
	}
	return true
}

func allDigits(s string, emptyOK bool) bool {
	if s == "" {
		return emptyOK
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
