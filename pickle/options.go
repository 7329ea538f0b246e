package pickle

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
	DefaultMaxSize      = 1 << 30 // bytes read by one Decoder.Decode
	DefaultMaxExpansion = 16      // typed decoding: Go elements filled per input byte
)

// Option configures encoding and decoding. Options that concern only one
// direction are ignored by the other.
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
}

func newConfig(opts []Option) config {
	c := config{
		protocol:     DefaultProtocol,
		maxDepth:     DefaultMaxDepth,
		maxMemo:      DefaultMaxMemo,
		maxIntDigits: DefaultMaxIntDigits,
		maxSize:      DefaultMaxSize,
		maxExpansion: DefaultMaxExpansion,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithProtocol selects the protocol the encoder writes (0–5). Decoding reads
// every protocol whatever this says.
func WithProtocol(p int) Option { return func(c *config) { c.protocol, c.protocolSet = p, true } }

// ForPython makes the encoder write only what CPython major.minor can load,
// and fail with an *UnsupportedValueError on what it cannot: the protocol
// defaults to the highest that version reads (2 for 2.7, 4 for 3.0-3.7) and
// a higher WithProtocol is an error; a zoned time.Time is written with a
// fixed-offset datetime.timezone before 3.9 (which has no zoneinfo); an
// aware time.Time or TimeOfDay cannot be written for Python 2 (which has no
// datetime.timezone). Without it, the encoder writes for CPython 3.9+ (and
// the protocol alone decides what older Pythons can read).
func ForPython(major, minor int) Option {
	return func(c *config) { c.target = pythonVersion{major, minor} }
}

// WithRegistry maps Python classes to Go types in both directions.
func WithRegistry(r *Registry) Option { return func(c *config) { c.registry = r } }

// Strict makes decoding fail with ErrUnknownClass on a class or function
// that is neither built in nor registered, instead of producing an *Object.
func Strict() Option { return func(c *config) { c.strict = true } }

// Deterministic makes the encoder write Go map entries in sorted key order,
// so equal values always give equal bytes.
func Deterministic() Option { return func(c *config) { c.deterministic = true } }

// WithMaxDepth bounds the nesting depth of decoded values.
func WithMaxDepth(n int) Option { return func(c *config) { c.maxDepth = n } }

// WithMaxMemo bounds the number of memo entries a pickle may create.
func WithMaxMemo(n int) Option { return func(c *config) { c.maxMemo = n } }

// WithMaxIntDigits bounds the decimal digits of integers written as text
// (protocol 0 INT and LONG), where parsing costs quadratic time.
func WithMaxIntDigits(n int) Option { return func(c *config) { c.maxIntDigits = n } }

// WithMaxSize bounds the bytes one Decode may read from its input.
func WithMaxSize(n int64) Option { return func(c *config) { c.maxSize = n } }

// WithMaxExpansion bounds typed decoding to factor Go elements per input
// byte (plus a 65536-element allowance). A pickle can reference one list from
// a thousand places in a few bytes; decoded into `any` the list is shared,
// but typed targets such as [][]int need a copy for every reference.
func WithMaxExpansion(factor int64) Option { return func(c *config) { c.maxExpansion = factor } }

// WithPersistentLoad resolves PERSID/BINPERSID references; without it such a
// pickle is an error.
func WithPersistentLoad(f func(pid any) (any, error)) Option {
	return func(c *config) { c.persistentLoad = f }
}

// WithPersistentID lets the encoder write a persistent reference (BINPERSID)
// instead of a value, for values where f returns ok.
func WithPersistentID(f func(v any) (pid any, ok bool)) Option {
	return func(c *config) { c.persistentID = f }
}

// Py2StringsAsBytes decodes Python 2 byte strings (STRING, BINSTRING,
// SHORT_BINSTRING) as []byte instead of string.
func Py2StringsAsBytes() Option { return func(c *config) { c.py2StrAsBytes = true } }
