package pickle

import "fmt"

// pythonVersion is the CPython a pickle is written for (ForPython); the
// zero value means a current one.
type pythonVersion struct{ major, minor int }

func (v pythonVersion) set() bool { return v != pythonVersion{} }

func (v pythonVersion) atLeast(major, minor int) bool {
	return !v.set() || v.major > major || v.major == major && v.minor >= minor
}

func (v pythonVersion) String() string { return fmt.Sprintf("Python %d.%d", v.major, v.minor) }

// highestProtocol is the newest pickle protocol that version reads:
// protocol 3 came with 3.0, 4 with 3.4, 5 with 3.8.
func (v pythonVersion) highestProtocol() int {
	switch {
	case v.atLeast(3, 8):
		return 5
	case v.atLeast(3, 4):
		return 4
	case v.atLeast(3, 0):
		return 3
	default:
		return 2
	}
}

// hasZoneInfo: zoneinfo came with 3.9; datetime.timezone with 3.2.
func (v pythonVersion) hasZoneInfo() bool { return v.atLeast(3, 9) }
func (v pythonVersion) hasTimezone() bool { return v.atLeast(3, 2) }
