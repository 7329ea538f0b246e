package pickle

// Marshaler is a type that chooses its own pickled form: MarshalPickle
// returns any value the encoder accepts (often an *Object naming a Python
// class, or a Tuple) to be written in its place.
type Marshaler interface {
	MarshalPickle() (any, error)
}

// Unmarshaler is a type that builds itself from a decoded value in the value
// model (see the table in values.go).
type Unmarshaler interface {
	UnmarshalPickle(v any) error
}
