// Package pickle reads and writes Python's pickle format, protocols 0 to 5,
// as CPython 2.7 to 3.14 write and read it.
//
// Its face is encoding/json's: Marshal and Unmarshal, NewEncoder and
// NewDecoder over an io.Writer or io.Reader, struct tags (`pickle:"name"`),
// RawValue for a part decoded later, and typed errors. Decoding into an
// `any` gives the value model below; decoding into typed Go values fills
// structs, maps, slices and scalars directly. Marshal lists how every Go
// type is written.
//
// # Value model
//
// What a pickle decodes to when the target is an `any`, and what the
// encoder accepts besides ordinary Go values:
//
//	Python                     Go
//	None                       nil
//	bool                       bool
//	int                        int64, or *big.Int beyond int64
//	float                      float64
//	complex                    complex128
//	str                        string
//	bytes                      []byte (a Python 2 str: string, or []byte with Py2StringsAsBytes)
//	bytearray                  ByteArray
//	list                       []any
//	tuple                      Tuple
//	dict                       *Dict
//	collections.OrderedDict    *Dict whose Class is OrderedDict
//	collections.defaultdict    *Dict whose Class is defaultdict (with its DefaultFactory)
//	set, frozenset             *Set, *FrozenSet
//	datetime.datetime          time.Time (naive ↔ time.Local; timezone ↔ a fixed zone, named as it was;
//	                           zoneinfo.ZoneInfo ↔ its time.LoadLocation zone)
//	datetime.date, .time       Date, TimeOfDay
//	datetime.timedelta         time.Duration
//	decimal.Decimal            Decimal
//	uuid.UUID                  UUID
//	a class or function        Global
//	an exception instance      *Exception
//	any other instance         *Object, or a registered Go type
//
// What decodes into `any` encodes back, at the same protocol, to the same
// Python type with the same value: every pickle CPython's standard library
// writes makes the round trip (TestConformanceLive checks it with every
// interpreter on the machine). A value the model cannot hold whole — a
// timedelta beyond time.Duration, a datetime whose tzinfo is neither
// timezone nor zoneinfo.ZoneInfo, a naive datetime the local clock skips, an
// object with state the model has no place for — stays the *Object the
// pickle describes, which encodes back exactly. Two things Python 2 has and
// Go has not: int and long are one Go type (as in Python 3), and a Python 2
// str decodes to a Go string that goes back as unicode when it is UTF-8;
// decode with Py2StringsAsBytes to send 2.7 byte strings back as they came.
//
// Shared references and cycles come back as shared Go values: a list
// referenced twice is one backing array, a dict referenced twice one
// *Dict, a bytes referenced twice one []byte.
//
// Dict and Set compare keys as Python does: by the Python value a Go value
// stands for (1 == 1.0 == True == Decimal("1.0"), NaN equal to nothing), and
// refuse what Python cannot hash (ErrUnhashable); Equal compares values the
// same way.
//
// # Streams, parts and listings
//
// A Decoder reads pickles one after another from any io.Reader, in time
// linear in the input: it reads ahead into a buffer of its own, as
// encoding/json's Decoder does, and Buffered returns what it read past the
// last pickle. A RawValue keeps a part of a pickle undecoded, to be decoded
// later into a type chosen at run time (the kind of a manager's reply
// first, its payload then); a RawUnmarshaler decodes itself from its part
// the same way. Disassemble lists a pickle as pickletools.dis does, at the
// offsets errors report.
//
// # Errors
//
// *SyntaxError (malformed input, with its offset), *LimitError (a limit
// reached: its Limit names the option that raises it; matches ErrLimit),
// *UnknownClassError (Strict mode; matches ErrUnknownClass),
// *UnmarshalTypeError (a value that does not fit its Go target, with the
// path to it), *InvalidUnmarshalError; and when encoding,
// *UnsupportedTypeError, *UnsupportedValueError and *MarshalerError, each
// with the path to the value at fault.
//
// # Options
//
// One rule for every option: its zero value (0, nil) behaves as if the
// option were not given — the default limit, no registry, no hook — except
// WithProtocol, whose 0 is protocol 0; a value out of range (a negative
// limit, a protocol above HighestProtocol) makes the call that uses the
// options fail. A nil Option is ignored.
//
// # How decoding runs
//
// Two decoders share one description of each Python type (type_*.go). The
// direct decoder (decode_direct*.go: the plan per target type, the shapes
// it takes, the reading, typed and any) makes one pass over the opcodes
// of the plain data CPython writes — lists, tuples, dicts with scalar
// keys, sets of scalars, str, bytes, Python 2 str, int, float, bool,
// None, memoized strs and bytes fetched again, and into `any` shared
// containers — and fills a typed target by precomputed field offsets, or
// builds the any value, as it reads. A target holding values is decoded
// in place as the machine would merge into it, unless the pickle would
// write into a map, slice or pointee it holds. For anything else
// (instances, cycles, shared containers into typed targets) it gives up,
// puts the target back as it was, and the machine runs:
// decode_vm.go checks the whole pickle into a tree of nodes, then
// unmarshal_any.go or unmarshal_typed.go make the value. Both give the
// same value or the same error (checked on every CPython-written corpus
// pickle). Unmarshal and Decoder.Decode take the same path; the direct
// decoder's state is reused from call to call.
//
// # How encoding runs
//
// The encoder (encode.go, encode_value.go for the value model,
// encode_reflect.go for Go types, through plans made once per type) walks
// the value and appends opcodes to one buffer, as CPython's C pickler
// does. Its memo by identity (encode_memo.go) keeps every str, bytes and
// container it wrote in a log, behind a bit filter whose bits are the
// objects' addresses, so the objects met once, most of them, cost one
// cached bit. The buffer grows by doubling, or at once to the size the
// last large pickle had or a long list expects, without zeroing; Marshal
// hands out a large buffer as it is and copies a small pickle out, and
// keeps its state for the next call until the collector drops it
// (BenchmarkEncodeFresh measures that case).
//
// # Safety
//
// The decoder executes nothing. A class it does not know becomes an
// *Object that keeps everything the pickle said about it and encodes back
// to the same Python object; a Registry maps chosen classes to Go types in
// both directions, and Strict refuses unknown classes. Every length a pickle
// declares is checked against the input before anything is allocated, and
// depth, memo size, integer digits, total size and the expansion of shared
// references (into typed values, and in hashed keys) are bounded (see the
// Default limits and their options), so no input can make it panic, hang
// or allocate far beyond its own size.
package pickle
