package pickle

// chunked is an append-only list kept in chunks of chunkLen entries that
// never move. Both memos are one: CPython memoizes nearly every object,
// half a million for 100k records, and a slice doubling to that size
// copied each entry twice more, into memory the system had to map (a
// fresh page costs 12 µs on the VM of the README's numbers), and left
// twice its size to collect; copying was a third of encoding 100k records
// with a fresh table. The first chunk starts with the room it is given
// (or 64 entries) and doubles up to chunkLen, for the many small pickles.
type chunked[T any] struct {
	chunks [][]T // all chunkLen long but the first
	n      int
}

const chunkLen = 4096

func (l *chunked[T]) len() int { return l.n }

func (l *chunked[T]) at(i int) *T { return &l.chunks[uint(i)/chunkLen][uint(i)%chunkLen] }

// push appends v and returns its index.
func (l *chunked[T]) push(v T) int {
	i := uint(l.n)
	c, j := i/chunkLen, i%chunkLen
	switch {
	case c == uint(len(l.chunks)):
		size := chunkLen
		if c == 0 {
			size = 64
		}
		l.chunks = append(l.chunks, make([]T, size))
	case j == uint(len(l.chunks[c])): // the first chunk, full short of chunkLen
		old := l.chunks[0]
		l.chunks[0] = make([]T, min(chunkLen, 2*len(old)))
		copy(l.chunks[0], old)
	}
	l.chunks[c][j] = v
	l.n++
	return int(i)
}

// reset empties the list, keeping its chunks.
func (l *chunked[T]) reset() { l.n = 0 }

// trim drops chunks beyond the first sixteen that a list of n entries
// used less than an eighth of.
func (l *chunked[T]) trim(n int) {
	keep := max(16, (n+chunkLen-1)/chunkLen)
	if len(l.chunks) > keep && 8*n < len(l.chunks)*chunkLen {
		clear(l.chunks[keep:])
		l.chunks = l.chunks[:keep]
	}
}
