package pickle

import (
	"reflect"
	"unsafe"
)

// idTable is the encoder's memo by identity, an open-addressing hash table
// keyed by memory address as CPython's PyMemoTable is keyed by id(): much
// cheaper than a Go map for the one lookup every str, bytes and container
// costs. The slots hold addresses as integers, so the collector does not
// scan the table: every address in it belongs to memory reachable from the
// value being encoded, or to values the encoder keeps alive until the end
// of the pickle (encoder.keep), so no address is freed and reused while the
// pickle is written.
type idTable struct {
	slots []idSlot
	used  int
}

type idSlot struct {
	p, t uintptr
	n    uint32
	v    int32 // memo index + 1; 0 marks a free slot
}

// Tags standing in for a type in the keys of str and bytes objects.
var (
	strTagVar, bytesTagVar byte
	strTag                 = unsafe.Pointer(&strTagVar)
	bytesTag               = unsafe.Pointer(&bytesTagVar)
)

// typeID is a type's identity for refKey.t: its runtime type descriptor.
func typeID(t reflect.Type) unsafe.Pointer {
	return reflect.ValueOf(t).UnsafePointer()
}

// slot hashes like CPython's PyMemoTable (id >> 3): objects allocated one
// after another land in neighbouring slots, which keeps the lookups that
// every str and container costs in cache. High bits are folded in so that
// large power-of-two strides still spread. Strings packed into one chunk
// (as the decoder makes them) can share an 8-byte word: the low three
// address bits pick one of eight regions of the table for them, or
// linear probing would pile their runs into one and walk it on every
// miss (the length, hashed in before, did not break those runs: encoding
// 20k decoded records probed up to 155M slots, now 0.1M to 10M as the
// heap happens to lay them out).
func slotOf(p, t uintptr, mask uintptr) uintptr {
	x := p>>3 ^ t>>5
	x = (x ^ x>>17 ^ x>>31) & mask
	return x ^ (p&7)*((mask+1)>>3)
}

func (m *idTable) get(k refKey) (int, bool) {
	if m.used == 0 || uint64(k.n) > 0xffffffff {
		return 0, false
	}
	p, t, n := uintptr(k.p), uintptr(k.t), uint32(k.n)
	mask := uintptr(len(m.slots) - 1)
	for i := slotOf(p, t, mask); ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.v == 0 {
			return 0, false
		}
		if s.p == p && s.t == t && s.n == n {
			return int(s.v - 1), true
		}
	}
}

// find looks k up; when absent it returns the free slot where k would go
// (valid until the table next changes), or -1 when the table must grow.
func (m *idTable) find(k refKey) (idx int, slot int, found bool) {
	if uint64(k.n) > 0xffffffff || 2*(m.used+1) > len(m.slots) {
		idx, found = m.get(k)
		return idx, -1, found
	}
	p, t, n := uintptr(k.p), uintptr(k.t), uint32(k.n)
	mask := uintptr(len(m.slots) - 1)
	for i := slotOf(p, t, mask); ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.v == 0 {
			return 0, int(i), false
		}
		if s.p == p && s.t == t && s.n == n {
			return int(s.v - 1), 0, true
		}
	}
}

// putAt stores k in the free slot find returned (or anywhere, for -1).
func (m *idTable) putAt(slot int, k refKey, v int) {
	if slot < 0 || v >= 1<<31-1 {
		m.put(k, v)
		return
	}
	m.slots[slot] = idSlot{p: uintptr(k.p), t: uintptr(k.t), n: uint32(k.n), v: int32(v + 1)}
	m.used++
}

func (m *idTable) put(k refKey, v int) {
	if uint64(k.n) > 0xffffffff || v >= 1<<31-1 {
		return // not memoized by identity: written again if met again
	}
	if 2*(m.used+1) > len(m.slots) {
		m.grow()
	}
	p, t, n := uintptr(k.p), uintptr(k.t), uint32(k.n)
	mask := uintptr(len(m.slots) - 1)
	i := slotOf(p, t, mask)
	for {
		s := &m.slots[i]
		if s.v == 0 {
			m.used++
			break
		}
		if s.p == p && s.t == t && s.n == n {
			break
		}
		i = (i + 1) & mask
	}
	m.slots[i] = idSlot{p: p, t: t, n: n, v: int32(v + 1)}
}

func (m *idTable) grow() {
	old := m.slots
	n := 4 * len(old)
	if n < 256 {
		n = 256
	}
	m.slots = make([]idSlot, n)
	mask := uintptr(n - 1)
	for _, s := range old {
		if s.v == 0 {
			continue
		}
		i := slotOf(s.p, s.t, mask)
		for m.slots[i].v != 0 {
			i = (i + 1) & mask
		}
		m.slots[i] = s
	}
}

func (m *idTable) reset() {
	if m.used == 0 {
		return
	}
	clear(m.slots)
	m.used = 0
}

// release drops a large table that was less than a sixteenth full (it
// grows fourfold, so one it just grew to is an eighth full): tables above
// 64k slots are kept between pickles only while pickles need them.
func (m *idTable) release() {
	if len(m.slots) > 1<<16 && 16*m.used < len(m.slots) {
		m.slots, m.used = nil, 0
	}
}
