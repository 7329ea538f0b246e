// Package interop_test holds mpconn's wire-level interop suite: every test
// starts real CPython peers (each interpreter that internal/pythons finds,
// 2.7 and 3.6 onwards) and talks to them through the auth and connection
// packages, in both directions, over TCP, unix paths and Linux abstract
// sockets, inherited descriptors, with right, wrong, empty and no keys.
//
// The Python side is testdata/peer.py, one process per interpreter and
// scenario group, driven by JSON commands on stdin and answering one JSON
// line per command. Payloads are never shipped as JSON: both sides derive
// them from (seed, size) (payload_test.go and peer.py implement the same
// generator), so the receiver can name the first wrong byte and both sides
// report a sha256 that the test compares.
//
// Run it with:
//
//	go test -race ./interop_test/ -run Wire -count=1
//
// MPCONN_PYTHONS restricts the interpreters (see internal/pythons);
// MPCONN_LONG=1 adds the > 2 GiB message test.
package interop_test
