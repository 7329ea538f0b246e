package pickle

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// idTable answers as a map of (address, length, type) would, across its
// filter and log, the table's growth, and release between pickles.
func TestIDTableMatchesMap(t *testing.T) {
	type key struct {
		p, t uintptr
		n    uint32
	}
	types := []uintptr{0, uintptr(bytesTag), uintptr(typeID(reflect.TypeFor[[]any]())), uintptr(typeID(reflect.TypeFor[*Dict]()))}
	rng := rand.New(rand.NewPCG(1, 2))
	var m idTable
	for round, size := range []int{10, 5000, 300000, 100, 70000, 50000} {
		want := map[key]int{}
		base := uintptr(rng.Uint64() &^ 7)
		dense := round == 5 // every substring of up to 64 bytes of a text
		for i := 0; i < size; i++ {
			// Packed neighbours, strides of every size, repeats and
			// substrings (same address, other length).
			var k key
			switch kind := rng.IntN(4); {
			case dense:
				k = key{p: base + uintptr(rng.IntN(1000)), n: uint32(1 + rng.IntN(64))}
			case kind == 0:
				k = key{p: base + uintptr(i), n: uint32(1 + rng.IntN(3))}
			case kind == 1:
				k = key{p: base + uintptr(i)*64, n: 40}
			case kind == 2:
				k = key{p: base + uintptr(rng.IntN(i+1)), n: uint32(1 + rng.IntN(3))}
			default:
				k = key{p: uintptr(rng.Uint64() >> 1), n: uint32(rng.IntN(100) + 1)}
			}
			// Objects of other types at the same address (a struct and
			// its first field) are other objects.
			k.t = types[rng.IntN(len(types))]
			idx, ok := 0, false
			if m.log.n > 0 {
				idx, ok = m.find(idSlot{p: k.p, t: k.t, n: k.n})
			}
			w, wok := want[k]
			require.Equal(t, wok, ok, "round %d item %d", round, i)
			if ok {
				require.Equal(t, w, idx)
				continue
			}
			want[k] = i
			m.add(idSlot{p: k.p, t: k.t, n: k.n, v: int32(i + 1)})
		}
		// The dense keys make chains long enough to hash the bits.
		require.True(t, !dense || m.hashed, "round %d", round)
		m.release()
	}
}
