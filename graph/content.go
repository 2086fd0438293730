package graph

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/google/uuid"

	"zhdj/graph/model"
	"zhdj/internal/apperr"
	"zhdj/internal/content"
	"zhdj/internal/media"
	"zhdj/internal/org"
	"zhdj/internal/site"
)

// Shared field resolvers of the three content types.

// visibleMedia loads a file the caller may see, or nil (never an error for
// a file that is gone or hidden: the content still renders).
func (r *Resolver) visibleMedia(ctx context.Context, tenant, id uuid.UUID) (*media.Media, error) {
	m, err := loadersFrom(ctx).media.Load(ctx, tkey{tenant, id})
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	return m, err // m is nil (no error) when a prefetch found nothing
}

func (r *Resolver) contentUnit(ctx context.Context, c *content.Content) (*org.Unit, error) {
	return loadersFrom(ctx).unit.Load(ctx, tkey{c.TenantID, c.OrgUnitID})
}

// textOption is WithText when the current field's selection asks, at
// path, for a field that shows an item's long text.
func textOption(ctx context.Context, path ...string) content.TextOption {
	return content.TextOption(selectsAny(ctx, path, "body", "transcript"))
}

// longText is the long text of item id (an article's HTML, a
// micro-lesson's transcript, an activity's description). A list reads it
// only when its selection asks (textOption, descriptionOption), so it is
// never omitted when asked for; if it were, that is a bug, not an empty text.
func longText(id uuid.UUID, omitted bool, stored string) (string, error) {
	if omitted {
		return "", fmt.Errorf("graph: %s was read without its long text, which the operation asks for", id)
	}
	return stored, nil
}

func (r *Resolver) contentSites(ctx context.Context, c *content.Content) ([]*site.Site, error) {
	ids, err := loadersFrom(ctx).contentSites.Load(ctx, tkey{c.TenantID, c.ID})
	if err != nil {
		return nil, err
	}
	keys := make([]tkey, len(ids))
	for i, id := range ids {
		keys[i] = tkey{c.TenantID, id}
	}
	sites, err := loadersFrom(ctx).site.LoadAll(ctx, keys)
	if err != nil {
		return nil, err
	}
	return sites, nil
}

func (r *Resolver) mediaList(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) ([]*media.Media, error) {
	out := make([]*media.Media, 0, len(ids))
	for _, id := range ids {
		m, err := r.visibleMedia(ctx, tenant, id)
		if err != nil {
			return nil, err
		}
		if m != nil {
			out = append(out, m)
		}
	}
	return out, nil
}

func wrapPage(page *content.Page) []model.ContentItem {
	out := make([]model.ContentItem, len(page.Items))
	for i, c := range page.Items {
		out[i] = model.Wrap(c, page)
	}
	return out
}

// wrapOne returns an item with its extras (one round trip).
func (r *Resolver) wrapOne(ctx context.Context, c *content.Content) (model.ContentItem, error) {
	page, err := r.Publishing.Extras(ctx, c.TenantID, []*content.Content{c})
	if err != nil {
		return nil, err
	}
	return model.Wrap(c, page), nil
}

