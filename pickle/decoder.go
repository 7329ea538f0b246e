package pickle

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
)

// Decoder reads successive pickles from a stream, such as a file of
// pickles written one after another or a socket a peer pickles to.
//
// Like encoding/json's Decoder it reads ahead, in chunks, into a buffer of
// its own, so that decoding costs time linear in the input whatever the
// reader; the bytes it has read past the STOP of the last pickle decoded
// are available from Buffered. Memory follows the bytes received: a length
// the pickle declares costs nothing until the bytes behind it arrive.
type Decoder struct {
	r     io.Reader
	cfg   config
	buf   []byte // buf[scan:] has been read and not yet decoded
	scan  int
	off   int64 // stream offset of buf[0]
	rerr  error // a read error, returned once the bytes before it are used
	err   error // sticky: after it the stream position is unknown
	moved int64 // bytes copied by compaction and growth, which stays linear
}

// minRead is the smallest read the Decoder asks of its reader.
const minRead = 4 << 10

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader, opts ...Option) *Decoder {
	return &Decoder{r: r, cfg: newConfig(opts)}
}

// InputOffset returns the stream offset just past the last pickle decoded.
func (d *Decoder) InputOffset() int64 { return d.off + int64(d.scan) }

// Buffered returns the bytes read from the stream and not yet decoded: the
// beginning of the next pickle, or whatever follows the pickles. The reader
// is valid until the next call to Decode.
func (d *Decoder) Buffered() io.Reader { return bytes.NewReader(d.buf[d.scan:]) }

// Decode reads the next pickle and stores it in v, as Unmarshal does. At
// the end of the stream (no byte at all of a new pickle) it returns io.EOF.
//
// An error in reading or running the pickle (a *SyntaxError, a *LimitError,
// an *UnknownClassError, a read error) leaves the position in the stream
// unknown: every later Decode returns it again. An error storing a
// well-formed pickle into v (an *UnmarshalTypeError, an Unmarshaler's
// error) does not: the next Decode reads the next pickle.
func (d *Decoder) Decode(v any) error {
	if d.cfg.err != nil {
		return d.cfg.err
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &InvalidUnmarshalError{reflect.TypeOf(v)}
	}
	if d.err != nil {
		return d.err
	}
	d.shrink()
	n, err := d.readPickle()
	if err != nil {
		d.err = err
		return err
	}
	start := d.InputOffset()
	data := d.buf[d.scan : d.scan+n]
	d.scan += n
	s := smallMachines.Get().(*smallMachine)
	s.init(data, &d.cfg, start)
	runErr, storeErr := s.decode(rv.Elem(), true)
	if runErr != nil {
		d.err = runErr
		return runErr
	}
	return storeErr
}

// shrink lets a buffer that a large pickle made large go, keeping what was
// read ahead.
func (d *Decoder) shrink() {
	if cap(d.buf) <= 1<<20 || len(d.buf)-d.scan > cap(d.buf)/4 {
		return
	}
	rest := d.buf[d.scan:]
	d.off += int64(d.scan)
	d.buf = append(make([]byte, 0, max(len(rest), minRead)), rest...)
	d.scan = 0
}

// readPickle finds the end of the pickle at d.buf[d.scan:], reading as
// needed, and returns its length through STOP. It follows the opcodes'
// argument layouts only; what the opcodes mean is the machine's business,
// and where it stops early (an invalid opcode, a negative length) the
// machine, given the bytes up to there, reports the error.
func (d *Decoder) readPickle() (int, error) {
	p := 0 // scan position, from d.scan
	for {
		if err := d.need(p+1, p); err != nil {
			if p == 0 && err == io.EOF {
				return 0, io.EOF
			}
			return 0, d.streamErr(err, p)
		}
		op := d.buf[d.scan+p]
		start := p
		p++
		info := &opTable[op]
		switch {
		case op == opStop, info.name == "":
			return p, nil
		case info.lines > 0:
			for range info.lines {
				var err error
				if p, err = d.line(p, start); err != nil {
					return 0, err
				}
			}
		case info.lenSize > 0:
			ls := int(info.lenSize)
			if err := d.need(p+ls, start); err != nil {
				return 0, d.streamErr(err, start)
			}
			l := le(d.buf[d.scan+p : d.scan+p+ls])
			if info.signed && int32(uint32(l)) < 0 {
				return p + ls, nil
			}
			p += ls
			if l > uint64(d.cfg.maxSize) {
				return 0, &LimitError{Limit: LimitSize, Max: d.cfg.maxSize, Value: int64(min(l, 1<<62)), Offset: d.InputOffset() + int64(start)}
			}
			if err := d.need(p+int(l), start); err != nil {
				return 0, d.streamErr(err, start)
			}
			p += int(l)
		default:
			if err := d.need(p+int(info.fixed), start); err != nil {
				return 0, d.streamErr(err, start)
			}
			p += int(info.fixed)
		}
	}
}

// line returns the position after the '\n' that ends the line at p.
func (d *Decoder) line(p, start int) (int, error) {
	for {
		if i := bytes.IndexByte(d.buf[d.scan+p:], '\n'); i >= 0 {
			return p + i + 1, nil
		}
		p = len(d.buf) - d.scan
		if err := d.need(p+1, start); err != nil {
			return 0, d.streamErr(err, start)
		}
	}
}

func (d *Decoder) streamErr(err error, pos int) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &SyntaxError{Offset: d.InputOffset() + int64(pos), Msg: "pickle data was truncated", Err: io.ErrUnexpectedEOF}
	}
	return err
}

// need makes d.buf hold at least n bytes from d.scan, reading what is
// missing. io.EOF means the stream ended with nothing after d.scan;
// io.ErrUnexpectedEOF that it ended after some of it.
func (d *Decoder) need(n, start int) error {
	if len(d.buf)-d.scan >= n {
		return nil
	}
	if int64(n) > d.cfg.maxSize {
		return &LimitError{Limit: LimitSize, Max: d.cfg.maxSize, Value: int64(n), Offset: d.InputOffset() + int64(start)}
	}
	for empty := 0; len(d.buf)-d.scan < n; {
		if d.rerr != nil {
			if d.rerr != io.EOF {
				return fmt.Errorf("pickle: read: %w", d.rerr)
			}
			if len(d.buf) == d.scan {
				return io.EOF
			}
			return io.ErrUnexpectedEOF
		}
		d.makeRoom()
		k, err := d.r.Read(d.buf[len(d.buf):cap(d.buf)])
		d.buf = d.buf[:len(d.buf)+k]
		if err != nil {
			d.rerr = err
		} else if k == 0 {
			if empty++; empty >= 100 {
				d.rerr = io.ErrNoProgress
			}
		}
	}
	return nil
}

// makeRoom makes at least minRead bytes free at the end of d.buf. Bytes
// already decoded are dropped by moving the rest to the front when they
// take at least half the buffer (each byte is moved at most once that way),
// and the buffer doubles otherwise, so the total copied stays linear in the
// input and the buffer never exceeds twice what has arrived.
func (d *Decoder) makeRoom() {
	if cap(d.buf)-len(d.buf) >= minRead {
		return
	}
	unread := len(d.buf) - d.scan
	if d.scan > 0 && d.scan >= unread && cap(d.buf)-unread >= minRead {
		copy(d.buf, d.buf[d.scan:])
	} else {
		nb := make([]byte, unread, max(2*cap(d.buf), unread+minRead))
		copy(nb, d.buf[d.scan:])
		d.buf = nb
	}
	d.moved += int64(unread)
	d.off += int64(d.scan)
	d.buf = d.buf[:unread]
	d.scan = 0
}
