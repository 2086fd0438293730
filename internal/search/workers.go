package search

// The indexer's background jobs (River): drain a school's outbox, sweep
// for schools whose kick was lost, reconcile, compact.

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// DrainArgs asks for tenant's outbox to be drained.
type DrainArgs struct {
	Tenant uuid.UUID `json:"tenant" river:"unique"`
}

func (DrainArgs) Kind() string { return "search.drain" }

// InsertOpts makes one pending drain per tenant: requests while one waits
// or runs are absorbed by it (Listen asks again once a running one is
// done, so a change that commits as it finishes is not left waiting);
// completed drains do not count.
func (DrainArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10000, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// DrainWorker works DrainArgs.
type DrainWorker struct {
	river.WorkerDefaults[DrainArgs]
	Indexer *Indexer
}

// drainBudget is how long one drain job works before it hands the rest of
// a large backlog to its next run (well within jobs.JobTimeout, so that a
// long drain is never cut off mid-batch and counted a failure).
const drainBudget = time.Minute

func (w *DrainWorker) Work(ctx context.Context, job *river.Job[DrainArgs]) error {
	n, more, err := w.Indexer.drainUntil(ctx, job.Args.Tenant, time.Now().Add(drainBudget))
	if err != nil {
		w.Indexer.log.Warn("search: drain failed; will retry", "tenant", job.Args.Tenant, "attempt", job.Attempt, "err", err)
		return err
	}
	if n > 0 {
		w.Indexer.log.Debug("search: drained", "tenant", job.Args.Tenant, "items", n)
	}
	if _, ok := w.Indexer.index.(Compactor); ok && w.Indexer.CompactAfterLargeDrain && n >= compactAfter {
		// The drain is done either way; the scheduled compaction is the
		// fallback if this request cannot be queued.
		if _, err := w.Indexer.enqueue(ctx, CompactArgs{Tenant: job.Args.Tenant}); err != nil {
			w.Indexer.log.Warn("search: could not ask for a compaction after a large drain", "tenant", job.Args.Tenant, "err", err)
		}
	}
	if more {
		return river.JobSnooze(0)
	}
	return nil
}

// NextRetry backs off exponentially from 100 ms up to the Indexer's cap,
// so that a returning engine gets the backlog within that cap.
func (w *DrainWorker) NextRetry(job *river.Job[DrainArgs]) time.Time {
	d := 100 * time.Millisecond << min(job.Attempt, 20)
	return time.Now().Add(min(d, w.Indexer.RetryCap))
}

// SweepArgs asks for a drain of every tenant with a backlog (a safety net
// for changes whose notification was missed).
type SweepArgs struct{}

func (SweepArgs) Kind() string { return "search.sweep" }

// SweepWorker works SweepArgs.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Indexer *Indexer
}

func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	return w.Indexer.Sweep(ctx)
}

// ReconcileArgs asks for every tenant's index to be compared with the
// database and repaired.
type ReconcileArgs struct{}

func (ReconcileArgs) Kind() string { return "search.reconcile" }

// ReconcileWorker works ReconcileArgs.
type ReconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	Indexer *Indexer
}

// Timeout lets a comparison of every school's index take its time (it is
// periodic and not unique: a run that stopped with its process blocks
// nothing, and the lease gives it back).
func (w *ReconcileWorker) Timeout(*river.Job[ReconcileArgs]) time.Duration { return 30 * time.Minute }

func (w *ReconcileWorker) Work(ctx context.Context, _ *river.Job[ReconcileArgs]) error {
	return w.Indexer.forTenants(ctx, uuid.Nil, func(t uuid.UUID) error {
		_, err := w.Indexer.Reconcile(ctx, t)
		return err
	})
}

// CompactArgs asks for a tenant's documents (every tenant's, without one)
// to be compacted where the engine keeps them in an order that decays and
// they have scattered (see Compactor). Requests are not merged: they are
// rare, and one that finds the documents in order costs a measurement.
type CompactArgs struct {
	Tenant uuid.UUID `json:"tenant,omitzero"`
}

func (CompactArgs) Kind() string { return "search.compact" }

// compactAfter is how many items one drain must index for a compaction
// of the tenant to be asked for at once rather than at the next scheduled
// one: an import of thousands of items scatters the documents, and its
// searches should not wait an hour to be fast again.
const compactAfter = 1000

// CompactWorker works CompactArgs.
type CompactWorker struct {
	river.WorkerDefaults[CompactArgs]
	Indexer *Indexer
}

// Timeout lets a compaction of every school's documents take its time.
func (w *CompactWorker) Timeout(*river.Job[CompactArgs]) time.Duration { return 30 * time.Minute }

func (w *CompactWorker) Work(ctx context.Context, job *river.Job[CompactArgs]) error {
	return w.Indexer.forTenants(ctx, job.Args.Tenant, func(t uuid.UUID) error {
		_, _, err := w.Indexer.Compact(ctx, t, false)
		return err
	})
}
