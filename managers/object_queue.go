package managers

import (
	"context"
	"fmt"
	"sync"
)

// Queue is a Go queue with the semantics of Python's queue.Queue, served by
// a Server: what SyncManager's Queue and JoinableQueue make, and what the
// docs' get_queue returns. Go code in the server's process uses it
// directly with Put and Get while Python clients use it through proxies.
type Queue struct {
	maxsize int

	mu         sync.Mutex
	items      []any
	head       int // items[head:] are queued
	unfinished int
	shutdown   bool
	changed    signal // an item came or went, a task was done, shutdown
}

// NewQueue returns an empty queue holding at most maxsize items (unbounded
// when maxsize <= 0), as queue.Queue(maxsize) does.
func NewQueue(maxsize int) *Queue { return &Queue{maxsize: maxsize} }

func newQueue(_ context.Context, c *Call) (any, error) {
	args, err := c.bind(param{"maxsize", int64(0)})
	if err != nil {
		return nil, err
	}
	n, err := intArg(args[0], ">")
	if err != nil {
		return nil, err
	}
	return NewQueue(int(n)), nil
}

// Put puts item on the queue, waiting for room until ctx ends.
func (q *Queue) Put(ctx context.Context, item any) error {
	return q.put(ctx, item, true, timeout{})
}

// Get removes and returns the oldest item, waiting for one until ctx ends.
func (q *Queue) Get(ctx context.Context) (any, error) {
	return q.get(ctx, true, timeout{})
}

// Qsize returns the number of items queued.
func (q *Queue) Qsize() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.size()
}

func (q *Queue) size() int { return len(q.items) - q.head }

func (q *Queue) isFull() bool { return q.maxsize > 0 && q.size() >= q.maxsize }

// put is queue.Queue.put(item, block, timeout).
func (q *Queue) put(ctx context.Context, item any, block bool, t timeout) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.shutdown {
			return Raise(ErrShutDown)
		}
		if !q.isFull() {
			break
		}
		if !block || t.expired() {
			return Raise(ErrFull)
		}
		if _, err := t.wait(ctx, &q.mu, q.changed.waitChan()); err != nil {
			return err
		}
	}
	q.items = append(q.items, item)
	q.unfinished++
	q.changed.broadcast()
	return nil
}

// get is queue.Queue.get(block, timeout).
func (q *Queue) get(ctx context.Context, block bool, t timeout) (any, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.size() == 0 {
		if q.shutdown {
			return nil, Raise(ErrShutDown)
		}
		if !block || t.expired() {
			return nil, Raise(ErrEmpty)
		}
		if _, err := t.wait(ctx, &q.mu, q.changed.waitChan()); err != nil {
			return nil, err
		}
	}
	item := q.items[q.head]
	q.items[q.head] = nil
	q.head++
	if q.head > 32 && q.head*2 >= len(q.items) {
		q.items = append(q.items[:0], q.items[q.head:]...)
		q.head = 0
	}
	q.changed.broadcast()
	return item, nil
}

var queueMethods = methodTable[*Queue]{
	"put": func(q *Queue, ctx context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"item", noDefault}, param{"block", true}, param{"timeout", nil})
		if err != nil {
			return nil, err
		}
		t, err := parseTimeout(args[2], true)
		if err != nil {
			return nil, err
		}
		return nil, q.put(ctx, args[0], truth(args[1]), t)
	},
	"put_nowait": func(q *Queue, ctx context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"item", noDefault})
		if err != nil {
			return nil, err
		}
		return nil, q.put(ctx, args[0], false, timeout{})
	},
	"get": func(q *Queue, ctx context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"block", true}, param{"timeout", nil})
		if err != nil {
			return nil, err
		}
		t, err := parseTimeout(args[1], true)
		if err != nil {
			return nil, err
		}
		return q.get(ctx, truth(args[0]), t)
	},
	"get_nowait": func(q *Queue, ctx context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		return q.get(ctx, false, timeout{})
	},
	"qsize": func(q *Queue, _ context.Context, c *Call) (any, error) {
		return q.Qsize(), c.noArgs()
	},
	"empty": func(q *Queue, _ context.Context, c *Call) (any, error) {
		return q.Qsize() == 0, c.noArgs()
	},
	"full": func(q *Queue, _ context.Context, c *Call) (any, error) {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.isFull(), c.noArgs()
	},
	"task_done": func(q *Queue, _ context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		q.mu.Lock()
		defer q.mu.Unlock()
		if q.unfinished <= 0 {
			return nil, raisef(ErrValueError, "task_done() called too many times")
		}
		q.unfinished--
		if q.unfinished == 0 {
			q.changed.broadcast()
		}
		return nil, nil
	},
	"join": func(q *Queue, ctx context.Context, c *Call) (any, error) {
		if err := c.noArgs(); err != nil {
			return nil, err
		}
		q.mu.Lock()
		defer q.mu.Unlock()
		for q.unfinished > 0 {
			if _, err := (timeout{}).wait(ctx, &q.mu, q.changed.waitChan()); err != nil {
				return nil, err
			}
		}
		return nil, nil
	},
	"shutdown": func(q *Queue, _ context.Context, c *Call) (any, error) {
		args, err := c.bind(param{"immediate", false})
		if err != nil {
			return nil, err
		}
		q.mu.Lock()
		defer q.mu.Unlock()
		q.shutdown = true
		if truth(args[0]) {
			for q.size() > 0 {
				q.items[q.head] = nil
				q.head++
				if q.unfinished > 0 {
					q.unfinished--
				}
			}
		}
		q.changed.broadcast()
		return nil, nil
	},
}

// CallMethod serves queue.Queue's methods.
func (q *Queue) CallMethod(ctx context.Context, c *Call) (any, error) {
	return queueMethods.call(q, ctx, c)
}

// Exposed lists queue.Queue's public methods, as Python's AutoProxy sees
// them (with shutdown, new in 3.13).
func (q *Queue) Exposed() []string { return queueMethods.publicNames() }

// PyRepr is the queue's repr.
func (q *Queue) PyRepr() string { return fmt.Sprintf("<queue.Queue object at %p>", q) }

// PyValue refuses, as pickling a queue.Queue does in Python.
func (q *Queue) PyValue() (any, error) {
	return nil, raisef(ErrTypeError, "cannot pickle '_thread.lock' object")
}

func (q *Queue) pyTypeName() string { return "Queue" }
