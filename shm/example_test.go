package shm_test

import (
	"fmt"

	"github.com/mpconn/mpconn/pickle"
	"github.com/mpconn/mpconn/shm"
)

// The codec alone: the bytes of ShareableList([1, 2.5, 'abc', None]) as
// Python 3.9+ writes them, and back.
func ExampleEncodeList() {
	b, err := shm.EncodeList([]any{1, 2.5, "abc", nil}, shm.Layout39)
	if err != nil {
		panic(err)
	}
	items, layout, err := shm.DecodeList(b)
	fmt.Println(len(b), items, layout, err)
	// Output: 116 [1 2.5 abc <nil>] 3.9+ <nil>
}

// What Python's conn.send(shm) writes decodes to a SegmentRef; sending one
// gives Python a SharedMemory. Conn.RecvInto and Conn.Send do the same
// through a connection.
func ExampleSegmentRef() {
	data, err := pickle.Marshal(shm.SegmentRef{Name: "psm_0a1b2c3d", Size: 100})
	if err != nil {
		panic(err)
	}
	var v any // what Conn.Recv would return
	if err := pickle.Unmarshal(data, &v); err != nil {
		panic(err)
	}
	fmt.Printf("%v%v\n", v.(*pickle.Object).Class, v.(*pickle.Object).Args)

	var ref shm.SegmentRef
	if err := ref.UnmarshalPickle(v); err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", ref)
	// Output:
	// multiprocessing.shared_memory.SharedMemory('psm_0a1b2c3d', False, 100)
	// {Name:psm_0a1b2c3d Size:100 NoTrack:false}
}
