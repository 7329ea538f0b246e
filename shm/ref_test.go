package shm

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpconn/mpconn/pickle"
)

// Pickles CPython 3.8.18 wrote (3.9–3.13 write the same; 3.14 starts with
// 80 05): multiprocessing's ForkingPickler.dumps, which is what conn.send
// does, and plain pickle.dumps at protocols 2 and 4.
const (
	// SharedMemory('psm_0a1b2c3d', size=100), the spec's section 4.1.
	pySharedMemory = "8004954800000000000000" + "8c1d" + "6d756c746970726f63657373696e672e7368617265645f6d656d6f7279" + "94" +
		"8c0c" + "5368617265644d656d6f7279" + "949394" + "8c0c" + "70736d5f3061316232633364" + "94" + "89" + "4b64" + "87" + "9452942e"
	// ShareableList(name='psm_7fdc947b') through conn.send.
	pyShareableList = "80049585000000000000008c196d756c746970726f63657373696e672e726564756374696f6e948c105f72656275696c645f7061727469616c9493948c1d6d756c746970726f63657373696e672e7368617265645f6d656d6f7279948c0d536861726561626c654c697374949394297d948c046e616d65948c0c70736d5f37666463393437629473879452942952942e"
	// The same through pickle.dumps(sl, 2) and pickle.dumps(sl).
	pyShareableListP2 = "80026366756e63746f6f6c730a7061727469616c0a7100636d756c746970726f63657373696e672e7368617265645f6d656d6f72790a536861726561626c654c6973740a7101857102527103286801297d710458040000006e616d657105580c00000070736d5f37666463393437627106734e74710762295271082e"
	pyShareableListP4 = "80049573000000000000008c0966756e63746f6f6c73948c077061727469616c9493948c1d6d756c746970726f63657373696e672e7368617265645f6d656d6f7279948c0d536861726561626c654c69737494939485945294286805297d948c046e616d65948c0c70736d5f376664633934376294734e7494622952942e"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestRefsEncodeAsPythonDoes(t *testing.T) {
	got, err := pickle.Marshal(SegmentRef{Name: "psm_0a1b2c3d", Size: 100})
	require.NoError(t, err)
	assert.Equal(t, pySharedMemory, hex.EncodeToString(got))

	got, err = pickle.Marshal(ListRef{Name: "psm_7fdc947b"})
	require.NoError(t, err)
	assert.Equal(t, pyShareableList, hex.EncodeToString(got))

	// *Segment and *List send their references.
	seg := memSegment(make([]byte, 100))
	seg.name = "psm_0a1b2c3d"
	got, err = pickle.Marshal(seg)
	require.NoError(t, err)
	assert.Equal(t, pySharedMemory, hex.EncodeToString(got))
	l := memList(t, encodeT(t, Layout39, 1))
	l.seg.name = "psm_7fdc947b"
	got, err = pickle.Marshal(l)
	require.NoError(t, err)
	assert.Equal(t, pyShareableList, hex.EncodeToString(got))
}

func TestRefsDecodePythonPickles(t *testing.T) {
	var r SegmentRef
	require.NoError(t, pickle.Unmarshal(mustHex(t, pySharedMemory), &r))
	assert.Equal(t, SegmentRef{Name: "psm_0a1b2c3d", Size: 100}, r)

	// Into any, then by hand (what Conn.Recv gives).
	var v any
	require.NoError(t, pickle.Unmarshal(mustHex(t, pySharedMemory), &v))
	r = SegmentRef{}
	require.NoError(t, r.UnmarshalPickle(v))
	assert.Equal(t, "psm_0a1b2c3d", r.Name)

	for _, p := range []string{pyShareableList, pyShareableListP2, pyShareableListP4} {
		var lr ListRef
		require.NoError(t, pickle.Unmarshal(mustHex(t, p), &lr))
		assert.Equal(t, ListRef{Name: "psm_7fdc947b"}, lr)
	}

	// Inside a container, typed.
	type msg struct {
		Data SegmentRef `pickle:"data"`
		Meta ListRef    `pickle:"meta"`
	}
	b, err := pickle.Marshal(map[string]any{"data": SegmentRef{Name: "a", Size: 1}, "meta": ListRef{Name: "b"}})
	require.NoError(t, err)
	var m msg
	require.NoError(t, pickle.Unmarshal(b, &m))
	assert.Equal(t, msg{SegmentRef{Name: "a", Size: 1}, ListRef{Name: "b"}}, m)
}

func TestSegmentRefNoTrack(t *testing.T) {
	b, err := pickle.Marshal(SegmentRef{Name: "psm_x", Size: 7, NoTrack: true})
	require.NoError(t, err)
	var v any
	require.NoError(t, pickle.Unmarshal(b, &v))
	o := v.(*pickle.Object)
	inner := o.Class.(*pickle.Object)
	assert.Equal(t, rebuildPartial, inner.Class)
	var r SegmentRef
	require.NoError(t, pickle.Unmarshal(b, &r))
	assert.Equal(t, SegmentRef{Name: "psm_x", Size: 7, NoTrack: true}, r)
}

func TestRefsRefuseOtherValues(t *testing.T) {
	kw := func(k string, v any) *pickle.Dict {
		d := pickle.NewDict(1)
		require.NoError(t, d.Set(k, v))
		return d
	}
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"a string", "psm_x"},
		{"another class", &pickle.Object{Class: pickle.Global{Module: "builtins", Name: "list"}}},
		{"create=True", &pickle.Object{Class: classSharedMemory, Args: pickle.Tuple{"a", true, int64(1)}}},
		{"two args", &pickle.Object{Class: classSharedMemory, Args: pickle.Tuple{"a", false}}},
		{"name not a str", &pickle.Object{Class: classSharedMemory, Args: pickle.Tuple{int64(1), false, int64(1)}}},
		{"negative size", &pickle.Object{Class: classSharedMemory, Args: pickle.Tuple{"a", false, int64(-1)}}},
		{"NEWOBJ", &pickle.Object{Class: classSharedMemory, New: true, Args: pickle.Tuple{"a", false, int64(1)}}},
		{"with state", &pickle.Object{Class: classSharedMemory, Args: pickle.Tuple{"a", false, int64(1)}, State: pickle.NewDict(0)}},
		{"partial of another class", &pickle.Object{Class: partialOf(classShareableList, pickle.Tuple{"a", false, int64(1)}, nil)}},
		{"unknown keyword", &pickle.Object{Class: partialOf(classSharedMemory, pickle.Tuple{"a", false, int64(1)}, kw("x", false))}},
		{"track not a bool", &pickle.Object{Class: partialOf(classSharedMemory, pickle.Tuple{"a", false, int64(1)}, kw("track", int64(0)))}},
		{"partial args not a tuple", &pickle.Object{Class: &pickle.Object{Class: rebuildPartial, Args: pickle.Tuple{classSharedMemory, "x", nil}}}},
		{"functools.partial without state", &pickle.Object{Class: &pickle.Object{Class: functoolsPartial, Args: pickle.Tuple{classSharedMemory}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r SegmentRef
			assert.ErrorIs(t, r.UnmarshalPickle(tc.v), ErrNotRef)
			assert.Equal(t, SegmentRef{}, r)
		})
	}
	var lr ListRef
	assert.ErrorIs(t, lr.UnmarshalPickle(&pickle.Object{Class: partialOf(classShareableList, pickle.Tuple{}, kw("name", int64(1)))}), ErrNotRef)
	assert.ErrorIs(t, lr.UnmarshalPickle(&pickle.Object{Class: partialOf(classShareableList, pickle.Tuple{"x"}, kw("name", "a"))}), ErrNotRef)
	assert.ErrorIs(t, lr.UnmarshalPickle(&pickle.Object{Class: partialOf(classSharedMemory, pickle.Tuple{}, kw("name", "a"))}), ErrNotRef)

	_, err := pickle.Marshal(SegmentRef{Name: "a/b"})
	assert.ErrorIs(t, err, ErrInvalidName)
	_, err = pickle.Marshal(ListRef{})
	assert.ErrorIs(t, err, ErrInvalidName)
}
