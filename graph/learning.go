package graph

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/google/uuid"

	"zhdj/graph/model"
	"zhdj/internal/content"
	"zhdj/internal/learning"
)

// encodeLearningCursor packs a progress's position in the caller's list:
// when it was last studied, then the item.
func encodeLearningCursor(p *learning.Progress) string {
	return encodeTimeCursor(p.UpdatedAt, p.ContentID)
}

func decodeLearningCursor(field string, s *string) (*learning.Cursor, error) {
	c, err := decodeTimeCursor(field, s)
	if c == nil {
		return nil, err
	}
	return &learning.Cursor{UpdatedAt: c.At, ContentID: c.ID}, nil
}

// learningItems loads, for a page of progress, the items it is on that the
// caller may see, with their extras: two round trips whatever the page size.
func (r *Resolver) learningItems(ctx context.Context, tenant uuid.UUID, page []*learning.Progress) (map[uuid.UUID]model.ContentItem, error) {
	ids := make([]uuid.UUID, len(page))
	for i, p := range page {
		ids[i] = p.ContentID
	}
	return r.itemsByID(ctx, tenant, ids)
}

// itemsByID loads the items among ids that the caller may see, with their
// extras: two round trips whatever their number.
func (r *Resolver) itemsByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]model.ContentItem, error) {
	out := map[uuid.UUID]model.ContentItem{}
	if len(ids) == 0 {
		return out, nil
	}
	found, err := r.Publishing.ByIDs(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	items := make([]*content.Content, 0, len(found))
	for _, id := range ids {
		if c, ok := found[id]; ok {
			items = append(items, c)
		}
	}
	extras, err := r.Publishing.Extras(ctx, tenant, items)
	if err != nil {
		return nil, err
	}
	for _, c := range items {
		out[c.ID] = model.Wrap(c, extras)
	}
	return out, nil
}

// encodeForYouCursor packs a suggestion's place in the list.
func encodeForYouCursor(s *learning.Suggestion) string {
	var b [4 + 4 + 8 + 16]byte
	binary.BigEndian.PutUint32(b[0:], uint32(s.Bucket()))
	binary.BigEndian.PutUint32(b[4:], uint32(int32(s.Score)))
	binary.BigEndian.PutUint64(b[8:], uint64(s.PublishedAt.UnixMicro()))
	copy(b[16:], s.ContentID[:])
	return sealCursor(b[:])
}

func decodeForYouCursor(field string, s *string) (*learning.ForYouCursor, error) {
	b, err := openCursor(field, s, "list", size(32))
	if b == nil {
		return nil, err
	}
	c := &learning.ForYouCursor{Bucket: int(int32(binary.BigEndian.Uint32(b[0:]))), Score: int(int32(binary.BigEndian.Uint32(b[4:]))),
		PublishedAt: time.UnixMicro(int64(binary.BigEndian.Uint64(b[8:]))).UTC()}
	copy(c.ID[:], b[16:])
	return c, nil
}
