package shm

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unhex joins hex rows (spaces and comments after '#' ignored).
func unhex(t testing.TB, rows ...string) []byte {
	t.Helper()
	var sb strings.Builder
	for _, r := range rows {
		if i := strings.IndexByte(r, '#'); i >= 0 {
			r = r[:i]
		}
		sb.WriteString(strings.ReplaceAll(r, " ", ""))
	}
	b, err := hex.DecodeString(sb.String())
	require.NoError(t, err)
	return b
}

// The golden dumps of ShareableList([1, 2.5, 'abc', b'xy', None, True])
// from the spec (shared-memory.md, section 3.3), as CPython 3.9–3.14 and
// 3.8 write them (interop_test checks the same against every Python found).
var goldenItems = []any{int64(1), 2.5, "abc", []byte("xy"), nil, true}

const goldenFormat = "qd8s8sxxxxxx?xxxxxxxx?"

func golden39(t testing.TB) []byte {
	return unhex(t,
		"06 00 00 00 00 00 00 00", // N = 6
		"00 00 00 00 00 00 00 00", // off[0] = 0
		"08 00 00 00 00 00 00 00",
		"10 00 00 00 00 00 00 00",
		"18 00 00 00 00 00 00 00",
		"20 00 00 00 00 00 00 00",
		"28 00 00 00 00 00 00 00",
		"30 00 00 00 00 00 00 00", // off[6] = 48 = D
		"01 00 00 00 00 00 00 00", // [0] int 1
		"00 00 00 00 00 00 04 40", // [1] float 2.5
		"61 62 63 00 00 00 00 00", // [2] 'abc'
		"78 79 00 00 00 00 00 00", // [3] b'xy'
		"00 00 00 00 00 00 00 00", // [4] None
		"00 00 00 00 00 00 00 01", // [5] True
		"71 00 00 00 00 00 00 00", // "q"
		"64 00 00 00 00 00 00 00", // "d"
		"38 73 00 00 00 00 00 00", // "8s"
		"38 73 00 00 00 00 00 00", // "8s"
		"78 78 78 78 78 78 3f 78", // "xxxxxx?x"
		"78 78 78 78 78 78 78 3f", // "xxxxxxx?"
		"00 00 01 02 03 00",       // codes
	)
}

func golden38(t testing.TB) []byte {
	return unhex(t,
		"06 00 00 00 00 00 00 00", // N = 6
		"08 00 00 00 00 00 00 00", // cap[0] = 8
		"08 00 00 00 00 00 00 00",
		"08 00 00 00 00 00 00 00",
		"08 00 00 00 00 00 00 00",
		"08 00 00 00 00 00 00 00",
		"08 00 00 00 00 00 00 00", // cap[5]
		"01 00 00 00 00 00 00 00", // [0] int 1
		"00 00 00 00 00 00 04 40",
		"61 62 63 00 00 00 00 00",
		"78 79 00 00 00 00 00 00",
		"00 00 00 00 00 00 00 00",
		"00 00 00 00 00 00 00 01",
		"71 00 00 00 00 00 00 00",
		"64 00 00 00 00 00 00 00",
		"38 73 00 00 00 00 00 00",
		"38 73 00 00 00 00 00 00",
		"78 78 78 78 78 78 3f 78",
		"78 78 78 78 78 78 78 3f",
		"00 00 01 02 03 00",
	)
}

func TestGoldenLists(t *testing.T) {
	for _, tc := range []struct {
		layout Layout
		bytes  []byte
	}{{Layout39, golden39(t)}, {Layout38, golden38(t)}} {
		t.Run(tc.layout.String(), func(t *testing.T) {
			enc, err := EncodeList(goldenItems, tc.layout)
			require.NoError(t, err)
			assert.Equal(t, hex.EncodeToString(tc.bytes), hex.EncodeToString(enc))

			items, layout, err := DecodeList(tc.bytes)
			require.NoError(t, err)
			assert.Equal(t, tc.layout, layout)
			assert.Equal(t, goldenItems, items)

			l := memList(t, tc.bytes)
			f, err := l.Format()
			require.NoError(t, err)
			assert.Equal(t, goldenFormat, f)
		})
	}
	assert.Len(t, golden39(t), 166)
	assert.Len(t, golden38(t), 158)
}

// A str is sized by its UTF-8 bytes: '€€€' (9 bytes) gets 16s where Python
// computes 8s from its 3 characters and truncates it (gh-88336). The spec's
// 224-byte list that 3.9–3.14 read back correctly.
func TestEncodeListSizesStrByBytes(t *testing.T) {
	items := []any{int64(1), 2.5, "abc", []byte("xy"), nil, true, "€€€", int64(-7)}
	enc, err := EncodeList(items, Layout39)
	require.NoError(t, err)
	assert.Len(t, enc, 224)
	l := memList(t, enc)
	f, err := l.Format()
	require.NoError(t, err)
	assert.Equal(t, "qd8s8sxxxxxx?xxxxxxxx?16sq", f)
	got, err := l.Items()
	require.NoError(t, err)
	assert.Equal(t, items, got)

	enc38, err := EncodeList(items, Layout38)
	require.NoError(t, err)
	assert.Len(t, enc38, 216)
}

func TestEmptyLists(t *testing.T) {
	for _, tc := range []struct {
		layout Layout
		hex    string
	}{
		{Layout39, "0000000000000000" + "0000000000000000"},
		{Layout38, "0000000000000000"},
	} {
		enc, err := EncodeList(nil, tc.layout)
		require.NoError(t, err)
		assert.Equal(t, tc.hex, hex.EncodeToString(enc), tc.layout)
		items, layout, err := DecodeList(enc)
		require.NoError(t, err)
		assert.Empty(t, items)
		assert.Equal(t, tc.layout, layout)
	}
}
