package pickle

import (
	"reflect"
	"unsafe"
)

// bytesTag stands in for a type in the keys of bytes objects.
var (
	bytesTagVar byte
	bytesTag    = unsafe.Pointer(&bytesTagVar)
)

// typeID is a type's identity for refKey.t: its runtime type descriptor.
func typeID(t reflect.Type) unsafe.Pointer {
	return reflect.ValueOf(t).UnsafePointer()
}

// idTable is the encoder's memo by identity, as CPython's memo is keyed by
// id(): a str by its data's address and length (a Go string is one Python
// str object per data address and length), bytes, lists, dicts, tuples and
// instances by address, length and type. The slots hold addresses as
// integers, so the collector does not scan them: every address in the
// table belongs to memory reachable from the value being encoded, or to
// values the encoder keeps alive until the end of the pickle
// (encoder.keep), so no address is freed and reused while the pickle is
// written.
//
// Most of what a pickle memoizes is met once, and an open-addressing
// table probed and filled for each object is a cache miss or two per
// object once it outgrows the cache: a quarter of the CPU profile of
// encoding 100k records, most of that one of encoding 100k non-ASCII
// strings. So the table is a bit filter of 16 to 32 bits per entry, and
// entries are appended to a log, in memo order, chained per 64-bit word of
// the filter. A clear bit proves an object new; a set bit (an object met
// again, or another one) walks the word's chain. An object's bit is its
// address (wrapped by the filter's size): objects allocated one after
// another, as a decoder makes them and as the encoder meets them, fall in
// the same or neighbouring words, where a hash scattered them, a cache
// miss each (10-20 % of encoding 100k records or strings). Many distinct
// objects packed in a few bytes (every substring of a text up to some
// length) would make long chains there: a walk of more than maxWalk
// entries turns the table to hashed bits for the rest of the pickle. The
// objects met again most (dict keys, names from a small set) are answered
// from a small direct-mapped cache of the last ones a chain gave.
type idTable struct {
	hot    [256]idSlot      // entries found in chains, by the top byte of their hash
	hotSet bool             // hot holds entries (to clear)
	log    chunked[idEntry] // every entry memoized, in memo order
	words  []filterWord
	fmask  uint64
	hashed bool // bits are hashes, not addresses
}

// maxWalk is the longest chain walked before the table turns to hashed
// bits; chains are two to four entries on average.
const maxWalk = 32

type idSlot struct {
	p, t uintptr
	n    uint32
	v    int32 // memo index + 1; 0 marks a free slot of hot
}

type idEntry struct {
	idSlot
	next int32 // log index + 1 of the entry before it in its word's chain; 0 ends the chain
}

// filterWord is 64 bits of the filter and the chain of the entries whose
// bits are in them, side by side: one cache line for both.
type filterWord struct {
	bits uint64
	head int32 // log index + 1 of the newest entry in the chain; 0: none
}

// hash mixes an entry's key (Fibonacci hashing: the product's top bits are
// the well-mixed ones). The length is in it so that substrings sharing an
// address (s[:1], s[:2], ...) do not all share one bit.
func (s *idSlot) hash() uint64 {
	return (uint64(s.p) ^ uint64(s.t)<<7 ^ uint64(s.n)<<43) * 0x9e3779b97f4a7c15
}

// bit is an entry's bit in the filter: its address, or its hash once the
// table is hashed. Lengths of 64 bytes and more move the address, so that
// prefixes of one string (s[:100], s[:101], ...) share a bit only 64 at a
// time.
func (m *idTable) bit(s *idSlot) uint64 {
	if m.hashed {
		return s.hash() >> 32 & m.fmask
	}
	return (uint64(s.p) + uint64(s.n>>6)*0x9e3779b1) & m.fmask
}

func (s *idSlot) is(k *idSlot) bool { return s.p == k.p && s.t == k.t && s.n == k.n }

// get returns the memo index of the object k, when memoized.
func (m *idTable) get(k refKey) (int, bool) {
	if m.log.len() == 0 || uint64(k.n) > 0xffffffff {
		return 0, false
	}
	return m.find(idSlot{p: uintptr(k.p), t: uintptr(k.t), n: uint32(k.n)})
}

// put memoizes the object k, which get did not find, under v.
func (m *idTable) put(k refKey, v int) {
	if uint64(k.n) > 0xffffffff || v >= 1<<31-1 {
		return // not memoized by identity: written again if met again
	}
	m.add(idSlot{p: uintptr(k.p), t: uintptr(k.t), n: uint32(k.n), v: int32(v + 1)})
}

func (m *idTable) find(key idSlot) (int, bool) {
	h := key.hash()
	c := &m.hot[h>>56]
	if c.v != 0 && c.is(&key) {
		return int(c.v - 1), true
	}
	b := m.bit(&key)
	w := &m.words[b>>6]
	if w.bits&(1<<(b&63)) == 0 {
		return 0, false
	}
	walked := 0
	for i := w.head; i != 0; walked++ {
		e := m.log.at(int(i - 1))
		if e.is(&key) {
			*c, m.hotSet = e.idSlot, true
			return int(e.v - 1), true
		}
		i = e.next
	}
	if walked > maxWalk && !m.hashed {
		m.hashed = true
		m.rechain(len(m.words))
	}
	return 0, false
}

func (m *idTable) add(e idSlot) {
	if 16*(m.log.len()+1) > 64*len(m.words) {
		m.rechain(max(64, 2*len(m.words))) // to 32 bits per entry
	}
	m.chain(m.log.push(idEntry{idSlot: e}))
}

// chain sets the bit of log[i] and puts it at the head of its word's chain.
func (m *idTable) chain(i int) {
	e := m.log.at(i)
	b := m.bit(&e.idSlot)
	w := &m.words[b>>6]
	w.bits |= 1 << (b & 63)
	e.next, w.head = w.head, int32(i+1)
}

// rechain makes a filter of n words and chains the entries of the log
// again, in order.
func (m *idTable) rechain(n int) {
	if n == len(m.words) {
		clear(m.words)
	} else {
		m.words = make([]filterWord, n)
	}
	m.fmask = uint64(64*n - 1)
	for i := range m.log.len() {
		m.chain(i)
	}
}

func (m *idTable) reset() {
	if m.log.len() == 0 {
		return
	}
	clear(m.words)
	if m.hotSet {
		clear(m.hot[:])
		m.hotSet = false
	}
	m.log.reset()
	m.hashed = false
}

// release empties the table and drops what a large pickle grew and the
// next one may not need: a filter above 4k words or a log above 64k
// entries is kept only while pickles fill a good part of it.
func (m *idTable) release() {
	n := m.log.len()
	m.reset()
	if len(m.words) > 1<<12 && 16*n < 64*len(m.words)/4 {
		m.words, m.fmask = nil, 0
	}
	m.log.trim(n)
}
