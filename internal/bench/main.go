// Command bench compares mpconn side by side with CPython, gopickle, og-rek
// and the raw-socket floor, in one run on one machine, and prints one table
// of medians, spreads and ratios (also written as JSON with every
// repetition, with a PNG chart of the ratios next to it).
//
// The columns of a row are measured interleaved: repetition 1 of every
// implementation, then repetition 2 of every one, and so on, so that load
// which comes and goes on a shared machine hits them alike. CPython is timed
// by long-lived Python processes that run one repetition per request
// (pickles.py for the pickle rows, peer.py clients for the network rows).
// Besides the Go-written datasets of internal/benchdata, the pickle rows
// decode and encode datasets CPython builds and pickles itself, at protocols
// 4 and 2 (pydata.go).
//
// It is its own module so that users of github.com/mpconn/mpconn never pull
// og-rek or the chart's font. From the repository root:
//
//	go -C internal/bench run . -mode quick     # under a minute
//	go -C internal/bench run . -mode full      # the README's table
//
// Flags: -mode quick|full, -net unix,tcp, -reps N, -only rt,bulk,pickle,alloc,shm,managers,
// -out PATH (default bench-out/results.json at the repository root; the chart
// is written next to it as results.png), -python PATH (default: the newest
// CPython 3 on the machine, as internal/pythons finds it).
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mpconn/mpconn/internal/pythons"
)

//go:embed peer.py
var peerPy []byte

//go:embed pickles.py
var picklesPy []byte

const (
	pairGoGo  = "Go↔Go"
	pairPyPy  = "CPython↔CPython"
	pairGoPy  = "Go client↔CPython server"
	pairPyGo  = "CPython client↔Go server"
	pairRaw   = "raw floor"
	implAny   = "mpconn any"
	implTyped = "mpconn typed"
	implOurs  = "mpconn"
	implGP    = "gopickle"
	implOG    = "og-rek"
	implPy    = "CPython"
)

// The targets: how many times better mpconn must be than the column it is
// compared with (pickle and round trips as issue 11 sets them).
const (
	targetRTvsCPython = 4    // Go↔Go round trips vs CPython↔CPython
	targetRTvsRaw     = 0.75 // Go↔Go round trips vs the raw floor
	targetBulkVsRaw   = 0.9
	targetDecodeAny   = 1.2 // vs CPython's C loads
	targetDecodeTyped = 2.5 // vs CPython's C loads
	targetDecodeVsGo  = 2.0 // into any, vs gopickle and og-rek, but on the blob
	targetEncode      = 1.2 // typed Go and any, vs CPython's C dumps
	targetAllocsTyped = 6   // per Send+Recv of the small object into a struct
)

type config struct {
	Mode       string   `json:"mode"`
	Nets       []string `json:"networks"`
	reps       int
	Reps       int     `json:"repetitions"`
	rounds     int     // round trips per repetition
	Rounds     int     `json:"round_trips_per_rep"`
	BulkSizes  []int   `json:"bulk_sizes"`
	bulkBytes  int64   // bytes per bulk repetition
	BulkBytes  int64   `json:"bulk_bytes_per_rep"`
	PickleDiv  int     `json:"pickle_dataset_divisor"`
	PickleMin  float64 `json:"pickle_min_seconds_per_rep"`
	AllocTime  string  `json:"alloc_benchtime"`
	AllocCount int     `json:"alloc_count"`
}

