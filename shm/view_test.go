package shm

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestView(t *testing.T) {
	b := make([]uint64, 4) // 8-aligned backing
	mem := unsafeBytes(b)
	f, err := View[float64](mem)
	require.NoError(t, err)
	require.Len(t, f, 4)
	f[1] = 2.5
	assert.Equal(t, math.Float64bits(2.5), binary.NativeEndian.Uint64(mem[8:]), "no copy")

	_, err = View[float64](mem[:12])
	assert.ErrorContains(t, err, "whole number")
	_, err = View[float64](mem[4:12])
	assert.ErrorContains(t, err, "aligned")
	i32, err := View[int32](mem[4:12])
	require.NoError(t, err)
	assert.Len(t, i32, 2)
	u8, err := View[uint8](mem[3:4])
	require.NoError(t, err)
	assert.Len(t, u8, 1)
	empty, err := View[complex128](mem[:0])
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestFormat(t *testing.T) {
	assert.Equal(t, "b", Format[int8]())
	assert.Equal(t, "h", Format[int16]())
	assert.Equal(t, "i", Format[int32]())
	assert.Equal(t, "q", Format[int64]())
	assert.Equal(t, "B", Format[uint8]())
	assert.Equal(t, "H", Format[uint16]())
	assert.Equal(t, "I", Format[uint32]())
	assert.Equal(t, "Q", Format[uint64]())
	assert.Equal(t, "f", Format[float32]())
	assert.Equal(t, "d", Format[float64]())
	assert.Equal(t, "F", Format[complex64]())
	assert.Equal(t, "D", Format[complex128]())
}
