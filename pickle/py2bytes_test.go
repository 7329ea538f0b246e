package pickle

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Pickles written by CPython 2.7.18 with protocol 2. Their text (a
// Decimal's digits, a UUID's state key, bytearray's codec name, attribute
// names) is in Python 2 byte strings, which Py2StringsAsBytes keeps as
// bytes; the types built from that text must still decode.
var py27Pickles = map[string]string{
	"decimal":   "800263646563696d616c0a446563696d616c0a71005504312e313071018571025271032e",
	"uuid":      "800263757569640a555549440a7100298171017d71025503696e7471038a10efcdab9078563412efcdab907856341273622e",
	"bytearray": "8002635f5f6275696c74696e5f5f0a6279746561727261790a7100580500000000c3bf6162710155076c6174696e2d3171028671035271042e",
	"instance":  "8002635f5f6d61696e5f5f0a506f696e740a7100298171017d71022855017971034b0255017871044b0175622e",
}

func py27(t *testing.T, name string) []byte {
	t.Helper()
	b, err := hex.DecodeString(py27Pickles[name])
	require.NoError(t, err)
	return b
}

func TestPy2StringsAsBytesKeepsTextTypes(t *testing.T) {
	for _, opts := range [][]Option{nil, {Py2StringsAsBytes()}} {
		var d Decimal
		require.NoError(t, Unmarshal(py27(t, "decimal"), &d, opts...))
		assert.Equal(t, Decimal("1.10"), d)

		var u UUID
		require.NoError(t, Unmarshal(py27(t, "uuid"), &u, opts...))
		assert.Equal(t, "12345678-90ab-cdef-1234-567890abcdef", u.String())

		var ba any
		require.NoError(t, Unmarshal(py27(t, "bytearray"), &ba, opts...))
		assert.Equal(t, ByteArray{0x00, 0xff, 'a', 'b'}, ba)

		var p struct{ X, Y int }
		require.NoError(t, Unmarshal(py27(t, "instance"), &p, opts...))
		assert.Equal(t, struct{ X, Y int }{1, 2}, p, "attribute names that are byte strings still name fields")
	}
	var state any
	require.NoError(t, Unmarshal(py27(t, "instance"), &state, Py2StringsAsBytes()))
	keys := state.(*Object).State.(*Dict).Keys()
	assert.Equal(t, []any{[]byte("y"), []byte("x")}, keys, "in the value model the option keeps byte strings as bytes")
}

func TestComplexIntoComplex64(t *testing.T) {
	data, err := hex.DecodeString("8004952e000000000000008c086275696c74696e73948c07636f6d706c6578949394473ff800000000000047c000000000000000869452942e")
	require.NoError(t, err)
	var c64 complex64
	require.NoError(t, Unmarshal(data, &c64))
	assert.Equal(t, complex64(complex(1.5, -2)), c64)
	var c128 complex128
	require.NoError(t, Unmarshal(data, &c128))
	assert.Equal(t, complex(1.5, -2), c128)

	huge, err := Marshal(complex(1e300, 0))
	require.NoError(t, err)
	var te *UnmarshalTypeError
	assert.ErrorAs(t, Unmarshal(huge, &c64), &te, "beyond float32 is an overflow, not a silent inf")
}
