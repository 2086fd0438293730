package content

// The editorial workflow: what publishing needs, the steps from draft to
// published and back, and scheduled publishing.

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/content/contentdb"
	"zhdj/internal/media"
	"zhdj/internal/postgres"
)

// publishable reports every field that keeps c from being published.
func publishable(ctx context.Context, tx pgx.Tx, c *Content) error {
	var v apperr.Validation
	if strings.TrimSpace(c.Title) == "" {
		v.Add("title", "is required to publish")
	}
	if c.CoverID == nil {
		v.Add("cover", "is required to publish")
	}
	if c.Type == TypeMicroLesson && (c.Lesson == nil || c.Lesson.VideoID == nil) {
		v.Add("lesson.videoId", "a micro-lesson needs its video")
	}
	if c.Type == TypeComic && (c.Comic == nil || len(c.Comic.Panels) == 0) {
		v.Add("comic.panels", "a comic needs at least one panel")
	}
	refs := c.mediaRefs()
	ids := make([]uuid.UUID, 0, len(refs))
	for _, id := range refs {
		ids = append(ids, id)
	}
	known, err := media.Refs(ctx, tx, c.TenantID, ids)
	if err != nil {
		return err
	}
	fields := make([]string, 0, len(refs))
	for f := range refs {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		ref, ok := known[refs[f]]
		kind := media.KindImage
		switch {
		case f == "lesson.videoId":
			kind = media.KindVideo
		case strings.HasPrefix(f, "article.attachmentIds"):
			kind = media.KindDocument
		}
		switch {
		case !ok:
			v.Add(f, "refers to a file that does not exist")
		case ref.Status != media.StatusReady:
			v.Add(f, fmt.Sprintf("the file is %s, not ready yet", ref.Status))
		case ref.Purpose.Kind() != kind:
			v.Add(f, fmt.Sprintf("must be a %s file", kind))
		}
	}
	return v.Err()
}

// Submit sends a draft for review.
func (s *Service) Submit(ctx context.Context, id uuid.UUID) (*Content, error) {
	return s.transition(ctx, id, auth.PermContentEdit, func(ctx context.Context, tx pgx.Tx, c *Content) (string, error) {
		if c.Status != StatusDraft {
			return "", apperr.Conflictf("only a draft can be submitted for review (this item is %s)", c.Status)
		}
		if err := publishable(ctx, tx, c); err != nil {
			return "", err
		}
		c.Status, c.ReviewComment = StatusInReview, ""
		return "", nil
	})
}

// Approve publishes an item in review: now, or at publishAt when that is in
// the future (a background job publishes it then, exactly once). A
// publishAt in the past publishes now; Published reports whether it did.
func (s *Service) Approve(ctx context.Context, id uuid.UUID, publishAt *time.Time) (*Content, error) {
	return s.transition(ctx, id, auth.PermContentReview, func(ctx context.Context, tx pgx.Tx, c *Content) (string, error) {
		if c.Status != StatusInReview {
			return "", apperr.Conflictf("only an item in review can be approved (this item is %s)", c.Status)
		}
		if err := publishable(ctx, tx, c); err != nil {
			return "", err
		}
		now := s.now()
		if publishAt != nil && publishAt.After(now) {
			// PostgreSQL keeps microseconds; the job compares the stored time.
			at := publishAt.UTC().Truncate(time.Microsecond)
			c.Status, c.PublishAt = StatusScheduled, &at
			_, err := s.jobs.InsertTx(ctx, tx, PublishArgs{TenantID: c.TenantID, ContentID: c.ID, PublishAt: at},
				&river.InsertOpts{ScheduledAt: at})
			return "", err
		}
		c.Status, c.PublishAt, c.PublishedAt = StatusPublished, nil, &now
		return EventPublish, nil
	})
}

// SendBack returns an item in review (or scheduled) to its editors with a comment.
func (s *Service) SendBack(ctx context.Context, id uuid.UUID, comment string) (*Content, error) {
	comment = strings.TrimSpace(comment)
	if n := chars(comment); n < 1 || n > 2000 {
		return nil, apperr.InvalidField("comment", "say what to change (1–2000 characters)")
	}
	return s.transition(ctx, id, auth.PermContentReview, func(ctx context.Context, tx pgx.Tx, c *Content) (string, error) {
		if c.Status != StatusInReview && c.Status != StatusScheduled {
			return "", apperr.Conflictf("only an item in review can be sent back (this item is %s)", c.Status)
		}
		c.Status, c.ReviewComment, c.PublishAt = StatusDraft, comment, nil
		return "", nil
	})
}

