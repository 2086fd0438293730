package interaction

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/interaction/interactiondb"
	"zhdj/internal/postgres"
)

// Mode is how a site (or an item) moderates comments.
type Mode string

const (
	PreModeration  Mode = "pre"    // hidden until a moderator approves
	PostModeration Mode = "post"   // shown at once, removable (the default)
	CommentsClosed Mode = "closed" // none taken
)

var errNoComment = apperr.NotFoundf("comment not found")

// CommentInput is a reader's comment on an item on a site.
type CommentInput struct {
	TenantID, SiteID, ContentID uuid.UUID
	Body                        string
}

// PostComment adds a comment (signed-in accounts of the school). It shows
// at once under post-moderation; it waits for a moderator under
// pre-moderation or when the word list matches (the answer says so).
func (s *Service) PostComment(ctx context.Context, in CommentInput) (*Comment, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if p.TenantID != in.TenantID {
		return nil, apperr.NotFoundf("site not found")
	}
	var v apperr.Validation
	in.Body = text(&v, "body", in.Body, MaxComment)
	if err := v.Err(); err != nil {
		return nil, err
	}
	// Two round trips: what posting needs goes with BEGIN, the comment
	// with COMMIT (a notice goes out to every student at once, and they
	// answer together).
	reads := &pgx.Batch{}
	at := queueCommentContext(reads, in, p.AccountID)
	state := s.screen.QueueState(reads, p.TenantID, p.AccountID)
	c := &Comment{TenantID: p.TenantID, ContentID: in.ContentID, SiteID: in.SiteID, AuthorID: p.AccountID, Body: in.Body}
	err = postgres.InTenantTxCommitWith(ctx, s.pool, p.TenantID, reads, func(q postgres.Querier) (*pgx.Batch, error) {
		if !at.onSite {
			return nil, apperr.NotFoundf("content not found")
		}
		if at.mode == CommentsClosed {
			return nil, apperr.Forbiddenf("comments are closed here")
		}
		verdict, err := s.screen.Judge(ctx, q, state, in.Body)
		if err != nil {
			return nil, err
		}
		c.AuthorName, c.Status = at.authorName, Visible
		if len(verdict.Matched) > 0 || at.mode == PreModeration {
			c.Status = Pending
		}
		final := &pgx.Batch{}
		queueInsertComment(final, c, nonNil(verdict.Matched))
		return final, nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// CommentCursor is a position in an item's comments (newest first).
type CommentCursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// Comments returns the visible comments on an item on a site, newest first.
func (s *Service) Comments(ctx context.Context, tenant, site, content uuid.UUID, first int, after *CommentCursor) ([]*Comment, bool, error) {
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, false, err
	}
	var out []*Comment
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		arg := interactiondb.CommentsParams{TenantID: tenant, ContentID: content, SiteID: site, HasCursor: after != nil, MaxRows: int32(first + 1)}
		if after != nil {
			arg.AfterAt, arg.AfterID = after.CreatedAt, after.ID
		}
		rows, err := interactiondb.New(tx).Comments(ctx, arg)
		if err != nil {
			return fmt.Errorf("interaction: comments: %w", err)
		}
		for _, r := range rows {
			out = append(out, &Comment{TenantID: tenant, ID: r.ID, ContentID: r.ContentID, SiteID: r.SiteID, AuthorID: r.AuthorID,
				AuthorName: r.AuthorName, Body: r.Body, Status: Moderation(r.Status), CreatedAt: r.CreatedAt})
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if len(out) > first {
		return out[:first], true, nil
	}
	return out, false, nil
}

// Report flags a comment (once per reader); enough reports send a
// visible comment back to review.
func (s *Service) Report(ctx context.Context, id uuid.UUID, reason string) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 1 || n > 500 {
		return apperr.InvalidField("reason", "give the reason (1–500 characters)")
	}
	return postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := interactiondb.New(tx)
		c, err := q.CommentForUpdate(ctx, interactiondb.CommentForUpdateParams{TenantID: p.TenantID, ID: id})
		if errors.Is(err, pgx.ErrNoRows) || err == nil && Moderation(c.Status) != Visible {
			return errNoComment
		}
		if err != nil {
			return fmt.Errorf("interaction: comment: %w", err)
		}
		n, err := q.Report(ctx, interactiondb.ReportParams{TenantID: p.TenantID, CommentID: id, ReporterID: p.AccountID, Reason: reason})
		if err != nil || n == 0 {
			return err // a second report by the same reader counts once
		}
		settings, err := q.TenantSettings(ctx, p.TenantID)
		if err != nil {
			return fmt.Errorf("interaction: settings: %w", err)
		}
		_, err = q.CountReport(ctx, interactiondb.CountReportParams{TenantID: p.TenantID, ID: id, Threshold: int32(RulesFrom(settings).ReportsToReview)})
		return err
	})
}

