package meeting

// Changing an event before it happens: a new time, place or agenda, or
// calling it off; those expected are told.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/meeting/meetingdb"
	"zhdj/internal/notify"
	"zhdj/internal/postgres"
)

// loadForChange loads an event to change, held until the transaction
// ends: its managers only, and only before it starts (then it is a record).
func (s *Service) loadForChange(ctx context.Context, q *meetingdb.Queries, p *auth.Principal, id uuid.UUID) (*Event, error) {
	r, err := q.EventForUpdate(ctx, meetingdb.EventForUpdateParams{TenantID: p.TenantID, ID: id})
	if apperr.Is(postgres.Err(err, "event"), apperr.NotFound) {
		return nil, errNoEvent
	}
	if err != nil {
		return nil, fmt.Errorf("meeting: load: %w", err)
	}
	e := eventFrom(p.TenantID, meetingdb.GetEventRow(r))
	switch {
	case !canManage(p, e.orgPath):
		return nil, errNoManage
	case e.Cancelled():
		return e, errCancelled
	case !s.now().Before(e.StartsAt):
		return nil, apperr.InvalidField("event", "the event has started: what happened is its record (record the minutes instead)")
	}
	return e, nil
}

// Update changes an event that has not started (its managers): what the
// input gives changes. Those expected are told of a new time, and
// reminded before it.
func (s *Service) Update(ctx context.Context, in UpdateInput) (*Event, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out *Event
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := meetingdb.New(tx)
		e, err := s.loadForChange(ctx, q, p, in.ID)
		if err != nil {
			return err
		}
		now := s.now()
		retimed, err := in.apply(e, now)
		if err != nil {
			return err
		}
		if in.LessonID != nil {
			l, err := q.LessonStatus(ctx, meetingdb.LessonStatusParams{TenantID: p.TenantID, ID: *in.LessonID})
			if err != nil || l.Type != "micro_lesson" || l.Status != "published" {
				return apperr.InvalidField("lesson", "must be a published micro-lesson")
			}
		}
		e.UpdatedAt, err = q.UpdateEvent(ctx, meetingdb.UpdateEventParams{TenantID: p.TenantID, ID: e.ID, Title: e.Title, StartsAt: e.StartsAt,
			EndsAt: e.EndsAt, Place: e.Place, OnlineUrl: e.OnlineURL, LessonID: e.LessonID, Agenda: e.Agenda})
		if err != nil {
			return fmt.Errorf("meeting: update: %w", err)
		}
		if retimed {
			if err := s.tell(ctx, tx, q, e, notify.EventChanged, "changed:"+e.UpdatedAt.UTC().Format(time.RFC3339Nano), when(e)); err != nil {
				return err
			}
		}
		out = e
		return s.remind(ctx, tx, q, e, now)
	})
	return out, err
}

// Cancel calls off an event that has not started (its managers), with a
// reason those expected are told. Cancelling it again changes nothing.
func (s *Service) Cancel(ctx context.Context, id uuid.UUID, reason string) (*Event, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if n := chars(reason); n < 1 || n > 500 {
		return nil, apperr.InvalidField("reason", "give a reason (1–500 characters)")
	}
	var out *Event
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := meetingdb.New(tx)
		e, err := s.loadForChange(ctx, q, p, id)
		if errors.Is(err, errCancelled) {
			out = e
			return nil
		}
		if err != nil {
			return err
		}
		now := s.now()
		if e.UpdatedAt, err = q.CancelEvent(ctx, meetingdb.CancelEventParams{TenantID: p.TenantID, ID: e.ID, At: &now, Reason: reason,
			CancelledBy: p.Actor()}); err != nil {
			return fmt.Errorf("meeting: cancel: %w", err)
		}
		e.CancelledAt, e.CancelReason = &e.UpdatedAt, reason // as stored
		if err := s.tell(ctx, tx, q, e, notify.EventCancelled, "cancelled", reason); err != nil {
			return err
		}
		out = e
		return nil
	})
	return out, err
}

// when is an event's time and place, as notices say it.
func when(e *Event) string {
	body := e.StartsAt.In(beijing).Format("2006-01-02 15:04")
	if e.Place != "" {
		body += " · " + e.Place
	}
	return body
}

// tell notifies everyone expected at e of a change (once per cause).
func (s *Service) tell(ctx context.Context, tx pgx.Tx, q *meetingdb.Queries, e *Event, kind notify.Kind, cause, body string) error {
	people, err := q.AttendeesToTell(ctx, meetingdb.AttendeesToTellParams{TenantID: e.TenantID, EventID: e.ID})
	if err != nil {
		return fmt.Errorf("meeting: attendees to tell: %w", err)
	}
	_, err = notify.Deliver(ctx, tx, e.TenantID, notify.Notice{Kind: kind, Cause: "event:" + e.ID.String() + ":" + cause,
		SubjectType: "event", SubjectID: e.ID, Title: e.Title, Body: body}, people)
	return err
}

// remind queues the reminder of e, the school's lead time before it
// starts (now, when that has passed). A reminder queued before the event
// last changed finds it changed and does nothing; the reminder of a time
// already reminded of is not delivered twice (its cause names the time).
func (s *Service) remind(ctx context.Context, tx pgx.Tx, q *meetingdb.Queries, e *Event, now time.Time) error {
	r, err := rules(ctx, q, e.TenantID)
	if err != nil {
		return err
	}
	var opts *river.InsertOpts
	if at := e.StartsAt.Add(-time.Duration(r.ReminderLeadHours) * time.Hour); at.After(now) {
		opts = &river.InsertOpts{ScheduledAt: at}
	}
	if _, err := s.jobs.InsertTx(ctx, tx, ReminderArgs{TenantID: e.TenantID, EventID: e.ID, Version: e.UpdatedAt}, opts); err != nil {
		return fmt.Errorf("meeting: queue reminder: %w", err)
	}
	return nil
}
