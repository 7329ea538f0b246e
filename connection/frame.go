package connection

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
)

// Framing, exactly as CPython's Connection._send_bytes/_recv_bytes: a 4-byte
// big-endian signed length, then the payload. A payload longer than
// 0x7fffffff is announced by a -1 length followed by an 8-byte big-endian
// unsigned length (CPython 3.8+).
const (
	shortHeaderLen = 4
	longHeaderLen  = 12
	// maxShortLen is the largest payload announced by the 4-byte form.
	maxShortLen = 0x7fffffff
	// singleWriteMax is CPython's threshold: up to this many payload bytes,
	// header and payload go out in one write so that Nagle's algorithm never
	// holds back a lone header.
	singleWriteMax = 16384
	// firstChunk is the most a receiver allocates before payload bytes
	// arrive; the buffer then doubles as it fills, capped at the declared
	// size, so a lying header costs at most this much.
	firstChunk = 64 << 10
)

// appendHeader appends the frame header for an n-byte payload.
func appendHeader(dst []byte, n uint64) []byte {
	if n > maxShortLen {
		dst = binary.BigEndian.AppendUint32(dst, math.MaxUint32) // -1
		return binary.BigEndian.AppendUint64(dst, n)
	}
	return binary.BigEndian.AppendUint32(dst, uint32(n))
}

// frameWriter writes frames. It keeps a scratch buffer so that small frames
// cost no allocation, and the header and vector of large ones for the same
// reason (a net.Buffers built per call escapes to the heap: 3 allocations per
// message).
//
// A frame cut short leaves the peer inside it, reading whatever comes next
// as the rest of its payload: from then on err is set and nothing more is
// written (as crypto/tls does after a write timeout).
type frameWriter struct {
	w       io.Writer
	scratch []byte
	hdr     [longHeaderLen]byte
	vec     [2][]byte
	bufs    net.Buffers
	err     error // sticky: the send side is poisoned
}

// writeFrame writes one frame: a single Write for payloads up to
// singleWriteMax bytes, otherwise a vectored write of header and payload
// (writev on sockets; two writes elsewhere, as CPython does).
func (fw *frameWriter) writeFrame(p []byte) error {
	if fw.err != nil {
		return fw.err
	}
	if len(p) <= singleWriteMax {
		b := appendHeader(fw.scratch[:0], uint64(len(p)))
		b = append(b, p...)
		fw.scratch = b
		n, err := fw.w.Write(b)
		return fw.check(n, len(b), err)
	}
	fw.vec = [2][]byte{appendHeader(fw.hdr[:0], uint64(len(p))), p}
	fw.bufs = fw.vec[:]
	total := len(fw.vec[0]) + len(p)
	n, err := fw.bufs.WriteTo(fw.w)
	fw.vec, fw.bufs = [2][]byte{}, nil // keep no reference to p
	return fw.check(int(n), total, err)
}

// writeRaw writes bytes outside the framing (the byte that carries a
// descriptor, an acknowledgement) through write, which reports how many it
// wrote, with the same poisoning as frames.
func (fw *frameWriter) writeRaw(total int, write func() (int, error)) error {
	if fw.err != nil {
		return fw.err
	}
	n, err := write()
	return fw.check(n, total, err)
}

// check poisons the writer after a failed write of total bytes that wrote n
// of them. A write that failed before its first byte on a deadline leaves
// the stream as it was, so that one does not poison: the next send may try
// again. Any other failure does (the connection is broken anyway).
func (fw *frameWriter) check(n, total int, err error) error {
	if err == nil {
		return nil
	}
	if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	if n > 0 && n < total {
		err = fmt.Errorf("connection: send cut short after %d of %d bytes, so the peer would read what follows as the rest; no more sends on this Conn: %w", n, total, err)
	}
	fw.err = err
	return err
}

// frameReader reads frames from r. Its state survives an interrupted read
// (a deadline, say): the next call resumes where the last one stopped, so a
// timeout never desynchronises the stream. Errors that make the stream
// meaningless (an oversize or malformed header) are sticky.
type frameReader struct {
	r io.Reader

	hdr    [longHeaderLen]byte
	hn     int    // header bytes held in hdr
	inBody bool   // the header is complete and size is valid
	size   uint64 // declared payload size
	body   []byte // payload bytes received so far (len) into our own buffer
	err    error  // sticky error: the receive side is poisoned
}

