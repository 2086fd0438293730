package model

import (
	"github.com/google/uuid"

	"zhdj/internal/content"
)

// ContentItem is the Go side of the Content interface: each GraphQL type
// wraps the same domain item.
type ContentItem interface {
	Item() *content.Content
}

// Article is a content item of type article.
type Article struct{ *content.Content }

// MicroLesson is a content item of type micro_lesson.
type MicroLesson struct{ *content.Content }

// Comic is a content item of type comic.
type Comic struct{ *content.Content }

func (a Article) Item() *content.Content     { return a.Content }
func (m MicroLesson) Item() *content.Content { return m.Content }
func (c Comic) Item() *content.Content       { return c.Content }

// Wrap returns c as the GraphQL type of its kind.
func Wrap(c *content.Content) ContentItem {
	switch c.Type {
	case content.TypeMicroLesson:
		return MicroLesson{c}
	case content.TypeComic:
		return Comic{c}
	}
	return Article{c}
}

// ComicPanel is a panel with the school it belongs to (to load its image).
type ComicPanel struct {
	Tenant uuid.UUID
	content.Panel
}
