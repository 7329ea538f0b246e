package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// Alloc is one allocation benchmark of package connection (go test -bench
// -benchmem), medians over -count runs.
type Alloc struct {
	Name        string  `json:"name"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
	Runs        int     `json:"runs"`
}

// allocTarget is the most allocations per message the benchmark may make,
// and whether it has a target.
func allocTarget(name string) (float64, bool) {
	switch {
	case strings.HasPrefix(name, "SendBytes/"), strings.HasPrefix(name, "RecvBytesInto/"):
		return 0, true
	case name == "SendRecvSmallObject/typed":
		return targetAllocsTyped, true
	}
	return 0, false
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op.*?\s([\d.]+) B/op\s+([\d.]+) allocs/op`)

// allocations runs connection's allocation benchmarks in the main module.
func (b *bencher) allocations(ctx context.Context) error {
	fmt.Fprintln(os.Stderr, "  go test -bench ./connection/ ...")
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^Benchmark(SendBytes|RecvBytesInto|SendRecvSmallObject)$",
		"-benchmem", "-benchtime", b.cfg.AllocTime, "-count", strconv.Itoa(b.cfg.AllocCount), "./connection/")
	cmd.Dir = b.root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go test -bench ./connection/: %v\n%s", err, out)
	}
	type acc struct{ ns, by, al []float64 }
	var order []string
	seen := map[string]*acc{}
	for _, line := range regexp.MustCompile(`\r?\n`).Split(string(out), -1) {
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		a := seen[m[1]]
		if a == nil {
			a = &acc{}
			seen[m[1]] = a
			order = append(order, m[1])
		}
		f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
		a.ns, a.by, a.al = append(a.ns, f(m[2])), append(a.by, f(m[3])), append(a.al, f(m[4]))
	}
	if len(order) == 0 {
		return fmt.Errorf("go test -bench ./connection/ printed no benchmarks:\n%s", out)
	}
	for _, name := range order {
		a := seen[name]
		b.allocs = append(b.allocs, Alloc{Name: name, NsPerOp: median(a.ns), BytesPerOp: median(a.by), AllocsPerOp: median(a.al), Runs: len(a.ns)})
		fmt.Fprintf(os.Stderr, "  %-45s %8.0f allocs/op %8.0f B/op\n", name, median(a.al), median(a.by))
	}
	return nil
}
