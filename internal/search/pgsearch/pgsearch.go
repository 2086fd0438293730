// Package pgsearch is the built-in search engine: PostgreSQL full-text
// search over text segmented in Go (gse), so that it needs nothing the
// database does not have. Documents carry a weighted tsvector (title above
// summary above body) built in Go, so the database's locale and text
// parser never split or merge Chinese words.
package pgsearch

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/postgres"
	"zhdj/internal/search"
)

// Index is the PostgreSQL engine.
type Index struct {
	pool *pgxpool.Pool
	// slots holds a token per search running in PostgreSQL (nil: no
	// limit); a search waits at most maxWait for one.
	slots   chan struct{}
	maxWait time.Duration
	// queued counts the searches waiting for a slot.
	queued atomic.Int64
}

// Queued is how many searches wait for their turn now.
func (ix *Index) Queued() int { return int(ix.queued.Load()) }

// maxSearchWait is how long a search waits for its turn before it is
// refused as overloaded (UNAVAILABLE): past that, a front end had better
// say so than keep its reader waiting, and the queue stays bounded.
const maxSearchWait = 5 * time.Second

// New returns the engine storing documents through pool, running at most
// concurrency searches in PostgreSQL at once (0: no limit); more wait
// their turn, first come first served.
//
// A search is CPU work in PostgreSQL from start to end (the index and
// table are in memory). With more searches at once than PostgreSQL has
// cores, they share the cores: every one is slowed down by all the others,
// a broad search (thousands of matches) most, and the slowest searches are
// what people wait for. Queued instead, a search waits for those ahead and
// then runs at full speed: about the same throughput, a much shorter tail
// (measured in bench/README.md). Meilisearch bounds its searches the same
// way.
func New(pool *pgxpool.Pool, concurrency int) *Index {
	ix := &Index{pool: pool, maxWait: maxSearchWait}
	if concurrency > 0 {
		ix.slots = make(chan struct{}, concurrency)
	}
	return ix
}

func (*Index) Name() string { return "postgres" }

// Configure has nothing to set up: synonyms are applied to each query.
func (*Index) Configure(context.Context, uuid.UUID, search.Settings) error { return nil }

// Upsert segments docs (in parallel) and stores them.
func (ix *Index) Upsert(ctx context.Context, tenant uuid.UUID, docs []*search.Document) error {
	if len(docs) == 0 {
		return nil
	}
	return postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		if err := shareLayout(ctx, tx, tenant); err != nil {
			return err
		}
		return upsert(ctx, tx, tenant, docs)
	})
}

// columns are the arrays one INSERT takes, a row per document.
type columns struct {
	kinds, types, titles, summaries, fps, tags, topics, areas, sites, matches, ranks, facetKeys []string
	ids, units                                                                                  []uuid.UUID
	areaIDs                                                                                     []*uuid.UUID
	ats                                                                                         []time.Time
	versions                                                                                    []int64
}

