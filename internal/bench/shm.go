package main

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mpconn/mpconn/connection"
	"github.com/mpconn/mpconn/shm"
)

//go:embed shm.py
var shmPy []byte

// implShm is the shared-memory hand-off, in the mpconn column; the same
// bytes through SendBytes/recv_bytes fill the "Go client↔CPython server"
// column of the same row.
const implShm = "mpconn shared memory"

// shmSizes are the two array sizes: the hand-off through shared memory
// should take the same time at both, the copy through the socket 16 times
// longer at the larger.
var shmSizes = map[string][]int{"quick": {1 << 20, 16 << 20}, "full": {16 << 20, 256 << 20}}

// sharedMemory times handing an array of float64s from Go to a Python child
// and back: once as a SharedMemory reference each way (Python attaches by
// unpickling, writes the last element through memoryview.cast('d'), sends
// the reference back; Go sees the write in place), once as the array's
// bytes each way (SendBytes, recv_bytes, send_bytes, RecvBytesInto).
// Milliseconds per hand-off.
func (b *bencher) sharedMemory(ctx context.Context) error {
	conn, child, err := connection.ChildPipe(connection.WithMaxMessageSize(1 << 30))
	if err != nil {
		return err
	}
	defer conn.Close()
	script := filepath.Join(b.tmp, "shm.py")
	if err := os.WriteFile(script, shmPy, 0o644); err != nil {
		return err
	}
	cmd := b.py.Command(ctx, script)
	cmd.ExtraFiles = []*os.File{child}
	cmd.Stderr = os.Stderr
	err = cmd.Start()
	child.Close()
	if err != nil {
		return err
	}
	defer cmd.Wait()
	defer conn.Close() // EOF ends the child

	for _, size := range shmSizes[b.cfg.Mode] {
		if err := b.shmHandoffs(conn, size); err != nil {
			return fmt.Errorf("shared memory, %s: %w", sizeName(size), err)
		}
	}
	return nil
}

func (b *bencher) shmHandoffs(conn *connection.Conn, size int) error {
	seg, err := shm.Create("", size)
	if err != nil {
		return err
	}
	defer seg.Unlink()
	defer seg.Close()
	a, err := shm.View[float64](seg.Bytes())
	if err != nil {
		return err
	}
	for i := range a {
		a[i] = float64(i)
	}
	ref := seg.Ref()
	ref.NoTrack = b.py.AtLeast(3, 13) // else Python unregisters after each attach
	last := len(a) - 1

	handoff := func() error {
		a[last] = -1
		if err := conn.Send(ref); err != nil {
			return err
		}
		var back shm.SegmentRef
		if err := conn.RecvInto(&back); err != nil {
			return err
		}
		if back.Name != ref.Name || back.Size != size || a[last] != a[0]+1 {
			return fmt.Errorf("Python handed back %+v with a[last] = %g", back, a[last])
		}
		return nil
	}
	const handoffs = 100
	repeat := func(n int, f func() error) func() error {
		return func() error {
			for range n {
				if err := f(); err != nil {
					return err
				}
			}
			return nil
		}
	}
	group := fmt.Sprintf("hand-off Go→Python→Go, %s float64 array", sizeName(size))
	ms := func(secs []float64, per int) []float64 {
		out := make([]float64, len(secs))
		for i, s := range secs {
			out[i] = s * 1000 / float64(per)
		}
		return out
	}

	if err := conn.Send("shm"); err != nil {
		return err
	}
	samples, err := b.interleave(group+", "+implShm, []contender{goBatch(implShm, repeat(10, handoff), repeat(handoffs, handoff))})
	if err != nil {
		return err
	}
	secs := samples[0]
	if err := conn.Send(nil); err != nil {
		return err
	}
	b.add(group, implShm, "ms", ms(secs, handoffs), false)

	back := make([]byte, size)
	echo := func() error {
		if err := conn.SendBytes(seg.Bytes()); err != nil {
			return err
		}
		n, err := conn.RecvBytesInto(back)
		if err == nil && n != size {
			err = fmt.Errorf("echo of %d bytes came back with %d", size, n)
		}
		return err
	}
	count := max(1, (64<<20)/size)
	if err := conn.Send("bytes"); err != nil {
		return err
	}
	// Python is in one mode at a time, so the two columns cannot interleave.
	samples, err = b.interleave(group+", "+pairGoPy, []contender{goBatch(pairGoPy, echo, repeat(count, echo))})
	if err != nil {
		return err
	}
	secs = samples[0]
	if err := conn.SendBytes(nil); err != nil {
		return err
	}
	if _, err := conn.RecvBytes(); err != nil {
		return err
	}
	b.add(group, pairGoPy, "ms", ms(secs, count), false)
	b.ratio(group, implShm, pairGoPy, 0)
	return nil
}
