package content

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
	"zhdj/internal/auth"
	"zhdj/internal/content/contentdb"
	"zhdj/internal/media"
	"zhdj/internal/postgres"
)

// SiteRef names a site and its school (from site routing).
type SiteRef struct {
	TenantID uuid.UUID
	SiteID   uuid.UUID
}

// Filter selects the published items of a site.
type Filter struct {
	Types     []Type
	Tags      []string // any of
	Topics    []string // any of
	OrgUnitID *uuid.UUID
}

// Order is the order of a content list.
type Order string

const (
	OrderNewest  Order = "newest"  // by publication time
	OrderPopular Order = "popular" // by view count
)

// Cursor is a position in a list: the sort key of the last item seen.
type Cursor struct {
	PublishedAt time.Time
	Views       int64
	ID          uuid.UUID
}

// Page is one page of content, with what a list shows of each item (its
// authors, and its cover with the cover's derivatives), fetched for the
// whole page at once.
type Page struct {
	Items   []*Content
	HasNext bool
	Authors map[uuid.UUID][]*Author
	Covers  map[uuid.UUID]*media.Media
}

// Extras returns items with their authors and covers, fetched in one round
// trip (covers the caller may not see are left out).
func (s *Service) Extras(ctx context.Context, tenant uuid.UUID, items []*Content) (*Page, error) {
	page := &Page{Items: items}
	return page, s.withExtras(ctx, tenant, page)
}

// MaxPageSize is the largest page of a list.
const MaxPageSize = 100

// CursorOf returns the cursor after c in order o.
func CursorOf(c *Content, o Order) Cursor {
	cur := Cursor{ID: c.ID, Views: c.ViewCount}
	if c.PublishedAt != nil {
		cur.PublishedAt = *c.PublishedAt
	}
	return cur
}

// ForSite returns a page of the published items a site shows, keyset-paginated.
func (s *Service) ForSite(ctx context.Context, site SiteRef, f Filter, order Order, first int, after *Cursor, text TextOption) (*Page, error) {
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	types := make([]string, 0, len(f.Types))
	for _, t := range f.Types {
		if !t.Valid() {
			return nil, apperr.InvalidField("filter.types", "unknown type")
		}
		types = append(types, string(t))
	}
	if order != OrderNewest && order != OrderPopular && order != "" {
		return nil, apperr.InvalidField("orderBy", "unknown order")
	}
	sql, args := siteListQuery(site, types, f, order, first, after, text)
	return s.list(ctx, site.TenantID, sql, args, first, text, "site list")
}

// list runs sql, one page of a list asked for one row more than first (so
// the page knows whether another follows), and fetches the page's extras.
func (s *Service) list(ctx context.Context, tenant uuid.UUID, sql string, args pgx.NamedArgs, first int, text TextOption, what string) (*Page, error) {
	page := &Page{}
	b := &pgx.Batch{}
	b.Queue(sql, args).Query(func(rows pgx.Rows) error {
		items, err := scanContents(rows, text)
		if len(items) > first {
			page.HasNext, items = true, items[:first]
		}
		page.Items = items
		return err
	})
	if err := postgres.TenantBatch(ctx, s.pool, tenant, b); err != nil {
		return nil, fmt.Errorf("content: %s: %w", what, err)
	}
	if err := s.withExtras(ctx, tenant, page); err != nil {
		return nil, err
	}
	return page, nil
}

// withExtras fetches, in one round trip, the authors and covers (with
// their derivatives) of every item of page.
func (s *Service) withExtras(ctx context.Context, tenant uuid.UUID, page *Page) error {
	page.Authors, page.Covers = map[uuid.UUID][]*Author{}, map[uuid.UUID]*media.Media{}
	if len(page.Items) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(page.Items))
	var covers []uuid.UUID
	for i, c := range page.Items {
		ids[i] = c.ID
		if c.CoverID != nil {
			covers = append(covers, *c.CoverID)
		}
	}
	b := &pgx.Batch{}
	queueAuthors(b, tenant, ids, page.Authors)
	if len(covers) > 0 && s.files != nil {
		s.files.QueueByIDs(ctx, b, covers, page.Covers)
	}
	if err := postgres.TenantBatch(ctx, s.pool, tenant, b); err != nil {
		return fmt.Errorf("content: list extras: %w", err)
	}
	return nil
}

