package interaction

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/interaction/interactiondb"
	"zhdj/internal/postgres"
)

// QueueKind is what waits in the moderation queue.
type QueueKind string

const (
	QueueComment    QueueKind = "comment"
	QueueSuggestion QueueKind = "suggestion"
	QueueReply      QueueKind = "reply" // an asker's follow-up
)

// QueueKinds are all of them.
var QueueKinds = []QueueKind{QueueComment, QueueSuggestion, QueueReply}

// QueueItem is a post waiting for a moderator: a comment (on a site's
// item), a suggestion, or a follow-up reply on a suggestion's thread.
type QueueItem struct {
	TenantID     uuid.UUID
	Kind         QueueKind
	ID           uuid.UUID
	AuthorName   string
	Text         string // a suggestion's title and body, on two lines
	MatchedWords []string
	Reports      int        // readers' reports (comments)
	SiteID       *uuid.UUID // a comment's
	ContentID    *uuid.UUID // a comment's
	SuggestionID *uuid.UUID // a suggestion's own id, a reply's thread
	CreatedAt    time.Time
}

// QueueCursor is a position in the queue.
type QueueCursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

var errNotModerator = apperr.Forbiddenf("only moderators read the moderation queue")

// Queue lists what waits for the caller's decision in the subtrees they
// moderate, oldest first, of the kinds asked (none: all), keyset-paged.
func (s *Service) Queue(ctx context.Context, kinds []QueueKind, first int, after *QueueCursor) ([]*QueueItem, bool, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, false, err
	}
	paths, everywhere := p.Paths(auth.PermModerate)
	if !everywhere && len(paths) == 0 {
		return nil, false, errNotModerator
	}
	if len(kinds) == 0 {
		kinds = QueueKinds
	}
	arg := interactiondb.ModerationQueueParams{TenantID: p.TenantID, Kinds: strs(kinds), Everywhere: everywhere, Paths: nonNil(paths),
		MaxRows: int32(first + 1)}
	if after != nil {
		arg.HasCursor, arg.AfterAt, arg.AfterID = true, after.CreatedAt, after.ID
	}
	var items []*QueueItem
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		rows, err := interactiondb.New(tx).ModerationQueue(ctx, arg)
		if err != nil {
			return fmt.Errorf("interaction: queue: %w", err)
		}
		for _, r := range rows {
			items = append(items, &QueueItem{TenantID: p.TenantID, Kind: QueueKind(r.Kind), ID: r.ID, AuthorName: r.AuthorName, Text: r.Text,
				MatchedWords: r.MatchedWords, Reports: int(r.Reports), SiteID: some(r.SiteID), ContentID: some(r.ContentID),
				SuggestionID: some(r.SuggestionID), CreatedAt: r.CreatedAt})
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if len(items) > first {
		return items[:first], true, nil
	}
	return items, false, nil
}

// some is id, or nil for the nil uuid (a column the queue's kind lacks).
func some(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// ModerateReply approves or rejects an asker's follow-up waiting for
// review (the moderators of its suggestion's unit); audited. It returns
// the reply's suggestion.
func (s *Service) ModerateReply(ctx context.Context, id uuid.UUID, d Decision, reason string) (*Suggestion, error) {
	p, reason, err := decisionBy(ctx, d, reason)
	if err != nil {
		return nil, err
	}
	var out *Suggestion
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := interactiondb.New(tx)
		r, err := q.ReplyForUpdate(ctx, interactiondb.ReplyForUpdateParams{TenantID: p.TenantID, ID: id})
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoReply
		}
		if err != nil {
			return fmt.Errorf("interaction: reply: %w", err)
		}
		if !canModerate(p, r.Path) {
			return errNoReply
		}
		mod := Visible
		if d == Reject {
			mod = Refused
		}
		if err := q.ModerateReply(ctx, interactiondb.ModerateReplyParams{TenantID: p.TenantID, ID: id, Moderation: string(mod)}); err != nil {
			return fmt.Errorf("interaction: moderate: %w", err)
		}
		if err := audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionModerate, ActorID: p.Actor(), Subject: string(d),
			TargetType: "suggestion_reply", TargetID: id.String(), Detail: map[string]any{"reason": reason, "matched": r.MatchedWords}}); err != nil {
			return err
		}
		out, err = s.read(ctx, q, p, r.SuggestionID)
		return err
	})
	return out, err
}
