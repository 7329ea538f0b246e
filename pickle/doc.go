// Package pickle reads and writes Python's pickle format, protocols 0 to 5,
// as CPython 2.7 to 3.14 write and read it.
//
// Its face is encoding/json's: Marshal and Unmarshal, NewEncoder and
// NewDecoder over an io.Writer or io.Reader, struct tags (`pickle:"name"`),
// and typed errors. Decoding into an `any` gives the value model listed in
// values.go; decoding into typed Go values fills structs, maps, slices and
// scalars directly.
//
// The decoder executes nothing. A class it does not know becomes an
// *Object that keeps everything the pickle said about it and encodes back
// to the same Python object; a Registry maps chosen classes to Go types in
// both directions. Every length a pickle declares is checked against the
// input before anything is allocated, and depth, memo size, integer digits
// and total size are bounded (see the Default limits and their options), so
// no input can make it panic, hang or allocate far beyond its own size.
package pickle
