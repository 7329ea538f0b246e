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

// RawUnmarshaler is a type that decodes itself from its part of a pickle
// kept undecoded: UnmarshalPickleRaw gets that part as a RawValue and
// decodes what it needs into typed Go values (raw.Unmarshal(&fields)),
// without the detour through the value model that Unmarshaler takes. A
// type implementing both is decoded as a RawUnmarshaler.
type RawUnmarshaler interface {
	UnmarshalPickleRaw(raw RawValue) error
}
