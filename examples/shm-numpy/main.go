//go:build linux

// Command shm-numpy hands an array of float64s to a Python process through
// shared memory: Go fills a segment, describes it in a ShareableList (name,
// length, dtype), and starts Python with the list's name; Python attaches
// to both, sums the array and doubles it in place (with numpy if it is
// installed, memoryview.cast otherwise), and writes the sum into the list.
// Go then reads the sum and the doubled array from the same memory. No byte
// of the array crosses a pipe or a socket.
//
//	go run ./examples/shm-numpy -n 10000000 -python python3
package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/mpconn/mpconn/shm"
)

//go:embed worker.py
var workerScript string

func main() {
	python := flag.String("python", "python3", "Python interpreter (3.8+)")
	n := flag.Int("n", 1_000_000, "number of float64s")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := run(ctx, *python, *n, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// Result is what Python wrote back.
type Result struct {
	Engine string  // "numpy <version>" or "memoryview"
	Sum    float64 // Python's sum of the array Go wrote
}

// The ShareableList the worker reads: where the array is, and the two
// slots it writes.
const (
	metaName = iota
	metaLen
	metaDtype
	metaSum
	metaEngine
)

func run(ctx context.Context, python string, n int, out io.Writer) (Result, error) {
	if n <= 0 {
		return Result{}, fmt.Errorf("-n must be positive, got %d", n)
	}
	layout, err := listLayout(ctx, python)
	if err != nil {
		return Result{}, err
	}

	data, err := shm.Create("", n*8) // a Python-style name, psm_xxxxxxxx
	if err != nil {
		return Result{}, err
	}
	defer data.Unlink()
	defer data.Close()
	a, err := shm.View[float64](data.Bytes())
	if err != nil {
		return Result{}, err
	}
	want := 0.0
	for i := range a {
		a[i] = float64(i%1000) * 0.5
		want += a[i]
	}

	// The sum slot starts as a float and the engine slot as a 16-byte str,
	// the room the worker's answers need: a ShareableList never grows.
	meta, err := shm.CreateList("", []any{data.Name(), n, shm.Format[float64](), 0.0, strings.Repeat(" ", 15)}, shm.WithLayout(layout))
	if err != nil {
		return Result{}, err
	}
	defer meta.Unlink()
	defer meta.Close()

	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, "-c", workerScript, meta.Name())
	cmd.Stdout, cmd.Stderr = out, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("%s: %w\n%s", python, err, stderr.String())
	}
	elapsed := time.Since(start)
	if stderr.Len() > 0 { // a resource tracker warning would land here
		return Result{}, fmt.Errorf("%s wrote to stderr:\n%s", python, stderr.String())
	}

	var res Result
	items, err := meta.Items()
	if err != nil {
		return res, err
	}
	var ok1, ok2 bool
	res.Sum, ok1 = items[metaSum].(float64)
	res.Engine, ok2 = items[metaEngine].(string)
	if !ok1 || !ok2 {
		return res, fmt.Errorf("the worker left %v in the list", items)
	}
	fmt.Fprintf(out, "Python (%s) summed %d float64s in shared memory: %g (Go's sum: %g), in %v including start-up\n",
		res.Engine, n, res.Sum, want, elapsed.Round(time.Millisecond))
	if res.Sum != want {
		return res, fmt.Errorf("Python's sum %g differs from Go's %g", res.Sum, want)
	}
	for i, x := range a {
		if x != float64(i%1000) {
			return res, fmt.Errorf("element %d is %g after Python doubled it, want %g", i, x, float64(i%1000))
		}
	}
	fmt.Fprintf(out, "Go sees the array doubled in place: a[1] = %g, a[%d] = %g\n", a[1], n-1, a[n-1])
	return res, nil
}

// listLayout asks the interpreter which ShareableList layout it reads:
// Python 3.8 and 3.9+ cannot read each other's lists.
func listLayout(ctx context.Context, python string) (shm.Layout, error) {
	v, err := exec.CommandContext(ctx, python, "-c", "import sys; print(sys.version_info >= (3, 9))").Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = fmt.Errorf("%w: %s", err, ee.Stderr)
	}
	switch strings.TrimSpace(string(v)) {
	case "True":
		return shm.Layout39, nil
	case "False":
		return shm.Layout38, nil
	}
	return 0, fmt.Errorf("asking %s for its version: %w (answer %q)", python, err, v)
}