// SetCommentMode sets how a site's comments (or one item's, overriding
// its sites') are moderated — moderators of the site's unit.
func (s *Service) SetCommentMode(ctx context.Context, tenant uuid.UUID, site uuid.UUID, content *uuid.UUID, mode Mode) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if mode != PreModeration && mode != PostModeration && mode != CommentsClosed {
		return apperr.InvalidField("mode", "pre, post or closed")
	}
	return postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		q := interactiondb.New(tx)
		su, err := q.SiteUnit(ctx, interactiondb.SiteUnitParams{TenantID: tenant, SiteID: site})
		if errors.Is(err, pgx.ErrNoRows) || p.TenantID != tenant {
			return apperr.NotFoundf("site not found")
		}
		if err != nil {
			return fmt.Errorf("interaction: site: %w", err)
		}
		if !canModerate(p, su.Path) {
			return apperr.Forbiddenf("only the site's moderators set how its comments are moderated")
		}
		if content != nil {
			return q.SetContentCommentMode(ctx, interactiondb.SetContentCommentModeParams{TenantID: tenant, ContentID: content, Mode: string(mode), UpdatedBy: p.Actor()})
		}
		return q.SetSiteCommentMode(ctx, interactiondb.SetSiteCommentModeParams{TenantID: tenant, SiteID: &site, Mode: string(mode), UpdatedBy: p.Actor()})
	})
}

// Decision is a moderator's verdict on a post.
type Decision string

const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
)

// decisionBy is who decides, signed in, and the reason of a decision: a
// rejection needs one.
func decisionBy(ctx context.Context, d Decision, reason string) (*auth.Principal, string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, "", err
	}
	reason = strings.TrimSpace(reason)
	if d == Reject && reason == "" {
		return nil, "", apperr.InvalidField("reason", "say why it is rejected")
	}
	return p, reason, nil
}

// ModerateComment approves or rejects (takes down) a comment, with a
// reason for a rejection — the moderators of its site's unit; audited.
func (s *Service) ModerateComment(ctx context.Context, id uuid.UUID, d Decision, reason string) (*Comment, error) {
	p, reason, err := decisionBy(ctx, d, reason)
	if err != nil {
		return nil, err
	}
	var out *Comment
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := interactiondb.New(tx)
		c, err := q.CommentForUpdate(ctx, interactiondb.CommentForUpdateParams{TenantID: p.TenantID, ID: id})
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoComment
		}
		if err != nil {
			return fmt.Errorf("interaction: comment: %w", err)
		}
		if !canModerate(p, c.SitePath) {
			return errNoComment
		}
		status := Visible
		if d == Reject {
			status = Refused
			if Moderation(c.Status) == Visible {
				status = Removed
			}
		}
		if err := q.ModerateComment(ctx, interactiondb.ModerateCommentParams{TenantID: p.TenantID, ID: id, Status: string(status), Reason: reason,
			ModeratedBy: p.Actor()}); err != nil {
			return fmt.Errorf("interaction: moderate: %w", err)
		}
		if err := audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionModerate, ActorID: p.Actor(), Subject: string(d),
			TargetType: "comment", TargetID: id.String(), Detail: map[string]any{"reason": reason, "matched": c.MatchedWords}}); err != nil {
			return err
		}
		out = &Comment{TenantID: p.TenantID, ID: c.ID, ContentID: c.ContentID, SiteID: c.SiteID, AuthorID: c.AuthorID, AuthorName: c.AuthorName,
			Body: c.Body, Status: status, MatchedWords: c.MatchedWords, Reason: reason, CreatedAt: c.CreatedAt}
		return nil
	})
	return out, err
}

// ModerateSuggestion approves or rejects a suggestion waiting for review
// (its unit's moderators); audited.
func (s *Service) ModerateSuggestion(ctx context.Context, id uuid.UUID, d Decision, reason string) (*Suggestion, error) {
	p, reason, err := decisionBy(ctx, d, reason)
	if err != nil {
		return nil, err
	}
	var out *Suggestion
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := interactiondb.New(tx)
		cur, err := s.lock(ctx, q, p, id)
		if err != nil {
			return err
		}
		if !canModerate(p, cur.Path) {
			return apperr.Forbiddenf("only the unit's moderators decide on suggestions waiting for review")
		}
		mod := Visible
		if d == Reject {
			mod = Refused
		}
		if err := q.ModerateSuggestion(ctx, interactiondb.ModerateSuggestionParams{TenantID: p.TenantID, ID: id, Moderation: string(mod)}); err != nil {
			return fmt.Errorf("interaction: moderate: %w", err)
		}
		if err := audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionModerate, ActorID: p.Actor(), Subject: string(d),
			TargetType: "suggestion", TargetID: id.String(), Detail: map[string]any{"reason": reason}}); err != nil {
			return err
		}
		out, err = s.read(ctx, q, p, id)
		return err
	})
	return out, err
}