// BySlug returns the item with slug as the site shows it: a published item
// visible on the site for anyone (and its view is counted), or any item
// of the school to its editors and reviewers (a preview). Otherwise NotFound.
func (s *Service) BySlug(ctx context.Context, site SiteRef, slug string) (*Content, error) {
	var out *Content
	err := postgres.InTenantTx(ctx, s.pool, site.TenantID, func(tx pgx.Tx) error {
		r, err := contentdb.New(tx).ContentBySlug(ctx, contentdb.ContentBySlugParams{TenantID: site.TenantID, SiteID: site.SiteID, Slug: slug})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		c, err := fromDetail(r.ContentDetail)
		if err != nil {
			return err
		}
		if r.Shown {
			out = c
			s.Views.Add(c.TenantID, c.ID)
			return nil
		}
		if c.Status != StatusPublished && c.EditableBy(auth.FromContext(ctx)) {
			out = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("content: by slug: %w", err)
	}
	if out == nil {
		return nil, apperr.NotFoundf("no content %q on this site", slug)
	}
	return out, nil
}

// Featured returns the items a site pins, in its order (only those it
// shows), with their extras.
func (s *Service) Featured(ctx context.Context, site SiteRef, text TextOption) (*Page, error) {
	page := &Page{}
	b := &pgx.Batch{}
	sql, args := featuredQuery(site, text)
	b.Queue(sql, args).Query(func(rows pgx.Rows) error {
		items, err := scanContents(rows, text)
		page.Items = items
		return err
	})
	err := postgres.TenantBatch(ctx, s.pool, site.TenantID, b)
	if err != nil {
		return nil, fmt.Errorf("content: featured: %w", err)
	}
	if err := s.withExtras(ctx, site.TenantID, page); err != nil {
		return nil, err
	}
	return page, nil
}

func (s *Service) manageSite(ctx context.Context, q *contentdb.Queries, p *auth.Principal, siteID uuid.UUID) error {
	unit, err := q.SiteUnit(ctx, contentdb.SiteUnitParams{TenantID: p.TenantID, ID: siteID})
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.NotFoundf("site not found")
	}
	if err != nil {
		return err
	}
	if !p.Can(auth.PermSiteManage, s.scope(p, unit.Path)) && !p.Can(auth.PermContentReview, s.scope(p, unit.Path)) {
		return apperr.Forbiddenf("you may not curate this site")
	}
	return nil
}

// SetFeatured replaces the items a site pins, in order (site managers and
// reviewers of its unit).
func (s *Service) SetFeatured(ctx context.Context, siteID uuid.UUID, ids []uuid.UUID) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if len(ids) > 50 {
		return apperr.InvalidField("contentIds", "at most 50 pinned items")
	}
	return postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		if err := s.manageSite(ctx, q, p, siteID); err != nil {
			return err
		}
		if err := q.ClearFeatured(ctx, contentdb.ClearFeaturedParams{TenantID: p.TenantID, SiteID: siteID}); err != nil {
			return err
		}
		for i, id := range ids {
			if err := q.InsertFeatured(ctx, contentdb.InsertFeaturedParams{TenantID: p.TenantID, SiteID: siteID, ContentID: id, Position: int32(i)}); err != nil {
				if apperr.KindOf(postgres.Err(err, "")) == apperr.Invalid {
					return apperr.InvalidField(fmt.Sprintf("contentIds[%d]", i), "no such content")
				}
				if postgres.IsUniqueViolation(err, "") {
					return apperr.InvalidField(fmt.Sprintf("contentIds[%d]", i), "listed twice")
				}
				return err
			}
		}
		return nil
	})
}

// SetHidden hides (or shows again) an inherited item on one site.
func (s *Service) SetHidden(ctx context.Context, siteID, contentID uuid.UUID, hidden bool) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	return postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := contentdb.New(tx)
		if err := s.manageSite(ctx, q, p, siteID); err != nil {
			return err
		}
		if !hidden {
			return q.ClearHidden(ctx, contentdb.ClearHiddenParams{TenantID: p.TenantID, SiteID: siteID, ContentID: contentID})
		}
		err := q.SetHidden(ctx, contentdb.SetHiddenParams{TenantID: p.TenantID, SiteID: siteID, ContentID: contentID})
		if apperr.KindOf(postgres.Err(err, "")) == apperr.Invalid {
			return apperr.InvalidField("contentId", "no such content")
		}
		return err
	})
}

