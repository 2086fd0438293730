// Package notify is each person's in-app inbox. Other domains' jobs put
// notices in it (Deliver, in their transaction); a notice has a cause —
// what it is about, such as "task 1234 assigned" — and a person gets one
// notice per cause, however often or on however many processes its job
// runs. People read their inbox and mark notices read.
package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/notify/notifydb"
	"zhdj/internal/postgres"
)

// Kind is what happened.
type Kind string

const (
	TaskAssigned   Kind = "task_assigned"
	TaskReturned   Kind = "task_returned"
	TaskDueSoon    Kind = "task_due_soon"
	EventReminder  Kind = "event_reminder"
	EventChanged   Kind = "event_changed"   // a new time
	EventCancelled Kind = "event_cancelled" // with the reason
	AppealResolved Kind = "appeal_resolved" // a points appeal upheld or rejected
	// WarningRaised and WarningEscalated: an early warning addressed to
	// the admins of a unit, when raised or when it reached them from below.
	WarningRaised    Kind = "warning_raised"
	WarningEscalated Kind = "warning_escalated"
	// SuggestionAnswered and SuggestionRejected: your suggestion got an
	// official reply, or was rejected (the body says why).
	SuggestionAnswered Kind = "suggestion_answered"
	SuggestionRejected Kind = "suggestion_rejected"
)

// Notice is what one cause tells the people it concerns.
type Notice struct {
	Kind Kind
	// Cause identifies it: one notice per person and cause.
	Cause       string
	SubjectType string // e.g. "task", "event"
	SubjectID   uuid.UUID
	Title       string // the subject's title
	Body        string // e.g. a reviewer's comment
}

// Deliver puts n in the inbox of each of people, in the caller's
// transaction, and returns how many did not have it yet.
func Deliver(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, n Notice, people []uuid.UUID) (int, error) {
	if len(people) == 0 {
		return 0, nil
	}
	c, err := notifydb.New(tx).Deliver(ctx, notifydb.DeliverParams{TenantID: tenant, Kind: string(n.Kind), Cause: n.Cause,
		SubjectType: n.SubjectType, SubjectID: n.SubjectID, Title: truncate(n.Title, 200), Body: truncate(n.Body, 2000), People: people})
	if err != nil {
		return 0, fmt.Errorf("notify: deliver %s: %w", n.Kind, err)
	}
	return int(c), nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// Notification is one notice in a person's inbox.
type Notification struct {
	TenantID    uuid.UUID
	ID          uuid.UUID
	Kind        Kind
	SubjectType string
	SubjectID   uuid.UUID
	Title       string
	Body        string
	CreatedAt   time.Time
	ReadAt      *time.Time
}

// Cursor is a position in an inbox.
type Cursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// Page is a page of an inbox.
type Page struct {
	Items   []*Notification
	HasNext bool
}

// MaxPageSize is the largest page the inbox returns.
const MaxPageSize = 100

// Service is the inbox use cases.
type Service struct{ pool *pgxpool.Pool }

// NewService returns a Service over pool.
func NewService(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }

// Inbox returns a page of the caller's notices, newest first.
func (s *Service) Inbox(ctx context.Context, first int, after *Cursor, unreadOnly bool) (*Page, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	page := &Page{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		arg := notifydb.InboxParams{TenantID: p.TenantID, PersonID: person, UnreadOnly: unreadOnly, HasCursor: after != nil, MaxRows: int32(first + 1)}
		if after != nil {
			arg.AfterAt, arg.AfterID = after.CreatedAt, after.ID
		}
		rows, err := notifydb.New(tx).Inbox(ctx, arg)
		if err != nil {
			return fmt.Errorf("notify: inbox: %w", err)
		}
		for _, r := range rows {
			page.Items = append(page.Items, &Notification{TenantID: p.TenantID, ID: r.ID, Kind: Kind(r.Kind), SubjectType: r.SubjectType,
				SubjectID: r.SubjectID, Title: r.Title, Body: r.Body, CreatedAt: r.CreatedAt, ReadAt: r.ReadAt})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(page.Items) > first {
		page.Items, page.HasNext = page.Items[:first], true
	}
	return page, nil
}

// Unread counts the caller's unread notices.
func (s *Service) Unread(ctx context.Context) (int, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return 0, err
	}
	var n int32
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		n, err = notifydb.New(tx).UnreadCount(ctx, notifydb.UnreadCountParams{TenantID: p.TenantID, PersonID: person})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("notify: unread: %w", err)
	}
	return int(n), nil
}

// MaxMarked is how many notices one call may mark by id.
const MaxMarked = 100

// MarkRead marks the caller's notices ids read (all of them when all is
// set) and returns how many were unread. Someone else's notice is left
// alone, as one that does not exist.
func (s *Service) MarkRead(ctx context.Context, ids []uuid.UUID, all bool) (int, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return 0, err
	}
	switch {
	case all && len(ids) > 0:
		return 0, apperr.InvalidField("ids", "give the notices to mark, or all, not both")
	case !all && len(ids) == 0:
		return 0, apperr.InvalidField("ids", "give the notices to mark, or all")
	case len(ids) > MaxMarked:
		return 0, apperr.InvalidField("ids", fmt.Sprintf("at most %d at a time", MaxMarked))
	}
	var n int64
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := notifydb.New(tx)
		if all {
			n, err = q.MarkAllRead(ctx, notifydb.MarkAllReadParams{TenantID: p.TenantID, PersonID: person})
		} else {
			n, err = q.MarkRead(ctx, notifydb.MarkReadParams{TenantID: p.TenantID, PersonID: person, Ids: ids})
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("notify: mark read: %w", err)
	}
	return int(n), nil
}
