// Command queue-client is a Go client of the Python docs' "Using a remote
// manager" example: it reaches the queue a Python manager serves under
// get_queue, where the docs' clients do
//
//	>>> QueueManager.register('get_queue')
//	>>> m = QueueManager(address=('foo.bar.org', 50000), authkey=b'abracadabra')
//	>>> m.connect()
//	>>> queue = m.get_queue()
//	>>> queue.put('hello')
//
// It puts each -put value (a str) on the queue, then gets -get items and
// prints each as Python's repr would, one a line. The docs' server works
// with it unchanged, and so does examples/queue-server.
//
// Run it with:
//
//	go run ./examples/queue-client -addr 127.0.0.1:50000 -authkey abracadabra -put hello -put world
//	go run ./examples/queue-client -addr 127.0.0.1:50000 -authkey abracadabra -get 2
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"

	"github.com/mpconn/mpconn/managers"
)

// puts collects the repeated -put flag.
type puts []string

func (p *puts) String() string     { return strings.Join(*p, ",") }
func (p *puts) Set(v string) error { *p = append(*p, v); return nil }

func main() {
	addr := flag.String("addr", "127.0.0.1:50000", "the manager's TCP address")
	authkey := flag.String("authkey", "abracadabra", "the manager's authkey")
	var items puts
	flag.Var(&items, "put", "a str to put on the queue (repeatable)")
	gets := flag.Int("get", 0, "how many items to get and print")
	flag.Parse()

	// Ctrl-C ends a get that waits for an item.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *addr, []byte(*authkey), items, *gets, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run connects, puts, gets and prints, and releases the queue's reference.
func run(ctx context.Context, addr string, key []byte, items []string, gets int, out io.Writer) error {
	// m = QueueManager(address=..., authkey=...); m.connect()
	client, err := managers.Dial(ctx, "tcp", addr, managers.WithAuthKey(key))
	if err != nil {
		return err
	}
	defer client.Close()
	// queue = m.get_queue()
	p, err := client.Create(ctx, "get_queue")
	if err != nil {
		return err
	}
	queue := managers.QueueProxy{Proxy: p}
	for _, item := range items {
		var v any = item // a Go string is a Python 3 str
		if client.Protocol() == 2 {
			v = []byte(item) // Python 2's str is bytes (a Go string is its unicode)
		}
		if err := queue.Put(ctx, v); err != nil { // queue.put('hello')
			return err
		}
	}
	for range gets {
		item, err := queue.Get(ctx) // queue.get()
		if err != nil {
			return err
		}
		fmt.Fprintln(out, managers.Repr(item))
	}
	return nil
}
