//go:build linux

package interop_test

import (
	"encoding/hex"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/pickle"
	"github.com/mpconn/mpconn/shm"
)

// shmListCorpus: Python expressions and the items Go reads from them.
// Every str here has as many characters as UTF-8 bytes in its slot's
// rounding, so Python's slots (counted in characters) and Go's (counted in
// bytes) agree and the bytes can be compared exactly.
var shmListCorpus = []struct {
	name string
	expr string
	want []any
}{
	{"spec golden", `[1, 2.5, 'abc', b'xy', None, True]`, []any{int64(1), 2.5, "abc", []byte("xy"), nil, true}},
	{"empty", `[]`, []any{}},
	{"edges", `['ééé', b'a\x00b', -2**63, 2**63-1, 0.0, -0.0, float('inf'), False, '', b'']`,
		[]any{"ééé", []byte("a\x00b"), int64(math.MinInt64), int64(math.MaxInt64), 0.0, math.Copysign(0, -1), math.Inf(1), false, "", []byte{}}},
	{"slot sizes", `['x' * 7, 'y' * 8, 'z' * 15, 'w' * 16, b'\xff' * 40, None]`,
		[]any{"xxxxxxx", "yyyyyyyy", "zzzzzzzzzzzzzzz", "wwwwwwwwwwwwwwww", []byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"), nil}},
}

// Lists Python creates: Go decodes them (layout detected), writes the same
// items to the same bytes, and reads the format Python reports.
func shmListsFromPython(t *testing.T, e *shmEnv) {
	for _, c := range shmListCorpus {
		t.Run(c.name, func(t *testing.T) {
			name := shmNames.fresh(t)
			got := e.p.run(t, `
				sl = shared_memory.ShareableList(eval(args['expr']), name=args['name'])
				result = (bytes(sl.shm.buf), sl.format)
				state['sl'] = sl
			`, objDict("expr", c.expr, "name", name)).(pickle.Tuple)
			defer e.p.run(t, `
				sl = state.pop('sl')
				sl.shm.close()
				sl.shm.unlink()
			`, nil)
			raw, format := got[0].([]byte), got[1].(string)

			items, layout, err := shm.DecodeList(raw)
			require.NoError(t, err)
			assert.Equal(t, e.layout, layout)
			assert.Equal(t, c.want, items)

			enc, err := shm.EncodeList(c.want, e.layout)
			require.NoError(t, err)
			assert.Equal(t, hex.EncodeToString(raw), hex.EncodeToString(enc), "Go writes what Python writes")

			l, err := shm.OpenList(name)
			require.NoError(t, err)
			defer l.Close()
			items, err = l.Items()
			require.NoError(t, err)
			assert.Equal(t, c.want, items)
			f, err := l.Format()
			require.NoError(t, err)
			assert.Equal(t, format, f)
		})
	}
}

// Lists Go creates, in the layout of the Python at hand, read by Python.
// '€€€' is sized by its 9 UTF-8 bytes ("16s"), where Python would have
// given it 8 bytes and truncated it (gh-88336).
func shmListsFromGo(t *testing.T, e *shmEnv) {
	cases := append(shmListCorpus[:len(shmListCorpus):len(shmListCorpus)], struct {
		name string
		expr string
		want []any
	}{"multi-byte str", `['€€€', 'a€', -7]`, []any{"€€€", "a€", int64(-7)}})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := shm.CreateList(shmNames.fresh(t), c.want, shm.WithLayout(e.layout))
			require.NoError(t, err)
			defer func() { _ = l.Unlink(); _ = l.Close() }()
			format, err := l.Format()
			require.NoError(t, err)
			got := e.p.run(t, `
				sl = attach_list(args['name'])
				want = eval(args['expr'])
				result = (list(sl) == want, [type(x) for x in sl] == [type(x) for x in want], sl.format, repr(list(sl)))
				sl.shm.close()
			`, objDict("name", l.Name(), "expr", c.expr)).(pickle.Tuple)
			assert.Equal(t, true, got[0], "Python read %s", got[3])
			assert.Equal(t, true, got[1], "item types, Python read %s", got[3])
			assert.Equal(t, format, got[2])
		})
	}
}

