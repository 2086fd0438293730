package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"zhdj/internal/jobs"
	"zhdj/internal/postgres"
	"zhdj/internal/search/searchdb"
)

// Indexer moves changes from the outbox into the Index. One drain runs per
// tenant at a time (a River job unique per tenant, and an advisory lock
// across replicas), reading each changed item as it is now: a later drain
// always sends a later state, so an update never overwrites a newer one.
// A drain that fails (the engine is down) leaves the outbox as it was and
// is retried with capped backoff until the backlog goes through.
type Indexer struct {
	pool     *pgxpool.Pool
	index    Index
	inserter jobs.Inserter
	log      *slog.Logger
	IndexerConfig

	mu         sync.Mutex
	configured map[uuid.UUID]string // tenant → fingerprint of settings applied
}

// IndexerConfig tunes an Indexer; zero values take the defaults.
type IndexerConfig struct {
	// BatchSize is how many outbox rows one step reads (500).
	BatchSize int
	// RetryCap caps the wait between retries of a failed drain (a minute).
	RetryCap time.Duration
	// CompactAfterLargeDrain asks for a compaction of a tenant whose
	// drain indexed compactAfter items or more (see Compactor).
	CompactAfterLargeDrain bool
}

// NewIndexer returns an Indexer writing to index.
func NewIndexer(pool *pgxpool.Pool, index Index, inserter jobs.Inserter, log *slog.Logger, cfg IndexerConfig) *Indexer {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.RetryCap <= 0 {
		cfg.RetryCap = time.Minute
	}
	return &Indexer{pool: pool, index: index, inserter: inserter, log: log, IndexerConfig: cfg, configured: map[uuid.UUID]string{}}
}

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

