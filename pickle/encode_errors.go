package pickle

import (
	"reflect"
	"strconv"
)

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
// Python cannot represent or load: a string that is not UTF-8, a
// datetime outside years 1–9999, an unhashable dict key or set member,
// an *Object without a class, and the like.
type UnsupportedValueError struct {
	Value reflect.Value
	Str   string // what is wrong with it
	Path  string // as in UnsupportedTypeError
}

func (e *UnsupportedValueError) Error() string {
	return "pickle: unsupported value: " + e.Str + " at " + rootPath(e.Path)
}

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
	}
	return err
}

func indexSeg(i int) string { return "[" + strconv.Itoa(i) + "]" }

func keySeg(k any) string {
	switch x := k.(type) {
	case string:
		return "[" + strconv.Quote(x) + "]"
	case reflect.Value:
		if x.Kind() == reflect.String {
			return "[" + strconv.Quote(x.String()) + "]"
		}
		if x.CanInterface() {
			return "[" + pyRepr(x.Interface()) + "]"
		}
		return "[?]"
	default:
		return "[" + pyRepr(k) + "]"
	}
}

func valueErr(v any, msg string) error {
	return &UnsupportedValueError{Value: reflect.ValueOf(v), Str: msg}
}
