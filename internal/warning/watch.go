package warning

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/auth"
	"zhdj/internal/live"
	"zhdj/internal/postgres"
	"zhdj/internal/warning/warningdb"
)

// Watch sends each warning raised or changed under a unit (one whose
// member records the caller reads) as it happens, from events (the live
// hub's warning topic of the caller's school), until ctx ends.
func (s *Service) Watch(ctx context.Context, unit uuid.UUID, events <-chan live.Event) (<-chan *Warning, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var path string
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		path, err = readableUnit(ctx, warningdb.New(tx), p, unit)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(chan *Warning, 1)
	go func() {
		defer close(out)
		for {
			var e live.Event
			select {
			case <-ctx.Done():
				return
			case e = <-events:
			}
			if e.Topic != live.TopicWarning || !auth.Within(e.Path, path) {
				continue // a resync: the client lists the warnings again if it must
			}
			w, err := s.Get(ctx, e.ID)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				continue // no longer readable
			}
			select {
			case out <- w:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
