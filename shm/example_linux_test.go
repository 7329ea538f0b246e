//go:build linux

package shm_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/mpconn/mpconn/shm"
)

// A segment of float64s, as Python would attach it:
//
//	shm = SharedMemory(name, track=False)   # 3.13+; see the package doc before
//	a = shm.buf.cast('d')                    # or np.ndarray((4,), 'd', shm.buf)
func ExampleCreate() {
	s, err := shm.Create("", 4*8) // a Python-style name: psm_xxxxxxxx
	if err != nil {
		panic(err)
	}
	defer s.Unlink()
	defer s.Close()

	a, err := shm.View[float64](s.Bytes())
	if err != nil {
		panic(err)
	}
	copy(a, []float64{1, 2, 3, 4})

	// Another process attaching by name sees the same memory.
	o, err := shm.Open(s.Name())
	if err != nil {
		panic(err)
	}
	defer o.Close()
	b, _ := shm.View[float64](o.Bytes())
	fmt.Println(b, shm.Format[float64](), o.Size())
	// Output: [1 2 3 4] d 32
}

// A ShareableList describing an array: Python reads it with
// ShareableList(name=name) and sees ['psm_...', 4, 'd'].
func ExampleCreateList() {
	l, err := shm.CreateList("", []any{"psm_0a1b2c3d", 4, shm.Format[float64]()})
	if err != nil {
		panic(err)
	}
	defer l.Unlink()
	defer l.Close()

	if err := l.Set(1, 1000); err != nil { // what Python's sl[1] = 1000 does
		panic(err)
	}
	err = l.Set(2, "float64, too long") // a str keeps the slot it was created with
	fmt.Println(errors.Is(err, shm.ErrItemTooLong))

	items, _ := l.Items()
	format, _ := l.Format()
	fmt.Println(items, format, l.Layout())
	// Output:
	// true
	// [psm_0a1b2c3d 1000 d] 16sq8s 3.9+
}

// A segment truncated by another process faults past its new end;
// checked accesses return the fault as an error.
func ExampleSegment_Access() {
	s, err := shm.Create("", 3*os.Getpagesize())
	if err != nil {
		panic(err)
	}
	defer s.Unlink()
	defer s.Close()
	_ = s.File().Truncate(1) // what a careless other process might do

	err = s.Access(func(mem []byte) {
		mem[len(mem)-1] = 1 // without Access: "unexpected fault address", a crash
	})
	var fe *shm.FaultError
	fmt.Println(errors.As(err, &fe), fe.Size)
	// Output: true 1
}
