package content

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aymanbagabas/go-udiff"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/content/contentdb"
	"zhdj/internal/jobs"
	"zhdj/internal/media"
	"zhdj/internal/postgres"
)

// Service is the content use cases.
type Service struct {
	pool      *pgxpool.Pool
	files     *media.Service
	jobs      jobs.Inserter
	sanitizer *Sanitizer
	webhooks  WebhookPolicy
	Views     *ViewCounter
	now       func() time.Time
}

// NewService returns a Service; files serves the covers and panels that
// lists return with their items.
func NewService(pool *pgxpool.Pool, files *media.Service, inserter jobs.Inserter, sanitizer *Sanitizer, webhooks WebhookPolicy) *Service {
	return &Service{pool: pool, files: files, jobs: inserter, sanitizer: sanitizer, webhooks: webhooks, Views: NewViewCounter(pool), now: time.Now}
}

var errNotFound = apperr.NotFoundf("content not found")

func (s *Service) scope(p *auth.Principal, path string) auth.Scope {
	return auth.Scope{TenantID: p.TenantID, OrgPath: path}
}

// canRead reports whether p may see c as it is: published items are
// public, the others are for those who may edit or review them.
func canRead(p *auth.Principal, c *Content) bool {
	return c.Status == StatusPublished || c.EditableBy(p)
}

func (s *Service) load(ctx context.Context, q *contentdb.Queries, tenant, id uuid.UUID, forUpdate bool) (*Content, error) {
	var row contentdb.Content
	var path string
	var err error
	if forUpdate {
		var r contentdb.GetContentForUpdateRow
		r, err = q.GetContentForUpdate(ctx, contentdb.GetContentForUpdateParams{TenantID: tenant, ID: id})
		row, path = r.Content, r.OrgPath
	} else {
		var r contentdb.GetContentRow
		r, err = q.GetContent(ctx, contentdb.GetContentParams{TenantID: tenant, ID: id})
		row, path = r.Content, r.OrgPath
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("content: load: %w", err)
	}
	return fromRow(row, path)
}

// editable loads an item for a change that needs perm at its unit. An
// editor or reviewer of another unit gets Forbidden; someone with no part
// in the school's content gets NotFound for items they cannot read.
func (s *Service) editable(ctx context.Context, q *contentdb.Queries, p *auth.Principal, id uuid.UUID, perm auth.Permission) (*Content, error) {
	c, err := s.load(ctx, q, p.TenantID, id, true)
	if err != nil {
		return nil, err
	}
	if !p.Can(perm, s.scope(p, c.orgPath)) {
		if canRead(p, c) || p.Has(auth.PermContentEdit) || p.Has(auth.PermContentReview) {
			return nil, apperr.Forbiddenf("you may not change content of this org unit")
		}
		return nil, errNotFound
	}
	return c, nil
}

func encodeBody(c *Content) []byte {
	var v any
	switch c.Type {
	case TypeArticle:
		v = c.Article
	case TypeMicroLesson:
		v = c.Lesson
	case TypeComic:
		v = c.Comic
	}
	b, _ := json.Marshal(v)
	return b
}

func (s *Service) apply(c *Content, f Fields) {
	c.Slug, c.Title, c.Summary, c.CoverID, c.Tags, c.Topics, c.PublishToSubtree = f.Slug, f.Title, f.Summary, f.CoverID, f.Tags, f.Topics, f.PublishToSubtree
	c.Article, c.Lesson, c.Comic = nil, nil, nil
	switch c.Type {
	case TypeArticle:
		a := *f.Article
		a.HTML = s.sanitizer.Clean(a.HTML)
		c.Article = &a
	case TypeMicroLesson:
		l := *f.Lesson
		c.Lesson = &l
	case TypeComic:
		cm := *f.Comic
		c.Comic = &cm
	}
}

func slugConflict(err error, slug string) error {
	if postgres.IsUniqueViolation(err, "contents_tenant_id_slug_key") {
		return &apperr.Error{Kind: apperr.Conflict, Msg: fmt.Sprintf("another item already has the slug %q", slug), Fields: map[string]string{"slug": "already taken"}, Err: err}
	}
	return postgres.Err(err, "content")
}

