//go:build unix

package main

import (
	"bytes"
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mpconn/mpconn/internal/pythons"
)

func TestWorkers(t *testing.T) {
	for _, py := range pythons.ForTest(t) {
		if !py.AtLeast(3, 0) {
			continue // the worker is Python 3 code
		}
		t.Run(py.Name(), func(t *testing.T) {
			t.Run("all jobs", func(t *testing.T) {
				jobs := makeJobs(12, -1)
				results, lost, out := runWorkers(t, py, 3, jobs, false)
				checkResults(t, jobs, results, nil, out)
				if len(lost) != 0 {
					t.Errorf("lost jobs %v\n%s", ids(lost), out)
				}
				// Every worker got a job in the first round.
				for w := range 3 {
					if !slices.ContainsFunc(results, func(r Result) bool { return r.Worker == w }) {
						t.Errorf("worker %d did no job\n%s", w, out)
					}
				}
			})
			t.Run("worker dies", func(t *testing.T) {
				jobs := makeJobs(12, 4)
				results, lost, out := runWorkers(t, py, 3, jobs, false)
				checkResults(t, jobs, results, []int{4}, out)
				if !slices.Equal(ids(lost), []int{4}) {
					t.Errorf("lost %v, want [4]\n%s", ids(lost), out)
				}
				if !strings.Contains(out, "died during job 4: EOF (exit status 3)") {
					t.Errorf("the death was not reported:\n%s", out)
				}
			})
			t.Run("every worker dies", func(t *testing.T) {
				jobs := makeJobs(5, 2)
				results, lost, out := runWorkers(t, py, 1, jobs, true)
				checkResults(t, jobs, results, []int{2, 3, 4}, out)
				if !slices.Equal(ids(lost), []int{2, 3, 4}) {
					t.Errorf("lost %v, want [2 3 4]\n%s", ids(lost), out)
				}
			})
		})
	}
}

func makeJobs(n, crash int) []Job {
	jobs := make([]Job, n)
	for i := range jobs {
		jobs[i] = Job{ID: i, Numbers: []float64{float64(i), 0.1, float64(i * i)}, Crash: i == crash}
	}
	return jobs
}

// runWorkers runs the pool and checks that it ends in time, with an error
// only when one is expected, and leaves no goroutine behind.
func runWorkers(t *testing.T, py pythons.Interpreter, n int, jobs []Job, wantErr bool) ([]Result, []Job, string) {
	t.Helper()
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	results, lost, err := run(ctx, py.Path, n, jobs, &out)
	if ctx.Err() != nil {
		t.Fatalf("the pool did not finish in time: %v\n%s", err, out.String())
	}
	if (err != nil) != wantErr {
		t.Fatalf("run: %v (want an error: %v)\n%s", err, wantErr, out.String())
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines leaked: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
	return results, lost, out.String()
}

// checkResults wants exactly one correct result for every job not in lostIDs.
func checkResults(t *testing.T, jobs []Job, results []Result, lostIDs []int, out string) {
	t.Helper()
	got := map[int]Result{}
	for _, r := range results {
		if _, dup := got[r.ID]; dup {
			t.Errorf("job %d answered twice", r.ID)
		}
		got[r.ID] = r
	}
	for _, j := range jobs {
		r, ok := got[j.ID]
		if slices.Contains(lostIDs, j.ID) {
			if ok {
				t.Errorf("job %d should have been lost, got %+v", j.ID, r)
			}
			continue
		}
		want := 0.0
		for _, x := range j.Numbers {
			want += x
		}
		if !ok || r.Sum != want {
			t.Errorf("job %d: got %+v (present %v), want sum %g\n%s", j.ID, r, ok, want, out)
		}
	}
}

func ids(jobs []Job) []int {
	var s []int
	for _, j := range jobs {
		s = append(s, j.ID)
	}
	slices.Sort(s)
	return s
}
