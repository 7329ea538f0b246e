package pickle

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// plainReader hides every method of its reader but Read, as *os.File,
// net.Conn, gzip.Reader and io.PipeReader do (none is an io.ByteReader).
type plainReader struct{ r io.Reader }

func (p plainReader) Read(b []byte) (int, error) { return p.r.Read(b) }

// streamRecords is n records as 2.7–3.7 send them (protocol 2 or 3:
// unframed) or as 3.8+ do (protocol 4: framed); Marshal writes these bytes
// exactly as CPython 3.13's pickle.dumps does (TestMarshalMatchesCPython).
func streamRecords(tb testing.TB, proto, n int) []byte {
	tb.Helper()
	recs := make([]any, n)
	for i := range recs {
		recs[i] = map[string]any{"id": i, "name": fmt.Sprintf("record %d", i), "score": float64(i) / 4, "tag": nil}
	}
	data, err := Marshal(recs, WithProtocol(proto), Deterministic())
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// bigBytesPickle is one bytes object of n bytes at protocol 4 (BINBYTES8,
// outside any frame, as CPython writes payloads of 64 KiB and more).
func bigBytesPickle(tb testing.TB, n int) []byte {
	tb.Helper()
	data, err := Marshal(bytes.Repeat([]byte{0x5a}, n))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func BenchmarkDecoderPlainReader(b *testing.B) {
	cases := []struct {
		name string
		data []byte
	}{
		{"unframed-p2/20KB", streamRecords(b, 2, 400)},
		{"unframed-p2/200KB", streamRecords(b, 2, 4000)},
		{"unframed-p2/2MB", streamRecords(b, 2, 40000)},
		{"framed-p4/200KB", streamRecords(b, 4, 4000)},
		{"bytes-p4/64MB", bigBytesPickle(b, 64<<20)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				var v any
				if err := NewDecoder(plainReader{bytes.NewReader(c.data)}).Decode(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// tenFields is a struct of ten fields of common kinds.
type tenFields struct {
	ID      int64             `pickle:"id"`
	Name    string            `pickle:"name"`
	Score   float64           `pickle:"score"`
	OK      bool              `pickle:"ok"`
	Tags    []string          `pickle:"tags"`
	Owner   string            `pickle:"owner"`
	Count   int               `pickle:"count"`
	Ratio   float32           `pickle:"ratio"`
	Attrs   map[string]string `pickle:"attrs"`
	Comment *string           `pickle:"comment"`
}

func BenchmarkUnmarshalTenFields(b *testing.B) {
	data, err := Marshal(map[string]any{
		"id": 7, "name": "alice", "score": 3.25, "ok": true, "tags": []any{"a", "b"}, "owner": "bob",
		"count": 3, "ratio": 0.5, "attrs": map[string]any{"k": "v"}, "comment": nil,
	}, Deterministic())
	if err != nil {
		b.Fatal(err)
	}
	reg := NewRegistry()
	for _, c := range []struct {
		name string
		opts []Option
	}{{"no-registry", nil}, {"registry", []Option{WithRegistry(reg)}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var v tenFields
				if err := Unmarshal(data, &v, c.opts...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
