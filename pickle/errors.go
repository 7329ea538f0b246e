package pickle

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrUnknownClass: in Strict mode, the pickle names a class or function
	// that is neither built in nor registered (*UnknownClassError).
	ErrUnknownClass = errors.New("pickle: unknown class")
	// ErrLimit: the pickle exceeds one of the limits (*LimitError).
	ErrLimit = errors.New("pickle: limit exceeded")
	// ErrUnhashable: a value Python cannot hash (a list, dict, set,
	// bytearray, or a Go value that becomes one) used as a dict key or set
	// member.
	ErrUnhashable = errors.New("pickle: unhashable type")
)

// SyntaxError reports a malformed pickle.
type SyntaxError struct {
	Offset int64 // byte offset of the offending opcode in the input
	Msg    string
	Err    error // io.ErrUnexpectedEOF for truncated input, else nil
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("pickle: %s (at offset %d)", e.Msg, e.Offset)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Limit names one of the bounds on what a pickle can make the decoder (or
// a value the encoder) do. Each has a default and an option that sets it.
type Limit uint8

const (
	LimitDepth     Limit = iota + 1 // nesting of containers and objects: WithMaxDepth
	LimitMemo                       // memo entries: WithMaxMemo
	LimitIntDigits                  // decimal digits of a text integer: WithMaxIntDigits
	LimitSize                       // bytes of one pickle: WithMaxSize
	LimitExpansion                  // shared references expanded (typed targets, hashed keys): WithMaxExpansion
)

var limitNames = [...]struct{ name, option string }{
	LimitDepth:     {"depth", "WithMaxDepth"},
	LimitMemo:      {"memo", "WithMaxMemo"},
	LimitIntDigits: {"int digits", "WithMaxIntDigits"},
	LimitSize:      {"size", "WithMaxSize"},
	LimitExpansion: {"expansion", "WithMaxExpansion"},
}

// String names the limit: "depth", "memo", "int digits", "size", "expansion".
func (l Limit) String() string {
	if int(l) < len(limitNames) && limitNames[l].name != "" {
		return limitNames[l].name
	}
	return "limit(" + strconv.Itoa(int(l)) + ")"
}

// Option names the option that sets the limit, e.g. "WithMaxDepth".
func (l Limit) Option() string {
	if int(l) < len(limitNames) {
		return limitNames[l].option
	}
	return ""
}

// LimitError reports a pickle (or, when encoding, a value) that exceeds a
// limit. It matches ErrLimit.
type LimitError struct {
	Limit Limit
	Max   int64 // the limit in force
	// Value is what the input asked for (a declared length, a number of
	// digits) or had reached when decoding stopped (a depth, a count of
	// memo entries or elements); 0 when the input does not say.
	Value int64
	// Offset is the byte offset in the input of the opcode that reached the
	// limit; -1 when encoding.
	Offset int64
}

func (e *LimitError) Error() string {
	s := fmt.Sprintf("pickle: %s limit of %d exceeded", e.Limit, e.Max)
	if e.Value != 0 {
		s += fmt.Sprintf(" (%d)", e.Value)
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(" at offset %d", e.Offset)
	}
	return s + " (raise it with pickle." + e.Limit.Option() + ")"
}

func (e *LimitError) Unwrap() error { return ErrLimit }

// UnknownClassError reports, in Strict mode, a class or function that is
// neither built in nor registered. It matches ErrUnknownClass.
type UnknownClassError struct {
	Class  Global
	Offset int64 // of the GLOBAL, STACK_GLOBAL or INST opcode
}

func (e *UnknownClassError) Error() string {
	return fmt.Sprintf("pickle: unknown class %s (at offset %d)", e.Class, e.Offset)
}

func (e *UnknownClassError) Unwrap() error { return ErrUnknownClass }

// InvalidUnmarshalError: the target passed to Unmarshal, Decode or
// RawValue.Unmarshal is not a non-nil pointer.
type InvalidUnmarshalError struct {
	Type reflect.Type
}

func (e *InvalidUnmarshalError) Error() string {
	if e.Type == nil {
		return "pickle: Unmarshal(nil)"
	}
	if e.Type.Kind() != reflect.Pointer {
		return "pickle: Unmarshal(non-pointer " + e.Type.String() + ")"
	}
	return "pickle: Unmarshal(nil " + e.Type.String() + ")"
}

// UnmarshalTypeError reports a pickled value that does not fit the Go type
// it is decoded into.
type UnmarshalTypeError struct {
	Value  string       // Python type, e.g. "str" or "datetime.datetime"
	Type   reflect.Type // the Go type it could not be stored in
	Path   string       // where, e.g. "a.b[3]" (empty at the top)
	Offset int64        // input offset of the opcode that made the value
	Reason string       // optional detail, e.g. "overflows int8"
}

func (e *UnmarshalTypeError) Error() string {
	where := ""
	if e.Path != "" {
		where = " at " + e.Path
	}
	msg := fmt.Sprintf("pickle: cannot unmarshal Python %s into Go value of type %v%s (offset %d)", e.Value, e.Type, where, e.Offset)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// UnsupportedTypeError is returned by Marshal and Encode for a Go type with
// no Python counterpart: channels, functions, unsafe pointers, and maps whose
// key type Python cannot hash (a Go struct, which becomes a dict).
type UnsupportedTypeError struct {
	Type reflect.Type
	// Path locates the value inside the one being encoded, in Go syntax:
	// "" for the value itself, ".Field", "[3]", `["key"]`, or a chain of them.
	Path string
	// Reason says why, when the type alone does not.
	Reason string
}

func (e *UnsupportedTypeError) Error() string {
	s := "pickle: unsupported type " + e.Type.String()
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s + " at " + rootPath(e.Path)
}

// UnsupportedValueError is returned for a value of a supported type that
// Python cannot represent or load: a string that is not UTF-8 at protocol
// 3 or higher, a datetime outside years 1–9999, an unhashable dict key or
// set member, an *Object without a class, and the like.
type UnsupportedValueError struct {
	Value reflect.Value
	Str   string // what is wrong with it
	Path  string // as in UnsupportedTypeError
}

func (e *UnsupportedValueError) Error() string {
	return "pickle: unsupported value: " + e.Str + " at " + rootPath(e.Path)
}

// MarshalerError wraps the error a MarshalPickle method returned.
type MarshalerError struct {
	Type reflect.Type
	Err  error
	Path string // as in UnsupportedTypeError
}

func (e *MarshalerError) Error() string {
	return "pickle: error calling MarshalPickle for type " + e.Type.String() + " at " + rootPath(e.Path) + ": " + e.Err.Error()
}

func (e *MarshalerError) Unwrap() error { return e.Err }

func rootPath(p string) string {
	if p == "" {
		return "(root)"
	}
	return "(root)" + p
}

// withPath prefixes a path segment to the location of an encoding error as
// it travels up from the failing value. Other errors pass through.
func withPath(err error, seg string) error {
	switch e := err.(type) {
	case *UnsupportedTypeError:
		e.Path = seg + e.Path
	case *UnsupportedValueError:
		e.Path = seg + e.Path
	case *MarshalerError:
		e.Path = seg + e.Path
	}
	return err
}

func valueErr(v any, msg string) error {
	return &UnsupportedValueError{Value: reflect.ValueOf(v), Str: msg}
}