// contentFields turns the GraphQL input into domain fields, decoding IDs.
func contentFields(in *model.ContentFieldsInput) (content.Fields, error) {
	f := content.Fields{Slug: in.Slug, Title: deref(in.Title), Summary: deref(in.Summary), Tags: in.Tags, Topics: in.Topics,
		PublishToSubtree: deref(in.PublishToSubtree)}
	var err error
	if in.CoverID != nil {
		g, err := decodeIDOf("input.fields.coverId", *in.CoverID, idMedia)
		if err != nil {
			return f, err
		}
		f.CoverID = &g.ID
	}
	if f.AuthorIDs, err = decodeIDsOf("input.fields.authorIds", in.AuthorIds, idAccount); err != nil {
		return f, err
	}
	if a := in.Article; a != nil {
		f.Article = &content.Article{HTML: a.HTML, Source: deref(a.Source)}
		if f.Article.AttachmentIDs, err = decodeIDsOf("input.fields.article.attachmentIds", a.AttachmentIds, idMedia); err != nil {
			return f, err
		}
	}
	if l := in.Lesson; l != nil {
		f.Lesson = &content.Lesson{DurationSeconds: deref(l.DurationSeconds), Transcript: deref(l.Transcript), Speaker: deref(l.Speaker), Series: deref(l.Series)}
		if l.VideoID != nil {
			g, err := decodeIDOf("input.fields.lesson.videoId", *l.VideoID, idMedia)
			if err != nil {
				return f, err
			}
			f.Lesson.VideoID = &g.ID
		}
		for _, c := range l.Chapters {
			f.Lesson.Chapters = append(f.Lesson.Chapters, content.Chapter{AtSeconds: c.AtSeconds, Title: c.Title})
		}
		for _, st := range l.RequiredStages {
			f.Lesson.RequiredStages = append(f.Lesson.RequiredStages, string(st))
		}
	}
	if c := in.Comic; c != nil {
		f.Comic = &content.Comic{Series: deref(c.Series), Episode: deref(c.Episode)}
		for i, p := range c.Panels {
			g, err := decodeIDOf("input.fields.comic.panels["+itoa(i)+"].imageId", p.ImageID, idMedia)
			if err != nil {
				return f, err
			}
			f.Comic.Panels = append(f.Comic.Panels, content.Panel{ImageID: g.ID, Caption: deref(p.Caption), Alt: deref(p.Alt)})
		}
	}
	return f, nil
}

// contentPayload returns a function that turns a service result into the
// mutation payload (the item with its extras); the fields of an error are
// mapped by inputErr(err, base, at).
func (r *Resolver) contentPayload(ctx context.Context, base string, at map[string]string) func(*content.Content, error) (*model.ContentPayload, error) {
	return func(c *content.Content, err error) (*model.ContentPayload, error) {
		if err != nil {
			return nil, inputErr(err, base, at)
		}
		item, err := r.wrapOne(ctx, c)
		if err != nil {
			return nil, err
		}
		return &model.ContentPayload{Content: item}, nil
	}
}

func encodeContentCursor(c *content.Content, o content.Order) string {
	cur := content.CursorOf(c, o)
	var b [8 + 8 + 16]byte
	binary.BigEndian.PutUint64(b[0:], uint64(cur.PublishedAt.UnixMicro()))
	binary.BigEndian.PutUint64(b[8:], uint64(cur.Views))
	copy(b[16:], cur.ID[:])
	return sealCursor(b[:])
}

func decodeContentCursor(field string, s *string) (*content.Cursor, error) {
	b, err := openCursor(field, s, "list", size(32))
	if b == nil {
		return nil, err
	}
	c := &content.Cursor{PublishedAt: time.UnixMicro(int64(binary.BigEndian.Uint64(b[0:]))).UTC(), Views: int64(binary.BigEndian.Uint64(b[8:]))}
	copy(c.ID[:], b[16:])
	return c, nil
}

// A workspace cursor is the last item's updated_at (µs) and id; a list
// cursor (32 bytes) is refused as one.
func encodeWorkspaceCursor(c *content.Content) string {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[0:], uint64(c.UpdatedAt.UnixMicro()))
	copy(b[8:], c.ID[:])
	return sealCursor(b[:])
}

func decodeWorkspaceCursor(field string, s *string) (*content.WorkspaceCursor, error) {
	b, err := openCursor(field, s, "workspace", size(24))
	if b == nil {
		return nil, err
	}
	c := &content.WorkspaceCursor{UpdatedAt: time.UnixMicro(int64(binary.BigEndian.Uint64(b[0:]))).UTC()}
	copy(c.ID[:], b[8:])
	return c, nil
}
