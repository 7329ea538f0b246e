//go:build unix

// Command worker farms jobs out to a pool of Python worker processes, the
// way a multiprocessing program would, with Go as the parent. Each worker
// talks to the parent over a socketpair it inherits as descriptor 3 and
// wraps in multiprocessing.connection.Connection(3) (see worker.py).
//
// The parent keeps every worker busy, collects results from whichever
// worker finishes first (connection.Wait, like multiprocessing's wait), and
// copes with a worker dying mid-job: the job is reported and the others go
// on. Try it, with job 4 killing its worker:
//
//	go run ./examples/worker -workers 3 -jobs 10 -crash 4
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"time"

	"github.com/mpconn/mpconn/connection"
)

//go:embed worker.py
var workerScript string

// Job is one unit of work. A struct goes to Python as a dict of its
// fields, named by their tags.
type Job struct {
	ID      int       `pickle:"id"`
	Numbers []float64 `pickle:"numbers"`
	// Crash makes the worker die on this job, to show how the parent
	// copes; omitempty leaves it out of ordinary jobs.
	Crash bool `pickle:"crash,omitempty"`
}

// Result is a worker's answer. RecvInto fills it from the dict the worker
// sends, matching keys to tags.
type Result struct {
	ID     int     `pickle:"id"`
	Sum    float64 `pickle:"sum"`
	Worker int     `pickle:"worker"`
}

func main() {
	python := flag.String("python", "python3", "Python interpreter for the workers")
	nworkers := flag.Int("workers", 3, "number of worker processes")
	njobs := flag.Int("jobs", 10, "number of jobs")
	crash := flag.Int("crash", -1, "ID of a job that makes its worker die (-1: none)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	jobs := make([]Job, *njobs)
	for i := range jobs {
		jobs[i] = Job{ID: i, Numbers: []float64{float64(i), 0.5, 0.25}, Crash: i == *crash}
	}
	_, lost, err := run(ctx, *python, *nworkers, jobs, os.Stdout)
	for _, j := range lost {
		fmt.Printf("job %d was not done\n", j.ID)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// worker is one Python process and the parent's end of its connection.
type worker struct {
	id   int
	cmd  *exec.Cmd
	conn *connection.Conn
	job  *Job // the job it is working on; nil when idle
	dead bool
}

// run starts nworkers Python workers, runs jobs on them and returns the
// results, and the jobs that were lost with a dead worker or left over when
// every worker had died. It stops all workers before returning.
func run(ctx context.Context, python string, nworkers int, jobs []Job, out io.Writer) (results []Result, lost []Job, err error) {
	var workers []*worker
	defer func() {
		for _, w := range workers {
			if !w.dead {
				w.stop()
			}
		}
	}()
	for i := range nworkers {
		w, err := startWorker(ctx, python, i)
		if err != nil {
			return nil, nil, err
		}
		workers = append(workers, w)
	}

	queue := jobs
	for {
		// Keep every live worker busy.
		for _, w := range workers {
			if w.dead || w.job != nil || len(queue) == 0 {
				continue
			}
			if err := w.conn.Send(queue[0]); err != nil {
				// It died before we asked anything of it: the job
				// stays queued for another worker.
				fmt.Fprintf(out, "worker %d is gone: %v\n", w.id, err)
				w.dead = true
				w.stop()
				continue
			}
			w.job = &queue[0]
			queue = queue[1:]
		}

		var busy []*connection.Conn
		for _, w := range workers {
			if w.job != nil {
				busy = append(busy, w.conn)
			}
		}
		if len(busy) == 0 {
			break // all done, or no worker left
		}

		// Sleep until some worker has answered, or died: both make its
		// connection readable (a death as end-of-file).
		ready, err := connection.WaitContext(ctx, busy)
		if err != nil {
			return results, append(lost, queue...), err
		}
		for _, w := range workers {
			if w.job == nil || !slices.Contains(ready, w.conn) {
				continue
			}
			job := *w.job
			w.job = nil
			var r Result
			if err := w.conn.RecvInto(&r); err != nil {
				// The job is reported, not retried: it may be what
				// killed the worker, and would kill the next one too.
				fmt.Fprintf(out, "worker %d died during job %d: %v (%v)\n", w.id, job.ID, err, w.stop())
				w.dead = true
				lost = append(lost, job)
				continue
			}
			fmt.Fprintf(out, "job %d: sum %g (worker %d)\n", r.ID, r.Sum, r.Worker)
			results = append(results, r)
		}
	}
	if len(queue) > 0 {
		return results, append(lost, queue...), errors.New("every worker died before the work was done")
	}
	return results, lost, nil
}

// startWorker starts worker.py with one end of a fresh socketpair as its
// descriptor 3 and keeps the other end as a Conn.
func startWorker(ctx context.Context, python string, id int) (*worker, error) {
	mine, theirs, err := connection.ChildPipe()
	if err != nil {
		return nil, err
	}
	defer theirs.Close() // the child has its own copy once started

	cmd := exec.CommandContext(ctx, python, "-c", workerScript, strconv.Itoa(id))
	cmd.ExtraFiles = []*os.File{theirs} // ExtraFiles[0] is descriptor 3
	cmd.Stdout = os.Stderr              // keep our stdout for results
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		mine.Close()
		return nil, err
	}
	return &worker{id: id, cmd: cmd, conn: mine}, nil
}

// stop closes the connection, which tells a healthy worker to exit (its
// recv raises EOFError), and waits for the process, killing it if it
// lingers. It returns how the process ended.
func (w *worker) stop() error {
	w.conn.Close()
	kill := time.AfterFunc(5*time.Second, func() { w.cmd.Process.Kill() })
	defer kill.Stop()
	return w.cmd.Wait()
}
