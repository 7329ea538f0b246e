package managers

import (
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/pickle"
)

func TestRepr(t *testing.T) {
	d := pickle.NewDict(2)
	require.NoError(t, d.Set("k", 1))
	require.NoError(t, d.Set(pickle.Tuple{1}, []any{nil, true}))
	for _, tt := range []struct {
		v        any
		py3, py2 string
	}{
		{nil, "None", "None"},
		{int64(-3), "-3", "-3"},
		{big.NewInt(7), "7", "7"},
		{1.0, "1.0", "1.0"},
		{0.1, "0.1", "0.1"},
		{1e16, "1e+16", "1e+16"},
		{1e-5, "1e-05", "1e-05"},
		{math.Inf(-1), "-inf", "-inf"},
		{"it's", `"it's"`, `u"it's"`},
		{"a\nb\\", `'a\nb\\'`, `u'a\nb\\'`},
		{"é\x01", `'é\x01'`, `u'é\x01'`},
		{[]byte("x'y\x00"), `b"x'y\x00"`, `"x'y\x00"`},
		{pickle.Tuple{1}, "(1,)", "(1,)"},
		{pickle.Tuple{}, "()", "()"},
		{d, "{'k': 1, (1,): [None, True]}", "{u'k': 1, (1,): [None, True]}"},
		{&pickle.Exception{Class: pickle.Global{Module: "builtins", Name: "KeyError"}, Args: pickle.Tuple{[]byte("k")}}, "KeyError(b'k')", "KeyError('k')"},
		{pickle.Global{Module: "builtins", Name: "int"}, "<class 'builtins.int'>", "<class 'builtins.int'>"},
	} {
		assert.Equal(t, tt.py3, repr(tt.v), "%#v", tt.v)
		assert.Equal(t, tt.py2, reprFor(tt.v, true), "%#v (Python 2)", tt.v)
	}
}

func TestReprDepth(t *testing.T) {
	l := []any{nil}
	l[0] = l // a list containing itself
	assert.Contains(t, repr(l), "...")
}

func TestCompare(t *testing.T) {
	for _, tt := range []struct {
		a, b any
		want int
	}{
		{int64(1), 2.5, -1},
		{true, int64(1), 0},
		{"b", "a", 1},
		{[]byte("a"), []byte("ab"), -1},
		{pickle.Tuple{1, "b"}, pickle.Tuple{1, "a"}, 1},
		{[]any{1}, []any{1, 0}, -1},
	} {
		got, err := compare(tt.a, tt.b, 0)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "compare(%v, %v)", tt.a, tt.b)
	}
	_, err := compare("a", int64(1), 0)
	assert.ErrorIs(t, err, ErrTypeError)
	_, err = compare(pickle.Tuple{1}, []any{1}, 0)
	assert.ErrorIs(t, err, ErrTypeError)
}

func TestTruth(t *testing.T) {
	for v, want := range map[any]bool{nil: false, int64(0): false, 0.5: true, "": false, "x": true, false: false} {
		assert.Equal(t, want, truth(v), "%#v", v)
	}
	assert.False(t, truth([]any{}))
	assert.True(t, truth(pickle.Tuple{nil}))
}
