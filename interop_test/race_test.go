//go:build race

package interop_test

// raceEnabled: the race detector multiplies the memory a 2 GiB message costs.
const raceEnabled = true
