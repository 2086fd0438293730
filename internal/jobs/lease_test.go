package jobs_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"zhdj/internal/jobs"
	"zhdj/internal/pgtest"
)

// A test binary started with childEnv set is a second server process: it
// works blockArgs jobs (and never finishes them) until it is killed.
const childEnv = "ZHDJ_JOBS_TEST_CHILD_DB"

func TestMain(m *testing.M) {
	if url := os.Getenv(childEnv); url != "" {
		if err := child(url); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		return
	}
	pgtest.Main(m)
}

// blockArgs is a job unique per N, as the search drain is per school: a
// request while one is running is absorbed by it.
type blockArgs struct {
	N int `json:"n" river:"unique"`
}

func (blockArgs) Kind() string { return "test.block" }

func (blockArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// hangingWorker says on stdout that it started a job and then never ends it.
type hangingWorker struct {
	river.WorkerDefaults[blockArgs]
}

func (hangingWorker) Work(ctx context.Context, job *river.Job[blockArgs]) error {
	fmt.Printf("working %d\n", job.ID)
	<-ctx.Done()
	return ctx.Err()
}

func child(url string) error {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &hangingWorker{})
	w, err := jobs.NewWorker(pool, jobs.Config{Workers: workers, Lease: 2 * time.Second, FetchPoll: 100 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	if err := w.Start(ctx); err != nil {
		return err
	}
	select {}
}

// countingWorker finishes each job at once, after waiting hold, and
// counts the runs.
type countingWorker struct {
	river.WorkerDefaults[blockArgs]
	runs atomic.Int32
	hold time.Duration
}

func (w *countingWorker) Work(ctx context.Context, _ *river.Job[blockArgs]) error {
	w.runs.Add(1)
	select {
	case <-time.After(w.hold):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func insert(t *testing.T, pool *pgxpool.Pool, args river.JobArgs) *rivertype.JobInsertResult {
	t.Helper()
	ins, err := jobs.NewInserter(pool)
	if err != nil {
		t.Fatal(err)
	}
	var res *rivertype.JobInsertResult
	err = pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		res, err = ins.InsertTx(context.Background(), tx, args, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func jobState(t *testing.T, pool *pgxpool.Pool, id int64) (state string, errs []string) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `SELECT state::text, ARRAY(SELECT e->>'error' FROM unnest(errors) AS e) FROM river_job WHERE id = $1`, id).Scan(&state, &errs)
	if err != nil {
		t.Fatal(err)
	}
	return state, errs
}

// TestJobsOfAKilledProcessAreGivenBack kills (SIGKILL) a process in the
// middle of a unique job: the job, and the requests for it that it
// absorbed meanwhile, are worked by the surviving process once the dead
// one's lease lapses, exactly once.
func TestJobsOfAKilledProcessAreGivenBack(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := context.Background()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+db.URL)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	job := insert(t, db.Pool, blockArgs{N: 1}).Job
	started := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		started <- strings.TrimSpace(line)
	}()
	select {
	case line := <-started:
		if line != fmt.Sprintf("working %d", job.ID) {
			t.Fatalf("child: %q", line)
		}
	case <-time.After(time.Minute):
		t.Fatal("the child process never started the job")
	}
	// While it runs, a new request for it is absorbed.
	if again := insert(t, db.Pool, blockArgs{N: 1}); !again.UniqueSkippedAsDuplicate {
		t.Fatal("a request for a running unique job was not absorbed by it")
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if st, _ := jobState(t, db.Pool, job.ID); st != "running" {
		t.Fatalf("after the kill the job is %s, want still running (nobody noticed yet)", st)
	}

	workers := river.NewWorkers()
	cw := &countingWorker{}
	river.AddWorker(workers, cw)
	w, err := jobs.NewWorker(db.Pool, jobs.Config{Workers: workers, Lease: 2 * time.Second, FetchPoll: 100 * time.Millisecond, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Stop(ctx) }()

	// The bound the issue sets is two minutes; with a 2 s lease it is seconds.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, errs := jobState(t, db.Pool, job.ID)
		if st == "completed" {
			if len(errs) != 1 || !strings.Contains(errs[0], "stopped renewing its lease") {
				t.Fatalf("the job's errors: %q", errs)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dead process's job is still %s after two minutes", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // nothing more to run
	if n := cw.runs.Load(); n != 1 {
		t.Fatalf("the job ran %d times in the survivor, want once", n)
	}
	// Requests are no longer absorbed by a dead job.
	if again := insert(t, db.Pool, blockArgs{N: 1}); again.UniqueSkippedAsDuplicate {
		t.Fatal("a new request was absorbed after the job completed")
	}
}

// TestLiveProcessKeepsItsJobs: a job that runs longer than the lease is
// left to its process, which renews the lease, however often the others
// look for lapsed ones.
func TestLiveProcessKeepsItsJobs(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	workers := river.NewWorkers()
	cw := &countingWorker{hold: 3 * time.Second}
	river.AddWorker(workers, cw)
	w, err := jobs.NewWorker(db.Pool, jobs.Config{Workers: workers, Lease: time.Second, FetchPoll: 100 * time.Millisecond, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	job := insert(t, db.Pool, blockArgs{N: 7}).Job
	other := jobs.NewLease(db.Pool, time.Second, quiet())
	deadline := time.Now().Add(time.Minute)
	for {
		rescued, err := other.Rescue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rescued) > 0 {
			t.Fatalf("a live process's job was taken: %+v", rescued)
		}
		if st, _ := jobState(t, db.Pool, job.ID); st == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job never completed")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := cw.runs.Load(); n != 1 {
		t.Fatalf("ran %d times", n)
	}
	// A process that stops cleanly gives up its lease.
	if err := w.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM job_clients`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("%d leases left after a clean stop", left)
	}
}
