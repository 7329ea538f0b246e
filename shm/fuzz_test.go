package shm

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecodeList feeds arbitrary bytes to the ShareableList reader (what a
// hostile or corrupted segment holds): DecodeList and the List methods must
// return an error or values, never panic or write outside the list, and
// what they read must survive a write back.
func FuzzDecodeList(f *testing.F) {
	f.Add(golden39(f))
	f.Add(golden38(f))
	for _, items := range [][]any{
		nil,
		{int64(1), 2.5, "abc", []byte("xy"), nil, true, "€€€", int64(-7)},
		{"", []byte{}, false, "0123456789abcdefg"},
	} {
		for _, layout := range []Layout{Layout39, Layout38} {
			b, err := EncodeList(items, layout)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items, layout, err := DecodeList(data)
		if err != nil {
			if !errors.Is(err, ErrBadList) {
				t.Fatalf("error %v does not match ErrBadList", err)
			}
			return
		}
		mem := bytes.Clone(data)
		l, err := memSegment(mem).List()
		if err != nil {
			t.Fatalf("DecodeList read it, List refused: %v", err)
		}
		if l.Len() != len(items) || l.Layout() != layout {
			t.Fatalf("List sees %d items (%v), DecodeList %d (%v)", l.Len(), l.Layout(), len(items), layout)
		}
		end := l.h.size()
		for i, v := range items {
			err := l.Set(i, v)
			if err != nil {
				// Python's own reads can give what it cannot store back:
				// raw bytes with trailing NULs from an "s" slot with code 0.
				if !errors.Is(err, ErrBadItem) && !errors.Is(err, ErrItemTooLong) && !errors.Is(err, ErrBadList) {
					t.Fatalf("Set(%d, %#v): %v", i, v, err)
				}
				continue
			}
			got, err := l.Get(i)
			if err != nil {
				t.Fatalf("Get(%d) after Set(%d, %#v): %v", i, i, v, err)
			}
			if !equalItem(got, v) {
				t.Fatalf("Set(%d, %#v) then Get: %#v", i, v, got)
			}
		}
		if !bytes.Equal(mem[end:], data[end:]) {
			t.Fatalf("Set wrote past the list's %d bytes", end)
		}
		if enc, err := EncodeList(items, layout); err == nil {
			again, layout2, err := DecodeList(enc)
			if err != nil || layout2 != layout || len(again) != len(items) {
				t.Fatalf("re-encoded list: %v %v %d items", err, layout2, len(again))
			}
			for i := range items {
				if !equalItem(again[i], items[i]) {
					t.Fatalf("item %d: %#v re-encoded as %#v", i, items[i], again[i])
				}
			}
		}
	})
}

// equalItem compares decoded items, NaN equal to itself (the bytes are).
func equalItem(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || x != x && y != y)
	}
	return a == b
}