// readFrame returns the next payload. If into is long enough for it, the
// payload is read into into and the returned slice aliases it; otherwise a
// new slice is returned. limit is the largest acceptable payload.
func (fr *frameReader) readFrame(limit uint64, into []byte) ([]byte, error) {
	if fr.err != nil {
		return nil, fr.err
	}
	if !fr.inBody {
		if err := fr.readHeader(limit); err != nil {
			return nil, err
		}
	}
	if fr.size == 0 {
		fr.reset()
		return []byte{}, nil
	}
	// Read straight into the caller's buffer when the whole payload fits and
	// none of it was received into ours.
	if fr.body == nil && fr.size <= uint64(len(into)) {
		dst := into[:fr.size]
		n, err := io.ReadFull(fr.r, dst)
		if err != nil {
			if n > 0 {
				fr.body = append(make([]byte, 0, growCap(0, fr.size)), dst[:n]...)
			}
			return nil, fr.fail(err, n > 0)
		}
		fr.reset()
		return dst, nil
	}
	for uint64(len(fr.body)) < fr.size {
		if len(fr.body) == cap(fr.body) {
			nb := make([]byte, len(fr.body), growCap(cap(fr.body), fr.size))
			copy(nb, fr.body)
			fr.body = nb
		}
		want := min(uint64(cap(fr.body)), fr.size)
		n, err := io.ReadFull(fr.r, fr.body[len(fr.body):want])
		fr.body = fr.body[:len(fr.body)+n]
		if err != nil {
			return nil, fr.fail(err, true)
		}
	}
	msg := fr.body
	fr.reset()
	if uint64(len(into)) >= uint64(len(msg)) && len(into) > 0 {
		return into[:copy(into, msg)], nil
	}
	return msg, nil
}

// readHeader completes the header in fr.hdr and validates the size.
func (fr *frameReader) readHeader(limit uint64) error {
	need := shortHeaderLen
	for {
		if fr.hn < need {
			n, err := io.ReadFull(fr.r, fr.hdr[fr.hn:need])
			fr.hn += n
			if err != nil {
				return fr.fail(err, fr.hn > 0)
			}
		}
		if need == shortHeaderLen && int32(binary.BigEndian.Uint32(fr.hdr[:4])) == -1 {
			need = longHeaderLen
			continue
		}
		break
	}
	var size uint64
	if need == longHeaderLen {
		size = binary.BigEndian.Uint64(fr.hdr[4:12])
	} else {
		n := int32(binary.BigEndian.Uint32(fr.hdr[:4]))
		if n < 0 {
			fr.err = fmt.Errorf("%w: negative message length %d (header %x)", ErrProtocol, n, fr.hdr[:4])
			return fr.err
		}
		size = uint64(n)
	}
	// A payload that cannot be held in a slice is too large whatever the limit.
	limit = min(limit, uint64(math.MaxInt))
	if size > limit {
		fr.err = &MessageTooLargeError{Size: size, Limit: limit}
		return fr.err
	}
	fr.size, fr.inBody = size, true
	return nil
}

// fail classifies a read error. EOF inside a frame is io.ErrUnexpectedEOF
// and sticky (the peer is gone mid-message); EOF at a frame boundary is
// io.EOF. Other errors (deadlines, a closed Conn) leave the state intact so
// that a later call can resume.
func (fr *frameReader) fail(err error, midFrame bool) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if midFrame || fr.inBody {
			fr.err = io.ErrUnexpectedEOF
			return fr.err
		}
		return io.EOF
	}
	return err
}

func (fr *frameReader) reset() {
	fr.hn, fr.inBody, fr.size, fr.body = 0, false, 0, nil
}

// midFrame reports whether part of a frame has been consumed.
func (fr *frameReader) midFrame() bool { return fr.hn > 0 || fr.inBody }

// growCap is the next capacity of a payload buffer holding have bytes of a
// size-byte payload: firstChunk to start with, then doubling, never beyond
// size.
func growCap(have int, size uint64) int {
	if have == 0 {
		return int(min(size, firstChunk))
	}
	return int(min(uint64(have)*2, size))
}
