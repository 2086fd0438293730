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
		// What the index already holds as the database says is not
		// written again: an item that changed while an earlier batch ran
		// has outbox rows in this one too, and that batch already wrote
		// it as it is now (once per change, however many drains race).
		recorded, err := recordedStates(ctx, q, tenant, keys)
		if err != nil {
			return err
		}
		var upserts []*Document
		var deletes []Key
		for _, k := range keys {
			rec, known := recorded[k]
			if d, ok := docs[k]; ok {
				if !known || !rec.InIndex || rec.Fingerprint != d.Fingerprint() {
					upserts = append(upserts, d)
				}
			} else if !known || rec.InIndex {
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

// recordedStates reads what the drains recorded the index holds of keys.
func recordedStates(ctx context.Context, q *searchdb.Queries, tenant uuid.UUID, keys []Key) (map[Key]itemState, error) {
	ids := make([]uuid.UUID, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	rows, err := q.RecordedStates(ctx, searchdb.RecordedStatesParams{TenantID: tenant, Ids: ids})
	if err != nil {
		return nil, fmt.Errorf("search: read index state: %w", err)
	}
	out := make(map[Key]itemState, len(rows))
	for _, r := range rows {
		k := Key{Kind: Kind(r.Kind), ID: r.ItemID}
		out[k] = itemState{Key: k, InIndex: r.InIndex, Fingerprint: r.Fingerprint}
	}
	return out, nil
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

// Backlog is what waits to be indexed: changes in the outbox over every
// school, and how long the oldest has waited (the index's lag).
func (ix *Indexer) Backlog(ctx context.Context) (waiting int64, oldest time.Duration, err error) {
	tenants, err := ix.Tenants(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, t := range tenants {
		err := postgres.InTenantTx(ctx, ix.pool, t, func(tx pgx.Tx) error {
			row, err := searchdb.New(tx).OutboxBacklog(ctx, t)
			if err != nil {
				return err
			}
			waiting += row.Waiting
			oldest = max(oldest, time.Duration(row.OldestSeconds*float64(time.Second)))
			return nil
		})
		if err != nil {
			return 0, 0, fmt.Errorf("search: backlog: %w", err)
		}
	}
	return waiting, oldest, nil
}
