package shm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func encodeT(t testing.TB, layout Layout, items ...any) []byte {
	t.Helper()
	b, err := EncodeList(items, layout)
	require.NoError(t, err)
	return b
}

func TestEncodeItemKinds(t *testing.T) {
	type myInt int16
	items := []any{int8(-8), int16(300), int32(-70000), int64(math.MinInt64), int(math.MaxInt64),
		uint8(255), uint16(65535), uint32(1 << 31), uint64(math.MaxInt64), myInt(7),
		float32(0.5), math.Inf(-1), false, "", "é", []byte{}, []byte("a\x00b"), nil}
	want := []any{int64(-8), int64(300), int64(-70000), int64(math.MinInt64), int64(math.MaxInt64),
		int64(255), int64(65535), int64(1 << 31), int64(math.MaxInt64), int64(7),
		0.5, math.Inf(-1), false, "", "é", []byte{}, []byte("a\x00b"), nil}
	for _, layout := range []Layout{Layout39, Layout38} {
		got, gotLayout, err := DecodeList(encodeT(t, layout, items...))
		require.NoError(t, err)
		assert.Equal(t, layout, gotLayout)
		assert.Equal(t, want, got)
	}
}

func TestEncodeItemRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		v       any
		tooLong bool
	}{
		{"uint64 beyond int64", uint64(math.MaxInt64) + 1, false},
		{"invalid UTF-8", "a\xffb", false},
		{"str trailing NUL", "ab\x00", false},
		{"bytes trailing NUL", []byte{0}, false},
		{"list", []int{1}, false},
		{"map", map[string]int{}, false},
		{"complex", complex(1, 2), false},
		{"struct", struct{}{}, false},
		{"too long for a format", make([]byte, maxSlot), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := EncodeList([]any{1, tc.v}, Layout39)
			var ie *ItemError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, 1, ie.Index)
			assert.ErrorIs(t, err, ErrBadItem)
		})
	}
	// The widest slot Python can describe: 9999991 bytes get "9999992s".
	b, err := EncodeList([]any{bytes.Repeat([]byte{'x'}, maxSlot-1)}, Layout39)
	require.NoError(t, err)
	l := memList(t, b)
	f, err := l.Format()
	require.NoError(t, err)
	assert.Equal(t, "9999992s", f)
}

// Set follows Python's __setitem__ (3.9–3.14 and 3.8 alike); interop_test
// replays the same sequences in Python and compares the bytes.
func TestSetRules(t *testing.T) {
	for _, layout := range []Layout{Layout39, Layout38} {
		t.Run(layout.String(), func(t *testing.T) {
			mem := encodeT(t, layout, "0123456789abc", int64(5), true, "xy")
			l := memList(t, mem)
			slot0 := l.h.slots[0]

			// int into a 16-byte str slot: "q", only the first 8 bytes.
			require.NoError(t, l.Set(0, 42))
			assert.Equal(t, "89abc\x00\x00\x00", string(mem[slot0+8:slot0+16]), "the rest of the slot keeps its bytes")
			// None there: "xxxxxx?x", code 3, 8 zero bytes.
			require.NoError(t, l.Set(0, nil))
			assert.Equal(t, make([]byte, 8), mem[slot0:slot0+8])
			assert.Equal(t, byte(codeNone), mem[l.h.codeOff])
			// A str again: the slot's full size, "16s", zero-padded.
			require.NoError(t, l.Set(0, "hello"))
			assert.Equal(t, "hello"+string(make([]byte, 11)), string(mem[slot0:slot0+16]))
			// str into the int slot: "8s" from the slot size.
			require.NoError(t, l.Set(1, "8 bytes!"))
			// too long: nothing written.
			before := bytes.Clone(mem)
			err := l.Set(1, "9 bytes!!")
			require.ErrorIs(t, err, ErrItemTooLong)
			var ie *ItemError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, 1, ie.Index)
			assert.Equal(t, before, mem)
			require.ErrorIs(t, l.Set(2, uint64(math.MaxUint64)), ErrBadItem)
			require.ErrorIs(t, l.Set(3, "x\x00"), ErrBadItem)
			require.Error(t, l.Set(4, 1))
			require.Error(t, l.Set(-1, 1))
			assert.Equal(t, before, mem)
			// a bool over the str slot, bytes over the bool slot.
			require.NoError(t, l.Set(3, false))
			require.NoError(t, l.Set(2, []byte("b")))

			f, err := l.Format()
			require.NoError(t, err)
			assert.Equal(t, "16s8s8sxxxxxxx?", f)
			items, err := l.Items()
			require.NoError(t, err)
			assert.Equal(t, []any{"hello", "8 bytes!", []byte("b"), false}, items)
		})
	}
}

// A slot whose "<w>s" format is narrower than the slot (Python never writes
// one; Python would truncate into it) refuses longer values.
func TestSetNarrowFormat(t *testing.T) {
	mem := encodeT(t, Layout39, "abc")
	l := memList(t, mem)
	copy(mem[l.h.fmtOff:], "3s\x00")
	v, err := l.Get(0)
	require.NoError(t, err)
	assert.Equal(t, "abc", v)
	require.NoError(t, l.Set(0, "xyz"))
	require.ErrorIs(t, l.Set(0, "wxyz"), ErrItemTooLong)
	v, err = l.Get(0)
	require.NoError(t, err)
	assert.Equal(t, "xyz", v)
}