// Create writes a new draft of type t for unit (the caller's first unit
// where they may edit when nil). The creator is its first author.
func (s *Service) Create(ctx context.Context, t Type, unit *uuid.UUID, f Fields) (*Content, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !t.Valid() {
		return nil, apperr.InvalidField("type", "must be article, micro_lesson or comic")
	}
	if err := f.validate(t); err != nil {
		return nil, err
	}
	var out *Content
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		u, path, err := s.unitFor(ctx, q, p, unit)
		if err != nil {
			return err
		}
		c := &Content{TenantID: p.TenantID, Type: t, OrgUnitID: u, Status: StatusDraft, orgPath: path}
		s.apply(c, f)
		row, err := q.InsertContent(ctx, contentdb.InsertContentParams{
			TenantID: p.TenantID, Type: string(t), Slug: c.Slug, Title: c.Title, Summary: c.Summary, CoverID: c.CoverID,
			Tags: nonNil(c.Tags), Topics: nonNil(c.Topics), OrgUnitID: u, PublishToSubtree: c.PublishToSubtree,
			Body: encodeBody(c), CreatedBy: p.Actor(),
		})
		if err != nil {
			return slugConflict(err, c.Slug)
		}
		if out, err = fromRow(row, path); err != nil {
			return err
		}
		if err := s.setAuthors(ctx, q, p, out.ID, f.AuthorIDs); err != nil {
			return err
		}
		return s.afterSave(ctx, tx, p, out, "created")
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Service) unitFor(ctx context.Context, q *contentdb.Queries, p *auth.Principal, unit *uuid.UUID) (uuid.UUID, string, error) {
	if unit == nil {
		for _, b := range p.Bindings {
			if b.Role.Permits(auth.PermContentEdit) {
				return b.OrgUnitID, b.OrgUnitPath, nil
			}
		}
		return uuid.Nil, "", apperr.Forbiddenf("you may not write content")
	}
	path, err := q.UnitPath(ctx, contentdb.UnitPathParams{TenantID: p.TenantID, ID: *unit})
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, "", apperr.InvalidField("orgUnitId", "no such org unit")
	}
	if err != nil {
		return uuid.Nil, "", err
	}
	if !p.Can(auth.PermContentEdit, s.scope(p, path)) {
		return uuid.Nil, "", apperr.Forbiddenf("you may not write content for this org unit")
	}
	return *unit, path, nil
}

func (s *Service) setAuthors(ctx context.Context, q *contentdb.Queries, p *auth.Principal, id uuid.UUID, extra []uuid.UUID) error {
	if err := q.DeleteAuthors(ctx, contentdb.DeleteAuthorsParams{TenantID: p.TenantID, ContentID: id}); err != nil {
		return err
	}
	authors := extra
	if !p.System {
		authors = append([]uuid.UUID{p.AccountID}, extra...)
	}
	for i, a := range authors {
		if err := q.InsertAuthor(ctx, contentdb.InsertAuthorParams{TenantID: p.TenantID, ContentID: id, AccountID: a, Position: int32(i)}); err != nil {
			if apperr.KindOf(postgres.Err(err, "")) == apperr.Invalid {
				return apperr.InvalidField("authorIds", "names an account that does not exist")
			}
			return err
		}
	}
	return nil
}

// afterSave records the revision and the media the item now uses.
func (s *Service) afterSave(ctx context.Context, tx pgx.Tx, p *auth.Principal, c *Content, note string) error {
	if err := contentdb.New(tx).InsertRevision(ctx, contentdb.InsertRevisionParams{TenantID: c.TenantID, ContentID: c.ID, Version: int32(c.Version),
		SavedBy: p.Actor(), Note: note, Snapshot: snapshotOf(c)}); err != nil {
		return fmt.Errorf("content: revision: %w", err)
	}
	return s.syncUsages(ctx, tx, c)
}

