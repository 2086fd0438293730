package model

import (
	"fmt"

	"github.com/google/uuid"

	"zhdj/internal/content"
	"zhdj/internal/media"
	"zhdj/internal/member"
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

// The fields below are the type-specific ones, bound by gqlgen to these
// methods: they run inline while the item is written, without a resolver
// or a goroutine of their own.

// ViewCount is how often the item was read.
func (a Article) ViewCount() int { return int(a.Content.ViewCount) }

// ReviewComment is what the last reviewer said (nil when nothing).
func (a Article) ReviewComment() *string { return optional(a.Content.ReviewComment) }

// Body is the article's sanitised HTML.
func (a Article) Body() (string, error) { return longText(a.Content, a.Article.HTML) }

// Source is where the article comes from (nil when not said).
func (a Article) Source() *string { return optional(a.Article.Source) }

// ViewCount is how often the item was watched.
func (m MicroLesson) ViewCount() int { return int(m.Content.ViewCount) }

// ReviewComment is what the last reviewer said (nil when nothing).
func (m MicroLesson) ReviewComment() *string { return optional(m.Content.ReviewComment) }

// DurationSeconds is the video's length.
func (m MicroLesson) DurationSeconds() int { return m.Lesson.DurationSeconds }

// Chapters are the lesson's time codes, in order.
func (m MicroLesson) Chapters() []*content.Chapter {
	out := make([]*content.Chapter, len(m.Lesson.Chapters))
	for i := range m.Lesson.Chapters {
		out[i] = &m.Lesson.Chapters[i]
	}
	return out
}

// Transcript is what is said in the video.
func (m MicroLesson) Transcript() (string, error) { return longText(m.Content, m.Lesson.Transcript) }

// Speaker is who gives the lesson.
func (m MicroLesson) Speaker() string { return m.Lesson.Speaker }

// Series is the series the lesson belongs to.
func (m MicroLesson) Series() string { return m.Lesson.Series }

// RequiredStages are the membership stages that must study the lesson.
func (m MicroLesson) RequiredStages() []member.Stage {
	out := make([]member.Stage, len(m.Lesson.RequiredStages))
	for i, v := range m.Lesson.RequiredStages {
		out[i] = member.Stage(v)
	}
	return out
}

// ViewCount is how often the item was read.
func (c Comic) ViewCount() int { return int(c.Content.ViewCount) }

// ReviewComment is what the last reviewer said (nil when nothing).
func (c Comic) ReviewComment() *string { return optional(c.Content.ReviewComment) }

// Panels are the comic's images, in order.
func (c Comic) Panels() []*ComicPanel {
	out := make([]*ComicPanel, len(c.Comic.Panels))
	for i, p := range c.Comic.Panels {
		out[i] = &ComicPanel{Tenant: c.TenantID, Panel: p}
	}
	return out
}

// Series is the series the comic belongs to.
func (c Comic) Series() string { return c.Comic.Series }

// Episode is the comic's number in its series.
func (c Comic) Episode() int { return c.Comic.Episode }

// longText is a long text of c (an article's HTML, a lesson's transcript);
// an item read without its long texts has none to give, which is the
// server's error (the operation asked for it, and the list should have
// read it), never an empty text.
func longText(c *content.Content, stored string) (string, error) {
	if c.TextOmitted() {
		return "", fmt.Errorf("graph: %s was read without its long text, which the operation asks for", c.ID)
	}
	return stored, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