// forTenants runs fn for tenant, or for every tenant when it is Nil,
// going on past failures and returning them all.
func (ix *Indexer) forTenants(ctx context.Context, tenant uuid.UUID, fn func(uuid.UUID) error) error {
	tenants := []uuid.UUID{tenant}
	if tenant == uuid.Nil {
		var err error
		if tenants, err = ix.Tenants(ctx); err != nil {
			return err
		}
	}
	var errs []error
	for _, t := range tenants {
		if err := fn(t); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Kick asks for a drain of tenant now. absorbed says a drain was already
// waiting or running (a running one may have looked at the outbox before
// the change: the caller should kick again once it is done).
func (ix *Indexer) Kick(ctx context.Context, tenant uuid.UUID) (absorbed bool, err error) {
	res, err := ix.enqueue(ctx, DrainArgs{Tenant: tenant})
	return err == nil && res.UniqueSkippedAsDuplicate, err
}

// enqueue inserts a job in a transaction of its own.
func (ix *Indexer) enqueue(ctx context.Context, args river.JobArgs) (res *rivertype.JobInsertResult, err error) {
	err = pgx.BeginFunc(ctx, ix.pool, func(tx pgx.Tx) error {
		res, err = ix.inserter.InsertTx(ctx, tx, args, nil)
		return err
	})
	return res, err
}

// Sweep kicks a drain for every tenant whose outbox is not empty.
func (ix *Indexer) Sweep(ctx context.Context) error {
	tenants, err := ix.Tenants(ctx)
	if err != nil {
		return err
	}
	for _, t := range tenants {
		var pending bool
		err := postgres.InTenantTx(ctx, ix.pool, t, func(tx pgx.Tx) error {
			var err error
			pending, err = searchdb.New(tx).OutboxPending(ctx, t)
			return err
		})
		if err != nil {
			return fmt.Errorf("search: sweep: %w", err)
		}
		if pending {
			if _, err := ix.Kick(ctx, t); err != nil {
				return fmt.Errorf("search: sweep: %w", err)
			}
		}
	}
	return nil
}

// Tenants returns every school, oldest first.
func (ix *Indexer) Tenants(ctx context.Context) ([]uuid.UUID, error) {
	ids, err := searchdb.New(ix.pool).Tenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("search: tenants: %w", err)
	}
	return ids, nil
}

// ConfigureAll applies every school's settings to the index (creating
// Meilisearch indexes), so that searches find a configured index before the
// first change of a school is drained. Drains reapply settings that change.
func (ix *Indexer) ConfigureAll(ctx context.Context) error {
	tenants, err := ix.Tenants(ctx)
	if err != nil {
		return err
	}
	for _, t := range tenants {
		err := postgres.InTenantTx(ctx, ix.pool, t, func(tx pgx.Tx) error { return ix.configure(ctx, tx, t) })
		if err != nil {
			return fmt.Errorf("search: configure school %s: %w", t, err)
		}
	}
	return nil
}

// kickRetryMin and kickRetryMax bound the wait before an absorbed kick is
// repeated.
const (
	kickRetryMin = 100 * time.Millisecond
	kickRetryMax = 5 * time.Second
)

// Listen kicks a drain for each tenant the database notifies a change of,
// until ctx ends; it reconnects after errors.
func (ix *Indexer) Listen(ctx context.Context) {
	for ctx.Err() == nil {
		if err := ix.listen(ctx); err != nil && ctx.Err() == nil {
			ix.log.Warn("search: change notifications interrupted; reconnecting", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (ix *Indexer) listen(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, ix.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, listenForChanges); err != nil {
		return err
	}
	// Whatever changed while nobody listened.
	if err := ix.Sweep(ctx); err != nil {
		ix.log.Warn("search: sweep", "err", err)
	}
	// Tenants whose kick a running drain absorbed are kicked again until a
	// fresh drain is queued, so that no change waits for the next sweep;
	// while the kicks keep being absorbed (a long drain, or one whose
	// process died and that waits for its lease to lapse) they back off.
	again := map[uuid.UUID]bool{}
	retry := kickRetryMin
	kick := func(t uuid.UUID) {
		absorbed, err := ix.Kick(ctx, t)
		if err != nil {
			ix.log.Warn("search: kick a drain", "tenant", t, "err", err)
		}
		if absorbed || err != nil {
			again[t] = true
		} else {
			delete(again, t)
		}
	}
	for {
		wait := time.Hour
		if len(again) > 0 {
			wait = retry
			retry = min(2*retry, kickRetryMax)
		} else {
			retry = kickRetryMin
		}
		wctx, cancel := context.WithTimeout(ctx, wait)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if t, err := uuid.Parse(n.Payload); err == nil {
				kick(t)
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			for t := range again {
				kick(t)
			}
		default:
			return err
		}
	}
}

// errBusy says another drain of the tenant holds the lock.
var errBusy = errors.New("search: another drain of this tenant is running")

// Drain indexes tenant's outbox until it is empty and returns how many
// items it indexed.
func (ix *Indexer) Drain(ctx context.Context, tenant uuid.UUID) (int, error) {
	n, _, err := ix.drainUntil(ctx, tenant, time.Time{})
	return n, err
}

// drainUntil drains like Drain but starts no batch after deadline (none
// when zero); more says the outbox may still hold changes.
func (ix *Indexer) drainUntil(ctx context.Context, tenant uuid.UUID, deadline time.Time) (total int, more bool, err error) {
	for {
		if !deadline.IsZero() && time.Now().After(deadline) {
			return total, true, nil
		}
		n, err := ix.drainStep(ctx, tenant)
		if errors.Is(err, errBusy) {
			return total, false, nil
		}
		if err != nil || n == 0 {
			return total, false, err
		}
		total += n
	}
}

// drainStep indexes one batch of the outbox in one transaction: the
// outbox rows are deleted, and the items' index state recorded, only if
// the engine took the batch.
func (ix *Indexer) drainStep(ctx context.Context, tenant uuid.UUID) (int, error) {
	n := 0
	err := postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		locked, err := lockDrain(ctx, tx, tenant)
		if err != nil {
			return err
		}
		if !locked {
			return errBusy
		}
		q := searchdb.New(tx)
		rows, err := q.OutboxBatch(ctx, searchdb.OutboxBatchParams{TenantID: tenant, MaxRows: int32(ix.BatchSize)})
		if err != nil {
			return err
		}
		var seqs []int64
		seen := map[Key]bool{}
		var keys []Key
		for _, r := range rows {
			k := Key{Kind: Kind(r.Kind), ID: r.ItemID}
			seqs = append(seqs, r.Seq)
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		if len(seqs) == 0 {
			return nil
		}
		if err := ix.configure(ctx, tx, tenant); err != nil {
			return err
		}
		docs, err := LoadDocuments(ctx, tx, tenant, keys)
		if err != nil {
			return err
		}
		var upserts []*Document
		var deletes []Key
		for _, k := range keys {
			if d, ok := docs[k]; ok {
				upserts = append(upserts, d)
			} else {
				deletes = append(deletes, k)
			}
		}
		if len(upserts) > 0 {
			if err := ix.index.Upsert(ctx, tenant, upserts); err != nil {
				return fmt.Errorf("search: index %d documents: %w", len(upserts), err)
			}
		}
		if len(deletes) > 0 {
			if err := ix.index.Delete(ctx, tenant, deletes); err != nil {
				return fmt.Errorf("search: remove %d documents: %w", len(deletes), err)
			}
		}
		if err := recordState(ctx, tx, tenant, statesOf(keys, docs)); err != nil {
			return err
		}
		if err := q.DeleteOutbox(ctx, searchdb.DeleteOutboxParams{TenantID: tenant, Seqs: seqs}); err != nil {
			return err
		}
		n = len(keys)
		return nil
	})
	return n, err
}

// itemState is what the index holds of an item.
type itemState struct {
	Key
	InIndex     bool
	Version     int64
	Fingerprint string
}

func statesOf(keys []Key, docs map[Key]*Document) []itemState {
	out := make([]itemState, len(keys))
	for i, k := range keys {
		out[i].Key = k
		if d, ok := docs[k]; ok {
			out[i].InIndex, out[i].Version, out[i].Fingerprint = true, d.Version, d.Fingerprint()
		}
	}
	return out
}

// recordState writes what the index now holds of items.
func recordState(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, items []itemState) error {
	kinds, ids, in, versions, fps := make([]string, len(items)), make([]uuid.UUID, len(items)), make([]bool, len(items)), make([]int64, len(items)), make([]string, len(items))
	for i, it := range items {
		kinds[i], ids[i], in[i], versions[i], fps[i] = string(it.Kind), it.ID, it.InIndex, it.Version, it.Fingerprint
	}
	_, err := tx.Exec(ctx, upsertIndexStates, tenant, kinds, ids, in, versions, fps)
	if err != nil {
		return fmt.Errorf("search: record index state: %w", err)
	}
	return nil
}

// configure applies tenant's settings to the index when they changed since
// this process last applied them.
func (ix *Indexer) configure(ctx context.Context, tx pgx.Tx, tenant uuid.UUID) error {
	s, err := loadSettings(ctx, tx, tenant)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(s)
	ix.mu.Lock()
	done := ix.configured[tenant] == string(b)
	ix.mu.Unlock()
	if done {
		return nil
	}
	if err := ix.index.Configure(ctx, tenant, s); err != nil {
		return fmt.Errorf("search: configure the index: %w", err)
	}
	ix.mu.Lock()
	ix.configured[tenant] = string(b)
	ix.mu.Unlock()
	return nil
}

// loadSettings reads tenant's search settings (the "search" section of its
// settings), defaults where it sets none.
func loadSettings(ctx context.Context, db searchdb.DBTX, tenant uuid.UUID) (Settings, error) {
	s := DefaultSettings()
	raw, err := searchdb.New(db).SearchSettings(ctx, tenant)
	if err != nil {
		return s, fmt.Errorf("search: tenant settings: %w", err)
	}
	if len(raw) > 0 && string(raw) != "null" {
		var set Settings
		if err := json.Unmarshal(raw, &set); err != nil {
			return s, fmt.Errorf("search: tenant settings: %w", err)
		}
		if set.Synonyms != nil {
			s.Synonyms = set.Synonyms
		}
	}
	return s, nil
}

// Report says what a reconciliation found (and queued for repair).
type Report struct {
	Checked int // documents the database says the index should hold
	Missing int // not in the index
	Stale   int // in the index, but not as the database says
	Extra   int // in the index, but not to be found
}

// Fixed is the number of documents the run repaired.
func (r Report) Fixed() int { return r.Missing + r.Stale + r.Extra }

// Reconcile compares tenant's documents in the database with the index,
// queues every missing, stale or extra one for the drain (items already
// queued are not counted as drift), records and returns the report.
func (ix *Indexer) Reconcile(ctx context.Context, tenant uuid.UUID) (Report, error) {
	var rep Report
	expected := map[Key]string{}
	queued := map[Key]bool{}
	err := postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		keys, err := SearchableKeys(ctx, tx, tenant)
		if err != nil {
			return err
		}
		for start := 0; start < len(keys); start += ix.BatchSize {
			docs, err := LoadDocuments(ctx, tx, tenant, keys[start:min(start+ix.BatchSize, len(keys))])
			if err != nil {
				return err
			}
			for k, d := range docs {
				expected[k] = d.Fingerprint()
			}
		}
		rows, err := searchdb.New(tx).OutboxKeys(ctx, tenant)
		for _, r := range rows {
			queued[Key{Kind: Kind(r.Kind), ID: r.ItemID}] = true
		}
		return err
	})
	if err != nil {
		return rep, fmt.Errorf("search: reconcile: read the database: %w", err)
	}
	actual, err := ix.index.Fingerprints(ctx, tenant)
	if err != nil {
		return rep, fmt.Errorf("search: reconcile: read the index: %w", err)
	}
	rep.Checked = len(expected)
	var repair []Key
	for k, fp := range expected {
		if queued[k] {
			continue
		}
		got, ok := actual[k]
		switch {
		case !ok:
			rep.Missing++
			repair = append(repair, k)
		case got != fp:
			rep.Stale++
			repair = append(repair, k)
		}
	}
	for k := range actual {
		if _, ok := expected[k]; !ok && !queued[k] {
			rep.Extra++
			repair = append(repair, k)
		}
	}
	err = postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		if len(repair) > 0 {
			kinds, ids := make([]string, len(repair)), make([]uuid.UUID, len(repair))
			for i, k := range repair {
				kinds[i], ids[i] = string(k.Kind), k.ID
			}
			if _, err := tx.Exec(ctx, enqueueItems, tenant, kinds, ids); err != nil {
				return err
			}
		}
		return searchdb.New(tx).InsertReconcileRun(ctx, searchdb.InsertReconcileRunParams{TenantID: tenant, Engine: ix.index.Name(),
			Checked: int32(rep.Checked), Missing: int32(rep.Missing), Stale: int32(rep.Stale), Extra: int32(rep.Extra)})
	})
	if err != nil {
		return rep, fmt.Errorf("search: reconcile: queue repairs: %w", err)
	}
	if rep.Fixed() > 0 {
		ix.log.Warn("search: index drift found; queued for repair", "tenant", tenant, "engine", ix.index.Name(),
			"checked", rep.Checked, "missing", rep.Missing, "stale", rep.Stale, "extra", rep.Extra)
	} else {
		ix.log.Info("search: index matches the database", "tenant", tenant, "checked", rep.Checked)
	}
	return rep, nil
}