// ByIDs returns the items among ids the caller may see (published ones for
// anyone; others for their editors and reviewers), keyed by id.
func (s *Service) ByIDs(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Content, error) {
	p := auth.FromContext(ctx)
	out := map[uuid.UUID]*Content{}
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		rows, err := contentdb.New(tx).ContentsByIDs(ctx, contentdb.ContentsByIDsParams{TenantID: tenant, Ids: ids})
		if err != nil {
			return err
		}
		for _, r := range rows {
			c, err := fromRow(r.Content, r.OrgPath)
			if err != nil {
				return err
			}
			if canRead(p, c) {
				out[c.ID] = c
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("content: by ids: %w", err)
	}
	return out, nil
}

// Author is a credited author of an item.
type Author struct {
	AccountID   uuid.UUID
	DisplayName string
}

// SiteIDs returns, for each item, the active sites it appears on.
func (s *Service) SiteIDs(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID][]uuid.UUID, error) {
	out := map[uuid.UUID][]uuid.UUID{}
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		rows, err := contentdb.New(tx).SitesOfContents(ctx, contentdb.SitesOfContentsParams{TenantID: tenant, Ids: ids})
		if err != nil {
			return err
		}
		for _, r := range rows {
			out[r.ContentID] = append(out[r.ContentID], r.SiteID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("content: sites: %w", err)
	}
	return out, nil
}

// Published returns the published items among ids (in any order) with
// their extras, in two round trips: what search hits show.
func (s *Service) Published(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID, text TextOption) (*Page, error) {
	page := &Page{}
	if len(ids) == 0 {
		return page, s.withExtras(ctx, tenant, page)
	}
	b := &pgx.Batch{}
	queuePublished(b, tenant, ids, text, page)
	if err := postgres.TenantBatch(ctx, s.pool, tenant, b); err != nil {
		return nil, fmt.Errorf("content: published by ids: %w", err)
	}
	if err := s.withExtras(ctx, tenant, page); err != nil {
		return nil, err
	}
	return page, nil
}

// WorkspaceFilter narrows the workspace: the items, in any status, that
// the caller may edit or review.
type WorkspaceFilter struct {
	Statuses []Status
	Types    []Type
	// OrgUnitID keeps the items of this unit and the units below it.
	OrgUnitID *uuid.UUID
	// Query keeps the items whose title or slug holds it.
	Query string
}

// WorkspaceCursor is a position in the workspace: the last item's
// updated_at and id (the workspace is newest change first).
type WorkspaceCursor struct {
	UpdatedAt time.Time
	ID        uuid.UUID
}

// MaxWorkspaceQuery is the longest text the workspace filters titles by.
const MaxWorkspaceQuery = 100

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusDraft, StatusInReview, StatusScheduled, StatusPublished, StatusArchived:
		return true
	}
	return false
}

// Workspace returns a page of the items the caller may edit or review (an
// editor's drafts, a reviewer's queue), in the units where they hold
// either permission, most recently changed first.
func (s *Service) Workspace(ctx context.Context, f WorkspaceFilter, first int, after *WorkspaceCursor) (*Page, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	statuses := make([]string, 0, len(f.Statuses))
	for _, st := range f.Statuses {
		if !st.Valid() {
			return nil, apperr.InvalidField("filter.statuses", "unknown status")
		}
		statuses = append(statuses, string(st))
	}
	types := make([]string, 0, len(f.Types))
	for _, t := range f.Types {
		if !t.Valid() {
			return nil, apperr.InvalidField("filter.types", "unknown type")
		}
		types = append(types, string(t))
	}
	f.Query = strings.TrimSpace(f.Query)
	if utf8.RuneCountInString(f.Query) > MaxWorkspaceQuery {
		return nil, apperr.InvalidField("filter.query", fmt.Sprintf("at most %d characters", MaxWorkspaceQuery))
	}
	edit, allEdit := p.Paths(auth.PermContentEdit)
	review, allReview := p.Paths(auth.PermContentReview)
	all := allEdit || allReview
	paths := append(edit, review...)
	if !all && len(paths) == 0 {
		return nil, apperr.Forbiddenf("you may not edit or review content")
	}
	sql, args := workspaceQuery(p.TenantID, all, paths, statuses, types, f, first, after)
	return s.list(ctx, p.TenantID, sql, args, first, WithoutText, "workspace")
}
