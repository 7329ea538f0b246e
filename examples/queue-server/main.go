// Command queue-server is the Go side of the Python docs' "Using a remote
// manager" example: it serves a queue under the typeid get_queue, where
// the docs' Python server would, and SyncManager's typeids (Queue, dict,
// list, Lock, Event, Value, Namespace, …) besides, until a client asks it
// to shut down or it gets SIGINT.
//
// The docs' Python clients work against it unchanged:
//
//	>>> from multiprocessing.managers import BaseManager
//	>>> class QueueManager(BaseManager): pass
//	>>> QueueManager.register('get_queue')
//	>>> m = QueueManager(address=('127.0.0.1', 50000), authkey=b'abracadabra')
//	>>> m.connect()
//	>>> queue = m.get_queue()
//	>>> queue.put('hello')
//
// and so do SyncManager clients: SyncManager(address=('127.0.0.1', 50000),
// authkey=b'abracadabra').connect(), then m.Queue(), m.dict(), m.Lock(), ….
//
// Run it with:
//
//	go run ./examples/queue-server -addr 127.0.0.1:50000 -authkey abracadabra
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"

	"github.com/mpconn/mpconn/managers"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:50000", "TCP address to serve on")
	authkey := flag.String("authkey", "abracadabra", "the manager's authkey")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *addr, []byte(*authkey), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run serves until ctx ends or a client sends shutdown.
func run(ctx context.Context, addr string, key []byte, out io.Writer) error {
	s := managers.NewServer(managers.WithAuthKey(key))
	// The docs' server: QueueManager.register('get_queue', callable=lambda: queue).
	queue := managers.NewQueue(0)
	if err := s.Register("get_queue", managers.Type{New: managers.Singleton(queue)}); err != nil {
		return err
	}
	if err := s.RegisterSyncManager(); err != nil {
		return err
	}
	l, err := managers.Listen(ctx, "tcp", addr, managers.WithAuthKey(key))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "serving on %s\n", l.Addr())
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "interrupted")
	case <-s.Done():
		fmt.Fprintln(out, "shut down by a client")
	}
	s.Close()
	if err := <-served; !errors.Is(err, managers.ErrServerClosed) {
		return err
	}
	fmt.Fprintf(out, "%d items left on the queue\n", queue.Qsize())
	return nil
}
