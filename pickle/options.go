package pickle

import "fmt"

// DefaultProtocol is the protocol Marshal writes: every CPython from 3.4 reads
// it and 3.8–3.13 send it themselves. Use WithProtocol(2) for a 2.7 peer.
const DefaultProtocol = 4

// HighestProtocol is the newest protocol this package reads and writes.
const HighestProtocol = 5

// Default limits. They bound what a hostile pickle can make the decoder do;
// each has an option to change it.
const (
	DefaultMaxDepth     = 10000   // nesting of containers and objects
	DefaultMaxMemo      = 1 << 20 // memo entries
	DefaultMaxIntDigits = 4300    // decimal digits of a text integer, as CPython's sys.int_info.default_max_str_digits
	DefaultMaxSize      = 1 << 30 // bytes of one pickle (Unmarshal's data, one Decoder.Decode)
	DefaultMaxExpansion = 16      // Go elements filled, or key elements hashed, per input byte
)

// Option configures encoding and decoding. Options that concern only one
// direction are ignored by the other, and a nil Option is ignored.
//
// One rule for zero values: an option given the zero value of its argument
// (0, nil) behaves as if it were not given — the default limit, no
// registry, no hook — except WithProtocol, whose 0 is protocol 0. A value
// out of range (a negative limit, a protocol above HighestProtocol) makes
// the call that uses the options fail; nothing is clamped silently.
type Option func(*config)

type config struct {
	protocol       int
	protocolSet    bool
	target         pythonVersion // zero: any CPython 3.9+ will load what is written
	registry       *Registry
	strict         bool
	deterministic  bool
	maxDepth       int
	maxMemo        int
	maxIntDigits   int
	maxSize        int64
	maxExpansion   int64
	persistentLoad func(pid any) (any, error)
	persistentID   func(v any) (pid any, ok bool)
	py2StrAsBytes  bool
	err            error // the first invalid option
}

func newConfig(opts []Option) config {
	var c config
	c.init(opts)
	return c
}

// init sets c to the defaults and applies opts. It fills c in place so
// that a config living inside a larger heap object (the decoder's
// smallMachine) costs no allocation of its own: options are closures, so
// the config they are given always escapes.
func (c *config) init(opts []Option) {
	*c = config{
		protocol:     DefaultProtocol,
		maxDepth:     DefaultMaxDepth,
		maxMemo:      DefaultMaxMemo,
		maxIntDigits: DefaultMaxIntDigits,
		maxSize:      DefaultMaxSize,
		maxExpansion: DefaultMaxExpansion,
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
}

// invalid records the first invalid option, which the call using the
// options returns.
func (c *config) invalid(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("pickle: "+format, args...)
	}
}

// limit applies the rule every limit option shares: n > 0 sets it, 0
// restores the default, a negative n is an error.
func limit[T int | int64](c *config, name string, n, def T, dst *T) {
	switch {
	case n > 0:
		*dst = n
	case n == 0:
		*dst = def
	default:
		c.invalid("%s(%d): a limit cannot be negative (0 restores the default, %d)", name, n, def)
	}
}

// WithProtocol selects the protocol the encoder writes, 0 to
// HighestProtocol (0 is protocol 0, the text protocol; any other value
// makes Marshal and Encode fail). Decoding reads every protocol whatever
// this says.
func WithProtocol(p int) Option {
	return func(c *config) {
		if p < 0 || p > HighestProtocol {
			c.invalid("WithProtocol(%d): the protocols are 0 to %d", p, HighestProtocol)
			return
		}
		c.protocol, c.protocolSet = p, true
	}
}

// ForPython makes the encoder write only what CPython major.minor can load,
// and fail with an *UnsupportedValueError on what it cannot: the protocol
// defaults to the highest that version reads (2 for 2.7, 4 for 3.0-3.7) and
// a higher WithProtocol is an error; a zoned time.Time is written with a
// fixed-offset datetime.timezone before 3.9 (which has no zoneinfo); an
// aware time.Time or TimeOfDay cannot be written for Python 2 (which has no
// datetime.timezone). Without it (or with ForPython(0, 0)), the encoder
// writes for CPython 3.9+ (and the protocol alone decides what older
// Pythons can read).
func ForPython(major, minor int) Option {
	return func(c *config) {
		if v := (pythonVersion{major, minor}); v.set() && (major != 2 && major != 3 || minor < 0) {
			c.invalid("ForPython(%d, %d): not a CPython version this package knows", major, minor)
			return
		}
		c.target = pythonVersion{major, minor}
	}
}

