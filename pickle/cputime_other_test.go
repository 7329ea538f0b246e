//go:build !unix && !windows

package pickle

import "time"

// cpuTime: this platform offers no CPU-time reading through syscall.
func cpuTime() (time.Duration, bool) { return 0, false }