func upsert(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, docs []*search.Document) error {
	matches, ranks := make([]string, len(docs)), make([]string, len(docs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(docs)) {
		wg.Go(func() {
			for i := range next {
				matches[i], ranks[i] = Vectors(docs[i])
			}
		})
	}
	for i := range docs {
		next <- i
	}
	close(next)
	wg.Wait()
	var c columns
	for i, d := range docs {
		if d.Tenant != tenant {
			return fmt.Errorf("pgsearch: document %s belongs to another tenant", d.ID)
		}
		c.kinds = append(c.kinds, string(d.Kind))
		c.ids = append(c.ids, d.ID)
		c.types = append(c.types, string(d.Type))
		c.titles = append(c.titles, d.Title)
		c.summaries = append(c.summaries, d.Summary)
		c.tags = append(c.tags, pgArray(d.Tags))
		c.topics = append(c.topics, pgArray(d.Topics))
		c.areaIDs = append(c.areaIDs, d.AreaID)
		c.areas = append(c.areas, uuidArray(d.Areas))
		c.units = append(c.units, d.OrgUnitID)
		c.sites = append(c.sites, uuidArray(d.Sites))
		c.ats = append(c.ats, d.At)
		c.versions = append(c.versions, d.Version)
		c.fps = append(c.fps, vectorFormat+d.Fingerprint())
		c.matches = append(c.matches, matches[i])
		c.ranks = append(c.ranks, ranks[i])
		c.facetKeys = append(c.facetKeys, facetKey(d))
	}
	_, err := tx.Exec(ctx, storeDocuments,
		tenant, c.kinds, c.ids, c.types, c.titles, c.summaries, c.tags, c.topics, c.areaIDs, c.areas,
		c.units, c.sites, c.ats, c.versions, c.fps, c.matches, c.ranks, c.facetKeys)
	if err != nil {
		return fmt.Errorf("pgsearch: store %d documents: %w", len(docs), err)
	}
	return nil
}

// Delete removes keys.
func (ix *Index) Delete(ctx context.Context, tenant uuid.UUID, keys []search.Key) error {
	if len(keys) == 0 {
		return nil
	}
	kinds, ids := make([]string, len(keys)), make([]uuid.UUID, len(keys))
	for i, k := range keys {
		kinds[i], ids[i] = string(k.Kind), k.ID
	}
	return postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		if err := shareLayout(ctx, tx, tenant); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, deleteDocuments, tenant, kinds, ids)
		if err != nil {
			return fmt.Errorf("pgsearch: delete: %w", err)
		}
		return nil
	})
}

// run sends a search's batch once a slot is free (unless ctx is done or
// maxWait passes first).
func (ix *Index) run(ctx context.Context, tenant uuid.UUID, b *pgx.Batch) error {
	if ix.slots != nil {
		wait := time.NewTimer(ix.maxWait)
		defer wait.Stop()
		ix.queued.Add(1)
		select {
		case ix.slots <- struct{}{}:
			ix.queued.Add(-1)
			defer func() { <-ix.slots }()
		case <-ctx.Done():
			ix.queued.Add(-1)
			return ctx.Err()
		case <-wait.C:
			ix.queued.Add(-1)
			return &apperr.Error{Kind: apperr.Unavailable, Msg: fmt.Sprintf("search is overloaded: no turn within %s; try again shortly", ix.maxWait)}
		}
	}
	return postgres.TenantBatch(ctx, ix.pool, tenant, b)
}

// vectorFormat prefixes stored fingerprints: a document stored in an older
// format reads back with a fingerprint that matches nothing, so the
// reconciler rewrites it in the current one. Change it with Vectors or with
// what else a document row is made of (v3: facet values; v4: a match
// vector without positions, a rank vector, one facet key; v5: site, type
// and topic lexemes).
const vectorFormat = "v5:"

// Fingerprints returns every document's fingerprint.
func (ix *Index) Fingerprints(ctx context.Context, tenant uuid.UUID) (map[search.Key]string, error) {
	out := map[search.Key]string{}
	err := postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, fingerprintsOf, tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k search.Key
			var fp string
			if err := rows.Scan(&k.Kind, &k.ID, &fp); err != nil {
				rows.Close()
				return err
			}
			if current, ok := strings.CutPrefix(fp, vectorFormat); ok {
				out[k] = current
			} else {
				out[k] = "older format " + fp // matches no document
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("pgsearch: fingerprints: %w", err)
	}
	return out, nil
}

// Rebuild replaces tenant's documents in one transaction: searches see
// the old documents until it commits.
func (ix *Index) Rebuild(ctx context.Context, tenant uuid.UUID, _ search.Settings, next func() ([]*search.Document, error)) error {
	return postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		if err := shareLayout(ctx, tx, tenant); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, deleteAllDocuments, tenant); err != nil {
			return err
		}
		for {
			docs, err := next()
			if err != nil {
				return err
			}
			if len(docs) == 0 {
				return nil
			}
			if err := upsert(ctx, tx, tenant, docs); err != nil {
				return err
			}
		}
	})
}
