package connection

import (
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"
)

// heapMeter samples the heap while a hostile peer does its worst, so a test
// can bound what the peer's bytes cost. Tests using it must not run in
// parallel with others (no t.Parallel), so that the heap is theirs.
//
// The GC target is lowered to 10% meanwhile: the peak then follows live
// memory rather than garbage waiting for the next cycle (with GOGC=100 and
// a small live heap, the runtime lets up to 4 MiB of garbage pile up before
// collecting, whatever the code under test does).
type heapMeter struct {
	base, baseTotal uint64
	mu              sync.Mutex
	peak            uint64
	stop, done      chan struct{}
	oldGC           int
}

func startHeapMeter() *heapMeter {
	m := &heapMeter{stop: make(chan struct{}), done: make(chan struct{})}
	m.oldGC = debug.SetGCPercent(10)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.base, m.baseTotal, m.peak = ms.HeapAlloc, ms.TotalAlloc, ms.HeapAlloc
	go func() {
		defer close(m.done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *heapMeter) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.mu.Lock()
	m.peak = max(m.peak, ms.HeapAlloc)
	m.mu.Unlock()
}

// finish stops sampling and returns the peak heap growth over the baseline
// and the bytes allocated in all meanwhile.
func (m *heapMeter) finish() (peakGrowth, allocated uint64) {
	m.sample()
	close(m.stop)
	<-m.done
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	debug.SetGCPercent(m.oldGC)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.peak > m.base {
		peakGrowth = m.peak - m.base
	}
	return peakGrowth, ms.TotalAlloc - m.baseTotal
}

// heapBound is the stated bound for a hostile peer that made us receive
// received bytes: peak heap growth at most 4 × received + 1 MiB. The MiB
// covers the fixed costs: the first 64 KiB payload chunk of a lying header,
// goroutines and buffers of the Listener and the test itself.
func heapBound(received int) uint64 { return 4*uint64(received) + 1<<20 }

// checkHeap fails t if the peak heap growth exceeds bound, and logs the
// figures (go test -v shows them; the closing note of the hardening work
// quotes them).
func checkHeap(t *testing.T, m *heapMeter, what string, received int, bound uint64) {
	t.Helper()
	peak, total := m.finish()
	t.Logf("HEAP %-40s received %9d B  peak growth %9d B  allocated %9d B  bound %9d B", what, received, peak, total, bound)
	if peak > bound {
		t.Errorf("%s: peak heap growth %d B over the bound %d B (received %d B)", what, peak, bound, received)
	}
}
