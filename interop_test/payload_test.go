package interop_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/internal/pythons"
)

// The payload generator shared with testdata/peer.py. A message of size n
// for seed s is cut into blocks of payloadBlock bytes; block i is the base
// block rotated left by (s*payloadSeedStride + i*payloadStride) mod
// payloadBlock. The base block is sha256("mpconn:<j>") for j = 0, 1, ...
// concatenated, computed once. Rotating per message and per block makes
// lost, repeated, reordered or swapped chunks visible while keeping Python
// fast enough to produce 64 MiB (and 2 GiB) quickly.
const (
	payloadBlock      = 1 << 20
	payloadStride     = 7919
	payloadSeedStride = 104729
)

var baseBlock = sync.OnceValue(func() []byte {
	b := make([]byte, 0, payloadBlock)
	for j := 0; j < payloadBlock/sha256.Size; j++ {
		sum := sha256.Sum256([]byte("mpconn:" + strconv.Itoa(j)))
		b = append(b, sum[:]...)
	}
	return b
})

// payloadChunks calls fn with each block of payload(seed, size) in order.
func payloadChunks(seed, size int, fn func(off int, chunk []byte) bool) {
	base := baseBlock()
	chunk := make([]byte, payloadBlock)
	for i, off := 0, 0; off < size; i, off = i+1, off+payloadBlock {
		r := (seed*payloadSeedStride + i*payloadStride) % payloadBlock
		copy(chunk, base[r:])
		copy(chunk[payloadBlock-r:], base[:r])
		n := min(payloadBlock, size-off)
		if !fn(off, chunk[:n]) {
			return
		}
	}
}

func payload(seed, size int) []byte {
	p := make([]byte, 0, size)
	payloadChunks(seed, size, func(_ int, c []byte) bool {
		p = append(p, c...)
		return true
	})
	return p
}

// firstDifference returns the offset of the first byte of got that is not
// payload(seed, size) (len(got) or size when one is a prefix of the other),
// or -1 when they are equal.
func firstDifference(got []byte, seed, size int) int {
	diff := -1
	payloadChunks(seed, size, func(off int, want []byte) bool {
		have := got[min(off, len(got)):min(off+len(want), len(got))]
		if bytes.Equal(have, want) {
			return true
		}
		// Only a failing chunk is scanned byte by byte (slow under -race).
		for k := range want {
			if k >= len(have) || have[k] != want[k] {
				diff = off + k
				return false
			}
		}
		return true
	})
	if diff < 0 && len(got) != size {
		diff = min(len(got), size)
	}
	return diff
}

func sha256Hex(p []byte) string {
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:])
}

// TestWirePayloadGeneratorsAgree checks that every interpreter's peer.py
// derives the same bytes as the Go generator; every other test relies on it.
func TestWirePayloadGeneratorsAgree(t *testing.T) {
	cases := []struct{ seed, size int }{{0, 0}, {1, 1}, {7, 16385}, {123456, 3*payloadBlock + 17}}
	want := make([]string, len(cases))
	for i, c := range cases {
		p := payload(c.seed, c.size)
		require.Len(t, p, c.size)
		require.Equal(t, -1, firstDifference(p, c.seed, c.size))
		want[i] = sha256Hex(p)
	}
	// The generator must actually depend on the seed and on the block index.
	require.NotEqual(t, payload(1, 100), payload(2, 100))
	big := payload(5, 2*payloadBlock)
	require.NotEqual(t, big[:payloadBlock], big[payloadBlock:])
	require.Equal(t, 3, firstDifference(append(payload(9, 3), 0), 9, 4), "a wrong last byte is found")
	require.Equal(t, 2, firstDifference(payload(9, 2), 9, 3), "a short message is found")

	for _, py := range pythons.ForTest(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, py)
			for i, c := range cases {
				r := p.do(cmd{"op": "digest", "seed": c.seed, "size": c.size})
				requireOK(t, r)
				assert.Equal(t, want[i], r.str("sha256"), fmt.Sprintf("seed %d size %d", c.seed, c.size))
			}
		})
	}
}
