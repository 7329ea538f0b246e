package shm

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFaultErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		e    FaultError
		want string
	}{
		{FaultError{Name: "a", Offset: 8192, Size: 4096, Mapped: 12288}, `shm: memory fault at offset 8192 of segment "a": the segment was truncated to 4096 bytes (12288 mapped)`},
		{FaultError{Name: "a", Offset: 8192, Size: 12288, Mapped: 12288}, `shm: memory fault at offset 8192 of segment "a": no memory to back the page (is /dev/shm full?)`},
		{FaultError{Name: "", Offset: 1, Size: -1, Mapped: 2}, `shm: memory fault at offset 1 of segment ""`},
	} {
		require.Equal(t, tc.want, tc.e.Error())
		require.ErrorIs(t, &tc.e, ErrFault)
	}
}
