package managers_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/mpconn/mpconn/managers"
)

// The docs' remote queue, both sides in Go: a server that registers
// get_queue (Python: QueueManager.register('get_queue', callable=lambda:
// queue)) and a client that puts and gets. Unmodified Python clients and
// servers take either part.
func Example() {
	key := []byte("abracadabra")
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	addr := filepath.Join(dir, "manager.sock") // or "tcp", "127.0.0.1:50000"

	// The server.
	server := managers.NewServer(managers.WithAuthKey(key))
	queue := managers.NewQueue(0)
	if err := server.Register("get_queue", managers.Type{New: managers.Singleton(queue)}); err != nil {
		log.Fatal(err)
	}
	l, err := managers.Listen(context.Background(), "unix", addr, managers.WithAuthKey(key))
	if err != nil {
		log.Fatal(err)
	}
	go server.Serve(l)
	defer server.Close()

	// A client: m.connect(); q = m.get_queue(); q.put('hello').
	ctx := context.Background()
	client, err := managers.Dial(ctx, "unix", addr, managers.WithAuthKey(key))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	p, err := client.Create(ctx, "get_queue")
	if err != nil {
		log.Fatal(err)
	}
	q := managers.QueueProxy{Proxy: p}
	if err := q.Put(ctx, "hello"); err != nil {
		log.Fatal(err)
	}
	item, err := q.Get(ctx)
	fmt.Println(item, err)

	// An empty queue: Python's queue.Empty, matched with errors.Is.
	_, err = q.GetTimeout(ctx, 10*time.Millisecond)
	fmt.Println(errors.Is(err, managers.ErrEmpty), err)
	// Output:
	// hello <nil>
	// true managers: queue.Empty
}

// Inventory is a Go type that Python clients call through a proxy: its
// exported methods are exposed under their snake_case names.
type Inventory struct {
	items map[string]int
}

// AddItem is inventory.add_item(name, count) in Python.
func (inv *Inventory) AddItem(name string, count int) int {
	inv.items[name] += count
	return inv.items[name]
}

// Take is inventory.take(name): it raises KeyError in Python for an
// unknown name.
func (inv *Inventory) Take(name string) (int, error) {
	n, ok := inv.items[name]
	if !ok {
		return 0, managers.Raise(managers.ErrKeyError, name)
	}
	delete(inv.items, name)
	return n, nil
}

// A user-registered type, called the way Python calls it:
//
//	class InventoryManager(BaseManager): pass
//	InventoryManager.register('Inventory')
//	m = InventoryManager(address, authkey); m.connect()
//	inv = m.Inventory(); inv.add_item('apples', 3)
func ExampleServer_Register() {
	key := []byte("secret")
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	addr := filepath.Join(dir, "manager.sock")

	server := managers.NewServer(managers.WithAuthKey(key))
	server.Register("Inventory", managers.Type{
		New: func(context.Context, *managers.Call) (any, error) {
			return &Inventory{items: map[string]int{}}, nil
		},
	})
	l, _ := managers.Listen(context.Background(), "unix", addr, managers.WithAuthKey(key))
	go server.Serve(l)
	defer server.Close()

	ctx := context.Background()
	client, _ := managers.Dial(ctx, "unix", addr, managers.WithAuthKey(key))
	defer client.Close()
	inv, _ := client.Create(ctx, "Inventory")
	fmt.Println(inv.Exposed())
	fmt.Println(inv.Call(ctx, "add_item", "apples", 3))
	fmt.Println(inv.Call(ctx, "take", "pears"))
	// Output:
	// [add_item take]
	// 3 <nil>
	// <nil> managers: KeyError: 'pears'
}

// SyncManager's types, served in Go: what Python's
// SyncManager(address, authkey).connect() and m.dict(), m.Lock() reach.
func ExampleServer_RegisterSyncManager() {
	key := []byte("secret")
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	addr := filepath.Join(dir, "manager.sock")

	server := managers.NewServer(managers.WithAuthKey(key))
	server.RegisterSyncManager()
	l, _ := managers.Listen(context.Background(), "unix", addr, managers.WithAuthKey(key))
	go server.Serve(l)
	defer server.Close()

	ctx := context.Background()
	client, _ := managers.Dial(ctx, "unix", addr, managers.WithAuthKey(key))
	defer client.Close()
	d, _ := client.Dict(ctx, map[string]any{"jobs": 3})
	d.SetItem(ctx, "done", 1)
	fmt.Println(d.Repr(ctx))
	_, err := d.GetItem(ctx, "missing")
	fmt.Println(errors.Is(err, managers.ErrKeyError))

	lock, _ := client.Lock(ctx)
	fmt.Println(lock.TryAcquire(ctx))
	fmt.Println(lock.TryAcquire(ctx))
	// Output:
	// {'jobs': 3, 'done': 1} <nil>
	// true
	// true <nil>
	// false <nil>
}
