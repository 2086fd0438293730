package cockpit

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
)

// figureCache holds computed cockpits for a short while, so that a
// school's cockpit on a big screen and on every admin's desk is computed
// once, not once per reader: a school-wide cockpit reads every unit's
// roll-ups (hundreds of milliseconds of PostgreSQL for a school of 10,000).
//
// An entry younger than half of maxAge is served as it is; an older one is
// served while one refresh runs in the background; one older than maxAge
// is not served (the reader waits for a fresh one). So a figure is at most
// maxAge old. Concurrent readers of a missing entry wait for one
// computation. Who may read an entry is checked on every read; the entry
// is the same for everyone (figures do not depend on the reader).
// Subscriptions (Watch) bypass it: they are sent what a change did.
type figureCache struct {
	maxAge  time.Duration
	now     func() time.Time
	entries *lru.Cache[cacheKey, *cacheEntry]
	flight  singleflight.Group
}

type cacheKey struct {
	tenant, unit uuid.UUID
	from, until  time.Time
}

func (k cacheKey) String() string {
	return fmt.Sprintf("%s/%s/%d/%d", k.tenant, k.unit, k.from.UnixNano(), k.until.UnixNano())
}

type cacheEntry struct {
	at         time.Time // when it was read
	path       string    // of the unit, for the access check
	cockpit    *Cockpit
	refreshing atomic.Bool
}

// maxCachedCockpits bounds the entries (a school has a few hundred units,
// read for a few periods).
const maxCachedCockpits = 2000

func newFigureCache(maxAge time.Duration, now func() time.Time) *figureCache {
	entries, err := lru.New[cacheKey, *cacheEntry](maxCachedCockpits)
	if err != nil {
		panic(err) // the size is a positive constant
	}
	return &figureCache{maxAge: maxAge, now: now, entries: entries}
}

// get is the entry of key if it may still be served.
func (c *figureCache) get(key cacheKey) *cacheEntry {
	e, ok := c.entries.Get(key)
	if !ok || c.now().Sub(e.at) >= c.maxAge {
		return nil
	}
	return e
}

// aging reports whether e should be refreshed.
func (c *figureCache) aging(e *cacheEntry) bool { return c.now().Sub(e.at) >= c.maxAge/2 }

// load computes the entry of key (once for concurrent callers) and keeps it.
func (c *figureCache) load(ctx context.Context, key cacheKey, compute func(context.Context) (*cacheEntry, error)) (*cacheEntry, error) {
	ch := c.flight.DoChan(key.String(), func() (any, error) {
		// The computation outlives a caller that gives up: others wait for it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		e, err := compute(ctx)
		if err != nil {
			return nil, err
		}
		c.entries.Add(key, e)
		return e, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*cacheEntry), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// refresh recomputes e (of key) in the background, once.
func (c *figureCache) refresh(key cacheKey, e *cacheEntry, compute func(context.Context) (*cacheEntry, error)) {
	if !e.refreshing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer e.refreshing.Store(false)
		if _, err := c.load(context.Background(), key, compute); err != nil {
			slog.Warn("cockpit: refreshing a cached cockpit failed; the next reader reads it", "err", err)
		}
	}()
}