func (s *Service) syncUsages(ctx context.Context, tx pgx.Tx, c *Content) error {
	refs := c.mediaRefs()
	ids := make([]uuid.UUID, 0, len(refs))
	seen := map[uuid.UUID]bool{}
	for _, id := range refs {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	known, err := media.Refs(ctx, tx, c.TenantID, ids)
	if err != nil {
		return err
	}
	existing := ids[:0:0]
	for _, id := range ids {
		if _, ok := known[id]; ok {
			existing = append(existing, id)
		}
	}
	return media.SetUsages(ctx, tx, c.TenantID, media.Usage{UserType: string(c.Type), UserID: c.ID, Label: c.Title, Published: c.Status == StatusPublished}, existing)
}

// Update replaces an item's fields. version is the version the editor
// started from: if someone saved since, the update is a Conflict and
// nothing is overwritten. A published item stays published (front ends are
// told it changed).
func (s *Service) Update(ctx context.Context, id uuid.UUID, version int, f Fields, note string) (*Content, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out *Content
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		c, err := s.editable(ctx, q, p, id, auth.PermContentEdit)
		if err != nil {
			return err
		}
		if err := f.validate(c.Type); err != nil {
			return err
		}
		if c.Version != version {
			return &apperr.Error{Kind: apperr.Conflict, Msg: fmt.Sprintf("someone saved this item since you opened it (now version %d, yours %d); reload and apply your change again", c.Version, version),
				Fields: map[string]string{"version": "stale"}}
		}
		if c.Status == StatusArchived {
			return apperr.Conflictf("an archived item cannot be edited")
		}
		s.apply(c, f)
		row, err := q.UpdateContent(ctx, contentdb.UpdateContentParams{TenantID: p.TenantID, ID: id, ExpectedVersion: int32(version),
			Slug: c.Slug, Title: c.Title, Summary: c.Summary, CoverID: c.CoverID, Tags: nonNil(c.Tags), Topics: nonNil(c.Topics),
			PublishToSubtree: c.PublishToSubtree, Body: encodeBody(c)})
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.Conflictf("someone saved this item at the same moment; reload and apply your change again")
		}
		if err != nil {
			return slugConflict(err, c.Slug)
		}
		if out, err = fromRow(row, c.orgPath); err != nil {
			return err
		}
		if f.AuthorIDs != nil {
			if err := s.setAuthors(ctx, q, p, id, f.AuthorIDs); err != nil {
				return err
			}
		}
		if err := s.afterSave(ctx, tx, p, out, note); err != nil {
			return err
		}
		if out.Status == StatusPublished {
			return s.enqueueWebhooks(ctx, tx, out, EventUpdate)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

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

// Revisions lists an item's saved versions, newest first.
func (s *Service) Revisions(ctx context.Context, id uuid.UUID) ([]Revision, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out []Revision
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		if err := s.mayReadHistory(ctx, q, p, id); err != nil {
			return err
		}
		rows, err := q.Revisions(ctx, contentdb.RevisionsParams{TenantID: p.TenantID, ContentID: id})
		if err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, Revision{Version: int(r.Version), SavedBy: r.SavedBy, SavedAt: r.SavedAt, Note: r.Note})
		}
		return nil
	})
	return out, err
}

// mayReadHistory says whether p may read the revisions of item id (its
// editors and reviewers); to anyone else the item does not exist.
func (s *Service) mayReadHistory(ctx context.Context, q *contentdb.Queries, p *auth.Principal, id uuid.UUID) error {
	c, err := s.load(ctx, q, p.TenantID, id, false)
	if err != nil {
		return err
	}
	if !c.EditableBy(p) {
		return errNotFound
	}
	return nil
}

func (s *Service) revision(ctx context.Context, q *contentdb.Queries, p *auth.Principal, id uuid.UUID, version int, field string) (snapshot, error) {
	var snap snapshot
	r, err := q.Revision(ctx, contentdb.RevisionParams{TenantID: p.TenantID, ContentID: id, Version: int32(version)})
	if errors.Is(err, pgx.ErrNoRows) {
		return snap, apperr.InvalidField(field, fmt.Sprintf("there is no version %d", version))
	}
	if err != nil {
		return snap, err
	}
	return snap, json.Unmarshal(r.Snapshot, &snap)
}

