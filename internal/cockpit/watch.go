package cockpit

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/auth"
	"zhdj/internal/cockpit/cockpitdb"
	"zhdj/internal/live"
	"zhdj/internal/points"
	"zhdj/internal/postgres"
)

// Watch sends the cockpit of a unit's subtree in a period again whenever
// a figure under it changed — events are the live hub's cockpit topic of
// the caller's school — at most once per every, until ctx ends. Who may
// not read the cockpit is refused at once, as by Figures.
func (s *Service) Watch(ctx context.Context, unit uuid.UUID, period points.Period, events <-chan live.Event, every time.Duration) (<-chan *Cockpit, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := points.ValidatePeriod(period); err != nil {
		return nil, err
	}
	var path string
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		path, err = open(ctx, cockpitdb.New(tx), p, unit)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(chan *Cockpit, 1)
	go func() {
		defer close(out)
		var due <-chan time.Time
		var last time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-events:
				// A change under the unit, or above it (a change spread over
				// several units names their common ancestor; none, the school).
				affects := e.Topic == live.TopicResync || e.Path == "" || auth.Within(e.Path, path) || auth.Within(path, e.Path)
				if affects && due == nil {
					due = time.After(max(0, every-time.Since(last)))
				}
			case <-due:
				due, last = nil, time.Now()
				c, err := s.compute(ctx, p, unit, period) // not from the cache: what the change did
				if err != nil {
					// The stream ends (the client subscribes again).
					return
				}
				select {
				case out <- c:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