// Unpublish takes a published item off every site; it becomes a draft.
func (s *Service) Unpublish(ctx context.Context, id uuid.UUID) (*Content, error) {
	return s.transition(ctx, id, auth.PermContentEdit, func(ctx context.Context, tx pgx.Tx, c *Content) (string, error) {
		if c.Status != StatusPublished {
			return "", apperr.Conflictf("the item is not published (it is %s)", c.Status)
		}
		c.Status = StatusDraft
		return EventUnpublish, nil
	})
}

// Archive retires an item (taking it off the sites when published).
func (s *Service) Archive(ctx context.Context, id uuid.UUID) (*Content, error) {
	return s.transition(ctx, id, auth.PermContentEdit, func(ctx context.Context, tx pgx.Tx, c *Content) (string, error) {
		if c.Status == StatusArchived {
			return "", apperr.Conflictf("the item is already archived")
		}
		event := ""
		if c.Status == StatusPublished {
			event = EventUnpublish
		}
		c.Status, c.PublishAt = StatusArchived, nil
		return event, nil
	})
}

func (s *Service) transition(ctx context.Context, id uuid.UUID, perm auth.Permission, step func(context.Context, pgx.Tx, *Content) (string, error)) (*Content, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out *Content
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		c, err := s.editable(ctx, q, p, id, perm)
		if err != nil {
			return err
		}
		event, err := step(ctx, tx, c)
		if err != nil {
			return err
		}
		out, err = s.saveWorkflow(ctx, tx, c, event)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) saveWorkflow(ctx context.Context, tx pgx.Tx, c *Content, event string) (*Content, error) {
	row, err := contentdb.New(tx).SetWorkflow(ctx, contentdb.SetWorkflowParams{TenantID: c.TenantID, ID: c.ID, Status: string(c.Status),
		ReviewComment: c.ReviewComment, PublishAt: c.PublishAt, PublishedAt: c.PublishedAt})
	if err != nil {
		return nil, fmt.Errorf("content: workflow: %w", err)
	}
	out, err := fromRow(row, c.orgPath)
	if err != nil {
		return nil, err
	}
	if err := s.syncUsages(ctx, tx, out); err != nil {
		return nil, err
	}
	if event != "" {
		if err := s.enqueueWebhooks(ctx, tx, out, event); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PublishArgs publishes a scheduled item at its time.
type PublishArgs struct {
	TenantID  uuid.UUID `json:"tenant_id"`
	ContentID uuid.UUID `json:"content_id"`
	PublishAt time.Time `json:"publish_at"`
}

// Kind names the job.
func (PublishArgs) Kind() string { return "content.publish" }

// PublishWorker carries out scheduled publishing. It publishes only an item
// still scheduled for exactly this time, so a rescheduled, sent-back or
// already published item is left alone, and running twice publishes once.
type PublishWorker struct {
	river.WorkerDefaults[PublishArgs]
	Content *Service
}

// Work publishes the item.
func (w *PublishWorker) Work(ctx context.Context, job *river.Job[PublishArgs]) error {
	s, a := w.Content, job.Args
	return postgres.InTenantTx(ctx, s.pool, a.TenantID, func(tx pgx.Tx) error {
		c, err := s.load(ctx, contentdb.New(tx), a.TenantID, a.ContentID, true)
		if apperr.Is(err, apperr.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if c.Status != StatusScheduled || c.PublishAt == nil || !c.PublishAt.Equal(a.PublishAt) {
			return nil
		}
		if err := publishable(ctx, tx, c); err != nil {
			// A file was deleted meanwhile: back to the editors, with the reason.
			c.Status, c.PublishAt, c.ReviewComment = StatusDraft, nil, "scheduled publishing failed: "+err.Error()
			_, err := s.saveWorkflow(ctx, tx, c, "")
			return err
		}
		now := s.now()
		c.Status, c.PublishAt, c.PublishedAt = StatusPublished, nil, &now
		_, err = s.saveWorkflow(ctx, tx, c, EventPublish)
		return err
	})
}

// Revision is one saved version of an item.
type Revision struct {
	Version int
	SavedBy *uuid.UUID
	SavedAt time.Time
	Note    string
}
