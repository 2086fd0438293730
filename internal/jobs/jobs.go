// Package jobs runs background work on River, a job queue in PostgreSQL:
// jobs are inserted in the same transaction as the change that needs them
// (so a crash between commit and work loses nothing), worked at least once
// with retries and backoff, and periodic jobs run on exactly one replica
// (River elects a leader).
//
// Domain packages define their job arguments and workers; cmd wiring
// registers the workers here. Services insert through an Inserter, which is
// all they need to know of the queue.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Inserter enqueues jobs in the caller's transaction.
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Migrate applies River's own migrations and grants the server's group role
// what River needs. It runs as the schema owner.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	_, err = pool.Exec(ctx, grantRiverTables)
	if err != nil {
		return fmt.Errorf("jobs: grant: %w", err)
	}
	return nil
}

// NewInserter returns an insert-only River client over pool.
func NewInserter(pool *pgxpool.Pool) (*river.Client[pgx.Tx], error) {
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("jobs: inserter: %w", err)
	}
	return c, nil
}

// Config configures a working client.
type Config struct {
	Workers      *river.Workers
	PeriodicJobs []*river.PeriodicJob
	MaxWorkers   int
	// Queues are more queues to work besides the default, one worker each
	// (for jobs only some processes can do).
	Queues []string
	Log    *slog.Logger
	// FetchPoll is how often idle workers look for jobs besides notifications.
	FetchPoll time.Duration
	// Lease is how long a process may go without renewing its lease before
	// the jobs it is running are given to another (see Lease); zero means
	// DefaultLease.
	Lease time.Duration
}

// JobTimeout bounds a job whose worker sets no Timeout of its own. A job
// that outlives it (a hung call) is cancelled, and River's rescuer gives a
// job that is still marked running after it back to the queue; a job whose
// process died is given back sooner, by the Lease.
const JobTimeout = 2 * time.Minute

// Worker is a River client that works jobs, with the lease that lets the
// other processes take over its jobs if it dies.
type Worker struct {
	*river.Client[pgx.Tx]
	lease *Lease
	stop  context.CancelFunc
	done  chan struct{}
}

// NewWorker returns a Worker that works jobs once started.
func NewWorker(pool *pgxpool.Pool, cfg Config) (*Worker, error) {
	if cfg.MaxWorkers <= 0 {
		cfg.MaxWorkers = 10
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	lease := NewLease(pool, cfg.Lease, cfg.Log)
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
	for _, q := range cfg.Queues {
		queues[q] = river.QueueConfig{MaxWorkers: 1}
	}
	rc := &river.Config{
		ID:                   lease.ClientID(),
		Logger:               cfg.Log,
		Workers:              cfg.Workers,
		PeriodicJobs:         cfg.PeriodicJobs,
		Queues:               queues,
		JobTimeout:           JobTimeout,
		RescueStuckJobsAfter: JobTimeout,
	}
	if cfg.FetchPoll > 0 {
		rc.FetchPollInterval = cfg.FetchPoll
		rc.FetchCooldown = cfg.FetchPoll / 2
	}
	c, err := river.NewClient(riverpgxv5.New(pool), rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: worker: %w", err)
	}
	return &Worker{Client: c, lease: lease}, nil
}

// Start takes the lease, then starts working jobs.
func (w *Worker) Start(ctx context.Context) error {
	if err := w.lease.renew(ctx); err != nil {
		return fmt.Errorf("jobs: take the lease: %w", err)
	}
	lctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	w.stop, w.done = stop, make(chan struct{})
	go func() {
		defer close(w.done)
		w.lease.Run(lctx)
	}()
	if err := w.Client.Start(ctx); err != nil {
		w.stopLease(true)
		return err
	}
	return nil
}

// Stop stops fetching, waits for jobs in progress (until ctx ends), then
// gives up the lease. A worker that could not finish its jobs keeps its lease row, which
// lapses once the process is gone, so that they are given back then.
func (w *Worker) Stop(ctx context.Context) error {
	err := w.Client.Stop(ctx)
	w.stopLease(err == nil)
	return err
}

func (w *Worker) stopLease(release bool) {
	if w.stop == nil {
		return
	}
	w.stop()
	<-w.done
	w.stop = nil
	if release {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := w.lease.release(ctx); err != nil {
			w.lease.log.Warn("jobs: give up the lease (it lapses by itself)", "err", err)
		}
	}
}

// Count is how many jobs of a kind are in a state.
type Count struct {
	Kind, State string
	N           int64
}

// Counts counts the jobs River keeps by kind and state: available,
// scheduled, retryable and running are the queues' depth; completed,
// cancelled and discarded the outcomes River has not pruned yet.
func Counts(ctx context.Context, pool *pgxpool.Pool) ([]Count, error) {
	rows, err := pool.Query(ctx, jobCounts)
	if err != nil {
		return nil, fmt.Errorf("jobs: count: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Count, error) {
		var c Count
		err := r.Scan(&c.Kind, &c.State, &c.N)
		return c, err
	})
}
