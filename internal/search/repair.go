package search

// Keeping the index true: reconciling it with the database, compacting
// it, rebuilding it.

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/postgres"
	"zhdj/internal/search/searchdb"
)

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
			// Whatever the drains recorded of them is what drifted.
			if err := searchdb.New(tx).ForgetStates(ctx, searchdb.ForgetStatesParams{TenantID: tenant, Ids: ids}); err != nil {
				return err
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
