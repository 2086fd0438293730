package notify

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/auth"
	"zhdj/internal/live"
	"zhdj/internal/notify/notifydb"
	"zhdj/internal/postgres"
)

// Watch sends the caller's notices as they arrive, from events (the
// live hub's notification topic of the caller's school), until ctx ends.
// After a resync (events may have been lost) it sends those after the
// newest it knows, so that none is missed and none is sent twice.
func (s *Service) Watch(ctx context.Context, events <-chan live.Event) (<-chan *Notification, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	var cursor Cursor // the newest known
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		rows, err := notifydb.New(tx).Inbox(ctx, notifydb.InboxParams{TenantID: p.TenantID, PersonID: person, MaxRows: 1})
		if err != nil {
			return err
		}
		for _, r := range rows {
			cursor = Cursor{CreatedAt: r.CreatedAt, ID: r.ID}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("notify: watch: %w", err)
	}
	out := make(chan *Notification, 1)
	go func() {
		defer close(out)
		sent := map[uuid.UUID]bool{}
		send := func(n *Notification) bool {
			if sent[n.ID] {
				return true
			}
			if len(sent) > 1000 {
				clear(sent)
			}
			sent[n.ID] = true
			if n.CreatedAt.After(cursor.CreatedAt) || n.CreatedAt.Equal(cursor.CreatedAt) && n.ID.String() > cursor.ID.String() {
				cursor = Cursor{CreatedAt: n.CreatedAt, ID: n.ID}
			}
			select {
			case out <- n:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for {
			var e live.Event
			select {
			case <-ctx.Done():
				return
			case e = <-events:
			}
			var found []*Notification
			err := postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
				q := notifydb.New(tx)
				switch {
				case e.Topic == live.TopicResync:
					rows, err := q.Since(ctx, notifydb.SinceParams{TenantID: p.TenantID, PersonID: person, AfterAt: cursor.CreatedAt, AfterID: cursor.ID, MaxRows: MaxPageSize})
					for _, r := range rows {
						found = append(found, notification(p.TenantID, notifydb.NoticeRow(r)))
					}
					return err
				case e.Person == person:
					r, err := q.Notice(ctx, notifydb.NoticeParams{TenantID: p.TenantID, PersonID: person, ID: e.ID})
					if errors.Is(err, pgx.ErrNoRows) {
						return nil
					}
					if err == nil {
						found = append(found, notification(p.TenantID, r))
					}
					return err
				}
				return nil
			})
			if err != nil {
				// The stream ends; the client subscribes again.
				return
			}
			for _, n := range found {
				if !send(n) {
					return
				}
			}
		}
	}()
	return out, nil
}

func notification(tenant uuid.UUID, r notifydb.NoticeRow) *Notification {
	return &Notification{TenantID: tenant, ID: r.ID, Kind: Kind(r.Kind), SubjectType: r.SubjectType,
		SubjectID: r.SubjectID, Title: r.Title, Body: r.Body, CreatedAt: r.CreatedAt, ReadAt: r.ReadAt}
}
