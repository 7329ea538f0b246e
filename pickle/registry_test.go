package pickle

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegisterRefusals(t *testing.T) {
	type two struct{ A, B int }
	for _, tc := range []struct {
		name  string
		proto any
		opts  []RegisterOption
		want  string
	}{
		{"plain int", 0, nil, "want a struct"},
		{"enum of a predeclared type", 0, []RegisterOption{AsEnum()}, "must be a bool, number or string type of its own"},
		{"enum of two fields", two{}, []RegisterOption{AsEnum()}, "exactly one field"},
		{"enum of a slice", []int{}, []RegisterOption{AsEnum()}, "must be a bool, number or string type of its own"},
		{"nil", nil, nil, "want a struct"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Registry
			err := r.Register("m", "C", tc.proto, tc.opts...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	var r Registry
	require.NoError(t, r.Register("m", "C", kindPair{}, nil, AsNamedTuple()), "a nil option is skipped")
	assert.Error(t, r.Register("m", "C", kindRecord{}), "a class once")
	assert.Error(t, r.Register("m", "D", kindPair{}), "a type once")
	assert.Error(t, r.RegisterException("m", "C"), "a class registered to a type is not an exception")
	require.NoError(t, r.RegisterException("m", "E"))
	assert.Error(t, r.Register("m", "E", kindRecord{}), "an exception class is not a type")
}

// queue.Empty and queue.Full (what a manager's queue raises) and registered
// exception classes decode to *Exception, an error; other classes stay
// *Object.
func TestExceptionClasses(t *testing.T) {
	pickleOf := func(module, name string) []byte {
		return mustMarshal(t, &Object{Class: Global{module, name}, Args: Tuple{"msg"}})
	}
	var v any
	require.NoError(t, Unmarshal(pickleOf("queue", "Empty"), &v))
	require.IsType(t, &Exception{}, v)
	assert.True(t, errors.Is(v.(error), &Exception{Class: Global{"queue", "Empty"}}))
	assert.False(t, errors.Is(v.(error), &Exception{Class: Global{"queue", "Full"}}))
	assert.Equal(t, "Empty: msg", v.(error).Error())

	require.NoError(t, Unmarshal(pickleOf("app", "Oops"), &v))
	assert.IsType(t, &Object{}, v, "an unregistered class")
	var r Registry
	require.NoError(t, r.RegisterException("app", "Oops"))
	require.NoError(t, Unmarshal(pickleOf("app", "Oops"), &v, WithRegistry(&r)))
	require.IsType(t, &Exception{}, v)
	assert.Equal(t, Tuple{"msg"}, v.(*Exception).Args)
	// It encodes back to the same pickle.
	assert.Equal(t, pickleOf("app", "Oops"), mustMarshal(t, v))
}