// Result is one measurement: one sample per repetition, in the order they
// ran (sample i of every implementation of a group ran in the same round),
// and their median, extremes and spread.
type Result struct {
	Group  string  `json:"group"`
	Impl   string  `json:"impl"`
	Unit   string  `json:"unit"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// Spread is the largest distance of a sample from the median, as a
	// fraction of the median.
	Spread  float64   `json:"spread"`
	Samples []float64 `json:"samples"`
	Higher  bool      `json:"higher_is_better"`
}

// Ratio is a target: how many times better Num is than Den, median over
// median. RepMin and RepMax are the lowest and highest ratio of one round's
// samples of the two.
type Ratio struct {
	Group  string  `json:"group"`
	Num    string  `json:"num"`
	Den    string  `json:"den"`
	Value  float64 `json:"value"`
	RepMin float64 `json:"rep_min"`
	RepMax float64 `json:"rep_max"`
	Target float64 `json:"target"`
	Met    bool    `json:"met"`
}

// Machine describes where the run happened.
type Machine struct {
	CPU       string  `json:"cpu"`
	NumCPU    int     `json:"nproc"`
	Go        string  `json:"go"`
	Python    string  `json:"python"`
	PythonExe string  `json:"python_path"`
	Kernel    string  `json:"kernel"`
	Start     string  `json:"start"`
	LoadStart string  `json:"loadavg_start"`
	LoadEnd   string  `json:"loadavg_end"`
	Seconds   float64 `json:"seconds"`
}

type bencher struct {
	cfg     config
	py      pythons.Interpreter
	root    string
	tmp     string
	peerPy  string
	results []Result
	ratios  []Ratio
	allocs  []Alloc
}

func (b *bencher) add(group, impl, unit string, samples []float64, higher bool) {
	r := Result{Group: group, Impl: impl, Unit: unit, Median: median(samples), Samples: samples, Higher: higher,
		Min: slices.Min(samples), Max: slices.Max(samples)}
	if r.Median != 0 {
		r.Spread = max(r.Max-r.Median, r.Median-r.Min) / r.Median
	}
	b.results = append(b.results, r)
	fmt.Fprintf(os.Stderr, "  %-45s %-26s %12.4g %s\n", group, impl, r.Median, unit)
}

func (b *bencher) get(group, impl string) (Result, bool) {
	for _, r := range b.results {
		if r.Group == group && r.Impl == impl {
			return r, true
		}
	}
	return Result{}, false
}

// ratio records how many times better num is than den in group.
func (b *bencher) ratio(group, num, den string, target float64) {
	n, ok1 := b.get(group, num)
	d, ok2 := b.get(group, den)
	if !ok1 || !ok2 || n.Median == 0 || d.Median == 0 {
		return
	}
	better := func(x, y float64) float64 {
		if n.Higher {
			return x / y
		}
		return y / x
	}
	r := Ratio{Group: group, Num: num, Den: den, Value: better(n.Median, d.Median), Target: target,
		RepMin: math.Inf(1), RepMax: math.Inf(-1)}
	r.Met = r.Value >= target
	for i := range min(len(n.Samples), len(d.Samples)) {
		v := better(n.Samples[i], d.Samples[i])
		r.RepMin, r.RepMax = min(r.RepMin, v), max(r.RepMax, v)
	}
	b.ratios = append(b.ratios, r)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// repoRoot finds the directory of github.com/mpconn/mpconn's go.mod above the
// working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(strings.TrimSpace(string(data)), "module github.com/mpconn/mpconn\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no github.com/mpconn/mpconn go.mod above the working directory")
		}
		dir = parent
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == managerPeerFlag {
		if err := managerPeer(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench manager peer:", err)
			os.Exit(1)
		}
		return
	}
	mode := flag.String("mode", "quick", "quick (small sizes, under a minute) or full (the real sizes)")
	nets := flag.String("net", "unix,tcp", "networks for the round-trip and bulk benchmarks")
	reps := flag.Int("reps", 0, "repetitions per measurement (0: 3 quick, 5 full)")
	only := flag.String("only", "rt,bulk,pickle,alloc,shm,managers", "sections to run")
	out := flag.String("out", "", "JSON output (default ROOT/bench-out/results.json); the PNG chart goes next to it")
	pyPath := flag.String("python", "", "CPython to compare with (default: the newest CPython 3 found)")
	flag.Parse()
	if err := run(*mode, *nets, *reps, *only, *out, *pyPath); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(mode, nets string, reps int, only, out, pyPath string) error {
	var cfg config
	switch mode {
	case "quick":
		cfg = config{reps: 3, rounds: 2000, BulkSizes: []int{1 << 20, 16 << 20}, bulkBytes: 64 << 20,
			PickleDiv: 10, PickleMin: 0.02, AllocTime: "0.05s", AllocCount: 1}
	case "full":
		cfg = config{reps: 5, rounds: 20000, BulkSizes: []int{1 << 20, 256 << 20}, bulkBytes: 1 << 30,
			PickleDiv: 1, PickleMin: 0.5, AllocTime: "0.5s", AllocCount: 3}
	default:
		return fmt.Errorf("-mode %q: want quick or full", mode)
	}
	cfg.Mode = mode
	if reps > 0 {
		cfg.reps = reps
	}
	cfg.Reps, cfg.Rounds, cfg.BulkBytes = cfg.reps, cfg.rounds, cfg.bulkBytes
	for _, n := range strings.Split(nets, ",") {
		if n != "unix" && n != "tcp" {
			return fmt.Errorf("-net: %q is neither unix nor tcp", n)
		}
		cfg.Nets = append(cfg.Nets, n)
	}
	sections := strings.Split(only, ",")

	root, err := repoRoot()
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(root, "bench-out", "results.json")
	}
	if pyPath != "" {
		os.Setenv("MPCONN_PYTHONS", pyPath)
	}
	interps, err := pythons.Find()
	if err != nil {
		return err
	}
	py, ok := pythons.Newest(interps)
	if !ok {
		return fmt.Errorf("no CPython 3 found (put python3 on PATH, or give -python)")
	}
	tmp, err := os.MkdirTemp("", "mpconn-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	b := &bencher{cfg: cfg, py: py, root: root, tmp: tmp, peerPy: filepath.Join(tmp, "peer.py")}
	if err := os.WriteFile(b.peerPy, peerPy, 0o644); err != nil {
		return err
	}
	m := machine(py)
	t0 := time.Now()
	fmt.Fprintf(os.Stderr, "mpconn bench, %s run: %s, %d CPUs, %s, %s (%s); load %s\n",
		mode, m.CPU, m.NumCPU, m.Go, "CPython "+m.Python, m.PythonExe, m.LoadStart)

	// Python peers die with the context if something goes wrong.
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if slices.Contains(sections, "rt") {
		for _, n := range cfg.Nets {
			if err := b.roundTrips(ctx, n); err != nil {
				return err
			}
			g := "round trips/s, small object, " + n
			b.ratio(g, pairGoGo, pairPyPy, targetRTvsCPython)
			b.ratio(g, pairGoGo, pairRaw, targetRTvsRaw)
		}
	}
	if slices.Contains(sections, "bulk") {
		for _, size := range cfg.BulkSizes {
			for _, n := range cfg.Nets {
				if err := b.bulk(ctx, n, size); err != nil {
					return err
				}
				g := fmt.Sprintf("bulk MiB/s, %s messages, %s", sizeName(size), n)
				b.ratio(g, pairGoGo, pairRaw, targetBulkVsRaw)
				b.ratio(g, pairGoGo, pairPyPy, 0)
			}
		}
	}
	if slices.Contains(sections, "pickle") {
		if err := b.pickles(ctx); err != nil {
			return err
		}
	}
	if slices.Contains(sections, "shm") {
		if err := b.sharedMemory(ctx); err != nil {
			return err
		}
	}
	if slices.Contains(sections, "managers") {
		if err := b.managerQueues(ctx); err != nil {
			return err
		}
	}
	if slices.Contains(sections, "alloc") {
		if err := b.allocations(ctx); err != nil {
			return err
		}
	}
	m.LoadEnd = loadavg()
	m.Seconds = time.Since(t0).Seconds()

	table := b.table(m)
	fmt.Print(table)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(map[string]any{
		"machine": m, "config": cfg, "results": b.results, "ratios": b.ratios, "allocs": b.allocs, "table": table,
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, append(js, '\n'), 0o644); err != nil {
		return err
	}
	png := strings.TrimSuffix(out, filepath.Ext(out)) + ".png"
	if err := writeChart(png, b.ratios, m, cfg); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s and %s (%.0f s)\n", out, png, m.Seconds)
	return nil
}

func machine(py pythons.Interpreter) Machine {
	m := Machine{NumCPU: numCPU(), Go: goVersion(), Python: py.Version, PythonExe: py.Executable,
		Start: time.Now().UTC().Format(time.RFC3339), LoadStart: loadavg()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
