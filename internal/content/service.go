package content

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
