package model

import (
	"github.com/google/uuid"

	"zhdj/internal/content"
	"zhdj/internal/media"
)

// ContentItem is the Go side of the Content interface: each GraphQL type
// wraps the same domain item.
type ContentItem interface {
	Item() *content.Content
}

// Extras are what a list shows with an item, loaded for the whole page at
// once (so that these fields need no resolver, loader or goroutine).
type Extras struct {
	CoverMedia *media.Media
	AuthorList []*content.Author
}

// Article is a content item of type article.
type Article struct {
	*content.Content
	Extras
}

// MicroLesson is a content item of type micro_lesson.
type MicroLesson struct {
	*content.Content
	Extras
}

// Comic is a content item of type comic.
type Comic struct {
	*content.Content
	Extras
}

func (a Article) Item() *content.Content     { return a.Content }
func (m MicroLesson) Item() *content.Content { return m.Content }
func (c Comic) Item() *content.Content       { return c.Content }

// Wrap returns c, with its extras from page, as the GraphQL type of its kind.
func Wrap(c *content.Content, page *content.Page) ContentItem {
	x := Extras{AuthorList: page.Authors[c.ID]}
	if x.AuthorList == nil {
		x.AuthorList = []*content.Author{}
	}
	if c.CoverID != nil {
		x.CoverMedia = page.Covers[*c.CoverID]
	}
	switch c.Type {
	case content.TypeMicroLesson:
		return MicroLesson{c, x}
	case content.TypeComic:
		return Comic{c, x}
	}
	return Article{c, x}
}

// ComicPanel is a panel with the school it belongs to (to load its image).
type ComicPanel struct {
	Tenant uuid.UUID
	content.Panel
}
