package pgsearch

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/postgres"
	"zhdj/internal/search"
)

// A search visits the row of every match: about 0.2 µs per row and
// 1.4 µs per table page (bench/README.md). Documents are written in the
// order they change, so the matches of a site's column (理论学习 ·
// 微党课) lie one to a page among everybody else's, and a broad search
// visits as many pages as it has matches. Rewritten in search order
// (sites, topics, type, newest first), the matches of such a search
// share their pages: in the bench, the broadest search (7,502 matches)
// visits 1,545 pages instead of 7,331, and PostgreSQL spends a sixth
// less per search.
//
// The order decays as documents change (new rows go wherever there is
// room), so the server measures it on a schedule and compacts a school
// whose documents have scattered; a rewrite costs about 0.1 ms per
// document, once, and room for a second copy until autovacuum.

// maxSpread is the spread past which a school's documents are compacted:
// about one document in ten written since the last compaction.
const maxSpread = 1.25

// minCompactDocuments is the size below which a school is never compacted:
// a search of a few hundred pages costs well under a millisecond in any
// order.
const minCompactDocuments = 1000

// layout is how a school's documents lie in the table.
type layout struct {
	documents int
	pages     int // table pages holding at least one of them
	groups    int // distinct (sites, topics, type): what searches find together
	runs      int // distinct (group, page): a group's stretch on one page
}

// spread is runs per page and group: 1 when every group lies on pages of
// its own (its first and last page may be shared with its neighbours),
// up to the rows a page holds when each row lies among other groups.
func (l layout) spread() float64 {
	if l.documents == 0 {
		return 1
	}
	return float64(l.runs) / float64(l.pages+l.groups)
}

// due says whether the documents should be compacted.
func (l layout) due() bool {
	return l.documents >= minCompactDocuments && l.spread() > maxSpread
}

// layout measures how tenant's documents lie now.
func (ix *Index) layout(ctx context.Context, tenant uuid.UUID) (layout, error) {
	var l layout
	err := postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		var err error
		l, err = measureLayout(ctx, tx, tenant)
		return err
	})
	return l, err
}

// measureLayout counts, from the rows' page numbers, the pages and the
// groups of tenant's documents and a group's stretches on a page.
func measureLayout(ctx context.Context, tx pgx.Tx, tenant uuid.UUID) (layout, error) {
	var l layout
	err := tx.QueryRow(ctx, measureLayoutSQL, tenant).Scan(&l.documents, &l.runs, &l.pages, &l.groups)
	if err != nil {
		return l, fmt.Errorf("pgsearch: measure the layout: %w", err)
	}
	return l, nil
}

// shareLayout is taken by every transaction writing tenant's documents.
func shareLayout(ctx context.Context, tx pgx.Tx, tenant uuid.UUID) error {
	if _, err := tx.Exec(ctx, shareLayoutLock, tenant); err != nil {
		return fmt.Errorf("pgsearch: wait for a compaction: %w", err)
	}
	return nil
}

// Compact rewrites tenant's documents in search order when their layout
// is due (always, with force), in one transaction: searches read the old
// rows until it commits and are never blocked; writes of the school's
// documents wait for it.
func (ix *Index) Compact(ctx context.Context, tenant uuid.UUID, force bool) (search.Compaction, error) {
	start := time.Now()
	before, err := ix.layout(ctx, tenant)
	if err != nil {
		return search.Compaction{}, err
	}
	c := search.Compaction{Documents: before.documents, Spread: before.spread(), After: before.spread()}
	if force || before.due() {
		err = postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, takeLayoutLock, tenant); err != nil {
				return err
			}
			if !force {
				// Another compaction may have run while this one waited.
				if again, err := measureLayout(ctx, tx, tenant); err != nil || !again.due() {
					return err
				}
			}
			// The rows move as they are (same columns, same values); new
			// rows fill pages in the order they are inserted.
			_, err := tx.Exec(ctx, rewriteInOrder, tenant)
			c.Compacted = err == nil
			return err
		})
		if err != nil {
			c.Compacted = false
			return c, fmt.Errorf("pgsearch: compact: %w", err)
		}
	}
	if c.Compacted {
		after, err := ix.layout(ctx, tenant)
		if err != nil {
			return c, err
		}
		c.Documents, c.After = after.documents, after.spread()
	}
	c.Took = time.Since(start)
	return c, nil
}