// Item decoding follows Python's __getitem__: the format unpacks, the code
// transforms.
func TestGetByFormatAndCode(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format string
		code   int8
		value  []byte
		want   any
		err    string
	}{
		{"s with code 0 is raw bytes", "8s", 0, []byte("ab\x00\x00\x00\x00\x00\x00"), []byte("ab\x00\x00\x00\x00\x00\x00"), ""},
		{"str strips NULs", "8s", 1, []byte("a\x00b\x00\x00\x00\x00\x00"), "a\x00b", ""},
		{"bytes strips NULs", "8s", 2, []byte("a\x00\x00\x00\x00\x00\x00\x00"), []byte("a"), ""},
		{"invalid UTF-8", "8s", 1, []byte("\xff\xfe\x00\x00\x00\x00\x00\x00"), nil, "not valid UTF-8"},
		{"code 3 whatever the format", "q", 3, []byte{1, 2, 3, 4, 5, 6, 7, 8}, nil, ""},
		{"None format, code 0: byte 6", "xxxxxx?x", 0, []byte{0, 0, 0, 0, 0, 0, 1, 0}, true, ""},
		{"bool: byte 7", "xxxxxxx?", 0, []byte{0, 0, 0, 0, 0, 0, 0, 2}, true, ""},
		{"str code on an int", "q", 1, make([]byte, 8), nil, "code 1 (str or bytes) on format \"q\""},
		{"unknown code", "q", 4, make([]byte, 8), nil, "unknown code 4"},
		{"negative code", "q", -1, make([]byte, 8), nil, "unknown code -1"},
		{"unknown format", "i", 0, make([]byte, 8), nil, "format \"i\" is none Python writes"},
		{"format wider than the slot", "9s", 2, make([]byte, 8), nil, "needs 9 bytes"},
		{"format with a sign", "-1s", 2, make([]byte, 8), nil, "none Python writes"},
		{"format with a space", " 8s", 2, make([]byte, 8), nil, "none Python writes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := encodeT(t, Layout39, int64(0))
			l := memList(t, mem)
			copy(mem[l.h.slots[0]:], tc.value)
			fmtArea := mem[l.h.fmtOff : l.h.fmtOff+8]
			clear(fmtArea)
			copy(fmtArea, tc.format)
			mem[l.h.codeOff] = byte(tc.code)
			v, err := l.Get(0)
			_, _, derr := DecodeList(mem)
			if tc.err == "" {
				require.NoError(t, err)
				require.NoError(t, derr)
				assert.Equal(t, tc.want, v)
				return
			}
			var le *ListError
			require.ErrorAs(t, err, &le)
			assert.ErrorIs(t, err, ErrBadList)
			assert.Contains(t, err.Error(), tc.err)
			assert.Equal(t, 0, le.Index)
			if tc.name == "invalid UTF-8" {
				assert.Equal(t, []byte("\xff\xfe"), le.Raw)
			}
			assert.Equal(t, err.Error(), derr.Error())
		})
	}
}

func TestMalformedHeaders(t *testing.T) {
	good := encodeT(t, Layout39, int64(1), "abcdefgh")
	good38 := encodeT(t, Layout38, int64(1), "abcdefgh")
	put := func(b []byte, off int, v int64) []byte {
		b = bytes.Clone(b)
		binary.NativeEndian.PutUint64(b[off:], uint64(v))
		return b
	}
	for _, tc := range []struct {
		name string
		mem  []byte
		err  string
	}{
		{"empty", []byte{}, "shorter than the 8-byte item count"},
		{"7 bytes", make([]byte, 7), "shorter than"},
		{"negative count", put(good, 0, -1), "negative item count"},
		{"count too large", put(good, 0, 1<<40), "does not fit"},
		{"count one too many", put(good, 0, 3), "outside"},
		{"items in 8 bytes", put(make([]byte, 8), 0, 1), "cannot hold"},
		{"decreasing offsets", put(good, 16, 100), "outside"},
		{"offset past the end", put(put(good, 16, 8), 24, 1<<50), "outside"},
		{"negative first size", put(good38, 8, -8), "negative first"},
		{"3.8 size too large", put(good38, 16, 1<<62), "does not fit"},
		{"truncated list", good[:len(good)-1], "outside"},
		{"truncated 3.8 list", good38[:len(good38)-1], "does not fit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := DecodeList(tc.mem)
			var le *ListError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, -1, le.Index)
			assert.Contains(t, err.Error(), tc.err)
			_, err = memSegment(tc.mem).List()
			assert.True(t, errors.Is(err, ErrBadList), "%v", err)
		})
	}
	// Longer segments (page-rounded on macOS and Windows) read the same.
	items, _, err := DecodeList(append(bytes.Clone(good), make([]byte, 4096)...))
	require.NoError(t, err)
	assert.Equal(t, []any{int64(1), "abcdefgh"}, items)
}