// WithRegistry maps Python classes to Go types in both directions; nil
// means none.
func WithRegistry(r *Registry) Option { return func(c *config) { c.registry = r } }

// Strict makes decoding fail with an *UnknownClassError on a class or
// function that is neither built in nor registered, instead of producing
// an *Object.
func Strict() Option { return func(c *config) { c.strict = true } }

// Deterministic makes the encoder write Go map entries in sorted key order,
// so equal values always give equal bytes.
func Deterministic() Option { return func(c *config) { c.deterministic = true } }

// WithMaxDepth bounds the nesting depth of decoded values, and of values
// the encoder writes (0 restores DefaultMaxDepth).
func WithMaxDepth(n int) Option {
	return func(c *config) { limit(c, "WithMaxDepth", n, DefaultMaxDepth, &c.maxDepth) }
}

// WithMaxMemo bounds the number of memo entries a pickle may create (0
// restores DefaultMaxMemo).
func WithMaxMemo(n int) Option {
	return func(c *config) { limit(c, "WithMaxMemo", n, DefaultMaxMemo, &c.maxMemo) }
}

// WithMaxIntDigits bounds the decimal digits of integers written as text
// (protocol 0 and 1 INT and LONG), where parsing costs quadratic time, in
// both directions (0 restores DefaultMaxIntDigits).
func WithMaxIntDigits(n int) Option {
	return func(c *config) { limit(c, "WithMaxIntDigits", n, DefaultMaxIntDigits, &c.maxIntDigits) }
}

// WithMaxSize bounds the bytes of one pickle: Unmarshal's data up to STOP,
// or what one Decoder.Decode reads for its pickle (0 restores
// DefaultMaxSize).
func WithMaxSize(n int64) Option {
	return func(c *config) { limit(c, "WithMaxSize", n, DefaultMaxSize, &c.maxSize) }
}

// WithMaxExpansion bounds, to factor elements per input byte (plus an
// allowance of 65536), the work that shared references can multiply: a
// pickle can reference one list from a thousand places in a few bytes;
// decoded into `any` the list is shared, but typed targets such as [][]int
// need a copy for every reference (a str or bytes copied into a []byte or
// string, or by a call such as bytearray(b), counts an element per 16
// bytes; set(l) counts l's items), and hashing a tuple key visits every
// element of every shared sub-tuple. 0 restores DefaultMaxExpansion.
func WithMaxExpansion(factor int64) Option {
	return func(c *config) { limit(c, "WithMaxExpansion", factor, DefaultMaxExpansion, &c.maxExpansion) }
}

// expansionBudget is what WithMaxExpansion allows for an input of n bytes.
func (c *config) expansionBudget(n int) int64 {
	if c.maxExpansion > (1<<62)/int64(max(n, 1)) {
		return 1 << 62
	}
	return c.maxExpansion*int64(n) + 1<<16
}

// WithPersistentLoad resolves PERSID/BINPERSID references; without it (or
// with nil) such a pickle is an error.
func WithPersistentLoad(f func(pid any) (any, error)) Option {
	return func(c *config) { c.persistentLoad = f }
}

// WithPersistentID lets the encoder write a persistent reference (BINPERSID)
// instead of a value, for values where f returns ok; nil means none.
func WithPersistentID(f func(v any) (pid any, ok bool)) Option {
	return func(c *config) { c.persistentID = f }
}

// Py2StringsAsBytes decodes Python 2 byte strings (STRING, BINSTRING,
// SHORT_BINSTRING) as []byte instead of string. Encoded again (at protocol
// 2 or lower, as a 2.7 peer reads), they are Python 2 str again, so a 2.7
// peer's values make the round trip unchanged.
func Py2StringsAsBytes() Option { return func(c *config) { c.py2StrAsBytes = true } }
