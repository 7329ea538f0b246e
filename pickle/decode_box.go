package pickle

import "unsafe"

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
	ints   []int64
	floats []float64
	strs   []string
}

func chunkFor(inputLen int) int { return max(1, min(boxChunk, inputLen/8)) }

func (m *machine) boxInt(n int64) any {
	if uint64(n) < 256 {
		return n // the runtime boxes these without allocating
	}
	if len(m.box.ints) == cap(m.box.ints) {
		m.box.ints = make([]int64, 0, chunkFor(len(m.data)))
	}
	m.box.ints = append(m.box.ints, n)
	return *(*any)(unsafe.Pointer(&eface{int64Word, unsafe.Pointer(&m.box.ints[len(m.box.ints)-1])}))
}

func (m *machine) boxFloat(f float64) any {
	if len(m.box.floats) == cap(m.box.floats) {
		m.box.floats = make([]float64, 0, chunkFor(len(m.data)))
	}
	m.box.floats = append(m.box.floats, f)
	return *(*any)(unsafe.Pointer(&eface{float64Word, unsafe.Pointer(&m.box.floats[len(m.box.floats)-1])}))
}

func (m *machine) boxString(s string) any {
	if len(m.box.strs) == cap(m.box.strs) {
		m.box.strs = make([]string, 0, chunkFor(len(m.data)))
	}
	m.box.strs = append(m.box.strs, s)
	return *(*any)(unsafe.Pointer(&eface{stringWord, unsafe.Pointer(&m.box.strs[len(m.box.strs)-1])}))
}
