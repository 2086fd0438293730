package app

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// originSet is the CORS allow-list: every active site's origins (read from
// the database, refreshed on a timer and whenever a site's origins change)
// plus the configured extra origins. Reads are lock-free.
type originSet struct {
	load  func(context.Context) ([]string, error)
	extra []string
	every time.Duration
	log   *slog.Logger
	set   atomic.Pointer[map[string]struct{}]
	kick  chan struct{}
}

func newOriginSet(load func(context.Context) ([]string, error), extra []string, every time.Duration, log *slog.Logger) *originSet {
	o := &originSet{load: load, extra: extra, every: every, log: log}
	empty := map[string]struct{}{}
	for _, e := range extra {
		empty[e] = struct{}{}
	}
	o.set.Store(&empty)
	return o
}

// Allowed reports whether origin may make credentialed cross-origin requests.
func (o *originSet) Allowed(origin string) bool {
	_, ok := (*o.set.Load())[origin]
	return ok
}

// Refresh re-reads the site origins now. On failure the previous list stays.
func (o *originSet) Refresh(ctx context.Context) error {
	list, err := o.load(ctx)
	if err != nil {
		return err
	}
	m := make(map[string]struct{}, len(list)+len(o.extra))
	for _, s := range list {
		m[s] = struct{}{}
	}
	for _, s := range o.extra {
		m[s] = struct{}{}
	}
	o.set.Store(&m)
	return nil
}

// Changed refreshes at once, so that the replica that changed a site's
// origins allows them as soon as the change is committed (other replicas
// pick it up at their next tick). A failure keeps the previous list.
func (o *originSet) Changed() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.Refresh(ctx); err != nil {
		o.log.Warn("cors: refresh site origins after a change failed; the next tick retries", "err", err)
	}
}

// Run refreshes on every tick until ctx ends.
func (o *originSet) Run(ctx context.Context) {
	t := time.NewTicker(o.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := o.Refresh(ctx); err != nil && ctx.Err() == nil {
			o.log.WarnContext(ctx, "cors: refresh site origins failed; keeping the previous list", "err", err)
		}
	}
}
