package pickle

import (
	"math"
	"unsafe"
)

// Boxing: an `any` holding an int64, float64 or string points to a copy of
// the value on the heap, one allocation per number or str. Decoding a
// million ints into `any` spent most of its time in those allocations and
// in the collector tracking them. The machine instead carves the copies
// out of chunks, as newString carves string bytes: a chunk's values never
// change once boxed, so sharing the chunk is invisible, and a live value
// keeps at most its chunk alive.

// eface is the runtime's layout of an empty interface.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

func typeWord(x any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&x)).typ }

var (
	int64Word   = typeWord(int64(0))
	float64Word = typeWord(float64(0))
	stringWord  = typeWord("")
)

// boxChunk is how many values a chunk holds at most; a small pickle gets
// a smaller one (one value per 8 bytes of input at most).
const boxChunk = 512

type boxes struct {
	nums []uint64 // ints and floats alike: eight bytes, no pointers
	strs []string
}

func chunkFor(inputLen int) int { return max(1, min(boxChunk, inputLen/8)) }

func (m *machine) boxInt(n int64) any {
	if uint64(n) < 256 {
		return n // the runtime boxes these without allocating
	}
	return m.boxNum(int64Word, uint64(n))
}

func (m *machine) boxFloat(f float64) any { return m.boxNum(float64Word, math.Float64bits(f)) }

// boxNum boxes the eight bytes u as the type typ says.
func (m *machine) boxNum(typ unsafe.Pointer, u uint64) any {
	if len(m.box.nums) == cap(m.box.nums) {
		m.box.nums = make([]uint64, 0, chunkFor(len(m.data)))
	}
	m.box.nums = append(m.box.nums, u)
	return *(*any)(unsafe.Pointer(&eface{typ, unsafe.Pointer(&m.box.nums[len(m.box.nums)-1])}))
}

func (m *machine) boxString(s string) any {
	if len(m.box.strs) == cap(m.box.strs) {
		m.box.strs = make([]string, 0, chunkFor(len(m.data)))
	}
	m.box.strs = append(m.box.strs, s)
	return *(*any)(unsafe.Pointer(&eface{stringWord, unsafe.Pointer(&m.box.strs[len(m.box.strs)-1])}))
}
