package content

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/content/contentdb"
	"zhdj/internal/postgres"
)

// ViewCounter counts reads in memory and adds them to the database in one
// statement per school every few seconds, so a read never waits on a write.
// Counts still in memory when the process dies are lost: view counts are
// statistics, not records.
type ViewCounter struct {
	pool *pgxpool.Pool
	mu   sync.Mutex
	n    map[uuid.UUID]map[uuid.UUID]int64 // tenant → content → views
}

// NewViewCounter returns a counter that flushes to pool.
func NewViewCounter(pool *pgxpool.Pool) *ViewCounter {
	return &ViewCounter{pool: pool, n: map[uuid.UUID]map[uuid.UUID]int64{}}
}

// Add counts one view. It never blocks on the database.
func (v *ViewCounter) Add(tenant, id uuid.UUID) {
	v.mu.Lock()
	m := v.n[tenant]
	if m == nil {
		m = map[uuid.UUID]int64{}
		v.n[tenant] = m
	}
	m[id]++
	v.mu.Unlock()
}

// Flush writes the counted views.
func (v *ViewCounter) Flush(ctx context.Context) error {
	v.mu.Lock()
	pending := v.n
	v.n = map[uuid.UUID]map[uuid.UUID]int64{}
	v.mu.Unlock()
	for tenant, counts := range pending {
		ids := make([]uuid.UUID, 0, len(counts))
		ns := make([]int64, 0, len(counts))
		for id, n := range counts {
			ids, ns = append(ids, id), append(ns, n)
		}
		err := postgres.InTenantTx(ctx, v.pool, tenant, func(tx pgx.Tx) error {
			return contentdb.New(tx).AddViews(ctx, contentdb.AddViewsParams{TenantID: tenant, Ids: ids, Counts: ns})
		})
		if err != nil {
			// Put them back for the next flush.
			v.mu.Lock()
			for i, id := range ids {
				if v.n[tenant] == nil {
					v.n[tenant] = map[uuid.UUID]int64{}
				}
				v.n[tenant][id] += ns[i]
			}
			v.mu.Unlock()
			return fmt.Errorf("content: flush views: %w", err)
		}
	}
	return nil
}

// Run flushes every interval until ctx ends, then once more.
func (v *ViewCounter) Run(ctx context.Context, every time.Duration, onError func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := v.Flush(context.WithoutCancel(ctx)); err != nil {
				onError(err)
			}
			return
		case <-t.C:
			if err := v.Flush(ctx); err != nil && ctx.Err() == nil {
				onError(err)
			}
		}
	}
}
