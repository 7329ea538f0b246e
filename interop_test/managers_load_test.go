package interop_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/internal/pythons"
	"github.com/mpconn/mpconn/managers"
	"github.com/mpconn/mpconn/pickle"
)

// Load: Python and Go clients at once on one queue of a Go server.
const (
	loadGoClients     = 25
	loadPythonClients = 25   // threads of one Python process: a channel each, as Python does
	loadOpsPerClient  = 1000 // half puts of (producer, seq), half gets, alternating
)

// TestManagersLoad has 50 clients, Go and Python (the newest CPython 3),
// each put and get 500 sequence-numbered items on the docs' queue of a Go
// server at the same time. Every item must be got exactly once, and every
// client must see each producer's items in the order they were put.
func TestManagersLoad(t *testing.T) {
	t.Parallel()
	py, ok := pythons.Newest(pythons.ForTest(t))
	if !ok {
		t.Skip("no CPython 3 found")
	}
	_, addr := startGoManager(t)
	p := startManagerClient(t, py, addr, addr)
	half := loadOpsPerClient / 2

	// The Python clients start first and run while the Go ones do.
	pp := p.in(t)
	pp.send(cmd{"op": "exec", "code": lines(
		fmt.Sprintf("G, N = %d, %d", loadGoClients, loadPythonClients),
		"def client(pid, got):",
		"    q = gm.get_queue()",
		fmt.Sprintf("    for i in range(%d):", half),
		"        q.put((pid, i))",
		"        got.append(list(q.get()))",
		"gots = [[] for i in range(N)]",
		"threads = [threading.Thread(target=client, args=(pid, gots[pid - G])) for pid in range(G, G + N)]",
		"for t in threads: t.start()",
		"for t in threads: t.join()",
		"result = gots",
	)})
	goGot := make([][][2]int64, loadGoClients)
	var wg sync.WaitGroup
	for pid := range loadGoClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dialManager(t, addr)
			ctx := mgrCtx(t)
			px, err := c.Create(ctx, "get_queue")
			if !assert.NoError(t, err) {
				return
			}
			q := managers.QueueProxy{Proxy: px}
			for i := range half {
				if !assert.NoError(t, q.Put(ctx, pickle.Tuple{pid, i})) {
					return
				}
				v, err := q.Get(ctx)
				if !assert.NoError(t, err) {
					return
				}
				goGot[pid] = append(goGot[pid], pair(t, v))
			}
			assert.NoError(t, c.Close())
		}()
	}
	wg.Wait()
	r := pp.reply()
	requireOK(t, r)
	pyGot, ok := r["result"].([]any)
	require.True(t, ok, "python result: %s", describe(r["result"]))

	consumers := goGot
	for _, got := range pyGot {
		var items [][2]int64
		for _, it := range got.([]any) {
			pr := it.([]any)
			items = append(items, [2]int64{int64(pr[0].(float64)), int64(pr[1].(float64))})
		}
		consumers = append(consumers, items)
	}
	seen := map[[2]int64]int{}
	for c, items := range consumers {
		last := map[int64]int64{}
		for _, it := range items {
			seen[it]++
			if prev, ok := last[it[0]]; ok && it[1] <= prev {
				t.Errorf("client %d got producer %d's item %d after %d", c, it[0], it[1], prev)
			}
			last[it[0]] = it[1]
		}
	}
	producers := loadGoClients + loadPythonClients
	assert.Len(t, seen, producers*half, "distinct items got")
	for it, n := range seen {
		if n != 1 {
			t.Errorf("item %v got %d times", it, n)
		}
		if it[0] < 0 || it[0] >= int64(producers) || it[1] < 0 || it[1] >= int64(half) {
			t.Errorf("item %v was never put", it)
		}
	}
	pyExec(t, p, "gots = threads = None\ngc.collect()")
}

func pair(t *testing.T, v any) [2]int64 {
	tup, ok := v.(pickle.Tuple)
	if !ok || len(tup) != 2 {
		t.Errorf("item %s", describe(v))
		return [2]int64{-1, -1}
	}
	a, _ := tup[0].(int64)
	b, _ := tup[1].(int64)
	return [2]int64{a, b}
}
