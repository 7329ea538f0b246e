package managers

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/pickle"
)

// Requests captured from CPython clients (../shared/spec/managers-protocol.md,
// section 2): the docs' remote queue, as 3.13, 2.7 and 3.14 send it.
var capturedRequests = []string{
	"8004951000000000000000284e8c0564756d6d7994297d9474942e",                                                       // 3.13 dummy
	"8004951e00000000000000284e8c06637265617465948c096765745f71756575659485947d9474942e",                           // 3.13 create('get_queue')
	"8004952b00000000000000284e8c116163636570745f636f6e6e656374696f6e948c0b4d61696e50726f636573739485947d9474942e", // 3.13 accept_connection
	"8004952500000000000000288c0c376638663531616164626530948c03707574948c0568656c6c6f9485947d9474942e",             // 3.13 put('hello')
	"8002284e550564756d6d797101297d71027471032e",                                                                   // 2.7 dummy
	"8002284e5506637265617465710155096765745f717565756571028571037d71047471052e",                                   // 2.7 create
	"800228550c376638366461333535666130710155037075747102550568656c6c6f71038571047d71057471062e",                   // 2.7 put
	"8005951000000000000000284e8c0564756d6d7994297d9474942e",                                                       // 3.14 dummy
}

// fuzzObjects are made in every fuzzed server, so that requests can reach
// objects: idents 1, 2, 3, ... in this order.
var fuzzObjects = []string{"get_queue", "list", "dict", "Lock", "RLock", "Condition", "Event", "Barrier", "Value", "Namespace", "Array", "set", "Semaphore"}

func fuzzServer() *Server {
	s := NewServer(InsecureSkipAuth())
	_ = s.RegisterSyncManager()
	_ = s.Register("get_queue", Type{New: Singleton(NewQueue(2))})
	args := map[string][]any{"Barrier": {2}, "Value": {"i", 1}, "Array": {"i", []any{1, 2}}, "list": {[]any{1, "a"}}}
	for _, typeid := range fuzzObjects {
		if _, err := s.create(typeid, typeid, &Call{Method: typeid, Args: args[typeid], server: s}); err != nil {
			panic(err)
		}
	}
	return s
}

// FuzzServerRequest feeds one message to a server as the first request of a
// connection and as a request on a channel: it must answer with one of the
// protocol's reply kinds, which must pickle, and never panic or hang.
func FuzzServerRequest(f *testing.F) {
	for _, h := range capturedRequests {
		b, err := hex.DecodeString(h)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// Requests for every object, in the protocols CPython clients write.
	for i, typeid := range fuzzObjects {
		ident := string(rune('1' + i))
		if i >= 9 {
			ident = string(rune('a' + i - 9))
		}
		for _, method := range []string{"__len__", "get", "put", "acquire", "release", "wait", "__getitem__", "#GETVALUE", "__repr__", "__getattribute__"} {
			for _, proto := range []int{2, 3, 4} {
				req := pickle.Tuple{ident, method, pickle.Tuple{0}, map[string]any{}}
				if b, err := pickle.Marshal(req, pickle.WithProtocol(proto)); err == nil {
					f.Add(b)
				}
			}
		}
		b, _ := pickle.Marshal(pickle.Tuple{nil, "create", pickle.Tuple{typeid}, map[string]any{}})
		f.Add(b)
		b, _ = pickle.Marshal(pickle.Tuple{nil, "decref", pickle.Tuple{ident}, map[string]any{}})
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := fuzzServer()
		defer s.Close()
		a, b, err := connection.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		go func() {
			defer b.Close()
			for {
				if _, err := b.RecvBytes(); err != nil {
					return
				}
			}
		}()
		sc := &serverConn{s: s, conn: a, caller: 1}
		check := func(kind string, value any) {
			switch kind {
			case KindReturn, KindError, KindTraceback, KindProxy, KindUnserializable:
			default:
				t.Fatalf("reply kind %q", kind)
			}
			if kind == KindTraceback && !strings.HasPrefix(asString(value), "Traceback (most recent call last):\n") {
				t.Fatalf("traceback %q", value)
			}
			if err := sc.send(kind, value); err != nil {
				t.Fatalf("sending the reply: %v", err)
			}
		}
		kind, value, _ := sc.control(data)
		check(kind, value)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		defer cancel()
		kind, value = sc.serveRequest(ctx, data)
		if ctx.Err() == nil {
			check(kind, value)
		}
		if n := s.NumberOfObjects(); n < 0 || n > len(fuzzObjects)+2 {
			t.Fatalf("%d objects", n)
		}
	})
}

func asString(v any) string {
	s, _ := asText(v)
	return s
}