// Diff returns a unified diff between two saved versions of an item.
func (s *Service) Diff(ctx context.Context, id uuid.UUID, from, to int) (string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return "", err
	}
	var out string
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		if err := s.mayReadHistory(ctx, q, p, id); err != nil {
			return err
		}
		a, err := s.revision(ctx, q, p, id, from, "from")
		if err != nil {
			return err
		}
		b, err := s.revision(ctx, q, p, id, to, "to")
		if err != nil {
			return err
		}
		before, after := a.text(), b.text()
		out, err = udiff.ToUnified(fmt.Sprintf("version %d", from), fmt.Sprintf("version %d", to), before, udiff.Lines(before, after), 2)
		return err
	})
	return out, err
}

// Restore saves the fields of an old version as a new version (the current
// version must be given, as for Update).
func (s *Service) Restore(ctx context.Context, id uuid.UUID, from, currentVersion int) (*Content, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var snap snapshot
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		if _, err := s.editable(ctx, q, p, id, auth.PermContentEdit); err != nil {
			return err
		}
		snap, err = s.revision(ctx, q, p, id, from, "version")
		return err
	})
	if err != nil {
		return nil, err
	}
	f := Fields{Slug: snap.Slug, Title: snap.Title, Summary: snap.Summary, CoverID: snap.CoverID, Tags: snap.Tags, Topics: snap.Topics,
		PublishToSubtree: snap.PublishToSubtree, Article: snap.Article, Lesson: snap.Lesson, Comic: snap.Comic}
	return s.Update(ctx, id, currentVersion, f, fmt.Sprintf("restored version %d", from))
}

// fromDetail is fromRow for a row of content_details.
func fromDetail(d contentdb.ContentDetail) (*Content, error) {
	return fromRow(contentdb.Content{
		TenantID: d.TenantID, ID: d.ID, Type: d.Type, Slug: d.Slug, Title: d.Title, Summary: d.Summary, CoverID: d.CoverID,
		Tags: d.Tags, Topics: d.Topics, OrgUnitID: d.OrgUnitID, PublishToSubtree: d.PublishToSubtree, Status: d.Status,
		ReviewComment: d.ReviewComment, PublishAt: d.PublishAt, PublishedAt: d.PublishedAt, Body: d.Body, Version: d.Version,
		ViewCount: d.ViewCount, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}, d.OrgPath)
}

func fromRow(r contentdb.Content, path string) (*Content, error) {
	c := &Content{
		TenantID: r.TenantID, ID: r.ID, Type: Type(r.Type), Slug: r.Slug, Title: r.Title, Summary: r.Summary, CoverID: r.CoverID,
		Tags: r.Tags, Topics: r.Topics, OrgUnitID: r.OrgUnitID, PublishToSubtree: r.PublishToSubtree, Status: Status(r.Status),
		ReviewComment: r.ReviewComment, PublishAt: r.PublishAt, PublishedAt: r.PublishedAt, Version: int(r.Version),
		ViewCount: r.ViewCount, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, orgPath: path,
	}
	var err error
	switch c.Type {
	case TypeArticle:
		c.Article = &Article{}
		err = json.Unmarshal(r.Body, c.Article)
	case TypeMicroLesson:
		c.Lesson = &Lesson{}
		err = json.Unmarshal(r.Body, c.Lesson)
	case TypeComic:
		c.Comic = &Comic{}
		err = json.Unmarshal(r.Body, c.Comic)
	}
	if err != nil {
		return nil, fmt.Errorf("content %s: stored body: %w", r.ID, err)
	}
	return c, nil
}

// EditableBy reports whether p may edit or review c: an editor or reviewer
// of the school over c's unit. The one statement of who works on an item.
func (c *Content) EditableBy(p *auth.Principal) bool {
	if p == nil || p.TenantID != c.TenantID {
		return false
	}
	sc := auth.Scope{TenantID: p.TenantID, OrgPath: c.orgPath}
	return p.Can(auth.PermContentEdit, sc) || p.Can(auth.PermContentReview, sc)
}
