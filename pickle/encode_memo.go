package pickle

import (
	"math/bits"
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

// bytesTag stands in for a type in the keys of bytes objects.
var (
	bytesTagVar byte
	bytesTag    = unsafe.Pointer(&bytesTagVar)
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

// strTable is the memo of str objects by identity: a Go string is one
// Python str object per data address and length, as CPython memoizes a str
// by id(). Strings are most of what a pickle memoizes, and most are met
// once: a hash table probed for each of them is one cache miss per string
// once it outgrows the cache (half the CPU profile of encoding 100k
// non-ASCII strings). So a string is first looked up in a bit filter of
// 16 to 32 bits per string (256 KiB for 100k strings, which stays in
// cache): a clear bit proves it new, and it is only appended to a log. A
// set bit (a string met again, or one in twenty others) moves the log's
// new entries into the hash table, in one batch whose cache misses
// overlap, and asks the table. The strings met again most (dict keys,
// names from a small set) are answered from a small direct-mapped cache of
// the last ones the table found.
type strTable struct {
	hot     [256]strSlot // strings the table found, by the top byte of their hash
	log     []strSlot    // every string memoized, in memo order
	indexed int          // log[:indexed] is in slots
	filter  []uint64     // the bit of filterBit(p) is set for every string in log
	fshift  uint
	slots   []strSlot // open addressing, at most half full
	used    int
}

type strSlot struct {
	p uintptr
	n uint32
	v int32 // memo index + 1; 0 marks a free slot
}

// filterBit picks a string's bit in the filter from its address
// (Fibonacci hashing: the top bits of the product).
func (m *strTable) filterBit(p uintptr) uint64 {
	return (uint64(p) * 0x9e3779b97f4a7c15) >> m.fshift
}

// slotOf is a string's home slot in the table.
func (m *strTable) slotOf(p uintptr) uintptr {
	return uintptr((uint64(p)*0x9e3779b97f4a7c15)>>32) & uintptr(len(m.slots)-1)
}

// get returns the memo index of the string (p, n), when memoized.
func (m *strTable) get(p uintptr, n uint32) (int, bool) {
	if len(m.log) == 0 {
		return 0, false
	}
	h := &m.hot[(uint64(p)*0x9e3779b97f4a7c15)>>56]
	if h.p == p && h.n == n && h.v != 0 {
		return int(h.v - 1), true
	}
	b := m.filterBit(p)
	if m.filter[b>>6]&(1<<(b&63)) == 0 {
		return 0, false
	}
	m.index()
	mask := uintptr(len(m.slots) - 1)
	for i := m.slotOf(p); ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.v == 0 {
			return 0, false
		}
		if s.p == p && s.n == n {
			*h = *s
			return int(s.v - 1), true
		}
	}
}

// put memoizes the string (p, n), which get did not find, under v.
func (m *strTable) put(p uintptr, n uint32, v int) {
	if v >= 1<<31-1 {
		return // not memoized by identity: written again if met again
	}
	if 16*(len(m.log)+1) > 64*len(m.filter) {
		m.growFilter()
	}
	m.log = append(m.log, strSlot{p: p, n: n, v: int32(v + 1)})
	b := m.filterBit(p)
	m.filter[b>>6] |= 1 << (b & 63)
}

// growFilter doubles the filter (to 32 bits per string) and sets the bits
// of the strings in log again.
func (m *strTable) growFilter() {
	words := max(64, 2*len(m.filter))
	m.filter = make([]uint64, words)
	m.fshift = uint(64 - bits.TrailingZeros(uint(64*words)))
	for _, e := range m.log {
		b := m.filterBit(e.p)
		m.filter[b>>6] |= 1 << (b & 63)
	}
}

// index moves the log's new entries into the table.
func (m *strTable) index() {
	for _, e := range m.log[m.indexed:] {
		if 2*(m.used+1) > len(m.slots) {
			m.growSlots()
		}
		m.insert(e)
		m.used++
	}
	m.indexed = len(m.log)
}

func (m *strTable) insert(e strSlot) {
	mask := uintptr(len(m.slots) - 1)
	i := m.slotOf(e.p)
	for m.slots[i].v != 0 {
		i = (i + 1) & mask
	}
	m.slots[i] = e
}

func (m *strTable) growSlots() {
	old := m.slots
	m.slots = make([]strSlot, max(256, 4*len(old)))
	for _, e := range old {
		if e.v != 0 {
			m.insert(e)
		}
	}
}

func (m *strTable) reset() {
	if len(m.log) == 0 {
		return
	}
	clear(m.filter)
	if m.used > 0 {
		clear(m.slots)
		clear(m.hot[:]) // filled only from the table
	}
	m.log, m.indexed, m.used = m.log[:0], 0, 0
}

// release empties the table and drops what a large pickle grew and the
// next one may not need: a table above 64k slots, a filter above 4k words
// or a log above 64k entries is kept only while pickles fill a good part
// of it.
func (m *strTable) release() {
	n, used := len(m.log), m.used
	m.reset()
	if len(m.slots) > 1<<16 && 16*used < len(m.slots) {
		m.slots = nil
	}
	if len(m.filter) > 1<<12 && 16*n < 64*len(m.filter)/4 {
		m.filter, m.fshift = nil, 0
	}
	if cap(m.log) > 1<<16 && n < cap(m.log)/8 {
		m.log = nil
	}
}
