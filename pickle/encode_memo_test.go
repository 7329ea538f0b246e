package pickle

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// strTable answers as a map of (address, length) would, across its filter
// and log, the table's growth, and release between pickles.
func TestStrTableMatchesMap(t *testing.T) {
	type key struct {
		p uintptr
		n uint32
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var m strTable
	for round, size := range []int{10, 5000, 300000, 100, 70000} {
		want := map[key]int{}
		base := uintptr(rng.Uint64() &^ 7)
		for i := 0; i < size; i++ {
			// Packed neighbours, strides of every size, repeats and
			// substrings (same address, other length).
			var k key
			switch rng.IntN(4) {
			case 0:
				k = key{base + uintptr(i), uint32(1 + rng.IntN(3))}
			case 1:
				k = key{base + uintptr(i)*64, 40}
			case 2:
				k = key{base + uintptr(rng.IntN(i+1)), uint32(1 + rng.IntN(3))}
			default:
				k = key{uintptr(rng.Uint64() >> 1), uint32(rng.IntN(100) + 1)}
			}
			idx, ok := m.get(k.p, k.n)
			w, wok := want[k]
			require.Equal(t, wok, ok, "round %d item %d", round, i)
			if ok {
				require.Equal(t, w, idx)
				continue
			}
			want[k] = i
			m.put(k.p, k.n, i)
		}
		m.release()
	}
}