// The same assignments made by Python's __setitem__ on its list and by
// Set on Go's leave byte-identical segments, and fail together.
func shmListUpdates(t *testing.T, e *shmEnv) {
	initial := []any{"hello world!", int64(7), 2.5, []byte("bytes"), true, nil, "€uro"}
	steps := []struct {
		i       int
		v       any
		tooLong bool
	}{
		{1, "abc", false},                // str into an int slot: "8s"
		{0, int64(99), false},            // int into a 16-byte str slot: first 8 bytes only
		{0, nil, false},                  // None there
		{0, "sixteen chars!!!", false},   // the slot's full 16 bytes
		{0, "seventeen chars!!", true},   // one too many
		{3, "x8x8x8x8", false},           // str into a bytes slot
		{3, []byte("123456789"), true},   // too long
		{2, true, false},                 // bool over float
		{4, 3.25, false},                 // float over bool
		{5, []byte("nn"), false},         // bytes into the None slot
		{6, "€€", false},                 // 6 bytes in an 8-byte slot
		{6, "€€€", true},                 // 9 bytes: too long in Python too
		{1, int64(math.MinInt64), false}, // int over str
		{1, int64(math.MaxInt64), false},
		{2, "éééé", false}, // 8 bytes, 4 characters, into the float slot
		{5, "", false},
	}
	nameA, nameB := shmNames.fresh(t), shmNames.fresh(t)
	raw := e.p.run(t, `
		state['A'] = shared_memory.ShareableList(args['items'], name=args['name'])
		result = bytes(state['A'].shm.buf)
	`, objDict("items", initial, "name", nameA)).([]byte)
	defer e.p.run(t, `
		sl = state.pop('A')
		sl.shm.close()
		sl.shm.unlink()
	`, nil)
	b, err := shm.CreateList(nameB, initial, shm.WithLayout(e.layout))
	require.NoError(t, err)
	defer func() { _ = b.Unlink(); _ = b.Close() }()
	require.Equal(t, hex.EncodeToString(raw), hex.EncodeToString(b.Segment().Bytes()))

	for _, st := range steps {
		got := e.p.run(t, `
			A = state['A']
			try:
				A[args['i']] = args['v']
				err = None
			except Exception as e:
				err = type(e).__name__
			result = (err, bytes(A.shm.buf))
		`, objDict("i", st.i, "v", st.v)).(pickle.Tuple)
		goErr := b.Set(st.i, st.v)
		if st.tooLong {
			assert.Equal(t, "ValueError", got[0], "Python: sl[%d] = %#v", st.i, st.v)
			assert.ErrorIs(t, goErr, shm.ErrItemTooLong, "Go: Set(%d, %#v)", st.i, st.v)
		} else {
			assert.Nil(t, got[0], "Python: sl[%d] = %#v", st.i, st.v)
			assert.NoError(t, goErr, "Go: Set(%d, %#v)", st.i, st.v)
		}
		require.Equal(t, hex.EncodeToString(got[1].([]byte)), hex.EncodeToString(b.Segment().Bytes()), "after [%d] = %#v", st.i, st.v)
	}

	// Each side reads the other's list.
	a, err := shm.OpenList(nameA)
	require.NoError(t, err)
	defer a.Close()
	fromA, err := a.Items()
	require.NoError(t, err)
	fromB, err := b.Items()
	require.NoError(t, err)
	assert.Equal(t, fromB, fromA)
	same := e.p.run(t, `
		B = attach_list(args['name'])
		result = list(B) == list(state['A']) and B.format == state['A'].format
		B.shm.close()
	`, objDict("name", nameB))
	assert.Equal(t, true, same)
}