// Compact compacts tenant's documents if the engine is a Compactor and
// they are scattered (always, with force); ok is false for an engine that
// has nothing to compact.
func (ix *Indexer) Compact(ctx context.Context, tenant uuid.UUID, force bool) (c Compaction, ok bool, err error) {
	cp, ok := ix.index.(Compactor)
	if !ok {
		return c, false, nil
	}
	c, err = cp.Compact(ctx, tenant, force)
	if err != nil {
		return c, true, fmt.Errorf("search: compact: %w", err)
	}
	if c.Compacted {
		ix.log.Info("search: documents compacted", "tenant", tenant, "documents", c.Documents,
			"spread", fmt.Sprintf("%.2f", c.Spread), "after", fmt.Sprintf("%.2f", c.After), "took", c.Took.Round(time.Millisecond))
	}
	return c, true, nil
}

// Rebuild replaces tenant's documents by a fresh read of the database
// (searches keep answering from the old ones until the swap). progress,
// if not nil, is told how many of how many documents were read.
func (ix *Indexer) Rebuild(ctx context.Context, tenant uuid.UUID, progress func(done, total int)) (int, error) {
	var keys []Key
	var settings Settings
	err := postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		var err error
		if settings, err = loadSettings(ctx, tx, tenant); err != nil {
			return err
		}
		keys, err = SearchableKeys(ctx, tx, tenant)
		return err
	})
	if err != nil {
		return 0, err
	}
	done, count := 0, 0
	var states []itemState
	next := func() ([]*Document, error) {
		for done < len(keys) {
			batch := keys[done:min(done+ix.BatchSize, len(keys))]
			var docs map[Key]*Document
			err := postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
				var err error
				docs, err = LoadDocuments(ctx, tx, tenant, batch)
				return err
			})
			if err != nil {
				return nil, err
			}
			done += len(batch)
			if progress != nil {
				progress(done, len(keys))
			}
			states = append(states, statesOf(batch, docs)...)
			out := make([]*Document, 0, len(docs))
			for _, k := range batch {
				if d, ok := docs[k]; ok {
					out = append(out, d)
				}
			}
			if len(out) > 0 {
				count += len(out)
				return out, nil
			}
		}
		return nil, nil
	}
	if err := ix.index.Rebuild(ctx, tenant, settings, next); err != nil {
		return count, fmt.Errorf("search: rebuild: %w", err)
	}
	ix.mu.Lock()
	delete(ix.configured, tenant)
	ix.mu.Unlock()
	// The state table follows the new index.
	for start := 0; start < len(states); start += ix.BatchSize {
		batch := states[start:min(start+ix.BatchSize, len(states))]
		if err := postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error { return recordState(ctx, tx, tenant, batch) }); err != nil {
			return count, err
		}
	}
	return count, nil
}
