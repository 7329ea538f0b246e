package pickle

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The pickle of {(1, 'a'): 'x'} as CPython 3.13 writes it: a tuple key.
const tupleKeyPickle = "\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94K\x01\x8c\x01a\x94\x86\x94\x8c\x01x\x94s."

// Regression: a tuple key decoded into a map with an interface key type
// made reflect panic ("hash of unhashable type pickle.Tuple"). It is now an
// *UnmarshalTypeError that says what to decode into instead.
func TestTupleKeysIntoGenericMaps(t *testing.T) {
	setOfTuples := mustMarshal(t, mustSet(t, Tuple{int64(1), "a"}))
	for _, tc := range []struct {
		name   string
		data   string
		target func() any
	}{
		{"map[any]any", tupleKeyPickle, func() any { return new(map[any]any) }},
		{"map[any]string", tupleKeyPickle, func() any { return new(map[any]string) }},
		{"nested map[any]any", "\x80\x04]\x94" + tupleKeyPickle[11:len(tupleKeyPickle)-1] + "a.", func() any { return new([]map[any]any) }},
		{"set into map[any]bool", string(setOfTuples), func() any { return new(map[any]bool) }},
		{"set into map[any]struct{}", string(setOfTuples), func() any { return new(map[any]struct{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = Unmarshal([]byte(tc.data), tc.target()) })
			var te *UnmarshalTypeError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, "tuple", te.Value)
			assert.Contains(t, err.Error(), "*pickle.Dict")
		})
	}
	// Hashable keys still fill the same maps.
	var m map[any]any
	require.NoError(t, Unmarshal([]byte("\x80\x04}\x94(K\x01\x8c\x01a\x94\x8c\x01b\x94\x89u."), &m))
	assert.Equal(t, map[any]any{int64(1): "a", "b": false}, m)
}

// Regression: value-model types as typed targets (a *Dict, a Dict field, an
// *Object field, ...) came back empty, half-filled or as an error; they now
// get exactly what an `any` target gets.
func TestModelTypesAsTargets(t *testing.T) {
	obj := &Object{Class: Global{"mod", "Cls"}, New: true, State: mustDict(t, "x", int64(1))}
	frozen, err := NewFrozenSet(int64(3), "y")
	require.NoError(t, err)
	values := map[string]any{
		"dict":      mustDict(t, "a", int64(1), Tuple{int64(2), "b"}, []any{"c"}),
		"set":       mustSet(t, int64(1), "x", Tuple{int64(2)}),
		"frozenset": frozen,
		"object":    obj,
		"exception": &Exception{Class: Global{"builtins", "KeyError"}, Args: Tuple{"k"}},
	}
	for name, value := range values {
		t.Run(name, func(t *testing.T) {
			data, err := Marshal(value)
			require.NoError(t, err)
			var want any
			require.NoError(t, Unmarshal(data, &want))

			check := func(got any) {
				t.Helper()
				assert.True(t, Equal(want, got), "want %v, got %v", want, got)
			}
			switch want.(type) {
			case *Dict:
				d := new(Dict)
				require.NoError(t, Unmarshal(data, d))
				check(d)
				var s struct {
					P *Dict
					V Dict
				}
				require.NoError(t, Unmarshal(mustMarshal(t, map[string]any{"P": value, "V": value}), &s))
				check(s.P)
				check(&s.V)
			case *Set:
				s := new(Set)
				require.NoError(t, Unmarshal(data, s))
				check(s)
				var f struct{ P *Set }
				require.NoError(t, Unmarshal(mustMarshal(t, map[string]any{"P": value}), &f))
				check(f.P)
			case *FrozenSet:
				s := new(FrozenSet)
				require.NoError(t, Unmarshal(data, s))
				check(s)
			case *Object:
				var f struct {
					P *Object
					V Object
				}
				require.NoError(t, Unmarshal(mustMarshal(t, map[string]any{"P": value, "V": value}), &f))
				check(f.P)
				check(&f.V)
				assert.Equal(t, Global{"mod", "Cls"}, f.P.Class)
			case *Exception:
				var f struct{ P *Exception }
				require.NoError(t, Unmarshal(mustMarshal(t, map[string]any{"P": value}), &f))
				check(f.P)
				var e error = f.P
				assert.Equal(t, "KeyError: 'k'", e.Error())
			default:
				t.Fatalf("decoded to %T", want)
			}
		})
	}
	// A value of another type is an *UnmarshalTypeError, not an empty dict.
	var d Dict
	err = Unmarshal(mustMarshal(t, []any{int64(1)}), &d)
	var te *UnmarshalTypeError
	require.True(t, errors.As(err, &te), "got %v", err)
	assert.Equal(t, "list", te.Value)
	// None leaves a struct target alone and makes a pointer nil.
	p := NewDict(0)
	require.NoError(t, Unmarshal([]byte("N."), &p))
	assert.Nil(t, p)
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	data, err := Marshal(v)
	require.NoError(t, err)
	return data
}
