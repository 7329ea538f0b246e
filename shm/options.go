package shm

import "os"

// DefaultMode is the permission of a segment Create makes, as Python's
// SharedMemory: owner read and write (then masked by the umask, as Python's
// is). Only processes of the same user (or root) can attach to it.
const DefaultMode os.FileMode = 0o600

// Option configures Create, CreateAnonymous and CreateList; an option that
// does not concern the call it is given to is ignored. Every option's zero
// argument means the default: Python's behaviour.
type Option func(*config)

type config struct {
	mode     os.FileMode // 0: DefaultMode minus the umask
	prealloc bool
	layout   Layout
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithMode sets the segment's permission bits exactly (the umask does not
// apply). A Python process of another user needs read and write permission
// to attach: Python always opens segments O_RDWR. WithMode(0) means
// DefaultMode.
func WithMode(perm os.FileMode) Option {
	return func(c *config) { c.mode = perm.Perm() }
}

// WithPrealloc reserves the segment's pages when it is created
// (fallocate(2)), so that a full /dev/shm is an error from Create rather
// than a SIGBUS later in whichever process first touches a page that could
// not be backed. Python does not preallocate; its segments are sparse.
func WithPrealloc() Option {
	return func(c *config) { c.prealloc = true }
}

// WithLayout chooses the ShareableList layout CreateList writes: Layout39
// (the default, read by Python 3.9 and later) or Layout38.
func WithLayout(l Layout) Option {
	return func(c *config) { c.layout = l }
}
