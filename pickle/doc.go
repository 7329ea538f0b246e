// Package pickle reads and writes Python's pickle format, protocols 0 to 5,
// as CPython 2.7 to 3.14 write and read it.
//
// Its face is encoding/json's: Marshal and Unmarshal, NewEncoder and
// NewDecoder over an io.Writer or io.Reader, struct tags (`pickle:"name"`),
// and typed errors. Decoding into an `any` gives the value model below;
// decoding into typed Go values fills structs, maps, slices and scalars
// directly. Marshal lists how every Go type is written.
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
//	bytes                      []byte
//	bytearray                  ByteArray
//	list                       []any
//	tuple                      Tuple
//	dict                       *Dict (also OrderedDict, defaultdict)
//	set, frozenset             *Set, *FrozenSet
//	datetime.datetime          time.Time (naive ↔ time.Local)
//	datetime.date, .time       Date, TimeOfDay
//	datetime.timedelta         time.Duration
//	decimal.Decimal            Decimal
//	uuid.UUID                  UUID
//	a class or function        Global
//	an exception instance      *Exception
//	any other instance         *Object, or a registered Go type
//
// Shared references and cycles come back as shared Go values: a list
// referenced twice is one backing array, a dict referenced twice one *Dict.
//
// # Safety
//
// The decoder executes nothing. A class it does not know becomes an
// *Object that keeps everything the pickle said about it and encodes back
// to the same Python object; a Registry maps chosen classes to Go types in
// both directions, and Strict refuses unknown classes. Every length a pickle
// declares is checked against the input before anything is allocated, and
// depth, memo size, integer digits, total size and the expansion of shared
// references into typed values are bounded (see the Default limits and
// their options), so no input can make it panic, hang or allocate far
// beyond its own size.
package pickle
